//! Header blocks located the way `mail-parser` (`MessageStream::parse_headers`)
//! finds them, without parsing the values nobody reads.

use std::borrow::Cow;
use std::ops::Range;

use mail_parser::parsers::MessageStream;
use mail_parser::HeaderValue;

/// A header located in a message's bytes.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// The name as written, without surrounding whitespace.
    pub name: Range<usize>,
    /// The raw value: after the colon up to and including the line end of
    /// its last (folded) line.
    pub value: Range<usize>,
    /// Whether the value may hold a line end before its last byte; `false`
    /// when it is one line.
    pub folded: bool,
}

/// A header value (as located: up to and including the line end of its
/// last line) read as `MessageStream::parse_unstructured` reads it: its
/// lines trimmed of spaces, tabs and CRs, the non-empty ones joined by one
/// space; empty when the value does not end with a line end (the data ran
/// out). `None` when it may hold an encoded word (`=?`), which only
/// `mail-parser` decodes.
pub(crate) fn unstructured(value: &[u8]) -> Option<Cow<'_, str>> {
    if memchr::memchr_iter(b'=', value).any(|i| value.get(i + 1) == Some(&b'?')) {
        return None;
    }
    if value.last() != Some(&b'\n') {
        return Some(Cow::Borrowed(""));
    }
    let is_blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\r');
    let mut tokens = value.split(|&c| c == b'\n').filter_map(|l| {
        let start = l.iter().position(|c| !is_blank(c))?;
        let end = l.iter().rposition(|c| !is_blank(c)).map_or(start, |i| i + 1);
        Some(&l[start..end])
    });
    let Some(first) = tokens.next() else { return Some(Cow::Borrowed("")) };
    let Some(second) = tokens.next() else { return Some(super::utf8_lossy(first)) };
    let mut joined = [first, second].join(&b' ');
    for t in tokens {
        joined.push(b' ');
        joined.extend_from_slice(t);
    }
    Some(Cow::Owned(super::utf8_lossy_owned(joined)))
}

/// The header block at the start of `data`; `None` when it has no header.
pub(crate) fn header_block(data: &[u8]) -> Option<Vec<Header>> {
    let mut heads = Heads::default();
    read_headers(data, 0, false, &mut heads);
    (!heads.headers.is_empty()).then_some(heads.headers)
}

/// Whether header `h` in `data` is called `name` (lowercase).
pub(crate) fn is_named(data: &[u8], h: &Header, name: &str) -> bool {
    data.get(h.name.clone()).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
}

/// The headers of a part being read.
#[derive(Default)]
pub(super) struct Heads<'x> {
    pub headers: Vec<Header>,
    /// Whether only the three MIME headers are wanted: `headers` is left
    /// empty (the headers of a part inside a message, which nobody reads).
    pub mime_only: bool,
    pub content_type: Option<HeaderValue<'x>>,
    pub disposition: Option<HeaderValue<'x>>,
    pub encoding: Option<HeaderValue<'x>>,
}

/// Reads the header block at `pos` as `MessageStream::parse_headers` does:
/// the offset where the body starts, or `None` when the data ends first.
/// With `parse`, the three MIME headers are parsed (by `mail-parser`).
pub(super) fn read_headers<'x>(data: &'x [u8], mut pos: usize, parse: bool, out: &mut Heads<'x>) -> Option<usize> {
    loop {
        loop {
            match data.get(pos) {
                Some(b'\n') => return Some(pos + 1),
                None => return None,
                Some(c) if !c.is_ascii_whitespace() => break,
                _ => pos += 1,
            }
        }
        // The name: from the first character that is neither a space nor a
        // colon up to the next colon; a line without one is skipped.
        while data.get(pos).is_some_and(|&c| c == b':' || (c != b'\n' && c.is_ascii_whitespace())) {
            pos += 1;
        }
        let token_start = pos;
        let (token, named) = match data.get(pos) {
            None => (None, false),
            Some(b'\n') => {
                pos += 1;
                (None, false)
            }
            Some(_) => match crate::near::find2(b':', b'\n', &data[pos..]) {
                Some(i) if data[pos + i] == b':' => {
                    pos += i + 1;
                    (Some(token_start..token_start + i), true)
                }
                Some(i) => {
                    pos += i + 1;
                    (None, false)
                }
                None => {
                    pos = data.len();
                    (Some(token_start..pos), false)
                }
            },
        };
        let Some(mut name) = token else {
            if pos >= data.len() {
                return None;
            }
            continue;
        };
        name.end = name.start + data[name.clone()].trim_ascii_end().len();
        if !named && pos >= data.len() {
            // A name at the very end, without a colon: a header with no value.
            if !out.mime_only {
                out.headers.push(Header { name, value: pos..pos, folded: false });
            }
            return None;
        }
        let start = pos;
        let slot = if parse {
            let n = &data[name.clone()];
            if n.eq_ignore_ascii_case(b"content-type") {
                Some((&mut out.content_type, true))
            } else if n.eq_ignore_ascii_case(b"content-disposition") {
                Some((&mut out.disposition, true))
            } else if n.eq_ignore_ascii_case(b"content-transfer-encoding") {
                Some((&mut out.encoding, false))
            } else {
                None
            }
        } else {
            None
        };
        let mut folded = true;
        pos = match slot {
            Some((slot, is_type)) => {
                // The common forms of a type without `mail-parser`'s reader.
                let common = if is_type { super::content_type::parse(&data[start..]) } else { None };
                if let Some((value, len)) = common {
                    *slot = Some(value);
                    start + len
                } else if let Some((text, end)) = (!is_type).then(|| value_end(data, start)).and_then(|end| {
                    // A transfer encoding without encoded words.
                    Some((unstructured(&data[start..end])?, end))
                }) {
                    *slot = Some(if text.is_empty() { HeaderValue::Empty } else { HeaderValue::Text(text) });
                    end
                } else {
                    let mut s = MessageStream::new(&data[start..]);
                    *slot = Some(if is_type { s.parse_content_type() } else { s.parse_unstructured() });
                    start + s.offset()
                }
            }
            None => {
                let end;
                (end, folded) = value_end_folded(data, start);
                end
            }
        };
        if !out.mime_only {
            out.headers.push(Header { name, value: start..pos, folded });
        }
    }
}

/// The end of a header value starting at `pos`: past the first line end not
/// followed by a space or tab.
pub(super) fn value_end(data: &[u8], pos: usize) -> usize {
    value_end_folded(data, pos).0
}

/// [`value_end`], and whether the value goes on past a line end.
fn value_end_folded(data: &[u8], mut pos: usize) -> (usize, bool) {
    let mut folded = false;
    loop {
        match crate::near::find(b'\n', &data[pos.min(data.len())..]) {
            None => return (data.len(), folded),
            Some(i) => {
                pos += i + 1;
                if matches!(data.get(pos), Some(b' ' | b'\t')) {
                    pos += 1;
                    folded = true;
                } else {
                    return (pos, folded);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&[u8]] = &[
        b"a",
        b"Base64",
        b"b c",
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"\n ",
        b"\n\t",
        b"=",
        b"=?",
        b"=?utf-8?q?x?=",
        b"\xc3\xa9",
        b"\xff",
    ];

    #[test]
    fn reads_values_as_unstructured_text() {
        assert_eq!(unstructured(b" Mail  delivery\n\tfailed \r\n").as_deref(), Some("Mail  delivery failed"));
        assert_eq!(unstructured(b" base64").as_deref(), Some(""));
        assert_eq!(unstructured(b" =?utf-8?q?hi?=\n"), None);
    }

    proptest! {
        #[test]
        fn unstructured_agrees_with_mail_parser(pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..12)) {
            let data = pieces.concat();
            let end = value_end(&data, 0);
            let mut stream = MessageStream::new(&data);
            let theirs = match stream.parse_unstructured() {
                HeaderValue::Text(t) => t.into_owned(),
                HeaderValue::Empty => String::new(),
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            };
            prop_assert_eq!(stream.offset(), end);
            if let Some(ours) = unstructured(&data[..end]) {
                prop_assert_eq!(ours, theirs);
            }
        }
    }
}
