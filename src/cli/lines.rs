//! Splitting input into lines without copying each one: big reads into one
//! buffer, lines found with `memchr` and handed out as slices of it.

use std::io::{self, Read};

/// Bytes asked of the reader at a time (the buffer grows for longer lines).
const CHUNK: usize = 256 * 1024;

/// Calls `f` with every line of `reader` that is not blank, without its line
/// ending (`\n` or `\r\n`). Lines need not be UTF-8 and may be of any length;
/// the last line needs no newline.
///
/// ```text
/// let mut seen = Vec::new();
/// for_each_line(&b"a\n\n b\r\nc"[..], |l| { seen.push(l.to_vec()); Ok(()) })?;
/// assert_eq!(seen, [b"a".to_vec(), b" b".to_vec(), b"c".to_vec()]);
/// ```
pub fn for_each_line(mut reader: impl Read, mut f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    // Unprocessed bytes are buf[start..end].
    let (mut start, mut end) = (0, 0);
    let mut emit = |line: &[u8]| -> io::Result<()> {
        let text = line.strip_suffix(b"\r").unwrap_or(line);
        if text.iter().all(u8::is_ascii_whitespace) {
            Ok(())
        } else {
            f(text)
        }
    };
    loop {
        while let Some(nl) = memchr::memchr(b'\n', &buf[start..end]) {
            emit(&buf[start..start + nl])?;
            start += nl + 1;
        }
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if buf.len() - end < CHUNK / 2 {
            buf.resize(buf.len() + CHUNK, 0);
        }
        let n = match reader.read(&mut buf[end..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return if end > 0 { emit(&buf[..end]) } else { Ok(()) };
        }
        end += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for_each_line(input, |l| {
            out.push(l.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn splits_strips_endings_and_skips_blank_lines() {
        assert_eq!(lines(b"a\n\n  \r\n b\r\nc"), [b"a".to_vec(), b" b".to_vec(), b"c".to_vec()]);
        assert!(lines(b"").is_empty());
        assert!(lines(b"\n\n").is_empty());
    }

    /// A reader that hands out at most three bytes per call.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(3);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_longer_than_a_chunk_and_split_reads_come_out_whole() {
        let long = vec![b'x'; CHUNK * 2 + 7];
        let mut input = long.clone();
        input.extend_from_slice(b"\nshort\n");
        assert_eq!(lines(&input), [long, b"short".to_vec()]);
        let mut out = Vec::new();
        for_each_line(Trickle(b"one\r\ntwo\nthree"), |l| {
            out.push(l.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(out, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
    }
}
