//! A literal every match of a regex contains, searched ASCII
//! case-insensitively before the regex runs: most texts a pattern is tried
//! on lack it, and a byte search says so far faster than the lazy DFA.
//!
//! ```text
//! `error\s+from\s+remote` → needle "remote"; "Error from REMOTE" holds it.
//! ```

use regex_syntax::hir::{Class, Hir, HirKind};

/// Needles shorter than this filter too little to pay for the search.
const MIN_LEN: usize = 3;

/// A literal, lowercased, and the position of its rarest byte (searched
/// first).
#[derive(Clone, Debug)]
pub(super) struct Needle {
    lit: Box<[u8]>,
    rare: usize,
}

impl Needle {
    /// The longest ASCII literal every match of `hir` (parsed with ASCII
    /// case folding) holds, if one is at least [`MIN_LEN`] bytes long.
    pub(super) fn of(hir: &Hir) -> Option<Needle> {
        let lit = required(hir)?;
        if lit.len() < MIN_LEN {
            return None;
        }
        let rare = rarest(&lit)?;
        Some(Needle { lit: lit.into(), rare })
    }

    /// The longest run of plain characters (escaped syntax characters
    /// included) outside groups and classes of a pattern without a
    /// top-level alternation, read without the regex parser, if it is at
    /// least [`MIN_LEN`] bytes long: every match holds it, ignoring ASCII
    /// case. `None` also for anything this reading is not sure of: flags
    /// set for the rest of the pattern (`(?x)`), Unicode classes or the `u`
    /// flag (the pattern may have no ASCII form), nested classes, escapes
    /// that are not one atom.
    pub(super) fn of_pattern(pattern: &str) -> Option<Needle> {
        let p = pattern.as_bytes();
        let (mut best, mut run): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
        let keep = |best: &mut Vec<u8>, run: &mut Vec<u8>| {
            if run.len() > best.len() {
                *best = std::mem::take(run);
            }
            run.clear();
        };
        let (mut depth, mut i) = (0usize, 0);
        while i < p.len() {
            let b = p[i];
            i += 1;
            match b {
                b'\\' => {
                    let e = *p.get(i)?;
                    i += 1;
                    if SYNTAX.contains(&e) {
                        if depth == 0 {
                            run.push(e);
                        }
                    } else if b"sSdDwWbBAztnrfv".contains(&e) {
                        keep(&mut best, &mut run);
                    } else {
                        return None;
                    }
                }
                b'[' => {
                    keep(&mut best, &mut run);
                    i = class_end(p, i)?;
                }
                b'(' => {
                    keep(&mut best, &mut run);
                    if p.get(i) == Some(&b'?') {
                        let flags = p[i + 1..].iter().take_while(|&&f| f != b':' && f != b')' && f != b'<');
                        if flags.clone().any(|&f| f == b'u') || p.get(i + 1 + flags.count()) == Some(&b')') {
                            return None;
                        }
                    }
                    depth += 1;
                }
                b')' => depth = depth.checked_sub(1)?,
                b'|' if depth == 0 => return None,
                b'?' | b'*' | b'{' => {
                    // The atom before is optional: so is the run's last byte.
                    run.pop();
                    keep(&mut best, &mut run);
                    if b == b'{' {
                        i += p[i..].iter().position(|&c| c == b'}')? + 1;
                    }
                }
                b'+' | b'.' | b'^' | b'$' | b'|' => keep(&mut best, &mut run),
                b' '..=b'~' if depth == 0 => run.push(b.to_ascii_lowercase()),
                _ => keep(&mut best, &mut run),
            }
        }
        keep(&mut best, &mut run);
        if best.len() < MIN_LEN {
            return None;
        }
        let rare = rarest(&best)?;
        Some(Needle { lit: best.into(), rare })
    }

    /// Appends this needle to `w` (for the rules' snapshot).
    pub(super) fn put(&self, w: &mut super::wire::Writer) {
        w.bytes(&self.lit);
        w.u32(self.rare as u32);
    }

    /// A needle [`Needle::put`] wrote; `None` for bytes it did not write.
    pub(super) fn get(r: &mut super::wire::Reader<'_>) -> Option<Needle> {
        let lit: Box<[u8]> = r.bytes()?.into();
        let rare = r.u32()? as usize;
        (rare < lit.len()).then_some(Needle { lit, rare })
    }

    /// Whether `haystack` holds the literal, ignoring ASCII case.
    pub(super) fn found_in(&self, haystack: &[u8]) -> bool {
        holds_at(haystack, &self.lit, self.rare)
    }
}

/// The position of the rarest byte of `lit` (see [`rank`]); `None` for an
/// empty one.
pub(crate) fn rarest(lit: &[u8]) -> Option<usize> {
    (0..lit.len()).min_by_key(|&i| rank(lit[i]))
}

/// Whether `haystack` holds `lit` (ASCII-lowercased), ignoring ASCII case:
/// its byte at `rare` is looked for with `memchr` (both cases of a letter)
/// and the text around each one compared, so no searcher is built.
pub(crate) fn holds_at(haystack: &[u8], lit: &[u8], rare: usize) -> bool {
    let b = lit[rare];
    memchr::memchr2_iter(b, b.to_ascii_uppercase(), haystack).any(|at| {
        at.checked_sub(rare)
            .and_then(|start| haystack.get(start..start + lit.len()))
            .is_some_and(|w| w.eq_ignore_ascii_case(lit))
    })
}

/// Where a class whose `[` ends before `at` ends (after its `]`); `None`
/// for a nested class or none.
fn class_end(p: &[u8], mut at: usize) -> Option<usize> {
    if p.get(at) == Some(&b'^') {
        at += 1;
    }
    // A `]` first is a literal.
    if p.get(at) == Some(&b']') {
        at += 1;
    }
    while at < p.len() {
        match p[at] {
            b'\\' => at += 2,
            b'[' => return None,
            b']' => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// One byte a class stands for: `[Aa]` (a folded letter) or a single byte.
fn class_byte(c: &Class) -> Option<u8> {
    match c {
        Class::Bytes(c) => match c.ranges() {
            [r] if r.start() == r.end() && r.start().is_ascii() => Some(r.start().to_ascii_lowercase()),
            [u, l] if u.start() == u.end() && l.start() == l.end() && u.start().is_ascii_uppercase() => {
                (u.start().to_ascii_lowercase() == l.start()).then_some(l.start())
            }
            _ => None,
        },
        Class::Unicode(_) => None,
    }
}

/// A byte a node always matches exactly once, if it is one.
fn single(hir: &Hir) -> Option<u8> {
    match hir.kind() {
        HirKind::Literal(l) if l.0.len() == 1 && l.0[0].is_ascii() => Some(l.0[0].to_ascii_lowercase()),
        HirKind::Class(c) => class_byte(c),
        _ => None,
    }
}

/// The longest literal every match of `hir` contains.
fn required(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(l) if l.0.is_ascii() => Some(l.0.to_ascii_lowercase()),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min > 0 => required(&r.sub),
        HirKind::Concat(hs) => {
            let mut best: Option<Vec<u8>> = None;
            let mut run: Vec<u8> = Vec::new();
            let keep = |best: &mut Option<Vec<u8>>, cand: Vec<u8>| {
                if best.as_ref().is_none_or(|b| cand.len() > b.len()) {
                    *best = Some(cand);
                }
            };
            for h in hs {
                match (h.kind(), single(h)) {
                    (_, Some(b)) => run.push(b),
                    (HirKind::Literal(l), None) if l.0.is_ascii() => run.extend(l.0.to_ascii_lowercase()),
                    _ => {
                        keep(&mut best, std::mem::take(&mut run));
                        if let Some(inner) = required(h) {
                            keep(&mut best, inner);
                        }
                    }
                }
            }
            keep(&mut best, run);
            best.filter(|b| !b.is_empty())
        }
        _ => single(hir).map(|b| vec![b]),
    }
}

/// The characters with a meaning in regex syntax, literal only when
/// escaped: what a pattern read without the parser ([`Needle::of_pattern`],
/// [`super::literal::Literals::plain`]) must not meet unescaped.
pub(super) const SYNTAX: &[u8] = br".+*?()|[]{}^$\";

/// How common a byte is in English mail text (lower: rarer).
pub(super) fn rank(b: u8) -> u8 {
    const COMMON: &[u8] = b" etaoinsrhldcumfpgwybvk.-xjqz0123456789";
    COMMON.iter().position(|&c| c == b).map_or(0, |i| (COMMON.len() - i) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needle(pattern: &str) -> Option<String> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(true)
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap();
        Needle::of(&hir).map(|n| String::from_utf8(n.lit.into()).unwrap())
    }

    #[test]
    fn finds_the_longest_required_literal() {
        assert_eq!(needle(r"error\s+from\s+remote\s+(?:mail|x)").as_deref(), Some("remote"));
        assert_eq!(needle(r"\(state (?:8|9|12)\)").as_deref(), Some("(state "));
        assert_eq!(needle(r"did not like our (?P<c>RCPT TO|DATA)").as_deref(), Some("did not like our "));
        assert_eq!(needle(r"host (?P<h>[a-z.]+) said:").as_deref(), Some(" said:"));
        assert_eq!(needle(r"(?:ab|cd)x"), None);
        assert_eq!(needle(r"(?:xyz)?q"), None);
    }

    #[test]
    fn reads_a_needle_off_the_pattern_every_match_holds() {
        let of = |p: &str| Needle::of_pattern(p).map(|n| String::from_utf8(n.lit.into()).unwrap());
        assert_eq!(of(r"error\s+from\s+remote\s+(?:mail|x)").as_deref(), Some("remote"));
        assert_eq!(of(r"\(state (?:8|9|12)\)").as_deref(), Some("(state "));
        assert_eq!(of(r"did not like our (?P<c>RCPT TO|DATA)").as_deref(), Some("did not like our "));
        assert_eq!(of(r"host (?P<h>[a-z.\]]+) said:").as_deref(), Some(" said:"));
        assert_eq!(of(r"^\s*mailbox(?:es)? fulls?\b").as_deref(), Some("mailbox"), "optional bytes are not required");
        assert_eq!(of(r"abc{2,3}x").as_deref(), None);
        assert_eq!(of(r"abcd+x").as_deref(), Some("abcd"));
        for p in
            [r"abcd|efgh", r"(?x)abcd", r"(?-i)abcd", r"\p{L}abcd", r"(?u:\w)abcd", r"[[:alpha:]]abcd", r"\x41abcd"]
        {
            assert!(of(p).is_none(), "{p}");
        }
    }

    /// Patterns whose needle is read off their text, with a text each
    /// matches.
    const READ_OFF: [(&str, &str); 6] = [
        (r"abc(?:c|d)? ?e+(?P<g>[a-c]+)x", "abcd eeabx"),
        (r"\(ab\) c?dd*e", "(ab) cdde"),
        (r"(?:ab)?cdef{1,2}ab", "abcdeffab"),
        (r"[]ab]+ abc\[d\]", "a abc[d]"),
        (r"(?i:a)bcd(?-i:e)", "ABCDe"),
        (r"^a?bcd$", "abcd"),
    ];

    #[test]
    fn every_read_off_pattern_has_a_needle_its_example_holds() {
        for (pattern, example) in READ_OFF {
            let n = Needle::of_pattern(pattern).expect(pattern);
            let re = regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap();
            let m = re.find(example).expect(example);
            assert!(n.found_in(m.as_str().as_bytes()), "{pattern} in {:?}", m.as_str());
        }
    }

    proptest::proptest! {
        /// Every match of a pattern holds the needle read off it. Texts are
        /// made of the patterns' own pieces, so that most of them match.
        #[test]
        fn a_needle_read_off_the_pattern_is_in_every_match(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "ab", "abc", "AbC", "c", "d", " ", "e", "E", "ee", "x", "(ab) ", "cd", "cdef", "f", "[d]",
                "bcd", "BCD", "a", "]", "b",
            ]), 0..8),
            p in 0..READ_OFF.len(),
        ) {
            let text = pieces.concat();
            let pattern = READ_OFF[p].0;
            let re = regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap();
            let n = Needle::of_pattern(pattern).unwrap();
            if let Some(m) = re.find(&text) {
                proptest::prop_assert!(n.found_in(m.as_str().as_bytes()), "{} in {:?}", pattern, m.as_str());
            }
        }
    }

    #[test]
    fn searches_ignoring_ascii_case() {
        let hir = regex_syntax::ParserBuilder::new().case_insensitive(true).unicode(false).build();
        let n = Needle::of(&hir.clone().parse("sender was rejected").unwrap()).unwrap();
        assert!(n.found_in(b"550 SENDER Was Rejected"));
        assert!(n.found_in(b"sender was rejected"));
        assert!(!n.found_in(b"sender was accepted; rejected"));
        assert!(!n.found_in(b"ender was rejected"));
    }
}
