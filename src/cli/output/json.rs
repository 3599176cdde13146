//! JSON lines: one object per answer, written by hand into a reused buffer.
//!
//! [`json_record`] writes any answer. [`JsonWriter`] writes the same bytes
//! faster for a long run of verdicts from one engine: a record's head (the
//! answer, the codes and the rule) is built once and copied after that, so
//! a short reply costs a few copies and one scan of its text.

use super::Context;
use crate::{Classification, Engine, Source, Verdict};

/// Appends `s` to `out` as a JSON string (invalid UTF-8 replaced).
pub fn json_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    json_str_body(out, s);
    out.push(b'"');
}

/// Appends `s` escaped for a JSON string, without the quotes.
fn json_str_body(out: &mut Vec<u8>, s: &[u8]) {
    if is_plain_ascii(s) {
        out.extend_from_slice(s);
    } else {
        escape_slow(out, s);
    }
}

/// Whether `b` must be escaped (or, not being ASCII, checked as UTF-8)
/// in a JSON string: anything but printable ASCII other than `"` and `\`.
#[inline(always)]
fn special(b: u8) -> u8 {
    // As a signed byte, everything from 0x80 up is negative; `"` and `\`
    // as one test (the smaller of two differences is zero), which the
    // compiler keeps as plain vector operations.
    u8::from((b as i8) < 0x20) | u8::from((b ^ b'"').min(b ^ b'\\') == 0)
}

/// Whether no byte of `s` is [`special`]: blocks of 32 and 16 bytes,
/// without branches inside a block, so the compiler turns a block into a
/// few vector instructions.
fn is_plain_ascii(s: &[u8]) -> bool {
    #[inline(always)]
    fn block_ok<const N: usize>(block: &[u8]) -> bool {
        match <&[u8; N]>::try_from(block) {
            Ok(block) => block.iter().fold(0, |m, &b| m | special(b)) == 0,
            Err(_) => block.iter().all(|&b| special(b) == 0),
        }
    }
    let n = s.len();
    if n < 16 {
        return s.iter().fold(0, |m, &b| m | special(b)) == 0;
    }
    let mut at = 0;
    while at + 32 <= n {
        if !block_ok::<32>(&s[at..at + 32]) {
            return false;
        }
        at += 32;
    }
    if at + 16 <= n {
        if !block_ok::<16>(&s[at..at + 16]) {
            return false;
        }
        at += 16;
    }
    // The tail, as the last sixteen bytes (overlapping checked ones).
    at == n || block_ok::<16>(&s[n - 16..])
}

fn escape_slow(out: &mut Vec<u8>, s: &[u8]) {
    let s = String::from_utf8_lossy(s);
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(b"0123456789abcdef"[usize::from(b >> 4)]);
            out.push(b"0123456789abcdef"[usize::from(b & 15)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `key` (`,"name":`, written out whole so that it is copied as
/// one constant) and `value` as a JSON string, or `null`.
#[inline(always)]
fn field_str(out: &mut Vec<u8>, key: &'static [u8], value: Option<&[u8]>) {
    out.extend_from_slice(key);
    match value {
        Some(v) => json_str(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends one answer as a JSON object and a newline.
pub fn json_record(out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8], c: &Classification<'_>) {
    // One growth check for the usual record instead of one per field.
    out.reserve(text.len() + 256);
    answer_fields(out, c);
    code_fields(out, c);
    rule_field(out, ctx.evidence_rule.or_else(|| c.rule_path_line()));
    tail_fields(out, ctx, text);
}

/// `{"reason":…,"category":…,"category_code":…,"kind":…,"retry":…,"suppress":…`:
/// everything fixed by the answer alone.
fn answer_fields(out: &mut Vec<u8>, c: &Classification<'_>) {
    out.extend_from_slice(b"{\"reason\":");
    json_str(out, c.reason.name.as_bytes());
    field_str(out, b",\"category\":", Some(c.category.as_bytes()));
    out.extend_from_slice(b",\"category_code\":");
    match c.category_code {
        Some(code) => out.extend_from_slice(itoa::Buffer::new().format(code).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    field_str(out, b",\"kind\":", Some(c.kind.as_str().as_bytes()));
    out.extend_from_slice(if c.retry { b",\"retry\":true" } else { b",\"retry\":false" });
    out.extend_from_slice(if c.suppress { b",\"suppress\":true" } else { b",\"suppress\":false" });
}

/// `,"enhanced_code":…,"reply_code":…`.
fn code_fields(out: &mut Vec<u8>, c: &Classification<'_>) {
    const ENHANCED: &[u8] = b",\"enhanced_code\":\"";
    const REPLY: &[u8] = b"\",\"reply_code\":";
    // The usual codes are put together by hand in one buffer and appended
    // at once; others go through `itoa`.
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        buf[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    match c.enhanced_code {
        Some(code) if code.class < 10 && code.subject < 10 && code.detail < 1000 => {
            put(ENHANCED);
            put(&[b'0' + code.class, b'.', b'0' + code.subject, b'.']);
            let d = code.detail;
            let digits = [b'0' + (d / 100) as u8, b'0' + (d / 10 % 10) as u8, b'0' + (d % 10) as u8];
            put(&digits[usize::from(d < 100) + usize::from(d < 10)..]);
            put(REPLY);
        }
        Some(code) => {
            let mut num = itoa::Buffer::new();
            put(ENHANCED);
            put(num.format(code.class).as_bytes());
            put(b".");
            put(num.format(code.subject).as_bytes());
            put(b".");
            put(num.format(code.detail).as_bytes());
            put(REPLY);
        }
        None => put(b",\"enhanced_code\":null,\"reply_code\":"),
    }
    match c.reply_code {
        Some(code @ 100..=999) => {
            put(&[b'0' + (code / 100) as u8, b'0' + (code / 10 % 10) as u8, b'0' + (code % 10) as u8])
        }
        Some(code) => put(itoa::Buffer::new().format(code).as_bytes()),
        None => put(b"null"),
    }
    out.extend_from_slice(&buf[..len]);
}

/// `,"rule":"path:line"` or `,"rule":null`.
fn rule_field(out: &mut Vec<u8>, rule: Option<(&str, u32)>) {
    match rule {
        Some((path, line)) => {
            out.extend_from_slice(b",\"rule\":\"");
            json_str_body(out, path.as_bytes());
            out.push(b':');
            out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b",\"rule\":null"),
    }
}

/// The context fields (emails, logs), the diagnostic and the end.
#[inline]
fn tail_fields(out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8]) {
    if let Some(file) = ctx.file {
        field_str(out, b",\"file\":", Some(file.as_bytes()));
        field_str(out, b",\"recipient\":", ctx.recipient.map(str::as_bytes));
        field_str(out, b",\"action\":", ctx.action.map(str::as_bytes));
        field_str(out, b",\"status\":", ctx.status.map(str::as_bytes));
        field_str(out, b",\"remote_mta\":", ctx.remote_mta.map(str::as_bytes));
        if ctx.email_kind.is_some() {
            field_str(out, b",\"command\":", ctx.command.map(str::as_bytes));
            field_str(out, b",\"email\":", ctx.email_kind.map(str::as_bytes));
        }
        if let Some(n) = ctx.message {
            out.extend_from_slice(b",\"message\":");
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        }
    }
    out.extend_from_slice(b",\"diagnostic\":\"");
    json_str_body(out, text);
    out.extend_from_slice(b"\"}\n");
}

/// Writes the records of [`json_record`] for the verdicts of one engine,
/// each record's head prepared once.
///
/// A record's head, everything before its context fields and diagnostic
/// (`{"reason":…` up to `"rule":…`), is a function of the engine (rules and
/// profile) and of the verdict's reason, codes and deciding evidence, and a
/// stream of replies repeats few of those. The writer keeps the heads it
/// wrote in a table of 512 slots, indexed by a hash and checked against the
/// whole key, so a repeated head costs one copy, and the verdict need not
/// even be reported in the profile: a short reply is written with a few
/// copies and one scan of its text for bytes to escape.
///
/// ```
/// use rebound::cli::output::{json_record, Context, JsonWriter};
/// use rebound::{Hints, Scratch};
///
/// let engine = rebound::Engine::embedded()?;
/// let mut writer = JsonWriter::new(&engine);
/// let text = b"550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown";
/// let verdict = engine.verdict_with(text, Hints::default(), &mut Scratch::new());
/// let (mut fast, mut plain) = (Vec::new(), Vec::new());
/// writer.verdict(&mut fast, &Context::default(), text, &verdict);
/// writer.verdict(&mut fast, &Context::default(), text, &verdict);
/// let c = engine.classify_bytes(text, Hints::default());
/// json_record(&mut plain, &Context::default(), text, &c);
/// json_record(&mut plain, &Context::default(), text, &c);
/// assert_eq!(fast, plain);
/// # Ok::<(), rebound::LoadError>(())
/// ```
#[derive(Debug)]
pub struct JsonWriter {
    /// The engine whose verdicts the heads are for.
    engine: Engine,
    /// Prepared heads.
    heads: Vec<Head>,
}

/// Slots in a [`JsonWriter`]'s table of heads: `1 << HEAD_BITS`.
const HEAD_BITS: u32 = 9;

/// One prepared record head and what it was made for.
#[derive(Debug, Default)]
struct Head {
    key: Option<HeadKey>,
    bytes: Vec<u8>,
}

/// What a record's head depends on under one engine, packed into words so
/// that a lookup is a few comparisons: the codes, the deciding evidence
/// (its rule, and the phrase or regex that fixes the line) and the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeadKey([u64; 3]);

impl HeadKey {
    #[inline]
    fn of(v: &Verdict) -> HeadKey {
        let enhanced = v
            .enhanced_code
            .map_or(0, |e| 1 << 32 | u64::from(e.class) << 24 | u64::from(e.subject) << 16 | u64::from(e.detail));
        let reply = v.reply_code.map_or(0, |r| 1 << 16 | u64::from(r));
        let (tag, rule, item) = match v.decided_by.map(|e| e.source) {
            None => (0, 0, 0),
            Some(Source::Phrase { rule, phrase }) => (1, rule, phrase),
            Some(Source::Regex { rule, regex }) => (2, rule, regex),
            Some(Source::Enhanced { rule }) => (3, rule, 0),
            Some(Source::Reply { rule }) => (4, rule, 0),
        };
        HeadKey([enhanced | reply << 33 | tag << 50, u64::from(rule) << 32 | u64::from(item), u64::from(v.reason)])
    }

    /// The key's slot: a multiplicative hash.
    #[inline]
    fn slot(&self) -> usize {
        let [codes, evidence, reason] = self.0;
        let h = (codes ^ evidence.rotate_left(21) ^ reason.rotate_left(42)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> (64 - HEAD_BITS)) as usize
    }
}

impl JsonWriter {
    /// A writer for the verdicts of `engine`.
    pub fn new(engine: &Engine) -> JsonWriter {
        JsonWriter { engine: engine.clone(), heads: (0..1 << HEAD_BITS).map(|_| Head::default()).collect() }
    }

    /// Appends the record of `verdict`, a verdict of the writer's engine
    /// ([`Engine::verdict_with`]), as a JSON object and a newline: the same
    /// bytes as [`json_record`] with the verdict reported in the engine's
    /// profile.
    ///
    /// # Panics
    ///
    /// When `verdict` comes from other rules and names a reason or rule
    /// those the writer's engine lacks.
    pub fn verdict(&mut self, out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8], verdict: &Verdict) {
        if ctx.evidence_rule.is_some() {
            json_record(out, ctx, text, &self.engine.resolve(*verdict));
            return;
        }
        out.reserve(text.len() + 320);
        let key = HeadKey::of(verdict);
        let head = &mut self.heads[key.slot()];
        if head.key != Some(key) {
            let c = self.engine.resolve(*verdict);
            head.bytes.clear();
            answer_fields(&mut head.bytes, &c);
            code_fields(&mut head.bytes, &c);
            rule_field(&mut head.bytes, c.rule_path_line());
            head.key = Some(key);
        }
        out.extend_from_slice(&head.bytes);
        tail_fields(out, ctx, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_json_strings() {
        let mut out = Vec::new();
        json_str(&mut out, b"a\"b\\c\nd\x01e\xff");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\nd\\u0001e\u{fffd}\"");
    }

    #[test]
    fn json_records_carry_the_category_code_of_the_profile() {
        let engine = crate::Engine::embedded().unwrap().with_profile("sparkpost").unwrap();
        let text = b"host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)";
        let c = engine.classify_bytes(text, crate::Hints::default());
        let mut out = Vec::new();
        json_record(&mut out, &Context::default(), text, &c);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["category"], "Mailbox Full");
        assert_eq!(v["category_code"], 22);
        assert_eq!(v["kind"], "soft");
        assert_eq!(v["suppress"], false);
        let mixpanel = engine.with_profile("mixpanel").unwrap();
        let c = mixpanel.classify_bytes(text, crate::Hints::default());
        out.clear();
        json_record(&mut out, &Context::default(), text, &c);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["category"], "quota-issues");
        assert!(v["category_code"].is_null());
    }

    /// Every example reply of the shipped rules, under every profile and
    /// with odd hints and contexts, written by both writers: same bytes.
    /// Thousands of heads pass through each writer's 512 slots, so slots
    /// are overwritten as verdicts change.
    #[test]
    fn the_writer_writes_what_json_record_writes() {
        let base = crate::Engine::embedded().unwrap();
        let rules = base.rules();
        let mut texts: Vec<String> =
            rules.rules.iter().flat_map(|r| r.examples.iter().map(|e| e.text.to_string())).collect();
        texts.extend(["", "no codes at all", "4.4.7 \"quoted\" \\ \t tab é \u{1}"].map(String::from));
        let mut engines = vec![base.clone()];
        engines.extend(rules.profiles.iter().map(|p| base.with_profile(&p.name).unwrap()));
        let odd = crate::EnhancedCode { class: 5, subject: 12, detail: 1234 };
        let hints = [
            crate::Hints::default(),
            crate::Hints { status: Some(odd), reply_code: Some(42) },
            crate::Hints { status: crate::EnhancedCode::parse("4.2.0"), reply_code: Some(1000) },
        ];
        let email = Context {
            file: Some("dir/a \"b\".eml"),
            recipient: Some("bob@example.org"),
            email_kind: Some("bounce"),
            message: Some(3),
            ..Context::default()
        };
        let from_rule = Context { evidence_rule: Some(("rules/x.toml", 7)), ..email };
        let mut scratch = crate::Scratch::new();
        let mut records = 0;
        for engine in &engines {
            let mut writer = JsonWriter::new(engine);
            let (mut fast, mut plain) = (Vec::new(), Vec::new());
            for text in &texts {
                for (i, &h) in hints.iter().enumerate() {
                    let verdict = engine.verdict_with(text.as_bytes(), h, &mut scratch);
                    let c = engine.classify_with(text.as_bytes(), h, &mut scratch);
                    let ctx = [Context::default(), email, from_rule][i];
                    writer.verdict(&mut fast, &ctx, text.as_bytes(), &verdict);
                    json_record(&mut plain, &ctx, text.as_bytes(), &c);
                    records += 1;
                }
            }
            assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&plain));
            for line in fast.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                serde_json::from_slice::<serde_json::Value>(line).unwrap();
            }
        }
        assert!(records > 5000, "only {records} records");
    }

    #[test]
    fn plain_ascii_is_told_apart_at_every_position() {
        for len in 0..40 {
            let clean = vec![b'a'; len];
            assert!(is_plain_ascii(&clean));
            for at in 0..len {
                for bad in [b'"', b'\\', b'\n', 0x80, 0x1f, 0xff] {
                    let mut s = clean.clone();
                    s[at] = bad;
                    assert!(!is_plain_ascii(&s), "{bad:#x} at {at} of {len}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn json_strings_round_trip(s in "\\PC*", bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            for input in [s.as_bytes(), &bytes[..]] {
                let mut out = Vec::new();
                json_str(&mut out, input);
                let back: String = serde_json::from_slice(&out).unwrap();
                proptest::prop_assert_eq!(back, String::from_utf8_lossy(input).into_owned());
            }
        }
    }
}
