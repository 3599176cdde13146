//! `rebound explain`: every piece of evidence in a reply, where its rule is
//! written, and why the winner won.

use std::cmp::Ordering;
use std::process::ExitCode;

use super::Cli;
use crate::classify::{Evidence, Hints};
use crate::{CompiledRules, Engine};

/// Arguments of `rebound explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The reply to explain (several words are joined with spaces).
    #[arg(required = true)]
    pub text: Vec<String>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let engine = super::engine(cli)?;
    super::emit(&explain(&engine, args.text.join(" ").as_bytes()))?;
    Ok(ExitCode::SUCCESS)
}

/// The explanation of one reply as readable text.
pub fn explain(engine: &Engine, text: &[u8]) -> String {
    let (evidence, c) = engine.explain(text, Hints::default());
    let compiled = engine.compiled();
    let rules = engine.rules();
    let mut s = String::new();
    s.push_str(&format!("input:    {}\n", compiled.fold(text)));
    s.push_str(&format!(
        "codes:    enhanced {}, reply {}\n",
        c.enhanced_code.map_or("none".into(), |e| e.to_string()),
        c.reply_code.map_or("none".into(), |r| r.to_string())
    ));
    s.push_str(&format!("profile:  {}\n", engine.profile().map_or("none (reason names)", |p| p.name.as_str())));
    s.push_str(&format!(
        "answer:   {} -> {} ({}{})\n",
        c.reason.name,
        c.category,
        c.kind.as_str(),
        if c.retry { ", retry" } else { ", do not retry" }
    ));
    if evidence.is_empty() {
        s.push_str(&format!("evidence: none; the reason is the undetermined reason `{}` of [engine]\n", c.reason.name));
        return s;
    }
    s.push_str(&format!("evidence: {} piece(s), strongest first\n", evidence.len()));
    for (i, e) in evidence.iter().enumerate() {
        let mark = if i == 0 { "*" } else { " " };
        s.push_str(&format!(
            "  {mark} {:<16} priority {:>3}  {}  [{}]  {}\n",
            rules.reason(e.reason).name,
            e.priority,
            compiled.describe(e),
            compiled.rule_id(e.source),
            rules.location(compiled.origin_of(e.source)),
        ));
    }
    s.push_str(&format!("why:      {}\n", why(compiled, &evidence)));
    s
}

/// Why the first piece of evidence beat the runner-up.
fn why(compiled: &CompiledRules, evidence: &[Evidence]) -> String {
    let win = &evidence[0];
    let Some(next) = evidence.iter().find(|e| e.reason != win.reason) else {
        return format!("all evidence agrees on `{}`", compiled.rules().reason(win.reason).name);
    };
    let next_name = &compiled.rules().reason(next.reason).name;
    if win.priority != next.priority {
        return format!(
            "priority {} beats priority {} of `{next_name}` ({})",
            win.priority,
            next.priority,
            compiled.describe(next)
        );
    }
    let rank = |e: &Evidence| match e.source {
        crate::Source::Phrase { .. } | crate::Source::Regex { .. } => 3,
        crate::Source::Enhanced { .. } => 2,
        crate::Source::Reply { .. } => 1,
    };
    if rank(win) != rank(next) {
        return format!(
            "equal priority {}; a phrase beats an enhanced code, which beats a reply code (`{next_name}`: {})",
            win.priority,
            compiled.describe(next)
        );
    }
    match win.specificity.cmp(&next.specificity) {
        Ordering::Greater => format!(
            "equal priority {}; the more specific match wins over `{next_name}` ({})",
            win.priority,
            compiled.describe(next)
        ),
        _ => format!(
            "equal priority and specificity; the rule written first wins over `{next_name}` ({})",
            compiled.describe(next)
        ),
    }
}
