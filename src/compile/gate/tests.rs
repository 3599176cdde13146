use proptest::prelude::*;

use super::*;

/// Whether `text` holds `lit` (folded, lowercase) ASCII case aside, the
/// plain way.
fn contains(text: &str, lit: &str) -> bool {
    text.to_ascii_lowercase().contains(lit)
}

/// Whether the gate of `pattern` (with `triggers` as the rules give them)
/// lets `text` through to the regex.
fn opens(pattern: &str, triggers: &[&str], text: &str) -> bool {
    let given = !triggers.is_empty();
    let triggers = match given {
        true => triggers.iter().map(|t| fold_phrase(t)).collect(),
        false => crate::compile::required_literals(pattern).unwrap_or_default(),
    };
    let (triggers, requires) = plan(pattern, triggers, given);
    let mut folded = Vec::new();
    crate::fold::fold_into(text.as_bytes(), &mut folded);
    let folded = String::from_utf8(folded).unwrap();
    triggers.iter().any(|t| contains(&folded, t)) && requires.met_by(folded.to_ascii_lowercase().as_bytes())
}

#[test]
fn a_stronger_set_that_implies_the_given_literal_replaces_it() {
    let (t, r) = plan(r"\bib(007|101)\b", vec!["ib".into()], true);
    assert_eq!(t, vec!["ib007", "ib101"]);
    assert!(r.is_empty());
    let (t, r) = plan(r"\b(ofr|lpn)\d*_(305|402)\b", vec!["_".into()], true);
    assert_eq!(t, vec!["_305", "_402"]);
    assert_eq!(r.sets().map(|s| s.collect::<Vec<_>>()).collect::<Vec<_>>(), vec![vec!["lpn", "ofr"]]);
}

#[test]
fn a_literal_the_given_one_does_not_imply_is_required_besides() {
    let (t, r) = plan(r"spam \S+ exceeded", vec!["exceeded".into()], true);
    assert_eq!(t, vec!["exceeded"]);
    assert_eq!(r.sets().map(|s| s.collect::<Vec<_>>()).collect::<Vec<_>>(), vec![vec!["spam"]]);
    assert!(r.met_by(b"spam score exceeded") && !r.met_by(b"quota exceeded"));
}

#[test]
fn patterns_it_cannot_read_as_ascii_get_no_sets() {
    assert!(necessary_sets("empfänger unbekannt").is_empty());
    assert!(necessary_sets(r"(?u)k\w+ unknown").is_empty());
    assert!(necessary_sets(r"\p{L}+ unknown").is_empty());
    assert!(necessary_sets(r"(is )?x").is_empty(), "an optional part makes the prefix too short");
}

#[test]
fn requirements_read_back_as_written() {
    let sets = vec![vec!["ab c".to_string(), "def".to_string()], vec!["ghi".to_string()]];
    let r = Requires::of(&sets);
    assert_eq!(r.sets().map(|s| s.map(str::to_string).collect::<Vec<_>>()).collect::<Vec<_>>(), sets);
    assert!(Requires::default().met_by(b"") && Requires::default().sets().next().is_none());
}

/// Every regex of the shipped rules lets through each of the rules'
/// examples it matches.
#[test]
fn shipped_regexes_let_their_matches_through() {
    let rules = crate::Rules::embedded().unwrap();
    let texts: Vec<&str> = rules.rules.iter().flat_map(|r| r.examples.iter().map(|e| e.text.as_str())).collect();
    for spec in rules.rules.iter().flat_map(|r| &r.regexes) {
        let re = regex::RegexBuilder::new(&spec.pattern).case_insensitive(true).build().unwrap();
        let given: Vec<&str> = spec.literal.iter().map(String::as_str).collect();
        for text in &texts {
            let mut folded = Vec::new();
            crate::fold::fold_into(text.as_bytes(), &mut folded);
            let folded = String::from_utf8(folded).unwrap();
            let triggered = given.iter().all(|g| contains(&folded, &fold_phrase(g)));
            if triggered && re.is_match(&folded) {
                assert!(opens(&spec.pattern, &given, text), "{} closed on {text}", spec.pattern);
            }
        }
    }
}

/// Patterns like the shipped ones, with their given literal (if any) and a
/// text each matches.
const PATTERNS: [(&str, &str, &str); 10] = [
    (r"\bib(007|101|504)\b", "ib", "ib504"),
    (r"\b(ofr|lpn|lpnaaa)\d*_(101|102|999)\b", "_", "lpnaaa12_999"),
    (r"spam \S+ exceeded", "exceeded", "spam score exceeded"),
    (r"mail from \d+\.\d+\.\d+\.\d+ refused", "refused", "mail from 10.0.0.1 refused"),
    (
        r"access denied \(in reply to mail from command\)",
        "access denied",
        "access denied (in reply to mail from command)",
    ),
    (r"<[^>]+>\.\.\. access denied", "access denied", "<a@b>... access denied"),
    (r"\b(sc-00[1-4]|dy-00[12])\b", "-00", "dy-002"),
    (r"rejected:? \d+\.\d+\.\d+\.\d+ (is )?listed", "listed", "rejected: 1.2.3.4 is listed"),
    (r"connect to \S+: connection refused", "", "connect to mx: connection refused"),
    (r"domain \S+ is a\s+dead domain", "dead", "domain x is a dead domain"),
];

/// Pieces texts are made of: the patterns' words and their neighbours.
const PIECES: [&str; 24] = [
    "ib",
    "007",
    "101",
    "_",
    "lpn",
    "ofr",
    "999",
    "1",
    "spam",
    "exceeded",
    " ",
    "  ",
    "mail from",
    ".",
    "refused",
    "access denied",
    "(in reply to mail from command)",
    "<a@b>",
    "...",
    "sc-00",
    "rejected:",
    "listed",
    "\t",
    "x",
];

/// A text of `pieces`, each upper-cased or not.
fn text_of(pieces: &[(usize, bool)]) -> String {
    pieces.iter().map(|&(i, up)| if up { PIECES[i].to_uppercase() } else { PIECES[i].to_string() }).collect()
}

proptest! {
    /// The gate is necessary: whenever the regex matches (and the given
    /// literal is there, as the automaton required before), it opens.
    #[test]
    fn the_gate_opens_on_every_match(
        p in 0..PATTERNS.len(),
        before in prop::collection::vec((0..PIECES.len(), any::<bool>()), 0..8),
        sample in prop::option::of(any::<bool>()),
        after in prop::collection::vec((0..PIECES.len(), any::<bool>()), 0..8),
    ) {
        let (pattern, given, matching) = PATTERNS[p];
        let middle = match sample {
            Some(true) => matching.to_uppercase(),
            Some(false) => matching.to_string(),
            None => String::new(),
        };
        let text = format!("{}{middle}{}", text_of(&before), text_of(&after));
        let mut folded = Vec::new();
        crate::fold::fold_into(text.as_bytes(), &mut folded);
        let folded = String::from_utf8(folded).unwrap();
        let re = regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap();
        let given: Vec<&str> = [given].into_iter().filter(|g| !g.is_empty()).collect();
        if given.iter().all(|g| contains(&folded, g)) && re.is_match(&folded) {
            prop_assert!(opens(pattern, &given, &text), "{} closed on {:?}", pattern, text);
        }
    }
}

proptest! {
    /// The anchored search finds what a lowercased substring search finds.
    #[test]
    fn holds_is_a_case_insensitive_substring_search(text in "[abAB1 _\\-é]{0,40}", lit in "[ab1 _\\-]{1,4}") {
        let want = text.to_ascii_lowercase().contains(&lit);
        prop_assert_eq!(holds(text.as_bytes(), lit.as_bytes()), want);
    }
}

#[test]
fn a_set_too_large_is_cut_to_shorter_prefixes() {
    let sets = necessary_sets(r"rejected:? \d+\.\d+\.\d+\.\d+ (is )?listed");
    assert!(sets[0].len() <= MOST_LITERALS && sets[0].contains(&"rejected:".to_string()), "{:?}", sets[0]);
    assert!(sets[0].iter().all(|l| l.starts_with("rejected")), "{:?}", sets[0]);
}
