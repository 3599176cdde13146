//! Text parts that need no charset decoding: plain ASCII in a charset that
//! reads ASCII as itself.

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

/// Whether `bytes` are ASCII without the bytes that switch state in
/// ISO-2022 encodings (SO, SI, ESC).
pub(super) fn plain_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii() && memchr::memchr3(0x0e, 0x0f, 0x1b, bytes).is_none()
}
