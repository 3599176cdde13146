//! The examples profiles carry, run by `rebound check`: a category's
//! `examples` and the examples of a profile rule that names a category must
//! be reported in that category under that profile.

use crate::classify::{Hints, Scratch};
use crate::compile::CompiledRules;
use crate::rules::{Diagnostic, Example, Severity};

/// Runs every profile example; returns how many ran.
pub(crate) fn examples(compiled: &CompiledRules, diags: &mut Vec<Diagnostic>) -> usize {
    let rules = compiled.rules();
    let mut scratch = Scratch::new();
    let mut count = 0;
    let mut run = |pi: usize, want: u16, examples: &[Example], what: &str| {
        let profile = &rules.profiles[pi];
        let want = &profile.categories[usize::from(want)].name;
        for ex in examples {
            count += 1;
            let v = compiled.classify(ex.text.as_bytes(), Hints::default(), Some(pi as u16), &mut scratch);
            let got = super::resolve(Some(profile), rules, &v);
            if got.category != want {
                let by = match v.decided_by {
                    Some(e) => format!("{} at {}", compiled.describe(&e), rules.location(compiled.origin_of(e.source))),
                    None => "no evidence".to_string(),
                };
                diags.push(rules.diagnostic(
                    ex.origin,
                    Severity::Error,
                    format!(
                        "example of {what} is reported by profile `{}` as `{}` (reason `{}`, decided by {by}), not `{want}`",
                        profile.name,
                        got.category,
                        rules.reason(v.reason).name
                    ),
                ));
            }
        }
    };
    for (pi, profile) in rules.profiles.iter().enumerate() {
        for (ci, c) in profile.categories.iter().enumerate() {
            run(pi, ci as u16, &c.examples, &format!("category `{}`", c.name));
        }
    }
    for rule in &rules.rules {
        if let (Some(pi), Some(ci)) = (rule.profile, rule.category) {
            run(usize::from(pi), ci, &rule.examples, &format!("rule `{}`", rule.id));
        }
    }
    count
}
