//! Helpers shared by the integration tests: small rule sets built in memory.
#![allow(dead_code)]

use rebound::rules::SourceFile;

/// A minimal vocabulary and engine table, as `rules/reasons.toml` would hold.
pub const BASE: &str = r#"
[engine]
undetermined = "undefined"

[[reason]]
name = "user_unknown"
kind = "hard"
description = "no such mailbox"

[[reason]]
name = "mailbox_full"
kind = "soft"
description = "over quota"

[[reason]]
name = "policy_violation"
kind = "block"
description = "local policy"

[[reason]]
name = "blocked"
kind = "block"
description = "IP blocked"

[[reason]]
name = "on_hold"
kind = "undetermined"
description = "not enough evidence"

[[reason]]
name = "undefined"
kind = "undetermined"
description = "no evidence"
"#;

/// Source files: the base vocabulary plus `(name, text)` pairs.
pub fn sources(files: &[(&str, &str)]) -> Vec<SourceFile> {
    let mut out = vec![SourceFile::new("rules/base.toml", BASE)];
    out.extend(files.iter().map(|(p, t)| SourceFile::new(format!("rules/{p}"), *t)));
    out
}

/// Every diagnostic of checking these files, as displayed.
pub fn check(files: &[(&str, &str)]) -> Vec<String> {
    rebound::check::check_sources(sources(files)).diagnostics.iter().map(|d| d.to_string()).collect()
}

/// An engine over these files (panics with the diagnostics if they fail).
pub fn engine(files: &[(&str, &str)]) -> rebound::Engine {
    match rebound::Rules::from_sources(sources(files)).and_then(rebound::Engine::from_rules) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    }
}
