//! [`Backtracker`]: the bounded backtracker of `regex-automata`
//! (`nfa::thompson::backtrack`), over the same NFA, with a cheaper step.
//!
//! A [`super::groups::Groups`] search runs the backtracker from the start of
//! the text to the end its lazy DFA found, for the groups. That is most of
//! the cost of reading recipient lines: patterns like
//! `^\s{0,12}<?(?P<rcpt>[^\s<>]+@[^\s<>]+?)>?\s*$` try many (state,
//! position) pairs, a few hundred on a 50-byte line. This is the same
//! search, state for state: a depth-first walk of the NFA in priority
//! order (so the first match it reaches is the leftmost-first one), each
//! (state, position) pair visited at most once, and a capture slot put back
//! when the walk backs out of the path that set it. The NFA's states are
//! copied into a form that is cheaper to step through: a byte class with a
//! single target is a 256-bit set (one lookup instead of a scan of its
//! ranges), a class with several targets a table indexed by byte.

use regex_automata::nfa::thompson::{State, NFA};
use regex_automata::util::look::{Look, LookMatcher, LookSet};
use regex_automata::util::primitives::{NonMaxUsize, StateID};

mod reach;
mod serial;

use reach::{rows, rows_len, Reach, UNCHECKED};

/// The bits of the visited set a search may use, as `regex-automata`'s
/// default (256 KiB): a text is too long when states × (length + 1)
/// exceeds it.
const VISITED_BITS: usize = 8 * 256 * 1024;

/// No transition, in a byte table.
const DEAD: u32 = u32::MAX;

/// One NFA state, in the form the walk reads.
#[derive(Clone, Copy, Debug)]
enum Inst {
    /// Consumes a byte of `sets[set]` and goes to `next`.
    Set { set: u32, next: u32 },
    /// Consumes a byte `b` and goes to `tables[table][b]` (none: [`DEAD`]).
    Table { table: u32 },
    /// Goes to `next` if the assertion holds at the position.
    Look { look: Look, next: u32 },
    /// Tries `alts[start..end]`, in order.
    Union { start: u32, end: u32 },
    /// Tries `first`, then `second`.
    Split { first: u32, second: u32 },
    /// Records the position in `slot`, goes to `next`.
    Capture { slot: u32, next: u32 },
    /// Never matches.
    Fail,
    /// A match ends here.
    Match,
}

/// Something the walk must come back to.
#[derive(Clone, Copy, Debug)]
enum Frame {
    /// Try state `sid` at position `at`.
    Step { sid: u32, at: u32 },
    /// Put the value of `slot` back.
    Restore { slot: u32, offset: Option<NonMaxUsize> },
}

/// One state and what the walk reads with it, in one place: a step reads
/// one entry instead of one in each of three arrays.
#[derive(Clone, Copy, Debug)]
struct Node {
    inst: Inst,
    /// The state's row in the visited set ([`UNCHECKED`] for a state with
    /// a single way in, see [`rows`]).
    row: u32,
    /// What the state may lead to (see [`Reach`]).
    reach: Reach,
    /// The bytes of an [`Inst::Set`] (`sets[set]`), empty for the others.
    bits: [u64; 4],
}

/// The [`Node`]s of states with their rows, [`Reach`]es and byte sets.
fn nodes(states: &[(Inst, u32)], reach: &[Reach], sets: &[[u64; 4]]) -> Box<[Node]> {
    states.iter().zip(reach).map(|(&(inst, row), &reach)| node(inst, row, reach, sets)).collect()
}

/// The [`Node`] of a state with its row, [`Reach`] and the byte sets.
fn node(inst: Inst, row: u32, reach: Reach, sets: &[[u64; 4]]) -> Node {
    let bits = match inst {
        Inst::Set { set, .. } => sets.get(set as usize).copied().unwrap_or_default(),
        _ => [0; 4],
    };
    Node { inst, row, reach, bits }
}

/// A bounded backtracker over a compiled NFA (see the module documentation).
#[derive(Clone, Debug)]
pub(super) struct Backtracker {
    /// Each state (see [`Node`]).
    nodes: Box<[Node]>,
    /// How many states have a row.
    checked: usize,
    alts: Box<[u32]>,
    sets: Box<[[u64; 4]]>,
    tables: Box<[[u32; 256]]>,
    start: u32,
    look: LookMatcher,
}

/// The memory one search uses, reused from search to search.
#[derive(Clone, Debug, Default)]
pub(super) struct Cache {
    visited: Vec<u64>,
    stack: Vec<Frame>,
}

impl Backtracker {
    /// The backtracker of `nfa`'s anchored start, for a single pattern.
    pub(super) fn new(nfa: &NFA) -> Backtracker {
        let (mut alts, mut sets, mut tables) = (Vec::new(), Vec::new(), Vec::new());
        let id = |s: StateID| s.as_u32();
        let mut set_of = |ranges: &mut dyn Iterator<Item = (u8, u8)>, next: StateID| {
            let mut set = [0u64; 4];
            for (lo, hi) in ranges {
                for b in lo..=hi {
                    set[usize::from(b >> 6)] |= 1 << (b & 63);
                }
            }
            sets.push(set);
            Inst::Set { set: (sets.len() - 1) as u32, next: id(next) }
        };
        let mut table_of = |pairs: &mut dyn Iterator<Item = (u8, StateID)>| {
            let mut table = [DEAD; 256];
            for (b, next) in pairs {
                table[usize::from(b)] = id(next);
            }
            tables.push(table);
            Inst::Table { table: (tables.len() - 1) as u32 }
        };
        let insts: Box<[Inst]> = nfa
            .states()
            .iter()
            .map(|state| match state {
                State::ByteRange { trans } => set_of(&mut std::iter::once((trans.start, trans.end)), trans.next),
                State::Sparse(s) => match s.transitions.split_first() {
                    None => Inst::Fail,
                    Some((t, rest)) if rest.iter().all(|r| r.next == t.next) => {
                        set_of(&mut s.transitions.iter().map(|t| (t.start, t.end)), t.next)
                    }
                    Some(_) => table_of(&mut s.transitions.iter().flat_map(|t| (t.start..=t.end).map(|b| (b, t.next)))),
                },
                State::Dense(d) => {
                    table_of(&mut (0..=255u8).zip(d.transitions.iter().copied()).filter(|(_, n)| *n != StateID::ZERO))
                }
                State::Look { look, next } => Inst::Look { look: *look, next: id(*next) },
                State::Union { alternates } => {
                    let start = alts.len() as u32;
                    alts.extend(alternates.iter().map(|&s| id(s)));
                    match alternates.is_empty() {
                        true => Inst::Fail,
                        false => Inst::Union { start, end: alts.len() as u32 },
                    }
                }
                State::BinaryUnion { alt1, alt2 } => Inst::Split { first: id(*alt1), second: id(*alt2) },
                State::Capture { next, slot, .. } => Inst::Capture { slot: slot.as_u32(), next: id(*next) },
                State::Fail => Inst::Fail,
                State::Match { .. } => Inst::Match,
            })
            .collect();
        let start = id(nfa.start_anchored());
        let rows = rows(&insts, &alts, &tables, start);
        let reach = Reach::of(&insts, &alts, &sets, &tables);
        let states: Vec<(Inst, u32)> = insts.iter().copied().zip(rows.iter().copied()).collect();
        Backtracker {
            nodes: nodes(&states, &reach, &sets),
            checked: rows_len(&rows),
            alts: alts.into(),
            sets: sets.into(),
            tables: tables.into(),
            start,
            look: nfa.look_matcher().clone(),
        }
    }

    /// Whether a match may start at 0 in `haystack`, by its first byte (or
    /// its assertions, for a pattern that may match the empty string): a
    /// check far cheaper than a search, and most lines fail it.
    pub(super) fn may_start(&self, haystack: &[u8]) -> bool {
        self.viable(haystack, haystack, self.start, 0)
    }

    /// The longest text (from its start to the end searched) a search takes.
    pub(super) fn max_haystack_len(&self) -> usize {
        (VISITED_BITS / self.checked.max(1)).saturating_sub(1)
    }

    /// Walks from the anchored start at 0 over `haystack[..end]` (look-around
    /// sees all of `haystack`), writing the groups of the first match into
    /// `slots`: `Some(true)` if there is one, `None` if the text is too long
    /// for the visited set (see [`Backtracker::max_haystack_len`]).
    #[inline]
    pub(super) fn search(
        &self,
        cache: &mut Cache,
        haystack: &[u8],
        end: usize,
        slots: &mut [Option<NonMaxUsize>],
    ) -> Option<bool> {
        self.search_from(cache, haystack, 0, end, slots)
    }

    /// [`Backtracker::search`] anchored at `start` instead of 0: the groups
    /// of the first match in `haystack[start..end]` that starts at `start`
    /// (look-around sees all of `haystack`); `None` if that span is too
    /// long for the visited set.
    pub(super) fn search_from(
        &self,
        cache: &mut Cache,
        haystack: &[u8],
        start: usize,
        end: usize,
        slots: &mut [Option<NonMaxUsize>],
    ) -> Option<bool> {
        if end > haystack.len() || start > end || end - start > self.max_haystack_len() || end > u32::MAX as usize {
            return None;
        }
        slots.fill(None);
        let stride = end - start + 1;
        let blocks = (self.checked * stride).div_ceil(64);
        cache.visited.clear();
        cache.visited.resize(blocks, 0);
        cache.stack.clear();
        cache.stack.push(Frame::Step { sid: self.start, at: start as u32 });
        let text = &haystack[..end];
        while let Some(frame) = cache.stack.pop() {
            match frame {
                Frame::Step { sid, at } => {
                    if self.step(cache, haystack, text, (start, stride), sid, at as usize, slots) {
                        return Some(true);
                    }
                }
                Frame::Restore { slot, offset } => {
                    if let Some(s) = slots.get_mut(slot as usize) {
                        *s = offset;
                    }
                }
            }
        }
        Some(false)
    }

    /// Whether state `sid` may lead to a match from `at` (see [`Reach`]).
    #[inline(always)]
    fn viable(&self, haystack: &[u8], text: &[u8], sid: u32, at: usize) -> bool {
        let Some(r) = self.nodes.get(sid as usize).map(|n| &n.reach) else { return false };
        if let Some(&b) = text.get(at) {
            if r.first[usize::from(b >> 6)] & (1 << (b & 63)) != 0 {
                return true;
            }
        }
        r.free || (r.matches && self.any_look(r.looks, haystack, at))
    }

    /// Whether any assertion of `looks` holds at `at`. The end of the text
    /// alone (`$`, closing most recipient patterns, asked at every byte
    /// of the loop before it) is answered without going through the set.
    #[inline(always)]
    fn any_look(&self, looks: LookSet, haystack: &[u8], at: usize) -> bool {
        if looks == LookSet::singleton(Look::End) {
            return at == haystack.len();
        }
        looks.iter().any(|l| self.look.matches(l, haystack, at))
    }

    /// Follows state `sid` at `at` (and the first choice of every state on
    /// the way, leaving the others on the stack) until a match, a state
    /// already visited at its position, or a dead end.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn step(
        &self,
        cache: &mut Cache,
        haystack: &[u8],
        text: &[u8],
        (start, stride): (usize, usize),
        mut sid: u32,
        mut at: usize,
        slots: &mut [Option<NonMaxUsize>],
    ) -> bool {
        loop {
            let Some(node) = self.nodes.get(sid as usize) else { return false };
            if !visit(&mut cache.visited, node.row, stride, at - start) {
                return false;
            }
            match node.inst {
                Inst::Set { next, .. } => {
                    let Some(&b) = text.get(at) else { return false };
                    if node.bits[usize::from(b >> 6)] & (1 << (b & 63)) == 0 {
                        return false;
                    }
                    (sid, at) = (next, at + 1);
                }
                Inst::Table { table } => {
                    let Some(&b) = text.get(at) else { return false };
                    let next = self.tables.get(table as usize).map_or(DEAD, |t| t[usize::from(b)]);
                    if next == DEAD {
                        return false;
                    }
                    (sid, at) = (next, at + 1);
                }
                Inst::Look { look, next } => {
                    if !self.look.matches(look, haystack, at) {
                        return false;
                    }
                    sid = next;
                }
                Inst::Union { start, end: stop } => {
                    let Some(alts) = self.alts.get(start as usize..stop as usize) else { return false };
                    let at32 = at as u32;
                    let viable = alts[1..].iter().rev().filter(|&&s| self.viable(haystack, text, s, at));
                    cache.stack.extend(viable.map(|&sid| Frame::Step { sid, at: at32 }));
                    if !self.viable(haystack, text, alts[0], at) {
                        return false;
                    }
                    sid = alts[0];
                }
                Inst::Split { first, second } => {
                    if let Some(set) = self.nodes.get(first as usize).filter(|n| loops_back(n, sid)) {
                        // A greedy loop over a byte set (`[^\s<>]*`, `.+`):
                        // walked here, step for step as the general walk
                        // would (the set is viable exactly when it takes
                        // the byte), without going through the states.
                        let split_row = node.row;
                        loop {
                            if self.viable(haystack, text, second, at) {
                                cache.stack.push(Frame::Step { sid: second, at: at as u32 });
                            }
                            let Some(&b) = text.get(at) else { return false };
                            if set.bits[usize::from(b >> 6)] & (1 << (b & 63)) == 0 {
                                return false;
                            }
                            if !visit(&mut cache.visited, set.row, stride, at - start) {
                                return false;
                            }
                            at += 1;
                            if !visit(&mut cache.visited, split_row, stride, at - start) {
                                return false;
                            }
                        }
                    }
                    if self.viable(haystack, text, second, at) {
                        cache.stack.push(Frame::Step { sid: second, at: at as u32 });
                    }
                    if !self.viable(haystack, text, first, at) {
                        return false;
                    }
                    sid = first;
                }
                Inst::Capture { slot, next } => {
                    if let Some(s) = slots.get_mut(slot as usize) {
                        cache.stack.push(Frame::Restore { slot, offset: *s });
                        *s = NonMaxUsize::new(at);
                    }
                    sid = next;
                }
                Inst::Fail => return false,
                Inst::Match => return true,
            }
        }
    }
}

/// Marks `row` visited at `offset` (from the start of the search) in
/// `visited`; `false` when it was already, or is out of the set. A state
/// without a row ([`UNCHECKED`]) is never marked.
#[inline(always)]
fn visit(visited: &mut [u64], row: u32, stride: usize, offset: usize) -> bool {
    if row == UNCHECKED {
        return true;
    }
    let bit = row as usize * stride + offset;
    let Some(block) = visited.get_mut(bit / 64) else { return false };
    if *block & (1 << (bit % 64)) != 0 {
        return false;
    }
    *block |= 1 << (bit % 64);
    true
}

/// Whether `node` is a byte set whose next state is `split`: the body of a
/// greedy loop `split` starts (see [`Backtracker::step`]).
#[inline(always)]
fn loops_back(node: &Node, split: u32) -> bool {
    matches!(node.inst, Inst::Set { next, .. } if next == split)
}

#[cfg(test)]
mod tests;
