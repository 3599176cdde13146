//! Multi-line SMTP replies (`550-5.7.1 first` / `550 5.7.1 last`) written
//! as the one reply they are, whether they come as lines of a notice or
//! already run together on one line of a DSN field.

use std::borrow::Cow;
use std::sync::OnceLock;

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
    memchr::memchr_iter(b'-', s).any(|at| {
        at >= 3 && matches!(s[at - 3], b'2' | b'4' | b'5') && s[at - 2].is_ascii_digit() && s[at - 1].is_ascii_digit()
    })
}

/// Lines with multi-line SMTP replies (`550-5.7.1 a` / `550-5.7.1 b` /
/// `550 5.7.1 c`) joined into one line (`550 5.7.1 a b c`); the other
/// lines borrowed as they are.
pub(crate) fn join_replies<'a>(lines: &[&'a str]) -> Vec<Cow<'a, str>> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let found = match has_continuation_code(line.as_bytes()) {
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
