//! Regexes compiled when the rules' snapshot is written, and read back
//! from it on first use instead of being parsed and compiled again.
//!
//! A process that reads a snapshot would otherwise parse each regex it
//! needs, compile its NFA, and fill a lazy DFA's cache transition by
//! transition: most of the regex cost of a short run. For the ASCII form of
//! a rule regex (see [`super::LazyRegex`]) the snapshot writer stores
//! instead:
//!
//! - its needle (see `needle.rs`), in the snapshot's checksummed index;
//! - a full forward DFA, serialized by `regex-automata`, for where or
//!   whether it matches; a reverse one too for a pattern not anchored at the
//!   start (the start of its match);
//! - the backtracker (see `backtrack.rs`) of a pattern searched for its
//!   groups, run over the span the DFAs found.
//!
//! A pattern that needs Unicode (a non-ASCII letter, `\p{L}`) has its
//! full form (see [`super::LazyRegex`]) stored the same way, without a
//! needle, when it cannot match an empty text.
//!
//! The DFAs are read in place from the mapped snapshot file, never copied;
//! the backtracker is copied out. What these forms cannot do (a span too
//! long for the backtracker) is left to the regex built as without a
//! snapshot, on demand. A pattern of literals (not a plain phrase, read
//! without the parser anyway) is stored as its strings (see `literal.rs`),
//! so that it is not parsed. A pattern whose DFAs would be larger than
//! [`MAX_DFA_BYTES`], or one that does not build, is not stored: it is
//! built on demand as before.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use regex_automata::dfa::{dense, Automaton};
use regex_automata::util::captures::{Captures as Slots, GroupInfo};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, Match, PatternID};

use super::backtrack::{self, Backtracker};
use super::dual::{parse, Form};
use super::literal::Literals;
use super::needle::Needle;
use super::wire::Reader;

/// The bytes a snapshot is read from, kept alive as long as a regex or a
/// string read from them may be. Its bytes never move or change while it
/// lives (a mapped snapshot file is replaced by rename, never written in
/// place: see `snapshot::map`; bytes in memory are never mutated): the
/// DFAs here and [`crate::rules::Text`] read them in place on that
/// promise.
pub(crate) type Owner = Arc<dyn std::ops::Deref<Target = [u8]> + Send + Sync>;

/// Checksums a stored regex's bytes (see [`Stored`]).
pub(crate) type Checksum = fn(&[u8]) -> u128;

/// Where a regex's prebuilt form lies in a snapshot: its needle (read
/// with the snapshot's index), and the bytes of the rest, read on first use
/// after checking they still have the checksum the index gives.
#[derive(Clone)]
pub(crate) struct Stored {
    owner: Owner,
    range: Range<usize>,
    sum: u128,
    checksum: Checksum,
    needle: Option<Needle>,
}

/// What a stored regex is searched with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Anchored at the start, searched for its groups: a forward DFA and the
    /// backtracker from 0.
    Groups = 0,
    /// Searched for its bounds: forward and reverse DFAs.
    Bounds = 1,
    /// Not anchored, searched for its groups: forward and reverse DFAs, and
    /// the backtracker from the match's start.
    BoundsGroups = 2,
    /// A pattern of literals (see `literal.rs`): the strings, searched
    /// without a regex, stored so that the pattern is not parsed.
    Literal = 3,
}

/// A DFA read in place from the snapshot.
type Dfa = dense::DFA<&'static [u32]>;

/// A regex read back from a snapshot (see the module documentation).
pub(super) struct Prebuilt {
    kind: Kind,
    fwd: Dfa,
    rev: Option<Dfa>,
    backtrack: Option<(Backtracker, GroupInfo)>,
    caches: Pool<backtrack::Cache, fn() -> backtrack::Cache>,
    /// The pattern, and the regex built from it on demand for what the
    /// forms above cannot do.
    pattern: Box<str>,
    /// Whether this is the full (Unicode) form of the pattern, not its
    /// ASCII one: what the fallback builds.
    full: bool,
    fallback: OnceLock<Option<Form>>,
    /// Keeps the bytes `fwd` and `rev` read alive; dropped after them.
    _owner: Owner,
}

impl Stored {
    /// The needle of the regex, as its ASCII form has it.
    pub(super) fn needle(&self) -> Option<&Needle> {
        self.needle.as_ref()
    }

    /// The regex, read back (the full form of `pattern` when `full`, else
    /// its ASCII one, as written); `None` when its bytes are not those
    /// written.
    pub(super) fn load(&self, pattern: &str, full: bool) -> Option<Form> {
        let bytes = self.owner.get(self.range.clone())?;
        if (self.checksum)(bytes) != self.sum {
            return None;
        }
        let mut r = Reader::new(bytes);
        let kind = match r.u32()? {
            0 => Kind::Groups,
            1 => Kind::Bounds,
            2 => Kind::BoundsGroups,
            3 => return Literals::get(&mut r).map(Form::Literal),
            _ => return None,
        };
        let backtrack = match kind {
            Kind::Bounds | Kind::Literal => None,
            Kind::Groups | Kind::BoundsGroups => {
                let b = Backtracker::get(&mut r)?;
                let n = r.count(4)?;
                let names = (0..n)
                    .map(|_| match r.u32()? {
                        0 => Some(None),
                        _ => std::str::from_utf8(r.bytes()?).ok().map(Some),
                    })
                    .collect::<Option<Vec<Option<&str>>>>()?;
                Some((b, GroupInfo::new([names]).ok()?))
            }
        };
        let fwd = dfa(&mut r, &self.owner)?;
        let rev = match kind {
            Kind::Groups | Kind::Literal => None,
            Kind::Bounds | Kind::BoundsGroups => Some(dfa(&mut r, &self.owner)?),
        };
        let make: fn() -> backtrack::Cache = backtrack::Cache::default;
        let prebuilt = Prebuilt {
            kind,
            fwd,
            rev,
            backtrack,
            caches: Pool::new(make),
            pattern: pattern.into(),
            full,
            fallback: OnceLock::new(),
            _owner: self.owner.clone(),
        };
        Some(Form::Prebuilt(Box::new(prebuilt)))
    }
}

/// The next DFA of `r`, read in place. `r` reads bytes of `owner` that
/// hash to the checksum the snapshot's checksummed index gives (checked
/// by [`Stored::load`] before this is called).
fn dfa(r: &mut Reader<'_>, owner: &Owner) -> Option<Dfa> {
    let n = r.u32()? as usize;
    r.align()?;
    let bytes = r.take(n)?;
    // Only a slice of `owner`'s bytes may be made to outlive the reader.
    let whole: &[u8] = owner;
    if !whole.as_ptr_range().contains(&bytes.as_ptr()) {
        return None;
    }
    // SAFETY: `bytes` lies within the bytes `owner` holds (checked just
    // above), which never move or change while `owner` lives (a mapped
    // snapshot is never written in place, see
    // `snapshot::map::FileBytes::open`; a snapshot read into memory is
    // never mutated). Every `Prebuilt` holds a clone of `owner` and drops
    // it after the DFAs that borrow from it, and never hands out the
    // `'static` borrow itself.
    let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(bytes.as_ptr(), bytes.len()) };
    // SAFETY: `from_bytes_unchecked` needs bytes that
    // `to_bytes_native_endian` wrote (it still checks the alignment,
    // label, endianness and version, so a misaligned copy is an error).
    // These are such bytes: `build` wrote them so, in a snapshot whose key
    // names this very binary (so the same `regex-automata` and byte order),
    // and `Stored::load` found that they hash to the 128-bit checksum
    // recorded for them in the snapshot's index, which is itself covered by
    // the body's checksum (see `snapshot::prebuilt`). A corruption would
    // have to keep both checksums to get here. Validating instead costs
    // about as much as the search it saves on the first use
    // (`dense::DFA::from_bytes` walks every transition).
    unsafe { dense::DFA::from_bytes_unchecked(bytes) }.ok().map(|(d, _)| d)
}

impl Prebuilt {
    /// The regex built as without a snapshot, for what the stored forms
    /// cannot do.
    fn fallback(&self) -> Option<&Form> {
        self.fallback
            .get_or_init(|| {
                // Rule regexes are searched over `&str` exactly when for
                // their groups.
                let captures = self.kind != Kind::Bounds;
                if self.full {
                    return super::dual::build_full(&self.pattern, true, captures, captures);
                }
                let hir = parse(&self.pattern, true, false)?;
                super::dual::build_ascii(&hir, captures)
            })
            .as_ref()
    }

    /// The bounds of the leftmost-first match.
    pub(super) fn find(&self, haystack: &[u8]) -> Option<Match> {
        match self.kind {
            Kind::Groups | Kind::Literal => self.captures(haystack)?.get_match(),
            Kind::Bounds | Kind::BoundsGroups => match self.bounds(haystack) {
                Ok(m) => m,
                Err(()) => self.fallback()?.search().find(haystack),
            },
        }
    }

    /// The leftmost-first match by the two DFAs; `Err` when they give up.
    fn bounds(&self, haystack: &[u8]) -> Result<Option<Match>, ()> {
        let rev = self.rev.as_ref().ok_or(())?;
        let input = Input::new(haystack);
        let Some(end) = self.fwd.try_search_fwd(&input).map_err(drop)? else {
            return Ok(None);
        };
        let input = input.range(..end.offset()).anchored(Anchored::Yes);
        let start = rev.try_search_rev(&input).map_err(drop)?.ok_or(())?;
        Ok(Some(Match::new(PatternID::ZERO, start.offset()..end.offset())))
    }

    /// Whether the text holds a match.
    pub(super) fn is_match(&self, haystack: &[u8]) -> bool {
        if let Some((b, _)) = &self.backtrack {
            if self.kind == Kind::Groups && !b.may_start(haystack) {
                return false;
            }
        }
        let anchored = if self.kind == Kind::Groups { Anchored::Yes } else { Anchored::No };
        let input = Input::new(haystack).earliest(true).anchored(anchored);
        match self.fwd.try_search_fwd(&input) {
            Ok(m) => m.is_some(),
            Err(_) => self.fallback().is_some_and(|f| f.search().is_match(haystack)),
        }
    }

    /// The groups of the leftmost-first match.
    pub(super) fn captures(&self, haystack: &[u8]) -> Option<Slots> {
        let Some((b, groups)) = &self.backtrack else {
            return self.fallback()?.search().captures(haystack);
        };
        let span = match self.kind {
            Kind::Groups => {
                if !b.may_start(haystack) {
                    return None;
                }
                let input = Input::new(haystack).anchored(Anchored::Yes);
                self.fwd.try_search_fwd(&input).map(|m| m.map(|end| 0..end.offset())).map_err(drop)
            }
            Kind::Bounds | Kind::BoundsGroups | Kind::Literal => self.bounds(haystack).map(|m| m.map(|m| m.range())),
        };
        let span = match span {
            Ok(span) => span?,
            Err(()) => return self.fallback()?.search().captures(haystack),
        };
        let mut slots = Slots::all(groups.clone());
        let found = b.search_from(&mut self.caches.get(), haystack, span.start, span.end, slots.slots_mut());
        match found {
            Some(found) => slots.set_pattern(found.then_some(PatternID::ZERO)),
            None => return self.fallback()?.search().captures(haystack),
        }
        slots.is_match().then_some(slots)
    }
}

/// A regex's prebuilt form as the snapshot stores it: its needle, and the
/// bytes [`Stored::load`] reads back.
pub(crate) struct Built {
    /// The needle, as [`Needle::put`] writes it (empty: none).
    pub(crate) needle: Vec<u8>,
    /// The rest.
    pub(crate) bytes: Vec<u8>,
}

/// A [`Stored`] over `owner[range]`, which must hash to `sum` by
/// `checksum`, with the needle [`Built::needle`] wrote; `None` when the
/// needle's bytes are not such.
pub(crate) fn stored(
    owner: &Owner,
    range: Range<usize>,
    sum: u128,
    checksum: Checksum,
    needle: &[u8],
) -> Option<Stored> {
    let needle = match needle.is_empty() {
        true => None,
        false => Some(Needle::get(&mut Reader::new(needle))?),
    };
    Some(Stored { owner: owner.clone(), range, sum, checksum, needle })
}

mod build;
pub(crate) use build::{build, build_full};

#[cfg(test)]
mod tests;
