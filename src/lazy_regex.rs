//! Regexes checked when the rules load and compiled when first used.
//!
//! Compiling a regex the way the `regex` crate does (Unicode classes and
//! case folding, forward and reverse NFAs, a literal prefilter, lazy DFA
//! set-up) costs about a million instructions; the shipped rules hold about
//! a hundred of them, and a run over short replies triggers only a few. A
//! [`LazyRegex`] parses its pattern when the rules load, so that a syntax
//! error is still reported at `path:line:column` there, and builds the
//! regex the first time a search needs it (once, whichever thread asks
//! first; the others wait for it).
//!
//! A pattern written in ASCII is compiled with ASCII semantics (`\w`, `\d`,
//! `\s`, `\b`, `.` and `(?i)` as on ASCII text, see [`LazyRegex`]), about
//! five times cheaper to build than with Unicode tables, and without a
//! prefilter (the callers filter by literal first). On an ASCII text that
//! is exactly what the Unicode pattern matches. A pattern that needs
//! Unicode (a non-ASCII letter, `\p{L}`) gets the same ASCII compilation for
//! ASCII texts and the full Unicode regex, built on demand, for the others.
//!
//! A pattern that is only a literal or a few alternatives of literals
//! (`sender was rejected`, `\(state (?:15|17|18)\)`, `\bib50[12]\b`,
//! `>>> (?P<command>RCPT TO|DATA)`) is never built as a regex: its ASCII
//! form is searched as those strings, case-insensitively, with the same
//! leftmost-first match and groups (see `literal.rs`); a plain phrase is
//! not even parsed. The full form of a pattern (for texts that are not
//! ASCII) is built like the ASCII one: no prefilter, and no engines its
//! searches do not use.
//!
//! When the rules come from a snapshot, the ASCII form of a rule regex
//! (and the full form of one that needs Unicode) is not built at all: the
//! snapshot writer compiled it into full DFAs and a
//! backtracker, read in place on first use (see `stored.rs`).
//!
//! The one error parsing cannot find is a pattern whose compiled form
//! exceeds the size limit; such a regex never matches, and `rebound check`
//! (which compiles every regex, see [`LazyRegex::compile_error`]) reports it.
//!
//! ```text
//! let r: LazyRegex<regex::Regex> = LazyRegex::new("user (unknown|not found)").unwrap();
//! assert!(r.is_match("User Unknown"));
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use regex_automata::util::captures::Captures as Slots;
use regex_syntax::hir::{Hir, HirKind};

mod backtrack;
mod dual;
mod groups;
mod literal;
mod needle;
mod stored;
mod wire;

pub(crate) use dual::{match_set, DualRegex};
pub(crate) use needle::{holds_at, rarest};
pub(crate) use stored::{stored, Built, Owner, Stored};

/// The compiled size limit of every rule regex.
const SIZE_LIMIT: usize = 1 << 20;

/// How a [`LazyRegex`] is searched: `regex::Regex` marks one matched against
/// `&str` texts for its capture groups, `regex::bytes::Regex` one matched
/// against bytes for its bounds only. Both match case-insensitively, with a
/// compiled size limit of 1 MiB.
pub(crate) trait Compile {
    /// Whether the pattern must match valid UTF-8 only (`regex::Regex`) or
    /// may match any bytes (`regex::bytes::Regex`).
    const UTF8: bool;

    /// Compiles the pattern as the `regex` crate would, for its error.
    fn check(pattern: &str) -> Result<(), regex::Error>;
}

impl Compile for regex::Regex {
    const UTF8: bool = true;

    fn check(pattern: &str) -> Result<(), regex::Error> {
        regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(SIZE_LIMIT).build().map(drop)
    }
}

impl Compile for regex::bytes::Regex {
    const UTF8: bool = false;

    fn check(pattern: &str) -> Result<(), regex::Error> {
        regex::bytes::RegexBuilder::new(pattern).case_insensitive(true).size_limit(SIZE_LIMIT).build().map(drop)
    }
}

/// A regex whose syntax was checked, compiled on first use.
///
/// A pattern written in ASCII is searched with ASCII semantics, on every
/// text: `\s`, `\d`, `\w` and `\b` are the ASCII classes, `(?i)` folds
/// ASCII letters only, and `.` or a negated class matches any byte but those
/// it excludes, so it consumes a non-ASCII character byte by byte (a
/// match that would start or end inside one is searched again in full).
/// Such a regex costs a fifth of a Unicode one to build. A pattern holding a
/// non-ASCII character (`Empfänger`) or Unicode classes (`\p{L}`) is
/// searched in full on texts that are not ASCII.
pub(crate) struct LazyRegex<R> {
    inner: DualRegex,
    kind: PhantomData<fn() -> R>,
}

impl<R: Compile> LazyRegex<R> {
    /// Checks the pattern's syntax (with the same parser settings the regex
    /// crate uses); the error reads as the regex crate's own. Also gives the
    /// parsed pattern, for callers that inspect it.
    pub(crate) fn parse(pattern: &str) -> Result<(LazyRegex<R>, Hir), String> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(true)
            .utf8(R::UTF8)
            .build()
            .parse(pattern)
            .map_err(|e| regex::Error::Syntax(e.to_string()).to_string())?;
        Ok((LazyRegex::checked(pattern), hir))
    }

    /// A regex whose pattern [`LazyRegex::parse`] accepted (now, or in the
    /// run that wrote the rules' snapshot), compiled on first use.
    pub(crate) fn checked(pattern: &str) -> LazyRegex<R> {
        let inner = DualRegex::rule(pattern, R::UTF8);
        LazyRegex { inner, kind: PhantomData }
    }

    /// [`LazyRegex::parse`] without the parsed pattern.
    pub(crate) fn new(pattern: &str) -> Result<LazyRegex<R>, String> {
        LazyRegex::parse(pattern).map(|(r, _)| r)
    }

    /// Compiles the regex in full (Unicode-aware, as for a non-ASCII text)
    /// now; the error when it does not compile.
    pub(crate) fn compile_error(&self) -> Option<String> {
        match self.inner.compiles() {
            true => None,
            false => R::check(self.inner.pattern()).err().map(|e| e.to_string()),
        }
    }

    /// The pattern as written.
    pub(crate) fn pattern(&self) -> &str {
        self.inner.pattern()
    }

    /// The prebuilt form the rules' snapshot stores for this regex, if it
    /// has one worth storing (see `stored.rs`).
    #[cfg(test)]
    pub(crate) fn prebuild(&self) -> Option<Built> {
        prebuild(self.inner.pattern(), R::UTF8)
    }

    /// The prebuilt form the rules' snapshot stores for this regex's full
    /// form, if it has one worth storing (see `stored.rs`).
    #[cfg(test)]
    pub(crate) fn prebuild_full(&self) -> Option<Built> {
        prebuild_full(self.inner.pattern(), R::UTF8)
    }

    /// Reads the regex from `stored` (which [`LazyRegex::prebuild`] wrote
    /// for this pattern) on first use, instead of building it.
    pub(crate) fn attach(&mut self, stored: Stored) {
        self.inner.attach(stored);
    }

    /// Reads the regex's full form from `stored` (which
    /// [`LazyRegex::prebuild_full`] wrote for this pattern) on first use,
    /// instead of building it.
    pub(crate) fn attach_full(&mut self, stored: Stored) {
        self.inner.attach_full(stored);
    }

    /// Whether the regex is read from a snapshot (see [`LazyRegex::attach`]).
    #[cfg(test)]
    pub(crate) fn is_stored(&self) -> bool {
        self.inner.is_stored()
    }
}

impl LazyRegex<regex::bytes::Regex> {
    /// The bounds of the leftmost-first match in `haystack`, if any.
    #[inline]
    pub(crate) fn find(&self, haystack: &[u8]) -> Option<regex_automata::Match> {
        self.inner.find_match(haystack)
    }
}

impl LazyRegex<regex::Regex> {
    /// The capture groups of the leftmost-first match in `haystack`, if any.
    #[inline]
    pub(crate) fn captures<'h>(&self, haystack: &'h str) -> Option<Captures<'h>> {
        self.inner.captures(haystack)
    }

    /// Whether the regex matches anywhere in `haystack`.
    #[inline]
    pub(crate) fn is_match(&self, haystack: &str) -> bool {
        self.inner.is_match(haystack)
    }
}

/// The prebuilt form the rules' snapshot stores for the [`LazyRegex`] of
/// `pattern` searched for its groups (`regex::Regex`, `captures`) or its
/// bounds (`regex::bytes::Regex`), if it has one worth storing (see
/// `stored.rs`).
pub(crate) fn prebuild(pattern: &str, captures: bool) -> Option<Built> {
    stored::build(pattern, captures)
}

/// [`prebuild`] for the full (Unicode) form of a pattern that needs one:
/// `None` for a pattern written in ASCII, whose full form only a rare text
/// needs (see `stored.rs`).
pub(crate) fn prebuild_full(pattern: &str, captures: bool) -> Option<Built> {
    stored::build_full(pattern, captures)
}

/// The groups of one match of a [`LazyRegex`] in a text.
#[derive(Debug)]
pub(crate) struct Captures<'h> {
    haystack: &'h str,
    slots: Slots,
}

impl<'h> Captures<'h> {
    /// Group `index` (0: the whole match), if it took part in the match.
    pub(crate) fn get(&self, index: usize) -> Option<Match<'h>> {
        self.slots.get_group(index).map(|s| Match { haystack: self.haystack, range: s.range() })
    }

    /// The group called `name`, if it took part in the match. The group's
    /// index is found by comparing the few names of the matching pattern in
    /// turn (names are unique within a pattern): cheaper than the hash map
    /// `get_group_by_name` looks the name up in.
    pub(crate) fn name(&self, name: &str) -> Option<Match<'h>> {
        let pattern = self.slots.pattern()?;
        let index = self.slots.group_info().pattern_names(pattern).position(|n| n == Some(name))?;
        self.get(index)
    }
}

/// Where a group matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Match<'h> {
    haystack: &'h str,
    range: Range<usize>,
}

impl<'h> Match<'h> {
    /// The matched text. Both forms of a regex report bounds on character
    /// boundaries (the ASCII one runs on ASCII texts only).
    pub(crate) fn as_str(&self) -> &'h str {
        self.haystack.get(self.range.clone()).unwrap_or_default()
    }

    /// Byte offset of the start.
    pub(crate) fn start(&self) -> usize {
        self.range.start
    }
}

impl<R> fmt::Debug for LazyRegex<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyRegex")
            .field("pattern", &self.inner.pattern())
            .field("compiled", &self.inner.compiled())
            .finish()
    }
}

/// Whether a parsed pattern has a capture group called `name`.
pub(crate) fn has_group(hir: &Hir, name: &str) -> bool {
    match hir.kind() {
        HirKind::Capture(c) => c.name.as_deref() == Some(name) || has_group(&c.sub, name),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(|h| has_group(h, name)),
        HirKind::Repetition(r) => has_group(&r.sub, name),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

/// An ASCII byte that every match of a parsed pattern contains, if there is
/// one (`@` for an address pattern): a text without it cannot match, which
/// a byte search tells far faster than the regex. Prefers `@`, then any
/// byte but a space.
pub(crate) fn required_byte(hir: &Hir) -> Option<u8> {
    let mask = required_bytes(hir);
    if mask == 0 {
        return None;
    }
    if mask & (1 << b'@') != 0 {
        return Some(b'@');
    }
    let no_space = mask & !(1u128 << b' ');
    let m = if no_space != 0 { no_space } else { mask };
    Some(m.trailing_zeros() as u8)
}

/// The ASCII bytes `text` holds, as a bit set (see [`required_bytes`]).
#[cfg(test)]
pub(crate) fn ascii_bytes(text: &[u8]) -> u128 {
    text.iter().filter(|b| b.is_ascii()).fold(0, |m, &b| m | 1 << b)
}

/// The ASCII bytes every match of a parsed pattern contains, as a bit set
/// (bit `b` for byte `b`): a text lacking one of them cannot match.
/// Letters of a case-insensitive pattern are never required (either case
/// would do).
pub(crate) fn required_bytes(hir: &Hir) -> u128 {
    use regex_syntax::hir::Class;
    match hir.kind() {
        HirKind::Literal(lit) => lit.0.iter().filter(|b| b.is_ascii()).fold(0, |m, &b| m | 1 << b),
        HirKind::Class(Class::Unicode(c)) => match c.ranges() {
            [r] if r.start() == r.end() && r.start().is_ascii() => 1 << (r.start() as u8),
            _ => 0,
        },
        HirKind::Class(Class::Bytes(c)) => match c.ranges() {
            [r] if r.start() == r.end() && r.start().is_ascii() => 1 << r.start(),
            _ => 0,
        },
        HirKind::Capture(c) => required_bytes(&c.sub),
        HirKind::Repetition(r) if r.min > 0 => required_bytes(&r.sub),
        HirKind::Concat(hs) => hs.iter().fold(0, |m, h| m | required_bytes(h)),
        HirKind::Alternation(hs) => hs.iter().map(required_bytes).reduce(|a, b| a & b).unwrap_or(0),
        HirKind::Empty | HirKind::Look(_) | HirKind::Repetition(_) => 0,
    }
}

#[cfg(test)]
mod tests;
