//! [`DualRegex`]: a pattern compiled on demand twice, for ASCII texts and
//! in full, and the builds behind it (see the parent module for why).

use std::fmt;
use std::sync::OnceLock;

use regex_automata::{meta, nfa::thompson::WhichCaptures, MatchKind};
use regex_syntax::hir::{Hir, Look};

use super::groups::Groups;
use super::literal::Literals;
use super::needle::Needle;
use super::stored::{Prebuilt, Stored};
use super::{Captures, SIZE_LIMIT};

mod search;
mod split;
pub(super) use search::Search;

/// A pattern parsed for ASCII semantics, for one searched for its groups a
/// literal every match holds (searched first), and the regex built from it
/// the first time a text holds that literal: a [`Groups`] for a pattern
/// anchored at the start and searched for its groups, a `meta` one for the
/// others (or either read from the rules' snapshot, see `stored.rs`).
pub(super) struct Ascii {
    /// The parsed pattern; `None` for a phrase read without the parser,
    /// or a pattern parsed only once a text holds its needle.
    hir: Option<Hir>,
    needle: Option<Needle>,
    captures: bool,
    regex: OnceLock<Option<Form>>,
}

/// A regex built for one kind of search.
pub(super) enum Form {
    /// Searched for its bounds only.
    Bounds(meta::Regex),
    /// Anchored at the start, searched for its groups.
    Groups(Box<Groups>),
    /// A literal or a few alternatives of literals, searched without a
    /// regex.
    Literal(Literals),
    /// Read from the rules' snapshot.
    Prebuilt(Box<Prebuilt>),
}

impl Ascii {
    /// The regex of `pattern`, read from the snapshot (`stored`) or built
    /// (and parsed, if it was not) on first use; `None` when too large.
    fn regex(&self, pattern: &str, case_insensitive: bool, stored: Option<&Stored>) -> Option<&Form> {
        self.regex
            .get_or_init(|| {
                if let Some(form) = stored.and_then(|s| s.load(pattern, false)) {
                    return Some(form);
                }
                let parsed;
                let hir = match &self.hir {
                    Some(hir) => hir,
                    None => {
                        parsed = parse(pattern, case_insensitive, false)?;
                        if let Some(l) = case_insensitive.then(|| Literals::of(&parsed)).flatten() {
                            return Some(Form::Literal(l));
                        }
                        &parsed
                    }
                };
                build_ascii(hir, self.captures)
            })
            .as_ref()
    }

    /// Whether the regex is there already (a pattern of literals).
    pub(super) fn is_built(&self) -> bool {
        self.regex.get().is_some()
    }

    /// The needle a text must hold for the regex to be tried.
    pub(super) fn needle(&self) -> Option<&Needle> {
        self.needle.as_ref()
    }
}

/// The regex of a pattern parsed for ASCII texts: a [`Groups`] for one
/// anchored at the start and searched for its groups (`captures`), a
/// `meta` one for the others; `None` when too large.
pub(super) fn build_ascii(hir: &Hir, captures: bool) -> Option<Form> {
    match captures && anchored(hir) {
        true => Groups::new(hir, false, SIZE_LIMIT).map(|g| Form::Groups(Box::new(g))),
        false => meta::Builder::new()
            .configure(config(SIZE_LIMIT, false, captures))
            .build_from_hir(hir)
            .ok()
            .map(Form::Bounds),
    }
}

/// `pattern` parsed as the `regex` crate parses it (Unicode classes and
/// case folding), for texts it must match as UTF-8 (`utf8`) or as bytes.
pub(super) fn parse_full(pattern: &str, case_insensitive: bool, utf8: bool) -> Option<Hir> {
    regex_syntax::ParserBuilder::new().case_insensitive(case_insensitive).utf8(utf8).build().parse(pattern).ok()
}

/// The full regex of `pattern` (see [`DualRegex`]'s `full`): a [`Groups`]
/// for a pattern anchored at the start and searched for its groups, else a
/// `meta` one; `None` when too large.
pub(super) fn build_full(pattern: &str, case_insensitive: bool, utf8: bool, captures: bool) -> Option<Form> {
    let hir = parse_full(pattern, case_insensitive, utf8)?;
    if captures && anchored(&hir) {
        if let Some(g) = Groups::new(&hir, utf8, SIZE_LIMIT) {
            return Some(Form::Groups(Box::new(g)));
        }
    }
    meta::Builder::new().configure(config(SIZE_LIMIT, utf8, captures)).build_from_hir(&hir).ok().map(Form::Bounds)
}

/// Whether every match of a parsed pattern starts at the start of the text.
pub(super) fn anchored(hir: &Hir) -> bool {
    hir.properties().look_set_prefix().contains(Look::Start)
}

/// `pattern` parsed with ASCII classes and case folding (`unicode` off) or
/// as the `regex` crate would (on). With ASCII classes, a class naming
/// characters beyond ASCII (`[*•]`) is read as alternatives (see `split.rs`).
pub(super) fn parse(pattern: &str, case_insensitive: bool, unicode: bool) -> Option<Hir> {
    let parsed = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .unicode(unicode)
        .utf8(unicode)
        .build()
        .parse(pattern)
        .ok();
    match parsed.is_some() || unicode || pattern.is_ascii() {
        true => parsed,
        false => split::parse_split(pattern, case_insensitive),
    }
}

/// The build settings of the regexes this module makes: no prefilter (the
/// callers filter by literal first), and for a regex that is only asked
/// where or whether it matches no capture groups and no engines that exist
/// to report them.
fn config(size_limit: usize, utf8: bool, captures: bool) -> meta::Config {
    let which = if captures { WhichCaptures::All } else { WhichCaptures::Implicit };
    meta::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(utf8)
        .nfa_size_limit(Some(size_limit))
        .auto_prefilter(false)
        .which_captures(which)
        .onepass(captures)
        .backtrack(captures)
        // Full DFAs are for the snapshot's prebuilt regexes (`stored.rs`),
        // not for regexes built on demand.
        .dfa(false)
}

/// `pattern` parsed for ASCII texts: ASCII classes and case folding.
/// `None` when the pattern needs Unicode (`\p{L}`). The regex itself is
/// built later, once a text holds the needle: a pattern whose literal no
/// text holds costs a parse, not a build.
pub(super) fn parse_ascii(pattern: &str, case_insensitive: bool, captures: bool) -> Option<Ascii> {
    // A phrase (`sender was rejected`) needs no parser.
    if let Some(l) = case_insensitive.then(|| Literals::plain(pattern)).flatten() {
        let regex = OnceLock::from(Some(Form::Literal(l)));
        return Some(Ascii { hir: None, needle: None, captures, regex });
    }
    // A pattern searched for its groups whose needle the pattern shows is
    // parsed only once a text holds the needle: most never do.
    if let Some(needle) = captures.then(|| Needle::of_pattern(pattern)).flatten() {
        return Some(Ascii { hir: None, needle: Some(needle), captures, regex: OnceLock::new() });
    }
    let hir = parse(pattern, case_insensitive, false)?;
    // A pattern of literals is searched as such from the start: nothing
    // to build later; a needle only when there are several to look for.
    if let Some(l) = case_insensitive.then(|| Literals::of(&hir)).flatten() {
        let needle = if captures && l.len() > 1 { Needle::of(&hir) } else { None };
        let regex = OnceLock::from(Some(Form::Literal(l)));
        return Some(Ascii { hir: Some(hir), needle, captures, regex });
    }
    // Byte regexes run only once a literal of theirs was seen.
    let needle = if captures { Needle::of(&hir) } else { None };
    Some(Ascii { hir: Some(hir), needle, captures, regex: OnceLock::new() })
}

/// Case-insensitive regexes compiled together, only ever asked whether any
/// of them matches: with ASCII classes and case folding when every pattern
/// is written in ASCII (as [`super::LazyRegex`] does), else as the `regex`
/// crate would. `None` for no patterns, or when they do not build within
/// `size_limit`.
pub(crate) fn match_set(patterns: &[String], size_limit: usize) -> Option<meta::Regex> {
    if patterns.is_empty() {
        return None;
    }
    let unicode = !patterns.iter().all(|p| p.is_ascii());
    let hirs = patterns.iter().map(|p| parse(p, true, unicode)).collect::<Option<Vec<_>>>()?;
    meta::Builder::new().configure(config(size_limit, unicode, false)).build_many_from_hir(&hirs).ok()
}

/// A pattern compiled twice on demand: for ASCII texts, and in full.
///
/// Case-insensitive for rule regexes ([`super::LazyRegex`]); the reply
/// reader's own patterns (`extract/reply.rs`) are case-sensitive.
pub(crate) struct DualRegex {
    pattern: Box<str>,
    case_insensitive: bool,
    utf8: bool,
    captures: bool,
    /// Whether the ASCII form also searches non-ASCII texts (see
    /// [`super::LazyRegex`]); if not, those get the full regex.
    ascii_everywhere: bool,
    ascii: OnceLock<Option<Ascii>>,
    full: OnceLock<Option<Form>>,
    /// The ASCII form's prebuilt regex, in the snapshot the rules were read
    /// from (see `stored.rs`).
    stored: Option<Stored>,
    /// The full form's, for a pattern that needs Unicode.
    stored_full: Option<Stored>,
}

impl DualRegex {
    /// A rule regex: case-insensitive, over `&str` texts for its groups
    /// (`utf8`) or over bytes for its bounds, with ASCII classes on every
    /// text when the pattern is ASCII (see [`super::LazyRegex`]).
    pub(super) fn rule(pattern: &str, utf8: bool) -> DualRegex {
        DualRegex {
            pattern: pattern.into(),
            case_insensitive: true,
            utf8,
            // String regexes are searched for their groups, byte ones for
            // their bounds.
            captures: utf8,
            ascii_everywhere: pattern.is_ascii(),
            ascii: OnceLock::new(),
            full: OnceLock::new(),
            stored: None,
            stored_full: None,
        }
    }

    /// The pattern as written.
    pub(super) fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Gives the ASCII form the prebuilt regex `stored` (of this pattern,
    /// searched as this one is): read on first use instead of built.
    pub(super) fn attach(&mut self, stored: Stored) {
        self.stored = Some(stored);
    }

    /// Gives the full form the prebuilt regex `stored` (of this pattern, as
    /// [`super::stored::build_full`] wrote it): read on first use instead
    /// of built.
    pub(super) fn attach_full(&mut self, stored: Stored) {
        self.stored_full = Some(stored);
    }

    /// Whether the ASCII form has a prebuilt regex (see [`DualRegex::attach`]).
    #[cfg(test)]
    pub(super) fn is_stored(&self) -> bool {
        self.stored.is_some()
    }

    /// Whether the pattern compiles in full (within the size limit).
    pub(super) fn compiles(&self) -> bool {
        self.full().is_some()
    }

    /// Whether either form was built already.
    pub(super) fn compiled(&self) -> bool {
        self.ascii.get().is_some_and(|a| a.as_ref().is_some_and(|a| a.regex.get().is_some()))
            || self.full.get().is_some()
    }

    /// A case-sensitive `&str` regex, searched for its groups, with ASCII
    /// classes on every text when the pattern is ASCII (see [`super::LazyRegex`]).
    pub(crate) fn new(pattern: &str) -> DualRegex {
        DualRegex {
            pattern: pattern.into(),
            case_insensitive: false,
            utf8: true,
            captures: true,
            ascii_everywhere: pattern.is_ascii(),
            ascii: OnceLock::new(),
            full: OnceLock::new(),
            stored: None,
            stored_full: None,
        }
    }

    /// The regex in full (parsed as the `regex` crate parses it); `None`
    /// when too large to compile. Built as the ASCII form is: a [`Groups`]
    /// for a pattern anchored at the start and searched for its groups
    /// (cheaper to build and, measured, to search than a `meta` one), a
    /// `meta` regex without a prefilter, or engines nobody asks for, for
    /// the others; or read from the rules' snapshot (see `stored.rs`).
    fn full(&self) -> Option<Search<'_>> {
        let form = self.full.get_or_init(|| {
            if let Some(form) = self.stored_full.as_ref().and_then(|s| s.load(&self.pattern, true)) {
                return Some(form);
            }
            build_full(&self.pattern, self.case_insensitive, self.utf8, self.captures)
        });
        form.as_ref().map(Form::search)
    }

    /// The regex to search `haystack` with: the ASCII form when the text is
    /// ASCII or the pattern is searched with ASCII classes everywhere, and
    /// the pattern has an ASCII form; else the full one. `None` also when
    /// the ASCII form's needle says the text cannot match: that is checked
    /// before the ASCII regex is built, so a text without the needle is
    /// never searched, even by a pattern whose ASCII form turns out too
    /// large to build (a size the full form exceeds too).
    #[inline]
    fn for_text(&self, haystack: &[u8]) -> Option<Search<'_>> {
        if self.ascii_everywhere || haystack.is_ascii() {
            let ascii = self.ascii.get_or_init(|| match &self.stored {
                // The stored regex is of a pattern with an ASCII form.
                Some(s) => {
                    let needle = s.needle().cloned();
                    Some(Ascii { hir: None, needle, captures: self.captures, regex: OnceLock::new() })
                }
                None => parse_ascii(&self.pattern, self.case_insensitive, self.captures),
            });
            if let Some(a) = ascii {
                if a.needle.as_ref().is_some_and(|n| !n.found_in(haystack)) {
                    return None;
                }
                if let Some(form) = a.regex(&self.pattern, self.case_insensitive, self.stored.as_ref()) {
                    return Some(form.search());
                }
            }
        }
        self.full()
    }

    /// The bounds of the leftmost-first match in `haystack`, if any.
    #[cfg(test)]
    pub(crate) fn find(&self, haystack: &[u8]) -> Option<std::ops::Range<usize>> {
        self.find_match(haystack).map(|m| m.range())
    }

    /// [`DualRegex::find`]; a match the ASCII form ends or starts inside a
    /// UTF-8 character is searched again with the full regex.
    #[inline]
    pub(super) fn find_match(&self, haystack: &[u8]) -> Option<regex_automata::Match> {
        let m = self.for_text(haystack)?.find(haystack)?;
        if boundary(haystack, m.start()) && boundary(haystack, m.end()) {
            return Some(m);
        }
        self.full()?.find(haystack)
    }

    /// The capture groups of the leftmost-first match in `haystack`, if any.
    /// A group the ASCII form bounds inside a UTF-8 character has the text
    /// searched again with the full regex.
    pub(crate) fn captures<'h>(&self, haystack: &'h str) -> Option<Captures<'h>> {
        let slots = self.for_text(haystack.as_bytes())?.captures(haystack.as_bytes())?;
        let split = (0..slots.group_len())
            .filter_map(|i| slots.get_group(i))
            .any(|s| !haystack.is_char_boundary(s.start) || !haystack.is_char_boundary(s.end));
        let slots = if split { self.full()?.captures(haystack.as_bytes())? } else { slots };
        Some(Captures { haystack, slots })
    }

    /// Whether the regex matches anywhere in `haystack`.
    #[inline]
    pub(crate) fn is_match(&self, haystack: &str) -> bool {
        self.for_text(haystack.as_bytes()).is_some_and(|s| s.is_match(haystack.as_bytes()))
    }
}

/// Whether `at` is not inside a UTF-8 character of `haystack` (bytes that
/// are not UTF-8 have no characters to split).
#[inline]
fn boundary(haystack: &[u8], at: usize) -> bool {
    haystack.get(at).is_none_or(|&b| (b as i8) >= -0x40)
}

impl fmt::Debug for DualRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DualRegex").field("pattern", &self.pattern).finish()
    }
}
