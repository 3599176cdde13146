//! Bounces assembled from what the email says in its parts: a DSN
//! recipient group completed from the text written for people, and the
//! command, remote host and status the text names.

use std::borrow::Cow;

use super::spec::TextBytes;
use super::{address, Bounce};
use super::{generic, DsnRecipient, Spec};
use crate::code::find_enhanced;

mod reply_core;

use reply_core::core_contains;

/// A bounce from a DSN recipient group (its fields moved into the bounce),
/// completed from the text.
pub(super) fn from_dsn(spec: &Spec, tr: &generic::TextReport, r: DsnRecipient, reporting: Option<&str>) -> Bounce {
    let text = [r.final_recipient.as_deref(), r.original_recipient.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|a| tr.for_recipient(a))
        .or_else(|| if tr.recipients.len() == 1 { tr.recipients.first() } else { None });
    // Without a Diagnostic-Code, a comment on the Status field says what happened.
    let dsn_diag =
        super::reply::join_inline(r.diagnostic.as_deref().or(r.status_comment.as_deref()).unwrap_or_default());
    let mut text_diag = Cow::Borrowed(text.map_or("", |t| t.diagnostic.as_str()));
    if text.is_none() && !informative(&dsn_diag) && tr.recipients.is_empty() {
        // The notice names no recipient, but says what went wrong.
        text_diag = Cow::Borrowed(tr.whole(spec));
    }
    let diagnostic = choose_diagnostic(dsn_diag, text_diag).unwrap_or_else(|| tr.whole(spec).to_string());
    // The original recipient is kept when it differs from the final one,
    // and stands for it when there is none.
    let (recipient, original) = match (r.final_recipient, r.original_recipient) {
        (Some(f), Some(o)) if address::same(&f, &o) => (Some(f), None),
        (Some(f), o) => (Some(f), o),
        (None, o) => (o, None),
    };
    let mut b = Bounce {
        recipient,
        original_recipient: original,
        action: r.action,
        status: r.status,
        diagnostic,
        diagnostic_type: r.diagnostic_type,
        remote_mta: r.remote_mta,
        reporting_mta: reporting.map(str::to_string),
        last_attempt: r.last_attempt,
        ..Bounce::default()
    };
    let block = text.map(|t| t.block.as_str()).unwrap_or_default();
    // `diagnostic \n block`, in one allocation of its size.
    let mut joined = String::with_capacity(b.diagnostic.len() + 1 + block.len());
    joined.push_str(&b.diagnostic);
    joined.push('\n');
    joined.push_str(block);
    details_from_text(spec, &mut b, &joined);
    b
}

/// The diagnostic of a DSN recipient: the `Diagnostic-Code`, unless the
/// text says the same at more length (Postfix adds the host and the
/// command, Exchange the server that answered) or the code says nothing.
/// (Only the one chosen is copied.)
fn choose_diagnostic(dsn: Cow<'_, str>, text: Cow<'_, str>) -> Option<String> {
    match (dsn.is_empty(), text.is_empty()) {
        (true, true) => None,
        (true, false) => Some(text.into_owned()),
        (false, true) => Some(dsn.into_owned()),
        (false, false) if !informative(&dsn) || core_contains(&text, &dsn) => Some(text.into_owned()),
        (false, false) => Some(dsn.into_owned()),
    }
}

/// Whether a diagnostic says something in words (not just `255`).
pub(super) fn informative(diagnostic: &str) -> bool {
    diagnostic.chars().filter(|c| c.is_alphabetic()).take(4).count() >= 4
}

/// Fills the command, the remote MTA and the status from `block` where the
/// bounce does not know them yet.
pub(super) fn details_from_text(spec: &Spec, b: &mut Bounce, block: &str) {
    let mut bytes = TextBytes::new(block);
    // Whether pattern `k` of a list may match the block, by the needles it
    // holds (one pass over the block for the whole list).
    let may = |m: Option<u128>, k: usize| m.is_none_or(|m| k >= 128 || m & (1 << k) != 0);
    if b.command.is_none() {
        let m = spec.needles.command.may_match(block.as_bytes());
        b.command = spec.command.iter().enumerate().filter(|&(k, _)| may(m, k)).find_map(|(_, p)| {
            let c = p.captures_in(&mut bytes)?;
            match (&p.value, c.name("command")) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(m)) => Some(normalize_command(m.as_str())),
                (None, None) => None,
            }
        });
    }
    if b.remote_mta.is_none() {
        let m = spec.needles.remote_mta.may_match(block.as_bytes());
        b.remote_mta =
            spec.remote_mta.iter().enumerate().filter(|&(k, _)| may(m, k)).find_map(|(_, p)| {
                p.captures_in(&mut bytes).and_then(|c| c.name("host")).map(|m| m.as_str().to_string())
            });
    }
    if b.status.is_none() {
        b.status = find_enhanced(b.diagnostic.as_bytes()).map(|(_, _, c)| c.to_string());
    }
}

/// `RCPT TO` → `RCPT`, `end of DATA` → `DATA`, `ehlo` → `EHLO`.
fn normalize_command(s: &str) -> String {
    let up = s.to_ascii_uppercase();
    for c in ["RCPT", "MAIL", "DATA", "EHLO", "HELO", "STARTTLS", "AUTH", "QUIT", "RSET", "BDAT", "CONNECT"] {
        if up.contains(c) {
            return c.to_string();
        }
    }
    up.split_whitespace().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_longer_wording_of_one_reply() {
        let dsn = "550 5.1.1 User unknown".to_string();
        let text = "host mx.example.org said: 550 5.1.1 user UNKNOWN (in reply to RCPT TO)".to_string();
        assert_eq!(choose_diagnostic(Cow::Borrowed(&dsn), Cow::Borrowed(&text)), Some(text));
        assert_eq!(choose_diagnostic(Cow::Borrowed(&dsn), "other words".into()), Some(dsn));
        assert!(informative("abcd") && !informative("255 5.0.0"));
    }
}
