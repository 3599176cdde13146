//! Multi-line SMTP replies (`550-5.7.1 first` / `550 5.7.1 last`) written
//! as the one reply they are, whether they come as lines of a notice or
//! already run together on one line of a DSN field.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::generic::hits::LineHits;
use crate::lazy_regex::DualRegex;

mod scan;

/// The regex [`scan::reply_start`] scans for, for the texts it leaves to
/// it (built only then).
fn reply_start() -> &'static DualRegex {
    static RE: OnceLock<DualRegex> = OnceLock::new();
    RE.get_or_init(|| DualRegex::new(r"(?:^|[\s:(<])([245]\d\d)-(\S)"))
}

/// Whether `s` holds a reply continuation's code (`[245]\d\d-`), which
/// every match of [`reply_start`] and [`inline_continuation`] holds: a byte
/// scan that spares most lines the regex.
fn has_continuation_code(s: &[u8]) -> bool {
    next_code(s, 0).is_some()
}

/// Where the `-` of the first reply continuation code (`[245]\d\d-`) at
/// or after `from` in `s` is. A run of dashes (a rule line) is passed
/// over at once: only its first dash can follow a digit.
fn next_code(s: &[u8], mut from: usize) -> Option<usize> {
    while let Some(p) = memchr::memchr(b'-', s.get(from..)?) {
        let at = from + p;
        if at >= 3
            && matches!(s[at - 3], b'2' | b'4' | b'5')
            && s[at - 2].is_ascii_digit()
            && s[at - 1].is_ascii_digit()
        {
            return Some(at);
        }
        from = at + 1;
        while s.get(from) == Some(&b'-') {
            from += 1;
        }
    }
    None
}

/// Lines with multi-line SMTP replies (`550-5.7.1 a` / `550-5.7.1 b` /
/// `550 5.7.1 c`) joined into one line (`550 5.7.1 a b c`); the other
/// lines borrowed as they are.
#[cfg(test)]
pub(crate) fn join_replies<'a>(lines: &[&'a str]) -> Vec<Cow<'a, str>> {
    join(lines, |line| has_continuation_code(line.as_bytes()))
}

/// [`join_replies`] of lines that are slices of `text`, in order (`text`
/// ending where the last line does): the lines that hold a continuation
/// code found by one scan of `text`, not a search of each line (a line
/// that is not such a slice is searched on its own).
pub(crate) fn join_replies_in<'a>(text: &str, lines: &[&'a str]) -> Vec<Cow<'a, str>> {
    let mut hits = LineHits::new(text, next_code);
    // A code's three digits come before its `-`, in the line.
    join(lines, |line| hits.in_line(line, 3).unwrap_or_else(|| has_continuation_code(line.as_bytes())))
}

/// [`join_replies`], with `has_code` saying which lines hold a
/// continuation code (asked of each line in order, once).
fn join<'a>(lines: &[&'a str], mut has_code: impl FnMut(&str) -> bool) -> Vec<Cow<'a, str>> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let found = match has_code(line) {
            false => None,
            true => match scan::reply_start(line.as_bytes()) {
                Ok(found) => found,
                Err(()) => reply_start().captures(line).and_then(|c| c.get(1)).map(|m| m.start()..m.start() + 3),
            },
        };
        let Some(code) = found else {
            out.push(Cow::Borrowed(line));
            i += 1;
            continue;
        };
        let at = code.start;
        let code = &line[code];
        let first = &line[at + 4..];
        let enhanced = scan::enhanced_at(first.as_bytes(), 0).map(|end| first[..end].trim().to_string());
        let mut joined = format!("{}{} {}", &line[..at], code, first.trim());
        // Continuation lines may repeat a transcript prefix (`<<< `).
        let prefix = line[..at].trim();
        let quoted = !prefix.is_empty() && !prefix.chars().any(char::is_alphanumeric);
        let mut j = i + 1;
        while j < lines.len() {
            let mut next = lines[j].trim_start();
            if quoted {
                next = next.strip_prefix(prefix).unwrap_or(next).trim_start();
            }
            let Some(rest) = next.strip_prefix(code) else { break };
            let last = !rest.starts_with('-');
            let mut rest = rest.get(1..).unwrap_or("").trim_start();
            if let Some(e) = &enhanced {
                rest = rest.strip_prefix(e.as_str()).unwrap_or(rest).trim_start();
            }
            if !rest.is_empty() {
                joined.push(' ');
                joined.push_str(rest);
            }
            j += 1;
            if last {
                break;
            }
        }
        if j == i + 1 {
            out.push(Cow::Borrowed(line));
        } else {
            out.push(Cow::Owned(joined));
        }
        i = j;
    }
    out
}

/// A multi-line SMTP reply already on one line (`550-5.7.1 a 550-5.7.1 b
/// 550 5.7.1 c`), as DSN fields and joined text carry it, written as one
/// reply (`550 5.7.1 a b c`). Text without a `NNN-` continuation is
/// returned as it is (borrowed).
pub(crate) fn join_inline(s: &str) -> Cow<'_, str> {
    if !has_continuation_code(s.as_bytes()) {
        return Cow::Borrowed(s);
    }
    let Some((code, enhanced)) = scan::inline_continuation(s.as_bytes()) else { return Cow::Borrowed(s) };
    let code = &s[code];
    let enhanced = enhanced.map(|e| s[e].trim());
    let mut out = String::with_capacity(s.len());
    let mut seen_code = false;
    let mut words = s.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let is_code = w == code
            || w.strip_prefix(code) == Some("-")
            || (w.starts_with(code) && w[code.len()..].starts_with('-') && w.len() > code.len() + 1);
        if is_code {
            let rest = w.get(code.len() + 1..).unwrap_or("");
            if seen_code {
                if words.peek().is_some_and(|n| Some(*n) == enhanced) {
                    words.next();
                }
                if !rest.is_empty() && Some(rest) != enhanced {
                    push_word(&mut out, rest);
                }
                continue;
            }
            seen_code = true;
            push_word(&mut out, code);
            if !rest.is_empty() {
                push_word(&mut out, rest);
            }
            continue;
        }
        push_word(&mut out, w);
    }
    Cow::Owned(out)
}

fn push_word(out: &mut String, w: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_multiline_replies() {
        let lines = ["550-5.7.26 Unauthenticated email is", "550-5.7.26 not accepted", "550 5.7.26 here", "next"];
        assert_eq!(join_replies(&lines), ["550 5.7.26 Unauthenticated email is not accepted here", "next"]);
        let lines = ["<<< 554-5.7.1 Rejected: content", "<<< 554 5.7.1 looks like spam"];
        assert_eq!(join_replies(&lines), ["<<< 554 5.7.1 Rejected: content looks like spam"]);
        let lines = ["host mx.example.org said: 550-First line", "    550 second line"];
        assert_eq!(join_replies(&lines), ["host mx.example.org said: 550 First line second line"]);
        assert_eq!(join_replies(&["550-only one"]), ["550-only one"]);
        assert_eq!(join_replies(&["a 250-x", "250 y"]), ["a 250 x y"]);
    }

    #[test]
    fn finds_continuation_codes_as_the_regexes_do() {
        for (text, has) in
            [("550-x", true), ("x 421-4.7.0 y", true), ("5.5.0-x", false), ("550 x", false), ("-550", false)]
        {
            assert_eq!(has_continuation_code(text.as_bytes()), has, "{text}");
            assert!(has || scan::reply_start(text.as_bytes()) == Ok(None));
        }
    }

    proptest::proptest! {
        /// Every text either regex matches holds a continuation code.
        #[test]
        fn the_byte_scan_never_hides_a_match(text in "[245 0-9a-z:(<#.-]{0,24}") {
            let start = scan::reply_start(text.as_bytes()) != Ok(None);
            if start || scan::inline_continuation(text.as_bytes()).is_some() {
                proptest::prop_assert!(has_continuation_code(text.as_bytes()));
            }
        }
    }

    proptest::proptest! {
        /// Lines of one text join as they do searched one by one, the
        /// text's dash runs and codes split across lines included.
        #[test]
        fn lines_of_a_text_join_as_lines_searched_each(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "550-", "550 ", "5.7.1 ", "x", "\n", " \n", "--", "-", "4", "21", "<<< ", "@",
            ]), 0..24),
        ) {
            let text = pieces.concat();
            let lines: Vec<&str> = crate::extract::dsn::lines(&text).map(str::trim_end).collect();
            let upto = lines.last().map_or(0, |l| l.as_ptr() as usize - text.as_ptr() as usize + l.len());
            proptest::prop_assert_eq!(join_replies_in(&text[..upto], &lines), join_replies(&lines));
        }
    }

    #[test]
    fn joins_replies_already_on_one_line() {
        assert_eq!(
            join_inline("550-5.7.1 Messages with 550-5.7.1 many 550 5.7.1 From: lines"),
            "550 5.7.1 Messages with many From: lines"
        );
        assert_eq!(join_inline("said: 550-Too 550 busy"), "said: 550 Too busy");
        assert_eq!(join_inline("550 5.1.1 unknown"), "550 5.1.1 unknown");
        assert_eq!(
            join_inline("550 5.1.1 The account 550-5.1.1 does not 550-5.1.1 exist"),
            "550 5.1.1 The account does not exist"
        );
        assert_eq!(join_inline("550-5.7.1 [x] Messages"), "550 5.7.1 [x] Messages");
    }
}
