//! Email addresses in bounce text: finding them, and cleaning the forms MTAs
//! write them in (`<a@b>`, `rfc822; a@b`, `"quoted..local"@b`).

use std::sync::OnceLock;

use crate::lazy_regex::DualRegex;

/// A quoted local part, or a dot-atom one (letters of any script allowed,
/// for internationalised addresses); a domain of at least two labels or an
/// address literal.
const PATTERN: &str = concat!(
    r#"(?:"[^"\r\n<>]+"|[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-][\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]*)"#,
    r"@(?:(?:[\p{L}\p{N}](?:[\p{L}\p{N}_-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*",
    r"|\[[0-9A-Fa-f.:]+\])"
);

/// [`PATTERN`] as it reads on an ASCII text, where a letter (`\p{L}`) is
/// `A-Za-z` and a number (`\p{N}`) `0-9`: far cheaper to compile than the
/// Unicode tables, which only a text with non-ASCII characters needs.
const ASCII_PATTERN: &str = concat!(
    r#"(?:"[^"\r\n<>]+"|[A-Za-z0-9!#$%&'*+/=?^_`{|}~-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*)"#,
    r"@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*",
    r"|\[[0-9A-Fa-f.:]+\])"
);

fn pattern() -> &'static DualRegex {
    static RE: OnceLock<DualRegex> = OnceLock::new();
    RE.get_or_init(|| DualRegex::with_ascii(PATTERN, ASCII_PATTERN))
}

/// Every address in `text`, in order, as `(start, end, address)` with the
/// address cleaned by [`clean`].
pub(crate) fn find_all(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    // Every match holds an `@`: a text without one is passed over unsearched.
    let any = memchr::memchr(b'@', text.as_bytes()).is_some();
    any.then(|| pattern().find_iter(text)).into_iter().flatten().filter(|m| m.len() <= 320).filter_map(|m| {
        let a = clean(&text[m.clone()])?;
        Some((m.start, m.end, a))
    })
}

/// The first address in `text`.
pub(crate) fn first(text: &str) -> Option<String> {
    find_all(text).next().map(|(_, _, a)| a)
}

/// An address as found, without surrounding punctuation and with the
/// domain lowercased; `None` when nothing address-like remains.
pub(crate) fn clean(raw: &str) -> Option<String> {
    let s = raw
        .trim()
        .trim_start_matches(['<', '(', '[', '\'', '`', '.', '='])
        .trim_end_matches(['>', ')', '.', ',', ';', ':', '\'', '`']);
    let at = s.rfind('@')?;
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let local = local.trim_start_matches('.');
    if local.is_empty() || domain.is_empty() || domain.starts_with('.') {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

/// Whether two addresses name the same mailbox (local parts compared
/// ASCII-case-insensitively, as nearly every system does).
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &str) -> Vec<String> {
        find_all(s).map(|(_, _, a)| a).collect()
    }

    #[test]
    fn finds_addresses_in_mta_forms() {
        assert_eq!(all("<bob@Example.ORG>: host mx said"), ["bob@example.org"]);
        assert_eq!(all("Final-Recipient: rfc822; alice@example.net"), ["alice@example.net"]);
        assert_eq!(all("RCPT TO:<a.b+tag@sub.example.co.jp>:"), ["a.b+tag@sub.example.co.jp"]);
        assert_eq!(all("<\"odd..local\"@example.com>... User unknown"), ["\"odd..local\"@example.com"]);
        assert_eq!(all("(carol@example.com)"), ["carol@example.com"]);
        assert_eq!(all("user@[192.0.2.1] and émile@exämple.fr"), ["user@[192.0.2.1]", "émile@exämple.fr"]);
    }

    proptest::proptest! {
        /// On ASCII text the ASCII form finds exactly what the Unicode
        /// pattern finds.
        #[test]
        fn the_ascii_form_matches_as_the_unicode_pattern(text in r#"[a-zA-Z0-9@.<>"_+\[\]: \-]{0,60}"#) {
            let full = regex::Regex::new(PATTERN).unwrap();
            let ascii: Vec<_> = pattern().find_iter(&text).collect();
            let unicode: Vec<_> = full.find_iter(&text).map(|m| m.range()).collect();
            proptest::prop_assert_eq!(ascii, unicode);
        }
    }

    #[test]
    fn ignores_what_is_not_an_address() {
        assert!(all("send mail to <postmaster>").is_empty());
        assert!(all("host mx.example.com[192.0.2.1] said: 550").is_empty());
        assert!(all("a@b").is_empty());
    }
}
