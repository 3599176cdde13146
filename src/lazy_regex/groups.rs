//! [`Groups`]: a regex anchored at the start of the text, searched for its
//! capture groups, built from the engines that search uses and no others.
//!
//! A `meta` regex asked for groups runs a forward lazy DFA to find where
//! the match ends, a reverse one to find where it starts, and then a
//! one-pass DFA, the bounded backtracker or the PikeVM over the match for
//! its groups; it compiles a reverse NFA for that, which costs as much as
//! the forward one, and its reverse lazy DFA has its own cache to fill.
//! A match of a pattern anchored at the start (`^\s*<(?P<rcpt>...)>`)
//! starts at 0, so this regex keeps the forward lazy DFA (most texts have
//! no match, and it says so fastest) and runs the backtracker (the PikeVM
//! on a text too long for it) from 0 to the end the DFA found: the same
//! groups, without a reverse NFA or a one-pass DFA to build.
//!
//! For a pattern that is not anchored the backtracker would have to try
//! every start before the match, which costs more than the reverse search
//! saves; those stay `meta` regexes.

use super::backtrack::{self, Backtracker};
use regex_automata::hybrid::dfa::{self, DFA};
use regex_automata::nfa::thompson::pikevm::{self, PikeVM};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::captures::Captures as Slots;
use regex_automata::util::pool::Pool;
use regex_automata::{Input, MatchKind, PatternID};
use regex_syntax::hir::Hir;

/// The caches one search needs, one set per thread at a time.
struct Caches {
    dfa: dfa::Cache,
    backtrack: backtrack::Cache,
    pikevm: pikevm::Cache,
}

/// Makes a [`Caches`] for a regex's pool.
type MakeCaches = Box<dyn Fn() -> Caches + Send + Sync>;

/// A regex searched for its groups (see the module documentation).
pub(super) struct Groups {
    dfa: DFA,
    backtrack: Backtracker,
    pikevm: PikeVM,
    caches: Pool<Caches, MakeCaches>,
}

impl Groups {
    /// The regex of a parsed pattern anchored at the start (any other
    /// pattern gets the same answers, more slowly), compiled as a `meta`
    /// regex compiles it (leftmost-first, every group, `utf8` for its empty
    /// matches); `None` when its NFA exceeds `size_limit`.
    pub(super) fn new(hir: &Hir, utf8: bool, size_limit: usize) -> Option<Groups> {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .utf8(utf8)
                    .nfa_size_limit(Some(size_limit))
                    .shrink(false)
                    .which_captures(WhichCaptures::All),
            )
            .build_from_hir(hir)
            .ok()?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::LeftmostFirst)
                    .unicode_word_boundary(true)
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build_from_nfa(nfa.clone())
            .ok()?;
        let backtrack = Backtracker::new(&nfa);
        let pikevm = PikeVM::new_from_nfa(nfa).ok()?;
        let (d, p) = (dfa.clone(), pikevm.clone());
        let make: MakeCaches = Box::new(move || Caches {
            dfa: d.create_cache(),
            backtrack: backtrack::Cache::default(),
            pikevm: p.create_cache(),
        });
        Some(Groups { dfa, backtrack, pikevm, caches: Pool::new(make) })
    }

    /// Whether `haystack` holds a match.
    pub(super) fn is_match(&self, haystack: &[u8]) -> bool {
        if !self.backtrack.may_start(haystack) {
            return false;
        }
        let mut caches = self.caches.get();
        let input = Input::new(haystack).earliest(true);
        match self.dfa.try_search_fwd(&mut caches.dfa, &input) {
            Ok(m) => m.is_some(),
            Err(_) => self.pikevm.is_match(&mut caches.pikevm, input),
        }
    }

    /// The groups of the leftmost-first match in `haystack`, if any.
    pub(super) fn captures(&self, haystack: &[u8]) -> Option<Slots> {
        if !self.backtrack.may_start(haystack) {
            return None;
        }
        let mut caches = self.caches.get();
        let caches = &mut *caches;
        let mut input = Input::new(haystack);
        match self.dfa.try_search_fwd(&mut caches.dfa, &input) {
            Ok(None) => return None,
            Ok(Some(end)) => input.set_end(end.offset()),
            Err(_) => {}
        }
        let mut slots = Slots::all(self.pikevm.get_nfa().group_info().clone());
        match self.backtrack.search(&mut caches.backtrack, haystack, input.end(), slots.slots_mut()) {
            Some(found) => slots.set_pattern(found.then_some(PatternID::ZERO)),
            None => self.pikevm.search(&mut caches.pikevm, &input, &mut slots),
        }
        slots.is_match().then_some(slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(pattern: &str) -> Groups {
        let parser = regex_syntax::ParserBuilder::new().case_insensitive(true).unicode(false).utf8(false).build();
        Groups::new(&parser.clone().parse(pattern).unwrap(), false, 1 << 20).unwrap()
    }

    #[test]
    fn finds_the_groups_of_the_leftmost_first_match() {
        let g = groups(r"^\s*(?P<a>[a-z]+)(?:@(?P<b>[a-z]+))?");
        let c = g.captures(b"  Bob@Example rest").unwrap();
        assert_eq!((c.get_group(1).unwrap().range(), c.get_group(2).unwrap().range()), (2..5, 6..13));
        assert!(g.captures(b"  42").is_none() && !g.is_match(b": bob") && g.is_match(b"bob"));
    }

    #[test]
    fn a_text_too_long_for_the_backtracker_goes_to_the_pikevm() {
        let g = groups(r"^(?P<all>.*x)");
        let text = [b"a".repeat(g.backtrack.max_haystack_len()), b"x".to_vec()].concat();
        assert!(text.len() > g.backtrack.max_haystack_len());
        assert_eq!(g.captures(&text).unwrap().get_group(1).unwrap().range(), 0..text.len());
    }
}
