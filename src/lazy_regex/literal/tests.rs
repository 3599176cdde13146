use super::*;
use regex_automata::meta;

/// `pattern` parsed as the ASCII form of a rule regex is.
fn hir(pattern: &str) -> Hir {
    regex_syntax::ParserBuilder::new().case_insensitive(true).unicode(false).utf8(false).build().parse(pattern).unwrap()
}

/// The regex the literal form replaces: the ASCII form built as a regex.
fn regex(hir: &Hir) -> meta::Regex {
    meta::Builder::new()
        .configure(meta::Config::new().match_kind(regex_automata::MatchKind::LeftmostFirst).utf8_empty(false))
        .build_from_hir(hir)
        .unwrap()
}

/// Patterns of literals, written to try priorities, groups and assertions.
const PATTERNS: &[&str] = &[
    "sender was rejected",
    r"\(state (?:15|17|18)\)",
    r">>> (?P<command>RCPT TO|MAIL FROM|DATA)",
    r"did not like our (?P<command>RCPT TO|final DATA|DATA)",
    r"\bib50[12]\b",
    r"\b(sc-00[1-4]|dy-00[12])\b",
    r"^ab(?:c|cd)$",
    r"x(?P<a>y)?z?",
    r"a\Bb|ab",
    r"(?:ab|a)(?:bc|c)",
    r"(?:ab|a)??c",
    r"\<ok\>|(?P<k>ok)",
    r"5\.2\.\d filtered",
    r"(?:ab){2}",
    r"(?P<first>q)|(?P<second>qq)",
];

#[test]
fn patterns_of_literals_are_recognised() {
    for p in PATTERNS {
        assert!(Literals::of(&hir(p)).is_some(), "{p}");
    }
    for p in [r"a\s+b", r"[a-z]+", r"(?-i)Abc", r"\w", r"a*", r"(?:x)?", r"\b", "(?m)^a", "é"] {
        assert!(Literals::of(&hir(p)).is_none(), "{p}");
    }
}

#[test]
fn phrases_read_without_the_parser_as_with_it() {
    let phrases =
        [r"sender was rejected", r"\(state 14\)", r"\bib50\b", r"5\.2\.0 x\Bx \| 'a' <b>, c@d; e/f=g_h-i:j", r"\\#"];
    for p in phrases {
        let (plain, parsed) = (Literals::plain(p).unwrap(), Literals::of(&hir(p)).unwrap());
        assert_eq!((&plain.alts[0].lit, &plain.alts[0].looks), (&parsed.alts[0].lit, &parsed.alts[0].looks), "{p}");
        assert_eq!((plain.alts.len(), parsed.alts.len()), (1, 1));
    }
    for p in [r"a.b", r"(x)", r"\<ok", r"\d", r"a\sb", "a\tb", r"x?", r"\b", "é", r"a\"] {
        assert!(Literals::plain(p).is_none(), "{p}");
    }
}

#[test]
fn finds_the_alternative_a_regex_prefers() {
    let l = Literals::of(&hir(r"did not like our (?P<command>RCPT TO|final DATA|DATA)")).unwrap();
    let c = l.captures(b"mx did NOT like our Final data now").unwrap();
    assert_eq!((c.get_match().unwrap().range(), c.get_group_by_name("command").unwrap().range()), (3..30, 20..30));
    let w = Literals::of(&hir(r"\bib50[12]\b")).unwrap();
    assert_eq!(w.find(b"xib501 IB502 ib501x").map(|m| m.range()), Some(7..12));
    assert!(w.find(b"ib5012 _ib501").is_none());
}

/// Bytes to build texts from: pieces of the pattern's strings, word and
/// non-word bytes, and non-ASCII ones.
fn pieces(l: &Literals) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> =
        [" ", "_", "x", "1", "é", "(", "-", "K"].iter().map(|s| s.as_bytes().to_vec()).collect();
    out.push(vec![0xFF]);
    for a in l.alts.iter() {
        let half = a.lit.len() / 2;
        out.extend([a.lit.clone(), a.lit[..half].to_vec(), a.lit[half..].to_vec()]);
    }
    out
}

proptest::proptest! {
    /// The literal form finds what the regex it replaces finds: the same
    /// bounds and the same groups, on mixed-case texts with non-ASCII bytes.
    #[test]
    fn matches_as_the_regex_does(
        p in 0..PATTERNS.len(),
        picks in proptest::collection::vec(0..64usize, 0..10),
        flips in proptest::prelude::any::<u64>(),
    ) {
        let h = hir(PATTERNS[p]);
        let (ours, theirs) = (Literals::of(&h).unwrap(), regex(&h));
        let pieces = pieces(&ours);
        let mut text: Vec<u8> = picks.iter().flat_map(|&i| pieces[i % pieces.len()].clone()).collect();
        for (i, b) in text.iter_mut().enumerate() {
            if flips >> (i % 64) & 1 == 1 && b.is_ascii_alphabetic() {
                *b ^= 0x20;
            }
        }
        proptest::prop_assert_eq!(ours.find(&text), theirs.find(&text[..]));
        let mut want = theirs.create_captures();
        theirs.captures(&text[..], &mut want);
        let got = ours.captures(&text);
        let groups = |c: &Slots| (0..c.group_len()).map(|i| c.get_group(i).map(|s| s.range())).collect::<Vec<_>>();
        proptest::prop_assert_eq!(got.as_ref().map(groups), want.is_match().then(|| groups(&want)));
        if let Some(got) = got {
            for name in ["command", "a", "k", "first", "second"] {
                proptest::prop_assert_eq!(got.get_group_by_name(name).map(|s| s.range()), want.get_group_by_name(name).map(|s| s.range()));
            }
        }
    }
}
