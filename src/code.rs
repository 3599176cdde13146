//! SMTP status codes: enhanced status codes (RFC 3463, `5.1.1`), basic reply
//! codes (RFC 5321, `550`), the patterns rule files use for them (`x.1.1`,
//! `5xx`), and finding them in a reply.

use std::fmt;

/// An enhanced status code `class.subject.detail` (RFC 3463), such as `5.1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// The subject, 0–9.
    pub subject: u8,
    /// The detail, 0–999.
    pub detail: u16,
}

impl EnhancedCode {
    /// Parses `"5.1.1"`; `None` unless the class is 2, 4 or 5, the subject one
    /// digit and the detail one to three digits.
    pub fn parse(s: &str) -> Option<EnhancedCode> {
        match find_enhanced(s.trim().as_bytes()) {
            Some((0, end, code)) if end == s.trim().len() => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// A pattern over codes as written in a `[[code]]` rule: an enhanced code
/// whose parts may be `x` (`x.1.1`, `5.x.x`), or a basic reply code whose
/// digits may be `x` from the right (`550`, `55x`, `5xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePattern {
    /// `class.subject.detail`, `None` for a wildcard part.
    Enhanced {
        /// Class or wildcard.
        class: Option<u8>,
        /// Subject or wildcard.
        subject: Option<u8>,
        /// Detail or wildcard.
        detail: Option<u16>,
    },
    /// A reply code; `digits` of the three are concrete, from the left.
    Reply {
        /// The code with wildcard digits as 0 (`5xx` → 500).
        base: u16,
        /// How many leading digits are concrete (1–3).
        digits: u8,
    },
}

impl CodePattern {
    /// Parses a pattern; the error says what is wrong.
    pub fn parse(s: &str) -> Result<CodePattern, String> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        if lower.contains('.') {
            let parts: Vec<&str> = lower.split('.').collect();
            if parts.len() != 3 {
                return Err(format!("enhanced code pattern `{s}` must have three parts, like `5.1.1` or `x.1.1`"));
            }
            let part = |p: &str, max: u32, what: &str| -> Result<Option<u32>, String> {
                if p == "x" || p == "*" {
                    return Ok(None);
                }
                match p.parse::<u32>() {
                    Ok(n) if n <= max && !p.is_empty() && p.len() <= 3 => Ok(Some(n)),
                    _ => Err(format!("{what} `{p}` of `{s}` must be a number up to {max} or `x`")),
                }
            };
            let class = part(parts[0], 9, "class")?;
            if let Some(c) = class {
                if !matches!(c, 2 | 4 | 5) {
                    return Err(format!("class of `{s}` must be 2, 4, 5 or `x`"));
                }
            }
            let subject = part(parts[1], 9, "subject")?;
            let detail = part(parts[2], 999, "detail")?;
            Ok(CodePattern::Enhanced {
                class: class.map(|c| c as u8),
                subject: subject.map(|c| c as u8),
                detail: detail.map(|d| d as u16),
            })
        } else {
            let b = lower.as_bytes();
            if b.len() != 3 || !matches!(b[0], b'2'..=b'5') {
                return Err(format!("reply code pattern `{s}` must be three characters like `550`, `55x` or `5xx`"));
            }
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if !b[digits..].iter().all(|&c| c == b'x') {
                return Err(format!("in `{s}` only trailing digits may be `x`"));
            }
            let mut base = 0u16;
            for &c in b {
                base = base * 10 + if c == b'x' { 0 } else { u16::from(c - b'0') };
            }
            Ok(CodePattern::Reply { base, digits: digits as u8 })
        }
    }

    /// How specific the pattern is: the number of concrete parts (enhanced) or
    /// digits (reply). Higher is more specific.
    pub fn specificity(&self) -> u8 {
        match *self {
            CodePattern::Enhanced { class, subject, detail } => {
                // Detail and subject say more than the class does.
                u8::from(class.is_some()) + 2 * u8::from(subject.is_some()) + 3 * u8::from(detail.is_some())
            }
            CodePattern::Reply { digits, .. } => digits,
        }
    }

    /// Whether the pattern matches an enhanced code.
    pub fn matches_enhanced(&self, code: EnhancedCode) -> bool {
        match *self {
            CodePattern::Enhanced { class, subject, detail } => {
                class.is_none_or(|c| c == code.class)
                    && subject.is_none_or(|s| s == code.subject)
                    && detail.is_none_or(|d| d == code.detail)
            }
            CodePattern::Reply { .. } => false,
        }
    }

    /// Whether the pattern matches a basic reply code.
    pub fn matches_reply(&self, code: u16) -> bool {
        match *self {
            CodePattern::Reply { base, digits } => {
                let scale = 10u16.pow(3 - u32::from(digits));
                code / scale == base / scale
            }
            CodePattern::Enhanced { .. } => false,
        }
    }

    /// Whether the pattern matches either code of a bounce: an enhanced-code
    /// pattern its enhanced code, a reply-code pattern its reply code.
    pub fn matches_either(&self, enhanced: Option<EnhancedCode>, reply: Option<u16>) -> bool {
        enhanced.is_some_and(|c| self.matches_enhanced(c)) || reply.is_some_and(|r| self.matches_reply(r))
    }
}

impl fmt::Display for CodePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CodePattern::Enhanced { class, subject, detail } => {
                let p = |v: Option<u16>| v.map_or("x".to_string(), |v| v.to_string());
                write!(f, "{}.{}.{}", p(class.map(u16::from)), p(subject.map(u16::from)), p(detail))
            }
            CodePattern::Reply { base, digits } => {
                let s = base.to_string();
                write!(f, "{}{}", &s[..digits as usize], &"xxx"[..3 - digits as usize])
            }
        }
    }
}

fn is_digit(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_digit())
}

/// Finds the first enhanced status code in `text`: `[245].D.D{1,3}` not part
/// of a longer dotted number (so `5.1.1.1` and `10.5.1.1` are not codes).
/// Returns its byte range and value.
pub fn find_enhanced(text: &[u8]) -> Option<(usize, usize, EnhancedCode)> {
    let mut from = 0;
    while let Some(rel) = memchr::memchr(b'.', &text[from..]) {
        let dot = from + rel;
        from = dot + 1;
        if let Some(found) = dot.checked_sub(1).and_then(|start| enhanced_at(text, start)) {
            return Some(found);
        }
    }
    None
}

/// The enhanced code starting at `start`, when one stands there as
/// [`find_enhanced`] would take it.
#[inline]
fn enhanced_at(text: &[u8], start: usize) -> Option<(usize, usize, EnhancedCode)> {
    let dot = start + 1;
    if !matches!(text.get(start), Some(b'2' | b'4' | b'5')) || text.get(dot) != Some(&b'.') {
        return None;
    }
    if start > 0 && (text[start - 1].is_ascii_digit() || text[start - 1] == b'.') {
        return None;
    }
    if !is_digit(text.get(dot + 1)) || text.get(dot + 2) != Some(&b'.') {
        return None;
    }
    let mut end = dot + 3;
    let mut detail: u16 = 0;
    while end < text.len() && text[end].is_ascii_digit() && end < dot + 6 {
        detail = detail * 10 + u16::from(text[end] - b'0');
        end += 1;
    }
    if end == dot + 3 || is_digit(text.get(end)) {
        return None;
    }
    if text.get(end) == Some(&b'.') && is_digit(text.get(end + 1)) {
        return None;
    }
    let code = EnhancedCode { class: text[start] - b'0', subject: text[dot + 1] - b'0', detail };
    Some((start, end, code))
}

/// Finds the basic reply code of a reply: a three-digit token `[245]DD`
/// standing alone (not inside a longer number), followed by a space, `-` or
/// the end. Preference goes to a token at the very start, then to one
/// directly followed by an enhanced code (`550 5.1.1`, `550-5.1.1`), then to
/// the first token that follows `:` or `said`.
pub fn find_reply(text: &[u8]) -> Option<u16> {
    scan_reply(text, true)
}

/// [`find_reply`]; `enhanced` says whether the text may hold an enhanced
/// code at all. When it holds none, no token can be followed by one, so the
/// first token after `:` or `said` is the answer as soon as it is seen.
fn scan_reply(text: &[u8], enhanced: bool) -> Option<u16> {
    let mut first_after_colon = None;
    let mut i = 0;
    while i + 3 <= text.len() {
        // Jump to the next byte that can start a code.
        match memchr::memchr3(b'2', b'4', b'5', &text[i..text.len() - 2]) {
            Some(skip) => i += skip,
            None => break,
        }
        if let Some(code) = reply_token_at(text, i) {
            if i == 0 {
                return Some(code);
            }
            let rest = text.get(i + 4..).unwrap_or(&[]);
            if enhanced && matches!(find_enhanced(rest), Some((0, _, _))) {
                return Some(code);
            }
            if first_after_colon.is_none() {
                let before = text[..i].trim_ascii_end();
                if before.ends_with(b":")
                    || before.ends_with(b"said")
                    || before.ends_with(b"(")
                    || before.ends_with(b"]")
                {
                    if !enhanced {
                        return Some(code);
                    }
                    first_after_colon = Some(code);
                }
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    first_after_colon
}

/// Both codes of a reply: what [`find_enhanced`] and [`find_reply`] return,
/// without scanning for the reply code in the usual shapes `550 5.1.1 ...`
/// and `... said: 550 5.1.1 ...`.
///
/// A reply code at the very start wins, and an enhanced code right after it
/// is the first one. Otherwise the first token directly
/// followed by an enhanced code can only stand right before the first
/// enhanced code: an enhanced code after a token and its separator is an
/// enhanced code of the whole text too, so it cannot come earlier.
///
/// ```
/// use rebound::code::find_codes;
/// let (enhanced, reply) = find_codes(b"host []:25 said: 552 5.2.2 Mailbox full");
/// assert_eq!((enhanced.map(|(s, e, _)| (s, e)), reply), (Some((21, 26)), Some(552)));
/// ```
pub fn find_codes(text: &[u8]) -> (Option<(usize, usize, EnhancedCode)>, Option<u16>) {
    if let Some(code) = reply_token_at(text, 0) {
        // No enhanced code fits in the token and its separator, so one
        // right after them is the first.
        let enhanced = enhanced_at(text, 4).or_else(|| find_enhanced(text));
        return (enhanced, Some(code));
    }
    let enhanced = find_enhanced(text);
    if let Some((start, _, _)) = enhanced {
        if let Some(code) = start.checked_sub(4).and_then(|at| reply_token_at(text, at)) {
            return (enhanced, Some(code));
        }
    }
    (enhanced, scan_reply(text, enhanced.is_some()))
}

/// The reply code whose token starts at `i`, when one stands alone there:
/// `[245]DD`, not preceded by a letter, digit or one of `.-_/+=#@`, and
/// followed by a space, tab, line break, `-` or the end.
#[inline]
fn reply_token_at(text: &[u8], i: usize) -> Option<u16> {
    let t = text.get(i..i + 3)?;
    let standalone = matches!(t[0], b'2' | b'4' | b'5')
        && t[1].is_ascii_digit()
        && t[2].is_ascii_digit()
        && (i == 0
            || !(text[i - 1].is_ascii_alphanumeric()
                || matches!(text[i - 1], b'.' | b'-' | b'_' | b'/' | b'+' | b'=' | b'#' | b'@')))
        && matches!(text.get(i + 3), None | Some(b' ' | b'-' | b'\t' | b'\r' | b'\n'));
    standalone.then(|| u16::from(t[0] - b'0') * 100 + u16::from(t[1] - b'0') * 10 + u16::from(t[2] - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Option<String> {
        find_enhanced(s.as_bytes()).map(|(_, _, c)| c.to_string())
    }

    #[test]
    fn finds_enhanced_codes() {
        assert_eq!(e("550 5.1.1 <a@b>: User unknown").as_deref(), Some("5.1.1"));
        assert_eq!(e("550-5.7.26 Unauthenticated").as_deref(), Some("5.7.26"));
        assert_eq!(e("#5.1.10 not found").as_deref(), Some("5.1.10"));
        assert_eq!(e("(4.4.1)").as_deref(), Some("4.4.1"));
        assert_eq!(e("end 5.2.2.").as_deref(), Some("5.2.2"));
        assert_eq!(e("5.7.606 Access denied").as_deref(), Some("5.7.606"));
    }

    #[test]
    fn ignores_dotted_numbers_that_are_not_codes() {
        assert_eq!(e("from 10.5.1.1 said"), None);
        assert_eq!(e("version 5.1.1.4"), None);
        assert_eq!(e("Exim 4.96"), None);
        assert_eq!(e("3.1.1 only"), None);
        assert_eq!(e("5.1.1234"), None);
        assert_eq!(e("15.1.1"), None);
    }

    #[test]
    fn finds_reply_codes() {
        let r = |s: &str| find_reply(s.as_bytes());
        assert_eq!(r("550 5.1.1 <a@b>: unknown"), Some(550));
        assert_eq!(r("host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit"), Some(552));
        assert_eq!(r("host[]:25 said: 550 No such recipient (in reply to RCPT TO command)"), Some(550));
        assert_eq!(r("Message size exceeds 500 bytes"), None);
        assert_eq!(r("id 1683454980 refused"), None);
        assert_eq!(r("domain name does not exist"), None);
        assert_eq!(r("421-4.7.0 Try again later"), Some(421));
    }

    #[test]
    fn find_codes_agrees_with_find_enhanced_and_find_reply() {
        let texts = [
            "550 5.1.1 <a@b>: unknown",
            "host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit",
            "said: 550-5.7.26 x",
            "5.1.1 first, then 550 5.2.2 later",
            "id 1550 5.1.1 token inside a number",
            "x 450\t4.2.0 tab",
            "a550 5.1.1",
            "550",
            "55",
            "",
            "(in reply to end of DATA command): 451 4.3.0 try later",
            "550 550 5.1.1",
            "host: 421 try later",
        ];
        for t in texts {
            let (e, r) = find_codes(t.as_bytes());
            assert_eq!((e, r), (find_enhanced(t.as_bytes()), find_reply(t.as_bytes())), "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn find_codes_agrees_on_code_soup(s in "[12345.0 :(\\]\\-a\t]{0,40}") {
            let b = s.as_bytes();
            proptest::prop_assert_eq!(find_codes(b), (find_enhanced(b), find_reply(b)));
        }
    }

    #[test]
    fn parses_patterns() {
        assert_eq!(CodePattern::parse("x.1.1").unwrap().to_string(), "x.1.1");
        assert_eq!(CodePattern::parse("5.7.26").unwrap().to_string(), "5.7.26");
        assert_eq!(CodePattern::parse("5xx").unwrap().to_string(), "5xx");
        assert!(CodePattern::parse("6.1.1").is_err());
        assert!(CodePattern::parse("5.1").is_err());
        assert!(CodePattern::parse("5x0").is_err());
        assert!(CodePattern::parse("55").is_err());
        let p = CodePattern::parse("x.2.2").unwrap();
        assert!(p.matches_enhanced(EnhancedCode::parse("4.2.2").unwrap()));
        assert!(p.matches_enhanced(EnhancedCode::parse("5.2.2").unwrap()));
        assert!(!p.matches_enhanced(EnhancedCode::parse("5.2.1").unwrap()));
        assert!(CodePattern::parse("55x").unwrap().matches_reply(554));
        assert!(!CodePattern::parse("55x").unwrap().matches_reply(450));
        assert!(
            CodePattern::parse("5.1.1").unwrap().specificity() > CodePattern::parse("x.1.1").unwrap().specificity()
        );
    }
}
