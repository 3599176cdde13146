//! Delimiters of multipart bodies found with `memchr`: `mail-parser`'s
//! `MessageStream` searches that walk the stream a byte at a time, with the
//! same results (checked by the property test below).

use mail_parser::parsers::MessageStream;

/// The first `--boundary` in `data` at or after `from`: its offset.
///
/// Found from the dashes of the data: building a substring searcher for
/// each boundary (as `memchr::memmem` does) costs more than most searches
/// for it, and text bodies hold few dashes. Data dense with dashes (rule
/// lines, or a body made to be slow) gets the substring searcher after
/// [`DASH_TRIES`] dashes, so a search stays linear in the data whatever
/// the boundary's length.
pub(super) fn find_delimiter(data: &[u8], from: usize, boundary: &[u8]) -> Option<usize> {
    let rest = data.get(from..)?;
    let mut at = 0;
    for _ in 0..DASH_TRIES {
        let dash = at + memchr::memchr(b'-', &rest[at..])?;
        let after = &rest[dash + 1..];
        if after.first() == Some(&b'-') && after[1..].starts_with(boundary) {
            return Some(from + dash);
        }
        at = dash + 1;
    }
    // Every start before `at` is ruled out: only a dash can start one.
    let delimiter = [b"--", boundary].concat();
    memchr::memmem::find(&rest[at..], &delimiter).map(|i| from + at + i)
}

/// Dashes [`find_delimiter`] tries one by one before it builds a substring
/// searcher.
const DASH_TRIES: usize = 64;

/// Where a body ends before a delimiter found at `dash` (the offset of its
/// `--`), as `mail-parser` counts it: before the line end that precedes the
/// delimiter, or at the delimiter when it does not start a line.
pub(super) fn end_before(data: &[u8], start: usize, dash: usize) -> usize {
    if dash == start {
        return start;
    }
    if data[dash - 1] != b'\n' {
        return dash;
    }
    let nl = dash - 1;
    if nl > start && data[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

/// `MessageStream::seek_next_part`: whether a `--boundary` comes, the
/// stream moved past it when it does.
pub(super) fn next_part(stream: &mut MessageStream<'_>, data: &[u8], boundary: &[u8]) -> bool {
    if boundary.is_empty() {
        return false;
    }
    let start = stream.offset();
    match find_delimiter(data, start, boundary) {
        Some(dash) => {
            stream.skip_bytes(dash + 2 + boundary.len() - start);
            true
        }
        None => false,
    }
}

/// `MessageStream::seek_part_end`: where the body at the stream's position
/// ends (before the next `--boundary`, or at the end of the data) and
/// whether the boundary was found; the stream moved past it, or to the end.
pub(super) fn part_end(stream: &mut MessageStream<'_>, data: &[u8], boundary: Option<&[u8]>) -> (usize, bool) {
    let start = stream.offset();
    match boundary.map(|b| (b, find_delimiter(data, start, b))) {
        Some((b, Some(dash))) => {
            stream.skip_bytes(dash + 2 + b.len() - start);
            (end_before(data, start, dash), true)
        }
        Some((_, None)) => {
            stream.seek_end();
            (stream.offset(), false)
        }
        None => {
            stream.seek_end();
            (stream.offset(), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn data_dense_with_dashes_is_searched_past_the_dash_tries() {
        let boundary = format!("{}b", "-".repeat(100));
        for dashes in [0, 10, DASH_TRIES, 3 * DASH_TRIES, 1000] {
            for tail in ["", "--", "x", "b"] {
                let text = format!("a\n{}{tail}--{boundary}\nrest", "-".repeat(dashes));
                let data = text.as_bytes();
                let naive = (0..data.len()).find(|&i| data[i..].starts_with(format!("--{boundary}").as_bytes()));
                assert_eq!(find_delimiter(data, 0, boundary.as_bytes()), naive, "{dashes} dashes, tail {tail:?}");
                let (mut ours, mut theirs) = (MessageStream::new(data), MessageStream::new(data));
                let found = next_part(&mut ours, data, boundary.as_bytes());
                assert_eq!((found, ours.offset()), (theirs.seek_next_part(boundary.as_bytes()), theirs.offset()));
            }
        }
        assert_eq!(find_delimiter(&[b'-'; 500], 0, b"b"), None);
    }

    const PIECES: &[&str] = &["a", " ", "\n", "\r\n", "\r", "-", "--", "--b", "--b--", "x--b", "---b", "b", "é"];

    proptest! {
        #[test]
        fn seeks_agree_with_mail_parser(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..20),
            skip in 0usize..4,
            boundary in proptest::sample::select(vec!["", "b", "-b", "b-"]),
        ) {
            let text = pieces.concat();
            let data = text.as_bytes();
            let at = |skip: usize| {
                let mut s = MessageStream::new(data);
                s.skip_bytes(skip.min(data.len()));
                s
            };
            let (mut ours, mut theirs) = (at(skip), at(skip));
            let found = next_part(&mut ours, data, boundary.as_bytes());
            prop_assert_eq!((found, ours.offset()), (theirs.seek_next_part(boundary.as_bytes()), theirs.offset()));
            for b in [None, Some(boundary.as_bytes())] {
                let (mut ours, mut theirs) = (at(skip), at(skip));
                let end = part_end(&mut ours, data, b);
                prop_assert_eq!((end, ours.offset()), (theirs.seek_part_end(b), theirs.offset()));
            }
        }
    }
}
