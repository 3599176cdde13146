//! Where the walk of [`super::parse`] is: the type of the part being read
//! as `mail-parser` classifies it, and the multipart or message it belongs
//! to, with the boundary that ends it.

use std::borrow::Cow;

use mail_parser::ContentType;

/// How `mail-parser` classifies a part (`parsers/message.rs`).
#[derive(Debug, PartialEq, Clone, Copy, Default)]
pub(super) enum MimeType {
    Multipart,
    MultipartDigest,
    TextPlain,
    TextHtml,
    TextOther,
    #[default]
    Message,
    Other,
}

/// (is multipart, is text, type) of a part of type `ct` in a part of type
/// `parent`.
pub(super) fn mime_type(ct: Option<&ContentType<'_>>, parent: MimeType) -> (bool, bool, MimeType) {
    match ct {
        Some(ct) => match ct.ctype() {
            "multipart" => (
                true,
                false,
                if ct.subtype() == Some("digest") { MimeType::MultipartDigest } else { MimeType::Multipart },
            ),
            "text" => match ct.subtype() {
                Some("plain") => (false, true, MimeType::TextPlain),
                Some("html") => (false, true, MimeType::TextHtml),
                _ => (false, true, MimeType::TextOther),
            },
            "message" if matches!(ct.subtype(), Some("rfc822" | "global")) => (false, false, MimeType::Message),
            _ => (false, false, MimeType::Other),
        },
        None if parent == MimeType::MultipartDigest => (false, false, MimeType::Message),
        None => (false, true, MimeType::TextPlain),
    }
}

/// Where the walk is: the part being read and the multipart or message it
/// belongs to.
#[derive(Default)]
pub(super) struct State<'x> {
    pub(super) mime_type: MimeType,
    /// The boundary of the multipart being read, borrowed from the email
    /// when its `Content-Type` value is.
    pub(super) boundary: Option<Cow<'x, [u8]>>,
    /// Index of the multipart (or attached message) part this state reads.
    pub(super) part_id: usize,
    /// The sub-parts read so far, unless the only one is part 0 (see
    /// `lone_zero`).
    pub(super) sub_part_ids: Vec<usize>,
    /// Whether the only sub-part so far is part 0 (a message's top part),
    /// held without allocating `sub_part_ids`.
    pub(super) lone_zero: bool,
    pub(super) offset_header: usize,
    pub(super) offset_body: usize,
    pub(super) offset_end: usize,
    /// Whether bodies are decoded (not inside an attached message).
    pub(super) decode: bool,
}

impl State<'_> {
    /// Notes part `id` as a sub-part of the part this state reads; a first
    /// id 0 is held in `lone_zero` until a second one comes.
    pub(super) fn push_sub_part(&mut self, id: usize) {
        if id == 0 && self.sub_part_ids.is_empty() && !self.lone_zero {
            self.lone_zero = true;
            return;
        }
        if std::mem::take(&mut self.lone_zero) {
            self.sub_part_ids.push(0);
        }
        self.sub_part_ids.push(id);
    }

    /// The sub-parts, taken, as a multipart body's list; `None` when the
    /// only one is part 0.
    pub(super) fn take_sub_parts(&mut self) -> Option<Vec<usize>> {
        (!self.lone_zero).then(|| std::mem::take(&mut self.sub_part_ids))
    }
}

/// The `boundary` attribute of `ct` (the first so named, as
/// [`ContentType::attribute`]), borrowed from the email when its value is.
pub(super) fn boundary_of<'x>(ct: &ContentType<'x>) -> Option<Cow<'x, [u8]>> {
    let value = &ct.attributes.as_ref()?.iter().find(|a| a.name == "boundary")?.value;
    Some(match value {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.as_bytes().to_vec()),
    })
}
