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
    /// not write.
    pub(in crate::lazy_regex) fn get(r: &mut Reader<'_>) -> Option<Backtracker> {
        let n = r.count(16)?;
        let mut states = Vec::with_capacity(n);
        for _ in 0..n {
            let (tag, a, b, row) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
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
            states.push((inst, row));
        }
        let checked = r.u32()? as usize;
        let reach = (0..n)
            .map(|_| {
                let first = [r.u64()?, r.u64()?, r.u64()?, r.u64()?];
                let flags = r.u32()?;
                let looks = LookSet::read_repr(&r.u32()?.to_le_bytes());
                Some(Reach { first, free: flags & 1 != 0, matches: flags & 2 != 0, looks })
            })
            .collect::<Option<Box<[Reach]>>>()?;
        let n = r.count(4)?;
        let alts = (0..n).map(|_| r.u32()).collect::<Option<Box<[u32]>>>()?;
        let n = r.count(32)?;
        let sets = (0..n).map(|_| Some([r.u64()?, r.u64()?, r.u64()?, r.u64()?])).collect::<Option<Box<[_]>>>()?;
        let n = r.count(1024)?;
        let mut tables = Vec::with_capacity(n);
        for _ in 0..n {
            let mut t = [0u32; 256];
            for v in t.iter_mut() {
                *v = r.u32()?;
            }
            tables.push(t);
        }
        let start = r.u32()?;
        let mut look = LookMatcher::new();
        look.set_line_terminator(u8::try_from(r.u32()?).ok()?);
        let nodes = super::nodes(&states, &reach, &sets);
        Some(Backtracker { nodes, checked, alts, sets, tables: tables.into(), start, look })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::nfa::thompson::{self, WhichCaptures};

    #[test]
    fn reads_back_what_it_wrote() {
        let hir = regex_syntax::Parser::new().parse(r"^\s*<?(?P<a>[a-z]+|\d)@(?:x|y|z|w)?\b$").unwrap();
        let config = thompson::Config::new().shrink(false).which_captures(WhichCaptures::All);
        let nfa = thompson::Compiler::new().configure(config).build_from_hir(&hir).unwrap();
        let b = Backtracker::new(&nfa);
        let mut w = Writer::default();
        b.put(&mut w);
        let back = Backtracker::get(&mut Reader::new(&w.buf)).unwrap();
        assert_eq!(format!("{b:?}"), format!("{back:?}"));
        for cut in 0..w.buf.len() {
            assert!(Backtracker::get(&mut Reader::new(&w.buf[..cut])).is_none());
        }
    }
}
