//! Every kind of problem `rebound check` reports, located as path:line:column,
//! all collected in one run.

mod common;

use common::check;

fn has(diags: &[String], needle: &str) -> bool {
    diags.iter().any(|d| d.contains(needle))
}

#[test]
fn a_clean_rule_set_has_no_diagnostics() {
    let rules = r#"
[[rule]]
reason = "user_unknown"
phrases = ["user unknown"]
examples = ["550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"]
"#;
    assert_eq!(check(&[("r.toml", rules)]), Vec::<String>::new());
}

#[test]
fn toml_syntax_errors_are_located() {
    let d = check(&[("bad.toml", "[[rule]]\nreason = \"user_unknown\"\nphrases = [\"a\",\n")]);
    assert!(d.iter().any(|d| d.starts_with("rules/bad.toml:3:16: error: unclosed array, expected `]`")), "{d:?}");
}

#[test]
fn unknown_fields_and_bad_kinds_are_schema_errors() {
    let d = check(&[("a.toml", "[[rule]]\nreason = \"user_unknown\"\nphrase = [\"x\"]\nexamples = [\"x\"]\n")]);
    assert!(has(&d, "rules/a.toml:3:1: error: unknown field `phrase`"), "{d:?}");
    let d = check(&[("b.toml", "[[reason]]\nname = \"odd\"\nkind = \"squishy\"\ndescription = \"x\"\n")]);
    assert!(has(&d, "rules/b.toml:3:8: error: unknown variant `squishy`"), "{d:?}");
}

#[test]
fn unknown_reasons_are_named_with_a_suggestion() {
    let d = check(&[("a.toml", "[[rule]]\nreason = \"user_unknwn\"\nphrases = [\"x y\"]\nexamples = [\"x y\"]\n")]);
    assert!(has(&d, "rules/a.toml:2:10: error: unknown reason `user_unknwn` (did you mean `user_unknown`?)"), "{d:?}");
}

#[test]
fn rules_need_phrases_and_examples() {
    let d = check(&[("a.toml", "[[rule]]\nreason = \"user_unknown\"\n")]);
    assert!(has(&d, "rule has neither `phrases` nor `regex`"), "{d:?}");
    assert!(has(&d, "rule has no `examples`"), "{d:?}");
}

#[test]
fn duplicate_phrases_are_errors() {
    let rules = r#"
[[rule]]
reason = "user_unknown"
phrases = ["user unknown"]
examples = ["550 user unknown"]

[[rule]]
reason = "user_unknown"
phrases = ["User   Unknown"]
examples = ["550 user unknown"]
"#;
    let d = check(&[("a.toml", rules)]);
    assert!(
        has(&d, "rules/a.toml:9:12: error: duplicate phrase \"User   Unknown\" (first at rules/a.toml:4)"),
        "{d:?}"
    );
}

#[test]
fn shadowed_phrases_are_errors() {
    let rules = r#"
[[rule]]
reason = "blocked"
priority = 70
phrases = ["blocked"]
examples = ["554 blocked"]

[[rule]]
reason = "mailbox_full"
priority = 60
phrases = ["mailbox blocked because full"]
examples = ["452 mailbox blocked because full"]
"#;
    let d = check(&[("a.toml", rules)]);
    assert!(has(&d, "rules/a.toml:11:12: error: phrase \"mailbox blocked because full\" can never win"), "{d:?}");
    // Its example fails too, naming the rule that won.
    assert!(has(&d, "rules/a.toml:12:13: error: example of rule `rules/a.toml:8` is classified as `blocked`, not `mailbox_full`"), "{d:?}");
}

#[test]
fn failing_examples_name_the_winning_rule() {
    let rules = r#"
[[code]]
code = "x.1.1"
reason = "user_unknown"
examples = ["452 4.2.2 mailbox full"]
"#;
    let d = check(&[("c.toml", rules)]);
    assert!(has(&d, "rules/c.toml:5:13: error: example of code x.1.1 is classified as `undefined`, not `user_unknown`: decided by no evidence"), "{d:?}");
}

#[test]
fn bad_code_patterns_regexes_and_duplicates_are_errors() {
    let rules = r#"
[[code]]
code = "6.1.1"
reason = "user_unknown"

[[code]]
code = "x.1.1"
reason = "user_unknown"

[[code]]
code = "x.1.1"
reason = "blocked"

[[rule]]
reason = "blocked"
regex = ['(a|b)\d+', '[unclosed']
examples = ["a1"]
"#;
    let d = check(&[("c.toml", rules)]);
    assert!(has(&d, "rules/c.toml:3:8: error: class of `6.1.1` must be 2, 4, 5 or `x`"), "{d:?}");
    assert!(has(&d, "rules/c.toml:10:1: error: code `x.1.1` already has a rule at rules/c.toml:6"), "{d:?}");
    // Loading stops before compiling when there are schema errors; check the regexes alone.
    let d = check(&[(
        "r.toml",
        "[[rule]]\nreason = \"blocked\"\nregex = ['(a|b)\\d+', '[unclosed']\nexamples = [\"a1\"]\n",
    )]);
    assert!(has(&d, "rules/r.toml:3:10: error: cannot derive a literal"), "{d:?}");
    assert!(has(&d, "rules/r.toml:3:22: error: regex does not compile"), "{d:?}");
}

#[test]
fn all_problems_are_collected_not_just_the_first() {
    let d = check(&[
        ("a.toml", "[[rule]]\nreason = \"nope\"\nphrases = [\"x\"]\nexamples = [\"x\"]\n"),
        ("b.toml", "[[rule]]\nreason = \"also_nope\"\nphrases = [\"y\"]\nexamples = [\"y\"]\n"),
        ("c.toml", "not toml at all ["),
    ]);
    assert!(has(&d, "rules/a.toml:2:10"), "{d:?}");
    assert!(has(&d, "rules/b.toml:2:10"), "{d:?}");
    assert!(has(&d, "rules/c.toml:1:"), "{d:?}");
}

#[test]
fn missing_engine_and_vocabulary_are_reported() {
    let d: Vec<String> = rebound::check::check_sources(vec![rebound::rules::SourceFile::new(
        "x.toml",
        "[[rule]]\nreason = \"a\"\nphrases=[\"a\"]\nexamples=[\"a\"]\n",
    )])
    .diagnostics
    .iter()
    .map(|d| d.to_string())
    .collect();
    assert!(has(&d, "no [[reason]] is defined"), "{d:?}");
    assert!(has(&d, "no [engine] table"), "{d:?}");
}

#[test]
fn provider_files_are_checked_too() {
    let d = check(&[("providers.toml", "[[provider]]\nname = \"A\"\ndomains = [\"a..example\"]\n")]);
    assert!(has(&d, "rules/providers.toml:3:12: error: `a..example` is not a domain name"), "{d:?}");
}
