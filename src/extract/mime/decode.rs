//! Faster equivalents of three `MessageStream` body readers of `mail-parser`:
//! the same results (end offset, bytes, where the stream is left), found
//! with `memchr` and slice loops instead of a byte iterator.

use std::borrow::Cow;

use mail_parser::decoders::base64::BASE64_MAP;
use mail_parser::decoders::quoted_printable::quoted_printable_decode_char;
use mail_parser::parsers::MessageStream;
use mail_parser::Encoding;

mod scan;
pub(super) mod skip;

use super::seek::{end_before, find_delimiter};

use scan::qp_run_end;

/// The body at the stream's position, transfer-decoded per `encoding` up
/// to `boundary`: where it ends (`usize::MAX` when it does not decode) and
/// its bytes.
pub(super) fn body<'x>(
    stream: &mut MessageStream<'x>,
    data: &'x [u8],
    encoding: Encoding,
    boundary: &[u8],
) -> (usize, Cow<'x, [u8]>) {
    match encoding {
        Encoding::Base64 => base64(stream, data, boundary),
        Encoding::QuotedPrintable => quoted_printable(stream, data, boundary),
        Encoding::None => mime_part(stream, data, boundary),
    }
}

/// `MessageStream::mime_part`: the raw body from the stream's position to
/// the next `--boundary`, and the offset where it ends (`usize::MAX`, the
/// stream left where it was, when a non-empty boundary never comes).
pub(super) fn mime_part<'x>(stream: &mut MessageStream<'x>, data: &'x [u8], boundary: &[u8]) -> (usize, Cow<'x, [u8]>) {
    let start = stream.offset();
    if boundary.is_empty() {
        stream.seek_end();
        return (data.len(), Cow::Borrowed(data.get(start..).unwrap_or_default()));
    }
    match find_delimiter(data, start, boundary) {
        Some(dash) => {
            let end = end_before(data, start, dash);
            stream.skip_bytes(dash + 2 + boundary.len() - start);
            (end, Cow::Borrowed(&data[start..end]))
        }
        None => (usize::MAX, Cow::Borrowed(data.get(start..).unwrap_or_default())),
    }
}

/// `MessageStream::decode_quoted_printable_mime`: the body from the
/// stream's position to the next `--boundary`, decoded, and the offset where
/// it ends (`usize::MAX`, the stream left where it was, when a non-empty
/// boundary never comes or an `=` follows an unfinished escape).
pub(super) fn quoted_printable<'x>(
    stream: &mut MessageStream<'x>,
    data: &'x [u8],
    boundary: &[u8],
) -> (usize, Cow<'x, [u8]>) {
    #[derive(PartialEq)]
    enum State {
        None,
        Eq,
        Hex1(u8),
    }
    let start = stream.offset();
    // The byte loop stops at the second dash of the first `--boundary` (the
    // byte before it is always the one read last): found at once, so that
    // dashes do not stop runs of plain bytes.
    let delimiter = if boundary.is_empty() { None } else { find_delimiter(data, start, boundary) };
    let limit = delimiter.map_or(data.len(), |dash| dash + 1);
    // Decoded text is at most about as long as its encoding.
    let mut buf = Vec::with_capacity(limit.saturating_sub(start).min(1 << 20));
    let mut state = State::None;
    let (mut last_ch, mut before_last_ch) = (0u8, 0u8);
    let mut ws_count = 0;
    let mut end_pos = start;
    let mut crlf: &[u8] = b"\n";
    let mut i = start;
    while i < limit {
        let ch = data[i];
        i += 1;
        match ch {
            b'=' if state == State::None => {
                if let Some(&[h1, h2]) = data.get(i..i + 2) {
                    if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() {
                        // `=XY` at once, as the states `Eq` and `Hex1` read it.
                        match quoted_printable_decode_char(h1, h2) {
                            Some(b) => buf.push(b),
                            None => buf.extend_from_slice(&[b'=', h1, h2]),
                        }
                        ws_count = 0;
                        (before_last_ch, last_ch) = (h1, h2);
                        i += 2;
                        continue;
                    }
                }
                state = State::Eq;
            }
            b'=' => return (usize::MAX, Cow::Borrowed(b"")),
            b'\n' => {
                end_pos = if last_ch == b'\r' { i - 2 } else { i - 1 };
                if state == State::Eq {
                    state = State::None;
                } else {
                    buf.truncate(buf.len().saturating_sub(ws_count));
                    buf.extend_from_slice(crlf);
                }
                ws_count = 0;
            }
            b'\r' => crlf = b"\r\n",
            _ => match state {
                State::None => {
                    // A run of plain bytes at once (up to the delimiter's
                    // second dash at most).
                    let run_end = qp_run_end(data, i).min(limit);
                    let run = &data[i - 1..run_end];
                    buf.extend_from_slice(run);
                    let trailing = run.iter().rev().take_while(|c| c.is_ascii_whitespace()).count();
                    ws_count = if trailing == run.len() { ws_count + trailing } else { trailing };
                    if run.len() > 1 {
                        before_last_ch = run[run.len() - 2];
                        last_ch = run[run.len() - 1];
                        i = run_end;
                        continue;
                    }
                }
                State::Eq => {
                    if ch.is_ascii_hexdigit() {
                        state = State::Hex1(ch);
                    } else if !ch.is_ascii_whitespace() {
                        state = State::None;
                        buf.extend_from_slice(&[b'=', ch]);
                        ws_count = 0;
                    }
                }
                State::Hex1(hex1) => {
                    state = State::None;
                    match quoted_printable_decode_char(hex1, ch) {
                        Some(b) => buf.push(b),
                        None => buf.extend_from_slice(&[b'=', last_ch, ch]),
                    }
                    ws_count = 0;
                }
            },
        }
        before_last_ch = last_ch;
        last_ch = ch;
    }
    if delimiter.is_some() {
        // The delimiter's second dash (`last_ch` holds its first): the body
        // ends before its line end, or at it mid-line.
        i += 1 + boundary.len();
        if before_last_ch == b'\n' {
            // The line end and the first dash, unless fewer bytes were
            // written (mail-parser's subtraction then wraps and nothing is
            // cut).
            if let Some(n) = buf.len().checked_sub(crlf.len() + 1) {
                buf.truncate(n);
            }
        } else {
            buf.truncate(buf.len().saturating_sub(1));
            end_pos = i - boundary.len() - 2;
        }
        stream.skip_bytes(i - start);
        return (end_pos, buf.into());
    }
    unbounded_end(stream, data, boundary, buf)
}

/// `MessageStream::decode_base64_mime`, with its decoding table: the body
/// from the stream's position to the next `--boundary`, decoded, and the
/// offset where it ends (`usize::MAX`, the stream left where it was, on a
/// byte outside base64 or when a non-empty boundary never comes).
pub(super) fn base64<'x>(stream: &mut MessageStream<'x>, data: &'x [u8], boundary: &[u8]) -> (usize, Cow<'x, [u8]>) {
    const INVALID: u32 = 0x01ff_ffff;
    let start = stream.offset();
    let mut buf = Vec::with_capacity(data.len().saturating_sub(start) / 4 * 3);
    let (mut chunk, mut byte_count) = (0u32, 0usize);
    let (mut last_ch, mut before_last_ch) = (b'\n', 0u8);
    let mut end_pos = start;
    let mut i = start;
    while i < data.len() {
        if byte_count == 0 {
            // Whole groups of four base64 characters at once: an invalid
            // one (0x01ffffff) shows in the union of their values, which
            // are below 2^24 otherwise.
            while let Some(&[a, b, c, d]) = data.get(i..i + 4) {
                let group = BASE64_MAP[0][a as usize]
                    | BASE64_MAP[1][b as usize]
                    | BASE64_MAP[2][c as usize]
                    | BASE64_MAP[3][d as usize];
                if group >= INVALID {
                    break;
                }
                buf.extend_from_slice(&group.to_le_bytes()[0..3]);
                (before_last_ch, last_ch) = (c, d);
                i += 4;
            }
            if i >= data.len() {
                break;
            }
        }
        let ch = data[i];
        i += 1;
        let val = BASE64_MAP[byte_count][ch as usize];
        if val < INVALID {
            byte_count = (byte_count + 1) & 3;
            if byte_count == 1 {
                chunk = val;
            } else {
                chunk |= val;
                if byte_count == 0 {
                    buf.extend_from_slice(&chunk.to_le_bytes()[0..3]);
                }
            }
        } else {
            match ch {
                b'=' => match byte_count {
                    1 | 2 => {
                        buf.push(chunk.to_le_bytes()[0]);
                        byte_count = 0;
                    }
                    3 => {
                        buf.extend_from_slice(&chunk.to_le_bytes()[0..2]);
                        byte_count = 0;
                    }
                    _ => {}
                },
                b'\n' => end_pos = if last_ch == b'\r' { i - 2 } else { i - 1 },
                b' ' | b'\t' | b'\r' => {}
                b'-' if last_ch == b'-' => {
                    if boundary.is_empty() || !data[i..].starts_with(boundary) {
                        return (usize::MAX, Cow::Borrowed(b""));
                    }
                    i += boundary.len();
                    stream.skip_bytes(i - start);
                    let end = if before_last_ch == b'\n' { end_pos } else { i - boundary.len() - 2 };
                    return (end, buf.into());
                }
                b'-' => {}
                _ => return (usize::MAX, Cow::Borrowed(b"")),
            }
        }
        before_last_ch = last_ch;
        last_ch = ch;
    }
    unbounded_end(stream, data, boundary, buf)
}

/// The end of a decoded body that ran out of data before any boundary:
/// the whole rest of the data when no boundary was looked for (the stream
/// moved to its end), else "no end" (`usize::MAX`, the stream left where it
/// was), as mail-parser's decoders answer.
fn unbounded_end<'x>(
    stream: &mut MessageStream<'x>,
    data: &[u8],
    boundary: &[u8],
    buf: Vec<u8>,
) -> (usize, Cow<'x, [u8]>) {
    if boundary.is_empty() {
        stream.seek_end();
        (data.len(), buf.into())
    } else {
        (usize::MAX, buf.into())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    pub(super) const PIECES: &[&str] = &[
        "a", "b c", " ", "\t", "\n", "\r\n", "\r", "=", "=3D", "=4", "=4=", "=ZZ", "=e9", "=Ab", "= \n", "-", "--",
        "--b", "--b--", "x--b", "---b", "é", "=-", "=A-", "a-b", " -",
    ];

    pub(super) const B64: &[&str] = &[
        "QUJD", "QUJDREVG", "AAAA", "////", "+/+/", "QQ==", "QUI=", "Q", "Zm9v", "=", "==", "\n", "\r\n", " ", "\t",
        "-", "--", "--b", "x--b", "_", "!", "é",
    ];

    fn body() -> impl Strategy<Value = (String, usize)> {
        (proptest::collection::vec(proptest::sample::select(PIECES), 0..30), 0usize..4)
            .prop_map(|(p, skip)| (p.concat(), skip))
    }

    fn after<'x>(data: &'x [u8], skip: usize) -> MessageStream<'x> {
        let mut s = MessageStream::new(data);
        s.skip_bytes(skip.min(data.len()));
        s
    }

    #[test]
    fn decodes_quoted_printable_up_to_the_boundary() {
        let data = "caf=C3=A9 =\nbar  \n--b\nnext".as_bytes();
        let mut stream = MessageStream::new(data);
        let (end, bytes) = quoted_printable(&mut stream, data, b"b");
        assert_eq!((end, &*bytes, stream.offset()), (17, "café bar".as_bytes(), 21));
        let mut stream = MessageStream::new(data);
        let (end, bytes) = mime_part(&mut stream, data, b"b");
        assert_eq!((end, &*bytes, stream.offset()), (17, &data[..17], 21));
    }

    proptest! {
        #[test]
        fn mime_part_agrees_with_mail_parser((text, skip) in body(), boundary in proptest::sample::select(vec!["", "b", "-b"])) {
            let data = text.as_bytes();
            let (mut ours, mut theirs) = (after(data, skip), after(data, skip));
            let a = mime_part(&mut ours, data, boundary.as_bytes());
            let b = theirs.mime_part(boundary.as_bytes());
            prop_assert_eq!((a, ours.offset()), (b, theirs.offset()));
        }

        #[test]
        fn base64_agrees_with_mail_parser(
            pieces in proptest::collection::vec(proptest::sample::select(B64), 0..30),
            skip in 0usize..4,
            boundary in proptest::sample::select(vec!["", "b", "-b"]),
        ) {
            let text = pieces.concat();
            let data = text.as_bytes();
            let (mut ours, mut theirs) = (after(data, skip), after(data, skip));
            let a = base64(&mut ours, data, boundary.as_bytes());
            let b = theirs.decode_base64_mime(boundary.as_bytes());
            prop_assert_eq!((a, ours.offset()), (b, theirs.offset()));
        }

        #[test]
        fn quoted_printable_agrees_with_mail_parser((text, skip) in body(), boundary in proptest::sample::select(vec!["", "b", "-b"])) {
            let data = text.as_bytes();
            let (mut ours, mut theirs) = (after(data, skip), after(data, skip));
            let a = quoted_printable(&mut ours, data, boundary.as_bytes());
            // Its debug build overflows where its release build wraps: no
            // reference there.
            let Ok(b) = std::panic::catch_unwind(move || {
                let r = theirs.decode_quoted_printable_mime(boundary.as_bytes());
                (r, theirs.offset())
            }) else {
                return Ok(());
            };
            prop_assert_eq!((a, ours.offset()), b);
        }
    }
}
