//! Matchers compiled from the rule files' literal and regex lists: over
//! single lines (section markers, boilerplate), over a subject, a sender or
//! a text (signs, evidence literals).
//!
//! Every matcher is built the first time it is used: a run over reply lines
//! never needs them, and building them is most of the cost of compiling
//! the extraction rules.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::meta;

mod prefixes;
mod signs;

use prefixes::Prefixes;
pub(crate) use signs::{Found, Searcher, SignIndex};

/// Regexes matched together, case-insensitive, built on first use by
/// [`crate::lazy_regex::match_set`] (never matching when they do not
/// build).
#[derive(Debug, Default)]
pub(crate) struct LazySet {
    patterns: Vec<String>,
    size_limit: usize,
    set: OnceLock<Option<meta::Regex>>,
}

impl LazySet {
    /// A set of regexes whose syntax was checked already; `size_limit` is
    /// the compiled size limit of the set.
    pub(crate) fn new(patterns: Vec<String>, size_limit: usize) -> LazySet {
        LazySet { patterns, size_limit, set: OnceLock::new() }
    }

    /// The patterns and the size limit, as given to [`LazySet::new`] (for
    /// the rules' snapshot).
    pub(crate) fn parts(&self) -> (&[String], usize) {
        (&self.patterns, self.size_limit)
    }

    /// Whether any regex matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.set
            .get_or_init(|| crate::lazy_regex::match_set(&self.patterns, self.size_limit))
            .as_ref()
            .is_some_and(|r| r.is_match(text))
    }
}

/// An Aho-Corasick automaton over literals, built on first use.
#[derive(Debug, Default)]
struct LazyAutomaton {
    literals: Vec<String>,
    automaton: OnceLock<Option<AhoCorasick>>,
}

impl LazyAutomaton {
    fn new(literals: Vec<String>) -> LazyAutomaton {
        LazyAutomaton { literals, automaton: OnceLock::new() }
    }

    fn get(&self) -> Option<&AhoCorasick> {
        self.automaton
            .get_or_init(|| {
                if self.literals.is_empty() {
                    return None;
                }
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&self.literals)
                    .ok()
            })
            .as_ref()
    }

    /// Whether any literal occurs in `text`.
    fn hit(&self, text: &str) -> bool {
        self.get().is_some_and(|a| a.is_match(text))
    }
}

/// Literal and regex matchers over single lines, ASCII case-insensitive.
#[derive(Debug, Default)]
pub(crate) struct LineSet {
    /// Literals that must match at the start of the line.
    starts: Prefixes,
    /// Literals that may match anywhere in it.
    contains: LazyAutomaton,
    regexes: LazySet,
}

impl LineSet {
    /// Literals (each anchored at the start of the line or not) and regexes
    /// (their syntax checked already); a list that does not build matches
    /// nothing.
    pub(crate) fn new(literals: &[String], anchored: Vec<bool>, regexes: &[String]) -> LineSet {
        let pick = |want: bool| {
            literals
                .iter()
                .enumerate()
                .filter(|&(i, _)| anchored.get(i).copied().unwrap_or(false) == want)
                .map(|(_, l)| l.clone())
                .collect()
        };
        LineSet {
            starts: Prefixes::new(pick(true)),
            contains: LazyAutomaton::new(pick(false)),
            regexes: LazySet::new(regexes.to_vec(), 1 << 22),
        }
    }

    /// The literals that must start the line, those that may be anywhere,
    /// and the regexes (for the rules' snapshot; [`LineSet::new`] with the
    /// first two lists back to back, the first anchored, makes it again).
    pub(crate) fn parts(&self) -> (&[String], &[String], &[String]) {
        (self.starts.literals(), &self.contains.literals, &self.regexes.patterns)
    }

    /// Whether `line` (leading whitespace ignored) matches any marker.
    pub fn matches(&self, line: &str) -> bool {
        let line = line.trim_start();
        // An empty list is not asked (its matcher is never built).
        self.starts.hit(line)
            || (!self.contains.literals.is_empty() && self.contains.hit(line))
            || (!self.regexes.patterns.is_empty() && self.regexes.is_match(line))
    }
}

/// Literal matchers over a subject, a sender or a body.
#[derive(Debug, Default)]
pub(crate) struct Literals {
    automaton: LazyAutomaton,
}

impl Literals {
    /// Literals folded and matched ASCII case-insensitively.
    pub(crate) fn new(list: &[String]) -> Literals {
        let folded: Vec<String> = list.iter().map(|s| crate::fold::fold_phrase(s)).collect();
        Literals { automaton: LazyAutomaton::new(folded) }
    }

    /// Literals folded already (what [`Literals::folded`] gives).
    pub(crate) fn from_folded(folded: Vec<String>) -> Literals {
        Literals { automaton: LazyAutomaton::new(folded) }
    }

    /// The literals, folded (for the rules' snapshot).
    pub(crate) fn folded(&self) -> &[String] {
        &self.automaton.literals
    }

    /// Whether any literal occurs in `text` (whitespace folded by the caller).
    pub fn hit(&self, text: &str) -> bool {
        self.automaton.hit(text)
    }

    /// Whether there are no literals.
    pub fn is_empty(&self) -> bool {
        self.automaton.literals.is_empty()
    }
}

/// Signs that an email is of some kind (a bounce, an auto-reply, a
/// complaint): literals looked for in its subject, its sender, its header
/// lines (`name: value`) and its text. Any one hit is a sign.
#[derive(Debug, Default)]
pub(crate) struct Signals {
    pub subject: Literals,
    pub from: Literals,
    pub header: Literals,
    pub body: Literals,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored_literals_match_only_at_the_start() {
        let set = LineSet::new(&["--- Below".into(), "copy of".into()], vec![true, false], &["^x+$".into()]);
        assert!(set.matches("  --- below this line"));
        assert!(!set.matches("see --- Below"));
        assert!(set.matches("a COPY OF the message"));
        assert!(set.matches("xxx"));
        assert!(!set.matches("xyx"));
        assert!(!LineSet::default().matches("anything"));
    }

    #[test]
    fn literals_fold_whitespace() {
        let l = Literals::new(&["Mail  delivery\nfailed".into()]);
        assert!(l.hit("mail delivery failed: returning"));
        assert!(!l.hit("mail delivered"));
        assert!(Literals::new(&[]).is_empty());
    }
}
