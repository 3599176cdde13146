//! [`Search`]: one search of a [`DualRegex`](super::DualRegex), by
//! whichever engine its form was built or read as.

use regex_automata::meta;
use regex_automata::util::captures::Captures as Slots;
use regex_automata::Input;

use super::super::groups::Groups;
use super::super::literal::Literals;
use super::super::stored::Prebuilt;
use super::Form;

/// The regex [`DualRegex`] searches a text with.
#[derive(Clone, Copy)]
pub(in crate::lazy_regex) enum Search<'a> {
    /// The ASCII form, anchored and built for groups.
    Groups(&'a Groups),
    /// A `meta` regex: the ASCII form for bounds, or the full one.
    Meta(&'a meta::Regex),
    /// The ASCII form of a pattern of literals.
    Literal(&'a Literals),
    /// The ASCII form, read from the rules' snapshot.
    Prebuilt(&'a Prebuilt),
}

impl Form {
    /// How to search with this regex.
    pub(in crate::lazy_regex) fn search(&self) -> Search<'_> {
        match self {
            Form::Bounds(r) => Search::Meta(r),
            Form::Groups(g) => Search::Groups(g),
            Form::Literal(l) => Search::Literal(l),
            Form::Prebuilt(p) => Search::Prebuilt(p),
        }
    }
}

impl Search<'_> {
    /// The bounds of the leftmost-first match.
    pub(in crate::lazy_regex) fn find(self, haystack: &[u8]) -> Option<regex_automata::Match> {
        match self {
            Search::Meta(r) => r.find(haystack),
            Search::Groups(g) => g.captures(haystack)?.get_match(),
            Search::Literal(l) => l.find(haystack),
            Search::Prebuilt(p) => p.find(haystack),
        }
    }

    /// The groups of the leftmost-first match.
    pub(in crate::lazy_regex) fn captures(self, haystack: &[u8]) -> Option<Slots> {
        match self {
            Search::Meta(r) => {
                // Most searches find nothing: the lazy DFA alone says so,
                // without capture slots to allocate.
                if !r.is_match(haystack) {
                    return None;
                }
                let mut slots = r.create_captures();
                r.search_captures(&Input::new(haystack), &mut slots);
                slots.is_match().then_some(slots)
            }
            Search::Groups(g) => g.captures(haystack),
            Search::Literal(l) => l.captures(haystack),
            Search::Prebuilt(p) => p.captures(haystack),
        }
    }

    /// Whether the text holds a match.
    pub(in crate::lazy_regex) fn is_match(self, haystack: &[u8]) -> bool {
        match self {
            Search::Meta(r) => r.is_match(haystack),
            Search::Groups(g) => g.is_match(haystack),
            Search::Literal(l) => l.find(haystack).is_some(),
            Search::Prebuilt(p) => p.is_match(haystack),
        }
    }
}
