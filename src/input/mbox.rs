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

/// Whether `data` looks like an mbox file: it starts with a `From ` line
/// followed by header lines.
pub fn looks_like(data: &[u8]) -> bool {
    if !data.starts_with(b"From ") {
        return false;
    }
    let Some(nl) = memchr::memchr(b'\n', data) else { return false };
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
}
