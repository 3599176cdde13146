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
        if n == 0
            || n >= NONE as usize
            || stride == 0
            || stride > 256
            || [self.sibling.len(), self.label.len(), self.fail.len(), self.out.len()].iter().any(|&l| l != n)
            || self.classes.iter().any(|&c| usize::from(c) >= stride)
            || self.root.iter().any(|&s| s as usize >= n)
            || self.label.iter().any(|&c| usize::from(c) >= stride)
        {
            return false;
        }
        // Depths, parents first: the root's children, then every state's.
        let mut depth = vec![u32::MAX; n];
        depth[ROOT as usize] = 0;
        for &c in self.root.iter().filter(|&&s| s != ROOT) {
            if depth[c as usize] != u32::MAX && depth[c as usize] != 1 {
                return false;
            }
            depth[c as usize] = 1;
        }
        for s in 0..n {
            let fc = self.first_child[s];
            if s == ROOT as usize {
                if fc != NONE {
                    return false;
                }
                continue;
            }
            if depth[s] == u32::MAX || (fc != NONE && (fc as usize >= n || fc as usize <= s)) {
                return false;
            }
            let mut c = fc;
            while c != NONE {
                let next = self.sibling[c as usize];
                if depth[c as usize] != u32::MAX || (next != NONE && next >= c) {
                    return false;
                }
                depth[c as usize] = depth[s] + 1;
                c = next;
            }
        }
        let (ranges, matches) = (self.match_ranges.len(), self.matches.len());
        (1..n).all(|s| {
            let f = self.fail[s] as usize;
            f < n && depth[f] < depth[s]
        }) && self.fail[ROOT as usize] == ROOT
            && (0..n).all(|s| {
                let o = self.out[s];
                o == NONE
                    || self.match_ranges.get(o as usize).is_some_and(|&(a, b)| {
                        a <= b
                            && b as usize <= matches
                            && self.matches[a as usize..b as usize].iter().all(|&(_, len)| len >= 1 && len <= depth[s])
                    })
            })
            && self.match_ranges.iter().all(|&(a, b)| a <= b && b as usize <= matches)
            && ranges < NONE as usize
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

    fn matches(dfa: &PhraseDfa, text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        dfa.for_each_match(&mut super::super::Cache::default(), text.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    #[test]
    fn round_trip_matches_the_same() {
        let dfa = build();
        let mut e = Enc::default();
        dfa.put(&mut e);
        let back = PhraseDfa::get(&mut Dec::new(&e.buf)).unwrap();
        let text = "550 User Unknown; mailbox FULL";
        assert_eq!(matches(&back, text), matches(&dfa, text));
        assert_eq!(back.pattern_bound(), 4);
    }

    #[test]
    fn a_broken_invariant_is_refused() {
        let dfa = build();
        let mut e = Enc::default();
        dfa.put(&mut e);
        let good = e.buf;
        // Flip each byte of the arrays in turn: every result either decodes
        // to a consistent automaton or is refused, never a panic.
        for i in 260..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            if let Ok(d) = PhraseDfa::get(&mut Dec::new(&bad)) {
                let _ = matches(&d, "user unknown mailbox full unknown");
            }
        }
        // A failure link to a deeper state is refused.
        let mut looped = build();
        let deep = (0..looped.fail.len()).max_by_key(|&s| s).unwrap();
        looped.fail[1] = deep as u32;
        let mut e = Enc::default();
        looped.put(&mut e);
        assert!(PhraseDfa::get(&mut Dec::new(&e.buf)).is_err());
    }
}
