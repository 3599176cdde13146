//! Email addresses in bounce text: finding them, and cleaning the forms MTAs
//! write them in (`<a@b>`, `rfc822; a@b`, `"quoted..local"@b`).

mod scan;

/// The address pattern [`scan`] matches by hand: a quoted local part, or a
/// dot-atom one (letters of any script allowed, for internationalised
/// addresses); a domain of at least two labels or an address literal.
#[cfg(test)]
const PATTERN: &str = concat!(
    r#"(?:"[^"\r\n<>]+"|[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-][\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]*)"#,
    r"@(?:(?:[\p{L}\p{N}](?:[\p{L}\p{N}_-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*",
    r"|\[[0-9A-Fa-f.:]+\])"
);

/// Every address in `text`, in order, as `(start, end, address)` with the
/// address cleaned by [`clean`].
pub(crate) fn find_all(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    scan::find_iter(text).filter(|m| m.len() <= 320).filter_map(|m| {
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
    // `@` is ASCII: its byte offset is a character boundary (`memrchr`,
    // not `rfind`, whose reverse character search costs ≈ 230 instructions
    // an address).
    let at = memchr::memrchr(b'@', s.as_bytes())?;
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let local = local.trim_start_matches('.');
    if local.is_empty() || domain.is_empty() || domain.starts_with('.') {
        return None;
    }
    let mut out = String::with_capacity(local.len() + 1 + domain.len());
    out.push_str(local);
    out.push('@');
    if domain.is_ascii() {
        // What `to_lowercase` gives for ASCII, without its char-by-char walk.
        let start = out.len();
        out.push_str(domain);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&domain.to_lowercase());
    }
    Some(out)
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

    #[test]
    fn lowercases_the_domain_only() {
        assert_eq!(clean("<Bob.Smith@MX.Example.ORG>").as_deref(), Some("Bob.Smith@mx.example.org"));
        assert_eq!(clean("Émile@ÉCOLE.Example.FR").as_deref(), Some("Émile@école.example.fr"));
        // Not ASCII: Unicode lowercasing, final sigma and all.
        assert_eq!(clean("ΣΑΣ@ΟΔΟΣ.gr"), Some(format!("ΣΑΣ@{}", "ΟΔΟΣ.gr".to_lowercase())));
        assert_eq!(clean("..@example.com"), None);
    }

    #[test]
    fn ignores_what_is_not_an_address() {
        assert!(all("send mail to <postmaster>").is_empty());
        assert!(all("host mx.example.com[192.0.2.1] said: 550").is_empty());
        assert!(all("a@b").is_empty());
    }
}
