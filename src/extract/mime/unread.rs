//! Which leaves of the tree the bounce reader reads (see
//! `extract::message::walk`): text parts, `message/*` parts, and HTML
//! parts when there is no plain text. The others are located (their end
//! found) but not decoded.

use mail_parser::ContentType;

use super::walk::MimeType;
use super::Part;

/// Subtypes read whatever their type (and even as attached files).
const READ_SUBTYPES: &[&str] =
    &["delivery-status", "global-delivery-status", "feedback-report", "rfc822-headers", "rfc822", "global-headers"];

/// Whether a leaf of `mime_type` and `content_type` is read later if at
/// all: an HTML part (read when an email has no plain text), or any type
/// but text and `message/*` (read by nobody, unless it does not decode: it
/// is read as text then).
pub(super) fn is_unread(mime_type: MimeType, content_type: Option<&ContentType<'_>>) -> bool {
    match mime_type {
        MimeType::TextHtml => true,
        MimeType::Other => content_type.is_some_and(|c| !c.ctype().eq_ignore_ascii_case("message")),
        _ => false,
    }
}

/// Whether a leaf is never read, whether it decodes or not: an unread type
/// ([`is_unread`], not HTML) sent as an attached file, which is dropped
/// even when it does not decode and turns into text. Where it ends does not
/// depend on its decoding: at the first delimiter either way.
pub(super) fn is_ignored(mime_type: MimeType, part: &Part<'_>) -> bool {
    let Some(ct) = part.content_type.as_ref() else { return false };
    mime_type == MimeType::Other
        && is_unread(mime_type, Some(ct))
        && !READ_SUBTYPES.iter().any(|s| ct.subtype().is_some_and(|t| t.eq_ignore_ascii_case(s)))
        && is_attached_file(part)
}

/// Whether a text part is an attached file (original headers sent as a
/// `.txt`, say) rather than part of the notification.
pub(crate) fn is_attached_file(part: &Part<'_>) -> bool {
    part.disposition.as_ref().is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
        && part
            .disposition
            .as_ref()
            .and_then(|d| d.attribute("filename"))
            .or_else(|| part.content_type.as_ref().and_then(|c| c.attribute("name")))
            .is_some_and(|n| !n.is_empty())
}
