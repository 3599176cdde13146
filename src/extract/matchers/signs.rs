//! The signs of every kind of email looked for together: one automaton
//! per place (subject, sender, header lines) over the literals of bounces,
//! auto-replies and complaints, whose pattern ids map to the kinds they
//! are signs of.
//!
//! One automaton per place rather than one over all: the header lines are
//! most of the text searched, and the few header literals keep their
//! search fast (a vectorised prefilter) where the many subject literals
//! would not.

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, MatchKind, Span};

use super::{Literals, Signals};
use crate::extract::EmailKind;

/// The kinds with signs, in the order of their bits.
const KINDS: [EmailKind; 3] = [EmailKind::Bounce, EmailKind::AutoReply, EmailKind::Feedback];

/// The subject, sender and header literals of the signs of every kind of
/// email (ASCII-lowercased, matched case-sensitively over lowercased
/// texts), one automaton a place. Built once with the rules: a search
/// never builds.
#[derive(Debug, Default)]
pub(crate) struct SignIndex {
    subject: Place,
    from: Place,
    header: Place,
}

/// A leftmost-longest search for literals: aho-corasick's packed (Teddy)
/// searcher when it builds, which a leftmost automaton may not pick as its
/// prefilter (header literals share their few rare bytes, `:` and `-`,
/// with every header line), else an automaton.
#[derive(Debug)]
pub(crate) enum Searcher {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Searcher {
    /// A searcher for `literals` (matched as they are, case-sensitively);
    /// `None` when they do not build.
    pub(crate) fn new(literals: &[String]) -> Option<Searcher> {
        let packed =
            packed::Config::new().match_kind(packed::MatchKind::LeftmostLongest).builder().extend(literals).build();
        if let Some(p) = packed {
            return Some(Searcher::Packed(p));
        }
        // The prefilter finds the candidates, so a contiguous NFA (much
        // cheaper to build than a DFA) checks them as fast.
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(literals)
            .ok()
            .map(Searcher::Automaton)
    }

    /// The leftmost-longest match in `text[at..]`.
    pub(crate) fn find(&self, text: &[u8], at: usize) -> Option<aho_corasick::Match> {
        match self {
            Searcher::Packed(p) => p.find_in(text, Span::from(at..text.len())),
            Searcher::Automaton(a) => a.find(Input::new(text).range(at..)),
        }
    }
}

/// The literals of one place, and for every pattern id the bits of the
/// kinds whose literals match wherever it does (bit `i` for `KINDS[i]`).
///
/// Searched leftmost-longest (which can use aho-corasick's vectorised
/// prefilters, unlike an overlapping search): the literal found at a
/// position is the longest there, so the literals that match there are
/// exactly its prefixes, whose kinds its bits hold. Resuming one byte past
/// each match start visits every position where a literal matches.
#[derive(Debug, Default)]
struct Place {
    searcher: Option<Searcher>,
    kinds: Vec<u8>,
    /// The bits of all the kinds with a literal here.
    all: u8,
}

impl Place {
    fn new(lists: [&Literals; 3]) -> Place {
        let mut literals: Vec<String> = Vec::new();
        let mut kinds: Vec<u8> = Vec::new();
        for (k, list) in lists.into_iter().enumerate() {
            for l in list.folded() {
                let l = l.to_ascii_lowercase();
                match literals.iter().position(|x| *x == l) {
                    Some(i) => kinds[i] |= 1 << k,
                    None => {
                        literals.push(l);
                        kinds.push(1 << k);
                    }
                }
            }
        }
        if literals.is_empty() {
            return Place::default();
        }
        let own = kinds.clone();
        for (q, long) in literals.iter().enumerate() {
            for (p, short) in literals.iter().enumerate() {
                if long.starts_with(short.as_str()) {
                    kinds[q] |= own[p];
                }
            }
        }
        let searcher = Searcher::new(&literals);
        let all = kinds.iter().fold(0, |acc, k| acc | k);
        Place { searcher, kinds, all }
    }

    /// `found` and the bits of the kinds with a literal in `text`, looked
    /// for until every kind of the place is found (no search when `found`
    /// has them all already).
    fn search(&self, text: &[u8], found: u8) -> u8 {
        let Some(a) = self.searcher.as_ref().filter(|_| found & self.all != self.all) else {
            return found;
        };
        let mut found = found;
        let mut at = 0;
        while at <= text.len() {
            let Some(m) = a.find(text, at) else {
                break;
            };
            found |= self.kinds[m.pattern().as_usize()];
            if found & self.all == self.all {
                break;
            }
            at = m.start() + 1;
        }
        found
    }
}

/// The kinds of email whose subject, sender or header signs showed in one
/// email.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Found(u8);

impl Found {
    /// Whether a subject, sender or header sign of `kind` showed.
    pub(crate) fn has(self, kind: EmailKind) -> bool {
        KINDS.iter().position(|&k| k == kind).is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

impl SignIndex {
    /// The index of the signs of bounces, auto-replies and complaints (a
    /// list that does not build matches nothing).
    pub(crate) fn new(bounce: &Signals, auto_reply: &Signals, feedback: &Signals) -> SignIndex {
        let all = [bounce, auto_reply, feedback];
        SignIndex {
            subject: Place::new(all.map(|s| &s.subject)),
            from: Place::new(all.map(|s| &s.from)),
            header: Place::new(all.map(|s| &s.header)),
        }
    }

    /// Whether any sign is a header literal: without one, the caller need
    /// not fold the header lines.
    pub(crate) fn reads_headers(&self) -> bool {
        self.header.searcher.is_some()
    }

    /// The signs in the folded `subject`, the `from` and the folded header
    /// lines joined by `\n` (`None` for an email without header lines), all
    /// with their ASCII letters lowercase. A folded literal holds no line
    /// feed, so it matches the joined lines exactly when it matches one.
    pub(crate) fn search(&self, subject: &[u8], from: &[u8], headers: Option<&[u8]>) -> Found {
        debug_assert!(![subject, from, headers.unwrap_or_default()].concat().iter().any(u8::is_ascii_uppercase));
        let mut found = self.subject.search(subject, 0);
        found = self.from.search(from, found);
        if let Some(h) = headers {
            found = self.header.search(h, found);
        }
        Found(found)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Literals;
    use super::*;

    fn signals(subject: &[&str], from: &[&str], header: &[&str]) -> Signals {
        let l = |v: &[&str]| Literals::new(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        Signals { subject: l(subject), from: l(from), header: l(header), body: Literals::default() }
    }

    /// What one case-insensitive search per kind and place answers.
    fn naive(kind: &Signals, subject: &str, from: &str, headers: &[&str]) -> bool {
        let folded_headers: Vec<String> = headers.iter().map(|h| crate::fold::fold_phrase(h)).collect();
        kind.subject.hit(&crate::fold::fold_phrase(subject))
            || kind.from.hit(&from.to_ascii_lowercase())
            || (!headers.is_empty() && kind.header.hit(&folded_headers.join("\n")))
    }

    fn lowered(text: &str, fold: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if fold {
            crate::fold::fold_onto(text.as_bytes(), &mut out);
        } else {
            out.extend_from_slice(text.as_bytes());
        }
        out.make_ascii_lowercase();
        out
    }

    #[test]
    fn one_search_answers_as_one_search_per_kind_and_place() {
        // Literals of one kind inside or overlapping those of another.
        let bounce = signals(&["Undelivered", "Returned mail", "mail"], &["MAILER-DAEMON", "postmaster@"], &[]);
        let auto = signals(
            &["Out of  Office", "Été", "returned"],
            &["mailer"],
            &["auto-submitted: auto-replied", "x-autoreply:"],
        );
        let feedback =
            signals(&["complaint about", "mail returned"], &["postmaster@"], &["x-apple-unsubscribe: true", "x-auto"]);
        let index = SignIndex::new(&bounce, &auto, &feedback);
        let cases: &[(&str, &str, &[&str])] = &[
            ("Undelivered Mail", "someone", &["X-Mailer: Mutt"]),
            ("Re: hello", "mailer-daemon@example.org", &[]),
            ("OUT OF   office", "bob", &["Auto-Submitted:  Auto-Replied"]),
            ("hello", "postmaster@example.org", &["X-AutoReply: yes"]),
            ("hello", "bob", &["x-apple-unsubscribe: true"]),
            // A literal across two places or two lines shows nowhere.
            ("out of", "office", &["x-auto", "reply:"]),
            ("returned", "mail", &["x-autoreply"]),
            ("x-autoreply:", "undelivered", &["subject: complaint about"]),
            ("été", "", &[]),
            ("returned mail", "", &["x-autoreply: yes"]),
            ("mail returned", "mailer", &["x-autoresponder: x-autoreply:"]),
            ("returne", "mailer-daemon", &["x-autoreply"]),
            ("", "", &[]),
        ];
        for &(subject, from, headers) in cases {
            let lines: Vec<Vec<u8>> = headers.iter().map(|h| lowered(h, true)).collect();
            let joined = lines.join(&b'\n');
            let found = index.search(
                &lowered(subject, true),
                &lowered(from, false),
                (!headers.is_empty()).then_some(&joined[..]),
            );
            for (kind, signals) in
                [(EmailKind::Bounce, &bounce), (EmailKind::AutoReply, &auto), (EmailKind::Feedback, &feedback)]
            {
                assert_eq!(
                    found.has(kind),
                    naive(signals, subject, from, headers),
                    "{kind:?} {subject:?} {from:?} {headers:?}"
                );
            }
            assert!(!found.has(EmailKind::NotBounce));
        }
        assert!(index.reads_headers());
        let none = SignIndex::new(&Signals::default(), &Signals::default(), &Signals::default());
        assert_eq!(none.search(b"undelivered", b"", Some(b"x-autoreply:")), Found(0));
        assert!(!none.reads_headers());
    }
}
