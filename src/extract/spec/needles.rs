//! The literal every match of a pattern holds (its needle), and which
//! patterns of a list may match a text by the needles it holds, found in
//! one pass over the text.
//!
//! A block was tried against every command pattern in turn, each search
//! looking for its own literal over the whole block first; most blocks
//! hold none of them. One vectorised search over the lowercased block (the
//! searcher of [`crate::extract::matchers::SignIndex`]) now finds every
//! needle it holds, and only the patterns whose needle it holds (or that
//! have none) are searched.
//!
//! ```text
//! `error\s+from\s+remote\s+...` → needle "remote"; `\(state 14\)` →
//! "(state 14)"; `\[(?:RCPT_TO|DATA)\]` → "rcpt_to" or "data"; a block
//! holding none of them is not searched with these patterns.
//! ```
//!
//! The needles are read from the pattern as parsed for any text, but are
//! only trusted on ASCII texts: a case-insensitive `k` also matches the
//! Kelvin sign, which an ASCII needle does not hold.

use std::cell::RefCell;
use std::sync::OnceLock;

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::extract::matchers::Searcher;

/// Needles shorter than this filter too little to pay for the search.
const MIN_LEN: usize = 3;

/// Lists longer than this are not filtered (every pattern may match).
const MAX_PATTERNS: usize = 128;

/// Alternatives of more needles than this are not kept.
const MAX_ALTERNATIVES: usize = 8;

/// Literals, lowercased, one of which every match of `hir` holds on an
/// ASCII text (the longest one, or one per alternative of an alternation),
/// each at least [`MIN_LEN`] bytes long; empty when there are none such.
pub(crate) fn needles(hir: &Hir) -> Vec<String> {
    let set = required(hir);
    if strength(&set) < MIN_LEN {
        return Vec::new();
    }
    set.into_iter().filter_map(|n| String::from_utf8(n).ok()).collect()
}

/// How well a set of alternative needles filters: its shortest one's
/// length (0 for none).
fn strength(set: &[Vec<u8>]) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

/// The one ASCII byte (lowercased) a literal or class matches on ASCII
/// texts, ignoring ASCII case: `[kK]`, `x`, `\(`.
fn atom(hir: &Hir) -> Option<u8> {
    let ranges: Vec<(u32, u32)> = match hir.kind() {
        HirKind::Literal(l) if l.0.len() == 1 && l.0[0].is_ascii() => return Some(l.0[0].to_ascii_lowercase()),
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().map(|r| (r.start().into(), r.end().into())).collect(),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().map(|r| (r.start().into(), r.end().into())).collect(),
        _ => return None,
    };
    let mut ascii = Vec::new();
    for (s, e) in ranges {
        let e = e.min(0x7f);
        if s > e {
            continue;
        }
        if e - s > 2 {
            return None;
        }
        ascii.extend((s..=e).filter_map(|b| u8::try_from(b).ok()));
    }
    match ascii[..] {
        [b] => Some(b.to_ascii_lowercase()),
        [a, b] if a.is_ascii_alphabetic() && a.eq_ignore_ascii_case(&b) => Some(a.to_ascii_lowercase()),
        _ => None,
    }
}

/// Literals (lowercased), one of which every match holds, possibly
/// short; empty: none known.
fn required(hir: &Hir) -> Vec<Vec<u8>> {
    let one = |n: Vec<u8>| if n.is_empty() { Vec::new() } else { vec![n] };
    match hir.kind() {
        HirKind::Literal(l) => one(longest_ascii_run(&l.0)),
        HirKind::Class(_) => atom(hir).map(|b| vec![vec![b]]).unwrap_or_default(),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min > 0 => required(&r.sub),
        HirKind::Alternation(hs) => {
            let mut set: Vec<Vec<u8>> = Vec::new();
            for h in hs {
                let branch = required(h);
                if branch.is_empty() {
                    return Vec::new();
                }
                for n in branch {
                    if !set.contains(&n) {
                        set.push(n);
                    }
                }
            }
            if set.len() > MAX_ALTERNATIVES {
                return Vec::new();
            }
            set
        }
        HirKind::Concat(hs) => {
            let (mut best, mut run): (Vec<Vec<u8>>, Vec<u8>) = (Vec::new(), Vec::new());
            let keep = |candidate: Vec<Vec<u8>>, best: &mut Vec<Vec<u8>>| {
                if strength(&candidate) > strength(best) {
                    *best = candidate;
                }
            };
            for h in hs {
                match h.kind() {
                    // Zero-width: the bytes on either side stay adjacent.
                    HirKind::Look(_) | HirKind::Empty => continue,
                    HirKind::Literal(l) if l.0.is_ascii() => {
                        run.extend(l.0.iter().map(u8::to_ascii_lowercase));
                        continue;
                    }
                    _ => {}
                }
                if let Some(b) = atom(h) {
                    run.push(b);
                    continue;
                }
                keep(one(std::mem::take(&mut run)), &mut best);
                keep(required(h), &mut best);
            }
            keep(one(run), &mut best);
            best
        }
        HirKind::Empty | HirKind::Look(_) | HirKind::Repetition(_) => Vec::new(),
    }
}

/// The longest run of ASCII bytes in `bytes`, lowercased.
fn longest_ascii_run(bytes: &[u8]) -> Vec<u8> {
    let run = bytes.split(|b| !b.is_ascii()).max_by_key(|r| r.len()).unwrap_or_default();
    run.to_ascii_lowercase()
}

/// The needles of a list of patterns, searched together on first use.
#[derive(Debug, Default)]
pub(crate) struct NeedleIndex {
    /// Each pattern's needles, one of which its every match holds (empty:
    /// none).
    needles: Vec<Vec<String>>,
    searcher: OnceLock<Option<Needles>>,
}

/// The distinct needles in one searcher, over lowercased texts.
#[derive(Debug)]
struct Needles {
    searcher: Searcher,
    /// For each needle, the bits of the patterns whose needle it starts
    /// with (the search finds the longest needle at a position; the
    /// shorter ones there are its prefixes).
    patterns: Vec<u128>,
    /// The bits of the patterns without a needle.
    always: u128,
    /// The bits of all the patterns.
    all: u128,
}

thread_local! {
    /// A text lowercased for the search, kept between texts.
    static LOWERED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl NeedleIndex {
    /// The index of the needles of a list's patterns, in order (empty: the
    /// pattern has none).
    pub(crate) fn new(needles: Vec<Vec<String>>) -> NeedleIndex {
        NeedleIndex { needles, searcher: OnceLock::new() }
    }

    /// The patterns that may match `text`, as bits (bit `i` for pattern
    /// `i`): those whose needle it holds, ignoring ASCII case, and those
    /// without one. `None` when any may (a text that is not ASCII, a list
    /// too long, no needles).
    pub(crate) fn may_match(&self, text: &[u8]) -> Option<u128> {
        let s = self.searcher.get_or_init(|| self.build()).as_ref()?;
        if !text.is_ascii() {
            return None;
        }
        LOWERED.with(|buf| {
            let mut lowered = buf.borrow_mut();
            lowered.clear();
            lowered.extend_from_slice(text);
            lowered.make_ascii_lowercase();
            let mut found = s.always;
            let mut at = 0;
            while at <= lowered.len() && found != s.all {
                let Some(m) = s.searcher.find(&lowered, at) else { break };
                found |= s.patterns[m.pattern().as_usize()];
                at = m.start() + 1;
            }
            Some(found)
        })
    }

    fn build(&self) -> Option<Needles> {
        if self.needles.len() > MAX_PATTERNS {
            return None;
        }
        let (mut distinct, mut always): (Vec<String>, u128) = (Vec::new(), 0);
        for (i, set) in self.needles.iter().enumerate() {
            if set.is_empty() {
                always |= 1 << i;
            }
            for n in set {
                if !distinct.contains(n) {
                    distinct.push(n.clone());
                }
            }
        }
        if distinct.is_empty() {
            return None;
        }
        let patterns: Vec<u128> = distinct
            .iter()
            .map(|d| {
                let of =
                    |(i, set): (usize, &Vec<String>)| u128::from(set.iter().any(|n| d.starts_with(n.as_str()))) << i;
                self.needles.iter().enumerate().map(of).fold(0, |a, b| a | b)
            })
            .collect();
        let all = patterns.iter().fold(always, |a, p| a | p);
        Some(Needles { searcher: Searcher::new(&distinct)?, patterns, always, all })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(p: &str) -> Hir {
        regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(p).unwrap()
    }

    const PATTERNS: &[&str] = &[
        r"\(in\s+reply\s+to\s+(?P<command>RCPT\s+TO|DATA)(?-u:\b)",
        r"error\s+from\s+remote\s+(?:mail\s+server|mailer)\s+after\s+(?P<command>RCPT(?: TO)?|DATA)",
        r"does not like recipient",
        r"\[(?P<command>RCPT_TO|DATA)\]",
        r"^\s*SMTP:(?P<command>RCPT|DATA)(?-u:\b)",
        r"\(state (?:15|17|18)\)",
        r"(?:remote host|Remote host) (?P<host>[A-Za-z0-9_.:-]+) said",
        r"(?m)^(?P<host>[0-9a-f.:]{7,}) (?:does not like recipient|failed after)",
        r"ask\b\s*k",
        r"(?:abc){2}x+ÿ[kK]",
    ];

    #[test]
    fn reads_the_longest_literal_every_match_holds() {
        let n = |p: &str| needles(&parse(p));
        assert_eq!(n(PATTERNS[0]), ["reply"]);
        assert_eq!(n(PATTERNS[1]), ["remote"]);
        assert_eq!(n(PATTERNS[2]), ["does not like recipient"]);
        assert_eq!(n(PATTERNS[3]), ["rcpt_to", "data"], "one of the alternatives");
        assert_eq!(n(PATTERNS[4]), ["smtp:"]);
        assert!(n(PATTERNS[5])[0].starts_with("(state "));
        assert!(n(PATTERNS[6])[0].starts_with("remote host"));
        assert_eq!(n(PATTERNS[7]), ["does not like recipient", "failed after"]);
        assert_eq!(n(PATTERNS[8]), ["ask"]);
        assert_eq!(n(PATTERNS[9]), ["abc"]);
        assert!(n(r"\bk\d").is_empty(), "too short");
        assert!(n(r"x(?:abc|de)").is_empty(), "an alternative too short");
        assert!(n(r"(?:abc|\d+)").is_empty(), "an alternative without one");
    }

    #[test]
    fn says_which_patterns_may_match() {
        let index = NeedleIndex::new(PATTERNS.iter().map(|p| needles(&parse(p))).collect());
        let bits = |v: &[usize]| v.iter().fold(0u128, |m, i| m | 1 << i);
        let without = 0;
        assert_eq!(index.may_match(b"x [DATA] y"), Some(bits(&[3])));
        assert_eq!(index.may_match(b"nothing here"), Some(without));
        assert_eq!(
            index.may_match(b"(In reply to RCPT TO) Remote HOST x said"),
            Some(without | bits(&[0, 1, 6])),
            "\"remote\" is the needle of 1"
        );
        assert_eq!(index.may_match("é".as_bytes()), None);
    }

    proptest! {
        /// A pattern said not to match an ASCII text does not match it,
        /// and a pattern whose needle the text holds is said to maybe.
        #[test]
        fn never_hides_a_match(
            words in proptest::collection::vec(
                "(\\(in|reply|to|RCPT|TO|DATA|error|from|remote|mail|server|after|does|not|like|recipient|\\[|\\]|_|SMTP:|\\(state|15|17|\\)|Remote host|said|192\\.0\\.2\\.1|ask|k|abc|x|\n| |  )",
                0..14,
            ),
        ) {
            let text = words.concat();
            let sets: Vec<Vec<String>> = PATTERNS.iter().map(|p| needles(&parse(p))).collect();
            let index = NeedleIndex::new(sets.clone());
            let may = index.may_match(text.as_bytes()).unwrap();
            let lower = text.to_ascii_lowercase();
            for (i, p) in PATTERNS.iter().enumerate() {
                let r = regex::RegexBuilder::new(p).case_insensitive(true).build().unwrap();
                if r.is_match(&text) {
                    prop_assert!(may & (1 << i) != 0, "{} hidden on {:?}", p, text);
                }
                let holds = sets[i].is_empty() || sets[i].iter().any(|n| lower.contains(n.as_str()));
                prop_assert_eq!(may & (1 << i) != 0, holds);
            }
        }
    }
}
