//! The core of a text: its letters and digits, lowercased, what two
//! wordings of one reply share. ASCII is read 64 bytes at a time through a
//! table, without a branch a byte; other characters one at a time.

/// Each ASCII byte's lowercase form when it is a letter or a digit, else 0.
const CORE: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Appends the core of `s` to `out` (as bytes: UTF-8, since only whole
/// characters are appended).
pub(super) fn core_onto(s: &str, out: &mut Vec<u8>) {
    const BLOCK: usize = 64;
    let bytes = s.as_bytes();
    out.reserve(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(block) = bytes.get(i..i + BLOCK).filter(|b| b.is_ascii()) {
            // Every byte is written, and the count moves past it only when
            // it is kept: `n` is at most the bytes read so far, below 64.
            let mut kept = [0u8; BLOCK];
            let mut n = 0;
            for &b in block {
                let c = CORE[usize::from(b & 0x7f)];
                kept[n & (BLOCK - 1)] = c;
                n += usize::from(c != 0);
            }
            out.extend_from_slice(&kept[..n]);
            i += BLOCK;
            continue;
        }
        let b = bytes[i];
        if b.is_ascii() {
            let c = CORE[usize::from(b)];
            if c != 0 {
                out.push(c);
            }
            i += 1;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else { break };
        if c.is_alphanumeric() {
            let mut utf8 = [0u8; 4];
            for l in c.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut utf8).as_bytes());
            }
        }
        i += c.len_utf8();
    }
}

/// Whether the core of `text` holds the core of `part`: both read into one
/// buffer, then searched (see [`holds`]).
pub(super) fn core_contains(text: &str, part: &str) -> bool {
    let mut both = Vec::with_capacity(text.len() + part.len());
    core_onto(text, &mut both);
    let end = both.len();
    core_onto(part, &mut both);
    let (text, part) = both.split_at(end);
    part.len() <= text.len() && holds(text, part)
}

/// How many places [`holds`] compares before it leaves the rest of the
/// text to a search that takes linear time.
const MAX_TRIES: usize = 32;

/// Whether `hay` holds `needle`, as bytes (which for cores, whole UTF-8
/// characters, is as strings). The places where `needle`'s first byte is
/// are compared in turn: a core's first byte (the reply code's first
/// digit) is in few places, so that costs less than setting up a
/// substring search (the standard library's took about 3,000 instructions
/// for a diagnostic, a `memmem` searcher about 5,000). A text with more
/// such places than [`MAX_TRIES`] gets `memmem` for the rest, so that no
/// text takes quadratic time.
fn holds(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else { return true };
    let mut at = 0;
    for _ in 0..MAX_TRIES {
        let Some(p) = hay.get(at..).and_then(|rest| memchr::memchr(first, rest)) else { return false };
        let i = at + p;
        match hay.get(i..i + needle.len()) {
            None => return false,
            Some(window) if window == needle => return true,
            Some(_) => at = i + 1,
        }
    }
    hay.get(at..).is_some_and(|rest| memchr::memmem::find(rest, needle).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The core as first written: characters filtered and lowercased.
    fn core_by_chars(s: &str) -> String {
        s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
    }

    fn core(s: &str) -> String {
        let mut out = Vec::new();
        core_onto(s, &mut out);
        String::from_utf8(out).expect("whole characters")
    }

    #[test]
    fn keeps_letters_and_digits_lowercased() {
        assert_eq!(
            core("550 5.1.1 <Bob@Example.ORG>: User unknown"),
            "55051 1bobexampleorguserunknown".replace(' ', "")
        );
        let long =
            "Host MX.example.org said: 550-5.1.1 The email account that you tried to reach does not exist. ".repeat(3);
        assert_eq!(core(&long), core_by_chars(&long));
        assert_eq!(core("İstanbul ÄÖ ß"), core_by_chars("İstanbul ÄÖ ß"));
        assert!(core_contains("host said: 550 User UNKNOWN (in reply to RCPT TO)", "550 user unknown"));
        assert!(!core_contains("550 user unknown", "551 user unknown"));
    }

    proptest::proptest! {
        /// The core of a text is its alphanumeric characters, lowercased,
        /// over texts long enough for whole blocks, ASCII or not.
        #[test]
        fn agrees_with_filtering_characters(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "Z", "0", " ", ".", ":", "Ä", "é", "ß", "İ", "Σ", "\u{3000}", "-", "Mail Delivery Failed ", "x".repeat(63).leak()]),
                0..40,
            ),
        ) {
            let s = pieces.concat();
            proptest::prop_assert_eq!(core(&s), core_by_chars(&s));
        }

        /// The search of [`holds`] finds what a substring search finds, on
        /// texts with many places to compare (past [`MAX_TRIES`]).
        #[test]
        fn holds_as_a_substring_search(hay in "[ab]{0,200}", needle in "[ab]{0,6}") {
            let want = hay.contains(needle.as_str());
            proptest::prop_assert_eq!(holds(hay.as_bytes(), needle.as_bytes()), want);
        }

        /// Containment of cores is substring search on the cores as strings.
        #[test]
        fn contains_as_strings_do(text in "[a-cA-C0-9 .Äé]{0,90}", part in "[a-cA-C .é]{0,6}") {
            proptest::prop_assert_eq!(core_contains(&text, &part), core_by_chars(&text).contains(&core_by_chars(&part)));
        }
    }
}
