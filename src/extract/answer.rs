//! Classifying what an email reports: each bounce's diagnostic through the
//! engine, refined by the email-level evidence of `rules/extract`.

use super::{extract, notification, refine, Bounce, Report};
use crate::classify::Hints;
use crate::profile::Context;
use crate::rules::{Origin, ReasonId};
use crate::{Classification, Engine, EnhancedCode};

/// A recipient's answer: the bounce and its classification.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a, 'e> {
    /// What the email says about the recipient.
    pub bounce: &'a Bounce,
    /// Its classification.
    pub classification: Classification<'e>,
    /// The email-level evidence rule that decided the reason, when one did
    /// (`rules/extract/...toml:line`, see [`Engine::evidence_location`]).
    pub evidence: Option<Origin>,
}

impl Engine {
    /// Reads one email (bytes as received, any line endings) with the
    /// extraction rules of this engine's rule set.
    pub fn extract(&self, raw: &[u8]) -> Report {
        extract(&self.compiled().extract, raw)
    }

    /// Reads a JSON notification of a sending service (see
    /// `[[extract.json]]`); `None` when no rule describes it.
    pub fn extract_json(&self, value: &serde_json::Value) -> Option<Report> {
        notification(&self.compiled().extract, value)
    }

    /// Classifies one extracted bounce on its diagnostic, with the DSN status
    /// as a hint when the diagnostic carries no code.
    pub fn classify_bounce(&self, bounce: &Bounce) -> Classification<'_> {
        let status = bounce.status.as_deref().and_then(EnhancedCode::parse);
        self.classify_bytes(bounce.diagnostic.as_bytes(), Hints { status, reply_code: None })
    }

    /// Reads one email and classifies every recipient it reports on. The
    /// email-level evidence of `rules/extract` (a feedback report, an
    /// auto-reply, the failed command) refines the diagnostic's reason.
    pub fn answers<'a>(&self, report: &'a Report) -> Vec<Answer<'a, '_>> {
        report.bounces.iter().map(|b| self.answer(report, b)).collect()
    }

    /// The answer for one bounce of `report`.
    pub fn answer<'a>(&self, report: &'a Report, bounce: &'a Bounce) -> Answer<'a, '_> {
        let c = self.classify_bounce(bounce);
        let (reason, evidence) = refine::reason(self, report, bounce, &c);
        let (verdict, evidence) = match reason {
            Some(r) if r != c.reason_id() => (crate::Verdict { reason: r, decided_by: None, ..c.verdict }, evidence),
            _ => (c.verdict, None),
        };
        let context = Context { command: bounce.command.as_deref() };
        Answer { bounce, classification: self.resolve_in(verdict, Some(&context)), evidence }
    }

    /// Reads one email and classifies every recipient it reports on; see
    /// [`Engine::answers`].
    pub fn classify_email(&self, raw: &[u8]) -> (Report, Vec<(Bounce, Classification<'_>)>) {
        let report = self.extract(raw);
        let answers: Vec<(Bounce, Classification<'_>)> =
            self.answers(&report).into_iter().map(|a| (a.bounce.clone(), a.classification)).collect();
        (report, answers)
    }

    /// `path:line` of an email-level evidence rule.
    pub fn evidence_location(&self, origin: Origin) -> String {
        self.rules().location(origin)
    }
}

impl Classification<'_> {
    /// The id of the reason.
    pub fn reason_id(&self) -> ReasonId {
        self.verdict.reason
    }
}
