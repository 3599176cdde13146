//! Reading bounce emails: who failed and what the receiving side said.
//!
//! An email is flattened out of its MIME tree ([`message`]), then read from
//! the most to the least structured evidence:
//! 1. an RFC 5965 feedback report, or the signs of a complaint → reason
//!    `feedback` ([`arf`]);
//! 2. RFC 3464 `message/delivery-status` parts, or the same fields written
//!    into the text ([`dsn`]);
//! 3. the text written for people, read by one generic reader driven by the
//!    markers and patterns of `rules/extract/*.toml` ([`generic`], [`spec`]);
//! 4. the `X-Failed-Recipients` header, then the returned message's `To`;
//! 5. RFC 3834 auto-replies → reason `vacation`.
//!
//! An email with none of these is reported as not a bounce.
//!
//! ```
//! let engine = rebound::Engine::embedded().unwrap();
//! let email = b"From: MAILER-DAEMON@mx.example.org\r\n\
//! To: sender@example.com\r\n\
//! Subject: Undelivered Mail Returned to Sender\r\n\
//! \r\n\
//! <bob@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1\r\n\
//!     <bob@example.net>: Recipient address rejected: User unknown\r\n";
//! let report = engine.extract(email);
//! assert_eq!(report.kind, rebound::extract::EmailKind::Bounce);
//! let bounce = &report.bounces[0];
//! assert_eq!(bounce.recipient.as_deref(), Some("bob@example.net"));
//! assert_eq!(engine.classify_bounce(bounce).reason.name, "user_unknown");
//! ```

mod address;
mod answer;
mod arf;
mod assemble;
pub mod dsn;
mod generic;
mod matchers;
mod message;
mod mime;
mod notify;
mod refine;
mod reply;
mod schema;
pub mod spec;

use std::fmt;

pub use answer::Answer;
pub use dsn::{Dsn, DsnRecipient};
pub use spec::Spec;

/// How deep forwarded bounces (a bounce attached to another email) are followed.
const MAX_FORWARD_DEPTH: usize = 2;

/// What an email is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// A delivery failure (or delay) report.
    Bounce,
    /// A spam complaint (feedback report).
    Feedback,
    /// An automatic reply (out of office, vacation).
    AutoReply,
    /// None of these: an ordinary message, or something unreadable.
    NotBounce,
}

impl EmailKind {
    /// `bounce`, `feedback`, `auto_reply`, `not_bounce`.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Bounce => "bounce",
            EmailKind::Feedback => "feedback",
            EmailKind::AutoReply => "auto_reply",
            EmailKind::NotBounce => "not_bounce",
        }
    }
}

impl fmt::Display for EmailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recipient an email reports on, with what was said about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounce {
    /// The recipient (`Final-Recipient`, else the address the text names).
    pub recipient: Option<String>,
    /// `Original-Recipient`, when the report gives one that differs.
    pub original_recipient: Option<String>,
    /// The DSN `Action` (`failed`, `delayed`, `delivered`, ...), lowercased.
    pub action: Option<String>,
    /// The DSN `Status` as written, else the enhanced code in the diagnostic.
    pub status: Option<String>,
    /// What the receiving side (or the reporting MTA) said, on one line.
    pub diagnostic: String,
    /// The type of the DSN `Diagnostic-Code` (`smtp`, `x-unix`, ...).
    pub diagnostic_type: Option<String>,
    /// The host that answered, when known.
    pub remote_mta: Option<String>,
    /// The MTA that wrote the report (`Reporting-MTA`).
    pub reporting_mta: Option<String>,
    /// The SMTP command the failure answered (`RCPT`, `DATA`, ...), when known.
    pub command: Option<String>,
    /// `Last-Attempt-Date` as written.
    pub last_attempt: Option<String>,
    /// The `Feedback-Type` of a complaint (`abuse`, ...).
    pub feedback_type: Option<String>,
}

/// What one email holds.
#[derive(Debug, Clone)]
pub struct Report {
    /// What the email is.
    pub kind: EmailKind,
    /// The recipients it reports on, in the order it lists them (empty for
    /// [`EmailKind::NotBounce`]).
    pub bounces: Vec<Bounce>,
    /// Why the email is not a bounce, for [`EmailKind::NotBounce`].
    pub note: Option<String>,
    /// The email's subject.
    pub subject: String,
    /// The text, as read (folded on demand by [`Report::folded_text`]).
    pub(crate) text: String,
    folded_text: std::sync::OnceLock<String>,
    /// The `From` header, folded.
    pub(crate) from: String,
    /// Top-level header lines as `name: value`, names lowercased.
    pub(crate) headers: message::HeaderLines,
}

impl Report {
    fn not_bounce(note: impl Into<String>) -> Report {
        Report {
            kind: EmailKind::NotBounce,
            bounces: Vec::new(),
            note: Some(note.into()),
            subject: String::new(),
            text: String::new(),
            folded_text: std::sync::OnceLock::new(),
            from: String::new(),
            headers: message::HeaderLines::default(),
        }
    }

    /// The text with its whitespace folded (for literal matching), folded
    /// on first use.
    pub(crate) fn folded_text(&self) -> &str {
        self.folded_text.get_or_init(|| fold(&self.text))
    }

    /// The report, holding `text` (and its folded form when `signs` made it).
    fn with_text(mut self, text: String, folded: std::sync::OnceLock<String>) -> Report {
        self.text = text;
        self.folded_text = folded;
        self
    }
}

/// Reads one email with the extraction rules of `spec`.
pub fn extract(spec: &Spec, raw: &[u8]) -> Report {
    extract_at(spec, raw, 0)
}

fn extract_at(spec: &Spec, raw: &[u8], depth: usize) -> Report {
    let raw = message::normalize(raw);
    let Some(mut view) = message::view(&raw) else {
        return Report::not_bounce("no email headers");
    };
    let text = std::mem::take(&mut view.text);
    let headers = std::mem::take(&mut view.headers);
    let mut report = Report {
        kind: EmailKind::Bounce,
        bounces: Vec::new(),
        note: None,
        subject: std::mem::take(&mut view.subject),
        text: String::new(),
        folded_text: std::sync::OnceLock::new(),
        from: fold(headers.header("from").unwrap_or_default()),
        headers,
    };
    let header = |name: &str| report.headers.header(name);
    // Folded once (or on first use), for the signs of every kind of email.
    let signs = refine::Signs::new(spec, &report.subject, &report.from, &text, &report.headers);
    let hit = |kind: EmailKind| signs.hit(kind);
    let complaint_signs = hit(EmailKind::Feedback);
    if let Some(bounces) =
        arf::read(&view, &text, &report.subject, header("from"), complaint_signs, &spec.feedback_recipient_headers)
    {
        report.kind = EmailKind::Feedback;
        report.bounces = bounces;
        let folded = signs.into_folded_text();
        return report.with_text(text, folded);
    }
    if let Some(found) = json_body(spec, &text) {
        report.kind = found.0;
        report.bounces = found.1;
        let folded = signs.into_folded_text();
        return report.with_text(text, folded);
    }
    let mut failed: Vec<String> =
        header("x-failed-recipients").map(|h| address::find_all(h).map(|(_, _, a)| a).collect()).unwrap_or_default();
    let mut known = generic::Known { senders: std::mem::take(&mut view.to), failed: &failed };
    if let Some(o) = &view.original {
        known.senders.extend(o.from.iter().cloned());
        for h in ["return-path", "sender"] {
            known.senders.extend(o.first_address(h));
        }
    }
    let mut tr = generic::read(spec, &text, &mut known);
    let mut dsn = Dsn::default();
    for part in &view.dsn {
        let d = dsn::parse(part);
        dsn.reporting_mta = dsn.reporting_mta.or(d.reporting_mta);
        if dsn.recipients.is_empty() {
            dsn.recipients = d.recipients;
        } else {
            dsn.recipients.extend(d.recipients);
        }
    }
    // The section's lines hold no line feed: the test reads them as they
    // are, and only a section with a recipient field is joined.
    if dsn.recipients.is_empty() && tr.section.iter().any(|l| dsn::is_recipient_field(l)) {
        dsn = dsn::parse(&tr.section.join("\n"));
    }
    let mut bounces = Vec::new();
    if !dsn.recipients.is_empty() {
        bounces.reserve(dsn.recipients.len());
        for r in dsn.recipients {
            bounces.push(assemble::from_dsn(spec, &tr, r, dsn.reporting_mta.as_deref()));
        }
    } else if !tr.recipients.is_empty()
        && text_is_bounce(&tr, header("x-failed-recipients").is_some(), hit(EmailKind::Bounce))
    {
        // The text's recipients are read no further: moved, not copied.
        let recipients = std::mem::take(&mut tr.recipients);
        bounces.reserve(recipients.len());
        for t in recipients {
            let mut b = Bounce { recipient: Some(t.recipient), diagnostic: t.diagnostic, ..Bounce::default() };
            assemble::details_from_text(spec, &mut b, &t.block);
            bounces.push(b);
        }
    } else {
        if depth < MAX_FORWARD_DEPTH {
            // A bounce forwarded as an attachment, quoted inline, or embedded
            // after the notice's own text.
            let unquoted = unquote(&text);
            let inline = [tr.rest(), unquoted.as_str()];
            let candidates =
                view.attached.iter().map(|a| &**a).chain(
                    inline.iter().filter(|t| crate::input::email::looks_like(t.as_bytes())).map(|t| t.as_bytes()),
                );
            for candidate in candidates {
                let inner = extract_at(spec, candidate, depth + 1);
                if matches!(inner.kind, EmailKind::Bounce | EmailKind::Feedback) {
                    return inner;
                }
            }
        }
        let is_bounce = !failed.is_empty() || hit(EmailKind::Bounce) || !view.dsn.is_empty();
        if is_bounce {
            let whole = tr.whole(spec);
            let block = tr.section.join("\n");
            // Read no further on: taken, not copied.
            let mut recipients = std::mem::take(&mut failed);
            if recipients.is_empty() {
                let quoted = || (!tr.rest().trim().is_empty()).then(|| message::original_from_text(tr.rest()));
                recipients =
                    view.original.as_ref().map(|o| o.to()).or_else(|| quoted().map(|o| o.to())).unwrap_or_default();
            }
            if recipients.is_empty() {
                recipients.push(String::new());
            }
            for r in recipients {
                let mut b = Bounce {
                    recipient: (!r.is_empty()).then_some(r),
                    diagnostic: whole.to_string(),
                    ..Bounce::default()
                };
                assemble::details_from_text(spec, &mut b, &block);
                bounces.push(b);
            }
        }
    }
    if bounces.is_empty() {
        if hit(EmailKind::AutoReply) {
            report.kind = EmailKind::AutoReply;
            let recipient = header("from").and_then(address::first);
            let mut diagnostic = first_lines(&text, 400);
            if diagnostic.is_empty() {
                diagnostic = report.subject.trim().to_string();
            }
            report.bounces.push(Bounce { recipient, diagnostic, ..Bounce::default() });
            let folded = signs.into_folded_text();
            return report.with_text(text, folded);
        }
        let mut r = Report::not_bounce(
            "no delivery status report, no failed recipient, and no sign of a bounce, complaint or auto-reply",
        );
        r.subject = report.subject;
        return r;
    }
    report.bounces = bounces;
    let folded = signs.into_folded_text();
    report.with_text(text, folded)
}

/// The first quoted message in `text` (`> From: ...` lines) with one level
/// of quoting removed; empty when there is none.
fn unquote(text: &str) -> String {
    let is_header = |l: &str| {
        let l = l.trim_start_matches('>').trim_start();
        ["from:", "to:", "subject:", "date:", "return-path:", "received:"]
            .iter()
            .any(|h| l.to_ascii_lowercase().starts_with(h))
    };
    let mut lines = text.lines().skip_while(|l| !(l.starts_with('>') && is_header(l))).peekable();
    let mut out = String::new();
    while let Some(l) = lines.next_if(|l| l.starts_with('>') || l.trim().is_empty()) {
        let l = l.strip_prefix('>').unwrap_or(l);
        out.push_str(l.strip_prefix(' ').unwrap_or(l));
        out.push('\n');
    }
    out
}

/// A notification written as a JSON document in the body.
fn json_body(spec: &Spec, text: &str) -> Option<(EmailKind, Vec<Bounce>)> {
    let t = text.trim();
    if spec.json.is_empty() || !t.starts_with('{') {
        return None;
    }
    let end = t.rfind('}')?;
    let doc = &t[..=end];
    // Long lines may have been broken by an MTA (Sendmail's `!` + newline +
    // space at 990 bytes) or wrapped: undo both before giving up.
    let value: serde_json::Value = serde_json::from_str(doc)
        .or_else(|_| serde_json::from_str(&doc.replace("!\n ", "")))
        .or_else(|_| serde_json::from_str(&doc.replace(['\r', '\n'], "")))
        .ok()?;
    notify::read(&spec.json, &value)
}

/// Reads a JSON notification (one line of a JSON-lines export, say) with
/// the `[[extract.json]]` rules of `spec`; `None` when no rule matches it.
pub fn notification(spec: &Spec, value: &serde_json::Value) -> Option<Report> {
    let (kind, bounces) = notify::read(&spec.json, value)?;
    Some(Report { kind, bounces, ..Report::not_bounce("") }).map(|mut r| {
        r.note = None;
        r
    })
}

/// Whether the recipients the text names make a bounce: the email shows
/// the signs of one, or a recipient line says delivery failed, or a
/// recipient's text carries an SMTP code. (An address alone on a line of an
/// ordinary message is not a failed recipient.)
fn text_is_bounce(tr: &generic::TextReport, failed_header: bool, signs: bool) -> bool {
    signs || failed_header || tr.recipients.iter().any(|t| t.strong || generic::has_code(&t.diagnostic))
}

/// Whitespace folded, for literal matching.
/// `s` with every run of ASCII whitespace made one space and the ends
/// trimmed (as [`crate::fold::fold_into`]), copied as it is when already so.
fn fold(s: &str) -> String {
    if !crate::fold::needs_folding(s.as_bytes()) {
        return s.to_string();
    }
    let mut out = Vec::new();
    crate::fold::fold_into(s.as_bytes(), &mut out);
    // Only ASCII whitespace was taken out, so the text is still UTF-8.
    mime::utf8_lossy_owned(out)
}

/// The values of every field `name:` (lowercase) in `text`, one per line.
pub(crate) fn fields(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// The first non-empty lines of `text`, folded into one line of at most
/// `max` bytes (cut at a character boundary).
pub(crate) fn first_lines(text: &str, max: usize) -> String {
    let mut out = fold(text);
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_whitespace_runs_and_keeps_text() {
        for (s, folded) in [
            ("", ""),
            ("  ", ""),
            ("plain text", "plain text"),
            (" a\t\tb\r\n c ", "a b c"),
            ("x\u{b}y\u{c}z", "x y z"),
            ("é  ü\n\n", "é ü"),
            ("\nline one\n  line two  ", "line one line two"),
        ] {
            assert_eq!(super::fold(s), folded, "{s:?}");
        }
    }
}
