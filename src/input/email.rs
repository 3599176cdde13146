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
        // A field name: letters, digits, `-` and `_` up to the line's first
        // colon (read in one pass, without looking for the colon first).
        let len =
            line.iter().position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')).unwrap_or(line.len());
        let Some(name) = (len > 0 && line.get(len) == Some(&b':')).then(|| &line[..len]) else {
            // A folded line that lost its indentation, as broken MTAs write them.
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
    use super::*;

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
