use super::*;
use proptest::prelude::*;
use regex_automata::nfa::thompson::backtrack::BoundedBacktracker;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};

/// Small patterns over a few bytes: classes, groups, alternations,
/// greedy and lazy repetitions, assertions.
fn pattern() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("@".to_string()),
        Just("[ab]".to_string()),
        Just(r"[^\s<>]".to_string()),
        Just(r"\s".to_string()),
        Just(r"\w".to_string()),
        Just(".".to_string()),
        Just("é".to_string()),
        Just("$".to_string()),
        Just(r"\b".to_string()),
        Just("".to_string()),
    ];
    atom.prop_recursive(4, 24, 3, |inner| {
        let quant = prop_oneof![
            Just(""),
            Just("*"),
            Just("+"),
            Just("?"),
            Just("*?"),
            Just("+?"),
            Just("??"),
            Just("{0,3}"),
            Just("{1,2}?")
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("(?:{})", v.join("|"))),
            (inner.clone(), quant.clone()).prop_map(|(p, q)| format!("(?:{p}){q}")),
            (inner, quant).prop_map(|(p, q)| format!("({p}){q}")),
        ]
    })
}

/// The groups `regex-automata`'s backtracker and ours find, anchored at
/// 0, over `text[..end]`.
fn both(pattern: &str, unicode: bool, text: &str, end: usize) -> Option<(String, String)> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .unicode(unicode)
        .utf8(unicode)
        .build()
        .parse(pattern)
        .ok()?;
    let config = thompson::Config::new().utf8(unicode).shrink(false).which_captures(WhichCaptures::All);
    let nfa = thompson::Compiler::new().configure(config).build_from_hir(&hir).ok()?;
    let theirs = BoundedBacktracker::new_from_nfa(nfa.clone()).ok()?;
    let ours = Backtracker::new(&nfa);
    let mut want = Captures::all(nfa.group_info().clone());
    let input = Input::new(text).range(..end).anchored(Anchored::Yes);
    theirs.try_search(&mut theirs.create_cache(), &input, &mut want).ok()?;
    let mut got = Captures::all(nfa.group_info().clone());
    let found = ours.search(&mut Cache::default(), text.as_bytes(), end, got.slots_mut())?;
    got.set_pattern(found.then_some(regex_automata::PatternID::ZERO));
    Some((format!("{want:?}"), format!("{got:?}")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    /// Same match and groups as `regex-automata`'s bounded backtracker,
    /// for every end of the searched span, with ASCII and Unicode
    /// classes.
    #[test]
    fn finds_what_the_regex_automata_backtracker_finds(
        p in pattern(),
        text in "[ab@ <>\né-]{0,10}",
        unicode in any::<bool>(),
    ) {
        for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
            if let Some((want, got)) = both(&p, unicode, &text, end) {
                prop_assert_eq!(want, got, "{:?} on {:?}[..{}]", p, text, end);
            }
        }
    }
}

#[test]
fn recipient_lines_get_the_groups_of_the_regex_crate() {
    let full = r#"^\s{0,12}(?:(?:[*•]|-{1,2})\s*)?"?<?(?P<rcpt>[^\s<>"(),;]+@[^\s<>"(),;]+?)>?"?\s*:?\s*$"#;
    let ascii = r"^\s{0,12}<?(?P<rcpt>[^\s<>]+@[^\s<>]+?)>?\s+\[(?P<diag>[^\]]+)\]\s*$";
    for text in ["  bob@example.org", "<bob@example.org>:", " * a@b@c.d ", "-- x@y\u{a0}", "\"é@ü.de\":", "a@b [x]"] {
        for (p, unicode) in [(full, true), (ascii, false), (ascii, true)] {
            let (want, got) = both(p, unicode, text, text.len()).unwrap();
            assert_eq!(want, got, "{text}");
        }
    }
}

#[test]
fn a_text_too_long_for_the_visited_set_is_refused() {
    let hir = regex_syntax::Parser::new().parse("^(a|b)*").unwrap();
    let nfa = thompson::Compiler::new().build_from_hir(&hir).unwrap();
    let ours = Backtracker::new(&nfa);
    let text = "a".repeat(ours.max_haystack_len() + 1);
    let mut slots = vec![None; 4];
    assert_eq!(ours.search(&mut Cache::default(), text.as_bytes(), text.len(), &mut slots), None);
    assert_eq!(ours.search(&mut Cache::default(), text.as_bytes(), text.len() - 1, &mut slots), Some(true));
}
