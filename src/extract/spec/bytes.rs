//! The ASCII bytes a text holds, looked up as patterns ask for them: a
//! pattern needing a byte the text lacks (see
//! [`crate::lazy_regex::required_bytes`]) is passed over without running
//! its regex, and each byte is searched for once a text.
//!
//! ```text
//! `^\s*<(?P<rcpt>[^>]+@[^>]+)>:` needs `<`, `@`, `>`, `:`;
//! "bob@example.org said no" lacks `<`: the regex does not run.
//! ```

use super::Pattern;
use crate::lazy_regex::Captures;

/// A text and what is known so far of the ASCII bytes it holds, as bit
/// sets (bit `b` for byte `b`).
#[derive(Debug)]
pub(crate) struct TextBytes<'t> {
    text: &'t str,
    present: u128,
    absent: u128,
}

impl<'t> TextBytes<'t> {
    /// Nothing known yet about `text`.
    pub(crate) fn new(text: &'t str) -> TextBytes<'t> {
        TextBytes { text, present: 0, absent: 0 }
    }

    /// Whether the text holds every byte of `needs`.
    fn hold_all(&mut self, needs: u128) -> bool {
        let mut unknown = needs & !self.present;
        while unknown != 0 {
            let bit = unknown & unknown.wrapping_neg();
            if self.absent & bit != 0 {
                return false;
            }
            if memchr::memchr(bit.trailing_zeros() as u8, self.text.as_bytes()).is_none() {
                self.absent |= bit;
                return false;
            }
            self.present |= bit;
            unknown &= !bit;
        }
        true
    }
}

impl Pattern {
    /// The captures of the first match in the text, unless it lacks a byte
    /// every match needs.
    pub(crate) fn captures_in<'t>(&self, bytes: &mut TextBytes<'t>) -> Option<Captures<'t>> {
        if !bytes.hold_all(self.needs) {
            return None;
        }
        self.regex.captures(bytes.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lazy_regex::ascii_bytes;

    #[test]
    fn looks_up_the_bytes_a_text_holds() {
        let set = |s: &str| ascii_bytes(s.as_bytes());
        let mut bytes = TextBytes::new("<bob@example.org>: no");
        assert!(bytes.hold_all(set("<@>:")) && bytes.hold_all(0));
        assert!(!bytes.hold_all(set("@[")) && !bytes.hold_all(set("[")));
        assert_eq!(bytes.present & set("["), 0);
        assert_eq!(bytes.absent, set("["));
    }
}
