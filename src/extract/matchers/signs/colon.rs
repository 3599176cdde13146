//! Which header lines could hold a header sign, told from the raw line.
//!
//! Header signs are literals such as `x-autoreply:`, looked for in each
//! header line once it is folded and ASCII-lowercased. Folding only turns
//! runs of whitespace into one space, so a literal's word that holds its
//! first colon (`x-autoreply:` in `precedence: x-autoreply: yes`) shows in
//! the raw line as it is, letters in any case, ending at a colon. A line
//! without such a word at any of its colons holds no sign: it need not be
//! folded, lowercased or searched. Most header lines have a colon or a few
//! (the one after the name, times in `Received`), and the three bytes
//! before few of them end such a word: one scan over all the lines finds
//! the colons, and a bit filter turns most of them away.

/// The words ending at the first colon of every literal of a place, and a
/// filter on the three bytes before a colon that lets through those of the
/// words (and few others).
#[derive(Debug)]
pub(super) struct ColonGate {
    /// Each literal's word that ends at its first colon, the colon
    /// included (lowercase, no whitespace).
    words: Vec<Vec<u8>>,
    /// Bit [`slot`] of the three (lowercased) bytes before the colon of
    /// every word of four bytes or more.
    keys: [u64; 16],
    /// Whether some word is shorter than four bytes: then every colon is
    /// compared with every word.
    short: bool,
}

/// The filter key of the three bytes before a colon, lowercased.
#[inline(always)]
fn key(before: &[u8; 3]) -> u32 {
    u32::from_le_bytes([
        before[0].to_ascii_lowercase(),
        before[1].to_ascii_lowercase(),
        before[2].to_ascii_lowercase(),
        0,
    ])
}

/// The bit of the 1,024-bit filter a key sets.
#[inline(always)]
fn slot(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 22) as usize
}

impl ColonGate {
    /// The gate for `literals` (folded and lowercased); `None` when one of
    /// them holds no colon (then every line must be searched).
    pub(super) fn new(literals: &[String]) -> Option<ColonGate> {
        let mut words: Vec<Vec<u8>> = Vec::with_capacity(literals.len());
        let mut keys = [0u64; 16];
        let mut short = false;
        for l in literals {
            let l = l.as_bytes();
            let colon = memchr::memchr(b':', l)?;
            let start = l[..colon].iter().rposition(|&b| crate::fold::is_space(b)).map_or(0, |i| i + 1);
            let word = l[start..=colon].to_ascii_lowercase();
            match word.len() {
                n @ 4.. => {
                    let k = slot(key(&[word[n - 4], word[n - 3], word[n - 2]]));
                    keys[k / 64] |= 1 << (k % 64);
                }
                _ => short = true,
            }
            if !words.contains(&word) {
                words.push(word);
            }
        }
        Some(ColonGate { words, keys, short })
    }

    /// Whether one of the words ends at the colon at `colon` in `text`.
    #[inline(always)]
    fn ends_word(&self, text: &[u8], colon: usize) -> bool {
        if !self.short {
            let Some(before) = colon.checked_sub(3).and_then(|s| text.get(s..colon)) else { return false };
            let Ok(before) = <&[u8; 3]>::try_from(before) else { return false };
            let k = slot(key(before));
            if self.keys[k / 64] & (1 << (k % 64)) == 0 {
                return false;
            }
        }
        let upto = &text[..=colon];
        self.words.iter().any(|w| upto.len() >= w.len() && upto[upto.len() - w.len()..].eq_ignore_ascii_case(w))
    }

    /// The first colon at or after `from` in `text` (lines as written, not
    /// folded, any case) where one of the words ends: a line with none holds
    /// none of the literals once folded and lowercased.
    pub(super) fn next(&self, text: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        while let Some(i) = crate::near::find(b':', text.get(at..)?) {
            let colon = at + i;
            if self.ends_word(text, colon) {
                return Some(colon);
            }
            at = colon + 1;
        }
        None
    }

    /// Whether `line` may hold one of the literals (see [`ColonGate::next`]).
    #[cfg(test)]
    fn may_hold(&self, line: &[u8]) -> bool {
        self.next(line, 0).is_some()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn gate(literals: &[&str]) -> Option<ColonGate> {
        ColonGate::new(&literals.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    /// What a search of the folded, lowercased line answers.
    fn holds(literals: &[&str], line: &[u8]) -> bool {
        let mut folded = Vec::new();
        crate::fold::fold_into(line, &mut folded);
        folded.make_ascii_lowercase();
        literals.iter().any(|l| memchr::memmem::find(&folded, l.as_bytes()).is_some())
    }

    const LITERALS: &[&str] = &["auto-submitted: auto-replied", "x-autoreply:", "precedence: auto_reply", "a bcd:e"];

    #[test]
    fn needs_a_colon_in_every_literal() {
        assert!(gate(&["x-autoreply:", "no colon"]).is_none());
        assert!(gate(&[]).is_some_and(|g| !g.may_hold(b"a: b")));
        let g = gate(LITERALS).unwrap();
        assert!(g.may_hold(b"x-AutoReply: yes"));
        assert!(g.may_hold(b"subject: re x-autoreply:"));
        assert!(g.may_hold(b"precedence:  Auto_Reply"));
        assert!(!g.may_hold(b"received: from a by b; 10:11:12"));
        assert!(!g.may_hold(b"x-autoreply"));
        let bare = gate(&["x :y"]).unwrap();
        assert!(bare.may_hold(b"a:b") && !bare.may_hold(b"ab"));
        let short = gate(&["ab:c"]).unwrap();
        assert!(short.may_hold(b"AB:") && short.may_hold(b"xab:") && !short.may_hold(b"b:") && !short.may_hold(b"ac:"));
        assert_eq!(gate(LITERALS).unwrap().next(b"a:b x-autoreply:", 0), Some(15));
    }

    /// Pieces of header lines the property test joins.
    const PIECES: &[&str] = &[
        "x-autoreply:",
        "X-AUTOREPLY",
        ":",
        " ",
        "  ",
        "\t",
        "auto-submitted:",
        "Auto-Replied",
        "precedence:",
        "auto_reply",
        "a",
        "BcD:",
        "c",
        "10:11",
        "é",
    ];

    proptest! {
        /// A line the gate turns away holds no literal.
        #[test]
        fn never_turns_away_a_line_with_a_literal(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..12),
        ) {
            let line = pieces.concat();
            let g = gate(LITERALS).unwrap();
            if holds(LITERALS, line.as_bytes()) {
                prop_assert!(g.may_hold(line.as_bytes()), "{:?}", line);
            }
        }

        /// The scan stops at the colon a byte-by-byte one would.
        #[test]
        fn finds_the_colon_a_byte_scan_finds(
            text in proptest::collection::vec(proptest::sample::select(b":;x-autorepyXAUTO\x01\x00 ".to_vec()), 0..80),
            from in 0usize..90,
        ) {
            let g = gate(LITERALS).unwrap();
            let naive = (from..text.len()).find(|&i| text[i] == b':' && g.ends_word(&text, i));
            prop_assert_eq!(g.next(&text, from), naive);
        }

        #[test]
        fn never_turns_away_any_bytes_with_a_literal(line in proptest::collection::vec(any::<u8>(), 0..64)) {
            let g = gate(LITERALS).unwrap();
            if holds(LITERALS, &line) {
                prop_assert!(g.may_hold(&line));
            }
        }
    }
}
