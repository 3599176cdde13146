//! Writing answers: JSON lines (hand-written, no allocation per record), a
//! readable table for terminals, and TSV.

use std::io::{self, Write};

use clap::ValueEnum;

use crate::Classification;

mod json;

pub use json::{json_record, json_str, JsonWriter};

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

impl<'a> Context<'a> {
    /// The context of one recipient's answer from an email (or a
    /// notification) `report`, read from `file` (message `message` of an
    /// mbox file).
    pub fn of_answer(
        engine: &'a crate::Engine,
        file: &'a str,
        message: Option<usize>,
        report: &'a crate::extract::Report,
        a: &crate::extract::Answer<'a, '_>,
    ) -> Context<'a> {
        let b = a.bounce;
        let files = &engine.rules().files;
        Context {
            file: Some(file),
            recipient: b.recipient.as_deref(),
            action: b.action.as_deref(),
            status: b.status.as_deref(),
            remote_mta: b.remote_mta.as_deref(),
            command: b.command.as_deref(),
            email_kind: Some(report.kind.as_str()),
            message,
            evidence_rule: a.evidence.map(|o| (files[o.file as usize].path.as_str(), o.line)),
        }
    }
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
