//! The automaton's snapshot encoding (see [`crate::snapshot`]): its arrays
//! with the trie states renumbered breadth-first, plus where each depth's
//! states end. That order makes every invariant the walk relies on a
//! comparison with the bounds of the state's own depth, so that the
//! decoder proves them all with straight loops over the arrays (no walk of
//! the trie, no lookups through its links), and no decoded automaton can
//! index out of bounds, loop or report a match starting before the
//! haystack.

use std::sync::atomic::Ordering;

use super::{PhraseDfa, NEXT_ID, NONE, ROOT};
use crate::snapshot::codec::{ensure, Bad, Dec, Decoded, Enc, Snap};

/// The trie arrays of an automaton with its states numbered breadth-first:
/// the root, then the states of depth 1, of depth 2, and so on, each
/// state's children numbered consecutively in the order of its child list.
/// Renumbering keeps the automaton's behaviour: walks only follow links.
#[derive(Debug, Clone)]
struct Trie {
    root: Vec<u32>,
    first_child: Vec<u32>,
    sibling: Vec<u32>,
    label: Vec<u8>,
    fail: Vec<u32>,
    out: Vec<u32>,
    /// Per depth, the end of its states (exclusive): `levels[0] == 1`, the
    /// last is the state count.
    levels: Vec<u32>,
}

impl Trie {
    /// The breadth-first renumbering of `dfa`'s trie. States no link
    /// reaches (none in an automaton [`PhraseDfa::new`] built) go last, as
    /// one more depth, which the decoder refuses.
    fn of(dfa: &PhraseDfa) -> Trie {
        let n = dfa.first_child.len();
        let mut new_id = vec![NONE; n];
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut visit = |s: u32, order: &mut Vec<u32>| {
            if let Some(id) = new_id.get_mut(s as usize).filter(|id| **id == NONE) {
                *id = order.len() as u32;
                order.push(s);
            }
        };
        visit(ROOT, &mut order);
        let mut levels = Vec::new();
        let mut start = 0;
        while start < order.len() {
            let end = order.len();
            levels.push(end as u32);
            for i in start..end {
                let s = order[i];
                if s == ROOT {
                    dfa.root.iter().filter(|&&c| c != ROOT).for_each(|&c| visit(c, &mut order));
                    continue;
                }
                // At most `n` steps, whatever the links.
                let mut c = dfa.first_child[s as usize];
                for _ in 0..n {
                    if c == NONE {
                        break;
                    }
                    visit(c, &mut order);
                    c = dfa.sibling.get(c as usize).copied().unwrap_or(NONE);
                }
            }
            start = end;
        }
        if order.len() < n {
            (0..n as u32).for_each(|s| visit(s, &mut order));
            levels.push(n as u32);
        }
        let id = |s: u32| if s == NONE { NONE } else { new_id.get(s as usize).copied().unwrap_or(NONE) };
        let at = |v: &[u32]| order.iter().map(|&s| id(v[s as usize])).collect::<Vec<u32>>();
        Trie {
            root: dfa.root.iter().map(|&c| id(c)).collect(),
            first_child: at(&dfa.first_child),
            sibling: at(&dfa.sibling),
            label: order.iter().map(|&s| dfa.label[s as usize]).collect(),
            fail: at(&dfa.fail),
            out: order.iter().map(|&s| dfa.out[s as usize]).collect(),
            levels,
        }
    }

    fn put(&self, e: &mut Enc) {
        e.ids(&self.root);
        e.ids(&self.first_child);
        e.ids(&self.sibling);
        e.bytes(&self.label);
        e.ids(&self.fail);
        e.ids(&self.out);
        e.u32s(&self.levels);
    }
}

impl Snap for PhraseDfa {
    fn put(&self, e: &mut Enc) {
        self.put_with(&Trie::of(self), e);
    }

    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let classes: [u8; 256] = d.bytes()?.try_into().map_err(|_| Bad)?;
        let root = d.ids()?;
        let first_child = d.ids()?;
        let sibling = d.ids()?;
        let label = d.bytes()?.into();
        let fail = d.ids()?;
        let out = d.ids()?;
        let levels = d.u32s()?;
        let match_ranges = d.u32_pairs()?;
        let matches = d.u32_pairs()?;
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
        ensure(dfa.is_consistent(&levels))?;
        Ok(dfa)
    }
}

impl PhraseDfa {
    /// Appends the automaton with `trie` as its trie arrays.
    fn put_with(&self, trie: &Trie, e: &mut Enc) {
        e.bytes(&self.classes);
        trie.put(e);
        e.u32_pairs(&self.match_ranges);
        e.u32_pairs(&self.matches);
    }

    /// The number of patterns the automaton reports.
    pub(crate) fn pattern_bound(&self) -> usize {
        self.matches.iter().map(|&(p, _)| p as usize + 1).max().unwrap_or(0)
    }

    /// Whether the arrays, numbered breadth-first with `levels` ending each
    /// depth (see [`Trie`]), make an automaton the walk can use safely:
    /// every index in bounds; the root alone at depth 0, its transitions to
    /// itself or depth 1; a state's children at the next depth, each
    /// child's sibling the next state, at the same depth (so sibling lists
    /// end);
    /// failure links to shallower depths (so failure chains end at the
    /// root); every match no longer than its state's depth. A transition
    /// then never goes more than one depth deeper, so after `k` bytes a
    /// walk is at depth `k` or less and a match never starts before the
    /// haystack. Only comparisons with the bounds of a depth, in straight
    /// loops over the arrays.
    fn is_consistent(&self, levels: &[u32]) -> bool {
        let n = self.first_child.len();
        let stride = self.root.len();
        let max_class = |v: &[u8]| v.iter().fold(0u8, |m, &c| m.max(c));
        let ranges = self.match_ranges.len();
        if n == 0
            || n >= NONE as usize
            || stride == 0
            || stride > 256
            || [self.sibling.len(), self.label.len(), self.fail.len(), self.out.len()].iter().any(|&l| l != n)
            || usize::from(max_class(&self.classes)) >= stride
            || usize::from(max_class(&self.label)) >= stride
            || levels.first() != Some(&1)
            || levels.last().map(|&l| l as usize) != Some(n)
            || levels.windows(2).any(|w| w[0] >= w[1])
            || self.first_child[ROOT as usize] != NONE
            || self.fail[ROOT as usize] != ROOT
            || self.out[ROOT as usize] != NONE
            || ranges >= NONE as usize
        {
            return false;
        }
        let depth1 = levels.get(1).copied().unwrap_or(1);
        let matches = self.matches.len();
        if !self.root.iter().all(|&c| c == ROOT || (c >= 1 && c < depth1))
            || !self.match_ranges.iter().all(|&(a, b)| a <= b && b as usize <= matches)
        {
            return false;
        }
        // Depth `d` holds the states `lo..hi`, its children `hi..next`.
        for (d, w) in levels.windows(2).enumerate() {
            let (lo, hi) = (w[0], w[1]);
            let next = levels.get(d + 2).copied().unwrap_or(hi);
            let (lo_s, hi_s) = (lo as usize, hi as usize);
            // One flag for the lot, one array at a time, so that the loops
            // run without branches, several states a step.
            let (span, mut bad) = (next - hi, 0u32);
            for &c in &self.first_child[lo_s..hi_s] {
                bad |= u32::from((c != NONE) & (c.wrapping_sub(hi) >= span));
            }
            for &f in &self.fail[lo_s..hi_s] {
                bad |= u32::from(f >= lo);
            }
            let siblings = &self.sibling[lo_s..hi_s];
            for (i, &sib) in siblings.iter().enumerate() {
                bad |= u32::from((sib != NONE) & (sib != lo + i as u32 + 1));
            }
            bad |= u32::from(siblings.last().is_some_and(|&l| l != NONE));
            // States of depth `d + 1`: matches of length 1 to `d + 1`.
            let most = d as u32 + 1;
            for &o in &self.out[lo_s..hi_s] {
                if o != NONE {
                    let fits = self.match_ranges.get(o as usize).is_some_and(|&(a, b)| {
                        self.matches[a as usize..b as usize].iter().all(|&(_, len)| len >= 1 && len <= most)
                    });
                    bad |= u32::from(!fits);
                }
            }
            let ok = bad == 0;
            if !ok {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::codec::{Dec, Enc, Snap};

    fn build() -> PhraseDfa {
        let lits: Vec<String> =
            ["user unknown", "unknown", "mailbox full", "full", "unknown user"].map(String::from).to_vec();
        PhraseDfa::new(&lits)
    }

    fn encode(dfa: &PhraseDfa) -> Vec<u8> {
        let mut e = Enc::default();
        dfa.put(&mut e);
        e.finish()
    }

    /// The encoding of `dfa` with its renumbered trie changed by `change`.
    fn encode_changed(dfa: &PhraseDfa, change: impl FnOnce(&mut Trie)) -> Vec<u8> {
        let mut trie = Trie::of(dfa);
        change(&mut trie);
        let mut e = Enc::default();
        dfa.put_with(&trie, &mut e);
        e.finish()
    }

    fn decode(bytes: &[u8]) -> Decoded<PhraseDfa> {
        PhraseDfa::get(&mut Dec::new(bytes)?)
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
        let back = decode(&bytes).unwrap();
        let text = "550 User Unknown; mailbox FULL, unknown user";
        assert_eq!(matches(&back, text), matches(&dfa, text));
        assert_eq!(back.pattern_bound(), 5);
        // A decoded automaton is numbered breadth-first already.
        assert_eq!(encode(&back), bytes);
        assert_eq!(Trie::of(&back).first_child, back.first_child.to_vec());
    }

    #[test]
    fn a_broken_invariant_is_refused() {
        let good = encode(&build());
        // Flip each byte of the arrays in turn: every result either decodes
        // to a consistent automaton or is refused, never a panic.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            if let Ok(d) = decode(&bad) {
                let _ = matches(&d, "user unknown mailbox full unknown");
            }
        }
        // A failure link to a deeper state is refused.
        let mut looped = build();
        let deep = (0..looped.fail.len()).max_by_key(|&s| s).unwrap();
        looped.fail[1] = deep as u32;
        assert!(decode(&encode(&looped)).is_err());
        // A match longer than its state's depth is refused.
        let mut long = build();
        long.matches.iter_mut().for_each(|m| m.1 += 1);
        assert!(decode(&encode(&long)).is_err());
    }

    #[test]
    fn every_link_is_checked_against_the_depths() {
        let dfa = build();
        assert!(decode(&encode_changed(&dfa, |_| ())).is_ok());
        let last = |t: &Trie| t.first_child.len() as u32 - 1;
        type Change = Box<dyn Fn(&mut Trie)>;
        let refused: [(&str, Change); 10] = [
            ("sibling loop", Box::new(|t| t.sibling[2] = 2)),
            (
                "sibling skipping a state",
                Box::new(|t| {
                    let s = (0..t.sibling.len()).find(|&s| t.sibling[s] == s as u32 + 1).unwrap();
                    t.sibling[s] += 1;
                }),
            ),
            ("sibling backwards", Box::new(|t| t.sibling[3] = 2)),
            ("child two depths down", Box::new(move |t| t.first_child[1] = last(t))),
            ("child at the same depth", Box::new(|t| t.first_child[1] = 2)),
            (
                "failure at the same depth",
                Box::new(move |t| {
                    let s = last(t);
                    t.fail[s as usize] = s;
                }),
            ),
            ("root edge too deep", Box::new(move |t| t.root[1] = last(t))),
            ("first depth not the root alone", Box::new(|t| t.levels[0] = 2)),
            ("depths not ending at the state count", Box::new(|t| *t.levels.last_mut().unwrap() -= 1)),
            ("unknown match list", Box::new(|t| t.out[1] = 1000)),
        ];
        for (what, change) in refused {
            assert!(decode(&encode_changed(&dfa, change)).is_err(), "{what}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decoded_automata_match_like_built_ones(
            lits in proptest::collection::vec("[abcAB ]{1,5}", 1..16),
            hay in "[abcdAB ]{0,60}",
        ) {
            let dfa = PhraseDfa::new(&lits);
            let back = decode(&encode(&dfa)).unwrap();
            proptest::prop_assert_eq!(matches(&back, &hay), matches(&dfa, &hay));
        }
    }
}
