//! Text parts that need no charset decoding: plain ASCII in a charset that
//! reads ASCII as itself; bytes read as UTF-8 text.

use std::borrow::Cow;

/// Charsets whose `mail-parser` decoder reads every byte [`plain_ascii`]
/// accepts as the same character (checked by a test).
pub(super) const ASCII_AS_ITSELF: &[&str] = &[
    "us-ascii",
    "utf-8",
    "iso-8859-1",
    "iso-8859-15",
    "windows-1252",
    "iso-2022-jp",
    "shift_jis",
    "euc-jp",
    "gb2312",
    "big5",
    "euc-kr",
    "koi8-r",
    "windows-1251",
];

/// Whether `charset` is one of [`ASCII_AS_ITSELF`].
pub(super) fn ascii_as_itself(charset: &str) -> bool {
    ASCII_AS_ITSELF.iter().any(|c| c.eq_ignore_ascii_case(charset))
}

/// `bytes` as text, as `String::from_utf8_lossy` reads them, borrowed when
/// they are valid UTF-8 (`from_utf8` first: much faster than
/// `from_utf8_lossy` on valid text).
pub(crate) fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed)
}

/// [`utf8_lossy`] of owned bytes: no copy when they are valid UTF-8.
pub(crate) fn utf8_lossy_owned(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Whether `bytes` are ASCII without the bytes that switch state in
/// ISO-2022 encodings (SO, SI, ESC).
pub(super) fn plain_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii() && memchr::memchr3(0x0e, 0x0f, 0x1b, bytes).is_none()
}
