//! Bytes read as text: line endings normalised, header values unfolded.

use std::borrow::Cow;

use crate::extract::mime::utf8_lossy;

/// Line endings normalised to LF (CRLF and lone CR both become LF), and an
/// mbox `From ` separator line dropped.
pub(crate) fn normalize(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut raw = raw;
    if raw.starts_with(b"From ") {
        raw = match memchr::memchr2(b'\n', b'\r', raw) {
            Some(i) if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') => &raw[i + 2..],
            Some(i) => &raw[i + 1..],
            None => &[],
        };
    }
    // The first CR looked for through the whole email at once; the next
    // ones a line apart (see `crate::near`).
    let Some(first) = memchr::memchr(b'\r', raw) else { return Cow::Borrowed(raw) };
    // Copied a line at a time: each CR becomes LF and swallows the LF
    // right after it (never a CR, so no CR is skipped).
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    let mut next = Some(first);
    while let Some(cr) = next {
        out.extend_from_slice(&raw[at..cr]);
        out.push(b'\n');
        at = if raw.get(cr + 1) == Some(&b'\n') { cr + 2 } else { cr + 1 };
        next = crate::near::find(b'\r', raw.get(at..).unwrap_or_default()).map(|i| at + i);
    }
    out.extend_from_slice(&raw[at..]);
    Cow::Owned(out)
}

/// A header value with its lines joined by one space, each line trimmed.
#[cfg(test)]
pub(super) fn unfold(raw: &[u8]) -> String {
    let mut out = String::new();
    unfold_into(&utf8_lossy(raw), &mut out);
    out
}

/// [`unfold`] of the value of a header, borrowed when it is valid UTF-8
/// and not `folded` (see `mime::Header::folded`): then it is only trimmed.
pub(super) fn unfold_value(raw: &[u8], folded: bool) -> Cow<'_, str> {
    match utf8_lossy(raw) {
        Cow::Borrowed(s) if !folded => Cow::Borrowed(trim(s)),
        s => {
            let mut out = String::new();
            unfold_into(&s, &mut out);
            Cow::Owned(out)
        }
    }
}

/// [`unfold`] of a value already read as text, appended to `out`: the same
/// as joining its `\n`-separated lines trimmed (as [`str::trim`] does) with
/// one space each, and trimming the whole.
pub(super) fn unfold_into(s: &str, out: &mut String) {
    // Callers pass values that may hold line ends (one-line values are only
    // trimmed). Trimmed lines hold no whitespace at their edges, so the whole is
    // trimmed by leaving out the separators before the first non-empty line
    // and after the last one.
    let b = s.as_bytes();
    let mut last: Option<usize> = None;
    let mut at = 0;
    // Line `i` runs from `at` to the next line end (or the end of `s`).
    for i in 0.. {
        let end = crate::near::find(b'\n', &b[at..]).map_or(b.len(), |j| at + j);
        let line = trim(&s[at..end]);
        if !line.is_empty() {
            if let Some(prev) = last {
                for _ in prev..i {
                    out.push(' ');
                }
            }
            out.push_str(line);
            last = Some(i);
        }
        if end == b.len() {
            break;
        }
        at = end + 1;
    }
}

/// Whether `c` is one of the ASCII characters `char::is_whitespace` accepts.
fn is_space(c: &u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `s` trimmed as [`str::trim`] trims it, looking at bytes while they are
/// ASCII.
pub(super) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|c| !is_space(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_space(c)).map_or(start, |i| i + 1);
    let t = &s[start..end];
    // Other whitespace is not ASCII: only then is there more to look at.
    if t.as_bytes().first().is_some_and(|&c| c >= 0x80) || t.as_bytes().last().is_some_and(|&c| c >= 0x80) {
        t.trim()
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_line_endings() {
        assert_eq!(&*normalize(b"a\r\nb\rc\n"), b"a\nb\nc\n");
        assert_eq!(&*normalize(b"From x@y Mon\nSubject: s\n"), b"Subject: s\n");
        assert_eq!(&*normalize(b"From x@y Mon\rSubject: s\r"), b"Subject: s\n");
        assert_eq!(&*normalize(b"From x@y Mon\r\nSubject: s\r\n"), b"Subject: s\n");
    }

    /// The line endings normalised one byte at a time (the first version).
    fn normalize_bytewise(raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'\r' => {
                    out.push(b'\n');
                    if raw.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        out
    }

    /// A value unfolded by splitting, trimming and joining (the first version).
    fn unfold_by_lines(s: &str) -> String {
        let joined = s.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
        joined.trim().to_string()
    }

    #[test]
    fn unfolds_values() {
        assert_eq!(unfold_value(b" a@b.example \n", false), "a@b.example");
        assert_eq!(unfold_value(b" a\n b\n", true), "a b");
        assert_eq!(unfold_value(b" \xff\n", false), "\u{fffd}");
        assert_eq!(unfold(b" a\n\tb  \n"), "a b");
        assert_eq!(unfold(b"\n \n a \n \n b\r\n"), "a  b");
        assert_eq!(unfold("\u{3000}a\u{a0}\n".as_bytes()), "a");
        assert_eq!(unfold(b"\xffa\n"), "\u{fffd}a");
    }

    proptest::proptest! {
        #[test]
        fn normalize_agrees_with_the_bytewise_version(
            pieces in proptest::collection::vec(proptest::sample::select(vec!["a", "\r", "\n", "\r\n", "\n\r", "bc"]), 0..20),
        ) {
            let raw = pieces.concat();
            proptest::prop_assert_eq!(&*normalize(raw.as_bytes()), &normalize_bytewise(raw.as_bytes())[..]);
        }

        #[test]
        fn trim_agrees_with_str_trim(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "!", "~", "\x7f", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\u{a0}", "\u{3000}", "é", "\u{85}"]),
                0..10,
            ),
        ) {
            let s = pieces.concat();
            proptest::prop_assert_eq!(trim(&s), s.trim());
        }

        #[test]
        fn unfold_agrees_with_split_trim_join(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "b c", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\u{a0}", "\u{3000}", "é", "\u{85}"]),
                0..20,
            ),
        ) {
            let value = pieces.concat();
            let mut out = String::from("x: ");
            unfold_into(&value, &mut out);
            proptest::prop_assert_eq!(&out[3..], unfold_by_lines(&value));
        }

    }
}
