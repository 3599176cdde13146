//! mbox files: messages separated by lines starting with `From ` (the
//! mboxo/mboxrd family; `>From ` quoting is left as it is, which does not
//! matter for reading bounces).

/// The messages of an mbox file, each without its `From ` separator line.
/// Text before the first separator is ignored; an empty file has none.
///
/// ```
/// let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\n\nFrom c@d Mon Jan  1 00:00:01 2024\nSubject: two\n\nx\n";
/// let msgs: Vec<&[u8]> = rebound::input::mbox::split(mbox).collect();
/// assert_eq!(msgs.len(), 2);
/// assert!(msgs[1].starts_with(b"Subject: two"));
/// ```
pub fn split(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts: Vec<usize> = Vec::new();
    if data.starts_with(b"From ") {
        starts.push(0);
    }
    for i in memchr::memmem::find_iter(data, b"\nFrom ") {
        starts.push(i + 1);
    }
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain(std::iter::once(data.len())).collect();
    starts.into_iter().zip(ends).filter_map(move |(s, e)| {
        let msg = &data[s..e];
        let body = memchr::memchr(b'\n', msg).map_or(&[][..], |i| &msg[i + 1..]);
        (!body.iter().all(u8::is_ascii_whitespace)).then_some(body)
    })
}

/// `data` with lone CR line endings (old Mac files) turned into LF, so that
/// `From ` separators can be found; other data is returned as it is.
pub fn lf_endings(data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memchr(b'\n', data).is_some() || memchr::memchr(b'\r', data).is_none() {
        return std::borrow::Cow::Borrowed(data);
    }
    std::borrow::Cow::Owned(data.iter().map(|&b| if b == b'\r' { b'\n' } else { b }).collect())
}

/// One message of an mbox stream, as [`for_each_message`] hands it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// The message, without its `From ` line.
    Email(&'a [u8]),
    /// A message over the size limit, with its size; its bytes were not kept.
    TooLarge(u64),
}

/// Reads an mbox stream one message at a time, keeping at most `max_size`
/// bytes of any message, and calls `f` with the 1-based number of each
/// message and the message. A `From ` line starts a message at the start of
/// the stream or after a blank line.
pub fn for_each_message(
    mut reader: impl std::io::BufRead,
    max_size: u64,
    mut f: impl FnMut(usize, Message<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut msg: Vec<u8> = Vec::new();
    let mut size: u64 = 0;
    let mut number = 0;
    let mut started = false;
    let mut previous_blank = true;
    let mut line = Vec::with_capacity(1024);
    let mut flush = |msg: &mut Vec<u8>, size: &mut u64, number: &mut usize| -> std::io::Result<()> {
        if *size > 0 && !msg.iter().all(u8::is_ascii_whitespace) || *size > max_size {
            *number += 1;
            if *size > max_size {
                f(*number, Message::TooLarge(*size))?;
            } else {
                f(*number, Message::Email(msg))?;
            }
        }
        msg.clear();
        *size = 0;
        Ok(())
    };
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.starts_with(b"From ") && previous_blank {
            if started {
                flush(&mut msg, &mut size, &mut number)?;
            }
            started = true;
            previous_blank = false;
            continue;
        }
        previous_blank = line.iter().all(u8::is_ascii_whitespace);
        if !started {
            continue;
        }
        size += line.len() as u64;
        if size <= max_size {
            msg.extend_from_slice(&line);
        }
    }
    if started {
        flush(&mut msg, &mut size, &mut number)?;
    }
    Ok(())
}

/// Whether `data` looks like an mbox file: it starts with a `From ` line
/// followed by header lines.
pub fn looks_like(data: &[u8]) -> bool {
    if !data.starts_with(b"From ") {
        return false;
    }
    let Some(nl) = memchr::memchr2(b'\n', b'\r', data) else { return false };
    super::email::looks_like(&data[nl + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_skips_empty_messages() {
        assert_eq!(split(b"").count(), 0);
        assert_eq!(split(b"\n").count(), 0);
        let data = b"From x\nA: 1\n\nb\nFrom y\n\nFrom z\nB: 2\n\nc\n";
        let msgs: Vec<&[u8]> = split(data).collect();
        assert_eq!(msgs, [&b"A: 1\n\nb\n"[..], &b"B: 2\n\nc\n"[..]]);
    }

    #[test]
    fn reads_mbox_files_with_cr_line_endings() {
        let data = lf_endings(b"From x\rA: 1\r\rb\rFrom y\rB: 2\r\rc\r");
        assert_eq!(split(&data).count(), 2);
        assert_eq!(&*lf_endings(b"a\r\nb"), b"a\r\nb");
    }

    #[test]
    fn streams_messages_and_refuses_large_ones() {
        let data = b"From x\nA: 1\n\nb\n\nFrom y\nB: 2\n\n0123456789012345678901234567890123456789\n\nFrom z\nC: 3\n";
        let mut seen = Vec::new();
        for_each_message(&data[..], 30, |n, m| {
            seen.push(match m {
                Message::Email(b) => (n, String::from_utf8_lossy(b).into_owned()),
                Message::TooLarge(size) => (n, format!("too large: {size}")),
            });
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [(1, "A: 1\n\nb\n\n".to_string()), (2, "too large: 48".to_string()), (3, "C: 3\n".to_string())]
        );
    }
}
