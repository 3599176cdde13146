//! Diagnostic templates: reply texts with the parts that differ from one
//! bounce to the next (addresses, queue ids, IP addresses) masked, so that
//! the same answer to different recipients counts once in "top diagnostics".

/// The longest template kept, in characters; longer replies are cut.
const MAX_CHARS: usize = 200;

/// `text` with whitespace folded, addresses shown as `<address>` and ids
/// (IPv4 addresses, tokens with 7+ digits, or 6+ characters mixing letters
/// and digits) as `<id>`.
///
/// ```
/// use rebound::report::template::template;
/// assert_eq!(
///     template("550 5.1.1 <bob@example.org>:  Recipient address rejected: User unknown"),
///     "550 5.1.1 <address> Recipient address rejected: User unknown",
/// );
/// assert_eq!(template("550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0"), "550 5.7.1 No such user! <id>");
/// assert_eq!(template("421 4.7.0 [192.0.2.1] Try again"), "421 4.7.0 <id> Try again");
/// ```
pub fn template(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS + 8));
    let mut chars = 0;
    for token in text.split_whitespace() {
        if chars >= MAX_CHARS {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        let shown = if token.contains('@') {
            "<address>"
        } else if is_id(token) {
            "<id>"
        } else {
            token
        };
        for c in shown.chars() {
            if chars >= MAX_CHARS {
                break;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

fn is_id(token: &str) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let letters = token.bytes().filter(u8::is_ascii_alphabetic).count();
    let core = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let ipv4 =
        core.split('.').count() == 4 && core.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ipv4 || digits >= 7 || (digits > 0 && letters > 0 && digits + letters >= 6 && !looks_like_word(token))
}

/// Words that carry digits but are part of the message: `x.509`, `IPv6`,
/// `spamhaus.org`-style names are kept when digits are a small tail.
fn looks_like_word(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    // A name such as `IPv6` or `RFC5321`: letters first, a short number at the end.
    let letters_then_digits = t.trim_end_matches(|c: char| c.is_ascii_digit()).bytes().all(|b| b.is_ascii_alphabetic());
    letters_then_digits && digits <= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_codes_and_words() {
        let gmail = "550-5.1.1 The email account that you tried to reach does not exist. d75a77b69052e-4a7f0a1b2c3sm12345 - gsmtp";
        assert_eq!(template(gmail), "550-5.1.1 The email account that you tried to reach does not exist. <id> - gsmtp");
        assert_eq!(template("see RFC5321 and IPv6"), "see RFC5321 and IPv6");
        assert_eq!(template("  "), "");
        let long = "word ".repeat(100);
        assert!(template(&long).chars().count() <= MAX_CHARS + 1);
        assert!(template(&long).ends_with('…'));
    }
}
