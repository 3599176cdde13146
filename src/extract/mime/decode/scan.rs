//! Scanning quoted-printable text for the bytes its decoder stops at.

/// The bytes that end a run of plain bytes in quoted-printable text.
pub(super) const QP_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'=' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'-' as usize] = true;
    t
};

/// The offset of the first of the [`QP_STOP`] bytes in `data` at or after
/// `from` (the length of `data` when there is none), looked for eight bytes
/// at a time.
pub(super) fn qp_run_end(data: &[u8], mut from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bits set from the first zero byte of `x` on (exactly there for
    // the lowest one, which is all that is read).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    while let Some(chunk) = data.get(from..from + 8) {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(chunk);
        let x = u64::from_le_bytes(bytes);
        let hits = zero(x ^ (ONES * u64::from(b'=')))
            | zero(x ^ (ONES * u64::from(b'\n')))
            | zero(x ^ (ONES * u64::from(b'\r')))
            | zero(x ^ (ONES * u64::from(b'-')));
        if hits != 0 {
            return from + hits.trailing_zeros() as usize / 8;
        }
        from += 8;
    }
    while from < data.len() && !QP_STOP[data[from] as usize] {
        from += 1;
    }
    from
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn qp_run_ends_at_the_first_stop_byte(
            bytes in proptest::collection::vec(proptest::sample::select(vec![b'a', b'=', b'\n', b'\r', b'-', 0x80, 0xff, 0x3c, 0x0c, 0x2c, 0x0e]), 0..40),
            from in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let expected = bytes[from..].iter().position(|&c| QP_STOP[c as usize]).map_or(bytes.len(), |i| from + i);
            prop_assert_eq!(qp_run_end(&bytes, from), expected);
        }
    }
}
