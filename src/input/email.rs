//! Recognising a single email by its header block.

/// Whether `data` starts like an RFC 5322 message: its first line is a
/// header field, and the first lines before a blank line are header fields
/// (or their continuations) including at least one field every email has.
///
/// ```
/// assert!(rebound::input::email::looks_like(b"Return-Path: <>\r\nFrom: a@b\r\nSubject: x\r\n\r\nbody"));
/// assert!(!rebound::input::email::looks_like(b"550 5.1.1 User unknown\n"));
/// ```
pub fn looks_like(data: &[u8]) -> bool {
    let mut fields = 0;
    let mut odd = 0;
    let mut common = false;
    let head = &data[..data.len().min(16 * 1024)];
    // One pass over the lines, whatever their endings (LF, CRLF, lone CR);
    // the header block ends at the first blank line.
    let mut lines = 0;
    // One line ending before the first field is tolerated.
    let mut at = match head {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        _ => 0,
    };
    while at < head.len() && lines < 60 {
        // The line's first byte tells a blank line, a continuation and a
        // field name apart; the line end is looked for after the name (no
        // name byte is a line end, so it is the line's end all the same).
        let from = match head[at] {
            b'\n' | b'\r' => break,
            b' ' | b'\t' => {
                if lines == 0 {
                    return false;
                }
                at
            }
            _ => {
                // A field name: letters, digits, `-` and `_` up to the
                // line's first colon.
                let end = at + head[at..].iter().position(|&b| !NAME[usize::from(b)]).unwrap_or(head.len() - at);
                if end > at && head.get(end) == Some(&b':') {
                    fields += 1;
                    common = common || COMMON.iter().any(|h| head[at..end].eq_ignore_ascii_case(h));
                } else if lines == 0 {
                    return false;
                } else {
                    // A folded line that lost its indentation, as broken
                    // MTAs write them.
                    odd += 1;
                }
                end
            }
        };
        lines += 1;
        let eol = crate::near::find2(b'\n', b'\r', &head[from..]).map_or(head.len(), |i| from + i);
        at = match head.get(eol..eol + 2) {
            Some(b"\r\n") => eol + 2,
            _ => eol + 1,
        };
    }
    fields >= 2 && common && odd * 2 <= fields
}

/// The bytes of a field name: ASCII letters, digits, `-` and `_`.
const NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    t
};

/// Fields (nearly) every email has; one of them makes a header block.
const COMMON: [&[u8]; 11] = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"received",
    b"return-path",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"delivered-to",
    b"x-original-to",
];

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `looks_like` as it was before it read a name before looking for
    /// the line's end: line by line, then the name in the line.
    fn line_first(data: &[u8]) -> bool {
        let (mut fields, mut odd, mut common, mut lines) = (0, 0, false, 0);
        let head = &data[..data.len().min(16 * 1024)];
        let mut at = match head {
            [b'\r', b'\n', ..] => 2,
            [b'\n' | b'\r', ..] => 1,
            _ => 0,
        };
        while at < head.len() && lines < 60 {
            let eol = memchr::memchr2(b'\n', b'\r', &head[at..]).map_or(head.len(), |i| at + i);
            let line = &head[at..eol];
            at = match head.get(eol..eol + 2) {
                Some(b"\r\n") => eol + 2,
                _ => eol + 1,
            };
            if line.is_empty() {
                break;
            }
            let first = lines == 0;
            lines += 1;
            if line[0] == b' ' || line[0] == b'\t' {
                if first {
                    return false;
                }
                continue;
            }
            let len = line
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
                .unwrap_or(line.len());
            let Some(name) = (len > 0 && line.get(len) == Some(&b':')).then(|| &line[..len]) else {
                if first {
                    return false;
                }
                odd += 1;
                continue;
            };
            fields += 1;
            common = common || COMMON.iter().any(|h| name.eq_ignore_ascii_case(h));
        }
        fields >= 2 && common && odd * 2 <= fields
    }

    /// Lines and line ends the property test builds header blocks from.
    const PIECES: &[&[u8]] = &[
        b"Received: from a",
        b"X-Thing: 1",
        b"Subject: s",
        b"from:",
        b"X_a-1:",
        b"\tby b",
        b" (c)",
        b"odd line",
        b"x",
        b"a:b",
        b":",
        b"-",
        b"\n",
        b"\n",
        b"\n",
        b"\r\n",
        b"\r",
        b"\xef\xbb\xbf",
        b"\xff",
    ];

    proptest! {
        #[test]
        fn agrees_with_reading_lines_first(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..200),
        ) {
            let data = pieces.concat();
            prop_assert_eq!(looks_like(&data), line_first(&data));
        }

        #[test]
        fn agrees_with_reading_lines_first_on_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(looks_like(&data), line_first(&data));
        }
    }

    #[test]
    fn agrees_on_long_blocks_and_the_corpus() {
        let mut long: Vec<u8> = b"Received: a\n".repeat(45);
        long.extend_from_slice(&b"odd\n".repeat(25));
        assert_eq!(looks_like(&long), line_first(&long));
        let mut cut = b"From: a\nSubject: b\n".repeat(1000);
        cut.truncate(16 * 1024 + 5);
        assert_eq!(looks_like(&cut), line_first(&cut));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sisimai/maildir");
        for entry in walkdir(&dir) {
            let data = std::fs::read(&entry).unwrap();
            assert_eq!(looks_like(&data), line_first(&data), "{}", entry.display());
        }
    }

    /// The files under `dir` (none when it is missing).
    fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        crate::input::files_under(dir).unwrap_or_default()
    }

    #[test]
    fn needs_header_fields() {
        assert!(looks_like(b"Received: from x\n\tby y\nFrom: a\n\nbody"));
        assert!(!looks_like(b"Note: one field only\nand text"));
        assert!(!looks_like(b"{\"a\": 1}\n"));
        assert!(!looks_like(b""));
        assert!(looks_like(b"Received: from a\n(b) by c\nFrom: x\nSubject: y\n\nbody"));
        assert!(looks_like(b"Received: from a\r\tby b\rFrom: x\rSubject: y\r\rbody"));
        assert!(!looks_like(b"Subject: one\nplain text\nmore text\nand more\n"));
        assert!(looks_like(b"From: a\r\nSubject: b\r\n\r\nplain text\r\nmore\r\nand more\r\n"));
        // Only the header block counts: text after the blank line is not read.
        assert!(looks_like(b"From: a\nSubject: b\n\n not a: field\nplain\ntext\nhere\n"));
        assert!(!looks_like(b"From: a\n\nSubject: b\n"));
        assert!(looks_like(b"\r\nFrom: a\r\nSubject: b\r\n\r\n"));
        assert!(!looks_like(b"\n\nFrom: a\nSubject: b\n\n"));
    }
}
