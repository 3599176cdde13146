//! An mbox stream read a buffer at a time: the `From ` separators are
//! looked for in whole buffers of lines and the lines between them handed
//! on together, instead of each line being copied out and looked at.

use std::io::{self, BufRead};

use memchr::memmem::Finder;

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
/// the stream or after a blank line (one of ASCII whitespace only).
pub fn for_each_message(
    mut reader: impl BufRead,
    max_size: u64,
    f: impl FnMut(usize, Message<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut s = Splitter { msg: Vec::new(), size: 0, number: 0, started: false, previous_blank: true, max_size, f };
    let separator = Finder::new(b"\nFrom ");
    // A line begun in one buffer and not ended there.
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let used = if !pending.is_empty() {
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    pending.extend_from_slice(&buf[..=i]);
                    s.line(&pending)?;
                    pending.clear();
                    i + 1
                }
                None => {
                    pending.extend_from_slice(buf);
                    buf.len()
                }
            }
        } else {
            match memchr::memrchr(b'\n', buf) {
                Some(i) => {
                    s.lines(&buf[..=i], &separator)?;
                    i + 1
                }
                None => {
                    pending.extend_from_slice(buf);
                    buf.len()
                }
            }
        };
        reader.consume(used);
    }
    if !pending.is_empty() {
        s.line(&pending)?;
    }
    if s.started {
        s.flush()?;
    }
    Ok(())
}

/// Where [`for_each_message`] is in the stream.
struct Splitter<F> {
    /// The message read so far (its first `max_size` bytes).
    msg: Vec<u8>,
    /// The size of the message read so far.
    size: u64,
    /// How many messages were handed on.
    number: usize,
    /// Whether a first separator was read (text before it is ignored).
    started: bool,
    /// Whether the last line read was blank.
    previous_blank: bool,
    /// The most bytes of a message kept.
    max_size: u64,
    /// Called with each message.
    f: F,
}

impl<F: FnMut(usize, Message<'_>) -> io::Result<()>> Splitter<F> {
    /// Hands on the message read, unless it is empty or blank.
    fn flush(&mut self) -> io::Result<()> {
        if self.size > 0 && !self.msg.iter().all(u8::is_ascii_whitespace) || self.size > self.max_size {
            self.number += 1;
            if self.size > self.max_size {
                (self.f)(self.number, Message::TooLarge(self.size))?;
            } else {
                (self.f)(self.number, Message::Email(&self.msg))?;
            }
        }
        self.msg.clear();
        self.size = 0;
        Ok(())
    }

    /// A separator line: the message read so far ends.
    fn separator(&mut self) -> io::Result<()> {
        if self.started {
            self.flush()?;
        }
        self.started = true;
        self.previous_blank = false;
        Ok(())
    }

    /// Lines that hold no separator, the last one blank or not.
    fn text(&mut self, lines: &[u8], last_blank: bool) {
        self.previous_blank = last_blank;
        if !self.started {
            return;
        }
        self.size += lines.len() as u64;
        // Past the limit the bytes are not kept: the message is refused.
        if self.size <= self.max_size {
            self.msg.extend_from_slice(lines);
        }
    }

    /// One line (with its line end, if it has one).
    fn line(&mut self, line: &[u8]) -> io::Result<()> {
        if self.previous_blank && line.starts_with(b"From ") {
            return self.separator();
        }
        self.text(line, is_blank(line));
        Ok(())
    }

    /// Whole lines (`lines` ends with a line end), the first one starting
    /// a line; `separator` finds `\nFrom `.
    fn lines(&mut self, lines: &[u8], separator: &Finder<'_>) -> io::Result<()> {
        // The bytes up to `at` are handed on.
        let mut at = 0;
        let first = lines.starts_with(b"From ").then_some(0);
        for start in first.into_iter().chain(separator.find_iter(lines).map(|i| i + 1)) {
            let after_blank = if start == 0 { self.previous_blank } else { is_blank(last_line(&lines[..start])) };
            if !after_blank {
                continue;
            }
            if start > at {
                self.text(&lines[at..start], true);
            }
            self.separator()?;
            at = memchr::memchr(b'\n', &lines[start..]).map_or(lines.len(), |i| start + i + 1);
        }
        if at < lines.len() {
            let rest = &lines[at..];
            self.text(rest, is_blank(last_line(rest)));
        }
        Ok(())
    }
}

/// The last line of `lines`, which end with a line end.
fn last_line(lines: &[u8]) -> &[u8] {
    let body = lines.strip_suffix(b"\n").unwrap_or(lines);
    memchr::memrchr(b'\n', body).map_or(lines, |i| &lines[i + 1..])
}

/// Whether `line` is ASCII whitespace only (a separator may follow it).
fn is_blank(line: &[u8]) -> bool {
    line.first().is_none_or(u8::is_ascii_whitespace) && line.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests;
