//! [`Text`]: a string of the rules that may share its buffer with many
//! others.
//!
//! The rules hold thousands of short strings (phrases, examples, sources).
//! Decoding a snapshot made one allocation and copy for each, most of a
//! short run's start-up. A decoded snapshot's strings are instead ranges of
//! its string section ([`TextBuf`]), read in place from the mapped snapshot
//! file (no copy at all) or from one copy of the section; a string loaded
//! from a rule file owns a buffer of its own. Either way it reads as a
//! `&str`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::ptr::NonNull;
use std::sync::Arc;

use crate::lazy_regex::Owner;

/// An immutable string: a range of a shared buffer.
#[derive(Clone)]
pub struct Text {
    /// The string's first byte, in the bytes `_keep` holds.
    ptr: NonNull<u8>,
    /// The string's length in bytes.
    len: usize,
    /// Keeps the bytes alive (they never move or change while it lives:
    /// see [`Owner`]).
    _keep: Owner,
}

// SAFETY: a `Text` is a shared, read-only view of bytes that `_keep` (which
// is `Send` and `Sync`) owns and nothing writes: sending or sharing it
// between threads is sending or sharing an `&str` together with the `Arc`
// that keeps it alive.
unsafe impl Send for Text {}
// SAFETY: as for `Send`.
unsafe impl Sync for Text {}

impl Text {
    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: every `Text` is made (by `TextBuf::text` or `From<String>`)
        // from a `&str` lying in the bytes `_keep` holds, so `ptr..ptr + len`
        // is valid UTF-8 in memory that lives as long as `_keep`, which
        // `self` holds, and that never moves or changes while it lives (the
        // contract of `Owner`: a snapshot mapped from a file replaced only
        // by rename, never written in place, or bytes in memory never
        // mutated). The borrow returned cannot outlive `self`.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr.as_ptr(), self.len)) }
    }
}

/// A buffer of text that [`Text`]s are cut from without copying: a
/// string lying in the bytes of an [`Owner`].
pub(crate) struct TextBuf {
    keep: Owner,
    /// Where the string starts in `keep`'s bytes (checked when made).
    ptr: NonNull<u8>,
    /// Its length in bytes.
    len: usize,
}

impl TextBuf {
    /// The buffer of `text`, which must lie within the bytes of `keep`
    /// (`None` when it does not).
    pub(crate) fn within(keep: &Owner, text: &str) -> Option<TextBuf> {
        let whole: &[u8] = keep;
        let start = (text.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        let end = start.checked_add(text.len())?;
        // The same bytes, so the same (valid UTF-8) string.
        let inside = whole.get(start..end).is_some_and(|b| std::ptr::eq(b.as_ptr(), text.as_ptr()));
        inside.then(|| TextBuf { keep: keep.clone(), ptr: NonNull::from(text.as_bytes()).cast(), len: text.len() })
    }

    /// A buffer holding a copy of `text`.
    pub(crate) fn copy(text: &str) -> TextBuf {
        let keep: Owner = Arc::new(text.as_bytes().to_vec());
        // The copy, where it lies in `keep` (a `Vec` moved into the `Arc`
        // keeps its heap buffer).
        let ptr = NonNull::from(&keep[..]).cast();
        TextBuf { keep, ptr, len: text.len() }
    }

    /// The buffer's string.
    fn as_str(&self) -> &str {
        // SAFETY: `ptr..ptr + len` is where a `&str` lies in `keep`'s
        // bytes (checked in `within`; in `copy`, the whole copy of one);
        // those bytes never move or change while `keep` lives (see
        // `Owner`), and `self` holds `keep`, so they are still that valid
        // UTF-8 for as long as the borrow of `self`.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr.as_ptr(), self.len)) }
    }

    /// The part `range` of the buffer; `None` when it is not a range of
    /// whole characters of it.
    #[inline]
    pub(crate) fn text(&self, range: Range<usize>) -> Option<Text> {
        let s = self.as_str().get(range)?;
        Some(Text { ptr: NonNull::from(s.as_bytes()).cast(), len: s.len(), _keep: self.keep.clone() })
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from("")
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        let len = s.len();
        let keep: Owner = Arc::new(s.into_bytes());
        // The bytes of `s`, where they lie in `keep` (a `Vec` moved into
        // the `Arc` keeps its heap buffer).
        let ptr = NonNull::from(&keep[..]).cast();
        Text { ptr, len, _keep: keep }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(s.to_owned())
    }
}

impl Deref for Text {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_read_as_their_range() {
        let buf = TextBuf::copy("héllo world");
        let t = buf.text(7..12).unwrap();
        assert_eq!(t, "world");
        assert_eq!(format!("{t}|{t:?}"), "world|\"world\"");
        assert!(buf.text(1..2).is_none(), "inside `é`");
        assert!(buf.text(3..99).is_none());
        drop(buf);
        assert_eq!(t.clone(), "world", "a text keeps its buffer alive");
        assert_eq!(Text::from(String::from("abc")).len(), 3);
        assert_eq!(Text::default(), "");
    }

    #[test]
    fn buffers_within_an_owner_are_not_copied() {
        let owner: Owner = Arc::new(b"..h\xc3\xa9llo..".to_vec());
        let text = std::str::from_utf8(&owner[2..8]).unwrap();
        let buf = TextBuf::within(&owner, text).unwrap();
        let t = buf.text(0..3).unwrap();
        assert_eq!(t, "hé");
        assert!(std::ptr::eq(t.as_str().as_ptr(), &owner[2]));
        // A string that is not in the owner's bytes is refused.
        assert!(TextBuf::within(&owner, "héllo").is_none());
        let other: Owner = Arc::new(b"hello".to_vec());
        assert!(TextBuf::within(&other, text).is_none());
    }
}
