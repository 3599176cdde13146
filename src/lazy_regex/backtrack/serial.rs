//! A [`Backtracker`] as bytes, for the rules' snapshot: every array it
//! walks, copied back as they were (nothing recomputed on loading).
//!
//! A state index out of range read back from corrupted bytes cannot make
//! the walk panic (it reads every array with `get`); the snapshot's
//! checksums are what keep such bytes out.

use regex_automata::util::look::{Look, LookMatcher, LookSet};

use super::reach::Reach;
use super::{Backtracker, Inst};
use crate::lazy_regex::wire::{Reader, Writer};

/// Tags of [`Inst`] variants.
const SET: u32 = 0;
const TABLE: u32 = 1;
const LOOK: u32 = 2;
const UNION: u32 = 3;
const SPLIT: u32 = 4;
const CAPTURE: u32 = 5;
const FAIL: u32 = 6;
const MATCH: u32 = 7;

impl Backtracker {
    /// Appends this backtracker to `w`.
    pub(in crate::lazy_regex) fn put(&self, w: &mut Writer) {
        w.u32(self.nodes.len() as u32);
        for &super::Node { inst, row, .. } in self.nodes.iter() {
            let (tag, a, b) = match inst {
                Inst::Set { set, next } => (SET, set, next),
                Inst::Table { table } => (TABLE, table, 0),
                Inst::Look { look, next } => (LOOK, look.as_repr(), next),
                Inst::Union { start, end } => (UNION, start, end),
                Inst::Split { first, second } => (SPLIT, first, second),
                Inst::Capture { slot, next } => (CAPTURE, slot, next),
                Inst::Fail => (FAIL, 0, 0),
                Inst::Match => (MATCH, 0, 0),
            };
            [tag, a, b, row].into_iter().for_each(|v| w.u32(v));
        }
        w.u32(self.checked as u32);
        for r in self.nodes.iter().map(|n| &n.reach) {
            r.first.iter().for_each(|&v| w.u64(v));
            let mut looks = [0u8; 4];
            r.looks.write_repr(&mut looks);
            w.u32(u32::from(r.free) | u32::from(r.matches) << 1);
            w.u32(u32::from_le_bytes(looks));
        }
        w.u32(self.alts.len() as u32);
        self.alts.iter().for_each(|&a| w.u32(a));
        w.u32(self.sets.len() as u32);
        self.sets.iter().flatten().for_each(|&v| w.u64(v));
        w.u32(self.tables.len() as u32);
        self.tables.iter().flatten().for_each(|&v| w.u32(v));
        w.u32(self.start);
        w.u32(u32::from(self.look.get_line_terminator()));
    }

    /// A backtracker [`Backtracker::put`] wrote; `None` for bytes it did
    /// not write. Each array is taken from `r` in one piece and decoded from
    /// fixed-size chunks (no bounds check per word: most of what a first
    /// use of a stored regex costs, before).
    pub(in crate::lazy_regex) fn get(r: &mut Reader<'_>) -> Option<Backtracker> {
        let n = r.count(16)?;
        let states = r.take(n * 16)?;
        let checked = r.u32()? as usize;
        let reach = r.take(n.checked_mul(40)?)?;
        let n_alts = r.count(4)?;
        let alts: Box<[u32]> = r.take(n_alts * 4)?.chunks_exact(4).map(word).collect();
        let n_sets = r.count(32)?;
        let sets: Box<[[u64; 4]]> = r.take(n_sets * 32)?.chunks_exact(32).map(bits).collect();
        let n_tables = r.count(1024)?;
        let mut tables = Vec::with_capacity(n_tables);
        for c in r.take(n_tables * 1024)?.chunks_exact(1024) {
            let c: &[u8; 1024] = c.try_into().ok()?;
            tables.push(std::array::from_fn(|i| {
                u32::from_le_bytes([c[4 * i], c[4 * i + 1], c[4 * i + 2], c[4 * i + 3]])
            }));
        }
        let start = r.u32()?;
        let mut look = LookMatcher::new();
        look.set_line_terminator(u8::try_from(r.u32()?).ok()?);
        let mut nodes = Vec::with_capacity(n);
        for (s, f) in states.chunks_exact(16).zip(reach.chunks_exact(40)) {
            let (tag, a, b, row) = (word(&s[..4]), word(&s[4..8]), word(&s[8..12]), word(&s[12..]));
            let inst = match tag {
                SET => Inst::Set { set: a, next: b },
                TABLE => Inst::Table { table: a },
                LOOK => Inst::Look { look: Look::from_repr(a)?, next: b },
                UNION => Inst::Union { start: a, end: b },
                SPLIT => Inst::Split { first: a, second: b },
                CAPTURE => Inst::Capture { slot: a, next: b },
                FAIL => Inst::Fail,
                MATCH => Inst::Match,
                _ => return None,
            };
            let flags = word(&f[32..36]);
            let looks = LookSet::read_repr(&f[36..40]);
            let reach = Reach { first: bits(&f[..32]), free: flags & 1 != 0, matches: flags & 2 != 0, looks };
            nodes.push(super::node(inst, row, reach, &sets));
        }
        let (nodes, tables) = (nodes.into_boxed_slice(), tables.into_boxed_slice());
        Some(Backtracker { nodes, checked, alts, sets, tables, start, look })
    }
}

/// The little-endian `u32` of a 4-byte chunk.
#[inline(always)]
fn word(w: &[u8]) -> u32 {
    u32::from_le_bytes([w[0], w[1], w[2], w[3]])
}

/// The 256-bit set of a 32-byte chunk (four little-endian `u64`s).
#[inline(always)]
fn bits(c: &[u8]) -> [u64; 4] {
    let mut set = [0u64; 4];
    for (v, w) in set.iter_mut().zip(c.chunks_exact(8)) {
        *v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::nfa::thompson::{self, WhichCaptures};

    /// The bytes [`Backtracker::put`] writes for a pattern with every kind
    /// of state (sets, a table, assertions, unions, groups).
    fn written() -> (Backtracker, Vec<u8>) {
        let hir = regex_syntax::Parser::new().parse(r"^\s*<?(?P<a>[a-z]+|\d)@(?:x|y|z|w)?\b$").unwrap();
        let config = thompson::Config::new().shrink(false).which_captures(WhichCaptures::All);
        let nfa = thompson::Compiler::new().configure(config).build_from_hir(&hir).unwrap();
        let b = Backtracker::new(&nfa);
        let mut w = Writer::default();
        b.put(&mut w);
        (b, w.buf)
    }

    proptest::proptest! {
        /// Bytes changed anywhere read back as nothing or as a backtracker
        /// whose searches do not panic (the snapshot's checksums keep such
        /// bytes out; this is what is left when they do not).
        #[test]
        fn changed_bytes_never_panic(at in 0usize..4096, value: u8, text in "[a-z0-9@<> x]{0,12}") {
            let (_, mut bytes) = written();
            let i = at % bytes.len();
            bytes[i] = value;
            if let Some(b) = Backtracker::get(&mut Reader::new(&bytes)) {
                let mut slots = vec![None; 4];
                let _ = b.search(&mut super::super::Cache::default(), text.as_bytes(), text.len(), &mut slots);
                let _ = b.may_start(text.as_bytes());
            }
        }
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let (b, buf) = written();
        let w = Writer { buf };
        let back = Backtracker::get(&mut Reader::new(&w.buf)).unwrap();
        assert_eq!(format!("{b:?}"), format!("{back:?}"));
        for cut in 0..w.buf.len() {
            assert!(Backtracker::get(&mut Reader::new(&w.buf[..cut])).is_none());
        }
    }
}
