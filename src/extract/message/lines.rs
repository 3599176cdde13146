//! The top-level header lines of an email as `name: value`, kept in one
//! buffer: one allocation for all the lines instead of one a line.

use super::text::{trim, unfold_into};

/// Header lines as `name: value`, names ASCII-lowercased, values
/// unfolded, in order, stored back to back in one string.
///
/// ```text
/// let mut lines = HeaderLines::with_capacity(1, 16);
/// lines.push("Subject", "Hello\n world", true);
/// assert_eq!(lines.iter().collect::<Vec<_>>(), ["subject: Hello world"]);
/// ```
#[derive(Debug, Default, Clone)]
pub(crate) struct HeaderLines {
    text: String,
    /// Where each line ends in `text` (the next one starts there).
    ends: Vec<usize>,
}

impl HeaderLines {
    /// Room for `lines` lines of `bytes` bytes in all.
    pub(crate) fn with_capacity(lines: usize, bytes: usize) -> HeaderLines {
        HeaderLines { text: String::with_capacity(bytes), ends: Vec::with_capacity(lines) }
    }

    /// Adds the line `name: value`, the name lowercased and the value
    /// unfolded; `folded` is `false` only when the value holds no line end
    /// but maybe a last one (then it is only trimmed).
    pub(crate) fn push(&mut self, name: &str, value: &str, folded: bool) {
        let start = self.text.len();
        self.text.push_str(name);
        self.text[start..].make_ascii_lowercase();
        self.text.push_str(": ");
        if folded {
            unfold_into(value, &mut self.text);
        } else {
            self.text.push_str(trim(value));
        }
        self.ends.push(self.text.len());
    }

    /// Adds the header `line` as written (`name`, up to `name_len`; a colon
    /// and maybe spaces; its value, from `value_at`) as [`Self::push`]
    /// does. The common `Name: value` is copied in one piece (and its name
    /// lowercased in place) rather than name, `: ` and value one by one.
    pub(crate) fn push_written(&mut self, line: &str, name_len: usize, value_at: usize, folded: bool) {
        let (Some(name), Some(value)) = (line.get(..name_len), line.get(value_at..)) else { return };
        if line.as_bytes().get(name_len..name_len + 2) != Some(b": ") {
            return self.push(name, value, folded);
        }
        let start = self.text.len();
        if folded {
            self.text.push_str(&line[..name_len + 2]);
            unfold_into(value, &mut self.text);
        } else {
            let t = trim(value);
            // Where the trimmed value ends in `line` (it is a slice of it).
            let end = t.as_ptr() as usize - line.as_ptr() as usize + t.len();
            if end - t.len() == name_len + 2 {
                self.text.push_str(&line[..end]);
            } else {
                self.text.push_str(&line[..name_len + 2]);
                self.text.push_str(t);
            }
        }
        self.text[start..start + name_len].make_ascii_lowercase();
        self.ends.push(self.text.len());
    }

    /// The lines, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + Clone + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        // Every end is a character boundary: it is the length of the text
        // after a whole line was pushed.
        starts.zip(self.ends.iter().copied()).map(|(s, e)| self.text.get(s..e).unwrap_or_default())
    }

    /// How many lines there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no line.
    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All the lines back to back, without separators (each line ends
    /// where the next starts; [`HeaderLines::iter`] tells them apart).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The bytes of all the lines, without separators.
    pub(crate) fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Appends the lines, each folded (see [`crate::fold::fold_onto`]),
    /// joined by `\n`.
    pub(crate) fn fold_onto(&self, out: &mut Vec<u8>) {
        crate::fold::fold_lines_onto(self.text.as_bytes(), &self.ends, out);
    }

    /// The value of line `i` (after its `name: `).
    pub(crate) fn value(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        let line = self.text.get(start..*self.ends.get(i)?)?;
        // The name holds no `: ` (it holds no colon), so the first one ends it.
        line.split_once(": ").map(|(_, v)| v)
    }

    /// The value of the first line called `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        // A name holds no colon, so `name: ` can only be where its name ends.
        let n = name.as_bytes();
        let Some(&first) = n.first() else {
            return self.iter().find_map(|l| l.strip_prefix(name)?.strip_prefix(": "));
        };
        // Lines are told apart by their first byte before their names are
        // compared (most lines are not the one looked for).
        let text = self.text.as_bytes();
        let mut start = 0;
        for &end in &self.ends {
            let line = text.get(start..end).unwrap_or_default();
            if line.first() == Some(&first)
                && line.get(..n.len()) == Some(n)
                && line.get(n.len()..n.len() + 2) == Some(b": ")
            {
                return self.text.get(start + n.len() + 2..end);
            }
            start = end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_back_in_order_lowercased_and_unfolded() {
        let mut lines = HeaderLines::with_capacity(0, 0);
        assert!(lines.is_empty());
        lines.push("Subject", "Mail delivery\n failed", true);
        lines.push("FROM", " <MAILER-DAEMON@example.org>\n", false);
        lines.push("X-Émoji", "", false);
        lines.push("From", "second", true);
        assert_eq!(lines.len(), 4);
        let all: Vec<&str> = lines.iter().collect();
        assert_eq!(
            all,
            ["subject: Mail delivery failed", "from: <MAILER-DAEMON@example.org>", "x-Émoji: ", "from: second"]
        );
        assert_eq!(lines.text_len(), all.iter().map(|l| l.len()).sum::<usize>());
        assert_eq!(lines.header("from"), Some("<MAILER-DAEMON@example.org>"));
        assert_eq!(lines.header("x-émoji"), None);
        assert_eq!(lines.header("x-Émoji"), Some(""));
        assert_eq!(lines.header("to"), None);
        assert_eq!(lines.value(1), Some("<MAILER-DAEMON@example.org>"));
        assert_eq!(lines.value(2), Some(""));
        assert_eq!(lines.value(4), None);
    }

    proptest::proptest! {
        /// A header is found as the first line that starts with its name
        /// and `: ` (the search as first written).
        #[test]
        fn header_finds_the_first_line_of_a_name(
            lines in proptest::collection::vec(
                (proptest::sample::select(vec!["to", "from", "to-x", "x", "t", "é"]), proptest::sample::select(vec!["", "a", ": b", " c"])),
                0..8,
            ),
            name in proptest::sample::select(vec!["", "to", "from", "t", "é", "x: "]),
        ) {
            let mut h = HeaderLines::default();
            for (n, v) in &lines {
                h.push(n, v, false);
            }
            let expected = h.iter().find_map(|l| l.strip_prefix(name)?.strip_prefix(": "));
            proptest::prop_assert_eq!(h.header(name), expected);
        }

        /// A header pushed as written gives the line its name and value
        /// pushed apart give.
        #[test]
        fn push_written_agrees_with_push(
            name in proptest::sample::select(vec!["To", "X-É", "a b", ""]),
            gap in proptest::sample::select(vec![":", ": ", ":  ", " : ", ":\t", ":\n "]),
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "b c", " ", "\t", "\n", "\n ", "\r", "\u{a0}", "\u{3000}", "é"]),
                0..10,
            ),
            folded in proptest::bool::ANY,
        ) {
            let value = pieces.concat();
            // One-line values are pushed as not folded (the reader's rule).
            let folded = folded || value.trim_end_matches('\n').contains('\n');
            let line = format!("{name}{gap}{value}");
            let colon = name.len() + gap.find(':').unwrap();
            let (mut ours, mut theirs) = (HeaderLines::default(), HeaderLines::default());
            ours.push_written(&line, name.len(), colon + 1, folded);
            theirs.push(name, &line[colon + 1..], folded);
            proptest::prop_assert_eq!(ours.text, theirs.text);
            proptest::prop_assert_eq!(ours.ends, theirs.ends);
        }

        #[test]
        fn a_value_of_one_line_is_only_trimmed(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "b c", " ", "\t", "\r", "\x0b", "\x0c", "\u{a0}", "\u{3000}", "é", "\u{85}"]),
                0..12,
            ),
            line_end in proptest::bool::ANY,
        ) {
            let value = pieces.concat() + if line_end { "\n" } else { "" };
            let (mut trimmed, mut unfolded) = (HeaderLines::default(), HeaderLines::default());
            trimmed.push("X", &value, false);
            unfolded.push("X", &value, true);
            proptest::prop_assert_eq!(trimmed.text, unfolded.text);
        }
    }
}
