//! The reply reader's three patterns, matched by a byte scan instead of a
//! regex built in every process (about 1.1M instructions for the three).
//!
//! Each scan gives what the [`DualRegex`] of its pattern gives: those
//! regexes search with ASCII classes (`\s` is `[\t\n\x0B\x0C\r ]`, `\d` is
//! `[0-9]`) and fall back to the full (Unicode) regex only when a group
//! ends inside a UTF-8 character. Only `(\S)` of [`reply_start`] can: when
//! it takes a non-ASCII byte the scan answers "ask the regex" and the
//! caller does. The tests compare every scan with its regex.

use std::ops::Range;

/// `\s` of a regex with ASCII classes (`u8::is_ascii_whitespace` lacks
/// the vertical tab).
fn space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Whether `s[at..]` starts with `[245]\d\d`.
fn code_at(s: &[u8], at: usize) -> bool {
    matches!(s.get(at..at + 3), Some([b'2' | b'4' | b'5', d1, d2]) if d1.is_ascii_digit() && d2.is_ascii_digit())
}

/// Where the reply code of `(?:^|[\s:(<])([245]\d\d)-(\S)` is in `s`, for
/// its leftmost-first match: `Ok(None)` when there is none, `Err(())` when
/// that match's `\S` takes a non-ASCII byte (the regex's groups would split
/// a character there, so it searches again in full: ask it).
pub(super) fn reply_start(s: &[u8]) -> Result<Option<Range<usize>>, ()> {
    // Every match starts at its code (or one byte before), so the leftmost
    // match is the one with the leftmost code.
    for c in 0..s.len() {
        if !(c == 0 || matches!(s[c - 1], b':' | b'(' | b'<') || space(s[c - 1])) {
            continue;
        }
        if !code_at(s, c) || s.get(c + 3) != Some(&b'-') {
            continue;
        }
        match s.get(c + 4) {
            Some(&b) if b >= 0x80 => return Err(()),
            Some(&b) if !space(b) => return Ok(Some(c..c + 3)),
            _ => {}
        }
    }
    Ok(None)
}

/// The length of a run of at most three ASCII digits at `s[at..]` that is
/// followed by no further digit, if there is one.
fn digits(s: &[u8], at: usize) -> Option<usize> {
    let n = s.get(at..).unwrap_or_default().iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&n).then_some(n)
}

/// The end of the match of `#?[245]\.\d{1,3}\.\d{1,3}\s+` anchored at
/// `at` in `s`, if there is one. Each repetition takes the whole run (a
/// shorter one leaves a digit where `.` or `\s` must follow).
pub(super) fn enhanced_at(s: &[u8], at: usize) -> Option<usize> {
    let mut i = at + usize::from(s.get(at) == Some(&b'#'));
    if !matches!(s.get(i), Some(b'2' | b'4' | b'5')) || s.get(i + 1) != Some(&b'.') {
        return None;
    }
    i += 2;
    i += digits(s, i)?;
    if s.get(i) != Some(&b'.') {
        return None;
    }
    i += 1;
    i += digits(s, i)?;
    let ws = s.get(i..).unwrap_or_default().iter().take_while(|&&b| space(b)).count();
    (ws > 0).then_some(i + ws)
}

/// The groups of the leftmost-first match of
/// `(?:^|\s)([245]\d\d)-(#?[245]\.\d{1,3}\.\d{1,3}\s+)?` in `s`: the code,
/// and the enhanced code if it follows.
pub(super) fn inline_continuation(s: &[u8]) -> Option<(Range<usize>, Option<Range<usize>>)> {
    let c = (0..s.len()).find(|&c| (c == 0 || space(s[c - 1])) && code_at(s, c) && s.get(c + 3) == Some(&b'-'))?;
    Some((c..c + 3, enhanced_at(s, c + 4).map(|end| c + 4..end)))
}

#[cfg(test)]
mod tests;
