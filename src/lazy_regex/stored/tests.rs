use super::*;
use crate::lazy_regex::LazyRegex;

/// A checksum for tests.
fn sum(bytes: &[u8]) -> u128 {
    bytes.iter().fold(7u128, |h, &b| h.wrapping_mul(1_000_003).wrapping_add(u128::from(b)))
}

/// `built`'s bytes copied to an 8-byte aligned place in memory (as in a
/// mapped snapshot), as a [`Stored`].
fn placed(built: &Built) -> Stored {
    let mut buf = vec![0u8; built.bytes.len() + 8];
    let start = buf.as_ptr().align_offset(8);
    buf[start..start + built.bytes.len()].copy_from_slice(&built.bytes);
    let owner: Owner = Arc::new(buf);
    stored(&owner, start..start + built.bytes.len(), sum(&built.bytes), sum, &built.needle).unwrap()
}

/// `regex` given the stored form it prebuilds (see [`placed`]); whether it
/// has one.
fn attached<R: super::super::Compile>(regex: &mut LazyRegex<R>) -> bool {
    let Some(built) = regex.prebuild() else { return false };
    regex.attach(placed(&built));
    true
}

/// `regex` given the stored forms it prebuilds, ASCII and full; whether it
/// has a full one.
fn attached_full<R: super::super::Compile>(regex: &mut LazyRegex<R>) -> bool {
    attached(regex);
    let Some(built) = regex.prebuild_full() else { return false };
    regex.attach_full(placed(&built));
    true
}

/// Checks that `pattern` given stored forms (by `attach` and
/// `attach_bytes`, which must say they attached one) finds in `text` what
/// the regex built on demand finds: its first `groups` groups, whether it
/// matches, and as a byte regex, where.
fn agrees_with_built(
    pattern: &str,
    text: &str,
    groups: usize,
    attach: fn(&mut LazyRegex<regex::Regex>) -> bool,
    attach_bytes: fn(&mut LazyRegex<regex::bytes::Regex>) -> bool,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let built = LazyRegex::<regex::Regex>::new(pattern).unwrap();
    let mut read = LazyRegex::<regex::Regex>::new(pattern).unwrap();
    proptest::prop_assert!(attach(&mut read));
    let found = |c: Option<crate::lazy_regex::Captures<'_>>| {
        c.map(|c| (0..groups).map(|i| c.get(i).map(|m| (m.start(), m.as_str().to_string()))).collect::<Vec<_>>())
    };
    proptest::prop_assert_eq!(found(read.captures(text)), found(built.captures(text)));
    proptest::prop_assert_eq!(read.is_match(text), built.is_match(text));
    let bytes = LazyRegex::<regex::bytes::Regex>::new(pattern).unwrap();
    let mut bytes_read = LazyRegex::<regex::bytes::Regex>::new(pattern).unwrap();
    proptest::prop_assert!(attach_bytes(&mut bytes_read));
    let (a, b) = (bytes_read.find(text.as_bytes()), bytes.find(text.as_bytes()));
    proptest::prop_assert_eq!(a.map(|m| m.range()), b.map(|m| m.range()));
    Ok(())
}

/// Patterns that need Unicode, each with a stored full form: non-ASCII
/// letters folded case-insensitively, Unicode classes and spaces.
const FULL_PATTERNS: [&str; 5] = [
    r"^\s{0,4}(?:Recipient|Empfänger)\s*:\s*<?(?P<rcpt>[^\s<>]+@[^\s<>]+?)>?\s*$",
    r"^\s{0,3}(?:(?:[*•]|-{1,2})\s*)?<?(?P<rcpt>[^\s<>(),;]+@[^\s<>(),;]+?)>?\s*:?\s*$",
    r"(?P<w>\p{Greek}+)\s+ſk",
    r"é(?P<x>[a-zß]+)@",
    r"\bstraße\b",
];

proptest::proptest! {
    /// A full form read from the snapshot finds what the one built on
    /// demand finds, groups included, on texts with non-ASCII letters and
    /// spaces (and their other cases).
    #[test]
    fn stored_full_forms_match_as_built_ones(
        text in "[a-zA-Z0-9 _.:<>@*•éÉäÄßſK\u{a0}\u{2003}\t-]{0,40}",
        p in 0..FULL_PATTERNS.len(),
    ) {
        agrees_with_built(FULL_PATTERNS[p], &text, 3, attached_full::<regex::Regex>, attached_full::<regex::bytes::Regex>)?;
    }
}

#[test]
fn ascii_patterns_and_ones_matching_empty_texts_have_no_stored_full_form() {
    assert!(LazyRegex::<regex::Regex>::new(r"^\s*(?P<a>[a-z]+)@").unwrap().prebuild_full().is_none());
    assert!(LazyRegex::<regex::Regex>::new(r"(?P<a>ä*)").unwrap().prebuild_full().is_none());
    assert!(LazyRegex::<regex::Regex>::new(r"^(?P<a>ä+)").unwrap().prebuild_full().is_some());
}

/// Patterns of each stored kind (anchored and not, searched for groups or
/// bounds), with assertions, lazy repetitions, classes and alternations.
const PATTERNS: [&str; 8] = [
    r"^\s{0,4}<?(?P<rcpt>[^\s<>]+@[^\s<>]+?)>?\s+(?P<diag>\w.*)$",
    r"\bk\d*_(?P<n>1|2)\b",
    r"(?P<host>[a-z0-9_.-]+\.[a-z]{2,})\s*\[[0-9a-f.:]+\]",
    r"s.{1,5}?k",
    r"(?:^|[\s:(<])(?P<code>[245]\d\d)\b",
    r"^(?P<w>\w+)?\s*(?P<x>[a-z]{2,3}|k)\b(?:@|(?P<y>\d+))",
    r"(?m)^(?P<h>[0-9a-f.:]{3,}) (?:does not|failed)",
    r"error\s+from\s+(?P<c>RCPT(?: TO)?|MAIL)",
];

proptest::proptest! {
    /// A regex read from its stored form finds what the one built on
    /// demand finds, groups included, on ASCII texts and others.
    #[test]
    fn stored_regexes_match_as_built_ones(
        text in "[a-zA-Z0-9 _.:<>@\\[\\]()\t\n-é]{0,40}",
        p in 0..PATTERNS.len(),
    ) {
        agrees_with_built(PATTERNS[p], &text, 4, attached::<regex::Regex>, attached::<regex::bytes::Regex>)?;
    }
}

#[test]
fn a_span_too_long_for_the_backtracker_goes_to_the_regex_built_on_demand() {
    let pattern = r"^(?P<all>a.*x)";
    let mut read = LazyRegex::<regex::Regex>::new(pattern).unwrap();
    assert!(attached(&mut read));
    let text = format!("a{}x", "b".repeat(1 << 20));
    assert_eq!(read.captures(&text).unwrap().name("all").unwrap().as_str().len(), text.len());
    let text = format!("zz a{}x", "b".repeat(1 << 20));
    let mut read = LazyRegex::<regex::Regex>::new(r"(?P<all>a.*x)").unwrap();
    assert!(attached(&mut read));
    assert_eq!(read.captures(&text).unwrap().name("all").unwrap().start(), 3);
}

#[test]
fn damaged_or_misaligned_bytes_are_not_read() {
    let regex = LazyRegex::<regex::Regex>::new(r"^\s*(?P<rcpt>[a-z]+@[a-z.]+)").unwrap();
    let built = regex.prebuild().unwrap();
    let mut buf = vec![0u8; built.bytes.len() + 9];
    let start = buf.as_ptr().align_offset(8) + 1;
    buf[start..start + built.bytes.len()].copy_from_slice(&built.bytes);
    let owner: Owner = Arc::new(buf);
    let range = start..start + built.bytes.len();
    // Misaligned: the DFA refuses it, and the regex is built instead.
    let s = stored(&owner, range.clone(), sum(&built.bytes), sum, &built.needle).unwrap();
    assert!(s.load("", false).is_none());
    // A checksum that does not match.
    let s = stored(&owner, range.clone(), sum(&built.bytes) ^ 1, sum, &built.needle).unwrap();
    assert!(s.load("", false).is_none());
    let mut regex = LazyRegex::<regex::Regex>::new(r"^\s*(?P<rcpt>[a-z]+@[a-z.]+)").unwrap();
    regex.attach(s);
    assert_eq!(regex.captures(" bob@example.org").unwrap().name("rcpt").unwrap().as_str(), "bob@example.org");
    // Truncated bytes (checksum recomputed, as if it had collided).
    for cut in (0..built.bytes.len()).step_by(97) {
        let part = &built.bytes[..cut];
        let s = stored(&owner, range.start..range.start + cut, sum(part), sum, &built.needle).unwrap();
        assert!(s.load("", false).is_none());
    }
}

#[test]
fn phrases_and_huge_dfas_are_not_stored() {
    assert!(LazyRegex::<regex::Regex>::new("sender was rejected").unwrap().prebuild().is_none());
    assert!(LazyRegex::<regex::bytes::Regex>::new(r"x.{1,400}?y\w{300}z").unwrap().prebuild().is_none());
}

/// Patterns of literals (with groups and assertions), stored as their
/// strings.
const LITERAL_PATTERNS: [&str; 4] = [
    r"\(state (?:15|17|18)\)",
    r">>> (?P<command>RCPT TO|MAIL FROM|DATA)",
    r"\bib50[12]\b",
    r"^(?P<a>x|xy)(?P<b>z)?\b",
];

proptest::proptest! {
    /// A pattern of literals read from its stored strings finds what the
    /// one parsed on demand finds, groups included.
    #[test]
    fn stored_literals_match_as_parsed_ones(
        text in "(?:[a-zA-Z0-9 ()>]|RCPT TO|DATA|ib50|state 1)[a-zA-Z0-9 ()>]{0,30}",
        p in 0..LITERAL_PATTERNS.len(),
    ) {
        let pattern = LITERAL_PATTERNS[p];
        let built = LazyRegex::<regex::Regex>::new(pattern).unwrap();
        let mut read = LazyRegex::<regex::Regex>::new(pattern).unwrap();
        proptest::prop_assert!(attached(&mut read));
        let groups = |c: Option<crate::lazy_regex::Captures<'_>>| {
            c.map(|c| (0..3).map(|i| c.get(i).map(|m| (m.start(), m.as_str().to_string()))).collect::<Vec<_>>())
        };
        proptest::prop_assert_eq!(groups(read.captures(&text)), groups(built.captures(&text)));
        let bytes = LazyRegex::<regex::bytes::Regex>::new(pattern).unwrap();
        let mut bytes_read = LazyRegex::<regex::bytes::Regex>::new(pattern).unwrap();
        proptest::prop_assert!(attached(&mut bytes_read));
        let (a, b) = (bytes_read.find(text.as_bytes()), bytes.find(text.as_bytes()));
        proptest::prop_assert_eq!(a.map(|m| m.range()), b.map(|m| m.range()));
    }
}

#[test]
fn truncated_literals_are_not_read() {
    let built = LazyRegex::<regex::Regex>::new(r">>> (?P<command>RCPT TO|DATA)\b").unwrap().prebuild().unwrap();
    let owner: Owner = Arc::new(built.bytes.clone());
    for cut in 0..built.bytes.len() {
        let part = &built.bytes[..cut];
        let s = stored(&owner, 0..cut, sum(part), sum, &built.needle).unwrap();
        assert!(s.load("", false).is_none(), "cut at {cut}");
    }
    let s = stored(&owner, 0..built.bytes.len(), sum(&built.bytes), sum, &built.needle).unwrap();
    assert!(s.load("", false).is_some());
}
