use super::*;

#[test]
fn values_round_trip() {
    let mut e = Enc::default();
    7u8.put(&mut e);
    e.u16(300);
    e.u32(70_000);
    (-5i32).put(&mut e);
    2.5f64.put(&mut e);
    Some("héllo".to_string()).put(&mut e);
    vec![true, false].put(&mut e);
    e.u32s(&[1, 2, u32::MAX]);
    e.u32_pairs(&[(3, 4), (u32::MAX, 0)]);
    e.ids(&[0, u32::MAX, 65_534]);
    e.ids(&[u32::MAX, 65_535]);
    let bytes = e.finish();
    let mut d = Dec::new(&bytes).unwrap();
    assert_eq!(u8::get(&mut d), Ok(7));
    assert_eq!(d.u16(), Ok(300));
    assert_eq!(d.u32(), Ok(70_000));
    assert_eq!(i32::get(&mut d), Ok(-5));
    assert_eq!(f64::get(&mut d), Ok(2.5));
    assert_eq!(Option::<String>::get(&mut d), Ok(Some("héllo".into())));
    assert_eq!(Vec::<bool>::get(&mut d), Ok(vec![true, false]));
    assert_eq!(d.u32s().as_deref(), Ok(&[1, 2, u32::MAX][..]));
    assert_eq!(d.u32_pairs().as_deref(), Ok(&[(3, 4), (u32::MAX, 0)][..]));
    assert_eq!(d.ids().as_deref(), Ok(&[0, u32::MAX, 65_534][..]));
    assert_eq!(d.ids().as_deref(), Ok(&[u32::MAX, 65_535][..]));
    assert!(d.is_done());
}

#[test]
fn garbage_is_bad_not_a_panic() {
    // After an empty string section: a length far beyond the bytes
    // left, a bad tag, a string beyond the section, a cut value.
    let dec = |rest: &[u8]| [&[0, 0, 0, 0][..], rest].concat();
    assert_eq!(Dec::new(&dec(&[0xff, 0xff, 0xff, 0x7f, 1])).unwrap().u32s(), Err(Bad));
    assert_eq!(Vec::<u8>::get(&mut Dec::new(&dec(&[0xff, 0xff, 0xff, 0xff])).unwrap()), Err(Bad));
    assert_eq!(bool::get(&mut Dec::new(&dec(&[2])).unwrap()), Err(Bad));
    assert_eq!(Dec::new(&dec(&[2, 0, 0, 0, 0])).unwrap().ids(), Err(Bad));
    assert_eq!(Dec::new(&dec(&[1, 0, 0, 0])).unwrap().str(), Err(Bad));
    assert_eq!(Dec::new(&dec(&[1, 2])).unwrap().u32(), Err(Bad));
    assert_eq!(Dec::new(&dec(&[1, 0, 0, 0, 1, 2, 3, 4])).unwrap().u32_pairs(), Err(Bad));
    // A string section that is not UTF-8, or longer than the bytes.
    assert_eq!(Dec::new(&[2, 0, 0, 0, 0xc3, 0x28]).err(), Some(Bad));
    assert_eq!(Dec::new(&[9, 0, 0, 0, b'a']).err(), Some(Bad));
    // A string cut inside a character.
    let mut e = Enc::default();
    e.str("é");
    let mut bytes = e.finish();
    bytes[6] = 1;
    assert_eq!(Dec::new(&bytes).unwrap().str(), Err(Bad));
}
