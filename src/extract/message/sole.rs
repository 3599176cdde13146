//! Addresses read from header values of the simplest forms without a
//! general parser.

/// The address of a header value that is one plain ASCII address, bare or
/// in angle brackets (`a.b@example.org`, `<a@example.org>`): exactly the
/// one match `address::find_all`'s pattern finds there, found without
/// running it. `None` for anything else.
///
/// Read in one pass through a byte table: the local part of atom bytes, not
/// starting with a dot; then domain labels of label bytes starting and
/// ending with a letter or digit, each checked at its dot; then a last
/// label of letters, digits and dashes starting with a letter.
pub(super) fn sole_address(value: &str) -> Option<&str> {
    let v = value.strip_prefix('<').unwrap_or(value);
    let v = v.strip_suffix('>').unwrap_or(v);
    // Read as bytes: the checks only let ASCII through.
    let b = v.as_bytes();
    if b.len() > 320 {
        return None;
    }
    let at = b.iter().position(|&c| CLASS[usize::from(c)] & ATOM == 0)?;
    if at == 0 || b[at] != b'@' || b[0] == b'.' {
        return None;
    }
    let domain = &b[at + 1..];
    let mut label = 0;
    for (i, &c) in domain.iter().enumerate() {
        if c == b'.' {
            let ends_ok = |j: usize| domain.get(j).is_some_and(|&c| CLASS[usize::from(c)] & ALNUM != 0);
            if i == label || !ends_ok(label) || !ends_ok(i - 1) {
                return None;
            }
            label = i + 1;
        } else if CLASS[usize::from(c)] & LABEL == 0 {
            return None;
        }
    }
    // The last label: after a dot, without the underscores other labels may hold.
    let last = &domain[label..];
    let last_ok = label > 0
        && last.first().is_some_and(u8::is_ascii_alphabetic)
        && last.iter().all(|&c| CLASS[usize::from(c)] & ALNUM != 0 || c == b'-');
    last_ok.then_some(v)
}

/// [`CLASS`] bit: a byte of a local part (letter, digit, `.`, `_`, `+`, `-`).
const ATOM: u8 = 1;
/// [`CLASS`] bit: a byte of a domain label (letter, digit, `_`, `-`).
const LABEL: u8 = 2;
/// [`CLASS`] bit: an ASCII letter or digit.
const ALNUM: u8 = 4;

/// The classes of each byte, as bits.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_alphanumeric() {
            t[i] = ATOM | LABEL | ALNUM;
        } else if c == b'.' || c == b'+' {
            t[i] = ATOM;
        } else if c == b'_' || c == b'-' {
            t[i] = ATOM | LABEL;
        }
        i += 1;
    }
    t
};

/// The address of a header value `Name <address>` whose name is plain words
/// (letters, digits, spaces) or a quoted string of a few more characters,
/// and whose address is one [`sole_address`] reads: the one address
/// `mail-parser`'s `parse_address` finds there. `None` for anything else.
pub(super) fn named_address(value: &str) -> Option<&str> {
    let open = value.bytes().rposition(|c| c == b'<')?;
    let name = value[..open].strip_suffix(' ')?.trim_end();
    let addr = value[open..].strip_suffix('>')?;
    let quoted = name.strip_prefix('"').and_then(|n| n.strip_suffix('"'));
    let name_ok = match quoted {
        Some(inner) => {
            inner.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b' ' | b'.' | b',' | b'-' | b'_' | b'@'))
        }
        None => !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b' '),
    };
    if !name_ok {
        return None;
    }
    sole_address(addr)
}

#[cfg(test)]
mod tests {
    use mail_parser::parsers::MessageStream;
    use mail_parser::HeaderValue;

    use super::*;
    use crate::extract::address;

    /// The first version: the parts split and each checked on its own.
    fn sole_address_by_parts(value: &str) -> Option<&str> {
        let v = value.strip_prefix('<').unwrap_or(value);
        let v = v.strip_suffix('>').unwrap_or(v);
        let b = v.as_bytes();
        let at = b.iter().position(|&c| c == b'@')?;
        let (local, domain) = (&b[..at], &b[at + 1..]);
        let atom = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-');
        let local_ok = !local.is_empty() && local[0] != b'.' && local.iter().all(atom);
        let dot = domain.iter().rposition(|&c| c == b'.')?;
        let (labels, last) = (&domain[..dot], &domain[dot + 1..]);
        let label_ok = |l: &[u8]| {
            !l.is_empty()
                && l[0].is_ascii_alphanumeric()
                && l[l.len() - 1].is_ascii_alphanumeric()
                && l.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        };
        let last_ok = last.first().is_some_and(u8::is_ascii_alphabetic)
            && last.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-');
        (b.len() <= 320 && local_ok && last_ok && labels.split(|&c| c == b'.').all(label_ok)).then_some(v)
    }

    proptest::proptest! {
        #[test]
        fn sole_address_agrees_with_the_first_version(
            value in proptest::collection::vec(
                proptest::sample::select(vec!["a", "Z", "0", ".", "..", "_", "+", "-", "@", "<", ">", "b.c", "é", " ", "x-", "-y", "a_b", "\"", "1", "c0"]),
                0..16,
            ),
            long in proptest::bool::ANY,
        ) {
            let mut value = value.concat();
            if long {
                value = format!("{}{value}", "a".repeat(300));
            }
            proptest::prop_assert_eq!(sole_address(&value), sole_address_by_parts(&value));
        }

        #[test]
        fn sole_address_is_what_the_pattern_finds(
            pre in proptest::sample::select(vec!["", "<", "<<", " ", "\"", "é"]),
            local in "[a-c0-9._+-]{0,5}",
            domain in "[a-cA0-9_.-]{0,9}",
            post in proptest::sample::select(vec!["", ">", ">>", ",", " x", "é"]),
        ) {
            let value = format!("{pre}{local}@{domain}{post}");
            if let Some(a) = sole_address(&value) {
                let found: Vec<String> = address::find_all(&value).map(|(_, _, a)| a).collect();
                proptest::prop_assert_eq!(found, address::clean(a).into_iter().collect::<Vec<_>>());
            }
        }

        #[test]
        fn named_address_is_what_mail_parser_finds(
            name in proptest::collection::vec(
                proptest::sample::select(vec!["John", "Smith", " ", "J2", "\"", ".", ",", "-", "_", "@", "é", "<", ">", "(c)", "\n "]),
                0..6,
            ),
            local in "[a-c0-9._+-]{1,5}",
            domain in "[a-c0-9-]{1,4}\\.[a-c]{2,3}",
            space in proptest::sample::select(vec![" ", "  ", "\n ", ""]),
        ) {
            let raw = format!(" {}{space}<{local}@{domain}>\n", name.concat());
            if let Some(a) = named_address(&super::super::text::unfold(raw.as_bytes())) {
                let found: Vec<String> = match MessageStream::new(raw.as_bytes()).parse_address() {
                    HeaderValue::Address(list) => list.iter().filter_map(|x| x.address.as_deref().map(str::to_string)).collect(),
                    _ => Vec::new(),
                };
                proptest::prop_assert_eq!(found, vec![a.to_string()]);
            }
        }
    }

    #[test]
    fn finds_a_sole_address() {
        assert_eq!(sole_address("<a.b+c@mail.example.org>"), Some("a.b+c@mail.example.org"));
        assert_eq!(sole_address("a@b.c0-"), Some("a@b.c0-"));
        for other in ["Bob <a@b.org>", ".a@b.org", "a@b", "a@b.1x", "a@-b.org", "a@b..org", "a@b@c.org", "\"a\"@b.org"]
        {
            assert_eq!(sole_address(other), None, "{other}");
        }
    }

    #[test]
    fn finds_a_named_address() {
        assert_eq!(named_address("John Smith <j.s@example.org>"), Some("j.s@example.org"));
        assert_eq!(named_address("\"Smith, John\" <j@example.org>"), Some("j@example.org"));
        for other in
            ["<j@example.org>", "J. Smith <j@example.org>", "=?utf-8?q?J?= <j@example.org>", "John <j@example>"]
        {
            assert_eq!(named_address(other), None, "{other}");
        }
    }
}
