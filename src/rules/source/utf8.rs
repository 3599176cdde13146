//! UTF-8 validation of large, mostly ASCII texts (the embedded rule files,
//! a snapshot's string section): the answer of [`std::str::from_utf8`],
//! with runs of ASCII checked a block at a time.
//!
//! `from_utf8` checks ASCII two words per step (about half an instruction
//! a byte); a block of bytes OR-ed together in vector registers is checked
//! in a fraction of that: [`WIDE`] bytes at a time, then, where those hold
//! a non-ASCII byte, [`BLOCK`] at a time. A block that holds a non-ASCII
//! byte is left to `from_utf8`.

use std::str::Utf8Error;

/// Bytes checked at a time for ASCII where they hold a non-ASCII byte.
const BLOCK: usize = 128;
/// Bytes checked at a time for ASCII first.
const WIDE: usize = 8 * BLOCK;

/// Whether every byte of `block` is ASCII (one vectorised OR of the lot).
#[inline(always)]
fn is_ascii<const N: usize>(block: &[u8; N]) -> bool {
    block.iter().fold(0u8, |acc, &b| acc | b) < 0x80
}

/// The `N` bytes of `bytes` from `at`, if there are so many.
#[inline(always)]
fn block<const N: usize>(bytes: &[u8], at: usize) -> Option<&[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// `bytes` as a `&str`, or the error [`std::str::from_utf8`] gives.
pub(crate) fn from_utf8(bytes: &[u8]) -> Result<&str, Utf8Error> {
    // Invariant: `bytes[..at]` is valid UTF-8 and `at` a character
    // boundary (a prefix made of ASCII blocks and of whole stretches that
    // `from_utf8` accepted, each ending on a boundary).
    let mut at = 0;
    while at < bytes.len() {
        if block::<WIDE>(bytes, at).is_some_and(is_ascii) {
            at += WIDE;
            continue;
        }
        if block::<BLOCK>(bytes, at).is_some_and(is_ascii) {
            at += BLOCK;
            continue;
        }
        // A stretch with a non-ASCII byte (or the tail): validated by std;
        // a character cut by the stretch's end starts the next one.
        let end = bytes.len().min(at + BLOCK);
        match std::str::from_utf8(&bytes[at..end]) {
            Ok(_) => at = end,
            Err(e) if e.error_len().is_none() && end < bytes.len() && e.valid_up_to() > 0 => at += e.valid_up_to(),
            // An invalid sequence: std's error, with its offsets.
            Err(_) => return std::str::from_utf8(bytes),
        }
    }
    // SAFETY: by the loop's invariant, with `at == bytes.len()`, all of
    // `bytes` is valid UTF-8: it is a concatenation of ASCII blocks and of
    // stretches `from_utf8` accepted, each starting and ending on character
    // boundaries, and such a concatenation is valid UTF-8.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_on_edges() {
        let mut long = "a".repeat(BLOCK - 1);
        long.push('é');
        long.push_str(&"b".repeat(3 * WIDE));
        long.push('€');
        for s in ["", "abc", "héllo", &long, &"x".repeat(BLOCK * 2)] {
            assert_eq!(from_utf8(s.as_bytes()), Ok(s));
        }
        let mut bad = long.clone().into_bytes();
        bad[BLOCK] = 0xff;
        assert_eq!(from_utf8(&bad), std::str::from_utf8(&bad));
        let cut = &long.as_bytes()[..BLOCK];
        assert_eq!(from_utf8(cut), std::str::from_utf8(cut));
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_std(
            ascii in proptest::collection::vec(0u8..0x80, 0..3000),
            inserts in proptest::collection::vec((0usize..3000, proptest::collection::vec(proptest::num::u8::ANY, 1..4)), 0..6),
        ) {
            // Mostly ASCII with a few arbitrary bytes (valid or not) put in.
            let mut bytes = ascii;
            for (at, piece) in inserts {
                let at = at.min(bytes.len());
                bytes.splice(at..at, piece);
            }
            proptest::prop_assert_eq!(from_utf8(&bytes), std::str::from_utf8(&bytes));
        }

        #[test]
        fn accepts_every_string(s in "(\\PC|[a-z ]{20,200}){0,40}") {
            proptest::prop_assert_eq!(from_utf8(s.as_bytes()), Ok(s.as_str()));
        }
    }
}
