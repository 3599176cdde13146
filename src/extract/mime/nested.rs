//! Attached messages: the body of the part holding one, its text when cut
//! short, and an encoded one read for its headers only.

use std::borrow::Cow;

use super::headers::{read_headers, Heads};
use super::{Body, Msg, Part};

/// The body of a part holding the attached message `nested`: the message,
/// unless the part is itself inside an attached message (kept only as far
/// as its extent, which also bounds how deep messages nest here).
pub(super) fn attached<'x>(nested: Msg<'x>, keep: bool) -> Body<'x> {
    if keep {
        Body::Message(Box::new(nested))
    } else {
        Body::Binary(Cow::Borrowed(&[]))
    }
}

/// The text of an attached message cut short: up to its parent's closing
/// delimiter when there is one.
pub(super) fn unclosed_text<'x>(raw: &'x [u8], boundary: Option<&[u8]>) -> Cow<'x, str> {
    let cut = std::str::from_utf8(raw).ok().and_then(|text| {
        let boundary = std::str::from_utf8(boundary?).ok()?;
        let (text, _) = text.rsplit_once(boundary)?;
        let text = text.strip_suffix("--")?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        Some(text.strip_suffix('\r').unwrap_or(text))
    });
    cut.map_or_else(|| String::from_utf8_lossy(raw), Cow::Borrowed)
}

/// An encoded attached message with only its headers read; its bytes back
/// when it has none.
pub(super) fn headers_only(data: Vec<u8>) -> Result<Msg<'static>, Vec<u8>> {
    let mut heads = Heads::default();
    let body = read_headers(&data, 0, false, &mut heads);
    if body.is_none() && heads.headers.is_empty() {
        return Err(data);
    }
    let len = data.len();
    let mut part = Part::new(Heads { headers: heads.headers, ..Heads::default() }, 0, body.unwrap_or(len));
    part.offset_end = len;
    Ok(Msg { data: Cow::Owned(data), parts: vec![part] })
}
