//! Searches for a byte expected within a few dozen bytes: a line's end, a
//! header name's colon, the next escape in a quoted-printable line.
//!
//! `memchr::memchr` picks its implementation at run time through a function
//! pointer, then checks the haystack's length layer by layer (AVX2, then
//! SSE2, then bytes): ≈ 90 instructions to find the end of a 60-byte line
//! on x86_64. The SSE2 searcher, which every x86_64 CPU has, is called
//! directly and inlined here: ≈ 60 (`memchr2`: ≈ 100 and 80; measured with
//! callgrind). Long searches (through a part's body) are better left to
//! `memchr`, whose AVX2 loop reads twice as many bytes at a time.

/// The offset of the first `a` in `hay`.
#[inline]
pub(crate) fn find(a: u8, hay: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(s) = memchr::arch::x86_64::sse2::memchr::One::new(a) {
        return s.find(hay);
    }
    memchr::memchr(a, hay)
}

/// The offset of the first `a` or `b` in `hay`.
#[inline]
pub(crate) fn find2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(s) = memchr::arch::x86_64::sse2::memchr::Two::new(a, b) {
        return s.find(hay);
    }
    memchr::memchr2(a, b, hay)
}

/// The offset of the first `a`, `b` or `c` in `hay`.
#[inline]
pub(crate) fn find3(a: u8, b: u8, c: u8, hay: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(s) = memchr::arch::x86_64::sse2::memchr::Three::new(a, b, c) {
        return s.find(hay);
    }
    memchr::memchr3(a, b, c, hay)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn agrees_with_memchr(hay in proptest::collection::vec(proptest::sample::select(b"ab\n\r-=".to_vec()), 0..100)) {
            prop_assert_eq!(find(b'\n', &hay), memchr::memchr(b'\n', &hay));
            prop_assert_eq!(find2(b'\n', b'\r', &hay), memchr::memchr2(b'\n', b'\r', &hay));
            prop_assert_eq!(find3(b'=', b'\n', b'-', &hay), memchr::memchr3(b'=', b'\n', b'-', &hay));
        }
    }
}
