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
use super::mime::{self, decoded_text, html_to_text, is_attached_file, utf8_lossy, utf8_lossy_owned, Body, Msg, Part};

mod lines;
mod original;
mod redecode;
mod sole;
mod text;

pub(crate) use lines::HeaderLines;
pub(crate) use original::Original;

use sole::sole_address;
pub(crate) use text::normalize;

/// Deepest MIME nesting walked; deeper parts are ignored.
const MAX_DEPTH: usize = 8;

/// An email flattened for reading; its parts borrow the email's bytes
/// where they are not decoded.
#[derive(Debug, Default)]
pub(crate) struct View<'a> {
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
    pub dsn: Vec<Cow<'a, str>>,
    /// The bodies of `message/feedback-report` parts.
    pub feedback: Vec<Cow<'a, str>>,
    /// The returned original message, when attached.
    pub original: Option<Original<'a>>,
    /// Raw bytes of attached messages, for an email that forwards a bounce.
    pub attached: Vec<Cow<'a, [u8]>>,
    /// The `report-type` parameter of the top-level content type,
    /// lowercased (borrowed from the email when it already is).
    pub report_type: Cow<'a, str>,
}

impl View<'_> {
    /// Adds a human-readable part to `text`.
    fn push_text(&mut self, part: &str) {
        if self.texts > 0 {
            self.text.push_str("\n\n");
        }
        self.text.push_str(part);
        self.texts += 1;
    }
}

/// The value of `attribute` (the first so named, as
/// `ContentType::attribute` finds it), lowercased; empty when there is none.
fn lowercase_value<'a>(attribute: Option<&mail_parser::Attribute<'a>>) -> Cow<'a, str> {
    match attribute.map(|a| &a.value) {
        None => Cow::Borrowed(""),
        Some(Cow::Borrowed(s)) if !s.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(s),
        Some(s) => Cow::Owned(s.to_ascii_lowercase()),
    }
}

/// Parses `raw` (line endings already normalised) into a [`View`]; `None`
/// when it has no headers at all.
// Not inlined, so that profiles show what reading an email costs.
#[inline(never)]
pub(crate) fn view(raw: &[u8]) -> Option<View<'_>> {
    let mut message = mime::parse(raw)?;
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
        if to_line.is_none() && raw.get(h.name.clone()).is_some_and(|n| n.eq_ignore_ascii_case(b"to")) {
            to_line = Some(v.headers.len());
        }
        // The header as written, name to value, when the block is text.
        let line = block.and_then(|b| b.get(h.name.start.checked_sub(first)?..h.value.end.checked_sub(first)?));
        match line {
            Some(line) => {
                v.headers.push_written(line, h.name.len(), h.value.start.saturating_sub(h.name.start), h.folded)
            }
            None => v.headers.push(&slice(&h.name), &slice(&h.value), h.folded),
        }
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
        v.report_type =
            lowercase_value(ct.attributes.as_ref().and_then(|a| a.iter().find(|a| a.name == "report-type")));
    }
    // HTML parts are decoded and turned into text only when there is no
    // plain text.
    let mut html: Vec<(usize, Cow<'_, [u8]>)> = Vec::new();
    walk(&mut message, 0, 0, &mut v, &mut html);
    if v.texts == 0 {
        for (id, boundary) in html {
            if let Some(part) = message.parts.get(id) {
                v.push_text(&html_to_text(&decoded_text(&message.data, part, &boundary)));
            }
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

/// Sorts part `id` of `message` (and the parts under it) into `v`, HTML
/// parts into `html` (each id with the boundary that ends its body, to be
/// decoded later if at all). Each part is the child of one multipart, so it is
/// walked once: its body is taken, not copied.
fn walk<'x>(message: &mut Msg<'x>, id: usize, depth: usize, v: &mut View<'x>, html: &mut Vec<(usize, Cow<'x, [u8]>)>) {
    let Some(part) = message.parts.get_mut(id) else { return };
    if depth > MAX_DEPTH {
        return;
    }
    let body = std::mem::replace(&mut part.body, Body::Multipart(Vec::new()));
    let body = match body {
        Body::Multipart(children) => {
            for child in children {
                if child != id {
                    walk(message, child, depth + 1, v, html);
                }
            }
            return;
        }
        Body::Message(nested) => return attached_message(*nested, v),
        Body::Html(boundary) => return html.push((id, boundary)),
        body => body,
    };
    let part = &message.parts[id];
    let (ctype, subtype) = part
        .content_type
        .as_ref()
        .map(|c| (lowercase(c.ctype()), lowercase(c.subtype().unwrap_or(""))))
        .unwrap_or((Cow::Borrowed("text"), Cow::Borrowed("plain")));
    match body {
        Body::Text(t) => match (&*ctype, &*subtype) {
            (_, "delivery-status" | "global-delivery-status") => v.dsn.push(t),
            (_, "feedback-report") => v.feedback.push(t),
            (_, "rfc822-headers" | "rfc822" | "global-headers") => {
                if v.original.is_none() {
                    v.original = Some(Original::at_start_of(str_bytes(t)));
                }
            }
            _ if is_attached_file(part) => {}
            _ => v.push_text(&redecode(&message.data, part, &t)),
        },
        Body::Binary(b) => match (&*ctype, &*subtype) {
            ("message", "delivery-status" | "global-delivery-status") => v.dsn.push(lossy(b)),
            ("message", "feedback-report") => v.feedback.push(lossy(b)),
            ("message", "rfc822-headers" | "global-headers" | "partial") | ("text", "rfc822-headers")
                if v.original.is_none() =>
            {
                v.original = Some(Original::at_start_of(str_bytes(lossy(b))));
            }
            ("message", "rfc822" | "global") => {
                // The message as text for its headers, as bytes to be read
                // again when it forwards a bounce.
                let (text, bytes) = match b {
                    Cow::Borrowed(b) => (utf8_lossy(b), Cow::Borrowed(b)),
                    Cow::Owned(b) => (Cow::Owned(String::from_utf8_lossy(&b).into_owned()), Cow::Owned(b)),
                };
                if v.original.is_none() {
                    v.original = Some(Original::at_start_of(str_bytes(text)));
                }
                v.attached.push(bytes);
            }
            _ => {}
        },
        _ => {}
    }
}

/// Sorts an attached message into `v`: its headers as the returned
/// original (the first one only), its bytes as an attached message.
fn attached_message<'x>(mut nested: Msg<'x>, v: &mut View<'x>) {
    let Some(top) = nested.parts.first_mut() else { return };
    let extent = top.offset_header..top.offset_end;
    let headers = std::mem::take(&mut top.headers);
    let (data, bytes) = match nested.data {
        Cow::Borrowed(data) => (Cow::Borrowed(data), Cow::Borrowed(data.get(extent).unwrap_or_default())),
        Cow::Owned(data) => {
            let bytes = data.get(extent).unwrap_or_default().to_vec();
            (Cow::Owned(data), Cow::Owned(bytes))
        }
    };
    if v.original.is_none() {
        v.original = Some(Original::new(data, headers));
    }
    v.attached.push(bytes);
}

/// Bytes as text, as `String::from_utf8_lossy` reads them, borrowed or
/// taken as they come.
fn lossy(b: Cow<'_, [u8]>) -> Cow<'_, str> {
    match b {
        Cow::Borrowed(b) => utf8_lossy(b),
        Cow::Owned(b) => Cow::Owned(utf8_lossy_owned(b)),
    }
}

/// The bytes of a text, borrowed or taken as they come.
fn str_bytes(t: Cow<'_, str>) -> Cow<'_, [u8]> {
    match t {
        Cow::Borrowed(t) => Cow::Borrowed(t.as_bytes()),
        Cow::Owned(t) => Cow::Owned(t.into_bytes()),
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

/// The headers of a message given as text (a `text/rfc822-headers` part, a
/// quoted original).
pub(crate) fn original_from_text(text: &str) -> Original<'_> {
    Original::at_start_of(Cow::Borrowed(text.as_bytes()))
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
        assert_eq!(o.to(), ["bob@example.net"]);
        assert_eq!(o.from.as_deref(), Some("sender@example.com"));
    }
}
