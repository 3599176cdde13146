//! MTA log lines that record a failed delivery: Postfix (`to=<...>, ...,
//! dsn=5.1.1, status=bounced (host ... said: ...)`), the same text as CRM
//! exports carry it (`bounce_fm: ... said: 552 5.2.2 ...`), and Exim's main
//! log (`** rcpt ... : SMTP error from remote mail server after ...`).
//! Lines that record no failure (connections, deliveries) are skipped.

/// A failed (or deferred) delivery read from one log line; every field
/// borrows from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogBounce<'a> {
    /// The recipient, when the line names it.
    pub recipient: Option<&'a str>,
    /// `failed` (bounced, expired) or `delayed` (deferred).
    pub action: &'static str,
    /// The enhanced status code the MTA logged (`dsn=`).
    pub status: Option<&'a str>,
    /// The relay or host that answered.
    pub remote_mta: Option<&'a str>,
    /// What the remote side (or the MTA) said.
    pub diagnostic: &'a str,
}

/// Whether a line is a log line this module reads.
pub fn is_log_line(line: &[u8]) -> bool {
    let has = |n: &[u8]| memchr::memmem::find(line, n).is_some();
    has(b"status=bounced") || has(b"status=deferred") || has(b"status=expired") || has(b"bounce_fm:") || exim_marker(line).is_some()
}

fn exim_marker(line: &[u8]) -> Option<usize> {
    // `2024-01-01 00:00:00 1abcDE-000123-AB ** rcpt ...`: the marker follows the message id.
    for marker in [&b" ** "[..], b" == "] {
        if let Some(i) = memchr::memmem::find(line, marker) {
            let before = &line[..i];
            let id = before.rsplit(|&b| b == b' ').next().unwrap_or(b"");
            if id.len() >= 16 && id.iter().filter(|&&b| b == b'-').count() == 2 {
                return Some(i);
            }
        }
    }
    None
}

/// The value of `key=` in a Postfix line, up to `,` or a space.
fn postfix_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let at = line.find(&format!(" {key}=")).map(|i| i + 1).or_else(|| line.strip_prefix(key).map(|_| 0))?;
    let value = &line[at + key.len() + 1..];
    let end = value.find([',', ' ']).unwrap_or(value.len());
    let v = value[..end].trim_matches(['<', '>']);
    (!v.is_empty()).then_some(v)
}

/// The text inside the parentheses that start at byte `open`, parentheses
/// nested; up to the end of the line when they are not closed.
fn parenthesised(line: &str, open: usize) -> &str {
    let mut depth = 0usize;
    for (i, c) in line[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &line[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    &line[open + 1..]
}

/// Reads one log line; `None` when it records no failure.
///
/// ```
/// use rebound::input::log::parse;
/// let b = parse("Jan  1 00:00:00 mx postfix/smtp[7]: 3F2A: to=<bob@example.net>, relay=mx.example.net[192.0.2.1]:25, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))").unwrap();
/// assert_eq!(b.recipient, Some("bob@example.net"));
/// assert_eq!(b.status, Some("5.1.1"));
/// assert_eq!(b.diagnostic, "host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)");
/// ```
pub fn parse(line: &str) -> Option<LogBounce<'_>> {
    for (word, action) in [("status=bounced", "failed"), ("status=expired", "failed"), ("status=deferred", "delayed")] {
        if let Some(at) = line.find(word) {
            let rest = &line[at + word.len()..];
            let diagnostic = match rest.find('(') {
                Some(open) => parenthesised(rest, open).trim(),
                None => rest.trim_start_matches([',', ' ']).trim(),
            };
            let relay = postfix_field(line, "relay").filter(|r| *r != "none");
            let remote_mta = relay.map(|r| r.split(['[', ':']).next().unwrap_or(r));
            return Some(LogBounce {
                recipient: postfix_field(line, "to"),
                action,
                status: postfix_field(line, "dsn"),
                remote_mta,
                diagnostic,
            });
        }
    }
    if let Some(at) = line.find("bounce_fm:") {
        let diagnostic = line[at + "bounce_fm:".len()..].trim();
        return Some(LogBounce { recipient: None, action: "failed", status: None, remote_mta: None, diagnostic });
    }
    let marker = exim_marker(line.as_bytes())?;
    let action = if &line[marker..marker + 4] == " ** " { "failed" } else { "delayed" };
    let rest = &line[marker + 4..];
    let recipient = rest.split([' ', ':']).next().filter(|r| r.contains('@'));
    let host = rest.find(" H=").map(|i| &rest[i + 3..]);
    let remote_mta = host.and_then(|h| h.split([' ', '[', ':']).next()).filter(|h| !h.is_empty());
    let diagnostic = if let Some(i) = rest.find("SMTP error") {
        &rest[i..]
    } else if let Some(h) = host {
        h.find("]: ").map_or(h, |i| &h[i + 3..])
    } else {
        rest.find(": ").map_or(rest, |i| &rest[i + 2..])
    };
    Some(LogBounce { recipient, action, status: None, remote_mta, diagnostic: diagnostic.trim() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_postfix_deferrals_and_crm_exports() {
        let b = parse("postfix/smtp[1]: A: to=<c@example.org>, orig_to=<x@example.org>, relay=none, delay=3, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection timed out)").unwrap();
        assert_eq!(b.action, "delayed");
        assert_eq!(b.recipient, Some("c@example.org"));
        assert_eq!(b.remote_mta, None);
        assert_eq!(b.diagnostic, "connect to mx.example.org[192.0.2.9]:25: Connection timed out");
        let b = parse("bounce_fm: {mta_relay} host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)").unwrap();
        assert_eq!(b.diagnostic, "{mta_relay} host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)");
    }

    #[test]
    fn reads_exim_main_log() {
        let line = "2024-02-01 10:00:00 1rVabc-000Xyz-1A ** bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.7]: SMTP error from remote mail server after RCPT TO:<bob@example.net>: 550 5.1.1 User unknown";
        assert!(is_log_line(line.as_bytes()));
        let b = parse(line).unwrap();
        assert_eq!(b.recipient, Some("bob@example.net"));
        assert_eq!(b.remote_mta, Some("mx.example.net"));
        assert_eq!(b.diagnostic, "SMTP error from remote mail server after RCPT TO:<bob@example.net>: 550 5.1.1 User unknown");
        let b = parse("2024-02-01 10:00:00 1rVabc-000Xyz-1A ** carol@example.net: Unrouteable address").unwrap();
        assert_eq!(b.recipient, Some("carol@example.net"));
        assert_eq!(b.diagnostic, "Unrouteable address");
    }

    #[test]
    fn skips_lines_without_failures() {
        assert!(parse("postfix/smtp[1]: A: to=<c@example.org>, status=sent (250 ok)").is_none());
        assert!(!is_log_line(b"2024-02-01 10:00:00 1rVabc-000Xyz-1A => bob@example.net R=x"));
    }
}
