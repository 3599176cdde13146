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
use crate::extract::message::HeaderLines;
use crate::extract::EmailKind;

mod colon;

use colon::ColonGate;

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
    /// Which lines could hold a literal, when every literal holds a colon.
    gate: Option<ColonGate>,
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
        let gate = ColonGate::new(&literals);
        Place { searcher, kinds, all, gate }
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

    /// `found` and the header signs in `headers` (as written: each line is
    /// folded and lowercased here), what [`SignIndex::search`] answers for
    /// the lines folded, lowercased and joined. When every header literal
    /// holds a colon, only the lines where [`ColonGate`] finds a colon that
    /// may end a literal's word are folded into `buf` (a scratch buffer,
    /// overwritten) and searched, one at a time; a literal holds no line
    /// feed, so it shows in the joined lines exactly when it shows in one of
    /// them. (A word found across two lines, which the lines hold back to
    /// back, only costs a needless search of the second.)
    pub(crate) fn search_headers(&self, found: Found, headers: &HeaderLines, buf: &mut Vec<u8>) -> Found {
        let place = &self.header;
        if place.searcher.is_none() || headers.is_empty() || found.0 & place.all == place.all {
            return found;
        }
        let Some(gate) = &place.gate else {
            buf.clear();
            buf.reserve(headers.text_len() + headers.len());
            headers.fold_onto(buf);
            buf.make_ascii_lowercase();
            return Found(place.search(buf, found.0));
        };
        // One scan over all the lines for the colons where a word ends;
        // the line holding one is searched, and the scan goes on after it.
        let text = headers.text().as_bytes();
        let mut found = found.0;
        let mut lines = headers.iter().map(str::len).scan(0, |end, len| {
            *end += len;
            Some((*end - len, *end))
        });
        let mut at = 0;
        while let Some(colon) = gate.next(text, at) {
            let Some((start, end)) = lines.find(|&(_, end)| end > colon) else { break };
            buf.clear();
            crate::fold::fold_onto(&text[start..end], buf);
            buf.make_ascii_lowercase();
            found = place.search(buf, found);
            if found & place.all == place.all {
                break;
            }
            at = end;
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

    /// Header lines of `(name, value)` pairs, as an email's view holds them.
    fn lines(pairs: &[(&str, &str)]) -> HeaderLines {
        let mut h = HeaderLines::with_capacity(pairs.len(), 64);
        for (name, value) in pairs {
            h.push(name, value, true);
        }
        h
    }

    /// What [`SignIndex::search`] answers over the lines folded, lowercased
    /// and joined.
    fn joined(index: &SignIndex, found: Found, headers: &HeaderLines) -> Found {
        if index.header.searcher.is_none() || headers.is_empty() {
            return found;
        }
        let mut buf = Vec::new();
        headers.fold_onto(&mut buf);
        buf.make_ascii_lowercase();
        Found(index.header.search(&buf, found.0))
    }

    /// Names and values the property test builds header lines from.
    const NAMES: &[&str] = &["X-Autoreply", "Precedence", "Auto-Submitted", "Received", "x-apple-unsubscribe", "X"];
    const VALUES: &[&str] = &[
        "auto_reply",
        "Auto-Replied",
        " true ",
        "from a by b; 10:11:12",
        "x-autoreply: yes",
        "a  b\t c",
        "precedence:  AUTO_reply",
        "",
        "é:",
        "x-mailer:\r\n vacation",
    ];

    proptest::proptest! {
        /// Searching the lines the colon gate lets through, one at a time,
        /// answers as searching all of them joined.
        #[test]
        fn gated_lines_answer_as_all_lines_joined(
            pairs in proptest::collection::vec(
                (proptest::sample::select(NAMES), proptest::collection::vec(proptest::sample::select(VALUES), 0..4)),
                0..8,
            ),
            start in 0u8..4,
        ) {
            let pairs: Vec<(&str, String)> = pairs.iter().map(|(n, v)| (*n, v.concat())).collect();
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let headers = lines(&pairs);
            let kinds = |header: &[&str]| signals(&[], &[], header);
            let index = SignIndex::new(
                &kinds(&[]),
                &kinds(&["auto-submitted: auto-replied", "x-autoreply:", "precedence: auto_reply", "x-mailer: vacation"]),
                &kinds(&["x-apple-unsubscribe: true"]),
            );
            assert!(index.header.gate.is_some());
            let found = Found(start);
            proptest::prop_assert_eq!(index.search_headers(found, &headers, &mut Vec::new()), joined(&index, found, &headers));
            // Without a gate (a literal with no colon), all lines are read.
            let ungated = SignIndex::new(&kinds(&[]), &kinds(&["x-autoreply:", "vacation"]), &kinds(&[]));
            assert!(ungated.header.gate.is_none());
            proptest::prop_assert_eq!(ungated.search_headers(found, &headers, &mut Vec::new()), joined(&ungated, found, &headers));
        }
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
        assert!(index.header.searcher.is_some());
        let none = SignIndex::new(&Signals::default(), &Signals::default(), &Signals::default());
        assert_eq!(none.search(b"undelivered", b"", Some(b"x-autoreply:")), Found(0));
        assert!(none.header.searcher.is_none());
        assert_eq!(none.search_headers(Found(0), &lines(&[("x-autoreply", "yes")]), &mut Vec::new()), Found(0));
    }
}
