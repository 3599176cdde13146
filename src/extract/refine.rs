//! Email-level evidence: what the email as a whole says about a reason,
//! beyond its diagnostic text. A complaint is `feedback`, an auto-reply is
//! `vacation` unless its text says more, and `[[extract.evidence]]` rules
//! refine a reason by the failed SMTP command, the subject or the body.

use super::matchers::Signals;
use super::spec::Evidence;
use super::{fold, Bounce, EmailKind, Report};
use crate::classify::Source;
use crate::rules::{Origin, ReasonId};
use crate::{Classification, Engine};

/// Whether any sign of `signals` shows in the email: `subject` and `from`
/// folded, `text` folded, and `headers` giving the folded `name: value`
/// header lines (asked for only when `signals` has header literals).
pub(crate) fn signals_hit<'a>(
    signals: &Signals,
    subject: &str,
    from: &str,
    text: &str,
    headers: impl FnOnce() -> &'a [String],
) -> bool {
    if signals.subject.hit(subject) || signals.from.hit(from) || signals.body.hit(text) {
        return true;
    }
    !signals.header.is_empty() && headers().iter().any(|h| signals.header.hit(h))
}

/// The reason the email-level evidence gives for `bounce`, and the rule
/// that gave it (`None` for the structure of the email itself).
pub(crate) fn reason(
    engine: &Engine,
    report: &Report,
    bounce: &Bounce,
    c: &Classification<'_>,
) -> (Option<ReasonId>, Option<Origin>) {
    let spec = &engine.compiled().extract;
    match report.kind {
        EmailKind::Feedback => return (spec.feedback_reason, None),
        EmailKind::AutoReply => {
            let by_text =
                c.verdict.decided_by.is_some_and(|e| matches!(e.source, Source::Phrase { .. } | Source::Regex { .. }));
            let undetermined = c.reason_id() == engine.rules().engine.undetermined;
            if !by_text || undetermined {
                return (spec.auto_reply_reason, None);
            }
            return (None, None);
        }
        EmailKind::Bounce | EmailKind::NotBounce => {}
    }
    for e in &spec.evidence {
        if holds(e, report, bounce, c) {
            return (Some(e.reason), Some(e.origin));
        }
    }
    (None, None)
}

fn holds(e: &Evidence, report: &Report, bounce: &Bounce, c: &Classification<'_>) -> bool {
    let one_of = |list: &[String], value: &str| list.iter().any(|x| x == value || (x == "NONE" && value.is_empty()));
    if !e.subject.is_empty() && !e.subject.hit(&fold(&report.subject)) {
        return false;
    }
    if !e.from.is_empty() && !e.from.hit(&report.from) {
        return false;
    }
    if !e.body.is_empty() && !e.body.hit(&report.text) {
        return false;
    }
    if !e.diagnostic.is_empty() && !e.diagnostic.hit(&fold(&bounce.diagnostic)) {
        return false;
    }
    if let Some(set) = &e.header {
        if !report.headers.iter().any(|h| set.is_match(h)) {
            return false;
        }
    }
    if !e.diagnostic_type.is_empty() && !one_of(&e.diagnostic_type, bounce.diagnostic_type.as_deref().unwrap_or("")) {
        return false;
    }
    let command = bounce.command.as_deref().unwrap_or("");
    if !e.command.is_empty() && !one_of(&e.command, command) {
        return false;
    }
    if one_of(&e.unless_command, command) {
        return false;
    }
    if !e.when_reason.is_empty() && !e.when_reason.contains(&c.reason_id()) {
        return false;
    }
    if let (Some(limit), Some(decided)) = (e.below_priority, c.verdict.decided_by) {
        if decided.priority >= limit {
            return false;
        }
    }
    // Enhanced-code patterns match the enhanced code, reply-code patterns
    // (`4xx`) the reply code.
    let matches = |p: &crate::code::CodePattern| p.matches_either(c.enhanced_code, c.reply_code);
    if !e.status.is_empty() && !e.status.iter().any(matches) {
        return false;
    }
    !e.unless_status.iter().any(matches)
}
