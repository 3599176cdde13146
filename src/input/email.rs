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
    // The header block ends at the first blank line, whatever the line endings.
    let end = [&b"\n\n"[..], b"\r\n\r\n", b"\r\r"]
        .iter()
        .filter_map(|sep| memchr::memmem::find(head, sep))
        .min()
        .unwrap_or(head.len());
    for (i, line) in head[..end].split(|&b| b == b'\n' || b == b'\r').filter(|l| !l.is_empty()).enumerate().take(60) {
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            if i == 0 {
                return false;
            }
            continue;
        }
        let name = memchr::memchr(b':', line).map(|colon| &line[..colon]);
        let Some(name) = name.filter(|n| !n.is_empty() && n.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        else {
            // A folded line that lost its indentation, as broken MTAs write them.
            if i == 0 {
                return false;
            }
            odd += 1;
            continue;
        };
        fields += 1;
        common |= [
            &b"from"[..],
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
        ]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h));
    }
    fields >= 2 && common && odd * 2 <= fields
}

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
    }
}
