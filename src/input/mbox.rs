//! mbox files: messages separated by lines starting with `From ` (the
//! mboxo/mboxrd family; `>From ` quoting is left as it is, which does not
//! matter for reading bounces).

mod stream;

pub use stream::{for_each_message, Message};

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
}
