use super::super::{build_ascii, parse, DualRegex};
use super::*;

/// The ASCII form of `pattern` as [`parse`] reads it, if it has one.
fn ascii(pattern: &str, case_insensitive: bool) -> Option<Hir> {
    parse(pattern, case_insensitive, false)
}

#[test]
fn a_class_with_a_bullet_reads_as_the_alternatives_it_stands_for() {
    // (`\*|•|-` would be read as one class of the three.)
    assert_eq!(ascii(r"^(?:[*•]|-)\s*x", true), ascii(r"^(?:(?:\*|•)|-)\s*x", true));
    assert_eq!(ascii(r"[•]+y", false), ascii(r"(?:•)+y", false));
    assert_eq!(ascii(r"a[b-d•é_]c", true), ascii(r"a(?:[b-d_]|•|é)c", true));
    assert!(ascii(r"[*•]", true).is_some());
}

#[test]
fn classes_it_cannot_split_leave_the_pattern_without_an_ascii_form() {
    for p in [r"[^•]", r"[à-é]", r"[a[•]]", r"[\w&&•]", r"[ſx]", "a[\u{212A}*]"] {
        assert!(ascii(p, true).is_none(), "{p}");
    }
    // Patterns the plain parser reads are left to it.
    assert!(parse_split(r"[*-]x", true).is_none());
    assert!(parse_split(r"•x", true).is_none());
}

/// A class pattern put together from generated members, with text around.
fn pattern(members: &[&str], quantifier: &str, capture: bool) -> String {
    let class = format!("[{}]{quantifier}", members.concat());
    let class = if capture { format!("(?P<c>{class})") } else { class };
    format!("a?{class}b")
}

/// Members of the generated classes: ASCII ones, characters beyond ASCII
/// (one that case folding ties to ASCII: `ſ`), a range and an escape.
const MEMBERS: [&str; 10] = ["*", "•", "é", "É", "x", "0-2", r"\-", "ſ", "→", "b"];

/// Pieces of the generated texts.
const PIECES: [&str; 12] = ["a", "b", "B", "*", "•", "é", "É", "x", "X", "1", "-", "s"];

proptest::proptest! {
    /// The ASCII form's search (case-sensitive: no folding to tell apart)
    /// finds the match and group the `regex` crate finds, on any text.
    #[test]
    fn the_ascii_form_matches_as_the_regex_crate(
        members in proptest::collection::vec(proptest::sample::select(MEMBERS.to_vec()), 1..5),
        q in proptest::sample::select(vec!["", "+", "*", "?", "{2}", "+?"]),
        pieces in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..10),
    ) {
        let p = pattern(&members, q, true);
        let text = pieces.concat();
        let theirs = regex::bytes::Regex::new(&p).unwrap();
        let want = theirs.captures(text.as_bytes()).map(|c| (c.get(0).unwrap().range(), c.name("c").map(|m| m.range())));
        let Some(hir) = ascii(&p, false) else {
            // Only a member folding to ASCII refuses the split; the
            // case-sensitive form then has none either.
            proptest::prop_assert!(members.contains(&"ſ"), "{}", p);
            return Ok(());
        };
        let form = build_ascii(&hir, true).unwrap();
        let got = form.search().captures(text.as_bytes()).map(|s| {
            (s.get_match().unwrap().range(), s.get_group_by_name("c").map(|m| m.range()))
        });
        proptest::prop_assert_eq!(got, want, "{} on {:?}", p, text);
    }

    /// A rule regex with such a class (case-insensitive, its ASCII form on
    /// ASCII texts, the full one on the others) finds what the `regex`
    /// crate finds.
    #[test]
    fn a_rule_regex_with_such_a_class_matches_as_the_regex_crate(
        members in proptest::collection::vec(proptest::sample::select(MEMBERS.to_vec()), 1..5),
        q in proptest::sample::select(vec!["", "+", "*", "?"]),
        pieces in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..10),
    ) {
        let p = pattern(&members, q, true);
        let text = pieces.concat();
        let theirs = regex::RegexBuilder::new(&p).case_insensitive(true).build().unwrap();
        let want = theirs.captures(&text).map(|c| (c.get(0).unwrap().range(), c.name("c").map(|m| m.range())));
        let ours = DualRegex::rule(&p, true);
        let got = ours.captures(&text).map(|c| (c.get(0).unwrap().range, c.name("c").map(|m| m.range)));
        proptest::prop_assert_eq!(got, want, "{} on {:?}", p, text);
    }
}
