//! [`Literals`]: a pattern that is a literal or a few alternatives of
//! literals, searched ASCII case-insensitively without building a regex.
//!
//! Many rule regexes are phrases (`sender was rejected`), or small
//! alternations of them (`\(state (?:15|17|18)\)`,
//! `>>> (?P<command>RCPT TO|MAIL FROM|DATA)`, `\bib50[12]\b`). Parsed for
//! ASCII texts with case folding, such a pattern is a finite list of
//! strings whose letters are classes of the letter's two cases; the list,
//! in the order a backtracking search tries it, is its leftmost-first
//! semantics: the match starts where the first of those strings occurs,
//! and at that start the first alternative (in that order) that occurs
//! wins. A byte search for each alternative's rarest byte finds that start
//! (nothing is built); the alternatives' capture groups sit at fixed offsets;
//! `\b`, `\B`, `^` and `$` are checked at their offsets, and a start where
//! no alternative passes them is passed over.
//!
//! ```text
//! `did not like our (?P<command>DATA|RCPT TO)` →
//!     "did not like our data" (command at 17..21), "did not like our rcpt to" (17..24)
//! ```

use regex_automata::util::captures::{Captures as Slots, GroupInfo};
use regex_automata::util::primitives::NonMaxUsize;
use regex_automata::{Match, PatternID};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::needle::{rank, SYNTAX};

/// The most strings a pattern may stand for.
const MAX_ALTS: usize = 64;

/// The most bytes one class may stand for (a letter's two cases count once).
const MAX_CLASS: usize = 16;

/// One string the pattern stands for: its bytes (letters lowercased,
/// matched either case), the assertions at its offsets, and where each
/// capture group sits in it.
#[derive(Clone, Debug, Default)]
struct Alt {
    lit: Vec<u8>,
    looks: Vec<(usize, Look)>,
    /// By group index (0 unused): the group's bounds, if it takes part.
    groups: Vec<Option<(usize, usize)>>,
}

impl Alt {
    /// Appends `next`.
    fn append(&mut self, next: &Alt) {
        let at = self.lit.len();
        self.lit.extend_from_slice(&next.lit);
        self.looks.extend(next.looks.iter().map(|&(o, l)| (o + at, l)));
        if self.groups.len() < next.groups.len() {
            self.groups.resize(next.groups.len(), None);
        }
        for (i, g) in next.groups.iter().enumerate() {
            if let Some((s, e)) = *g {
                self.groups[i] = Some((s + at, e + at));
            }
        }
    }

    /// Whether the alternative occurs at `start` in `text`, assertions
    /// included.
    fn at(&self, text: &[u8], start: usize) -> bool {
        text.get(start..start + self.lit.len()).is_some_and(|w| w.eq_ignore_ascii_case(&self.lit))
            && self.looks.iter().all(|&(o, look)| holds(look, text, start + o))
    }
}

/// A pattern searched as the strings it stands for (see the module
/// documentation).
#[derive(Debug)]
pub(super) struct Literals {
    alts: Box<[Alt]>,
    /// By alternative: the offset of its rarest byte, searched first.
    rare: Box<[usize]>,
    /// Whether an alternative holds an assertion.
    looks: bool,
    groups: GroupInfo,
}

impl Literals {
    /// The strings a pattern parsed with ASCII case folding stands for, if
    /// it is a literal or a small alternation of literals (with groups and
    /// the assertions `\b`, `\B`, `^`, `$`) and no alternative is empty.
    pub(super) fn of(hir: &Hir) -> Option<Literals> {
        // Most patterns repeat without bound: known without a walk.
        let props = hir.properties();
        if props.maximum_len().is_none() || props.minimum_len().is_none_or(|n| n == 0) {
            return None;
        }
        let alts = expand(hir)?;
        let mut names = vec![None; hir.properties().explicit_captures_len() + 1];
        group_names(hir, &mut names);
        Literals::new(alts, names)
    }

    /// The phrase a case-insensitive pattern is, read without the regex
    /// parser, if it is one: printable ASCII without the regex syntax
    /// characters but escaped ones (`\(`, `\.`) and `\b`, `\B`.
    pub(super) fn plain(pattern: &str) -> Option<Literals> {
        let mut alt = Alt::default();
        let mut bytes = pattern.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'\\' => match bytes.next()? {
                    b'b' => alt.looks.push((alt.lit.len(), Look::WordAscii)),
                    b'B' => alt.looks.push((alt.lit.len(), Look::WordAsciiNegate)),
                    e if SYNTAX.contains(&e) => alt.lit.push(e),
                    _ => return None,
                },
                b' '..=b'~' if !SYNTAX.contains(&b) => alt.lit.push(b.to_ascii_lowercase()),
                _ => return None,
            }
        }
        Literals::new(vec![alt], vec![None])
    }

    /// The searcher of `alts`, none empty, whose groups have these names
    /// by index.
    fn new(alts: Vec<Alt>, names: Vec<Option<String>>) -> Option<Literals> {
        if alts.is_empty() || alts.iter().any(|a| a.lit.is_empty()) {
            return None;
        }
        let rare = alts.iter().map(|a| (0..a.lit.len()).min_by_key(|&i| rank(a.lit[i]))).collect::<Option<_>>()?;
        let groups = GroupInfo::new([names]).ok()?;
        let looks = alts.iter().any(|a| !a.looks.is_empty());
        Some(Literals { alts: alts.into(), rare, looks, groups })
    }

    /// How many strings the pattern stands for.
    pub(super) fn len(&self) -> usize {
        self.alts.len()
    }

    /// The leftmost start at or after `from` where one of the strings
    /// occurs (assertions aside), and the first alternative that occurs
    /// there. Each alternative is looked for by its rarest byte (either
    /// case), only before the best start found so far.
    fn next_start(&self, text: &[u8], from: usize) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        for (i, (alt, &rare)) in self.alts.iter().zip(self.rare.iter()).enumerate() {
            let lit = &alt.lit[..];
            let end = best.map_or(text.len(), |(start, _)| (start + rare).min(text.len()));
            let Some(hay) = text.get(from + rare..end) else { continue };
            let b = lit[rare];
            let found = memchr::memchr2_iter(b, b.to_ascii_uppercase(), hay)
                .map(|at| from + at)
                .find(|&s| text.get(s..s + lit.len()).is_some_and(|w| w.eq_ignore_ascii_case(lit)));
            if let Some(start) = found {
                best = Some((start, i));
            }
        }
        best
    }

    /// The leftmost-first match in `text`: its start and alternative.
    fn search(&self, text: &[u8]) -> Option<(usize, &Alt)> {
        let mut from = 0;
        loop {
            let (start, alt) = self.next_start(text, from)?;
            if !self.looks {
                return Some((start, &self.alts[alt]));
            }
            if let Some(alt) = self.alts.iter().find(|a| a.at(text, start)) {
                return Some((start, alt));
            }
            from = start + 1;
        }
    }

    /// The bounds of the leftmost-first match.
    pub(super) fn find(&self, text: &[u8]) -> Option<Match> {
        let (start, alt) = self.search(text)?;
        Some(Match::must(0, start..start + alt.lit.len()))
    }

    /// The groups of the leftmost-first match.
    pub(super) fn captures(&self, text: &[u8]) -> Option<Slots> {
        let (start, alt) = self.search(text)?;
        let mut slots = Slots::all(self.groups.clone());
        slots.set_pattern(Some(PatternID::ZERO));
        let whole = Some((0, alt.lit.len()));
        for (i, g) in std::iter::once(whole).chain(alt.groups.iter().skip(1).copied()).enumerate() {
            if let (Some((s, e)), Some(at)) = (g, self.groups.slot(PatternID::ZERO, i)) {
                slots.slots_mut()[at] = NonMaxUsize::new(start + s);
                slots.slots_mut()[at + 1] = NonMaxUsize::new(start + e);
            }
        }
        Some(slots)
    }
}

/// The strings `hir` stands for, in leftmost-first order; `None` when it is
/// not a small alternation of literals.
fn expand(hir: &Hir) -> Option<Vec<Alt>> {
    let one = |a: Alt| Some(vec![a]);
    match hir.kind() {
        HirKind::Empty => one(Alt::default()),
        // Letters of a case-insensitive pattern are classes; a literal one
        // is case-sensitive (`(?-i)`), which these searches are not.
        HirKind::Literal(l) if l.0.iter().all(|b| b.is_ascii() && !b.is_ascii_alphabetic()) => {
            one(Alt { lit: l.0.to_vec(), ..Alt::default() })
        }
        HirKind::Literal(_) => None,
        HirKind::Class(c) => {
            Some(class_bytes(c)?.into_iter().map(|b| Alt { lit: vec![b], ..Alt::default() }).collect())
        }
        HirKind::Look(look) => match look {
            Look::Start
            | Look::End
            | Look::WordAscii
            | Look::WordAsciiNegate
            | Look::WordStartAscii
            | Look::WordEndAscii => one(Alt { looks: vec![(0, *look)], ..Alt::default() }),
            _ => None,
        },
        HirKind::Capture(c) => {
            let index = c.index as usize;
            let mut alts = expand(&c.sub)?;
            for a in &mut alts {
                if a.groups.len() <= index {
                    a.groups.resize(index + 1, None);
                }
                a.groups[index] = Some((0, a.lit.len()));
            }
            Some(alts)
        }
        HirKind::Repetition(r) => {
            let sub = expand(&r.sub)?;
            match (r.min, r.max) {
                (0, Some(1)) if r.greedy => Some(sub.into_iter().chain([Alt::default()]).collect()),
                (0, Some(1)) => Some([Alt::default()].into_iter().chain(sub).collect()),
                (n, Some(m)) if n == m && n <= 8 => (0..n).try_fold(vec![Alt::default()], |acc, _| product(acc, &sub)),
                _ => None,
            }
        }
        HirKind::Concat(hs) => hs.iter().try_fold(vec![Alt::default()], |mut acc, h| match h.kind() {
            // One byte (most pieces of a phrase): appended in place.
            HirKind::Class(c) if class_byte(c).is_some() => {
                let b = class_byte(c)?;
                acc.iter_mut().for_each(|a| a.lit.push(b));
                Some(acc)
            }
            _ => product(acc, &expand(h)?),
        }),
        HirKind::Alternation(hs) => {
            let mut alts = Vec::new();
            for h in hs {
                alts.extend(expand(h)?);
                if alts.len() > MAX_ALTS {
                    return None;
                }
            }
            Some(alts)
        }
    }
}

/// Every string of `a` followed by every string of `b`, in leftmost-first
/// order (`a`'s order first).
fn product(mut a: Vec<Alt>, b: &[Alt]) -> Option<Vec<Alt>> {
    if let [one] = b {
        a.iter_mut().for_each(|x| x.append(one));
        return Some(a);
    }
    if a.len() * b.len() > MAX_ALTS {
        return None;
    }
    let join = |x: &Alt, y: &Alt| {
        let mut z = x.clone();
        z.append(y);
        z
    };
    Some(a.iter().flat_map(|x| b.iter().map(move |y| join(x, y))).collect())
}

/// The bytes a class stands for, a letter only with its other case (and
/// then once, lowercased); `None` for a larger or non-ASCII class.
fn class_bytes(c: &Class) -> Option<Vec<u8>> {
    let Class::Bytes(c) = c else { return None };
    let mut set = 0u128;
    let mut n = 0;
    for r in c.ranges() {
        n += usize::from(r.end() - r.start()) + 1;
        if !r.end().is_ascii() || n > 2 * MAX_CLASS {
            return None;
        }
        set |= (u128::MAX >> (127 - r.end())) & (u128::MAX << r.start());
    }
    let has = |b: u8| set & (1 << b) != 0;
    let mut bytes = Vec::with_capacity(n);
    let mut rest = set;
    while rest != 0 {
        let b = rest.trailing_zeros() as u8;
        rest &= rest - 1;
        if b.is_ascii_alphabetic() && !(has(b.to_ascii_lowercase()) && has(b.to_ascii_uppercase())) {
            return None;
        }
        if !b.is_ascii_uppercase() {
            bytes.push(b);
        }
    }
    (bytes.len() <= MAX_CLASS).then_some(bytes)
}

/// The one byte a class of a case-insensitive pattern stands for (a
/// letter, lowercased, for the class of its two cases), if it is one.
fn class_byte(c: &Class) -> Option<u8> {
    let Class::Bytes(c) = c else { return None };
    match c.ranges() {
        [r] if r.start() == r.end() && r.start().is_ascii() && !r.start().is_ascii_alphabetic() => Some(r.start()),
        [u, l] if u.start() == u.end() && l.start() == l.end() && u.start().is_ascii_uppercase() => {
            (u.start().to_ascii_lowercase() == l.start()).then_some(l.start())
        }
        _ => None,
    }
}

/// Records the name of every capture group of `hir` by its index.
fn group_names(hir: &Hir, names: &mut [Option<String>]) {
    match hir.kind() {
        HirKind::Capture(c) => {
            if let (Some(slot), Some(name)) = (names.get_mut(c.index as usize), &c.name) {
                *slot = Some(name.to_string());
            }
            group_names(&c.sub, names);
        }
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().for_each(|h| group_names(h, names)),
        HirKind::Repetition(r) => group_names(&r.sub, names),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

/// Whether an ASCII assertion holds at `at` in `text` (as a regex over
/// bytes with ASCII classes checks it).
fn holds(look: Look, text: &[u8], at: usize) -> bool {
    let word = |i: Option<usize>| i.and_then(|i| text.get(i)).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
    let (before, after) = (word(at.checked_sub(1)), word(Some(at)));
    match look {
        Look::Start => at == 0,
        Look::End => at == text.len(),
        Look::WordAscii => before != after,
        Look::WordAsciiNegate => before == after,
        Look::WordStartAscii => !before && after,
        Look::WordEndAscii => before && !after,
        _ => false,
    }
}

mod serial;

#[cfg(test)]
mod tests;
