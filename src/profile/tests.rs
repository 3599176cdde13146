//! Profile loading and resolution on small rule sets built here.

use crate::rules::{Diagnostic, Rules, SourceFile};
use crate::{Engine, Kind};

const BASE: &str = r#"
[engine]
undetermined = "undefined"
default_profile = "tiny"

[[reason]]
name = "user_unknown"
kind = "hard"
description = "No such user."

[[reason]]
name = "mailbox_full"
kind = "soft"
description = "Over quota."

[[reason]]
name = "undefined"
kind = "undetermined"
description = "No evidence."

[[rule]]
reason = "user_unknown"
phrases = ["no such user"]
examples = ["550 5.1.1 no such user"]

[[rule]]
reason = "mailbox_full"
phrases = ["mailbox full"]
examples = ["452 4.2.2 mailbox full"]
"#;

const TINY: &str = r#"
[profile]
name = "tiny"
description = "A two-category scheme for tests."

[[category]]
name = "Gone"
code = 10
kind = "hard"
transient = { kind = "soft" }

[[category]]
name = "Later"
code = 20
kind = "soft"

[[category]]
name = "Hello"
code = 80
kind = "admin"

[map]
user_unknown = "Gone"
mailbox_full = { default = "Later", permanent = "Gone" }
undefined = "Later"

[[rule]]
reason = "undefined"
category = "Hello"
priority = 90
phrases = ["please subscribe me"]
examples = ["please subscribe me to the list"]
"#;

fn load(profile: &str) -> Result<Rules, Vec<Diagnostic>> {
    let files = vec![SourceFile::new("rules/base.toml", BASE), SourceFile::new("rules/profiles/tiny.toml", profile)];
    Rules::from_sources(files).map_err(|e| e.diagnostics)
}

fn errors(profile: &str) -> Vec<String> {
    match load(profile) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().filter(|d| d.is_error() && d.path.ends_with("tiny.toml")).map(ToString::to_string).collect(),
    }
}

#[test]
fn maps_reasons_and_codes_to_categories() {
    let engine = Engine::from_rules(load(TINY).unwrap()).unwrap();
    let c = engine.classify("550 5.1.1 no such user");
    assert_eq!((c.category, c.category_code, c.kind, c.retry, c.suppress), ("Gone", Some(10), Kind::Hard, false, true));
    // The category's own transient disposition.
    let c = engine.classify("450 4.1.1 no such user");
    assert_eq!((c.category, c.kind, c.retry, c.suppress), ("Gone", Kind::Soft, true, false));
    // A map entry split by code class.
    assert_eq!(engine.classify("452 4.2.2 mailbox full").category, "Later");
    assert_eq!(engine.classify("mailbox full").category, "Later");
    assert_eq!(engine.classify("552 5.2.2 mailbox full").category, "Gone");
}

#[test]
fn a_profile_rule_names_its_category() {
    let engine = Engine::from_rules(load(TINY).unwrap()).unwrap();
    let c = engine.classify("Please subscribe me to the list");
    assert_eq!(c.reason.name, "undefined");
    assert_eq!((c.category, c.category_code, c.kind), ("Hello", Some(80), Kind::Admin));
    // Without evidence the same reason goes where [map] says.
    assert_eq!(engine.classify("something else entirely").category, "Later");
}

#[test]
fn without_a_profile_the_reason_answers() {
    let mut rules = load(TINY).unwrap();
    rules.profiles.clear();
    rules.engine.default_profile = None;
    let engine = Engine::from_rules(rules).unwrap();
    let c = engine.classify("550 5.1.1 no such user");
    assert_eq!((c.category, c.category_code, c.kind, c.suppress), ("user_unknown", None, Kind::Hard, true));
}

#[test]
fn reports_an_unmapped_reason_at_the_map_table() {
    let text = TINY.replace("undefined = \"Later\"\n", "");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let line = text.lines().position(|l| l == "[map]").unwrap() + 1;
    assert!(
        errs[0].starts_with(&format!(
            "rules/profiles/tiny.toml:{line}:1: error: profile `tiny` leaves reason `undefined` unmapped"
        )),
        "{errs:?}"
    );
}

#[test]
fn reports_every_problem_where_it_is() {
    let text = TINY
        .replace("name = \"Later\"\ncode = 20", "name = \"Gone\"\ncode = 10")
        .replace("user_unknown = \"Gone\"", "user_unknown = \"Gnoe\"")
        .replace("permanent = \"Gone\" }", "permanent = \"Nowhere\" }")
        .replace("category = \"Hello\"", "category = \"Bye\"");
    let errs = errors(&text);
    let at = |needle: &str| {
        let (line, l) = text.lines().enumerate().filter(|(_, l)| l.contains(needle)).last().unwrap();
        (line + 1, l.find(needle).unwrap() + 1)
    };
    let first = text.lines().position(|l| l.contains("name = \"Gone\"")).unwrap() + 1;
    let twice = format!("category `Gone` is declared twice (first at line {first})");
    let expect = [
        (at("name = \"Gone\"").0, twice.as_str()),
        (at("\"Gnoe\"").0, "category `Gnoe` is not declared by a [[category]] of this profile (did you mean `Gone`?)"),
        (at("\"Nowhere\"").0, "category `Nowhere` is not declared"),
        (at("\"Bye\"").0, "category `Bye` is not declared"),
    ];
    assert!(errs.len() >= expect.len(), "{errs:?}");
    for (line, message) in expect {
        assert!(
            errs.iter().any(|e| e.starts_with(&format!("rules/profiles/tiny.toml:{line}:")) && e.contains(message)),
            "no `{message}` at line {line} in {errs:#?}"
        );
    }
    // Columns point at the offending value, not the start of the line.
    let (line, col) = at("\"Nowhere\"");
    assert!(errs.iter().any(|e| e.starts_with(&format!("rules/profiles/tiny.toml:{line}:{col}:"))), "{errs:#?}");
    let (line, col) = at("\"Gnoe\"");
    assert!(errs.iter().any(|e| e.starts_with(&format!("rules/profiles/tiny.toml:{line}:{col}:"))), "{errs:#?}");
}

#[test]
fn rejects_unknown_reasons_and_a_category_outside_profiles() {
    let errs = errors(&TINY.replace("undefined = \"Later\"", "undefined = \"Later\"\nundefind = \"Later\""));
    assert!(errs.iter().any(|e| e.contains("unknown reason `undefind` (did you mean `undefined`?)")), "{errs:?}");
    let base = BASE.replace("phrases = [\"no such user\"]", "phrases = [\"no such user\"]\ncategory = \"Gone\"");
    let files = vec![SourceFile::new("rules/base.toml", base), SourceFile::new("rules/profiles/tiny.toml", TINY)];
    let errs = Rules::from_sources(files).unwrap_err().diagnostics;
    assert!(errs.iter().any(|e| e.message.contains("only a profile's own rules may name a `category`")), "{errs:?}");
}

#[test]
fn parses_policy_and_health_with_defaults() {
    let rules = load(TINY).unwrap();
    let p = &rules.profiles[0];
    assert_eq!(p.policy(), &crate::profile::Policy::default());
    assert_eq!(p.health(), &crate::profile::Health::default());

    let text = format!(
        "{TINY}\n[policy]\nsuppress = [\"hard\", \"block\"]\n\n[policy.escalate]\nafter = 5\nwithin = \"30d\"\ncategories = [\"Later\"]\nto = \"Gone\"\n\n[health]\nrisky_above = 8.0\n"
    );
    let rules = load(&text).unwrap();
    let p = &rules.profiles[0];
    assert_eq!(p.policy().suppress, vec![Kind::Hard, Kind::Block]);
    let e = &p.policy().escalation;
    assert_eq!((e.after, e.within.map(|d| d.as_secs()), e.to), (5, Some(30 * 86_400), Some(0)));
    assert_eq!(e.categories, vec![1]);
    assert_eq!(p.health().risky_above, 8.0);
    assert_eq!(p.health().healthy_below, 2.0);
}

#[test]
fn rejects_a_bad_policy_where_it_is_written() {
    let text =
        format!("{TINY}\n[policy.escalate]\nafter = -1\nwithin = \"soon\"\ncategories = [\"Gone\"]\nto = \"Later\"\n");
    let errs = errors(&text);
    for message in [
        "`after` is a count",
        "`soon` is not a duration",
        "only soft categories escalate",
        "escalation goes to a hard category",
    ] {
        assert!(errs.iter().any(|e| e.contains(message)), "no `{message}` in {errs:#?}");
    }
}

#[test]
fn check_runs_category_examples_under_the_profile() {
    let good = TINY
        .replace("name = \"Later\"\ncode = 20", "name = \"Later\"\ncode = 20\nexamples = [\"452 4.2.2 mailbox full\"]");
    let files =
        vec![SourceFile::new("rules/base.toml", BASE), SourceFile::new("rules/profiles/tiny.toml", good.clone())];
    let report = crate::check::check_sources(files);
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);

    let bad = good.replace("[\"452 4.2.2 mailbox full\"]", "[\"552 5.2.2 mailbox full\"]");
    let files = vec![SourceFile::new("rules/base.toml", BASE), SourceFile::new("rules/profiles/tiny.toml", bad)];
    let report = crate::check::check_sources(files);
    let msgs: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter().any(|m| m.contains("example of category `Later` is reported by profile `tiny` as `Gone`")),
        "{msgs:#?}"
    );
}

#[test]
fn rejects_a_profile_defined_twice() {
    let files = vec![
        SourceFile::new("rules/base.toml", BASE),
        SourceFile::new("rules/profiles/a.toml", TINY),
        SourceFile::new("rules/profiles/b.toml", TINY.replace("please subscribe me", "subscribe me please")),
    ];
    let errs = Rules::from_sources(files).unwrap_err().diagnostics;
    assert!(errs.iter().any(|e| e.path.ends_with("b.toml") && e.message.contains("already defined")), "{errs:?}");
}

const REFINE: &str = r#"
[[refine]]
category = "Hello"
reasons = ["user_unknown"]
unless_command = ["RCPT"]
status = ["NONE", "x.2.x"]
below_priority = 90
"#;

#[test]
fn a_refinement_reads_the_context_of_a_bounce() {
    use crate::profile::{resolve_in, Context};
    let engine = Engine::from_rules(load(&format!("{TINY}{REFINE}")).unwrap()).unwrap();
    let (rules, profile) = (engine.rules(), engine.profile());
    let category = |text: &str, command: Option<&str>| {
        let v = engine.classify(text).verdict;
        resolve_in(profile, rules, &v, Some(&Context { command })).category
    };
    // No code, not at RCPT: refined; at RCPT, or with an x.1.1 code: not.
    assert_eq!(category("550 no such user", None), "Hello");
    assert_eq!(category("550 no such user", Some("DATA")), "Hello");
    assert_eq!(category("550 no such user", Some("rcpt")), "Gone");
    assert_eq!(category("550 5.1.1 no such user", None), "Gone");
    assert_eq!(category("550 5.2.1 no such user", None), "Hello");
    // Other reasons, and bare replies without a context, keep the [map].
    assert_eq!(category("mailbox full", None), "Later");
    assert_eq!(engine.classify("550 no such user").category, "Gone");
}

#[test]
fn reports_a_refinement_naming_unknown_things() {
    let text = format!("{TINY}{}", REFINE.replace("\"Hello\"", "\"Helo\"").replace("\"x.2.x\"", "\"x.2\""));
    let errs = errors(&text);
    assert!(errs.iter().any(|e| e.contains("category `Helo` is not declared")), "{errs:?}");
    assert_eq!(errs.len(), 2, "{errs:?}");
    let errs = errors(&format!("{TINY}{}", REFINE.replace("\"user_unknown\"", "\"no_user\"")));
    assert!(errs.iter().any(|e| e.contains("[[refine]] names unknown reason `no_user`")), "{errs:?}");
}
