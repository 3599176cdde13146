//! The little-endian words a prebuilt regex is stored as in the rules'
//! snapshot (see `stored.rs`): a writer, and a reader that answers `None`
//! past the end instead of panicking.

/// Appends little-endian words to a buffer.
#[derive(Default)]
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
}

impl Writer {
    /// Appends a `u32`.
    pub(super) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// Appends a `u64`.
    pub(super) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// Appends a length, then the bytes.
    pub(super) fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.buf.extend_from_slice(v);
    }

    /// Pads with zeros to a multiple of 8 bytes.
    pub(super) fn align(&mut self) {
        self.buf.resize(self.buf.len().next_multiple_of(8), 0);
    }
}

/// Reads what a [`Writer`] wrote.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    /// The next `u32`.
    pub(super) fn u32(&mut self) -> Option<u32> {
        self.take(4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)
    }

    /// The next length-prefixed bytes.
    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()?;
        self.take(n as usize)
    }

    /// Skips the padding [`Writer::align`] wrote.
    pub(super) fn align(&mut self) -> Option<()> {
        self.take(self.at.next_multiple_of(8) - self.at).map(drop)
    }

    /// A count of items of `size` bytes each, refused when the rest of the
    /// bytes cannot hold that many (so no huge allocation on bad input).
    pub(super) fn count(&mut self, size: usize) -> Option<usize> {
        let n = self.u32()? as usize;
        (n.checked_mul(size)? <= self.bytes.len() - self.at).then_some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_was_written_and_nothing_past_the_end() {
        let mut w = Writer::default();
        w.u32(7);
        w.align();
        w.u64(1 << 40);
        w.bytes(b"abc");
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.u32(), Some(7));
        assert_eq!(r.align(), Some(()));
        assert_eq!(r.take(8), Some(&(1u64 << 40).to_le_bytes()[..]));
        assert_eq!(r.bytes(), Some(&b"abc"[..]));
        assert_eq!(r.u32(), None);
        assert_eq!(Reader::new(&[255, 255, 255, 255]).count(1), None);
    }
}
