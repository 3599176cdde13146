//! Writing answers: JSON lines (hand-written, no allocation per record), a
//! readable table for terminals, and TSV.

use std::io::{self, Write};

use clap::ValueEnum;

use crate::Classification;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table on a terminal, JSON lines otherwise.
    Auto,
    /// One JSON object per answer.
    Json,
    /// A readable table.
    Table,
    /// Tab-separated values with a header line.
    Tsv,
}

impl Format {
    /// `Auto` settled by whether stdout is a terminal.
    pub fn resolve(self) -> Format {
        use std::io::IsTerminal;
        match self {
            Format::Auto if io::stdout().is_terminal() => Format::Table,
            Format::Auto => Format::Json,
            f => f,
        }
    }
}

/// Where a record came from, beyond the reply text: set by email and log
/// inputs, empty for plain reply lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The input file as named on the command line, `-` for stdin.
    pub file: Option<&'a str>,
    /// The recipient the bounce is about.
    pub recipient: Option<&'a str>,
    /// The DSN action (`failed`, `delayed`, ...).
    pub action: Option<&'a str>,
    /// The DSN status field as written.
    pub status: Option<&'a str>,
    /// The remote MTA that answered.
    pub remote_mta: Option<&'a str>,
    /// The SMTP command the failure answered (`RCPT`, `DATA`, ...).
    pub command: Option<&'a str>,
    /// What the email is (`bounce`, `feedback`, `auto_reply`), for emails.
    pub email_kind: Option<&'a str>,
    /// The number of the message within an mbox file (1-based).
    pub message: Option<usize>,
    /// The email-level rule that decided the reason (path, line), when one did.
    pub evidence_rule: Option<(&'a str, u32)>,
}

/// Appends `s` to `out` as a JSON string (invalid UTF-8 replaced).
pub fn json_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    json_str_body(out, s);
    out.push(b'"');
}

/// Appends `s` escaped for a JSON string, without the quotes.
fn json_str_body(out: &mut Vec<u8>, s: &[u8]) {
    if is_plain_ascii(s) {
        out.extend_from_slice(s);
    } else {
        escape_slow(out, s);
    }
}

/// Whether every byte is printable ASCII other than `"` and `\`, so the
/// bytes can be copied into a JSON string as they are. Eight bytes at a time.
fn is_plain_ascii(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Bytes >= 0x80, bytes < 0x20, and bytes equal to '"' or '\\'.
        let bad = (x & HIGH)
            | (x.wrapping_sub(0x20 * ONES) & !x & HIGH)
            | has_zero(x ^ (0x22 * ONES))
            | has_zero(x ^ (0x5c * ONES));
        if bad != 0 {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| (0x20..0x80).contains(&b) && b != b'"' && b != b'\\')
}

fn escape_slow(out: &mut Vec<u8>, s: &[u8]) {
    let s = String::from_utf8_lossy(s);
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(b"0123456789abcdef"[usize::from(b >> 4)]);
            out.push(b"0123456789abcdef"[usize::from(b & 15)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn field_str(out: &mut Vec<u8>, name: &str, value: Option<&[u8]>) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    match value {
        Some(v) => json_str(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends one answer as a JSON object and a newline.
pub fn json_record(out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8], c: &Classification<'_>) {
    let mut num = itoa::Buffer::new();
    // One growth check for the usual record instead of one per field.
    out.reserve(text.len() + 256);
    out.extend_from_slice(b"{\"reason\":");
    json_str(out, c.reason.name.as_bytes());
    field_str(out, "category", Some(c.category.as_bytes()));
    out.extend_from_slice(b",\"category_code\":");
    match c.category_code {
        Some(code) => out.extend_from_slice(num.format(code).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    field_str(out, "kind", Some(c.kind.as_str().as_bytes()));
    out.extend_from_slice(if c.retry { b",\"retry\":true" } else { b",\"retry\":false" });
    out.extend_from_slice(if c.suppress { b",\"suppress\":true" } else { b",\"suppress\":false" });
    out.extend_from_slice(b",\"enhanced_code\":");
    match c.enhanced_code {
        Some(code) => {
            out.push(b'"');
            out.extend_from_slice(num.format(code.class).as_bytes());
            out.push(b'.');
            out.extend_from_slice(num.format(code.subject).as_bytes());
            out.push(b'.');
            out.extend_from_slice(num.format(code.detail).as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"reply_code\":");
    match c.reply_code {
        Some(code) => out.extend_from_slice(num.format(code).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"rule\":");
    match ctx.evidence_rule.or_else(|| c.rule_path_line()) {
        Some((path, line)) => {
            out.push(b'"');
            json_str_body(out, path.as_bytes());
            out.push(b':');
            out.extend_from_slice(num.format(line).as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    if let Some(file) = ctx.file {
        field_str(out, "file", Some(file.as_bytes()));
        field_str(out, "recipient", ctx.recipient.map(str::as_bytes));
        field_str(out, "action", ctx.action.map(str::as_bytes));
        field_str(out, "status", ctx.status.map(str::as_bytes));
        field_str(out, "remote_mta", ctx.remote_mta.map(str::as_bytes));
        if ctx.email_kind.is_some() {
            field_str(out, "command", ctx.command.map(str::as_bytes));
            field_str(out, "email", ctx.email_kind.map(str::as_bytes));
        }
        if let Some(n) = ctx.message {
            out.extend_from_slice(b",\"message\":");
            out.extend_from_slice(num.format(n).as_bytes());
        }
    }
    field_str(out, "diagnostic", Some(text));
    out.extend_from_slice(b"}\n");
}

/// Appends one answer as a TSV line.
pub fn tsv_record(out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8], c: &Classification<'_>) {
    let clean = |s: &[u8]| -> String { String::from_utf8_lossy(s).replace(['\t', '\n', '\r'], " ") };
    let cols = [
        ctx.file.unwrap_or("").to_string(),
        ctx.recipient.unwrap_or("").to_string(),
        c.reason.name.clone(),
        c.category.to_string(),
        c.kind.as_str().to_string(),
        c.enhanced_code.map(|e| e.to_string()).unwrap_or_default(),
        c.reply_code.map(|r| r.to_string()).unwrap_or_default(),
        ctx.evidence_rule.map(|(p, l)| format!("{p}:{l}")).or_else(|| c.rule_location()).unwrap_or_default(),
        clean(text),
    ];
    out.extend_from_slice(cols.join("\t").as_bytes());
    out.push(b'\n');
}

/// The TSV header line.
pub const TSV_HEADER: &str = "file\trecipient\treason\tcategory\tkind\tenhanced_code\treply_code\trule\tdiagnostic\n";

/// Appends one answer as a table row (widths fixed, text cut to fit).
pub fn table_record(out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8], c: &Classification<'_>) {
    let code = match (c.reply_code, c.enhanced_code) {
        (Some(r), Some(e)) => format!("{r} {e}"),
        (Some(r), None) => r.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => "-".into(),
    };
    let text = String::from_utf8_lossy(text);
    let mut shown: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        shown.push('…');
    }
    let who = ctx.recipient.map(|r| format!("{r}  ")).unwrap_or_default();
    let _ = writeln!(out, "{:<18} {:<24} {:<12} {:<11} {who}{shown}", c.reason.name, c.category, c.kind.as_str(), code);
}

/// The table header.
pub fn table_header() -> String {
    format!("{:<18} {:<24} {:<12} {:<11} {}\n", "REASON", "CATEGORY", "KIND", "CODE", "REPLY")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_json_strings() {
        let mut out = Vec::new();
        json_str(&mut out, b"a\"b\\c\nd\x01e\xff");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\nd\\u0001e\u{fffd}\"");
    }

    #[test]
    fn json_records_carry_the_category_code_of_the_profile() {
        let engine = crate::Engine::embedded().unwrap().with_profile("sparkpost").unwrap();
        let text = b"host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)";
        let c = engine.classify_bytes(text, crate::Hints::default());
        let mut out = Vec::new();
        json_record(&mut out, &Context::default(), text, &c);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["category"], "Mailbox Full");
        assert_eq!(v["category_code"], 22);
        assert_eq!(v["kind"], "soft");
        assert_eq!(v["suppress"], false);
        let mixpanel = engine.with_profile("mixpanel").unwrap();
        let c = mixpanel.classify_bytes(text, crate::Hints::default());
        out.clear();
        json_record(&mut out, &Context::default(), text, &c);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["category"], "quota-issues");
        assert!(v["category_code"].is_null());
    }

    proptest::proptest! {
        #[test]
        fn json_strings_round_trip(s in "\\PC*", bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            for input in [s.as_bytes(), &bytes[..]] {
                let mut out = Vec::new();
                json_str(&mut out, input);
                let back: String = serde_json::from_slice(&out).unwrap();
                proptest::prop_assert_eq!(back, String::from_utf8_lossy(input).into_owned());
            }
        }
    }
}
