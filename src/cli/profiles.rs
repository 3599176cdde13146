//! `rebound profiles`: the taxonomy profiles the rules define, and the full
//! mapping of one of them.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::Cli;
use crate::profile::{Category, Disposition, Profile};
use crate::rules::Rules;
use crate::UnknownProfile;

/// Arguments of `rebound profiles`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show this profile's categories, mapping, rules and policy.
    pub name: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let engine = super::engine(cli)?;
    let rules = engine.rules();
    let text = match &args.name {
        None => list(rules),
        Some(name) => match rules.profiles.iter().find(|p| &p.name == name) {
            Some(p) => describe(rules, p),
            None => {
                let known = rules.profiles.iter().map(|p| p.name.clone()).collect();
                return Err(UnknownProfile { name: name.clone(), known }.to_string());
            }
        },
    };
    super::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// One line per profile; the default one marked `*`.
pub fn list(rules: &Rules) -> String {
    let width = rules.profiles.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let mut s = String::new();
    for p in &rules.profiles {
        let mark = if rules.engine.default_profile.as_ref() == Some(&p.name) { "*" } else { " " };
        let _ = writeln!(s, "{mark} {:<width$}  {}", p.name, p.description);
    }
    if rules.profiles.is_empty() {
        s.push_str("the rules define no profile: answers use reason names\n");
    } else {
        s.push_str("\n* the default; switch with --profile NAME, see one with: rebound profiles NAME\n");
    }
    s
}

/// Everything about one profile, as readable text.
pub fn describe(rules: &Rules, p: &Profile) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", p.name, p.description);
    if !p.source.is_empty() {
        let _ = writeln!(s, "source:  {}", p.source);
    }
    let _ = writeln!(s, "file:    {}", rules.location(p.origin));

    let _ = writeln!(s, "\ncategories ({}):", p.categories.len());
    let width = p.categories.iter().map(|c| c.name.len()).max().unwrap_or(0).max(8);
    let _ = writeln!(s, "  {:>6}  {:<width$}  {:<28}  {:<28}  ON 5xx", "CODE", "CATEGORY", "DEFAULT", "ON 4xx");
    for c in &p.categories {
        let code = c.code.map(|n| n.to_string()).unwrap_or_default();
        let on = |d: Option<Disposition>| d.map(disposition).unwrap_or_else(|| "same".into());
        let _ = writeln!(
            s,
            "  {code:>6}  {:<width$}  {:<28}  {:<28}  {}",
            c.name,
            disposition(c.default),
            on(c.transient),
            on(c.permanent)
        );
    }

    let _ = writeln!(s, "\nmap (reason -> category):");
    let rwidth = rules.reasons.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for (id, reason) in rules.reasons.iter().enumerate() {
        let t = p.target(id as u16);
        let name = |i: u16| p.categories[usize::from(i)].name.as_str();
        let mut line = name(t.default).to_string();
        if t.transient != t.default {
            let _ = write!(line, "; on 4xx: {}", name(t.transient));
        }
        if t.permanent != t.default {
            let _ = write!(line, "; on 5xx: {}", name(t.permanent));
        }
        let _ = writeln!(s, "  {:<rwidth$}  {line}", reason.name);
    }

    let index = rules.profiles.iter().position(|q| std::ptr::eq(q, p)).map(|i| i as u16);
    let own: Vec<_> = rules.rules.iter().filter(|r| r.profile.is_some() && r.profile == index).collect();
    if !own.is_empty() {
        let _ = writeln!(s, "\nrules of this profile ({}):", own.len());
        for r in own {
            let category = r.category.map_or("[map]", |c| p.categories[usize::from(c)].name.as_str());
            let _ = writeln!(
                s,
                "  {}: {} -> {category}, priority {}, {} phrase(s), {} regex(es)  [{}]",
                r.id,
                rules.reason(r.reason).name,
                r.priority,
                r.phrases.len(),
                r.regexes.len(),
                rules.location(r.origin)
            );
        }
    }

    let unreached = unreached(rules, p, index);
    if !unreached.is_empty() {
        let names: Vec<&str> = unreached.iter().map(|c| c.name.as_str()).collect();
        let _ = writeln!(s, "\nno reason or rule leads to: {}", names.join(", "));
    }

    let policy = p.policy();
    let kinds: Vec<&str> = policy.suppress.iter().map(|k| k.as_str()).collect();
    let _ = writeln!(s, "\npolicy:");
    let _ = writeln!(s, "  suppress: {}", if kinds.is_empty() { "nothing".into() } else { kinds.join(", ") });
    let e = &policy.escalation;
    if e.after == 0 {
        let _ = writeln!(s, "  escalate: never");
    } else {
        let which = if e.categories.is_empty() {
            "soft bounces".to_string()
        } else {
            let names: Vec<&str> = e.categories.iter().map(|&i| p.categories[usize::from(i)].name.as_str()).collect();
            format!("soft bounces of {}", names.join(", "))
        };
        let window = match e.within {
            Some(d) => format!(" within {}", crate::profile::Spelled(d)),
            None => String::new(),
        };
        let to = match e.to {
            Some(i) => format!("`{}`", p.categories[usize::from(i)].name),
            None => "the same category, as hard".to_string(),
        };
        let _ = writeln!(s, "  escalate: {} {which} with no delivery in between{window} count as {to}", e.after);
    }
    let h = p.health();
    let _ = writeln!(
        s,
        "health:    healthy below {}%, unhealthy above {}%, risky above {}% (bounce rate)",
        h.healthy_below, h.unhealthy_above, h.risky_above
    );
    s
}

/// `kind, retry, keep` in a few words.
fn disposition(d: Disposition) -> String {
    format!(
        "{}, {}, {}",
        d.kind.as_str(),
        if d.retry { "retry" } else { "no retry" },
        if d.suppress { "suppress" } else { "keep" }
    )
}

/// Categories that neither a reason (for any code class) nor a rule of the
/// profile leads to.
fn unreached<'p>(rules: &Rules, p: &'p Profile, index: Option<u16>) -> Vec<&'p Category> {
    let mut reached = vec![false; p.categories.len()];
    for id in 0..rules.reasons.len() {
        let t = p.target(id as u16);
        for i in [t.default, t.transient, t.permanent] {
            reached[usize::from(i)] = true;
        }
    }
    for r in rules.rules.iter().filter(|r| r.profile.is_some() && r.profile == index) {
        if let Some(c) = r.category {
            reached[usize::from(c)] = true;
        }
    }
    p.categories.iter().zip(reached).filter(|(_, r)| !r).map(|(c, _)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_profile_and_marks_the_default() {
        let rules = Rules::embedded().unwrap();
        let text = list(&rules);
        for p in &rules.profiles {
            assert!(text.contains(&p.name), "{text}");
        }
        assert!(text.lines().any(|l| l.starts_with("* mixpanel")), "{text}");
    }

    #[test]
    fn describes_a_profile_in_full() {
        let rules = Rules::embedded().unwrap();
        let p = rules.profiles.iter().find(|p| p.name == "sparkpost").unwrap();
        let text = describe(&rules, p);
        assert!(text.contains("    10  Invalid Recipient"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with("host_unknown")
                    && l.ends_with("Invalid Recipient; on 4xx: DNS Failure")),
            "{text}"
        );
        assert!(text.contains("sparkpost-subscribe-request: undefined -> Subscribe"), "{text}");
        assert!(text.contains("no reason or rule leads to: Generic Bounce: No RCPT"), "{text}");
        assert!(text.contains("healthy below 2%"), "{text}");
    }
}
