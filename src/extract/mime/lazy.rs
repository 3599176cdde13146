//! A part's text decoded only when it is read: an HTML part is read only
//! when an email has no plain text, so its body is located when the tree is
//! read (its end found without decoding it) and decoded, if ever, later,
//! by the same decoders from the same place.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{ContentType, Encoding};

use super::decode;
use super::plain::{ascii_as_itself, plain_ascii, utf8_lossy, utf8_lossy_owned};

/// Where a part's body starts and how to decode it.
#[derive(Debug)]
pub(crate) struct LazyText<'x> {
    /// The bytes the body is in.
    data: &'x [u8],
    /// Where the body starts in `data`.
    start: usize,
    /// Its transfer encoding (the body is known to decode).
    encoding: Encoding,
    /// The boundary that ends it (empty when none does).
    boundary: Cow<'x, [u8]>,
    /// The `charset` parameter of its content type.
    charset: Option<Cow<'x, str>>,
}

impl<'x> LazyText<'x> {
    /// The body at `start` in `data`, which the decoder of `encoding` reads
    /// up to `boundary`, in the charset `content_type` names.
    pub(super) fn new(
        data: &'x [u8],
        start: usize,
        encoding: Encoding,
        boundary: Cow<'x, [u8]>,
        content_type: Option<&ContentType<'x>>,
    ) -> LazyText<'x> {
        let charset = content_type
            .and_then(|c| c.attributes.as_ref()?.iter().find(|a| a.name == "charset"))
            .map(|a| a.value.clone());
        LazyText { data, start, encoding, boundary, charset }
    }

    /// The text, decoded now, as reading the tree would have decoded it.
    pub(crate) fn text(&self) -> Cow<'x, str> {
        let mut stream = MessageStream::new(self.data);
        stream.skip_bytes(self.start);
        let (_, bytes) = match self.encoding {
            Encoding::Base64 => decode::base64(&mut stream, self.data, &self.boundary),
            Encoding::QuotedPrintable => decode::quoted_printable(&mut stream, self.data, &self.boundary),
            Encoding::None => decode::mime_part(&mut stream, self.data, &self.boundary),
        };
        text_of(bytes, self.charset.as_deref())
    }
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
