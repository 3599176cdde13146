//! The snapshot writer's side of stored regexes (see the parent module):
//! each pattern's stored form, as [`super::Stored::load`] reads it back.

use regex_automata::dfa::{dense, StartKind};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::{MatchKind, PatternID};
use regex_syntax::hir::Hir;

use super::super::backtrack::Backtracker;
use super::super::dual::{anchored, parse, parse_ascii, parse_full};
use super::super::literal::Literals;
use super::super::needle::Needle;
use super::super::wire::Writer;
use super::{Built, Kind};

/// The largest DFAs (forward and reverse together, in bytes) a stored
/// ASCII form may have: the few patterns above it are built on demand.
/// The largest shipped pattern (794 KB: a recipient named in a sentence,
/// `^(?P<diag>.*(?:delivering your ...`) fits: built and determinized on
/// demand it cost most of the 2.5M instructions a one-worker run over
/// maildir/bsd saved when this limit was raised from 96 KB; stored, its
/// bytes cost a checksum on first use and, mapped, about 1 MB of a run's
/// peak memory.
const MAX_DFA_BYTES: usize = 1024 * 1024;
/// The same for a full form: Unicode classes and case folding make larger
/// DFAs (190 KB for the shipped recipient pattern naming `Empfänger`), and
/// the few rule patterns that need Unicode are searched on most non-ASCII
/// texts, so building one on demand is a cost most runs pay.
const MAX_FULL_DFA_BYTES: usize = 256 * 1024;

/// The prebuilt form of a case-insensitive rule regex's ASCII form
/// (`captures`: searched for its groups), when it has one worth storing:
/// not for a phrase (read without the parser), its strings for another
/// pattern of literals, DFAs for the others.
pub(crate) fn build(pattern: &str, captures: bool) -> Option<Built> {
    let ascii = parse_ascii(pattern, true, captures)?;
    if Literals::plain(pattern).is_some() {
        return None;
    }
    let hir = parse(pattern, true, false)?;
    if let Some(l) = Literals::of(&hir) {
        let mut w = Writer::default();
        w.u32(Kind::Literal as u32);
        l.put(&mut w);
        return Some(Built { needle: needle_bytes(ascii.needle()), bytes: w.buf });
    }
    if ascii.is_built() {
        return None;
    }
    build_hir(&hir, captures, false, ascii.needle(), MAX_DFA_BYTES)
}

/// The prebuilt form of a case-insensitive rule regex's full form
/// (`captures`: searched for its groups, over `&str`), for a pattern that
/// needs Unicode (not written in ASCII, or without an ASCII form), when it
/// has one worth storing. A pattern that can match an empty text is left
/// to the regex built on demand (whose empty matches never split a
/// character).
pub(crate) fn build_full(pattern: &str, captures: bool) -> Option<Built> {
    if pattern.is_ascii() && parse(pattern, true, false).is_some() {
        return None;
    }
    let hir = parse_full(pattern, true, captures)?;
    if hir.properties().minimum_len().is_none_or(|n| n == 0) {
        return None;
    }
    build_hir(&hir, captures, captures, None, MAX_FULL_DFA_BYTES)
}

/// The stored form of a parsed pattern (`captures`: searched for its
/// groups; `utf8`: its matches are UTF-8, for a full form over `&str`),
/// with `needle`; `None` when it does not build or its DFAs take more than
/// `max_bytes`.
fn build_hir(hir: &Hir, captures: bool, utf8: bool, needle: Option<&Needle>, max_bytes: usize) -> Option<Built> {
    let kind = match (captures, anchored(hir)) {
        (true, true) => Kind::Groups,
        (true, false) => Kind::BoundsGroups,
        (false, _) => Kind::Bounds,
    };
    let config = thompson::Config::new()
        .utf8(utf8)
        .nfa_size_limit(Some(super::super::SIZE_LIMIT))
        .shrink(false)
        .which_captures(if captures { WhichCaptures::All } else { WhichCaptures::None });
    let nfa = thompson::Compiler::new().configure(config.clone()).build_from_hir(hir).ok()?;
    let limits = |c: dense::Config| {
        c.unicode_word_boundary(true).dfa_size_limit(Some(max_bytes)).determinize_size_limit(Some(1 << 22))
    };
    let start = if kind == Kind::Groups { StartKind::Anchored } else { StartKind::Unanchored };
    let fwd = dense::Builder::new()
        .configure(limits(dense::Config::new().match_kind(MatchKind::LeftmostFirst).start_kind(start)))
        .build_from_nfa(&nfa)
        .ok()?;
    let mut w = Writer::default();
    w.u32(kind as u32);
    if kind != Kind::Bounds {
        Backtracker::new(&nfa).put(&mut w);
        let names: Vec<Option<&str>> = nfa.group_info().pattern_names(PatternID::ZERO).collect();
        w.u32(names.len() as u32);
        for name in names {
            match name {
                None => w.u32(0),
                Some(n) => {
                    w.u32(1);
                    w.bytes(n.as_bytes());
                }
            }
        }
    }
    let mut dfa_bytes = 0;
    let mut put = |w: &mut Writer, d: &dense::DFA<Vec<u32>>| {
        let (bytes, pad) = d.to_bytes_native_endian();
        dfa_bytes += bytes.len() - pad;
        w.u32((bytes.len() - pad) as u32);
        w.align();
        w.buf.extend_from_slice(&bytes[pad..]);
    };
    put(&mut w, &fwd);
    if kind != Kind::Groups {
        let rev_nfa = thompson::Compiler::new()
            .configure(config.reverse(true).shrink(true).which_captures(WhichCaptures::None))
            .build_from_hir(hir)
            .ok()?;
        let rev = dense::Builder::new()
            .configure(limits(
                dense::Config::new()
                    .prefilter(None)
                    .specialize_start_states(false)
                    .start_kind(StartKind::Anchored)
                    .match_kind(MatchKind::All),
            ))
            .build_from_nfa(&rev_nfa)
            .ok()?;
        put(&mut w, &rev);
    }
    if dfa_bytes > max_bytes {
        return None;
    }
    Some(Built { needle: needle_bytes(needle), bytes: w.buf })
}

/// `needle` as [`Built::needle`] holds it.
fn needle_bytes(needle: Option<&Needle>) -> Vec<u8> {
    let mut w = Writer::default();
    if let Some(n) = needle {
        n.put(&mut w);
    }
    w.buf
}
