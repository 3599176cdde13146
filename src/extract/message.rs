//! The parts of an email a bounce reader needs, flattened out of its MIME
//! tree: the top-level headers, the human-readable text, the delivery-status
//! and feedback-report parts, and the headers of the returned original
//! message. The MIME tree is read by [`super::mime`] (with `mail-parser`'s
//! decoders); this module only sorts the parts.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::HeaderValue;

use super::address;
use super::mime::{self, html_to_text, Body, Header, Msg, Part};

mod lines;
mod redecode;
mod sole;
mod text;

pub(crate) use lines::HeaderLines;

use sole::{named_address, sole_address};
pub(crate) use text::normalize;
use text::unfold_value;

/// Deepest MIME nesting walked; deeper parts are ignored.
const MAX_DEPTH: usize = 8;

/// Headers of the message the bounce returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Original {
    /// Addresses of its `To` header.
    pub to: Vec<String>,
    /// Address of its `From` header.
    pub from: Option<String>,
    /// Its header block, as located in the email; values are unfolded only
    /// when asked for.
    block: Vec<u8>,
    headers: Vec<Header>,
}

impl Original {
    /// The first address in its first header called `name` (lowercase).
    pub fn first_address(&self, name: &str) -> Option<String> {
        let h = self.headers.iter().find(|h| mime::is_named(&self.block, h, name))?;
        self.first_address_of(h)
    }

    /// The first address in each of its headers called `name` (lowercase),
    /// in order.
    pub fn addresses_in<'a>(&'a self, name: &'a str) -> impl Iterator<Item = String> + 'a {
        self.headers
            .iter()
            .filter(move |h| mime::is_named(&self.block, h, name))
            .filter_map(|h| self.first_address_of(h))
    }

    /// The first address in header `h`'s value.
    fn first_address_of(&self, h: &mime::Header) -> Option<String> {
        let value = unfold_value(self.block.get(h.value.clone()).unwrap_or_default(), h.folded);
        // One plain address (the usual case): what the pattern would find.
        match sole_address(&value) {
            Some(a) => address::clean(a),
            None => address::first(&value),
        }
    }
}

/// An email flattened for reading.
#[derive(Debug, Default)]
pub(crate) struct View {
    /// Top-level header lines as `name: value`, names lowercased, values
    /// unfolded, in order.
    pub headers: HeaderLines,
    /// The decoded `Subject`.
    pub subject: String,
    /// Addresses of the top-level `To` header (the original sender, in a bounce).
    pub to: Vec<String>,
    /// The human-readable parts, decoded to text, in order, separated by a
    /// blank line.
    pub text: String,
    /// How many parts `text` holds.
    texts: usize,
    /// The bodies of `message/delivery-status` parts.
    pub dsn: Vec<String>,
    /// The bodies of `message/feedback-report` parts.
    pub feedback: Vec<String>,
    /// The returned original message, when attached.
    pub original: Option<Original>,
    /// Raw bytes of attached messages, for an email that forwards a bounce.
    pub attached: Vec<Vec<u8>>,
    /// The top-level content type, lowercased (`multipart/report`).
    pub content_type: String,
    /// The `report-type` parameter of the top-level content type, lowercased.
    pub report_type: String,
}

impl View {
    /// Adds a human-readable part to `text`.
    fn push_text(&mut self, part: &str) {
        if self.texts > 0 {
            self.text.push_str("\n\n");
        }
        self.text.push_str(part);
        self.texts += 1;
    }
}

/// Parses `raw` (line endings already normalised) into a [`View`]; `None`
/// when it has no headers at all.
// Not inlined, so that profiles show what reading an email costs.
#[inline(never)]
pub(crate) fn view(raw: &[u8]) -> Option<View> {
    let message = mime::parse(raw)?;
    let top = &message.parts[0];
    if top.headers.is_empty() {
        return None;
    }
    // The header block read as text once: its names and values start and
    // end next to ASCII bytes, so they are slices of it. Read one by one
    // only when the block is not valid UTF-8.
    let first = top.headers.first().map_or(0, |h| h.name.start);
    let block = raw.get(first..top.headers.last().map_or(0, |h| h.value.end)).and_then(|b| std::str::from_utf8(b).ok());
    let n = top.headers.len();
    let mut v = View {
        // Names and values take at most the block; `: ` is added to each.
        headers: HeaderLines::with_capacity(n, block.map_or(0, str::len) + 2 * n),
        ..View::default()
    };
    let slice = |r: &std::ops::Range<usize>| -> Cow<'_, str> {
        match block.and_then(|b| b.get(r.start.checked_sub(first)?..r.end.checked_sub(first)?)) {
            Some(s) => Cow::Borrowed(s),
            None => mime::utf8_lossy(raw.get(r.clone()).unwrap_or_default()),
        }
    };
    // The first `To` line, noted on the way (instead of looked up after).
    let mut to_line = None;
    for h in &top.headers {
        let name = slice(&h.name);
        let value = slice(&h.value);
        if to_line.is_none() && name.eq_ignore_ascii_case("to") {
            to_line = Some(v.headers.len());
        }
        v.headers.push(&name, &value, h.folded);
    }
    // The subject read without mail-parser unless it holds encoded words.
    if let Some(h) = top.headers.iter().rev().find(|h| mime::is_named(raw, h, "subject")) {
        v.subject = match mime::unstructured(raw.get(h.value.clone()).unwrap_or_default()) {
            Some(s) => s.into_owned(),
            None => match MessageStream::new(raw.get(h.value.start..).unwrap_or_default()).parse_unstructured() {
                HeaderValue::Text(t) => t.into_owned(),
                _ => String::new(),
            },
        };
    }
    v.to = to_line
        .and_then(|i| v.headers.value(i))
        .map(|t| match sole_address(t) {
            Some(a) => address::clean(a).into_iter().collect(),
            None => address::find_all(t).map(|(_, _, a)| a).collect(),
        })
        .unwrap_or_default();
    if let Some(ct) = &top.content_type {
        let (ctype, subtype) = (ct.ctype(), ct.subtype().unwrap_or(""));
        let mut t = String::with_capacity(ctype.len() + 1 + subtype.len());
        t.push_str(ctype);
        t.push('/');
        t.push_str(subtype);
        t.make_ascii_lowercase();
        v.content_type = t;
        v.report_type = ct.attribute("report-type").unwrap_or("").to_ascii_lowercase();
    }
    // HTML parts are turned into text only when there is no plain text.
    let mut html: Vec<&str> = Vec::new();
    walk(&message, 0, 0, &mut v, &mut html);
    if v.texts == 0 {
        for h in html {
            v.push_text(&html_to_text(h));
        }
    }
    if v.texts == 0 && v.dsn.is_empty() && v.feedback.is_empty() && v.attached.is_empty() {
        // A MIME structure that could not be followed (a boundary lost to
        // broken header folding, say): read the raw body as text.
        v.push_text(&raw_body_text(raw));
    }
    Some(v)
}

/// The body of `raw` after its header block, as text, without MIME
/// delimiter and part header lines.
fn raw_body_text(raw: &[u8]) -> String {
    let start = memchr::memmem::find(raw, b"\n\n").map_or(raw.len(), |i| i + 2);
    let body = String::from_utf8_lossy(&raw[start..]);
    let mime_line = |l: &str| {
        let t = l.trim();
        (t.starts_with("--") && t.len() > 8 && !t.contains(' '))
            || ["content-type:", "content-transfer-encoding:", "content-disposition:", "boundary="]
                .iter()
                .any(|h| t.to_ascii_lowercase().starts_with(h))
    };
    body.lines().filter(|l| !mime_line(l)).collect::<Vec<_>>().join("\n")
}

/// Text decoded by mail-parser, re-decoded as ISO-2022-JP when the part
/// carried that encoding without declaring it.
fn text_of(t: &str) -> Cow<'_, str> {
    // ESC is rare: look for it before looking for the two sequences.
    if memchr::memchr(0x1b, t.as_bytes()).is_some() && (t.contains("\u{1b}$B") || t.contains("\u{1b}$@")) {
        if let Some(decode) = charset_decoder(b"iso-2022-jp") {
            return Cow::Owned(decode(t.as_bytes()));
        }
    }
    Cow::Borrowed(t)
}

/// The text of a part whose declared charset does not fit its bytes (EUC-JP
/// labelled ISO-2022-JP, say) decoded again with the charset that fits best.
fn redecode<'d>(raw: &[u8], part: &Part<'_>, decoded: &'d str) -> Cow<'d, str> {
    let worst = redecode::replacements(decoded.as_bytes());
    if worst < 4 {
        return text_of(decoded);
    }
    let Some(body) = raw.get(part.offset_body..part.offset_end) else { return Cow::Borrowed(decoded) };
    let bytes = match part.encoding {
        mail_parser::Encoding::Base64 => mail_parser::decoders::base64::base64_decode(body),
        mail_parser::Encoding::QuotedPrintable => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
        }
        mail_parser::Encoding::None => Some(body.to_vec()),
    };
    let Some(bytes) = bytes else { return Cow::Borrowed(decoded) };
    redecode::best_text(decoded, worst, &bytes)
}

fn walk<'m>(message: &'m Msg<'_>, id: usize, depth: usize, v: &mut View, html: &mut Vec<&'m str>) {
    let Some(part) = message.parts.get(id) else { return };
    if depth > MAX_DEPTH {
        return;
    }
    let (ctype, subtype) = part
        .content_type
        .as_ref()
        .map(|c| (lowercase(c.ctype()), lowercase(c.subtype().unwrap_or(""))))
        .unwrap_or((Cow::Borrowed("text"), Cow::Borrowed("plain")));
    match &part.body {
        Body::Multipart(children) => {
            for &child in children {
                if child != id {
                    walk(message, child, depth + 1, v, html);
                }
            }
        }
        Body::Message(nested) => {
            if v.original.is_none() {
                v.original = Some(original_of(&nested.data, nested.headers()));
            }
            v.attached.push(nested.raw().to_vec());
        }
        Body::Text(t) => match (&*ctype, &*subtype) {
            (_, "delivery-status" | "global-delivery-status") => v.dsn.push(t.to_string()),
            (_, "feedback-report") => v.feedback.push(t.to_string()),
            (_, "rfc822-headers" | "rfc822" | "global-headers") => {
                if v.original.is_none() {
                    v.original = Some(original_from_text(t));
                }
            }
            _ if is_attached_file(part) => {}
            _ => v.push_text(&redecode(&message.data, part, t)),
        },
        Body::Html(h) => html.push(h),
        Body::Binary(b) => {
            let text = || mime::utf8_lossy(b).into_owned();
            match (&*ctype, &*subtype) {
                ("message", "delivery-status" | "global-delivery-status") => v.dsn.push(text()),
                ("message", "feedback-report") => v.feedback.push(text()),
                ("message", "rfc822-headers" | "global-headers" | "partial") | ("text", "rfc822-headers")
                    if v.original.is_none() =>
                {
                    v.original = Some(original_from_text(&text()));
                }
                ("message", "rfc822" | "global") => {
                    if v.original.is_none() {
                        v.original = Some(original_from_text(&text()));
                    }
                    v.attached.push(b.to_vec());
                }
                _ => {}
            }
        }
    }
}

/// `s` lowercased (ASCII), copied only when it has an uppercase letter.
fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Whether a text part is an attached file (original headers sent as a
/// `.txt`, say) rather than part of the notification.
fn is_attached_file(part: &Part<'_>) -> bool {
    part.disposition.as_ref().is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
        && part
            .disposition
            .as_ref()
            .and_then(|d| d.attribute("filename"))
            .or_else(|| part.content_type.as_ref().and_then(|c| c.attribute("name")))
            .is_some_and(|n| !n.is_empty())
}

/// The returned message's addresses and headers, from its header block
/// located in `data`.
fn original_of(data: &[u8], headers: &[Header]) -> Original {
    // The last `To` and `From`, found in one pass.
    let (mut to, mut from) = (None, None);
    for h in headers.iter().rev() {
        if to.is_none() && mime::is_named(data, h, "to") {
            to = Some(h);
        } else if from.is_none() && mime::is_named(data, h, "from") {
            from = Some(h);
        }
        if to.is_some() && from.is_some() {
            break;
        }
    }
    let addrs = |last: Option<&Header>| -> Vec<String> {
        let Some(h) = last else { return Vec::new() };
        // One plain address (the usual case) is read without mail-parser.
        let value = unfold_value(data.get(h.value.clone()).unwrap_or_default(), h.folded);
        if let Some(a) = sole_address(&value).or_else(|| named_address(&value)) {
            return address::clean(a).into_iter().collect();
        }
        match MessageStream::new(data.get(h.value.start..).unwrap_or_default()).parse_address() {
            HeaderValue::Address(a) => a.iter().filter_map(|x| x.address.as_deref().and_then(address::clean)).collect(),
            _ => Vec::new(),
        }
    };
    // The block copied, its headers located in the copy.
    let start = headers.first().map_or(0, |h| h.name.start);
    let end = headers.last().map_or(0, |h| h.value.end).max(start);
    let shift = |r: &std::ops::Range<usize>| r.start.saturating_sub(start)..r.end.saturating_sub(start);
    Original {
        to: addrs(to),
        from: addrs(from).into_iter().next(),
        block: data.get(start..end).unwrap_or_default().to_vec(),
        headers: headers.iter().map(|h| Header { name: shift(&h.name), value: shift(&h.value), ..h.clone() }).collect(),
    }
}

/// The headers of a message given as text (a `text/rfc822-headers` part, a
/// quoted original).
pub(crate) fn original_from_text(text: &str) -> Original {
    match mime::header_block(text.as_bytes()) {
        Some(headers) => original_of(text.as_bytes(), &headers),
        None => Original::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_the_parts_of_a_report() {
        let raw = "From: MAILER-DAEMON@example.org\nTo: sender@example.com\nSubject: =?utf-8?q?Undelivered_Mail?=\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n\
            Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ=\n--b\n\
            Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; bob@example.net\n\n--b\n\
            Content-Type: message/rfc822\n\nTo: Bob <bob@example.net>\nFrom: sender@example.com\nSubject: hi\n\nbody\n--b--\n";
        let v = view(raw.as_bytes()).unwrap();
        assert_eq!(v.subject, "Undelivered Mail");
        assert_eq!(v.to, ["sender@example.com"]);
        assert_eq!(v.text, "Hello world");
        assert_eq!(v.dsn.len(), 1);
        assert_eq!(v.report_type, "delivery-status");
        let o = v.original.unwrap();
        assert_eq!(o.to, ["bob@example.net"]);
        assert_eq!(o.from.as_deref(), Some("sender@example.com"));
    }
}
