//! The MIME tree of an email, read as `mail-parser` reads it but with less
//! work: headers are only located (name and value offsets) except the three
//! that shape the tree (`Content-Type`, `Content-Disposition`,
//! `Content-Transfer-Encoding`), and the parts of an attached
//! `message/rfc822` are walked only to find where it ends, never decoded.
//!
//! The walk is `mail-parser`'s own (`MessageParser::parse`): the same
//! boundary search, body decoders and recovery from broken structure, built
//! from its public stream primitives, so that parts split and decode exactly
//! as they did when the whole message went through it. The property test in
//! `tests.rs` compares the two on generated documents, so a `mail-parser`
//! upgrade that changes its reading shows up there.
//!
//! ```text
//! top message ─ parts[0] multipart/report ─ children [1, 2, 3]
//!               parts[1] text/plain          Body::Text (decoded)
//!               parts[2] message/delivery-status  Body::Binary
//!               parts[3] message/rfc822      Body::Message (headers + extent only)
//! ```

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;
use mail_parser::{ContentType, Encoding, HeaderValue};
use walk::{boundary_of, mime_type, MimeType, State};

mod content_type;
mod decode;
mod headers;
mod html;
mod lazy;
mod nested;
mod plain;
mod seek;
mod unread;
mod walk;

pub(crate) use headers::{header_block, is_named, unstructured, Header};
use headers::{read_headers, Heads};
pub(crate) use html::html_to_text;
pub(crate) use lazy::decoded_text;
use lazy::text_of;
use nested::{attached, headers_only, unclosed_text};
pub(crate) use plain::{utf8_lossy, utf8_lossy_owned};
pub(crate) use unread::is_attached_file;
use unread::{is_ignored, is_unread};

/// One MIME part.
#[derive(Debug)]
pub(crate) struct Part<'x> {
    /// Its headers, in order, for a message's own header block
    /// (`parts[0]`); empty for the parts inside it, whose headers nobody
    /// reads but the MIME ones (parsed into the fields below).
    pub headers: Vec<Header>,
    /// Its last `Content-Type`, when that parses.
    pub content_type: Option<ContentType<'x>>,
    /// Its last `Content-Disposition`, when that parses.
    pub disposition: Option<ContentType<'x>>,
    /// Its transfer encoding (`None` when undeclared or decoding failed).
    pub encoding: Encoding,
    /// Where its headers start in the message's bytes.
    pub offset_header: usize,
    /// Where its body starts in the message's bytes.
    pub offset_body: usize,
    /// Where its body ends in the message's bytes.
    pub offset_end: usize,
    /// Its body.
    pub body: Body<'x>,
}

/// The body of a [`Part`].
#[derive(Debug)]
pub(crate) enum Body<'x> {
    /// Indexes (into the message's parts) of the parts of a multipart.
    Multipart(Vec<usize>),
    /// A text part, decoded (left empty inside an attached message).
    Text(Cow<'x, str>),
    /// An HTML part, not decoded: the boundary that ends its body (empty
    /// when none does), to decode it with when it is read (see
    /// [`decoded_text`]).
    Html(Cow<'x, [u8]>),
    /// Any other leaf, transfer-decoded (left empty inside an attached
    /// message, and for a type nobody reads: not `message/*`).
    Binary(Cow<'x, [u8]>),
    /// An attached message.
    Message(Box<Msg<'x>>),
}

/// A message: its bytes and its parts (`parts[0]` is the message itself).
#[derive(Debug)]
pub(crate) struct Msg<'x> {
    /// The bytes the offsets of its parts and headers index.
    pub data: Cow<'x, [u8]>,
    /// Its parts, in order; never empty.
    pub parts: Vec<Part<'x>>,
}

// Read by the tests; the bounce reader takes these out of the parts.
#[cfg(test)]
impl Msg<'_> {
    /// Its own headers.
    pub fn headers(&self) -> &[Header] {
        &self.parts[0].headers
    }

    /// Its bytes from its first header to the end of its body.
    pub fn raw(&self) -> &[u8] {
        let p = &self.parts[0];
        self.data.get(p.offset_header..p.offset_end).unwrap_or_default()
    }
}

/// Room reserved for a message's own headers: most blocks fit, and the
/// list (40 bytes a header) stays within the sizes glibc's malloc serves
/// from its per-thread cache (up to 1,032 bytes).
const OWN_HEADERS: usize = 25;

impl Msg<'_> {
    fn new<'x>(data: &'x [u8]) -> Msg<'x> {
        Msg { data: Cow::Borrowed(data), parts: Vec::new() }
    }
}

impl<'x> Part<'x> {
    fn new(heads: Heads<'x>, offset_header: usize, offset_body: usize) -> Part<'x> {
        let as_type = |v: Option<HeaderValue<'x>>| match v {
            Some(HeaderValue::ContentType(c)) => Some(c),
            _ => None,
        };
        let encoding = match &heads.encoding {
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("quoted-printable") => Encoding::QuotedPrintable,
            _ => Encoding::None,
        };
        Part {
            headers: heads.headers,
            content_type: as_type(heads.content_type),
            disposition: as_type(heads.disposition),
            encoding,
            offset_header,
            offset_body,
            offset_end: 0,
            body: Body::Multipart(Vec::new()),
        }
    }
}

/// Reads `raw` (line endings normalised) into its MIME tree; `None` when
/// it has no header at all. Never panics on any input. The bodies of
/// leaves nobody reads (any type but text and `message/*`) are not
/// decoded, those of HTML parts only when read.
pub(crate) fn parse(raw: &[u8]) -> Option<Msg<'_>> {
    parse_with(raw, true)
}

/// [`parse`] decoding every body, as `mail-parser` does: the reference for
/// the tests.
#[cfg(test)]
pub(crate) fn parse_decoding_all(raw: &[u8]) -> Option<Msg<'_>> {
    parse_with(raw, false)
}

/// [`parse`], leaving the bodies nobody reads undecoded when `skip`.
fn parse_with(raw: &[u8], skip: bool) -> Option<Msg<'_>> {
    let mut stream = MessageStream::new(raw);
    let mut message = Msg::new(raw);
    let mut state = State { decode: true, ..State::default() };
    let mut stack: Vec<(State<'_>, Option<Msg<'_>>)> = Vec::new();
    let mut last_heads = Heads::default();

    'outer: loop {
        state.offset_header = stream.offset();
        // Room for the headers of most parts, and half of a top-level
        // block, without growing the list one header at a time.
        // A message's own header block is kept (room for most, without
        // growing the list one header at a time); of the parts inside it,
        // only the MIME headers are read.
        let own = message.parts.is_empty();
        let mut heads = Heads {
            headers: if own { Vec::with_capacity(OWN_HEADERS) } else { Vec::new() },
            mime_only: !own,
            ..Heads::default()
        };
        let Some(body) = read_headers(raw, stream.offset(), true, &mut heads) else {
            // The data ended inside the header block.
            stream.seek_end();
            last_heads = heads;
            break;
        };
        stream.skip_bytes(body - stream.offset());
        state.offset_body = body;
        state.push_sub_part(message.parts.len());

        let mut part = Part::new(heads, state.offset_header, state.offset_body);
        let (is_multipart, mut is_text, mut mime_type) = mime_type(part.content_type.as_ref(), state.mime_type);
        if is_multipart {
            let boundary = part.content_type.as_ref().and_then(boundary_of);
            if let Some(boundary) = boundary {
                if seek::next_part(&mut stream, raw, &boundary) {
                    let new_state = State {
                        mime_type,
                        boundary: Some(boundary),
                        part_id: message.parts.len(),
                        decode: state.decode,
                        ..State::default()
                    };
                    part.encoding = Encoding::None;
                    message.parts.push(part);
                    stack.push((state, None));
                    state = new_state;
                    stream.skip_crlf();
                    continue;
                }
                mime_type = MimeType::TextOther;
                is_text = true;
            }
        }

        if mime_type == MimeType::Message && part.encoding == Encoding::None {
            let new_state = State {
                mime_type: MimeType::Message,
                boundary: state.boundary.take(),
                part_id: message.parts.len(),
                decode: false,
                ..State::default()
            };
            message.parts.push(part);
            stack.push((state, Some(std::mem::replace(&mut message, Msg::new(raw)))));
            state = new_state;
            continue;
        }

        let boundary = state.boundary.as_deref().unwrap_or(b"");
        // A leaf never read: only its end is found, as below.
        let ignored = skip && state.decode && is_ignored(mime_type, &part);
        // A leaf read later if at all: only where it ends is found now (and
        // whether it decodes, as a part that does not is read as text).
        let lazy = skip && state.decode && !ignored && is_unread(mime_type, part.content_type.as_ref());
        // A body is read from where it starts (as `decoded_text` reads it).
        debug_assert_eq!(stream.offset(), part.offset_body);
        // Inside an attached message only the end matters: the decoders end
        // a part where `mime_part` does (the first `--boundary`, or after a
        // decoding error where `seek_part_end` finds it), so skip decoding.
        let (offset_end, mut bytes) = match part.encoding {
            _ if !state.decode || ignored => decode::mime_part(&mut stream, raw, boundary),
            Encoding::Base64 if lazy => decode::skip::base64(&mut stream, raw, boundary),
            Encoding::QuotedPrintable if lazy => decode::skip::quoted_printable(&mut stream, raw, boundary),
            encoding => decode::body(&mut stream, raw, encoding, boundary),
        };
        // The boundary the body was read up to (before a failure drops it).
        let read_to = if mime_type == MimeType::TextHtml { state.boundary.clone() } else { None };
        if offset_end == usize::MAX {
            // Undecodable: the raw bytes up to the boundary, as text.
            part.encoding = Encoding::None;
            if mime_type != MimeType::TextPlain {
                mime_type = MimeType::TextOther;
            }
            is_text = true;
            let (end, found) = seek::part_end(&mut stream, raw, state.boundary.as_deref());
            state.offset_end = end;
            bytes = Cow::Borrowed(raw.get(state.offset_body..end).unwrap_or_default());
            if !found {
                state.boundary = None;
            }
        } else {
            state.offset_end = offset_end;
        }

        part.body = if !state.decode || ignored {
            Body::Binary(Cow::Borrowed(&[]))
        } else if mime_type == MimeType::Message {
            // An encoded attached message: its headers are read from the
            // decoded bytes.
            match headers_only(bytes.into_owned()) {
                Ok(m) => Body::Message(Box::new(m)),
                Err(bytes) => Body::Binary(Cow::Owned(bytes)),
            }
        } else if mime_type == MimeType::TextHtml {
            // Decoded (again, when not `skip`) when read, from where its
            // body starts (where it was decoded from, asserted above).
            Body::Html(read_to.unwrap_or(Cow::Borrowed(&[])))
        } else if is_text {
            let charset = part.content_type.as_ref().and_then(|c| c.attribute("charset"));
            Body::Text(text_of(bytes, charset))
        } else {
            Body::Binary(bytes)
        };
        part.offset_end = state.offset_end;
        message.parts.push(part);

        if state.boundary.is_some() {
            loop {
                if state.mime_type == MimeType::Message {
                    // The end of an attached message: back to its parent.
                    let Some((mut prev_state, Some(mut prev_message))) = stack.pop() else { break 'outer };
                    let offset_end = state.boundary.as_ref().map_or(stream.offset(), |b| {
                        let pos = stream.offset().saturating_sub(b.len() + 2);
                        match pos.checked_sub(2).and_then(|i| raw.get(i)) {
                            Some(b'\r') => pos - 2,
                            _ => pos.saturating_sub(1),
                        }
                    });
                    let nested = std::mem::replace(&mut message, Msg::new(raw));
                    if let Some(p) = prev_message.parts.get_mut(state.part_id) {
                        p.offset_end = offset_end;
                        p.body = if nested.parts.is_empty() {
                            Body::Text(String::from_utf8_lossy(raw.get(p.offset_body..offset_end).unwrap_or_default()))
                        } else {
                            attached(nested, prev_state.decode)
                        };
                    }
                    message = prev_message;
                    prev_state.boundary = state.boundary.take();
                    state = prev_state;
                }
                if !stream.is_multipart_end() {
                    break;
                }
                // The end of a multipart.
                let Some(p) = message.parts.get_mut(state.part_id) else { break 'outer };
                if let Some(ids) = state.take_sub_parts() {
                    p.body = Body::Multipart(ids);
                }
                if let Some((prev_state, _)) = stack.pop() {
                    state = prev_state;
                    if let Some(offset) = state.boundary.as_deref().and_then(|b| stream.seek_next_part_offset(b)) {
                        p.offset_end = offset;
                        continue;
                    }
                }
                p.offset_end = stream.offset();
                break 'outer;
            }
        } else if stream.offset() >= raw.len() {
            break;
        }
    }

    // Broken structure: close whatever is open.
    while let Some((prev_state, prev_message)) = stack.pop() {
        let end = stream.offset();
        if let Some(mut prev_message) = prev_message {
            let nested = std::mem::replace(&mut message, Msg::new(raw));
            if let Some(p) = prev_message.parts.get_mut(state.part_id) {
                p.offset_end = end;
                p.body = if nested.parts.is_empty() {
                    Body::Text(unclosed_text(
                        raw.get(p.offset_body..end).unwrap_or_default(),
                        state.boundary.as_deref(),
                    ))
                } else {
                    attached(nested, prev_state.decode)
                };
            }
            message = prev_message;
        } else if let Some(p) = message.parts.get_mut(state.part_id) {
            p.offset_end = end;
            if let Some(ids) = state.take_sub_parts() {
                p.body = Body::Multipart(ids);
            }
        }
        state = prev_state;
    }

    if let Some(first) = message.parts.first_mut() {
        first.offset_end = raw.len();
        Some(message)
    } else if !last_heads.headers.is_empty() {
        // Headers without a body.
        let mut part = Part::new(last_heads, 0, raw.len());
        part.offset_end = raw.len();
        part.encoding = Encoding::None;
        part.body = Body::Text(Cow::Borrowed(""));
        message.parts.push(part);
        Some(message)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
