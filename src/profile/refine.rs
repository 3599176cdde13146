//! A profile's `[[refine]]` tables: a reason reported in another category of
//! the scheme when the context of the bounce says so.
//!
//! Some schemes split one of our reasons by where in the SMTP session the
//! refusal came. Sisimai, for one, names an unknown-user refusal `filtered`
//! unless it answered `RCPT TO` or carries a `x.1.1` code: a recipient that
//! was not refused at `RCPT` time was refused by something that read the
//! message. The reason stays what the evidence says (`user_unknown`); only
//! that profile's category changes, and only where the context is known (a
//! bounce read from an email or a log line, never a bare reply string).
//!
//! ```toml
//! [[refine]]
//! category = "filtered"
//! reasons = ["user_unknown"]
//! unless_command = ["RCPT"]
//! status = ["NONE", "x.2.x", "x.7.x"]
//! below_priority = 90
//! ```

use serde::Deserialize;
use toml::Spanned;

use super::parse::Ctx;
use crate::classify::Verdict;
use crate::code::CodePattern;
use crate::rules::{Origin, ReasonId};

/// What is known of a bounce beyond its diagnostic text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The SMTP command the refusal answered (`RCPT`, `DATA`, ...), when known.
    pub command: Option<&'a str>,
}

/// One `[[refine]]` table: when every condition holds, the verdict is
/// reported in `category`.
#[derive(Debug, Clone)]
pub struct Refinement {
    /// The category index it reports.
    pub category: u16,
    /// The reasons it applies to.
    pub reasons: Vec<ReasonId>,
    /// The refusal answered one of these commands (`NONE`: unknown).
    pub command: Vec<String>,
    /// The refusal answered none of these commands (`NONE`: unknown).
    pub unless_command: Vec<String>,
    /// The enhanced or reply code matches one of these.
    pub status: Vec<CodePattern>,
    /// `status` lists `NONE`: the bounce carries no enhanced code.
    pub status_none: bool,
    /// The enhanced or reply code matches none of these.
    pub unless_status: Vec<CodePattern>,
    /// The deciding rule's priority is below this (a provider's own wording,
    /// priority 90 and up, is not second-guessed).
    pub below_priority: Option<i32>,
    /// Where the table is written.
    pub origin: Origin,
}

impl Refinement {
    /// Whether the refinement applies to `verdict` in `context`.
    pub fn holds(&self, verdict: &Verdict, context: &Context<'_>) -> bool {
        if !self.reasons.contains(&verdict.reason) {
            return false;
        }
        let command = context.command.unwrap_or("NONE");
        let listed = |list: &[String]| list.iter().any(|c| c.eq_ignore_ascii_case(command));
        if (!self.command.is_empty() && !listed(&self.command)) || listed(&self.unless_command) {
            return false;
        }
        if let (Some(limit), Some(decided)) = (self.below_priority, verdict.decided_by) {
            if decided.priority >= limit {
                return false;
            }
        }
        let matches = |p: &CodePattern| p.matches_either(verdict.enhanced_code, verdict.reply_code);
        let listed = self.status.iter().any(matches) || (self.status_none && verdict.enhanced_code.is_none());
        (listed || (self.status.is_empty() && !self.status_none)) && !self.unless_status.iter().any(matches)
    }
}

/// A `[[refine]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRefine {
    category: Spanned<String>,
    reasons: Vec<Spanned<String>>,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    unless_command: Vec<String>,
    #[serde(default)]
    status: Vec<Spanned<String>>,
    #[serde(default)]
    unless_status: Vec<Spanned<String>>,
    below_priority: Option<i32>,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    #[allow(dead_code)]
    source: String,
}

/// Validates one `[[refine]]` table; `None` (reported to `cx`) when a name
/// or a code pattern is wrong.
pub(super) fn refinement(
    cx: &mut Ctx<'_>,
    raw: &Spanned<RawRefine>,
    reason: impl Fn(&str) -> Option<ReasonId>,
    category: impl Fn(&mut Ctx<'_>, &Spanned<String>) -> Option<u16>,
) -> Option<Refinement> {
    let r = raw.get_ref();
    let mut ok = true;
    let target = category(cx, &r.category);
    let mut reasons = Vec::with_capacity(r.reasons.len());
    for name in &r.reasons {
        match reason(name.get_ref()) {
            Some(id) => reasons.push(id),
            None => {
                cx.error(name.span().start, format!("[[refine]] names unknown reason `{}`", name.get_ref()));
                ok = false;
            }
        }
    }
    if r.reasons.is_empty() {
        cx.error(raw.span().start, "a [[refine]] table needs `reasons`: the reasons it applies to");
        ok = false;
    }
    let mut codes = |list: &[Spanned<String>]| {
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            match CodePattern::parse(s.get_ref()) {
                Ok(p) => out.push(p),
                Err(msg) => {
                    cx.error(s.span().start, msg);
                    ok = false;
                }
            }
        }
        out
    };
    let status_none = r.status.iter().any(|s| s.get_ref().eq_ignore_ascii_case("none"));
    let listed: Vec<Spanned<String>> =
        r.status.iter().filter(|s| !s.get_ref().eq_ignore_ascii_case("none")).cloned().collect();
    let status = codes(&listed);
    let unless_status = codes(&r.unless_status);
    let upper = |v: &[String]| v.iter().map(|c| c.to_ascii_uppercase()).collect::<Vec<_>>();
    let refinement = Refinement {
        category: target?,
        reasons,
        command: upper(&r.command),
        unless_command: upper(&r.unless_command),
        status,
        status_none,
        unless_status,
        below_priority: r.below_priority,
        origin: Origin::new(cx.file, cx.fi, raw.span().start),
    };
    ok.then_some(refinement)
}
