//! The automaton's snapshot encoding (see [`crate::snapshot`]): its arrays
//! as they are, checked on the way back for every invariant the walk relies
//! on, so that no decoded automaton can index out of bounds or loop.

use std::sync::atomic::Ordering;

use super::{PhraseDfa, NEXT_ID, NONE, ROOT};
use crate::snapshot::codec::{ensure, Bad, Dec, Decoded, Enc, Snap};

impl Snap for PhraseDfa {
    fn put(&self, e: &mut Enc) {
        e.bytes(&self.classes);
        e.u32s(&self.root);
        e.u32s(&self.first_child);
        e.u32s(&self.sibling);
        e.bytes(&self.label);
        e.u32s(&self.fail);
        e.u32s(&self.out);
        let flat = |pairs: &[(u32, u32)]| pairs.iter().flat_map(|&(a, b)| [a, b]).collect::<Vec<u32>>();
        e.u32s(&flat(&self.match_ranges));
        e.u32s(&flat(&self.matches));
    }

    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let classes: [u8; 256] = d.bytes()?.try_into().map_err(|_| Bad)?;
        let root = d.u32s()?;
        let first_child = d.u32s()?;
        let sibling = d.u32s()?;
        let label = d.bytes()?.into();
        let fail = d.u32s()?;
        let out = d.u32s()?;
        let pairs = |v: Box<[u32]>| -> Decoded<Box<[(u32, u32)]>> {
            ensure(v.len() % 2 == 0)?;
            Ok(v.chunks_exact(2).map(|p| (p[0], p[1])).collect())
        };
        let match_ranges = pairs(d.u32s()?)?;
        let matches = pairs(d.u32s()?)?;
        let dfa = PhraseDfa {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            classes,
            root,
            first_child,
            sibling,
            label,
            fail,
            out,
            match_ranges,
            matches,
        };
        ensure(dfa.is_consistent())?;
        Ok(dfa)
    }
}

impl PhraseDfa {
    /// The number of patterns the automaton reports.
    pub(crate) fn pattern_bound(&self) -> usize {
        self.matches.iter().map(|&(p, _)| p as usize + 1).max().unwrap_or(0)
    }

    /// Whether the arrays make an automaton [`PhraseDfa::new`] could have
    /// built: every index in bounds, children numbered after their parent
    /// and siblings before each other (so sibling lists end), failure links
    /// to strictly shallower states (so failure chains end at the root), and
    /// every match no longer than the depth of its state (so a match never
    /// starts before the haystack).
    fn is_consistent(&self) -> bool {
        let n = self.first_child.len();
        let stride = self.root.len();
        let max_class = |v: &[u8]| v.iter().fold(0u8, |m, &c| m.max(c));
        if n == 0
            || n >= NONE as usize
            || stride == 0
            || stride > 256
            || [self.sibling.len(), self.label.len(), self.fail.len(), self.out.len()].iter().any(|&l| l != n)
            || usize::from(max_class(&self.classes)) >= stride
            || usize::from(max_class(&self.label)) >= stride
            || self.root.iter().fold(0u32, |m, &s| m.max(s)) as usize >= n
            || self.first_child[ROOT as usize] != NONE
            || self.fail[ROOT as usize] != ROOT
            || self.match_ranges.len() >= NONE as usize
        {
            return false;
        }
        // Depth + 1 per state (0: not reached yet), parents first: the
        // root's children, then, in index order, every state's children.
        // (A trie deeper than `u16` allows is refused: compiled instead.)
        let mut depth = vec![0u16; n];
        depth[ROOT as usize] = 1;
        for &c in self.root.iter() {
            if c != ROOT {
                if depth[c as usize] > 2 {
                    return false;
                }
                depth[c as usize] = 2;
            }
        }
        for s in 1..n {
            let d = depth[s];
            let mut c = self.first_child[s];
            if d == 0 || d == u16::MAX || (c != NONE && (c as usize >= n || c as usize <= s)) {
                return false;
            }
            while c != NONE {
                let next = self.sibling[c as usize];
                if depth[c as usize] != 0 || (next != NONE && next >= c) {
                    return false;
                }
                depth[c as usize] = d + 1;
                c = next;
            }
        }
        let matches = self.matches.len();
        if !self.match_ranges.iter().all(|&(a, b)| a <= b && b as usize <= matches) {
            return false;
        }
        // Failure links to shallower states; matches no longer than their
        // state's depth.
        self.fail.iter().zip(self.out.iter()).zip(depth.iter()).skip(1).all(|((&f, &o), &d)| {
            (f as usize) < n
                && depth[f as usize] < d
                && (o == NONE
                    || self.match_ranges.get(o as usize).is_some_and(|&(a, b)| {
                        self.matches[a as usize..b as usize].iter().all(|&(_, len)| len >= 1 && len < u32::from(d))
                    }))
        }) && (self.out[ROOT as usize] == NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::codec::{Dec, Enc, Snap};

    fn build() -> PhraseDfa {
        let lits: Vec<String> = ["user unknown", "unknown", "mailbox full", "full"].map(String::from).to_vec();
        PhraseDfa::new(&lits)
    }

    fn encode(dfa: &PhraseDfa) -> Vec<u8> {
        let mut e = Enc::default();
        dfa.put(&mut e);
        e.finish()
    }

    fn matches(dfa: &PhraseDfa, text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        dfa.for_each_match(&mut super::super::Cache::default(), text.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    #[test]
    fn round_trip_matches_the_same() {
        let dfa = build();
        let bytes = encode(&dfa);
        let back = PhraseDfa::get(&mut Dec::new(&bytes).unwrap()).unwrap();
        let text = "550 User Unknown; mailbox FULL";
        assert_eq!(matches(&back, text), matches(&dfa, text));
        assert_eq!(back.pattern_bound(), 4);
    }

    #[test]
    fn a_broken_invariant_is_refused() {
        let good = encode(&build());
        // Flip each byte of the arrays in turn: every result either decodes
        // to a consistent automaton or is refused, never a panic.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            if let Ok(d) = Dec::new(&bad).and_then(|mut d| PhraseDfa::get(&mut d)) {
                let _ = matches(&d, "user unknown mailbox full unknown");
            }
        }
        // A failure link to a deeper state is refused.
        let mut looped = build();
        let deep = (0..looped.fail.len()).max_by_key(|&s| s).unwrap();
        looped.fail[1] = deep as u32;
        let bytes = encode(&looped);
        assert!(PhraseDfa::get(&mut Dec::new(&bytes).unwrap()).is_err());
    }
}
