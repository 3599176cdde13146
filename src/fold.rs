//! Whitespace folding: every run of ASCII whitespace becomes one space and the
//! ends are trimmed, so that a phrase matches however a reply was wrapped.

/// Folds `input` into `out` (cleared first). Case is kept: matching is ASCII
/// case-insensitive anyway, and explanations quote the text as it was.
pub fn fold_into(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    fold_onto(input, out);
}

/// Folds `input` onto the end of `out`, leaving what `out` holds already:
/// for several texts folded into one buffer (each one folded as
/// [`fold_into`] would, with no space before its first word).
///
/// ```
/// let mut out = b"a\n".to_vec();
/// rebound::fold::fold_onto(b"  b \t c ", &mut out);
/// assert_eq!(out, b"a\nb c");
/// ```
pub fn fold_onto(input: &[u8], out: &mut Vec<u8>) {
    // Trimmed, the text starts and ends with a word.
    let Some(first) = input.iter().position(|&b| !is_space(b)) else {
        return;
    };
    let last = input.iter().rposition(|&b| !is_space(b)).unwrap_or(first);
    let s = &input[first..=last];
    out.reserve(s.len());
    // Span by span: what lies before the next byte that folding changes is
    // copied as it is (in most texts, all of it), then its run of
    // whitespace becomes one space.
    let mut i = 0;
    loop {
        let j = next_fold(s, i);
        if j == s.len() {
            out.extend_from_slice(&s[i..]);
            return;
        }
        // `s[j]` is whitespace other than a space, or a space before another
        // space; a single space just before a tab begins the run with it.
        // (`s[i]` starts a word, so the run starts after it.)
        let run = if s[j - 1] == b' ' { j - 1 } else { j };
        out.extend_from_slice(&s[i..run]);
        out.push(b' ');
        // The text ends with a word, so the run ends before the end.
        i = j + s[j..].iter().position(|&b| !is_space(b)).unwrap_or(s.len() - j);
    }
}

/// Folds each of the lines stored back to back in `text` (line `i` ends at
/// `ends[i]`) onto `out`, joined by `\n`: what [`fold_onto`] of each line,
/// with a `\n` before every line but the first, appends. One scan over the
/// whole text finds the lines folding changes; the others are copied as
/// they are.
///
/// ```
/// let mut out = Vec::new();
/// rebound::fold::fold_lines_onto(b"a: ba:  cd:e", &[4, 9, 12], &mut out);
/// assert_eq!(out, b"a: b\na: c\nd:e");
/// ```
pub fn fold_lines_onto(text: &[u8], ends: &[usize], out: &mut Vec<u8>) {
    let mut start = 0;
    // The first pair at or after `start` that folds (it may straddle two
    // lines, then it changes neither).
    let mut fold_at = 0;
    for (i, &end) in ends.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        let Some(line) = text.get(start..end) else { break };
        if line.is_empty() {
            start = end;
            continue;
        }
        if fold_at < start {
            fold_at = next_fold(text, start);
        }
        let (first, last) = (line[0], line[line.len() - 1]);
        // No pair inside the line folds, and its ends are words.
        if fold_at + 1 >= end && !is_space(first) && !is_space(last) {
            out.extend_from_slice(line);
        } else {
            fold_onto(line, out);
        }
        start = end;
    }
}

/// The first position at or after `from` (the start of a word) where a
/// byte [`folds`] beside the byte after it, or `s.len()`. `s` ends with a
/// word, so its last byte never folds. Blocks of pairs are tested without
/// branches first, so text that needs no change is skipped quickly; the
/// last pairs are tested as one block that overlaps pairs tested already
/// (never pairs before `from`), and only a block that holds a position is
/// read pair by pair.
fn next_fold(s: &[u8], from: usize) -> usize {
    let n = s.len().saturating_sub(1);
    let (bytes, next) = (&s[..n], &s[1..]);
    let mut at = from;
    while at + 32 <= n {
        if block_folds::<32>(&bytes[at..at + 32], &next[at..at + 32]) {
            return locate(bytes, next, at, at + 32);
        }
        at += 32;
    }
    // Fewer than 32 pairs are left from `at`; every pair in `from..at` was
    // tested.
    let tail_clear = if n >= from + 32 {
        !block_folds::<32>(&bytes[n - 32..], &next[n - 32..])
    } else if n >= from + 16 {
        // 16 to 31 pairs, all from `at = from`: the first 16 and the last 16.
        !block_folds::<16>(&bytes[at..at + 16], &next[at..at + 16])
            && !block_folds::<16>(&bytes[n - 16..], &next[n - 16..])
    } else {
        false
    };
    if tail_clear {
        return s.len();
    }
    locate(bytes, next, at, n)
}

/// The first pair in `at..end` (at most 32 pairs) that [`folds`], or
/// `bytes.len() + 1` (the text's length) when none does.
fn locate(bytes: &[u8], next: &[u8], mut at: usize, end: usize) -> usize {
    if at + 16 <= end && !block_folds::<16>(&bytes[at..at + 16], &next[at..at + 16]) {
        at += 16;
    }
    while at < end {
        if folds(bytes[at], next[at]) != 0 {
            return at;
        }
        at += 1;
    }
    bytes.len() + 1
}

/// Whether `input` would change by folding: it starts or ends with a space,
/// holds whitespace other than a space, or two spaces in a row. Most
/// replies are one line with single spaces and are matched as they are.
///
/// The inside is the pair scan of [`next_fold`] (blocks of 32 and 16 bytes,
/// without branches inside a block), once the ends are known to be words.
pub fn needs_folding(input: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (input.first(), input.last()) else {
        return false;
    };
    first == b' ' || last == b' ' || other_space(last) || next_fold(input, 0) < input.len()
}

/// Whether any byte of a block of `N`, beside the byte after it, [`folds`].
#[inline(always)]
fn block_folds<const N: usize>(bytes: &[u8], next: &[u8]) -> bool {
    match (<&[u8; N]>::try_from(bytes), <&[u8; N]>::try_from(next)) {
        (Ok(b), Ok(n)) => (0..N).fold(0, |hit, i| hit | folds(b[i], n[i])) != 0,
        _ => bytes.iter().zip(next).any(|(&b, &n)| folds(b, n) != 0),
    }
}

/// 1 when byte `b`, followed by `next`, changes by folding (whitespace
/// other than a space, or a space followed by a space), else 0.
#[inline(always)]
fn folds(b: u8, next: u8) -> u8 {
    u8::from(other_space(b)) | (u8::from(b == b' ') & u8::from(next == b' '))
}

/// Whether folding reads `b` as whitespace: the space, tab, line feed,
/// vertical tab, form feed or carriage return.
#[inline(always)]
pub(crate) fn is_space(b: u8) -> bool {
    b == b' ' || other_space(b)
}

/// ASCII whitespace other than the space: tab, line feed, vertical tab,
/// form feed, carriage return.
#[inline(always)]
fn other_space(b: u8) -> bool {
    b.wrapping_sub(b'\t') < 5
}

/// Folds a phrase as rules are compiled: whitespace folded, ASCII lowercased.
pub fn fold_phrase(phrase: &str) -> String {
    let mut out = Vec::new();
    fold_into(phrase.as_bytes(), &mut out);
    out.make_ascii_lowercase();
    // Folding only removes or replaces ASCII bytes, so UTF-8 stays valid.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_runs_and_trims() {
        let mut out = Vec::new();
        fold_into(b"  550 5.1.1\r\n\t  User   unknown \n", &mut out);
        assert_eq!(out, b"550 5.1.1 User unknown");
        assert_eq!(fold_phrase("Mailbox\n  FULL"), "mailbox full");
    }

    /// Folding as first written, word by word: the reference the faster
    /// span-by-span [`fold_onto`] is checked against.
    fn fold_reference(input: &[u8]) -> Vec<u8> {
        let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            while i < input.len() && is_space(input[i]) {
                i += 1;
            }
            let start = i;
            while i < input.len() && !is_space(input[i]) {
                i += 1;
            }
            if start < i {
                if !out.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(&input[start..i]);
            }
        }
        out
    }

    #[test]
    fn folds_long_texts_as_the_reference_does() {
        let long = "word ".repeat(40) + "\t tab\r\n" + &"x".repeat(70) + "  two  \x0b" + &" y".repeat(33);
        for text in [long.as_str(), " \t", "a", " a ", "a \tb", "a\t b", "a  b", &"ab ".repeat(11)] {
            let mut out = Vec::new();
            fold_into(text.as_bytes(), &mut out);
            assert_eq!(out, fold_reference(text.as_bytes()), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn folding_matches_the_reference(s in "[ab \t\n\r\x0b\x0c]{0,100}|\\PC{0,80}") {
            let mut out = Vec::new();
            fold_into(s.as_bytes(), &mut out);
            prop_assert_eq!(out, fold_reference(s.as_bytes()));
        }

        #[test]
        fn folding_long_runs_matches_the_reference(parts in proptest::collection::vec(("[a-z]{0,40}", "[ \t\n]{0,3}"), 0..12)) {
            let s: String = parts.iter().map(|(w, sp)| format!("{w}{sp}")).collect();
            let mut out = Vec::new();
            fold_into(s.as_bytes(), &mut out);
            prop_assert_eq!(out, fold_reference(s.as_bytes()));
        }

        #[test]
        fn folding_is_idempotent_and_has_no_double_spaces(s in "\\PC*") {
            let mut once = Vec::new();
            fold_into(s.as_bytes(), &mut once);
            let mut twice = Vec::new();
            fold_into(&once, &mut twice);
            prop_assert_eq!(&once, &twice);
            prop_assert!(!once.windows(2).any(|w| w == b"  "));
            prop_assert!(std::str::from_utf8(&once).is_ok());
            prop_assert_eq!(needs_folding(s.as_bytes()), once != s.as_bytes());
        }

        #[test]
        fn folding_joins_the_words_with_single_spaces(s in "[ab\u{e9} \t\n\r\x0b\x0c]{0,70}") {
            let mut out = Vec::new();
            fold_into(s.as_bytes(), &mut out);
            let words: Vec<&str> = s.split([' ', '\t', '\n', '\r', '\x0b', '\x0c']).filter(|w| !w.is_empty()).collect();
            prop_assert_eq!(out, words.join(" ").into_bytes());
        }

        #[test]
        fn folding_onto_a_buffer_appends_the_folded_text(head in "[a \n]{0,8}", s in "\\PC*") {
            let mut alone = Vec::new();
            fold_into(s.as_bytes(), &mut alone);
            let mut onto = head.clone().into_bytes();
            fold_onto(s.as_bytes(), &mut onto);
            prop_assert_eq!(onto, [head.as_bytes(), &alone].concat());
        }

        #[test]
        fn folding_lines_folds_each_line(s in "[ab: \t\n\r\x0b\x0c]{0,90}|\\PC{0,60}", cuts in proptest::collection::vec(0usize..100, 0..12)) {
            let mut ends: Vec<usize> = cuts.into_iter().map(|c| c.min(s.len())).filter(|&c| s.is_char_boundary(c)).collect();
            ends.sort_unstable();
            let mut out = b"x".to_vec();
            fold_lines_onto(s.as_bytes(), &ends, &mut out);
            let mut expected = b"x".to_vec();
            let mut start = 0;
            for (i, &end) in ends.iter().enumerate() {
                if i > 0 {
                    expected.push(b'\n');
                }
                fold_onto(&s.as_bytes()[start..end], &mut expected);
                start = end;
            }
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn needs_folding_is_exact_for_any_spacing(s in "[a \t\n\r\x0b\x0c]{0,70}") {
            let mut once = Vec::new();
            fold_into(s.as_bytes(), &mut once);
            prop_assert_eq!(needs_folding(s.as_bytes()), once != s.as_bytes());
        }
    }
}
