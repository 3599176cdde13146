//! The literal gate of a rule regex: which literals the phrase automaton
//! must find for the regex to be tried at all (its triggers), and which
//! further literal sets the text must hold (its requirements), so that a
//! regex whose literal is common (`ib`, `_`, `exceeded`) is not run on
//! every text that merely holds that literal.
//!
//! Every set derived here is *necessary*: each match of the regex, as it is
//! searched (ASCII classes and case folding on the folded text, see
//! [`crate::lazy_regex`]), holds one of the set's literals, ASCII case
//! aside. Gating on necessary sets therefore never changes an answer: a
//! regex that would have matched is still tried. Triggers given in the
//! rules (`literal = "..."`) are only replaced by a set that implies them
//! (each new literal contains a given one), since a given literal need not
//! be necessary and a match without it must stay unreported.

use regex_syntax::hir::{literal::Extractor, Hir, HirKind};

use crate::fold::fold_phrase;

/// The most literals a derived set may have: beyond that a set gates little
/// and costs a search per literal.
const MOST_LITERALS: usize = 16;
/// The shortest literal a derived set may have.
const SHORTEST: usize = 3;
/// The most requirement sets a regex keeps (the strongest).
const MOST_SETS: usize = 3;

/// Literal sets a text must hold before a regex is tried: each set written
/// as its literals (folded, ASCII-lowercased, never empty, never holding a
/// line feed) each followed by `\n`, sets separated by an empty line. One
/// string rather than nested vectors, so that a decoded snapshot allocates
/// one buffer per regex with requirements and none for the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requires(pub(crate) String);

impl Requires {
    /// The requirements made of `sets` (each literal folded, non-empty,
    /// without a line feed; each set non-empty).
    fn of(sets: &[Vec<String>]) -> Requires {
        let mut out = String::new();
        for (i, set) in sets.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for lit in set {
                out.push_str(lit);
                out.push('\n');
            }
        }
        Requires(out)
    }

    /// Whether there is nothing to require.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The sets, each as its literals.
    pub fn sets(&self) -> impl Iterator<Item = impl Iterator<Item = &str>> {
        self.0.split("\n\n").filter(|s| !s.is_empty()).map(|set| set.split('\n').filter(|l| !l.is_empty()))
    }

    /// Whether `text` holds a literal of every set, ASCII case aside.
    #[inline]
    pub(crate) fn met_by(&self, text: &[u8]) -> bool {
        self.is_empty() || self.sets().all(|mut set| set.any(|lit| holds(text, lit.as_bytes())))
    }
}

/// Whether `text` holds `lit` (ASCII-lowercased), ASCII case aside, found
/// by its rarest byte as a regex's needle is (no searcher to build, so a
/// check of a few literals costs about a pass of `memchr`).
fn holds(text: &[u8], lit: &[u8]) -> bool {
    crate::lazy_regex::rarest(lit).is_none_or(|rare| crate::lazy_regex::holds_at(text, lit, rare))
}

/// The gate of the regex `pattern` whose triggers are `triggers` (`given`
/// when the rules name them, else derived from the pattern): the triggers
/// to put in the automaton (a stronger necessary set when one implies the
/// given ones) and the requirements the triggers do not imply already.
pub(crate) fn plan(pattern: &str, triggers: Vec<String>, given: bool) -> (Vec<String>, Requires) {
    let sets = necessary_sets(pattern);
    let mut triggers = triggers;
    let implies = |a: &[String], b: &[String]| a.iter().all(|x| b.iter().any(|y| x.contains(y.as_str())));
    if let Some(best) = sets
        .iter()
        .filter(|s| !given || implies(s, &triggers))
        .max_by_key(|s| strength(s))
        .filter(|s| strength(s) > strength(&triggers))
    {
        triggers = best.clone();
    }
    // Strongest first; a set implied by the triggers or by a set kept
    // already adds nothing.
    let mut sorted: Vec<&Vec<String>> = sets.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(strength(s)));
    let mut kept: Vec<Vec<String>> = Vec::new();
    for set in sorted {
        if kept.len() == MOST_SETS || implies(&triggers, set) || kept.iter().any(|k| implies(k, set)) {
            continue;
        }
        kept.push(set.clone());
    }
    (triggers, Requires::of(&kept))
}

/// How strongly a set gates: its shortest literal, then the fewer literals.
fn strength(set: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    (set.iter().map(String::len).min().unwrap_or(0), std::cmp::Reverse(set.len()))
}

/// Literal sets every match of `pattern` holds one of, folded: for each
/// position of the pattern's top-level concatenation, the prefixes of what
/// follows it. Only for patterns written in ASCII without inline flags
/// (which could turn Unicode case folding on), read as the ASCII search
/// reads them; none when the pattern does not parse so.
pub(crate) fn necessary_sets(pattern: &str) -> Vec<Vec<String>> {
    if !pattern.is_ascii() || has_flags(pattern) {
        return Vec::new();
    }
    let Ok(hir) = regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(pattern) else {
        return Vec::new();
    };
    let mut hir = &hir;
    while let HirKind::Capture(c) = hir.kind() {
        hir = &c.sub;
    }
    let parts: Vec<Hir> = match hir.kind() {
        HirKind::Concat(parts) => parts.clone(),
        _ => vec![hir.clone()],
    };
    let mut sets: Vec<Vec<String>> = Vec::new();
    for i in 0..parts.len() {
        // What follows a look-around starts where it does.
        if matches!(parts[i].kind(), HirKind::Look(_)) {
            continue;
        }
        if let Some(set) = prefixes(&Hir::concat(parts[i..].to_vec())) {
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
    }
    sets
}

/// The prefixes every match of `hir` starts with, folded, when they are
/// few, ASCII and not too short.
fn prefixes(hir: &Hir) -> Option<Vec<String>> {
    // Few literals are kept anyway: a small total bounds the cross
    // products the extractor builds.
    let seq = Extractor::new().limit_total(64).extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() {
        return None;
    }
    let mut all = Vec::with_capacity(lits.len());
    for l in lits {
        let s = std::str::from_utf8(l.as_bytes()).ok().filter(|s| s.is_ascii())?;
        let folded = fold_phrase(s);
        if folded.len() < SHORTEST || folded.contains('\n') {
            return None;
        }
        all.push(folded);
    }
    all.sort();
    all.dedup();
    if all.len() <= MOST_LITERALS {
        return Some(all);
    }
    // Too many (`rejected: 1`, `rejected: 2`, ...): the prefixes of a
    // shorter length are necessary too, and fewer. Their number only grows
    // with the length, so the longest that gives few enough is searched by
    // halves.
    let cut = |n: usize| {
        let mut out: Vec<&str> = all.iter().map(|l| l[..n.min(l.len())].trim_end()).collect();
        out.sort_unstable();
        out.dedup();
        out
    };
    let fits = |n: usize| {
        let out = cut(n);
        out.len() <= MOST_LITERALS && out.iter().all(|l| l.len() >= SHORTEST)
    };
    let longest = all.iter().map(String::len).max().unwrap_or(0);
    if !fits(SHORTEST) {
        return None;
    }
    // `fits(lo)` holds and `fits(hi)` does not.
    let (mut lo, mut hi) = (SHORTEST, longest);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(cut(lo).into_iter().map(str::to_owned).collect())
}

/// Whether `pattern` may set flags inline (`(?i)`, `(?u:...)`): any `(?`
/// that opens neither a plain group nor a named one.
fn has_flags(pattern: &str) -> bool {
    pattern.match_indices("(?").any(|(at, _)| {
        let rest = &pattern[at + 2..];
        !(rest.starts_with(':') || rest.starts_with("P<") || rest.starts_with('<'))
    })
}

#[cfg(test)]
mod tests;
