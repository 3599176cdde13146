//! [`Literals`] written to and read from the rules' snapshot (see
//! `stored.rs`): a pattern of literals stored as its strings is never
//! parsed.

use regex_automata::PatternID;
use regex_syntax::hir::Look;

use super::super::wire::{Reader, Writer};
use super::{Alt, Literals};

impl Literals {
    /// Writes the strings and the group names, as [`Literals::get`] reads
    /// them (for the rules' snapshot, see `stored.rs`).
    pub(in crate::lazy_regex) fn put(&self, w: &mut Writer) {
        w.u32(self.alts.len() as u32);
        for a in &*self.alts {
            w.bytes(&a.lit);
            w.u32(a.looks.len() as u32);
            for &(at, look) in &a.looks {
                w.u32(at as u32);
                w.u32(look.as_repr());
            }
            w.u32(a.groups.len() as u32);
            for g in &a.groups {
                let (s, e) = g.map_or((u32::MAX, u32::MAX), |(s, e)| (s as u32, e as u32));
                w.u32(s);
                w.u32(e);
            }
        }
        let names: Vec<Option<&str>> = self.groups.pattern_names(PatternID::ZERO).collect();
        w.u32(names.len() as u32);
        for name in names {
            w.bytes(name.map_or(&[0xff][..], str::as_bytes));
        }
    }

    /// The literals [`Literals::put`] wrote; `None` when `r` does not hold
    /// such (offsets past their string, a group name that is not UTF-8).
    pub(in crate::lazy_regex) fn get(r: &mut Reader<'_>) -> Option<Literals> {
        let n = r.count(4)?;
        let mut alts = Vec::with_capacity(n);
        for _ in 0..n {
            let lit = r.bytes()?.to_vec();
            let within = |at: u32| usize::try_from(at).ok().filter(|&at| at <= lit.len());
            let looks = (0..r.count(8)?)
                .map(|_| Some((within(r.u32()?)?, Look::from_repr(r.u32()?)?)))
                .collect::<Option<Vec<_>>>()?;
            let groups = (0..r.count(8)?)
                .map(|_| match (r.u32()?, r.u32()?) {
                    (u32::MAX, u32::MAX) => Some(None),
                    (s, e) => {
                        let (s, e) = (within(s)?, within(e)?);
                        (s <= e).then_some(Some((s, e)))
                    }
                })
                .collect::<Option<Vec<_>>>()?;
            alts.push(Alt { lit, looks, groups });
        }
        let names = (0..r.count(4)?)
            .map(|_| match r.bytes()? {
                [0xff] => Some(None),
                b => std::str::from_utf8(b).ok().map(|s| Some(s.to_string())),
            })
            .collect::<Option<Vec<_>>>()?;
        Literals::new(alts, names)
    }
}
