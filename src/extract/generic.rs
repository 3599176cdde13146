//! The one generic reader of bounce texts written for people. It knows no
//! MTA by name: the rule files say where the returned message starts, which
//! lines name a failed recipient, which lines are boilerplate. The reader
//! cuts the text into one block per recipient and makes the block's
//! meaningful lines that recipient's diagnostic.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::address;
use super::dsn;
use super::reply;
use super::spec::{Spec, TextBytes};

pub(super) mod hits;
mod section;

use hits::span_in;

use section::section_end;
#[cfg(test)]
use section::starts_header_block;

/// Longest diagnostic kept, in bytes.
const MAX_DIAGNOSTIC: usize = 2000;

/// A failed recipient found in the text, with the text about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextRecipient {
    /// The address.
    pub recipient: String,
    /// The lines about it, joined with single spaces.
    pub diagnostic: String,
    /// The raw block (recipient line and the lines after it), for command
    /// and remote host patterns.
    pub block: String,
    /// Whether the recipient line itself says that delivery failed.
    pub strong: bool,
}

/// What the generic reader found in a text.
#[derive(Debug, Default)]
pub(crate) struct TextReport<'t> {
    /// The error section: the text before the returned message, with
    /// multi-line SMTP replies joined (the other lines borrowed).
    pub section: Vec<Cow<'t, str>>,
    /// Failed recipients, in the order the text names them.
    pub recipients: Vec<TextRecipient>,
    /// The text from the first line after the error section that holds a
    /// colon (see [`TextReport::rest`]).
    tail: &'t str,
    /// [`TextReport::rest`], once asked.
    rest: OnceCell<String>,
    /// [`TextReport::whole`], once asked.
    whole: OnceCell<String>,
}

impl TextReport<'_> {
    /// The text after the error section, from its first line that holds a
    /// colon: the returned message, when the notice quotes it inline. Its
    /// lines come without trailing blanks, joined by `\n` (written on first
    /// use: most texts are never asked for it).
    pub fn rest(&self) -> &str {
        self.rest.get_or_init(|| {
            let mut rest = String::with_capacity(self.tail.len());
            for line in dsn::lines(self.tail).map(str::trim_end) {
                if !rest.is_empty() {
                    rest.push('\n');
                }
                rest.push_str(line);
            }
            rest
        })
    }

    /// The section's meaningful lines as one diagnostic (for a recipient
    /// known from elsewhere).
    pub fn whole(&self, spec: &Spec) -> &str {
        self.whole.get_or_init(|| diagnostic_of(spec, self.section.iter().map(AsRef::as_ref)))
    }

    /// The diagnostic the text gives for `recipient`, if it names it.
    pub fn for_recipient(&self, recipient: &str) -> Option<&TextRecipient> {
        self.recipients.iter().find(|t| same_lowercased(&t.recipient, recipient))
    }
}

/// Whether two addresses read the same lowercased (`str::to_lowercase`).
/// A handful of recipients at most: a scan beats a map of lowercased keys.
fn same_lowercased(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Addresses a text may name that are not failed recipients.
#[derive(Debug, Default)]
pub(crate) struct Known<'a> {
    /// The sender's addresses (the notice's `To`, the returned message's
    /// `From`, `Return-Path`, `Sender`).
    pub senders: Vec<String>,
    /// `X-Failed-Recipients`, when the notice has it.
    pub failed: &'a [String],
}

/// Reads `text` with the markers and patterns of `spec`. Lines naming a
/// sender's address, or an address `X-Failed-Recipients` does not list when
/// it lists others the text names, do not start a recipient (unless no
/// recipient would be left). When two or more lines name recipients, the
/// senders of the message quoted after the section join `known.senders`.
pub(crate) fn read<'t>(spec: &Spec, text: &'t str, known: &mut Known<'_>) -> TextReport<'t> {
    // Room for lines of 32 bytes on average, so that the list seldom grows.
    let mut lines: Vec<&str> = Vec::with_capacity(text.len() / 32 + 4);
    // Trimmed at the end, the lines read as `str::lines` gives them; split
    // only as far as the section end is looked for (the returned message
    // after it is most of many texts).
    let mut more = dsn::lines(text).map(str::trim_end);
    let end = section_end(spec, &mut lines, &mut more);
    // The text up to the section's end, scanned once for what each of its
    // lines is asked to hold.
    let section_text = lines[..end].last().map_or("", |l| text_upto(text, l));
    let section = reply::join_replies_in(section_text, &lines[..end]);
    // A line without trailing blanks starts where the line of `text` does.
    let tail = lines[end..].iter().copied().chain(more).find(|l| l.contains(':'));
    let tail = tail.and_then(|l| text.get(span_in(text.as_bytes(), l.as_bytes())?.start..)).unwrap_or("");
    let mut report =
        TextReport { recipients: Vec::new(), section, tail, rest: OnceCell::new(), whole: OnceCell::new() };
    let mut starts: Vec<Start> = Vec::new();
    // A byte every recipient pattern needs (`@`), looked for in one scan
    // of the section (a line joined from several on its own).
    let needed = spec.recipient_byte();
    let find = |s: &[u8], from: usize| memchr::memchr(needed?, s.get(from..)?).map(|p| from + p);
    let mut holding = hits::LineHits::new(section_text, find);
    for (i, line) in report.section.iter().enumerate() {
        if let Some(b) = needed {
            if !holding.in_line(line, 0).unwrap_or_else(|| memchr::memchr(b, line.as_bytes()).is_some()) {
                continue;
            }
        }
        if let Some(start) = recipient_of(spec, i, line) {
            // The address repeated inside its own block continues the block.
            if let Some(last) = starts.last_mut().filter(|l| address::same(&l.recipient, &start.recipient)) {
                last.strong |= start.strong;
                continue;
            }
            starts.push(start);
        }
    }
    let keep = |starts: &mut Vec<Start>, f: &dyn Fn(&str) -> bool| {
        if starts.iter().any(|s| f(&s.recipient)) && !starts.iter().all(|s| f(&s.recipient)) {
            starts.retain(|s| f(&s.recipient));
        }
    };
    keep(&mut starts, &|r| known.failed.iter().any(|f| address::same(f, r)));
    // Only two or more lines can differ in naming a sender: the quoted
    // message's senders are read then.
    if starts.len() >= 2 && !report.rest().trim().is_empty() {
        let quoted = super::message::original_from_text(report.rest());
        known.senders.extend(quoted.from.clone());
        for h in ["return-path", "sender"] {
            known.senders.extend(quoted.addresses_in(h));
        }
    }
    keep(&mut starts, &|r| !known.senders.iter().any(|s| address::same(s, r)));
    // The lines of each recipient: after its line up to the next recipient
    // line, unless that one claims the lines before it.
    let n = report.section.len();
    let ranges: Vec<(usize, usize)> = (0..starts.len())
        .map(|k| {
            let s = &starts[k];
            let from = if s.before {
                if k == 0 {
                    0
                } else {
                    starts[k - 1].line + 1
                }
            } else {
                s.line + 1
            };
            let to = match starts.get(k + 1) {
                _ if s.before => s.line,
                Some(next) if next.before => s.line + 1,
                Some(next) => next.line,
                None => n,
            };
            (from, to.max(from))
        })
        .collect();
    // The lines before the first recipient, read when a recipient needs them.
    let mut lead: Option<String> = None;
    let mut diagnostics: Vec<String> = Vec::with_capacity(starts.len());
    for (k, s) in starts.iter().enumerate() {
        let (from, to) = ranges[k];
        let lines = report.section[from..to].iter().map(AsRef::as_ref);
        let mut diagnostic = if s.before {
            // Context first, then what the recipient line says.
            let context = report.section[from..s.line].iter().map(AsRef::as_ref);
            diagnostic_of(spec, context.chain(std::iter::once(s.diag.as_str())))
        } else {
            diagnostic_of(spec, std::iter::once(s.diag.as_str()).chain(lines))
        };
        if k == 0 && !s.before && !has_code(&diagnostic) {
            // Some notices give the reply before the address.
            let before = diagnostic_of(spec, report.section[..s.line].iter().map(AsRef::as_ref));
            if has_code(&before) {
                diagnostic = if diagnostic.is_empty() { before } else { format!("{before} {diagnostic}") };
            } else {
                // The first recipient's lines before it are the lead.
                lead = Some(before);
            }
        }
        diagnostics.push(diagnostic);
    }
    // A list of addresses shares the text that follows the list, or else
    // the text before it.
    let adjacent = |starts: &[Start], k: usize| {
        starts
            .get(k + 1)
            .is_some_and(|n| report.section[starts[k].line + 1..n.line].iter().all(|l| l.trim().is_empty()))
    };
    for k in (0..starts.len()).rev() {
        if diagnostics[k].is_empty() && adjacent(&starts, k) {
            diagnostics[k] = diagnostics[k + 1].clone();
        }
    }
    // Whether every recipient line so far follows the previous one directly.
    let mut list_from_start = true;
    // The recipients are moved out of `starts` as they are pushed (only the
    // line numbers of the others are read after).
    for k in 0..starts.len() {
        let s = &starts[k];
        let (line, strong) = (s.line, s.strong);
        let mut diagnostic = std::mem::take(&mut diagnostics[k]);
        if diagnostic.is_empty() && list_from_start {
            let lines = &report.section[..starts.first().map_or(0, |s| s.line)];
            diagnostic = lead.get_or_insert_with(|| diagnostic_of(spec, lines.iter().map(AsRef::as_ref))).clone();
        }
        list_from_start &= adjacent(&starts, k);
        let (from, to) = ranges[k];
        let block = report.section[from.min(line)..to.max(line + 1)].join("\n");
        if let Some(prev) = report.recipients.iter_mut().find(|t| same_lowercased(&t.recipient, &starts[k].recipient)) {
            if prev.diagnostic.is_empty() {
                prev.diagnostic = diagnostic;
                prev.block = block;
            }
            prev.strong |= strong;
            continue;
        }
        let recipient = std::mem::take(&mut starts[k].recipient);
        report.recipients.push(TextRecipient { recipient, diagnostic, block, strong });
    }
    report
}

/// `text` up to the end of `line`, when `line` is a slice of it; else all
/// of `text`.
fn text_upto<'t>(text: &'t str, line: &str) -> &'t str {
    span_in(text.as_bytes(), line.as_bytes()).and_then(|r| text.get(..r.end)).unwrap_or(text)
}

/// Whether text holds a failure's SMTP reply code or enhanced status code
/// (4xx, 5xx; a number such as a size is no evidence).
pub(crate) fn has_code(s: &str) -> bool {
    let failure = |class: u16| class == 4 || class == 5;
    crate::code::find_enhanced(s.as_bytes()).is_some_and(|(_, _, c)| failure(u16::from(c.class)))
        || crate::code::find_reply(s.as_bytes()).is_some_and(|r| failure(r / 100))
}

/// The address a line names as failed, and the rest of the line that
/// belongs to its diagnostic.
/// A line that names a failed recipient.
#[derive(Debug)]
struct Start {
    /// Its index in the section.
    line: usize,
    recipient: String,
    /// The part of the line that belongs to the diagnostic.
    diag: String,
    strong: bool,
    /// The lines about the recipient come before its line.
    before: bool,
}

fn recipient_of(spec: &Spec, i: usize, line: &str) -> Option<Start> {
    if line.trim().is_empty() || dsn::field_name(line.trim_start()).is_some() {
        return None;
    }
    let mut bytes = TextBytes::new(line);
    // The patterns whose needles the line holds, looked for (all needles
    // in one pass) once a pattern with needles is reached.
    let mut may: Option<Option<u128>> = None;
    for (k, p) in spec.recipient.iter().enumerate() {
        if k < 128 && p.has_needles() {
            let m = *may.get_or_insert_with(|| spec.needles.recipient.may_match(line.as_bytes()));
            if m.is_some_and(|m| m & (1 << k) == 0) {
                continue;
            }
        }
        let Some(c) = p.captures_in(&mut bytes) else { continue };
        let Some(recipient) = c.name("rcpt").and_then(|m| address::first(m.as_str())) else { continue };
        let diag = c.name("diag").map_or("", |m| m.as_str()).trim().to_string();
        return Some(Start { line: i, recipient, diag, strong: p.strong, before: p.context_before });
    }
    None
}

/// Whether a line is only decoration (`-----`, `=====`, `*****`).
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| matches!(c, '-' | '=' | '*' | '_' | '#' | '~' | '+' | '.'))
}

/// The meaningful lines among `lines`, joined with single spaces and cut to
/// [`MAX_DIAGNOSTIC`] bytes.
fn diagnostic_of<'a>(spec: &Spec, lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for line in lines {
        let t = line.trim();
        // The cheap tests first: all four only say whether to skip the line.
        if t.is_empty() || is_rule(t) || dsn::field_name(t).is_some() || spec.boilerplate.matches(t) {
            continue;
        }
        if out.is_empty() {
            // Room for a few lines at once, so that the text seldom grows.
            out.reserve(t.len().max(256));
        } else {
            out.push(' ');
        }
        if single_spaced(t) {
            out.push_str(t);
        } else {
            for (k, word) in t.split_whitespace().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
        if out.len() >= MAX_DIAGNOSTIC {
            let mut cut = MAX_DIAGNOSTIC;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            break;
        }
    }
    out
}

/// Whether a trimmed line's words are already apart by single spaces (an
/// ASCII line without tabs, line breaks or runs of spaces), so that it
/// joins as it is.
fn single_spaced(t: &str) -> bool {
    // Trimmed, the line needs folding exactly when it holds whitespace
    // other than a space or two spaces in a row (one vectorised pass, and
    // no searcher built for the two spaces).
    t.is_ascii() && !crate::fold::needs_folding(t.as_bytes())
}

#[cfg(test)]
mod tests;
