use super::*;

#[test]
#[allow(clippy::invalid_regex)] // the point: the same error as the regex crate's
fn syntax_errors_read_as_the_regex_crates() {
    let ours = LazyRegex::<regex::Regex>::new("(a").unwrap_err();
    let theirs = regex::Regex::new("(a").unwrap_err().to_string();
    assert_eq!(ours, theirs);
    // Bytes regexes may match invalid UTF-8; string regexes may not.
    assert!(LazyRegex::<regex::bytes::Regex>::new(r"(?-u:\xFF)").is_ok());
    assert!(LazyRegex::<regex::Regex>::new(r"(?-u:\xFF)").is_err());
}

#[test]
fn compiles_on_first_use_case_insensitively() {
    let r = LazyRegex::<regex::bytes::Regex>::new("user (unknown|not found)").unwrap();
    assert_eq!(r.find(b"550 User Not Found").map(|m| m.start()), Some(4));
    let s = LazyRegex::<regex::Regex>::new("(?P<rcpt>[a-z]+@[a-z.]+)").unwrap();
    assert_eq!(s.captures("to: Bob@Example.org").unwrap().name("rcpt").unwrap().as_str(), "Bob@Example.org");
    assert!(s.is_match("a@b") && s.compile_error().is_none());
}

#[test]
fn a_match_inside_a_character_is_searched_again_in_full() {
    // ASCII `.` takes one byte of `é`; the full regex takes the character.
    let s = LazyRegex::<regex::Regex>::new(r"x(?P<c>.)").unwrap();
    assert_eq!(s.captures("xé!").unwrap().name("c").unwrap().as_str(), "é");
    let b = LazyRegex::<regex::bytes::Regex>::new(r"x.").unwrap();
    assert_eq!(b.find("xé!".as_bytes()).map(|m| m.range()), Some(0..3));
    // Unbounded classes consume a character byte by byte, whole.
    let s = LazyRegex::<regex::Regex>::new(r"<(?P<rcpt>[^\s<>]+@[^\s<>]+)>").unwrap();
    assert_eq!(s.captures("à <émile@exämple.fr>").unwrap().name("rcpt").unwrap().as_str(), "émile@exämple.fr");
}

#[test]
fn a_pattern_with_a_non_ascii_letter_folds_it_on_non_ascii_texts() {
    let s = LazyRegex::<regex::Regex>::new("empfänger: (?P<rcpt>\\S+)").unwrap();
    assert_eq!(s.captures("EMPFÄNGER: a@b").unwrap().name("rcpt").unwrap().as_str(), "a@b");
    assert!(s.is_match("Empfänger: x") && !s.is_match("Empfanger: x"));
}

#[test]
fn an_anchored_pattern_in_full_finds_the_groups_the_regex_crate_finds() {
    let pattern = r"^\s*(?:empfänger|recipient)\s*:\s*<?(?P<rcpt>[^\s<>]+@[^\s<>]+?)>?\s*$";
    let ours = LazyRegex::<regex::Regex>::new(pattern).unwrap();
    let theirs = regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap();
    for text in
        ["\u{a0}EMPFÄNGER:\u{2003}<émile@exämple.fr> ", "Recipient: a@b\u{a0}", "empfänger: a b@c", "Empfänger:x@ÿ"]
    {
        let want = theirs.captures(text).map(|c| (c.get(0).unwrap().range(), c.name("rcpt").map(|m| m.as_str())));
        let got = ours.captures(text).map(|c| (c.get(0).unwrap().range, c.name("rcpt").map(|m| m.as_str())));
        assert_eq!(got, want, "{text}");
    }
}

proptest::proptest! {
    /// On ASCII text the ASCII compilation finds what the `regex`
    /// crate's Unicode one finds, groups included.
    #[test]
    fn ascii_texts_match_as_with_unicode(text in "[a-zA-Z0-9 _.:<>@\\[\\]()\t-]{0,40}", p in 0..8usize) {
        let pattern = [
            r"^\s{0,4}<?(?P<rcpt>[^\s<>]+@[^\s<>]+?)>?\s+(?P<diag>\w.*)$",
            r"\bk\d*_(?P<n>1|2)\b",
            r"(?P<host>[a-z0-9_.-]+\.[a-z]{2,})\s*\[[0-9a-f.:]+\]",
            r"s.{1,5}?k",
            r"(?P<w>\W+)(?P<rest>\S*)",
            r"(?:^|[\s:(<])(?P<code>[245]\d\d)\b",
            r"^(?P<w>\w+)?\s*(?P<x>[a-z]{2,3}|k)\b(?:@|(?P<y>\d+))",
            r"^.*?(?P<at>@)(?P<rest>.*)$",
        ][p];
        let ours = LazyRegex::<regex::Regex>::new(pattern).unwrap();
        let theirs = regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap();
        let a = ours.captures(&text).map(|c| (0..4).map(|i| c.get(i).map(|m| m.as_str())).collect::<Vec<_>>());
        let b = theirs.captures(&text).map(|c| (0..4).map(|i| c.get(i).map(|m| m.as_str())).collect::<Vec<_>>());
        proptest::prop_assert_eq!(a, b);
        let bytes = LazyRegex::<regex::bytes::Regex>::new(pattern).unwrap();
        let found = theirs.find(&text).map(|m| m.range());
        proptest::prop_assert_eq!(bytes.find(text.as_bytes()).map(|m| m.range()), found);
    }
}

#[test]
fn a_regex_over_the_size_limit_never_matches_and_says_why() {
    let r = LazyRegex::<regex::Regex>::new(r"\w{1000}\w{1000}").unwrap();
    assert!(!r.is_match("abc"));
    assert!(r.compile_error().is_some_and(|e| e.contains("exceeds size limit")), "{:?}", r.compile_error());
}

#[test]
fn finds_a_byte_every_match_needs() {
    let byte = |p: &str| required_byte(&LazyRegex::<regex::Regex>::parse(p).unwrap().1);
    assert_eq!(byte(r"^\s*<(?P<rcpt>[^>]+@[^>]+)>:"), Some(b'@'));
    assert_eq!(byte(r"host (?P<host>\S+) said:"), Some(b':'));
    assert_eq!(byte(r"(?:a@b|c:d)"), None);
    assert_eq!(byte(r"(?:x@)?y"), None);
    assert_eq!(byte(r"user unknown"), Some(b' '));
    // Every line the regex matches holds the byte.
    let r = regex::RegexBuilder::new(r"(?:to|for)\s*<?\S+@\S+").case_insensitive(true).build().unwrap();
    assert!(byte(r.as_str())
        .is_some_and(|b| ["to x@y", "FOR <a@b>"].iter().all(|t| r.is_match(t) && t.as_bytes().contains(&b))));
}

#[test]
fn finds_every_byte_every_match_needs() {
    let bytes = |p: &str| required_bytes(&LazyRegex::<regex::Regex>::parse(p).unwrap().1);
    let set = |s: &str| ascii_bytes(s.as_bytes());
    assert_eq!(bytes(r"^\s*<(?P<rcpt>[^>]+@[^>]+)>:"), set("<@>:"));
    assert_eq!(bytes(r"(?:a@b|c@:d)x"), set("@"), "letters fold; only what every branch has");
    let r = r"^\s{0,8}>>>\s*RCPT TO:\s*<(?P<rcpt>\S+@\S+)>";
    let line = ">>> RCPT TO:<bob@example.org>";
    assert!(bytes(r) & !set(line) == 0 && regex::Regex::new(r).unwrap().is_match(line));
    assert!(bytes(r) & !set("RCPT TO bob@example.org") != 0);
}

#[test]
fn finds_named_groups() {
    let (_, hir) = LazyRegex::<regex::Regex>::parse(r"^(?:x|(?P<host>[a-z]+))+$").unwrap();
    assert!(has_group(&hir, "host"));
    assert!(!has_group(&hir, "rcpt"));
}

proptest::proptest! {
    /// `Captures::name` finds the same group as `get_group_by_name`, the
    /// hash-map lookup it replaces, for every name and for a name absent.
    #[test]
    fn names_find_the_groups_get_group_by_name_finds(text in "[a-c@ .]{0,16}") {
        let s = LazyRegex::<regex::Regex>::new(r"(?P<a>[a-c]+)(?:@(?P<b>[a-c]*))?(x)?(?P<c>\.)?").unwrap();
        if let Some(c) = s.captures(&text) {
            for name in ["a", "b", "c", "d", ""] {
                let want = c.slots.get_group_by_name(name).map(|m| m.range());
                proptest::prop_assert_eq!(c.name(name).map(|m| m.range), want);
            }
        }
    }
}
