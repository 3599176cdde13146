//! Matchers compiled from the rule files' literal and regex lists: over
//! single lines (section markers, boilerplate), over a subject, a sender or
//! a text (signs, evidence literals).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::RegexSet;

/// Literal and regex matchers over single lines, ASCII case-insensitive.
#[derive(Debug, Default)]
pub(crate) struct LineSet {
    automaton: Option<AhoCorasick>,
    /// Per automaton pattern: whether it must match at the start of the line.
    anchored: Vec<bool>,
    regexes: Option<RegexSet>,
}

impl LineSet {
    /// Literals (each anchored at the start of the line or not) and regexes;
    /// `None` for a list that is empty or does not build.
    pub(crate) fn new(literals: &[String], anchored: Vec<bool>, regexes: &[String]) -> LineSet {
        let automaton = if literals.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new().ascii_case_insensitive(true).build(literals).ok()
        };
        let regexes = if regexes.is_empty() {
            None
        } else {
            regex::RegexSetBuilder::new(regexes).case_insensitive(true).size_limit(1 << 22).build().ok()
        };
        LineSet { automaton, anchored, regexes }
    }

    /// Whether `line` (leading whitespace ignored) matches any marker.
    pub fn matches(&self, line: &str) -> bool {
        let line = line.trim_start();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(line) {
                if !self.anchored[m.pattern().as_usize()] || m.start() == 0 {
                    return true;
                }
            }
        }
        self.regexes.as_ref().is_some_and(|r| r.is_match(line))
    }
}

/// Literal matchers over a subject, a sender or a body.
#[derive(Debug, Default)]
pub(crate) struct Literals {
    automaton: Option<AhoCorasick>,
}

impl Literals {
    /// Literals folded and matched ASCII case-insensitively.
    pub(crate) fn new(list: &[String]) -> Literals {
        if list.is_empty() {
            return Literals::default();
        }
        let folded: Vec<String> = list.iter().map(|s| crate::fold::fold_phrase(s)).collect();
        Literals {
            automaton: AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .build(&folded)
                .ok(),
        }
    }

    /// Whether any literal occurs in `text` (whitespace folded by the caller).
    pub fn hit(&self, text: &str) -> bool {
        self.automaton.as_ref().is_some_and(|a| a.is_match(text))
    }

    /// Whether there are no literals.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
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
