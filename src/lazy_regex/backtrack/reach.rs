//! What the walk of [`super::Backtracker`] may skip: states that need no
//! visited check ([`rows`]) and ways that cannot match from a position
//! ([`Reach`]). Both only skip dead ends or repeats, so the walk reaches the
//! same first match.

use regex_automata::util::look::LookSet;

use super::{Inst, DEAD};

/// The row of a state the walk never checks as visited.
pub(super) const UNCHECKED: u32 = u32::MAX;

/// The row in the visited set of each state, or [`UNCHECKED`]. A state with
/// a single edge into it (the start counting one more) is reached at most
/// once at a position by that edge's state, so it needs no check of its
/// own: its predecessor's check bounds it (a chain of such states leads
/// back to a checked one, or is a cycle the walk cannot enter). Skipping a
/// check never changes the answer, only how often a dead end is tried.
pub(super) fn rows(insts: &[Inst], alts: &[u32], tables: &[[u32; 256]], start: u32) -> Box<[u32]> {
    let mut into = vec![0u32; insts.len()];
    let mut add = |s: u32| {
        if let Some(n) = into.get_mut(s as usize) {
            *n = n.saturating_add(1);
        }
    };
    add(start);
    for inst in insts {
        match *inst {
            Inst::Set { next, .. } | Inst::Look { next, .. } | Inst::Capture { next, .. } => add(next),
            Inst::Table { table } => {
                let mut targets: Vec<u32> = tables[table as usize].iter().copied().filter(|&n| n != DEAD).collect();
                targets.sort_unstable();
                targets.dedup();
                targets.into_iter().for_each(&mut add);
            }
            Inst::Union { start, end } => alts[start as usize..end as usize].iter().for_each(|&s| add(s)),
            Inst::Split { first, second } => {
                add(first);
                add(second);
            }
            Inst::Fail | Inst::Match => {}
        }
    }
    let mut next_row = 0;
    into.iter()
        .map(|&n| match n {
            1 => UNCHECKED,
            _ => {
                next_row += 1;
                next_row - 1
            }
        })
        .collect()
}

/// How many rows [`rows`] gave out.
pub(super) fn rows_len(rows: &[u32]) -> usize {
    rows.iter().filter(|&&r| r != UNCHECKED).count()
}

/// What a state leads to before it consumes a byte: the bytes it may
/// consume first, whether it reaches a match with no assertion on the way,
/// and the assertions on its ways to a match (a superset). A state whose
/// first bytes exclude the next byte of the text, with no match free of
/// assertions and none of those assertions true here, cannot lead to a
/// match from here: the walk does not try it. That only skips dead ends,
/// so the first match the walk reaches is the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Reach {
    pub(super) first: [u64; 4],
    pub(super) free: bool,
    pub(super) matches: bool,
    pub(super) looks: LookSet,
}

impl Reach {
    /// The [`Reach`] of every state: the least fixed point of the rules
    /// above, found by sweeping the states until nothing changes (the
    /// values only grow, so it ends).
    pub(super) fn of(insts: &[Inst], alts: &[u32], sets: &[[u64; 4]], tables: &[[u32; 256]]) -> Box<[Reach]> {
        let mut reach = vec![Reach::default(); insts.len()];
        let table_bytes = |t: &[u32; 256]| {
            let mut set = [0u64; 4];
            for (b, &n) in t.iter().enumerate() {
                if n != DEAD {
                    set[b >> 6] |= 1 << (b & 63);
                }
            }
            set
        };
        for (r, inst) in reach.iter_mut().zip(insts) {
            match *inst {
                Inst::Set { set, .. } => r.first = sets[set as usize],
                Inst::Table { table } => r.first = table_bytes(&tables[table as usize]),
                Inst::Match => (r.free, r.matches) = (true, true),
                _ => {}
            }
        }
        let join = |a: Reach, b: Reach| Reach {
            first: std::array::from_fn(|i| a.first[i] | b.first[i]),
            free: a.free || b.free,
            matches: a.matches || b.matches,
            looks: a.looks.union(b.looks),
        };
        loop {
            let mut changed = false;
            for sid in (0..insts.len()).rev() {
                let get = |s: u32| reach.get(s as usize).copied().unwrap_or_default();
                let new = match insts[sid] {
                    Inst::Set { .. } | Inst::Table { .. } | Inst::Fail | Inst::Match => continue,
                    Inst::Capture { next, .. } => get(next),
                    Inst::Look { look, next } => {
                        let n = get(next);
                        Reach { free: false, looks: n.looks.insert(look), ..n }
                    }
                    Inst::Split { first, second } => join(get(first), get(second)),
                    Inst::Union { start, end } => {
                        alts[start as usize..end as usize].iter().fold(Reach::default(), |r, &a| join(r, get(a)))
                    }
                };
                let new = join(reach[sid], new);
                if new != reach[sid] {
                    reach[sid] = new;
                    changed = true;
                }
            }
            if !changed {
                return reach.into();
            }
        }
    }
}
