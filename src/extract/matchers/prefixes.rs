//! Literals that must start a line, ASCII case-insensitive, found without an
//! automaton: a line's first four bytes, lowercased, pick the few literals
//! that begin with them from a sorted table, and those are compared whole.
//!
//! Reply texts are read line by line and every line is asked whether it is
//! a section marker or boilerplate: most lines are neither, and this
//! answers them in a few dozen instructions (a binary search over the
//! table), where an anchored Aho-Corasick search paid its set-up on every
//! line.

/// A set of literals, any of which may start a line.
#[derive(Debug, Default)]
pub(crate) struct Prefixes {
    literals: Vec<String>,
    /// (key of the first four bytes, index in `literals`) of the literals
    /// of four bytes or more, sorted by key.
    heads: Vec<(u32, u32)>,
    /// The literals shorter than four bytes, compared one by one.
    short: Vec<u32>,
    /// Bit [`slot`] of every key in `heads` set: a line whose key's bit is
    /// clear starts with no literal of four bytes or more, told without
    /// the binary search.
    keys: [u64; 16],
}

/// The bit of the key filter a key sets (1,024 bits: a table of a few
/// dozen literals leaves most clear).
fn slot(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 22) as usize
}

/// The first four bytes of `b`, ASCII-lowercased, as one number.
fn key(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]].map(|c| c.to_ascii_lowercase()))
}

impl Prefixes {
    /// The set of `literals`.
    pub(crate) fn new(literals: Vec<String>) -> Prefixes {
        let (mut heads, mut short) = (Vec::new(), Vec::new());
        for (i, l) in literals.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            if l.len() >= 4 {
                heads.push((key(l.as_bytes()), i));
            } else {
                short.push(i);
            }
        }
        heads.sort_unstable();
        let mut keys = [0u64; 16];
        for &(k, _) in &heads {
            keys[slot(k) / 64] |= 1 << (slot(k) % 64);
        }
        Prefixes { literals, heads, short, keys }
    }

    /// The literals, as given.
    pub(crate) fn literals(&self) -> &[String] {
        &self.literals
    }

    /// Whether `line` starts with any literal (ASCII letters of either case
    /// matching).
    pub(crate) fn hit(&self, line: &str) -> bool {
        let b = line.as_bytes();
        let starts = |i: u32| {
            let l = self.literals[i as usize].as_bytes();
            b.len() >= l.len() && b[..l.len()].eq_ignore_ascii_case(l)
        };
        if self.short.iter().any(|&i| starts(i)) {
            return true;
        }
        if b.len() < 4 || self.heads.is_empty() {
            return false;
        }
        let k = key(b);
        if self.keys[slot(k) / 64] & (1 << (slot(k) % 64)) == 0 {
            return false;
        }
        let from = self.heads.partition_point(|&(h, _)| h < k);
        self.heads[from..].iter().take_while(|&&(h, _)| h == k).any(|&(_, i)| starts(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, Anchored, Input, StartKind};
    use proptest::prelude::*;

    #[test]
    fn matches_literals_at_the_start_only() {
        let p = Prefixes::new(vec!["--- Below".into(), "Hi".into(), "Original message".into(), "Origin".into()]);
        assert!(p.hit("--- below this line"));
        assert!(p.hit("hi. This is"));
        assert!(p.hit("ORIGINAL MESSAGE follows"));
        assert!(p.hit("origins"));
        assert!(!p.hit("see --- Below"));
        assert!(!p.hit("H"));
        assert!(!p.hit("Orig"));
        assert!(!Prefixes::default().hit("anything"));
        assert!(Prefixes::new(vec![String::new()]).hit("anything"));
    }

    proptest! {
        /// The same answers as an anchored, ASCII case-insensitive
        /// Aho-Corasick automaton over the same literals.
        #[test]
        fn answers_as_an_anchored_automaton(
            literals in proptest::collection::vec("[aAbB-]{0,6}", 0..8),
            line in "[aAbBé -]{0,10}",
        ) {
            let automaton = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .start_kind(StartKind::Anchored)
                .build(&literals)
                .unwrap();
            let expected = automaton.is_match(Input::new(&line).anchored(Anchored::Yes));
            prop_assert_eq!(Prefixes::new(literals).hit(&line), expected);
        }
    }
}
