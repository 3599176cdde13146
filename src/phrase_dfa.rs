//! A small Aho-Corasick DFA for the phrase literals, built directly: a trie,
//! then failure links filled in breadth-first order so that every missing
//! transition is copied from the failure state's finished row in O(1).
//!
//! `aho_corasick::dfa` resolves each missing transition by walking failure
//! chains of its sparse NFA, which made it cost about 540M instructions for
//! the shipped rules; this build costs a few million. Matching is ASCII
//! case-insensitive, reports every occurrence of every literal (overlapping
//! ones included, in order of end position) and walks one table lookup per
//! byte. Match states are numbered first, so "is this a match?" is one
//! comparison.

/// The automaton. Immutable once built.
#[derive(Debug)]
pub(crate) struct PhraseDfa {
    /// Byte to equivalence class (ASCII letters folded to lowercase).
    classes: [u8; 256],
    /// Number of classes: the row length of `trans`.
    stride: usize,
    /// Next state per (state, class). State ids are premultiplied by `stride`.
    trans: Box<[u32]>,
    /// States whose (premultiplied) id is below this have matches.
    match_limit: u32,
    /// The start state (premultiplied).
    start: u32,
    /// Per match state (by index): its range in `match_ids`.
    match_ranges: Box<[(u32, u32)]>,
    /// Pattern ids, grouped per match state: its own first, then its
    /// failure state's.
    match_ids: Box<[u32]>,
    /// Length of every pattern.
    pattern_lens: Box<[u32]>,
}

const NONE: u32 = u32::MAX;

impl PhraseDfa {
    /// Builds the automaton for `literals` (matched ASCII case-insensitively).
    /// `None` when the table would exceed `max_bytes`.
    pub(crate) fn new(literals: &[String], max_bytes: usize) -> Option<PhraseDfa> {
        // Classes: 0 for bytes no literal uses, one per distinct used byte.
        let mut classes = [0u8; 256];
        let mut next_class = 1usize;
        for lit in literals {
            for &b in lit.as_bytes() {
                let b = b.to_ascii_lowercase();
                if classes[usize::from(b)] == 0 {
                    if next_class > 255 {
                        return None;
                    }
                    classes[usize::from(b)] = next_class as u8;
                    next_class += 1;
                }
            }
        }
        for b in b'A'..=b'Z' {
            classes[usize::from(b)] = classes[usize::from(b.to_ascii_lowercase())];
        }
        let stride = next_class;
        let total: usize = literals.iter().map(String::len).sum::<usize>() + 1;
        if total.saturating_mul(stride).saturating_mul(4) > max_bytes {
            return None;
        }

        // The trie; row `s` of `trie` holds child states (unpremultiplied).
        let mut trie: Vec<u32> = vec![NONE; stride];
        let mut own: Vec<Vec<u32>> = vec![Vec::new()];
        for (pid, lit) in literals.iter().enumerate() {
            let mut s = 0usize;
            for &b in lit.as_bytes() {
                let k = usize::from(classes[usize::from(b)]);
                let next = trie[s * stride + k];
                s = if next == NONE {
                    let n = own.len();
                    trie[s * stride + k] = n as u32;
                    trie.extend(std::iter::repeat_n(NONE, stride));
                    own.push(Vec::new());
                    n
                } else {
                    next as usize
                };
            }
            own[s].push(pid as u32);
        }
        let states = own.len();

        // Breadth-first: failure links, full transitions, match lists.
        let mut fail = vec![0u32; states];
        let mut order = Vec::with_capacity(states);
        let mut ranges = vec![(0u32, 0u32); states];
        let mut ids: Vec<u32> = Vec::new();
        order.push(0u32);
        ids.extend_from_slice(&own[0]);
        ranges[0] = (0, ids.len() as u32);
        for slot in &mut trie[..stride] {
            match *slot {
                NONE => *slot = 0,
                child => {
                    fail[child as usize] = 0;
                    order.push(child);
                }
            }
        }
        let mut head = 1;
        while head < order.len() {
            let s = order[head] as usize;
            head += 1;
            let f = fail[s] as usize;
            let start = ids.len();
            ids.extend_from_slice(&own[s]);
            let (fs, fe) = ranges[f];
            ids.extend_from_within(fs as usize..fe as usize);
            ranges[s] = (start as u32, ids.len() as u32);
            let mut frow = [0u32; 256];
            frow[..stride].copy_from_slice(&trie[f * stride..(f + 1) * stride]);
            for (slot, &via_fail) in trie[s * stride..(s + 1) * stride].iter_mut().zip(&frow) {
                if *slot == NONE {
                    *slot = via_fail;
                } else {
                    fail[*slot as usize] = via_fail;
                    order.push(*slot);
                }
            }
        }

        // Renumber: match states first.
        let mut new_index = vec![0u32; states];
        let mut match_ranges = Vec::new();
        let mut n = 0u32;
        for (s, &(a, b)) in ranges.iter().enumerate() {
            if a < b {
                new_index[s] = n;
                match_ranges.push((a, b));
                n += 1;
            }
        }
        let match_count = n;
        for (s, &(a, b)) in ranges.iter().enumerate() {
            if a == b {
                new_index[s] = n;
                n += 1;
            }
        }
        // In place, so the table is never held twice: targets first, then
        // rows moved along the cycles of the permutation.
        for t in trie.iter_mut() {
            *t = new_index[*t as usize] * stride as u32;
        }
        permute_rows(&mut trie, stride, &new_index);
        let trans = trie.into_boxed_slice();
        Some(PhraseDfa {
            classes,
            stride,
            trans,
            match_limit: match_count * stride as u32,
            start: new_index[0] * stride as u32,
            match_ranges: match_ranges.into_boxed_slice(),
            match_ids: ids.into_boxed_slice(),
            pattern_lens: literals.iter().map(|l| l.len() as u32).collect(),
        })
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every literal
    /// in `haystack`, in order of `end`.
    #[inline]
    pub(crate) fn for_each_match(&self, haystack: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let mut sid = self.start;
        for (i, &byte) in haystack.iter().enumerate() {
            // In bounds: every premultiplied id plus a class is a table index.
            sid = self.trans[sid as usize + usize::from(self.classes[usize::from(byte)])];
            if sid < self.match_limit {
                let (a, b) = self.match_ranges[sid as usize / self.stride];
                for &pid in &self.match_ids[a as usize..b as usize] {
                    let len = self.pattern_lens[pid as usize] as usize;
                    f(pid as usize, i + 1 - len, i + 1);
                }
            }
        }
    }

    /// Heap bytes held.
    pub(crate) fn memory_usage(&self) -> usize {
        self.trans.len() * 4 + self.match_ranges.len() * 8 + self.match_ids.len() * 4 + self.pattern_lens.len() * 4
    }
}

/// Moves row `s` of `table` to row `new_index[s]`, for every `s`.
fn permute_rows(table: &mut [u32], stride: usize, new_index: &[u32]) {
    let mut done = vec![false; new_index.len()];
    let mut carry = vec![0u32; stride];
    let mut saved = vec![0u32; stride];
    for start in 0..new_index.len() {
        if done[start] {
            continue;
        }
        carry.copy_from_slice(&table[start * stride..(start + 1) * stride]);
        let mut cur = start;
        loop {
            done[cur] = true;
            let dst = new_index[cur] as usize;
            let row = &mut table[dst * stride..(dst + 1) * stride];
            saved.copy_from_slice(row);
            row.copy_from_slice(&carry);
            std::mem::swap(&mut carry, &mut saved);
            if done[dst] {
                break;
            }
            cur = dst;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};

    fn ours(lits: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
        let lits: Vec<String> = lits.iter().map(|s| s.to_string()).collect();
        let dfa = PhraseDfa::new(&lits, usize::MAX).unwrap();
        let mut out = Vec::new();
        dfa.for_each_match(hay.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    fn reference(lits: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
        let ac =
            AhoCorasick::builder().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(lits).unwrap();
        let mut out: Vec<_> =
            ac.find_overlapping_iter(hay).map(|m| (m.pattern().as_usize(), m.start(), m.end())).collect();
        out.sort_by_key(|&(p, s, e)| (e, s, p));
        out
    }

    #[test]
    fn finds_overlapping_matches_case_insensitively() {
        let lits = ["user unknown", "unknown", "no such user", "user", "he", "she", "hers"];
        let hay = "550 No Such USER: user unknown; SHE said hers";
        let mut got = ours(&lits, hay);
        got.sort_by_key(|&(p, s, e)| (e, s, p));
        assert_eq!(got, reference(&lits, hay));
        assert!(got.contains(&(0, 18, 30)));
    }

    #[test]
    fn permutes_rows_along_cycles() {
        let mut t = vec![0, 0, 1, 1, 2, 2, 3, 3];
        permute_rows(&mut t, 2, &[2, 0, 1, 3]);
        assert_eq!(t, [1, 1, 2, 2, 0, 0, 3, 3]);
    }

    #[test]
    fn refuses_tables_over_the_limit() {
        let lits = vec!["abcdefgh".to_string(); 100];
        assert!(PhraseDfa::new(&lits, 64).is_none());
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_aho_corasick(
            lits in proptest::collection::vec("[abcAB ]{1,4}", 1..12),
            hay in "[abcdAB ]{0,40}",
        ) {
            let lits: Vec<&str> = lits.iter().map(String::as_str).collect();
            let lower: Vec<String> = lits.iter().map(|l| l.to_ascii_lowercase()).collect();
            let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
            let mut got = ours(&lower, &hay);
            got.sort_by_key(|&(p, s, e)| (e, s, p));
            proptest::prop_assert_eq!(got, reference(&lower, &hay));
        }
    }
}
