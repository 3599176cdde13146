//! Email-level evidence: what the email as a whole says about a reason,
//! beyond its diagnostic text. A complaint is `feedback`, an auto-reply is
//! `vacation` unless its text says more, and `[[extract.evidence]]` rules
//! refine a reason by the failed SMTP command, the subject or the body.

use super::matchers::Found;
use super::message::HeaderLines;
use super::spec::{Evidence, Spec};
use super::{fold, Bounce, EmailKind, Report};
use crate::classify::Source;
use crate::rules::{Origin, ReasonId};
use crate::{Classification, Engine};
use std::cell::Cell;
use std::sync::OnceLock;

thread_local! {
    /// The buffer [`Signs::new`] folds the subject, the sender and header
    /// lines into, kept from email to email.
    static FOLDED: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest [`FOLDED`] buffer kept for the next email, in bytes.
const KEPT: usize = 64 << 10;

/// The signs of every kind of email in one email: the subject, the sender
/// and the header lines, folded and ASCII-lowercased and searched once
/// for the signs of every kind (see [`super::matchers::SignIndex`]); the
/// text folded on first use (no shipped sign reads the text).
pub(crate) struct Signs<'a> {
    found: Found,
    text: &'a str,
    folded_text: OnceLock<String>,
    spec: &'a Spec,
}

impl<'a> Signs<'a> {
    /// Signs over `subject` (as written), `from` (folded), `text` and the
    /// `name: value` header lines (as written), per the signs of `spec`.
    ///
    /// The subject and the sender are folded and lowercased into one buffer
    /// (kept from email to email by the thread: no allocation once warm),
    /// which then holds the header lines that may show a sign, one at a
    /// time (see [`SignIndex::search_headers`]).
    ///
    /// [`SignIndex::search_headers`]: super::matchers::SignIndex::search_headers
    pub(crate) fn new(spec: &'a Spec, subject: &str, from: &str, text: &'a str, headers: &HeaderLines) -> Signs<'a> {
        let index = &spec.signs;
        // Taken, not borrowed: a nested call (there is none) would only
        // find the buffer empty.
        let mut buf = FOLDED.take();
        buf.clear();
        crate::fold::fold_onto(subject.as_bytes(), &mut buf);
        let from_at = buf.len();
        buf.extend_from_slice(from.as_bytes());
        // Matched ASCII case-insensitively: lowercased once here, the
        // literals are looked for case-sensitively (and faster).
        buf.make_ascii_lowercase();
        let found = index.search(&buf[..from_at], &buf[from_at..], None);
        let found = index.search_headers(found, headers, &mut buf);
        // An email with huge header lines does not leave its buffer behind.
        if buf.capacity() <= KEPT {
            FOLDED.set(buf);
        }
        Signs { found, text, folded_text: OnceLock::new(), spec }
    }

    /// Whether any sign of `kind` shows in the email.
    pub(crate) fn hit(&self, kind: EmailKind) -> bool {
        if self.found.has(kind) {
            return true;
        }
        let body = match kind {
            EmailKind::Bounce => &self.spec.bounce.body,
            EmailKind::AutoReply => &self.spec.auto_reply.body,
            EmailKind::Feedback => &self.spec.feedback.body,
            EmailKind::NotBounce => return false,
        };
        !body.is_empty() && body.hit(self.folded_text())
    }

    /// The text, folded.
    fn folded_text(&self) -> &str {
        self.folded_text.get_or_init(|| fold(self.text))
    }

    /// The folded text, when it was folded (to hand on to the report).
    pub(crate) fn into_folded_text(self) -> OnceLock<String> {
        self.folded_text
    }
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
    // The subject and the diagnostic folded once for all the rules, on
    // first use.
    let folded = Folded::default();
    for e in &spec.evidence {
        if holds(e, report, bounce, c, &folded) {
            return (Some(e.reason), Some(e.origin));
        }
    }
    (None, None)
}

/// The email's subject and a bounce's diagnostic, folded when a rule first
/// reads them.
#[derive(Default)]
struct Folded {
    subject: std::cell::OnceCell<String>,
    diagnostic: std::cell::OnceCell<String>,
}

fn holds(e: &Evidence, report: &Report, bounce: &Bounce, c: &Classification<'_>, folded: &Folded) -> bool {
    // The cheap conditions first: all must hold, so the order changes
    // nothing but what is left unread.
    let one_of = |list: &[String], value: &str| list.iter().any(|x| x == value || (x == "NONE" && value.is_empty()));
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
    if e.unless_status.iter().any(matches) {
        return false;
    }
    if !e.subject.is_empty() && !e.subject.hit(folded.subject.get_or_init(|| fold(&report.subject))) {
        return false;
    }
    if !e.from.is_empty() && !e.from.hit(&report.from) {
        return false;
    }
    if !e.body.is_empty() && !e.body.hit(report.folded_text()) {
        return false;
    }
    if !e.diagnostic.is_empty() && !e.diagnostic.hit(folded.diagnostic.get_or_init(|| fold(&bounce.diagnostic))) {
        return false;
    }
    match &e.header {
        Some(set) => report.headers.iter().any(|h| set.is_match(h)),
        None => true,
    }
}
