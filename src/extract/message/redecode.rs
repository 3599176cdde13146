//! Text parts whose declared charset does not fit their bytes (EUC-JP
//! labelled ISO-2022-JP, say), decoded again with the charset that fits
//! best: the one whose text holds the fewest replacement characters.
//!
//! Candidates are counted, not decoded into text: each count stops as soon
//! as it reaches the best so far (a candidate that cannot win is read no
//! further), and only a winner is decoded into text. The property test
//! below compares this with decoding every candidate in full.

use std::borrow::Cow;

use encoding_rs::{CoderResult, Encoding, BIG5, EUC_JP, EUC_KR, GB18030, ISO_2022_JP, SHIFT_JIS};
use mail_parser::decoders::charsets::map::charset_decoder;

/// The charsets tried after UTF-8, in order, by their `mail-parser` names
/// and the `encoding_rs` encodings its decoders for them use.
const CANDIDATES: [(&str, &Encoding); 6] = [
    ("euc-jp", EUC_JP),
    ("shift_jis", SHIFT_JIS),
    ("iso-2022-jp", ISO_2022_JP),
    ("gb18030", GB18030),
    ("big5", BIG5),
    ("euc-kr", EUC_KR),
];

/// Replacement characters (U+FFFD, `EF BF BD` in UTF-8) in `text`.
pub(super) fn replacements(text: &[u8]) -> usize {
    // EF is rare in most text: looked for first.
    memchr::memchr_iter(0xEF, text).filter(|&i| text[i + 1..].starts_with(&[0xBF, 0xBD])).count()
}

/// `decoded` (the text of `bytes` in the declared charset, holding `worst`
/// replacement characters) or the text of `bytes` in the first of UTF-8
/// and the [`CANDIDATES`] with the fewest replacement characters, when it
/// has fewer.
pub(super) fn best_text<'d>(decoded: &'d str, worst: usize, bytes: &[u8]) -> Cow<'d, str> {
    let mut best = (worst, Cow::Borrowed(decoded));
    if let Some(n) = utf8_count_below(bytes, best.0) {
        best = (n, Cow::Owned(String::from_utf8_lossy(bytes).into_owned()));
    }
    for (name, encoding) in CANDIDATES {
        if best.0 == 0 {
            // Nothing does better than no replacement character.
            break;
        }
        if let Some(n) = count_below(encoding, bytes, best.0) {
            if let Some(decode) = charset_decoder(name.as_bytes()) {
                best = (n, Cow::Owned(decode(bytes)));
            }
        }
    }
    best.1
}

/// The replacement characters of `String::from_utf8_lossy(bytes)` when
/// fewer than `limit`.
fn utf8_count_below(bytes: &[u8], limit: usize) -> Option<usize> {
    let mut n = 0;
    for chunk in bytes.utf8_chunks() {
        // One replacement character for each invalid sequence.
        n += replacements(chunk.valid().as_bytes()) + usize::from(!chunk.invalid().is_empty());
        if n >= limit {
            return None;
        }
    }
    (n < limit).then_some(n)
}

/// The replacement characters of `bytes` decoded as `mail-parser` decodes
/// them with `encoding` (a new decoder, BOM sniffing on, malformed input
/// replaced) when fewer than `limit`. The text is decoded a buffer at a
/// time and never kept: `encoding_rs` writes the same text however the
/// output is cut, and never cuts a character.
fn count_below(encoding: &'static Encoding, bytes: &[u8], limit: usize) -> Option<usize> {
    let mut decoder = encoding.new_decoder();
    let mut buf = [0u8; 1024];
    let mut src = bytes;
    let mut n = 0;
    loop {
        let (result, read, written, _) = decoder.decode_to_utf8(src, &mut buf, true);
        n += replacements(&buf[..written]);
        if n >= limit {
            return None;
        }
        src = &src[read..];
        if result == CoderResult::InputEmpty {
            return Some(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The first version: every candidate decoded in full, then counted.
    fn best_text_decoding_all<'d>(decoded: &'d str, worst: usize, bytes: &[u8]) -> Cow<'d, str> {
        let bad = |s: &str| replacements(s.as_bytes());
        let mut best = (worst, Cow::Borrowed(decoded));
        let utf8 = String::from_utf8_lossy(bytes).into_owned();
        if bad(&utf8) < best.0 {
            best = (bad(&utf8), Cow::Owned(utf8));
        }
        for charset in ["euc-jp", "shift_jis", "iso-2022-jp", "gb18030", "big5", "euc-kr"] {
            if best.0 == 0 {
                break;
            }
            if let Some(decode) = charset_decoder(charset.as_bytes()) {
                let text = decode(bytes);
                if bad(&text) < best.0 {
                    best = (bad(&text), Cow::Owned(text));
                }
            }
        }
        best.1
    }

    /// Bytes of the candidate charsets and of broken text.
    const PIECES: &[&[u8]] = &[
        b"a",
        b"\n",
        b"\xa4\xa2",
        b"\xa4",
        b"\x82\xa0",
        b"\x1b$B",
        b"$\"",
        b"\x1b(B",
        b"\x1b",
        b"\xe3\x81\x82",
        b"\xef\xbf\xbd",
        b"\xef\xbb\xbf",
        b"\xfe\xff",
        b"\x81\x30\x81\x30",
        b"\xb0\xa1",
        b"\xff",
        b"\x80",
        b"\xa1",
    ];

    #[test]
    fn counts_cut_across_buffers_agree() {
        // Longer than the counting buffer, with replacements on both sides
        // of its edges.
        let bytes: Vec<u8> = b"\xa4\xa2\xff".repeat(700);
        for limit in [1, 5, 700, 10_000] {
            let decoded = charset_decoder(b"euc-jp").unwrap()(&bytes);
            let n = replacements(decoded.as_bytes());
            assert_eq!(count_below(EUC_JP, &bytes, limit), (n < limit).then_some(n));
        }
    }

    proptest! {
        #[test]
        fn agrees_with_decoding_every_candidate(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..60),
            repeat in 1usize..40,
            declared in 0usize..3,
        ) {
            let bytes = pieces.concat().repeat(repeat);
            // The text in the declared charset, as the part's decoder gave it.
            let decoded = match declared {
                0 => String::from_utf8_lossy(&bytes).into_owned(),
                1 => charset_decoder(b"iso-2022-jp").unwrap()(&bytes),
                _ => charset_decoder(b"windows-1252").unwrap()(&bytes),
            };
            let worst = replacements(decoded.as_bytes());
            prop_assert_eq!(best_text(&decoded, worst, &bytes), best_text_decoding_all(&decoded, worst, &bytes));
        }

        #[test]
        fn agrees_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let decoded = String::from_utf8_lossy(&bytes).into_owned();
            let worst = replacements(decoded.as_bytes());
            prop_assert_eq!(best_text(&decoded, worst, &bytes), best_text_decoding_all(&decoded, worst, &bytes));
        }
    }
}
