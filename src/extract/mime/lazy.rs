//! A part's text decoded only when it is read: an HTML part is read only
//! when an email has no plain text, so its body is located when the tree is
//! read (its end found without decoding it) and decoded, if ever, later,
//! by the same decoders from the same place.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;

use super::decode;
use super::plain::{ascii_as_itself, plain_ascii, utf8_lossy, utf8_lossy_owned};
use super::Part;

/// The text of `part` (a leaf of the message whose bytes are `data`), its
/// body read up to `boundary` (empty when none ends it), decoded now as
/// reading the tree would have decoded it.
pub(crate) fn decoded_text<'x>(data: &'x [u8], part: &Part<'_>, boundary: &[u8]) -> Cow<'x, str> {
    let mut stream = MessageStream::new(data);
    stream.skip_bytes(part.offset_body);
    let (_, bytes) = decode::body(&mut stream, data, part.encoding, boundary);
    text_of(bytes, part.content_type.as_ref().and_then(|c| c.attribute("charset")))
}

/// A text part's decoded bytes as text in `charset` (UTF-8 when it names
/// none that `mail-parser` knows).
pub(super) fn text_of<'x>(bytes: Cow<'x, [u8]>, charset: Option<&str>) -> Cow<'x, str> {
    let decoder = charset.and_then(|c| charset_decoder(c.as_bytes()));
    // Plain ASCII in a charset that reads it as itself: no decoding.
    let decoder = decoder.filter(|_| !(charset.is_some_and(ascii_as_itself) && plain_ascii(&bytes)));
    match (bytes, decoder) {
        (Cow::Owned(v), Some(d)) => d(&v).into(),
        (Cow::Owned(v), None) => utf8_lossy_owned(v).into(),
        (Cow::Borrowed(b), Some(d)) => d(b).into(),
        (Cow::Borrowed(b), None) => utf8_lossy(b),
    }
}
