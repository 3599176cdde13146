//! `rebound check`: everything that can be wrong with a rules directory,
//! collected in one pass: TOML and schema errors, unknown names, duplicate
//! and shadowed phrases, and every embedded example classified by the whole
//! ruleset. The same checks guard every hot reload.

use std::collections::HashMap;
use std::path::Path;

use crate::classify::{Hints, Scratch};
use crate::compile::CompiledRules;
use crate::rules::{Diagnostic, Origin, Rules, Severity, SourceFile};

/// Counts of what a rule set holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files read.
    pub files: usize,
    /// Reasons in the vocabulary.
    pub reasons: usize,
    /// `[[code]]` rules.
    pub code_rules: usize,
    /// `[[rule]]` tables (phrase and regex rules), profiles' included.
    pub phrase_rules: usize,
    /// Phrases.
    pub phrases: usize,
    /// Regexes.
    pub regexes: usize,
    /// Examples run.
    pub examples: usize,
    /// Profiles.
    pub profiles: usize,
}

/// The outcome of checking: every diagnostic, and the compiled rules when
/// there was no error.
#[derive(Debug)]
pub struct Report {
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The compiled rules, when there is no error.
    pub compiled: Option<CompiledRules>,
    /// What the rules hold (zero when they could not be loaded).
    pub stats: Stats,
}

impl Report {
    /// The number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Checks the rules under `dir`.
pub fn check_dir(dir: &Path) -> Report {
    match crate::rules::source::dir_sources(dir) {
        Ok(files) => check_sources(files),
        Err(e) => Report { diagnostics: e.diagnostics, compiled: None, stats: Stats::default() },
    }
}

/// Loads, checks and compiles rule files; the compiled rules come back only
/// when there is no error.
pub fn check_sources(files: Vec<SourceFile>) -> Report {
    let rules = match Rules::from_sources(files) {
        Ok(r) => r,
        Err(e) => return Report { diagnostics: e.diagnostics, compiled: None, stats: Stats::default() },
    };
    let mut diagnostics = rules.warnings.clone();
    phrase_conflicts(&rules, &mut diagnostics);
    // `[[provider]]` files are read only by `rebound report`: check them here
    // so a broken one fails CI rather than a report.
    if let Err(e) = crate::report::Providers::from_rules(&rules) {
        diagnostics.extend(e.diagnostics);
    }
    let compiled = match CompiledRules::new(rules) {
        Ok(c) => c,
        Err(e) => {
            diagnostics.extend(e.diagnostics);
            return Report { diagnostics, compiled: None, stats: Stats::default() };
        }
    };
    diagnostics.extend(compiled.regex_errors());
    let mut stats = examples(&compiled, &mut diagnostics);
    stats.examples += crate::profile::check::examples(&compiled, &mut diagnostics);
    sort(&mut diagnostics);
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    Report { diagnostics, compiled: ok.then_some(compiled), stats }
}

fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
}

/// Duplicate phrases, and phrases another rule always outranks.
fn phrase_conflicts(rules: &Rules, diags: &mut Vec<Diagnostic>) {
    // (profile scope, folded phrase) → (rule, origin)
    let mut seen: HashMap<(Option<u16>, &str), (usize, Origin)> = HashMap::new();
    let mut all: Vec<(usize, &crate::rules::Phrase)> = Vec::new();
    for (ri, rule) in rules.rules.iter().enumerate() {
        for p in &rule.phrases {
            match seen.get(&(rule.profile, p.folded.as_str())) {
                Some(&(_, first)) => {
                    diags.push(rules.diagnostic(
                        p.origin,
                        Severity::Error,
                        format!("duplicate phrase \"{}\" (first at {})", p.text, rules.location(first)),
                    ));
                }
                None => {
                    seen.insert((rule.profile, p.folded.as_str()), (ri, p.origin));
                    all.push((ri, p));
                }
            }
        }
    }
    // A phrase containing a shorter phrase of a higher-priority rule can never
    // win: wherever it matches, the shorter one matches too and outranks it.
    let (patterns, owners): (Vec<&str>, Vec<(usize, &crate::rules::Phrase)>) =
        all.iter().map(|(ri, p)| (p.folded.as_str(), (*ri, *p))).unzip();
    let Ok(ac) = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(&patterns) else { return };
    for &(ri, p) in &owners {
        let rule = &rules.rules[ri];
        for m in ac.find_overlapping_iter(p.folded.as_str()) {
            let (oi, other) = owners[m.pattern().as_usize()];
            let orule = &rules.rules[oi];
            if std::ptr::eq(other, p) || orule.profile.is_some() && orule.profile != rule.profile {
                continue;
            }
            if orule.priority > rule.priority {
                let (severity, what) = if orule.reason == rule.reason {
                    (Severity::Warning, "is redundant")
                } else {
                    (Severity::Error, "can never win")
                };
                diags.push(rules.diagnostic(
                    p.origin,
                    severity,
                    format!(
                        "phrase \"{}\" {what}: it contains \"{}\" ({}, priority {} > {}) at {}",
                        p.text,
                        other.text,
                        rules.reason(orule.reason).name,
                        orule.priority,
                        rule.priority,
                        rules.location(other.origin)
                    ),
                ));
                break;
            }
        }
    }
}

/// Classifies every example by the whole ruleset; returns the stats.
fn examples(compiled: &CompiledRules, diags: &mut Vec<Diagnostic>) -> Stats {
    let rules = compiled.rules();
    let mut scratch = Scratch::new();
    let mut stats = Stats {
        files: rules.files.len(),
        reasons: rules.reasons.len(),
        code_rules: rules.codes.len(),
        phrase_rules: rules.rules.len(),
        profiles: rules.profiles.len(),
        ..Stats::default()
    };
    let mut run =
        |examples: &[crate::rules::Example], want: crate::rules::ReasonId, profile: Option<u16>, what: &str| {
            for ex in examples {
                stats.examples += 1;
                let v = compiled.classify(
                    ex.text.as_bytes(),
                    Hints::default(),
                    profile.or(compiled.default_profile()),
                    &mut scratch,
                );
                if v.reason != want {
                    let by = match v.decided_by {
                        Some(e) => format!(
                            "{} at {} (priority {})",
                            compiled.describe(&e),
                            rules.location(compiled.origin_of(e.source)),
                            e.priority
                        ),
                        None => "no evidence".to_string(),
                    };
                    diags.push(rules.diagnostic(
                        ex.origin,
                        Severity::Error,
                        format!(
                            "example of {what} is classified as `{}`, not `{}`: decided by {by}",
                            rules.reason(v.reason).name,
                            rules.reason(want).name
                        ),
                    ));
                }
            }
        };
    for rule in &rules.rules {
        stats.phrases += rule.phrases.len();
        stats.regexes += rule.regexes.len();
        run(&rule.examples, rule.reason, rule.profile, &format!("rule `{}`", rule.id));
    }
    for code in &rules.codes {
        run(&code.examples, code.reason, None, &format!("code {}", code.pattern));
    }
    stats
}
