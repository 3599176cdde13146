//! Spam complaints: RFC 5965 feedback reports (ARF), and the complaint
//! formats of providers that send none (signs in `[[extract.feedback]]`).
//! Each complaining recipient becomes one record with reason `feedback`.

use super::address;
use super::message::View;
use super::{fields, first_lines, Bounce};

/// The complaints in an email that is a feedback report (`is_report`) or
/// shows the signs of a complaint (`signs`); `None` otherwise. `text` is
/// the view's text, `subject` its subject and `from` its `From` header,
/// all taken out of it.
pub(crate) fn read(
    view: &View,
    text: &str,
    subject: &str,
    from: Option<&str>,
    signs: bool,
    recipient_headers: &[String],
) -> Option<Vec<Bounce>> {
    let is_report = !view.feedback.is_empty() || view.report_type == "feedback-report";
    if !is_report && !signs {
        return None;
    }
    let report = view.feedback.join("\n");
    let feedback_type = fields(&report, "feedback-type").into_iter().next();
    let mut recipients: Vec<String> = fields(&report, "original-rcpt-to")
        .iter()
        .chain(fields(&report, "removal-recipient").iter())
        .filter_map(|v| address::first(v))
        .collect();
    if recipients.is_empty() {
        if let Some(o) = &view.original {
            recipients.extend(recipient_headers.iter().filter_map(|h| o.first_address(h)));
        }
    }
    if recipients.is_empty() {
        if let Some(o) = &view.original {
            recipients.extend(o.to());
        }
    }
    if recipients.is_empty() && !is_report {
        // A complaint sent by the complaining mailbox itself.
        recipients.extend(from.and_then(address::first));
    }
    let mut diagnostic = first_lines(text, 400);
    if diagnostic.is_empty() {
        diagnostic = subject.trim().to_string();
    }
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for r in recipients {
        if seen.iter().any(|s| address::same(s, &r)) {
            continue;
        }
        seen.push(r.clone());
        out.push(Bounce {
            recipient: Some(r),
            diagnostic: diagnostic.clone(),
            feedback_type: feedback_type.clone(),
            ..Bounce::default()
        });
    }
    if out.is_empty() {
        out.push(Bounce { diagnostic, feedback_type, ..Bounce::default() });
    }
    Some(out)
}
