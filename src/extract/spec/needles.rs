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
//! The needles are read from the pattern as parsed for any text, twice.
//! The first read trusts a class for the ASCII character it holds, and so
//! holds on ASCII texts only: a case-insensitive `k` also matches the
//! Kelvin sign, `[*•]` the bullet, which an ASCII needle does not hold.
//! The second trusts only literals and classes of ASCII characters alone,
//! whose bytes every match holds, and is searched on the other texts.

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
    kept(required(hir, false))
}

/// [`needles`] that hold on any text, not just on ASCII ones: read without
/// classes that hold characters beyond ASCII (`[sS]` of a case-insensitive
/// pattern also holds the long s, so `(state 14)` gives `tate 14)`).
pub(crate) fn needles_anywhere(hir: &Hir) -> Vec<String> {
    kept(required(hir, true))
}

/// A set of alternative needles as strings, if it filters enough.
fn kept(set: Vec<Vec<u8>>) -> Vec<String> {
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
/// texts, ignoring ASCII case: `[kK]`, `x`, `\(`. With `strict`, none for
/// a class that holds characters (or bytes) beyond ASCII too.
fn atom(hir: &Hir, strict: bool) -> Option<u8> {
    let ranges: Vec<(u32, u32)> = match hir.kind() {
        HirKind::Literal(l) if l.0.len() == 1 && l.0[0].is_ascii() => return Some(l.0[0].to_ascii_lowercase()),
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().map(|r| (r.start().into(), r.end().into())).collect(),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().map(|r| (r.start().into(), r.end().into())).collect(),
        _ => return None,
    };
    let mut ascii = Vec::new();
    for (s, e) in ranges {
        if strict && e > 0x7f {
            return None;
        }
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
/// short; empty: none known. With `strict`, classes holding characters
/// beyond ASCII give none (see [`atom`]).
fn required(hir: &Hir, strict: bool) -> Vec<Vec<u8>> {
    let one = |n: Vec<u8>| if n.is_empty() { Vec::new() } else { vec![n] };
    match hir.kind() {
        HirKind::Literal(l) => one(longest_ascii_run(&l.0)),
        HirKind::Class(_) => atom(hir, strict).map(|b| vec![vec![b]]).unwrap_or_default(),
        HirKind::Capture(c) => required(&c.sub, strict),
        HirKind::Repetition(r) if r.min > 0 => required(&r.sub, strict),
        HirKind::Alternation(hs) => {
            let mut set: Vec<Vec<u8>> = Vec::new();
            for h in hs {
                let branch = required(h, strict);
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
                if let Some(b) = atom(h, strict) {
                    run.push(b);
                    continue;
                }
                keep(one(std::mem::take(&mut run)), &mut best);
                keep(required(h, strict), &mut best);
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

/// The needles of a list of patterns, searched together on first use: one
/// set for ASCII texts, one for the others (see [`needles_anywhere`]).
#[derive(Debug, Default)]
pub(crate) struct NeedleIndex {
    ascii: NeedleList,
    anywhere: NeedleList,
}

/// Each pattern's needles, one of which its every match holds (empty:
/// none), and their searcher, built on first use.
#[derive(Debug, Default)]
struct NeedleList {
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
    /// pattern has none): those that hold on ASCII texts, and those that
    /// hold on any text.
    pub(crate) fn new(ascii: Vec<Vec<String>>, anywhere: Vec<Vec<String>>) -> NeedleIndex {
        NeedleIndex {
            ascii: NeedleList { needles: ascii, searcher: OnceLock::new() },
            anywhere: NeedleList { needles: anywhere, searcher: OnceLock::new() },
        }
    }

    /// The patterns that may match `text`, as bits (bit `i` for pattern
    /// `i`): those whose needle it holds, ignoring ASCII case, and those
    /// without one. `None` when any may (a list too long, no needles).
    pub(crate) fn may_match(&self, text: &[u8]) -> Option<u128> {
        let list = if text.is_ascii() { &self.ascii } else { &self.anywhere };
        let s = list.searcher.get_or_init(|| list.build()).as_ref()?;
        LOWERED.with(|buf| {
            let mut lowered = buf.borrow_mut();
            lowered.clear();
            lowered.extend_from_slice(text);
            // Bytes beyond ASCII stay as they are: no needle holds them.
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
}

impl NeedleList {
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
        r"x[*•]yz",
        r"Empfänger:",
    ];

    /// The needles of every pattern, for ASCII texts and for any text.
    fn index() -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let ascii = PATTERNS.iter().map(|p| needles(&parse(p))).collect();
        (ascii, PATTERNS.iter().map(|p| needles_anywhere(&parse(p))).collect())
    }

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
        let (ascii, anywhere) = index();
        let index = NeedleIndex::new(ascii, anywhere);
        let bits = |v: &[usize]| v.iter().fold(0u128, |m, i| m | 1 << i);
        let without = 0;
        assert_eq!(index.may_match(b"x [DATA] y"), Some(bits(&[3])));
        assert_eq!(index.may_match(b"nothing here"), Some(without));
        assert_eq!(
            index.may_match(b"(In reply to RCPT TO) Remote HOST x said"),
            Some(without | bits(&[0, 1, 6])),
            "\"remote\" is the needle of 1"
        );
        let beyond_ascii = bits(&[8, 10]);
        assert_eq!(index.may_match("é".as_bytes()), Some(beyond_ascii), "\"ask\", \"x*yz\" hold on ASCII only");
        assert_eq!(index.may_match("é (state 15) empfänger:".as_bytes()), Some(beyond_ascii | bits(&[5, 11])));
    }

    #[test]
    fn reads_needles_that_hold_on_any_text() {
        let n = |p: &str| needles_anywhere(&parse(p));
        assert_eq!(n(PATTERNS[0]), ["reply"]);
        assert!(n(PATTERNS[5])[0].starts_with("tate "), "a case-insensitive s also matches the long s");
        assert!(n(PATTERNS[8]).is_empty(), "and k the Kelvin sign");
        assert_eq!(needles(&parse(PATTERNS[10])), ["x*yz"]);
        assert!(n(PATTERNS[10]).is_empty(), "`[*•]` holds a bullet");
        assert_eq!(n(PATTERNS[11]), ["nger:"]);
        assert_eq!(needles(&parse(PATTERNS[11])), ["nger:"]);
    }

    proptest! {
        /// A pattern said not to match a text does not match it, and a
        /// pattern whose needle the text holds is said to maybe (the
        /// needles for ASCII texts on ASCII texts, the others elsewhere).
        #[test]
        fn never_hides_a_match(
            words in proptest::collection::vec(
                "(\\(in|reply|to|RCPT|TO|DATA|error|from|remote|mail|server|after|does|not|like|recipient|\\[|\\]|_|SMTP:|\\(state|15|17|\\)|Remote host|said|192\\.0\\.2\\.1|ask|k|abc|x|\n| |  |\u{212a}|\u{17f}|\\(\u{17f}tate|a\u{17f}\u{212a}|é|ÿ|•|\\*|yz|Empfänger|EMPFÄNGER|:)",
                0..14,
            ),
        ) {
            let text = words.concat();
            let (ascii, anywhere) = index();
            let sets = if text.is_ascii() { ascii.clone() } else { anywhere.clone() };
            let index = NeedleIndex::new(ascii, anywhere);
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
