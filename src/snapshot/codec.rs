//! The snapshot's byte encoding: little-endian integers, lengths as `u32`,
//! strings as a length and UTF-8 bytes, integer arrays as a length and the
//! values back to back (decoded with one pass of bulk reads).
//!
//! Decoding never trusts the bytes: every read is bounds-checked, every
//! length is checked against the bytes left before anything is allocated,
//! every string against UTF-8, every enum tag against its variants. What
//! does not decode is [`Bad`], and the caller compiles from sources.

use crate::lazy_regex::Owner;
use crate::rules::{Text, TextBuf};

/// The bytes are not a snapshot this build can use (truncated, corrupted,
/// foreign). Carries no detail: every such snapshot is simply ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bad;

/// What decoding gives.
pub(crate) type Decoded<T> = Result<T, Bad>;

/// `Err(Bad)` unless `ok`.
pub(crate) fn ensure(ok: bool) -> Decoded<()> {
    if ok {
        Ok(())
    } else {
        Err(Bad)
    }
}

/// Encoding into growing buffers: one for strings, one for the rest.
#[derive(Debug, Default)]
pub(crate) struct Enc {
    buf: Vec<u8>,
    text: String,
}

impl Enc {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A length or index (every one the rules hold fits in 32 bits).
    pub(crate) fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// A string: its length here, its bytes in the string section.
    pub(crate) fn str(&mut self, s: &str) {
        self.len(s.len());
        self.text.push_str(s);
    }

    /// The encoding: the string section (every string, back to back) then
    /// everything else.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.text.len() + self.buf.len());
        out.extend_from_slice(&(self.text.len() as u32).to_le_bytes());
        out.extend_from_slice(self.text.as_bytes());
        out.extend_from_slice(&self.buf);
        out
    }

    pub(crate) fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub(crate) fn u16s(&mut self, v: &[u16]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 2);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.len(v.len());
        self.buf.extend_from_slice(v);
    }

    /// Indices or `u32::MAX` (none), in two bytes each (none as
    /// `u16::MAX`) when every other one is below `u16::MAX`, else in four.
    pub(crate) fn ids(&mut self, v: &[u32]) {
        if v.iter().all(|&x| x < u32::from(u16::MAX) || x == u32::MAX) {
            self.u8(1);
            self.len(v.len());
            self.buf.reserve(v.len() * 2);
            for &x in v {
                self.buf.extend_from_slice(&(x.min(u32::from(u16::MAX)) as u16).to_le_bytes());
            }
        } else {
            self.u8(0);
            self.u32s(v);
        }
    }

    /// Pairs, as an array of twice as many `u32`.
    pub(crate) fn u32_pairs(&mut self, v: &[(u32, u32)]) {
        self.len(v.len() * 2);
        self.buf.reserve(v.len() * 8);
        for &(a, b) in v {
            self.buf.extend_from_slice(&a.to_le_bytes());
            self.buf.extend_from_slice(&b.to_le_bytes());
        }
    }
}

/// Decoding what [`Enc::finish`] gave, front to back.
pub(crate) struct Dec<'a> {
    buf: &'a [u8],
    at: usize,
    /// The string section, checked to be UTF-8 once.
    text: &'a str,
    text_at: usize,
    /// What holds the bytes decoded, when they are to be shared in place.
    owner: Option<Owner>,
    /// The buffer every decoded [`Text`] shares, made by the first
    /// [`Dec::text`]: the string section in place in `owner`'s bytes, else
    /// one copy of it.
    shared: Option<TextBuf>,
}

impl std::fmt::Debug for Dec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dec").field("at", &self.at).field("text_at", &self.text_at).finish_non_exhaustive()
    }
}

impl<'a> Dec<'a> {
    /// Decoding `bytes`; `Bad` when its string section is not UTF-8.
    /// Decoded [`Text`]s share one copy of the section.
    pub(crate) fn new(bytes: &'a [u8]) -> Decoded<Dec<'a>> {
        let mut d = Dec { buf: bytes, at: 0, text: "", text_at: 0, owner: None, shared: None };
        let n = d.u32()? as usize;
        d.text = crate::rules::source::utf8::from_utf8(d.take(n)?).map_err(|_| Bad)?;
        Ok(d)
    }

    /// Decoding `bytes`, which lie in the bytes `owner` holds: decoded
    /// [`Text`]s are read in place there, not copied (a copy when `bytes`
    /// turn out not to lie there).
    pub(crate) fn within(bytes: &'a [u8], owner: &Owner) -> Decoded<Dec<'a>> {
        Ok(Dec { owner: Some(owner.clone()), ..Dec::new(bytes)? })
    }

    /// Whether every byte and string was read.
    pub(crate) fn is_done(&self) -> bool {
        self.at == self.buf.len() && self.text_at == self.text.len()
    }

    fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or(Bad)?;
        let s = self.buf.get(self.at..end).ok_or(Bad)?;
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Decoded<[u8; N]> {
        self.take(N).map(|s| s.try_into().unwrap_or([0; N]))
    }

    pub(crate) fn u8(&mut self) -> Decoded<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Decoded<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub(crate) fn u32(&mut self) -> Decoded<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Decoded<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// A length of items of at least `item` bytes each: never more than the
    /// bytes left could hold, so garbage cannot make a huge allocation.
    pub(crate) fn len_of(&mut self, item: usize) -> Decoded<usize> {
        let n = self.u32()? as usize;
        ensure(n.saturating_mul(item.max(1)) <= self.buf.len() - self.at)?;
        Ok(n)
    }

    /// A length of items of at least one byte each.
    pub(crate) fn len(&mut self) -> Decoded<usize> {
        self.len_of(1)
    }

    /// The next string of the string section.
    pub(crate) fn str(&mut self) -> Decoded<&'a str> {
        let n = self.u32()? as usize;
        let end = self.text_at.checked_add(n).ok_or(Bad)?;
        let s = self.text.get(self.text_at..end).ok_or(Bad)?;
        self.text_at = end;
        Ok(s)
    }

    /// The next string of the string section, as a [`Text`] sharing the
    /// section (in place, or one copy of it) with the others: no
    /// allocation per string.
    pub(crate) fn text(&mut self) -> Decoded<Text> {
        let n = self.u32()? as usize;
        let end = self.text_at.checked_add(n).ok_or(Bad)?;
        let (owner, text) = (&self.owner, self.text);
        let shared = self.shared.get_or_insert_with(|| {
            owner.as_ref().and_then(|o| TextBuf::within(o, text)).unwrap_or_else(|| TextBuf::copy(text))
        });
        let t = shared.text(self.text_at..end).ok_or(Bad)?;
        self.text_at = end;
        Ok(t)
    }

    // The arrays below are filled by one loop over the bytes into exactly
    // sized vectors: no zeroing first (`calloc` would clear them), and not
    // a `memcpy`, which for large arrays runs `rep movsb`: little time, but
    // one instruction per byte under callgrind.

    pub(crate) fn u32s(&mut self) -> Decoded<Box<[u32]>> {
        let n = self.len_of(4)?;
        let bytes = self.take(n * 4)?;
        let mut out = Vec::with_capacity(n);
        out.extend(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        Ok(out.into_boxed_slice())
    }

    pub(crate) fn u16s(&mut self) -> Decoded<Box<[u16]>> {
        let n = self.len_of(2)?;
        let bytes = self.take(n * 2)?;
        let mut out = Vec::with_capacity(n);
        out.extend(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])));
        Ok(out.into_boxed_slice())
    }

    /// What [`Enc::ids`] wrote.
    pub(crate) fn ids(&mut self) -> Decoded<Box<[u32]>> {
        match self.u8()? {
            0 => self.u32s(),
            1 => {
                let n = self.len_of(2)?;
                let bytes = self.take(n * 2)?;
                let wide = |c: &[u8]| match u16::from_le_bytes(c.try_into().unwrap_or([0; 2])) {
                    u16::MAX => u32::MAX,
                    v => u32::from(v),
                };
                let mut out = Vec::with_capacity(n);
                out.extend(bytes.chunks_exact(2).map(wide));
                Ok(out.into_boxed_slice())
            }
            _ => Err(Bad),
        }
    }

    /// What [`Enc::u32_pairs`] wrote (an even number of `u32`).
    pub(crate) fn u32_pairs(&mut self) -> Decoded<Box<[(u32, u32)]>> {
        let n = self.len_of(4)?;
        ensure(n % 2 == 0)?;
        let bytes = self.take(n * 4)?;
        let mut out = Vec::with_capacity(n / 2);
        let pair =
            |c: &[u8]| (u32::from_le_bytes([c[0], c[1], c[2], c[3]]), u32::from_le_bytes([c[4], c[5], c[6], c[7]]));
        out.extend(bytes.chunks_exact(8).map(pair));
        Ok(out.into_boxed_slice())
    }

    pub(crate) fn bytes(&mut self) -> Decoded<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }
}

/// A value with a snapshot encoding.
pub(crate) trait Snap: Sized {
    /// Appends the value.
    fn put(&self, e: &mut Enc);
    /// Reads a value [`Snap::put`] wrote.
    fn get(d: &mut Dec<'_>) -> Decoded<Self>;
}

macro_rules! int_snap {
    ($($t:ty => $m:ident),*) => {$(
        impl Snap for $t {
            fn put(&self, e: &mut Enc) {
                e.$m(*self);
            }
            fn get(d: &mut Dec<'_>) -> Decoded<Self> {
                d.$m()
            }
        }
    )*};
}
int_snap!(u8 => u8, u16 => u16, u32 => u32, u64 => u64);

impl Snap for i32 {
    fn put(&self, e: &mut Enc) {
        e.u32(*self as u32);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        d.u32().map(|v| v as i32)
    }
}

impl Snap for usize {
    fn put(&self, e: &mut Enc) {
        e.u64(*self as u64);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        usize::try_from(d.u64()?).map_err(|_| Bad)
    }
}

impl Snap for f64 {
    fn put(&self, e: &mut Enc) {
        e.u64(self.to_bits());
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        d.u64().map(f64::from_bits)
    }
}

impl Snap for bool {
    fn put(&self, e: &mut Enc) {
        e.u8(u8::from(*self));
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        match d.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Bad),
        }
    }
}

impl Snap for String {
    fn put(&self, e: &mut Enc) {
        e.str(self);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        d.str().map(str::to_owned)
    }
}

impl Snap for Text {
    fn put(&self, e: &mut Enc) {
        e.str(self);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        d.text()
    }
}

impl<T: Snap> Snap for Option<T> {
    fn put(&self, e: &mut Enc) {
        match self {
            None => e.u8(0),
            Some(v) => {
                e.u8(1);
                v.put(e);
            }
        }
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        match d.u8()? {
            0 => Ok(None),
            1 => T::get(d).map(Some),
            _ => Err(Bad),
        }
    }
}

impl<T: Snap> Snap for Vec<T> {
    fn put(&self, e: &mut Enc) {
        e.len(self.len());
        for v in self {
            v.put(e);
        }
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let n = d.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(T::get(d)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
