//! Where the base64 and quoted-printable readers of [`super`] end a body,
//! found without decoding it: for a part nobody reads (an image, say) or
//! reads only sometimes (an HTML part, when there is no plain text). The
//! end and where the stream is left are theirs, and so is "undecodable"
//! (`usize::MAX`), which turns a part into text; only the decoded bytes are
//! not made (the answer holds none).

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;

use super::super::seek::{end_before, find_delimiter};
use super::mime_part;

/// [`super::quoted_printable`] without its decoded bytes: the same end
/// (`usize::MAX` when it fails) and stream position, the bytes left empty.
pub(in super::super) fn quoted_printable<'x>(
    stream: &mut MessageStream<'x>,
    data: &'x [u8],
    boundary: &[u8],
) -> (usize, Cow<'x, [u8]>) {
    let start = stream.offset();
    let delimiter = if boundary.is_empty() { None } else { find_delimiter(data, start, boundary) };
    // The decoder reads up to the delimiter's first dash.
    let limit = delimiter.map_or(data.len(), |dash| dash + 1);
    if qp_fails(data, start, limit) {
        return (usize::MAX, Cow::Borrowed(b""));
    }
    ended_at(stream, data, boundary, delimiter)
}

/// Whether the quoted-printable decoder fails on `data[start..limit]`: an
/// `=` read right after an escape it has not finished (`==`, `=A=`, `=`
/// spaces `=`). Its states as [`super::quoted_printable`] keeps them; only
/// the escapes change them, so the search jumps from `=` to `=`.
fn qp_fails(data: &[u8], start: usize, limit: usize) -> bool {
    let mut i = start;
    while i < limit {
        // `=` is frequent (soft line breaks, `=3D`): searched for a line
        // at a time, without `memchr`'s dispatch.
        let Some(eq) = crate::near::find(b'=', data.get(i..limit).unwrap_or_default()) else { return false };
        i += eq + 1;
        // `=XY` is read at once (the pair may lie past `limit`: it never
        // holds the delimiter's dash, which is no hex digit).
        if let Some(&[h1, h2]) = data.get(i..i + 2) {
            if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() {
                i += 2;
                continue;
            }
        }
        // After `=`: spaces, tabs and CRs wait, a line end or another byte
        // ends the escape; a hex digit starts one, which any byte but a CR
        // or a line end ends.
        let mut hex1 = false;
        while i < limit {
            let ch = data[i];
            i += 1;
            match ch {
                b'=' => return true,
                b'\n' if !hex1 => break,
                b'\n' | b'\r' => {}
                _ if hex1 => break,
                _ if ch.is_ascii_hexdigit() => hex1 = true,
                _ if ch.is_ascii_whitespace() => {}
                _ => break,
            }
        }
    }
    false
}

/// [`super::base64`] without its decoded bytes: the same end (`usize::MAX`
/// when it fails) and stream position, the bytes left empty.
pub(in super::super) fn base64<'x>(
    stream: &mut MessageStream<'x>,
    data: &'x [u8],
    boundary: &[u8],
) -> (usize, Cow<'x, [u8]>) {
    let start = stream.offset();
    // The decoder reads bytes of the alphabet, `=` and whitespace, up to
    // the first `--` (before the body, the byte read last is a line end):
    // a delimiter when the boundary follows it; any other byte fails.
    let mut last = b'\n';
    let mut i = start;
    loop {
        let run_end = alphabet_run_end(data, i);
        if run_end > i {
            last = data[run_end - 1];
            i = run_end;
        }
        let Some(&ch) = data.get(i) else { break };
        i += 1;
        match ch {
            b'-' if last == b'-' => {
                if boundary.is_empty() || !data[i..].starts_with(boundary) {
                    return (usize::MAX, Cow::Borrowed(b""));
                }
                return ended_at(stream, data, boundary, Some(i - 2));
            }
            b'=' | b'\n' | b' ' | b'\t' | b'\r' | b'-' => {}
            _ => return (usize::MAX, Cow::Borrowed(b"")),
        }
        last = ch;
    }
    ended_at(stream, data, boundary, None)
}

/// Whether `b` is in the base64 alphabet (`A-Z`, `a-z`, `0-9`, `+`, `/`),
/// without branches.
fn in_alphabet(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10) | (b == b'+') | (b == b'/')
}

/// The offset of the first byte at or after `from` in `data` outside the
/// base64 alphabet (the length of `data` when there is none): 16 bytes at
/// a time (tested together, which the compiler turns into vector code),
/// then one at a time.
fn alphabet_run_end(data: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = data.get(i..i + 16) {
        if !chunk.iter().fold(true, |all, &b| all & in_alphabet(b)) {
            break;
        }
        i += 16;
    }
    while data.get(i).is_some_and(|&b| in_alphabet(b)) {
        i += 1;
    }
    i
}

/// The end of a body that decoded, and the stream moved past it, as the
/// decoders leave them: before the delimiter at `dash` (as
/// [`mime_part`] ends a part), or at the end of the data.
fn ended_at<'x>(
    stream: &mut MessageStream<'x>,
    data: &'x [u8],
    boundary: &[u8],
    dash: Option<usize>,
) -> (usize, Cow<'x, [u8]>) {
    let start = stream.offset();
    match dash {
        Some(dash) => {
            stream.skip_bytes(dash + 2 + boundary.len() - start);
            (end_before(data, start, dash), Cow::Borrowed(b""))
        }
        None => {
            let (end, _) = mime_part(stream, data, boundary);
            (end, Cow::Borrowed(b""))
        }
    }
}

#[cfg(test)]
mod tests {
    use mail_parser::decoders::base64::BASE64_MAP;
    use proptest::prelude::*;

    use super::super::tests::{B64, PIECES};
    use super::*;

    fn after(data: &[u8], skip: usize) -> MessageStream<'_> {
        let mut s = MessageStream::new(data);
        s.skip_bytes(skip.min(data.len()));
        s
    }

    #[test]
    fn the_base64_tables_hold_the_alphabet() {
        for b in 0..=255u8 {
            // 0x01ffffff marks a byte outside the alphabet.
            let valid: Vec<bool> = BASE64_MAP.iter().map(|t| t[b as usize] < 0x01ff_ffff).collect();
            assert_eq!(valid, [in_alphabet(b); 4], "{b}");
        }
        let data = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123+/ab\nQQ==";
        assert_eq!(alphabet_run_end(data, 0), 43);
        assert_eq!(alphabet_run_end(data, 43), 43);
        assert_eq!(alphabet_run_end(data, 44), 46);
        assert_eq!(alphabet_run_end(data, 48), 48);
    }

    proptest! {
        #[test]
        fn quoted_printable_ends_where_its_decoder_does(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..30),
            skip in 0usize..4,
            boundary in proptest::sample::select(vec!["", "b", "-b", "3D"]),
        ) {
            let text = pieces.concat();
            let data = text.as_bytes();
            let (mut ours, mut theirs) = (after(data, skip), after(data, skip));
            let (end, bytes) = quoted_printable(&mut ours, data, boundary.as_bytes());
            let (expected, _) = super::super::quoted_printable(&mut theirs, data, boundary.as_bytes());
            prop_assert!(bytes.is_empty());
            prop_assert_eq!((end, ours.offset()), (expected, theirs.offset()));
        }

        #[test]
        fn base64_ends_where_its_decoder_does(
            pieces in proptest::collection::vec(proptest::sample::select(B64), 0..30),
            skip in 0usize..4,
            boundary in proptest::sample::select(vec!["", "b", "-b", "QQ"]),
        ) {
            let text = pieces.concat();
            let data = text.as_bytes();
            let (mut ours, mut theirs) = (after(data, skip), after(data, skip));
            let (end, bytes) = base64(&mut ours, data, boundary.as_bytes());
            let (expected, _) = super::super::base64(&mut theirs, data, boundary.as_bytes());
            prop_assert!(bytes.is_empty());
            prop_assert_eq!((end, ours.offset()), (expected, theirs.offset()));
        }
    }
}
