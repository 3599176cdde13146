//! Data-driven tests over the shipped rules: they pass `rebound check`
//! (every example of every rule classified by the whole ruleset), and the
//! seed examples of the core issue come out right.

#[test]
fn shipped_rules_pass_check_with_every_example() {
    let report = rebound::check::check_sources(rebound::rules::source::embedded_sources());
    let errors: Vec<String> = report.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{} error(s):\n{}", errors.len(), errors.join("\n"));
    let s = report.stats;
    assert!(s.phrases >= 400, "only {} phrases shipped", s.phrases);
    assert!(s.examples >= s.phrase_rules, "every rule has an example");
}

#[test]
fn every_iana_enhanced_code_has_a_rule() {
    let engine = rebound::Engine::embedded().unwrap();
    let mut codes: Vec<(u8, u16)> = Vec::new();
    // The IANA registry: X.0.0, X.1.0-X.1.10, X.2.0-X.2.4, X.3.0-X.3.6,
    // X.4.0-X.4.7, X.5.0-X.5.6, X.6.0-X.6.10, X.7.0-X.7.30.
    codes.push((0, 0));
    codes.extend((0..=10).map(|d| (1, d)));
    codes.extend((0..=4).map(|d| (2, d)));
    codes.extend((0..=6).map(|d| (3, d)));
    codes.extend((0..=7).map(|d| (4, d)));
    codes.extend((0..=6).map(|d| (5, d)));
    codes.extend((0..=10).map(|d| (6, d)));
    codes.extend((0..=30).map(|d| (7, d)));
    for class in [4u8, 5] {
        for &(subject, detail) in &codes {
            let text = format!("{class}.{subject}.{detail}");
            let (evidence, _) = engine.explain(text.as_bytes(), rebound::Hints::default());
            let code_rule = evidence.iter().find(|e| matches!(e.source, rebound::Source::Enhanced { .. }));
            let rule = code_rule.map(|e| match e.source {
                rebound::Source::Enhanced { rule } => engine.rules().codes[rule as usize].pattern.to_string(),
                _ => unreachable!(),
            });
            let concrete = rule.as_deref().is_some_and(|p| p.ends_with(&format!(".{subject}.{detail}")));
            assert!(concrete, "{text} has no rule of its own (got {rule:?})");
        }
    }
}

const SEEDS: [(&str, &str); 5] = [
    ("550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0-eRlBSO3h", "user_unknown"),
    ("host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)", "mailbox_full"),
    (
        "host[]:25 said: 550 5.2.1 The email account that you tried to reach is disabled. p28si19674740ybk.52 (in reply to RCPT TO command)",
        "suspend",
    ),
    ("host[]:25 said: 550 No such recipient (in reply to RCPT TO command)", "user_unknown"),
    ("domain name does not exist", "host_unknown"),
];

#[test]
fn seed_examples_get_their_reasons() {
    let engine = rebound::Engine::embedded().unwrap();
    for (text, want) in SEEDS {
        let c = engine.classify(text);
        assert_eq!(c.reason.name, want, "{text}");
        assert!(c.rule_location().is_some(), "{text}: a rule decided");
    }
}
