use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{HeaderName, MessageParser, PartType};
use proptest::prelude::*;

use super::plain::{ascii_as_itself, plain_ascii, ASCII_AS_ITSELF};
use super::*;

fn names(data: &[u8], headers: &[Header]) -> Vec<String> {
    headers.iter().map(|h| String::from_utf8_lossy(&data[h.name.clone()]).to_ascii_lowercase()).collect()
}

fn value<'a>(data: &'a [u8], h: &Header) -> &'a str {
    std::str::from_utf8(&data[h.value.clone()]).unwrap()
}

#[test]
fn locates_headers_as_mail_parser_does() {
    let raw = b"Subject: a\n b\nno colon here\n  X-Odd Name : z\n\nbody\n";
    let m = parse(raw).unwrap();
    let h = m.headers();
    assert_eq!(names(raw, h), ["subject", "x-odd name"]);
    assert_eq!(value(raw, &h[0]), " a\n b\n");
    assert_eq!(value(raw, &h[1]), " z\n");
    assert!(matches!(&m.parts[0].body, Body::Text(t) if t == "body\n"));
    assert!(header_block(b"\nTo: a@b.example\n").is_none());
    assert_eq!(header_block(b"To: a@b.example").map(|h| h.len()), Some(1));
}

#[test]
fn attached_message_is_located_not_decoded() {
    let raw = "From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; boundary=\"b\"\n\n--b\n\
        Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n--b\n\
        Content-Type: message/rfc822\n\nTo: bob@example.net\nContent-Type: multipart/alternative; boundary=c\n\n\
        --c\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n--c--\n--b--\n";
    let m = parse(raw.as_bytes()).unwrap();
    assert!(matches!(&m.parts[0].body, Body::Multipart(ids) if ids == &[1, 2]));
    assert!(matches!(&m.parts[1].body, Body::Text(t) if t == "Hello"));
    let Body::Message(nested) = &m.parts[2].body else { panic!("not a message: {:?}", m.parts[2].body) };
    assert_eq!(names(&nested.data, nested.headers()), ["to", "content-type"]);
    let raw_nested = nested.raw();
    assert!(raw_nested.starts_with(b"To: bob@example.net\n") && raw_nested.ends_with(b"--c--"));
    // The original's own part is walked past, not decoded.
    assert!(matches!(&nested.parts[1].body, Body::Binary(b) if b.is_empty()));
}

#[test]
fn encoded_attached_message_keeps_its_headers() {
    // "To: bob@example.net\n\nhi\n"
    let raw = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\
        Content-Transfer-Encoding: base64\n\nVG86IGJvYkBleGFtcGxlLm5ldAoKaGkK\n--b--\n";
    let m = parse(raw).unwrap();
    let Body::Message(nested) = &m.parts[1].body else { panic!("not a message: {:?}", m.parts[1].body) };
    assert_eq!(nested.raw(), b"To: bob@example.net\n\nhi\n");
    assert_eq!(names(&nested.data, nested.headers()), ["to"]);
}

#[test]
fn deeply_nested_messages_do_not_nest_the_tree() {
    let raw = "Content-Type: message/rfc822\n\n".repeat(20_000);
    let m = parse(raw.as_bytes()).unwrap();
    let Body::Message(nested) = &m.parts[0].body else { panic!("not a message") };
    assert!(nested.parts.iter().all(|p| !matches!(p.body, Body::Message(_))));
}

/// `mail-parser` set up as [`parse`] reads headers: the reference.
fn reference() -> MessageParser {
    MessageParser::new()
        .header_content_type(HeaderName::ContentType)
        .header_content_type(HeaderName::ContentDisposition)
        .header_text(HeaderName::ContentTransferEncoding)
        .default_header_ignore()
}

fn same_headers(ours: &[Header], theirs: &[mail_parser::Header<'_>]) -> bool {
    ours.len() == theirs.len()
        && ours.iter().zip(theirs).all(|(o, t)| o.value == (t.offset_start as usize..t.offset_end as usize))
}

/// Whether `parse` (one of [`parse`] and [`parse_decoding_all`]) reads
/// `raw` into the same top-level parts as `mail-parser` (attached messages:
/// the same headers and extent). Unless `all`, the bodies of the leaves
/// nobody reads may be left empty.
fn agrees(raw: &[u8], parse: fn(&[u8]) -> Option<Msg<'_>>, all: bool) -> Result<(), String> {
    let parser = reference();
    // mail-parser's debug assertions fire on some broken structures (where
    // it drops a parent message): no reference there.
    let Ok(theirs) = std::panic::catch_unwind(|| parser.parse(raw)) else { return Ok(()) };
    let (ours, theirs) = match (parse(raw), theirs) {
        (None, None) => return Ok(()),
        (Some(o), Some(t)) => (o, t),
        (o, t) => return Err(format!("ours {:?}, theirs {:?}", o.is_some(), t.is_some())),
    };
    if ours.parts.len() != theirs.parts.len() {
        return Err(format!("{} parts, mail-parser {}", ours.parts.len(), theirs.parts.len()));
    }
    for (i, (o, t)) in ours.parts.iter().zip(&theirs.parts).enumerate() {
        let (_, _, ty) = walk::mime_type(o.content_type.as_ref(), MimeType::Other);
        // A leaf nobody reads, not decoded: where it ends is all that is
        // the same (a part that does not decode turns into text).
        let ignored = !all && is_ignored(ty, o);
        let offsets = (o.offset_header, o.offset_body, o.offset_end, o.encoding);
        let mut expected = (t.offset_header as usize, t.offset_body as usize, t.offset_end as usize, t.encoding);
        if ignored {
            expected.3 = o.encoding;
        }
        let body = match (&o.body, &t.body) {
            (Body::Binary(a), _) if ignored => a.is_empty(),
            (Body::Multipart(a), PartType::Multipart(b)) => a.iter().map(|&x| x as u32).eq(b.iter().copied()),
            (Body::Text(a), PartType::Text(b)) => a == b,
            (Body::Html(a), PartType::Html(b)) => decoded_text(raw, o, a) == *b,
            (Body::Binary(a), PartType::Binary(b) | PartType::InlineBinary(b)) => {
                a == b || (!all && a.is_empty() && is_unread(ty, o.content_type.as_ref()))
            }
            (Body::Message(a), PartType::Message(b)) => {
                a.raw() == b.raw_message() && same_headers(a.headers(), b.headers())
            }
            _ => false,
        };
        // Only a message's own headers are kept.
        let headers = if i == 0 { same_headers(&o.headers, &t.headers) } else { o.headers.is_empty() };
        if offsets != expected || !body || !headers {
            return Err(format!("part {i}: ours {o:?}\ntheirs {t:?}"));
        }
    }
    Ok(())
}

const LINES: &[&str] = &[
    "From: a@b.example",
    "To: <c@d.example>",
    "Subject: =?utf-8?q?hi?=",
    "Content-Type: multipart/mixed; boundary=\"b1\"",
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b2",
    "Content-Type: multipart/digest; boundary=b3",
    "Content-Type: text/plain; charset=iso-8859-1",
    "Content-Type: text/html",
    "Content-Type: message/rfc822",
    "Content-Type: message/delivery-status",
    "Content-Type: image/png; name=x.png",
    "Content-Type: application/octet-stream",
    "Content-Transfer-Encoding: base64",
    "Content-Transfer-Encoding: quoted-printable",
    "Content-Transfer-Encoding:  Base64 \r",
    "Content-Transfer-Encoding: =?us-ascii?q?base64?=",
    "Content-Transfer-Encoding:",
    "Content-Disposition: attachment; filename=x.txt",
    "Content-Disposition: attachment; filename=x.png",
    " folded continuation",
    "\tContent-Type: text/plain",
    "",
    "",
    "--b1",
    "--b1--",
    "--b2",
    "--b2--",
    "--b3",
    "--b3--",
    "x--b2 inside a line",
    "SGVsbG8gd29ybGQ=",
    "!!not base64!!",
    "caf=E9 =",
    "a==b =4=",
    "plain text line",
    "<p>html</p>",
    "no colon line",
    "X-Odd : value",
    "\r",
    "é",
];

fn document() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(LINES), 0..40).prop_map(|l| l.join("\n"))
}

proptest! {
    #[test]
    fn agrees_with_mail_parser(doc in document()) {
        if let Err(e) = agrees(doc.as_bytes(), parse_decoding_all, true) {
            prop_assert!(false, "decoding all: {e}\non {doc:?}");
        }
        if let Err(e) = agrees(doc.as_bytes(), parse, false) {
            prop_assert!(false, "{e}\non {doc:?}");
        }
    }

    /// A header said not to be folded has no line end before its last
    /// byte: readers trim such a value instead of unfolding it.
    #[test]
    fn a_header_not_folded_is_one_line(doc in document()) {
        let data = doc.as_bytes();
        for h in header_block(data).unwrap_or_default() {
            let v = &data[h.value.clone()];
            prop_assert!(h.folded || !v[..v.len().saturating_sub(1)].contains(&b'\n'), "{:?} in {doc:?}", h);
        }
    }

    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let m = parse(&bytes);
        if let Some(m) = &m {
            for p in &m.parts {
                if let Body::Message(n) = &p.body {
                    let _ = n.raw();
                }
            }
        }
        let _ = header_block(&bytes);
    }
}

#[test]
fn ascii_is_read_as_itself_in_the_listed_charsets() {
    let ascii: Vec<u8> = (0u8..0x80).filter(|b| plain_ascii(&[*b])).collect();
    assert_eq!(ascii.len(), 125);
    for charset in ASCII_AS_ITSELF {
        assert!(ascii_as_itself(&charset.to_ascii_uppercase()));
        if let Some(decode) = charset_decoder(charset.as_bytes()) {
            assert_eq!(decode(&ascii).as_bytes(), ascii, "{charset}");
        }
    }
    assert!(!ascii_as_itself("utf-7") && !ascii_as_itself("utf-16"));
    assert!(!plain_ascii(b"\x1b$B") && !plain_ascii("é".as_bytes()));
}

proptest! {
    /// The sub-part list with its lone part 0 held in a flag gives the
    /// multipart bodies a plain list did (none when the list is `[0]`).
    #[test]
    fn sub_parts_agree_with_a_plain_list(ids in proptest::collection::vec(0usize..4, 0..6)) {
        let mut state = State::default();
        for &id in &ids {
            state.push_sub_part(id);
        }
        let plain = (ids.len() != 1 || ids[0] != 0).then(|| ids.clone());
        prop_assert_eq!(state.take_sub_parts(), plain);
    }
}

#[test]
fn boundary_is_borrowed_from_the_header() {
    let raw = b"Content-Type: multipart/mixed; boundary=\"b1\"; boundary=\"b2\"\n\n--b1\n\nx\n--b1--\n";
    let m = parse(raw).unwrap();
    let ct = m.parts[0].content_type.as_ref().unwrap();
    let b = boundary_of(ct).unwrap();
    assert!(matches!(b, Cow::Borrowed(_)));
    assert_eq!(&*b, b"b1");
    assert_eq!(ct.attribute("boundary").map(str::as_bytes), Some(&*b));
}

#[test]
fn leaves_nobody_reads_are_located_not_decoded() {
    let raw = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nHello\n--b\n\
        Content-Type: image/png; name=x.png\nContent-Disposition: attachment; filename=x.png\n\
        Content-Transfer-Encoding: base64\n\niVBORw0KGgo!!\n--b\n\
        Content-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGOD==\n--b\n\
        Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>caf=C3=A9</p>\n--b--\n";
    let (ours, all) = (parse(raw.as_bytes()).unwrap(), parse_decoding_all(raw.as_bytes()).unwrap());
    let ends = |m: &Msg<'_>| m.parts.iter().map(|p| (p.offset_body, p.offset_end)).collect::<Vec<_>>();
    assert_eq!(ends(&ours), ends(&all));
    // The attached file does not decode: text when decoded, dropped either way.
    assert!(matches!(&all.parts[2].body, Body::Text(_)));
    assert!(matches!(&ours.parts[2].body, Body::Binary(b) if b.is_empty()));
    // The inline image decodes: its bytes are not made.
    assert!(matches!(&all.parts[3].body, Body::Binary(b) if b.len() == 4));
    assert!(matches!(&ours.parts[3].body, Body::Binary(b) if b.is_empty()));
    let Body::Html(boundary) = &ours.parts[4].body else { panic!("not HTML: {:?}", ours.parts[4].body) };
    assert_eq!(decoded_text(raw.as_bytes(), &ours.parts[4], boundary), "<p>café</p>");
}
