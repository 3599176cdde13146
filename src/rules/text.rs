//! [`Text`]: a string of the rules that may share its buffer with many
//! others.
//!
//! The rules hold thousands of short strings (phrases, examples, sources).
//! Decoding a snapshot made one allocation and copy for each, most of a
//! short run's start-up. A decoded snapshot instead copies its whole string
//! section into one shared buffer, and each [`Text`] is a range of it; a
//! string loaded from a rule file owns a buffer of its own. Either way it
//! reads as a `&str`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// An immutable string: a range of a shared buffer.
#[derive(Clone)]
pub struct Text {
    buf: Arc<str>,
    /// Byte range in `buf`, on character boundaries (checked when made).
    start: u32,
    end: u32,
}

impl Text {
    /// The part `range` of `buf`; `None` when it is not a range of whole
    /// characters of `buf` (or lies beyond 4 GiB).
    pub(crate) fn slice(buf: &Arc<str>, range: Range<usize>) -> Option<Text> {
        buf.get(range.clone())?;
        let (start, end) = (u32::try_from(range.start).ok()?, u32::try_from(range.end).ok()?);
        Some(Text { buf: Arc::clone(buf), start, end })
    }

    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        // The range was checked against `buf` when made; `get` keeps a
        // bad one (impossible) from panicking.
        self.buf.get(self.start as usize..self.end as usize).unwrap_or_default()
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from("")
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        let end = u32::try_from(s.len()).unwrap_or(0);
        let buf: Arc<str> = if end as usize == s.len() { s.into() } else { Arc::from("") };
        Text { buf, start: 0, end }
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
        let buf: Arc<str> = Arc::from("héllo world");
        let t = Text::slice(&buf, 7..12).unwrap();
        assert_eq!(t, "world");
        assert_eq!(format!("{t}|{t:?}"), "world|\"world\"");
        assert!(Text::slice(&buf, 1..2).is_none(), "inside `é`");
        assert!(Text::slice(&buf, 3..99).is_none());
        assert_eq!(Text::from(String::from("abc")).len(), 3);
        assert_eq!(Text::default(), "");
    }
}
