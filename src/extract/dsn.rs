//! RFC 3464 delivery status notifications: the per-message and per-recipient
//! fields of a `message/delivery-status` part, or the same fields written
//! into a plain-text body by MTAs that imitate the format.
//!
//! Parsing is forgiving: continuation lines are unfolded, groups may or may
//! not be separated by blank lines, and a new recipient starts whenever a
//! recipient field repeats.

use std::borrow::Cow;

use super::address;

/// One recipient group of a delivery status notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsnRecipient {
    /// `Final-Recipient`, cleaned to a bare address.
    pub final_recipient: Option<String>,
    /// `Original-Recipient`, cleaned to a bare address.
    pub original_recipient: Option<String>,
    /// `Action` (`failed`, `delayed`, `delivered`, `relayed`, `expanded`), lowercased.
    pub action: Option<String>,
    /// `Status` as written (`5.1.1`).
    pub status: Option<String>,
    /// A comment after the status code (`4.0.0 (host name lookup failure)`).
    pub status_comment: Option<String>,
    /// `Diagnostic-Code` text, without its type.
    pub diagnostic: Option<String>,
    /// The type of `Diagnostic-Code` (`smtp`, `x-unix`, ...), lowercased.
    pub diagnostic_type: Option<String>,
    /// `Remote-MTA`, without its type.
    pub remote_mta: Option<String>,
    /// `Last-Attempt-Date` as written.
    pub last_attempt: Option<String>,
}

/// A parsed delivery status notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dsn {
    /// `Reporting-MTA`, without its type.
    pub reporting_mta: Option<String>,
    /// The recipient groups, in order.
    pub recipients: Vec<DsnRecipient>,
}

/// The field names this module reads, lowercased; a line starting with one of
/// these followed by `:` is a DSN field.
const FIELDS: &[&str] = &[
    "reporting-mta",
    "received-from-mta",
    "arrival-date",
    "final-recipient",
    "original-recipient",
    "x-actual-recipient",
    "action",
    "status",
    "remote-mta",
    "diagnostic-code",
    "last-attempt-date",
    "will-retry-until",
    "final-log-id",
];

/// Whether a byte starts one of the [`FIELDS`] (either case).
const FIRST: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < FIELDS.len() {
        let b = FIELDS[i].as_bytes()[0];
        t[b as usize] = true;
        t[b.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    t
};

/// The field name of a line, lowercased, when it is a DSN field.
pub(crate) fn field_name(line: &str) -> Option<&'static str> {
    // Most lines that are no field are told apart by their first byte.
    if !FIRST[usize::from(*line.as_bytes().first()?)] {
        return None;
    }
    // The longest name is 18 bytes: a colon further on (spaces before it
    // allowed) ends no field name, so long lines are not scanned to the end.
    let head = &line.as_bytes()[..line.len().min(40)];
    let colon = memchr::memchr(b':', head)?;
    let name = line[..colon].trim_end();
    if !(5..=18).contains(&name.len()) {
        return None;
    }
    FIELDS.iter().copied().find(|f| f.eq_ignore_ascii_case(name))
}

/// Whether `line` is a recipient field (`Final-Recipient`,
/// `Original-Recipient`).
pub(crate) fn is_recipient_field(line: &str) -> bool {
    matches!(field_name(line.trim_start()), Some("final-recipient" | "original-recipient"))
}

/// The lines of `text` as [`str::lines`] gives them, but for carriage
/// returns before a line feed (which every caller trims): one scan for
/// line feeds over the whole text rather than one search per line.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || match ends.next() {
        Some(end) => {
            let line = &text[start..end];
            start = end + 1;
            Some(line)
        }
        None if start < text.len() => {
            let line = &text[start..];
            start = text.len();
            Some(line)
        }
        None => None,
    })
}

/// `type; value` → (`type`, `value`), trimmed, for typed fields.
fn typed(value: &str) -> (Option<&str>, &str) {
    match value.split_once(';') {
        Some((t, v)) if !t.trim().is_empty() && !t.contains(' ') && t.len() <= 32 => (Some(t.trim()), v.trim()),
        _ => (None, value.trim()),
    }
}

/// A typed value without its type: `smtp; 550 unknown` → `550 unknown`.
pub(crate) fn strip_type(value: &str) -> &str {
    typed(value).1
}

/// `s` trimmed and owned, unless nothing is left.
fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses the text of a delivery status part. Lines that are not DSN fields
/// (and not their continuations) are ignored.
pub fn parse(text: &str) -> Dsn {
    let mut dsn = Dsn::default();
    let mut current: Option<DsnRecipient> = None;
    // Per-recipient fields seen since the current recipient's last address field.
    let mut since_address = 0;
    let mut blank_since_field = false;
    for (name, value) in unfold(text) {
        let Some(name) = name else {
            blank_since_field = true;
            continue;
        };
        let is_address = matches!(name, "final-recipient" | "original-recipient");
        if let Some(r) = &current {
            let has_address = r.final_recipient.is_some() || r.original_recipient.is_some();
            let repeats = match name {
                "final-recipient" => r.final_recipient.is_some(),
                "original-recipient" => {
                    r.original_recipient.is_some() || (r.final_recipient.is_some() && since_address > 0)
                }
                _ => false,
            };
            if repeats || (blank_since_field && is_address && has_address) {
                dsn.recipients.push(current.take().unwrap_or_default());
            }
        }
        blank_since_field = false;
        if current.is_none() {
            match name {
                "reporting-mta" => {
                    dsn.reporting_mta = some(strip_type(&value));
                    continue;
                }
                "final-recipient" | "original-recipient" | "action" | "status" | "diagnostic-code" | "remote-mta"
                | "last-attempt-date" => {}
                _ => continue,
            }
        }
        let r = current.get_or_insert_with(DsnRecipient::default);
        since_address = if is_address { 0 } else { since_address + 1 };
        let address = || address::first(strip_type(&value)).or_else(|| some(strip_type(&value)));
        match name {
            "final-recipient" => r.final_recipient = address(),
            "original-recipient" => r.original_recipient = address(),
            "x-actual-recipient" if r.original_recipient.is_none() && r.final_recipient.is_none() => {
                r.final_recipient = address::first(&value)
            }
            "action" => {
                // The leading letters, lowercased (`failed`, `Failed (permanent)`).
                let a = value.trim();
                r.action = (!a.is_empty()).then(|| {
                    a.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or_default().to_ascii_lowercase()
                })
            }
            "status" => {
                let (code, comment) = value.trim().split_once(char::is_whitespace).unwrap_or((value.trim(), ""));
                r.status = some(code);
                let comment = comment.trim().trim_start_matches('(').trim_end_matches(')');
                r.status_comment = some(comment);
            }
            "diagnostic-code" => {
                let (t, v) = typed(&value);
                if r.diagnostic.is_none() || v.len() > r.diagnostic.as_deref().map_or(0, str::len) {
                    r.diagnostic_type = t.map(str::to_ascii_lowercase);
                    r.diagnostic = some(v);
                }
            }
            "remote-mta" => r.remote_mta = some(strip_type(&value)),
            "last-attempt-date" => r.last_attempt = some(&value),
            "reporting-mta" if dsn.reporting_mta.is_none() => dsn.reporting_mta = some(strip_type(&value)),
            _ => {}
        }
    }
    if let Some(r) = current {
        if r != DsnRecipient::default() {
            dsn.recipients.push(r);
        }
    }
    dsn
}

/// The fields of `text` with continuation lines joined: `(Some(name), value)`
/// per field, `(None, _)` for a blank line. Other lines are skipped. A
/// value is borrowed from `text` unless continuation lines were joined to it.
fn unfold(text: &str) -> Vec<(Option<&'static str>, Cow<'_, str>)> {
    let mut out: Vec<(Option<&'static str>, Cow<'_, str>)> = Vec::with_capacity(16);
    let mut in_field = false;
    for line in lines(text) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            out.push((None, Cow::Borrowed("")));
            in_field = false;
            continue;
        }
        if line.starts_with([' ', '\t']) && in_field {
            if let Some((_, v)) = out.last_mut() {
                let v = v.to_mut();
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        match field_name(line.trim_start()) {
            Some(name) => {
                let value = line.split_once(':').map_or("", |(_, v)| v).trim();
                out.push((Some(name), Cow::Borrowed(value)));
                in_field = true;
            }
            None => in_field = false,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field name as first written: no look at the first byte.
    fn field_name_by_colon(line: &str) -> Option<&'static str> {
        let head = &line.as_bytes()[..line.len().min(40)];
        let colon = memchr::memchr(b':', head)?;
        let name = line[..colon].trim_end();
        if !(5..=18).contains(&name.len()) {
            return None;
        }
        FIELDS.iter().copied().find(|f| f.eq_ignore_ascii_case(name))
    }

    proptest::proptest! {
        /// Looking at the first byte first finds the same fields.
        #[test]
        fn field_names_are_found_as_by_the_colon(
            name in proptest::sample::select(vec!["Status", "ACTION", "final-recipient", "Final-Log-ID", "X-Actual-Recipient", "Subject", "reporting-mta ", " status", "will-retry-until", "é", ""]),
            rest in "[: a]{0,4}",
        ) {
            let line = format!("{name}{rest}");
            proptest::prop_assert_eq!(field_name(&line), field_name_by_colon(&line));
        }

        /// Trimmed at the end, the lines are those of `str::lines`.
        #[test]
        fn lines_read_as_str_lines(text in "[a \r\n]{0,12}") {
            let ours: Vec<&str> = lines(&text).map(str::trim_end).collect();
            let std: Vec<&str> = text.lines().map(str::trim_end).collect();
            proptest::prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn parses_groups_and_continuations() {
        let d = parse(
            "Reporting-MTA: dns; mx.example.org\nArrival-Date: Mon, 1 Jan 2024\n\n\
             Final-Recipient: rfc822; bob@example.net\nOriginal-Recipient: rfc822;Bob@Example.net\n\
             Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.net\n\
             Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>:\n    User unknown\n\n\
             Final-Recipient: rfc822; carol@example.net\nAction: delayed\nStatus: 4.2.2 (mailbox full)\n",
        );
        assert_eq!(d.reporting_mta.as_deref(), Some("mx.example.org"));
        assert_eq!(d.recipients.len(), 2);
        let b = &d.recipients[0];
        assert_eq!(b.final_recipient.as_deref(), Some("bob@example.net"));
        assert_eq!(b.original_recipient.as_deref(), Some("Bob@example.net"));
        assert_eq!(b.diagnostic.as_deref(), Some("550 5.1.1 <bob@example.net>: User unknown"));
        assert_eq!(b.diagnostic_type.as_deref(), Some("smtp"));
        assert_eq!(b.remote_mta.as_deref(), Some("mx.example.net"));
        assert_eq!(d.recipients[1].action.as_deref(), Some("delayed"));
        assert_eq!(d.recipients[1].status.as_deref(), Some("4.2.2"));
        assert_eq!(d.recipients[1].status_comment.as_deref(), Some("mailbox full"));
    }

    #[test]
    fn splits_recipients_without_blank_lines() {
        let d = parse(
            "Original-Recipient: rfc822;a@example.com\nFinal-Recipient: rfc822;a@example.com\nAction: failed\n\
             Original-Recipient: rfc822;b@example.com\nFinal-Recipient: rfc822;b@example.com\nAction: failed\n",
        );
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(d.recipients[1].final_recipient.as_deref(), Some("b@example.com"));
    }

    #[test]
    fn keeps_final_and_original_of_one_recipient_together() {
        let d = parse(
            "Final-Recipient: rfc822; r@example.net\nOriginal-Recipient: rfc822;bob@example.org\nAction: failed\n",
        );
        assert_eq!(d.recipients.len(), 1);
        assert_eq!(d.recipients[0].original_recipient.as_deref(), Some("bob@example.org"));
    }

    #[test]
    fn splits_lines_as_str_lines_does() {
        for text in ["", "a", "a\n", "a\n\nb", "a\r\nb\r\n", "\n\n", "a\nb\r", "é\nü\n\n"] {
            let mine: Vec<&str> = lines(text).map(|l| l.trim_end_matches('\r')).collect();
            let std: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
            assert_eq!(mine, std, "{text:?}");
        }
    }

    #[test]
    fn ignores_text_that_is_not_a_field() {
        let d = parse("hello\n  world\nStatus is fine\n");
        assert!(d.recipients.is_empty());
    }
}
