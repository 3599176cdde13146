//! The address pattern ([`super::PATTERN`]) matched by hand: the same
//! leftmost-first matches as the regex, found from each `@` outwards, with
//! no automaton to build (building the Unicode one costs ≈ 15M
//! instructions, and every text with a non-ASCII character needed it).
//!
//! Why each part of the pattern has one way to match, given its start:
//! - a dot-atom local part (`[atext][atext.]*`) cannot hold `@`, so it runs
//!   from its first character to the `@`; the leftmost start for an `@` is
//!   the first non-dot character of the run of local-part characters
//!   before it;
//! - a quoted one (`"[^"\r\n<>]+"`) ends at the first quote after its
//!   opening one, so it opens at the last quote before the closing one;
//! - a domain label cannot hold `.`, so each `label.` is the whole run of
//!   label characters up to a dot; the greedy `(label\.)+` then gives back
//!   labels until what follows the last one kept starts with a letter, and
//!   the top-level part runs over every letter, digit and hyphen after it.
//!
//! A property test checks the scanner against the regex.

use std::ops::Range;
use std::sync::OnceLock;

/// Every match of the address pattern in `text`, leftmost first, not
/// overlapping, as the regex's `find_iter` gives them.
pub(crate) fn find_iter(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let m = find_at(text, from)?;
        from = m.end;
        Some(m)
    })
}

/// The leftmost match starting at or after `from`.
fn find_at(text: &str, from: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut best: Option<Range<usize>> = None;
    for at in memchr::memchr_iter(b'@', &bytes[from..]).map(|i| from + i) {
        if let Some(b) = &best {
            // A later `@` can start further left only with a quoted local
            // part reaching back over `b.start`, which nothing between
            // there and its closing quote may stop.
            let span = &bytes[b.start..at.saturating_sub(1).max(b.start)];
            if span.iter().any(|&c| matches!(c, b'"' | b'\r' | b'\n' | b'<' | b'>')) {
                break;
            }
        }
        let Some(start) = local_start(text, from, at) else { continue };
        if best.as_ref().is_some_and(|b| b.start <= start) {
            continue;
        }
        if let Some(end) = domain_end(text, at + 1) {
            best = Some(start..end);
        }
    }
    best
}

/// Where the local part before the `@` at `at` starts (at or after `from`).
fn local_start(text: &str, from: usize, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if at > from && bytes[at - 1] == b'"' {
        let close = at - 1;
        let open = memchr::memrchr(b'"', &bytes[from..close])? + from;
        let inside = &bytes[open + 1..close];
        let ok = !inside.is_empty() && !inside.iter().any(|&c| matches!(c, b'\r' | b'\n' | b'<' | b'>'));
        return ok.then_some(open);
    }
    let mut run = at;
    for (i, c) in text[from..at].char_indices().rev() {
        if !(c == '.' || is_atext(c)) {
            break;
        }
        run = from + i;
    }
    let first = text[run..at].find(|c| c != '.')?;
    Some(run + first)
}

/// Where the domain starting at `p` ends, if one does.
fn domain_end(text: &str, p: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(p) == Some(&b'[') {
        let n = bytes[p + 1..].iter().take_while(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':')).count();
        return (n > 0 && bytes.get(p + 1 + n) == Some(&b']')).then_some(p + n + 2);
    }
    // The start of the top-level part: after the last `label.` whose next
    // character is a letter.
    let mut top = None;
    let mut pos = p;
    loop {
        let mut first = None;
        let mut last = None;
        let mut end = pos;
        for (i, c) in text[pos..].char_indices() {
            if !(is_alnum(c) || c == '_' || c == '-') {
                break;
            }
            first.get_or_insert(c);
            last = Some(c);
            end = pos + i + c.len_utf8();
        }
        let label = first.is_some_and(is_alnum) && last.is_some_and(is_alnum);
        if !label || bytes.get(end) != Some(&b'.') {
            break;
        }
        pos = end + 1;
        if text[pos..].chars().next().is_some_and(is_letter) {
            top = Some(pos);
        }
    }
    let top = top?;
    let len: usize = text[top..].chars().take_while(|&c| is_alnum(c) || c == '-').map(char::len_utf8).sum();
    Some(top + len)
}

/// A character of a dot-atom local part other than the dot.
fn is_atext(c: char) -> bool {
    // The symbols as one `match`, not a search of a string of them.
    is_alnum(c)
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
                | '-'
        )
}

fn is_alnum(c: char) -> bool {
    is_letter(c) || is_number(c)
}

/// `\p{L}`.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    static L: OnceLock<Vec<(char, char)>> = OnceLock::new();
    in_class(L.get_or_init(|| class(r"\p{L}")), c)
}

/// `\p{N}`.
fn is_number(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    static N: OnceLock<Vec<(char, char)>> = OnceLock::new();
    in_class(N.get_or_init(|| class(r"\p{N}")), c)
}

/// The ranges of a Unicode class, from the regex parser's own tables (so
/// that the scanner and the regex agree on every character).
fn class(pattern: &str) -> Vec<(char, char)> {
    use regex_syntax::hir::{Class, HirKind};
    match regex_syntax::parse(pattern).map(|h| h.into_kind()) {
        Ok(HirKind::Class(Class::Unicode(c))) => c.ranges().iter().map(|r| (r.start(), r.end())).collect(),
        _ => Vec::new(),
    }
}

fn in_class(ranges: &[(char, char)], c: char) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regex() -> regex::Regex {
        regex::Regex::new(super::super::PATTERN).unwrap()
    }

    fn same_as_regex(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let mine: Vec<_> = find_iter(text).collect();
        let theirs: Vec<_> = regex().find_iter(text).map(|m| m.range()).collect();
        proptest::prop_assert_eq!(mine, theirs, "{:?}", text);
        Ok(())
    }

    #[test]
    fn matches_as_the_regex_on_tricky_texts() {
        for text in [
            "\"x@y\"@z.example.com",
            "a\"b\"@c.de",
            "..a.b@c.d.1e",
            "a@b-.c.de",
            "a@b_c.de_f.gh",
            "a@[1.2.3.4] b@[zz]",
            "x@y.z.",
            "é@exämple.fr ٣@٣.ab",
            "\"a b\" @c.de \"<x>\"@d.ef",
            "a@b.c@d.ef",
            "@@a@b.cd",
        ] {
            same_as_regex(text).unwrap();
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn matches_as_the_regex(text in "[ab1_.@\"\\[\\]:<> \n-éǅ٣\u{301}!]{0,40}") {
            same_as_regex(&text)?;
        }

        #[test]
        fn matches_as_the_regex_on_address_like_text(
            text in "([a-c]{1,3}[.@_-]?){0,6}[@\"]?([a-c9]{1,3}[.-]){0,3}[a-c9é]{0,3}( |@|\\.)?"
        ) {
            same_as_regex(&text)?;
        }
    }
}
