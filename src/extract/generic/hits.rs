//! Which lines of a text hold something (an `@`, a reply continuation
//! code), found by one scan of the text instead of a search per line.
//!
//! The generic reader asks it of every line of a notice's error section,
//! twice: a search set up for each line cost more than the short line it
//! searched. The lines are slices of the text, in order, so one cursor
//! over the text's hits serves them all; a line that is not such a slice
//! (a reply joined from several) is searched on its own.

use std::ops::Range;

/// Where `part` lies in `text`, when it is a slice of it (found from their
/// addresses, not by searching).
pub(crate) fn span_in(text: &[u8], part: &[u8]) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= text.len()).then_some(start..end)
}

/// A cursor over the hits in a text, asked about its lines in order (see
/// the module documentation); `F` finds the next hit in the text at or
/// after a position.
pub(crate) struct LineHits<'t, F> {
    text: &'t [u8],
    find: F,
    /// The next hit at or after `from`, once looked for.
    next: Option<Option<usize>>,
    /// Where the scan stands: every hit before it was passed.
    from: usize,
}

impl<'t, F: Fn(&[u8], usize) -> Option<usize>> LineHits<'t, F> {
    /// A cursor over `text`, whose hits `find` gives.
    pub(crate) fn new(text: &'t str, find: F) -> LineHits<'t, F> {
        LineHits { text: text.as_bytes(), find, next: None, from: 0 }
    }

    /// Whether `line` holds a hit at least `lead` bytes into it (a hit's
    /// own bytes before it, such as the digits of a code, are then in the
    /// line too); `None` when `line` is not a slice of the text at or after
    /// the lines asked about before (the caller searches it itself).
    pub(crate) fn in_line(&mut self, line: &str, lead: usize) -> Option<bool> {
        let Range { start, end } = span_in(self.text, line.as_bytes())?;
        if start < self.from {
            return None;
        }
        loop {
            let next = *self.next.get_or_insert_with(|| (self.find)(self.text, self.from));
            match next {
                // A hit past the line is a later line's.
                Some(at) if at >= end => {
                    self.from = self.from.max(start);
                    return Some(false);
                }
                Some(at) if at < start + lead => {
                    self.from = at + 1;
                    self.next = None;
                }
                Some(_) => {
                    self.from = self.from.max(start);
                    return Some(true);
                }
                None => return Some(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_at(s: &[u8], from: usize) -> Option<usize> {
        memchr::memchr(b'@', s.get(from..)?).map(|p| from + p)
    }

    proptest::proptest! {
        /// Each line holds a hit exactly when a search of the line finds
        /// one `lead` bytes in or later.
        #[test]
        fn answers_as_a_search_of_each_line(text in "[a@\n ]{0,40}", lead in 0..3usize) {
            let mut hits = LineHits::new(&text, byte_at);
            for line in text.lines() {
                let want = line.as_bytes().iter().skip(lead).any(|&b| b == b'@');
                proptest::prop_assert_eq!(hits.in_line(line, lead), Some(want), "{:?}", line);
            }
        }
    }

    #[test]
    fn a_slice_is_found_where_it_lies_and_no_other_text_is() {
        let text = b"ab\ncd";
        assert_eq!(span_in(text, &text[3..5]), Some(3..5));
        assert_eq!(span_in(text, &text[5..]), Some(5..5));
        assert_eq!(span_in(&text[..3], &text[2..5]), None);
        assert_eq!(span_in(&text[3..], &text[..2]), None);
        // Equal bytes elsewhere are not the slice.
        let other = text.to_vec();
        assert_eq!(span_in(text, &other[3..5]), None);
    }

    #[test]
    fn leaves_lines_of_other_texts_and_earlier_lines_to_the_caller() {
        let text = "a@b\nc@d";
        let mut hits = LineHits::new(text, byte_at);
        assert_eq!(hits.in_line("x@y", 0), None);
        assert_eq!(hits.in_line(&text[4..], 0), Some(true));
        assert_eq!(hits.in_line(&text[..3], 0), None);
        // A line shorter than the lead leaves the next line's hit to it.
        let text = "\n@";
        let mut hits = LineHits::new(text, byte_at);
        assert_eq!(hits.in_line(&text[..0], 2), Some(false));
        assert_eq!(hits.in_line(&text[1..], 0), Some(true));
    }
}
