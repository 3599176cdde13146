//! Whitespace folding: every run of ASCII whitespace becomes one space and the
//! ends are trimmed, so that a phrase matches however a reply was wrapped.

/// Folds `input` into `out` (cleared first). Case is kept: matching is ASCII
/// case-insensitive anyway, and explanations quote the text as it was.
pub fn fold_into(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(input.len());
    let mut pending_space = false;
    for &b in input {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(b);
        }
    }
}

/// Whether `input` would change by folding. Cheap (SIMD searches): most
/// replies are one line with single spaces and are matched as they are.
pub fn needs_folding(input: &[u8]) -> bool {
    input.first() == Some(&b' ')
        || input.last() == Some(&b' ')
        || memchr::memchr3(b'\t', b'\n', b'\r', input).is_some()
        || memchr::memchr2(b'\x0b', b'\x0c', input).is_some()
        || memchr::memmem::find(input, b"  ").is_some()
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

    proptest! {
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
    }
}
