//! Scanning quoted-printable text for the bytes its decoder stops at.

/// The offset of the first byte that ends a run of plain bytes in
/// quoted-printable text (`=`, LF, CR; a delimiter is found before the
/// text is read, not by its dashes) in `data` at or after `from` (the
/// length of `data` when there is none).
pub(super) fn qp_run_end(data: &[u8], from: usize) -> usize {
    let rest = data.get(from..).unwrap_or_default();
    crate::near::find3(b'=', b'\n', b'\r', rest).map_or(data.len(), |i| from + i)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The bytes that end a run of plain bytes in quoted-printable text (a
    /// delimiter is found before the text is read, not by its dashes).
    const QP_STOP: [bool; 256] = {
        let mut t = [false; 256];
        t[b'=' as usize] = true;
        t[b'\n' as usize] = true;
        t[b'\r' as usize] = true;
        t
    };

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
