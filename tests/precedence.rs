//! Which evidence wins: priorities from the rule files, then the tie-breaks
//! documented in docs/rules.md.

mod common;

const CODES: &str = r#"
[[code]]
code = "x.1.1"
reason = "user_unknown"
priority = 55

[[code]]
code = "x.7.1"
reason = "policy_violation"
priority = 25

[[code]]
code = "5.7.1"
reason = "blocked"
priority = 20

[[code]]
code = "5xx"
reason = "on_hold"
priority = 1

[[code]]
code = "55x"
reason = "policy_violation"
priority = 2
"#;

const PHRASES: &str = r#"
[[rule]]
id = "no-such-user"
reason = "user_unknown"
phrases = ["no such user"]
examples = ["550 5.7.1 No such user!"]

[[rule]]
id = "weak-rejected"
reason = "policy_violation"
priority = 40
phrases = ["rejected"]
examples = ["550 rejected"]

[[rule]]
id = "full-short"
reason = "mailbox_full"
priority = 60
phrases = ["mailbox full"]
examples = ["452 mailbox full"]

[[rule]]
id = "blocked-long"
reason = "blocked"
priority = 60
phrases = ["mailbox full of spam from your ip"]
examples = ["554 mailbox full of spam from your ip"]
"#;

fn reason(text: &str) -> String {
    let engine = common::engine(&[("codes.toml", CODES), ("phrases.toml", PHRASES)]);
    engine.classify(text).reason.name.clone()
}

#[test]
fn a_specific_phrase_beats_a_generic_code() {
    assert_eq!(reason("550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0-eRlBSO3h"), "user_unknown");
}

#[test]
fn a_specific_code_beats_a_weak_phrase() {
    assert_eq!(reason("550 5.1.1 <bob@example.org>: Recipient address rejected"), "user_unknown");
}

#[test]
fn a_weak_phrase_beats_a_generic_code() {
    assert_eq!(reason("550 5.7.1 Message rejected"), "policy_violation");
}

#[test]
fn the_most_specific_code_pattern_is_the_code_evidence() {
    // 5.7.1 (priority 20) is more specific than x.7.1 (priority 25): only it counts.
    assert_eq!(reason("554 5.7.1 go away"), "blocked");
    assert_eq!(reason("454 4.7.1 go away"), "policy_violation");
}

#[test]
fn on_equal_priority_the_longer_phrase_wins() {
    assert_eq!(reason("554 Mailbox full of spam from your IP"), "blocked");
    assert_eq!(reason("452 Mailbox   FULL"), "mailbox_full");
}

#[test]
fn reply_code_patterns_are_a_fallback() {
    assert_eq!(reason("551 something odd"), "policy_violation");
    assert_eq!(reason("541 something odd"), "on_hold");
}

#[test]
fn no_evidence_gives_the_undetermined_reason_and_the_class_sets_the_kind() {
    let engine = common::engine(&[("codes.toml", CODES)]);
    let c = engine.classify("something happened");
    assert_eq!(c.reason.name, "undefined");
    assert!(c.rule_location().is_none());
    let c = engine.classify("421 something odd");
    assert_eq!(c.reason.name, "undefined");
    assert_eq!(c.kind, rebound::Kind::Soft);
}

#[test]
fn explanation_lists_every_piece_of_evidence_strongest_first() {
    let engine = common::engine(&[("codes.toml", CODES), ("phrases.toml", PHRASES)]);
    let (evidence, c) = engine.explain(b"550 5.7.1 No such user, rejected", rebound::Hints::default());
    assert_eq!(c.reason.name, "user_unknown");
    let names: Vec<&str> = evidence.iter().map(|e| engine.rules().reason(e.reason).name.as_str()).collect();
    assert_eq!(names, ["user_unknown", "policy_violation", "blocked", "policy_violation"]);
    assert_eq!(c.rule_location().as_deref(), Some("rules/phrases.toml:5"));
}

#[test]
fn hints_supply_codes_the_text_lacks() {
    let engine = common::engine(&[("codes.toml", CODES)]);
    let hints = rebound::Hints { status: rebound::EnhancedCode::parse("5.1.1"), reply_code: None };
    let c = engine.classify_bytes(b"delivery failed", hints);
    assert_eq!(c.reason.name, "user_unknown");
    // A code in the text wins over the hint.
    let c = engine.classify_bytes(b"550 5.7.1 denied", hints);
    assert_eq!(c.enhanced_code.unwrap().to_string(), "5.7.1");
}

#[test]
fn regexes_run_behind_their_literal() {
    let rules = r#"
[[rule]]
reason = "user_unknown"
regex = ['mailbox \S+ does not exist', { pattern = '\d{3} unknown local part', literal = "unknown local part" }]
examples = ["550 Mailbox bob@example.org does not exist", "550 unknown local part"]
"#;
    let engine = common::engine(&[("r.toml", rules)]);
    assert_eq!(engine.classify("550 MAILBOX bob@example.org DOES NOT EXIST").reason.name, "user_unknown");
    assert_eq!(engine.classify("550 unknown local part").reason.name, "user_unknown");
    // The literal is there, but the regex around it does not match.
    assert_eq!(engine.classify("sorry: unknown local part").reason.name, "undefined");
}
