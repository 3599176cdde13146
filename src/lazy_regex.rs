//! Regexes checked when the rules load and compiled when first used.
//!
//! Compiling a regex (its forward and reverse NFAs, prefilters, lazy DFA
//! set-up) costs about a million instructions; the shipped rules hold about
//! a hundred of them, and a run over short replies triggers only a few. A
//! [`LazyRegex`] parses its pattern when the rules load, so that a syntax
//! error is still reported at `path:line:column` there, and builds the
//! regex the first time a search needs it (once, whichever thread asks
//! first; the others wait for it).
//!
//! The one error parsing cannot find is a pattern whose compiled form
//! exceeds the size limit; such a regex never matches, and `rebound check`
//! (which compiles every regex, see [`LazyRegex::compile_error`]) reports it.
//!
//! ```text
//! let r: LazyRegex<regex::Regex> = LazyRegex::new("user (unknown|not found)").unwrap();
//! assert!(r.get().unwrap().is_match("User Unknown"));
//! ```

use std::fmt;
use std::sync::OnceLock;

use regex_syntax::hir::{Hir, HirKind};

/// The compiled size limit of every rule regex.
const SIZE_LIMIT: usize = 1 << 20;

/// A regex type a [`LazyRegex`] can build: matched case-insensitively, with
/// a compiled size limit of 1 MiB.
pub(crate) trait Compile: Sized {
    /// Whether the pattern must match valid UTF-8 only (`regex::Regex`) or
    /// may match any bytes (`regex::bytes::Regex`).
    const UTF8: bool;

    /// Compiles the pattern.
    fn compile(pattern: &str) -> Result<Self, regex::Error>;
}

impl Compile for regex::Regex {
    const UTF8: bool = true;

    fn compile(pattern: &str) -> Result<Self, regex::Error> {
        regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(SIZE_LIMIT).build()
    }
}

impl Compile for regex::bytes::Regex {
    const UTF8: bool = false;

    fn compile(pattern: &str) -> Result<Self, regex::Error> {
        regex::bytes::RegexBuilder::new(pattern).case_insensitive(true).size_limit(SIZE_LIMIT).build()
    }
}

/// A regex whose syntax was checked, compiled on first use.
pub(crate) struct LazyRegex<R> {
    pattern: Box<str>,
    compiled: OnceLock<Option<R>>,
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
        Ok((LazyRegex { pattern: pattern.into(), compiled: OnceLock::new() }, hir))
    }

    /// A regex whose pattern [`LazyRegex::parse`] accepted before (in the
    /// run that wrote the rules' snapshot), compiled on first use.
    pub(crate) fn checked(pattern: &str) -> LazyRegex<R> {
        LazyRegex { pattern: pattern.into(), compiled: OnceLock::new() }
    }

    /// [`LazyRegex::parse`] without the parsed pattern.
    pub(crate) fn new(pattern: &str) -> Result<LazyRegex<R>, String> {
        LazyRegex::parse(pattern).map(|(r, _)| r)
    }

    /// The compiled regex; `None` when it is too large to compile.
    #[inline]
    pub(crate) fn get(&self) -> Option<&R> {
        self.compiled.get_or_init(|| R::compile(&self.pattern).ok()).as_ref()
    }

    /// Compiles the regex now; the error when it does not compile.
    pub(crate) fn compile_error(&self) -> Option<String> {
        match self.get() {
            Some(_) => None,
            None => R::compile(&self.pattern).err().map(|e| e.to_string()),
        }
    }

    /// The pattern as written.
    pub(crate) fn pattern(&self) -> &str {
        &self.pattern
    }
}

impl LazyRegex<regex::bytes::Regex> {
    /// The leftmost-first match in `haystack`, if any.
    #[inline]
    pub(crate) fn find<'h>(&self, haystack: &'h [u8]) -> Option<regex::bytes::Match<'h>> {
        self.get()?.find(haystack)
    }
}

impl LazyRegex<regex::Regex> {
    /// The capture groups of the leftmost-first match in `haystack`, if any.
    #[inline]
    pub(crate) fn captures<'h>(&self, haystack: &'h str) -> Option<regex::Captures<'h>> {
        self.get()?.captures(haystack)
    }

    /// Whether the regex matches anywhere in `haystack`.
    #[inline]
    pub(crate) fn is_match(&self, haystack: &str) -> bool {
        self.get().is_some_and(|r| r.is_match(haystack))
    }
}

impl<R> fmt::Debug for LazyRegex<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyRegex")
            .field("pattern", &self.pattern)
            .field("compiled", &self.compiled.get().is_some())
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
    let mask = required_ascii(hir);
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

/// The ASCII bytes every match contains, as a bit set.
fn required_ascii(hir: &Hir) -> u128 {
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
        HirKind::Capture(c) => required_ascii(&c.sub),
        HirKind::Repetition(r) if r.min > 0 => required_ascii(&r.sub),
        HirKind::Concat(hs) => hs.iter().fold(0, |m, h| m | required_ascii(h)),
        HirKind::Alternation(hs) => hs.iter().map(required_ascii).reduce(|a, b| a & b).unwrap_or(0),
        HirKind::Empty | HirKind::Look(_) | HirKind::Repetition(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::invalid_regex)] // the point: the same error as the regex crate's
    fn syntax_errors_read_as_the_regex_crates() {
        let ours = LazyRegex::<regex::Regex>::new("(a").unwrap_err();
        let theirs = regex::Regex::new("(a").unwrap_err().to_string();
        assert_eq!(ours, theirs);
        // Bytes regexes may match invalid UTF-8; string regexes may not.
        assert!(LazyRegex::<regex::bytes::Regex>::new(r"(?-u:\xFF)").is_ok());
        assert!(LazyRegex::<regex::Regex>::new(r"(?-u:\xFF)").is_err());
    }

    #[test]
    fn compiles_on_first_use_case_insensitively() {
        let r = LazyRegex::<regex::bytes::Regex>::new("user (unknown|not found)").unwrap();
        assert_eq!(r.find(b"550 User Not Found").map(|m| m.start()), Some(4));
        let s = LazyRegex::<regex::Regex>::new("(?P<rcpt>[a-z]+@[a-z.]+)").unwrap();
        assert_eq!(s.captures("to: Bob@Example.org").unwrap().name("rcpt").unwrap().as_str(), "Bob@Example.org");
        assert!(s.is_match("a@b") && s.compile_error().is_none());
    }

    #[test]
    fn a_regex_over_the_size_limit_never_matches_and_says_why() {
        let r = LazyRegex::<regex::Regex>::new(r"\w{1000}\w{1000}").unwrap();
        assert!(!r.is_match("abc"));
        assert!(r.compile_error().is_some_and(|e| e.contains("exceeds size limit")), "{:?}", r.compile_error());
    }

    #[test]
    fn finds_a_byte_every_match_needs() {
        let byte = |p: &str| required_byte(&LazyRegex::<regex::Regex>::parse(p).unwrap().1);
        assert_eq!(byte(r"^\s*<(?P<rcpt>[^>]+@[^>]+)>:"), Some(b'@'));
        assert_eq!(byte(r"host (?P<host>\S+) said:"), Some(b':'));
        assert_eq!(byte(r"(?:a@b|c:d)"), None);
        assert_eq!(byte(r"(?:x@)?y"), None);
        assert_eq!(byte(r"user unknown"), Some(b' '));
        // Every line the regex matches holds the byte.
        let r = regex::RegexBuilder::new(r"(?:to|for)\s*<?\S+@\S+").case_insensitive(true).build().unwrap();
        assert!(byte(r.as_str())
            .is_some_and(|b| ["to x@y", "FOR <a@b>"].iter().all(|t| r.is_match(t) && t.as_bytes().contains(&b))));
    }

    #[test]
    fn finds_named_groups() {
        let (_, hir) = LazyRegex::<regex::Regex>::parse(r"^(?:x|(?P<host>[a-z]+))+$").unwrap();
        assert!(has_group(&hir, "host"));
        assert!(!has_group(&hir, "rcpt"));
    }
}
