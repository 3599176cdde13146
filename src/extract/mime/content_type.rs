//! `Content-Type` and `Content-Disposition` values read as `mail-parser`'s
//! `MessageStream::parse_content_type` reads them, for the common forms
//! only: `type/subtype; name=value; name="quoted value"`, folded or not.
//! Anything rarer (comments, escapes, RFC 2231 continuations, encoded
//! words) is left to `mail-parser`: [`parse`] answers `None` for it. The
//! property test below compares the two on generated values.

use std::borrow::Cow;

use mail_parser::{Attribute, ContentType, HeaderValue};

use super::plain::{utf8_lossy, utf8_lossy_owned};

/// [`CLASS`] bit: a byte some state reads differently from the bytes of a
/// token.
const SPECIAL: u8 = 1;
/// [`CLASS`] bit: an ASCII uppercase letter (names are lowercased).
const UPPER: u8 = 2;
/// [`CLASS`] bit: a byte outside ASCII (the token must be checked as UTF-8).
const HIGH: u8 = 4;

/// Each byte's class: [`SPECIAL`], [`UPPER`], [`HIGH`] or 0 (a plain token
/// byte), so that one pass over a token's run both finds its end and tells
/// what it holds.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let specials = b" \t\r\n/;=\"\\*(";
    let mut i = 0;
    while i < specials.len() {
        t[specials[i] as usize] = SPECIAL;
        i += 1;
    }
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = UPPER;
        c += 1;
    }
    let mut h = 0x80;
    while h < 256 {
        t[h] = HIGH;
        h += 1;
    }
    t
};

/// Where the reader is in a value.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Type,
    SubType,
    Name,
    Value,
    Quoted,
}

/// The reader's state besides [`State`], named as in `mail-parser`.
struct Reader<'x> {
    data: &'x [u8],
    /// Whether the token read so far may hold a byte outside ASCII (and
    /// must be checked as UTF-8 before it is borrowed as text).
    high: bool,
    state: State,
    c_type: Option<Cow<'x, str>>,
    c_subtype: Option<Cow<'x, str>>,
    name: Option<Cow<'x, str>>,
    attributes: Vec<Attribute<'x>>,
    /// One past the offset of the token's first byte; 0 when no token.
    token_start: usize,
    /// One past the offset of the token's last byte.
    token_end: usize,
    is_token_start: bool,
    is_lower_case: bool,
    remove_crlf: bool,
}

impl<'x> Reader<'x> {
    /// The bytes from `start` to `end` (the token read so far) as text, as
    /// `String::from_utf8_lossy` reads them, which is how `mail-parser`
    /// reads a token (it checks the whole value first, but a token between
    /// ASCII delimiters of a valid value is itself valid).
    fn token(&self, start: usize, end: usize) -> Cow<'x, str> {
        let bytes = &self.data[start..end];
        if self.high {
            return utf8_lossy(bytes);
        }
        debug_assert!(bytes.is_ascii());
        // SAFETY: every byte of the token is ASCII, which is valid UTF-8.
        // The token spans bytes read since the last `reset` (which clears
        // `high`): those that are not SPECIAL are read by the runs in
        // `parse`, which set `high` on any byte of class HIGH (all of
        // 0x80..=0xFF); the rest, added by `extend` or skipped over, are
        // SPECIAL bytes, all ASCII. `high` is false, so no byte is HIGH.
        Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) })
    }

    fn reset(&mut self) {
        self.token_start = 0;
        self.is_token_start = true;
        self.high = false;
    }

    /// The token read so far ends a type, subtype or parameter name.
    fn add_name(&mut self) -> bool {
        if self.token_start == 0 {
            return false;
        }
        let mut token = self.token(self.token_start - 1, self.token_end);
        if !self.is_lower_case {
            token.to_mut().make_ascii_lowercase();
            self.is_lower_case = true;
        }
        match self.state {
            State::Name => self.name = Some(token),
            State::Type => self.c_type = Some(token),
            _ => self.c_subtype = Some(token),
        }
        self.reset();
        true
    }

    /// The token read so far is the value of the parameter named last.
    fn add_value(&mut self) {
        if self.token_start == 0 {
            return;
        }
        let Some(name) = self.name.take() else { return };
        let raw = &self.data[self.token_start - 1..self.token_end];
        let value = if self.remove_crlf {
            self.remove_crlf = false;
            let bytes: Vec<u8> = raw.iter().filter(|&&c| c != b'\r' && c != b'\n').copied().collect();
            Cow::Owned(utf8_lossy_owned(bytes))
        } else {
            self.token(self.token_start - 1, self.token_end)
        };
        self.attributes.push(Attribute { name, value });
        self.reset();
    }

    /// A byte that extends the token, at offset `pos`.
    fn extend(&mut self, pos: usize) {
        self.is_token_start = false;
        if self.token_start == 0 {
            self.token_start = pos + 1;
        }
        self.token_end = pos + 1;
    }

    fn finish(self) -> HeaderValue<'x> {
        match self.c_type {
            Some(c_type) => HeaderValue::ContentType(ContentType {
                c_type,
                c_subtype: self.c_subtype,
                attributes: (!self.attributes.is_empty()).then_some(self.attributes),
            }),
            None => HeaderValue::Empty,
        }
    }
}

/// The value at the start of `data` (after the header's colon) and how many
/// bytes it takes, as `parse_content_type` reads them; `None` when the value
/// holds a form only `mail-parser` reads.
pub(super) fn parse(data: &[u8]) -> Option<(HeaderValue<'_>, usize)> {
    let mut r = Reader {
        data,
        high: false,
        state: State::Type,
        c_type: None,
        c_subtype: None,
        name: None,
        attributes: Vec::new(),
        token_start: 0,
        token_end: 0,
        is_token_start: true,
        is_lower_case: true,
        remove_crlf: false,
    };
    let mut pos = 0;
    while pos < data.len() {
        let ch = data[pos];
        if CLASS[ch as usize] & SPECIAL == 0 {
            // A run of bytes that only extend the token.
            let mut end = pos;
            let mut seen = 0;
            while let Some(&c) = data.get(end) {
                let class = CLASS[c as usize];
                if class & SPECIAL != 0 {
                    break;
                }
                seen |= class;
                end += 1;
            }
            if seen & UPPER != 0 && matches!(r.state, State::Type | State::SubType | State::Name) {
                r.is_lower_case = false;
            }
            r.high |= seen & HIGH != 0;
            r.is_token_start = false;
            if r.token_start == 0 {
                r.token_start = pos + 1;
            }
            r.token_end = end;
            pos = end;
            continue;
        }
        match (ch, r.state) {
            (b' ' | b'\t', state) => {
                r.is_token_start = true;
                if state == State::Quoted {
                    // Part of the quoted text, yet it ends a token.
                    if r.token_start == 0 {
                        r.token_start = pos + 1;
                    }
                    r.token_end = pos + 1;
                }
            }
            (b'\n', state) => {
                let next_is_space = matches!(data.get(pos + 1), Some(b' ' | b'\t'));
                match state {
                    State::Type | State::SubType | State::Name => {
                        r.add_name();
                    }
                    State::Value => r.add_value(),
                    State::Quoted if next_is_space => {
                        pos += 2;
                        r.remove_crlf = true;
                        continue;
                    }
                    State::Quoted => r.add_value(),
                }
                if !next_is_space {
                    return Some((r.finish(), pos + 1));
                }
                if state != State::Type {
                    r.state = State::Name;
                    pos += 1;
                    r.is_token_start = true;
                }
            }
            (b'/', State::Type) => {
                r.add_name();
                r.state = State::SubType;
            }
            (b';', State::Type | State::SubType | State::Name) => {
                r.add_name();
                r.state = State::Name;
            }
            (b';', State::Value) => {
                r.add_value();
                r.state = State::Name;
            }
            (b'=', State::Name) => {
                if r.add_name() {
                    r.state = State::Value;
                }
            }
            (b'=', State::Value | State::Quoted) if r.is_token_start && data.get(pos + 1) == Some(&b'?') => {
                return None
            }
            (b'"', State::Value) => {
                r.is_token_start = true;
                r.state = State::Quoted;
            }
            (b'"', State::Quoted) => {
                r.add_value();
                r.state = State::Name;
            }
            (b'"', _) | (b'\r', _) => {}
            (b'\\', State::Value | State::Quoted) => return None,
            (b'\\', _) => {}
            (b'*', State::Name) | (b'(', State::Type | State::SubType | State::Name | State::Value) => return None,
            _ => r.extend(pos),
        }
        pos += 1;
    }
    Some((HeaderValue::Empty, data.len()))
}

#[cfg(test)]
mod tests {
    use mail_parser::parsers::MessageStream;
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&[u8]] = &[
        b"text",
        b"/",
        b"plain",
        b"Multipart",
        b"REPORT",
        b";",
        b" ",
        b"\t",
        b"\n",
        b"\n ",
        b"\n\t",
        b"\r\n",
        b"charset",
        b"=",
        b"\"",
        b"utf-8",
        b"Boundary",
        b"report-type",
        b"x-y.z_1",
        b"*",
        b"\\",
        b"'",
        b"(",
        b")",
        b"=?",
        b"?=",
        "é".as_bytes(),
        b"a b",
        b"\xff",
        b"\xc3",
        b"\xe2\x82\xac",
        b"TEXT/Plain",
        b"Charset",
        b"US-ASCII",
        b"(comment)",
        b"*0",
        b"*0*",
    ];

    fn theirs(data: &[u8]) -> (HeaderValue<'_>, usize) {
        let mut s = MessageStream::new(data);
        let v = s.parse_content_type();
        (v, s.offset())
    }

    #[test]
    fn reads_common_forms() {
        for value in [
            " text/plain; charset=\"UTF-8\"\n",
            " multipart/report; report-type=delivery-status;\n\tboundary=\"b1/2=_x\"\nX: y\n",
            " Message/RFC822\n",
            " attachment;\n filename=\"a b.txt\"\n",
            " text/plain; name=\"long\n value\"\n",
        ] {
            let ours = parse(value.as_bytes());
            assert!(ours.is_some(), "{value:?}");
            assert_eq!(ours.unwrap(), theirs(value.as_bytes()), "{value:?}");
        }
        assert_eq!(parse(b" text/plain; name*=utf-8''a%20b\n"), None);
    }

    proptest! {
        #[test]
        fn agrees_with_mail_parser(pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..24)) {
            let value = pieces.concat();
            if let Some(ours) = parse(&value) {
                prop_assert_eq!(ours, theirs(&value));
            }
        }
    }
}
