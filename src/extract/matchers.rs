//! Matchers compiled from the rule files' literal and regex lists: over
//! single lines (section markers, boilerplate), over a subject, a sender or
//! a text (signs, evidence literals).
//!
//! Every matcher is built the first time it is used: a run over reply lines
//! never needs them, and building them is most of the cost of compiling
//! the extraction rules.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::meta;

mod prefixes;

use prefixes::Prefixes;

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
    kind: MatchKind,
    automaton: OnceLock<Option<AhoCorasick>>,
    /// The literals ASCII-lowercased and matched case-sensitively, for
    /// haystacks the caller lowercased (see [`LazyAutomaton::hit_lowercase`]).
    lowercase: OnceLock<Option<AhoCorasick>>,
}

impl LazyAutomaton {
    fn new(literals: Vec<String>, kind: MatchKind) -> LazyAutomaton {
        LazyAutomaton { literals, kind, automaton: OnceLock::new(), lowercase: OnceLock::new() }
    }

    fn get(&self) -> Option<&AhoCorasick> {
        self.automaton
            .get_or_init(|| {
                if self.literals.is_empty() {
                    return None;
                }
                AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(self.kind).build(&self.literals).ok()
            })
            .as_ref()
    }

    /// Whether any literal occurs in `lowercase`, a text whose ASCII letters
    /// are all lowercase: the same answer as [`LazyAutomaton::hit`] on the
    /// text before lowercasing, from a case-sensitive automaton. A
    /// case-sensitive search can use the vectorised prefilters of
    /// aho-corasick (memmem, Teddy); an ASCII case-insensitive one falls
    /// back to rare bytes, which in header lines (`:`, `-`, space) are not
    /// rare.
    fn hit_lowercase(&self, lowercase: &[u8]) -> bool {
        debug_assert!(!lowercase.iter().any(u8::is_ascii_uppercase));
        let automaton = self.lowercase.get_or_init(|| {
            if self.literals.is_empty() {
                return None;
            }
            let lowered: Vec<String> = self.literals.iter().map(|l| l.to_ascii_lowercase()).collect();
            // The prefilter finds the candidates, so a contiguous NFA
            // (much cheaper to build than a DFA) checks them as fast.
            AhoCorasickBuilder::new()
                .match_kind(self.kind)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&lowered)
                .ok()
        });
        automaton.as_ref().is_some_and(|a| a.is_match(lowercase))
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
            contains: LazyAutomaton::new(pick(false), MatchKind::LeftmostFirst),
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
        self.starts.hit(line) || self.contains.hit(line) || self.regexes.is_match(line)
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
        Literals { automaton: LazyAutomaton::new(folded, MatchKind::LeftmostFirst) }
    }

    /// Literals folded already (what [`Literals::folded`] gives).
    pub(crate) fn from_folded(folded: Vec<String>) -> Literals {
        Literals { automaton: LazyAutomaton::new(folded, MatchKind::LeftmostFirst) }
    }

    /// The literals, folded (for the rules' snapshot).
    pub(crate) fn folded(&self) -> &[String] {
        &self.automaton.literals
    }

    /// Whether any literal occurs in `text` (whitespace folded by the caller).
    pub fn hit(&self, text: &str) -> bool {
        self.automaton.hit(text)
    }

    /// [`Literals::hit`] for a text whose ASCII letters the caller
    /// lowercased already (cheaper over long texts).
    pub fn hit_lowercase(&self, lowercase: &[u8]) -> bool {
        self.automaton.hit_lowercase(lowercase)
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

    #[test]
    fn lowercase_texts_match_as_the_case_insensitive_automaton_does() {
        let l = Literals::new(&["X-Mailer: Vacation".into(), "Auto-Submitted: auto-replied".into(), "été".into()]);
        for text in
            ["x-mailer: vacation", "a\nauto-submitted: auto-replied\nb", "subject: été", "x-mailer: mutt", "", "ÉTÉ"]
        {
            assert_eq!(l.hit_lowercase(text.to_ascii_lowercase().as_bytes()), l.hit(text), "{text:?}");
        }
        assert!(!Literals::new(&[]).hit_lowercase(b"anything"));
    }
}
