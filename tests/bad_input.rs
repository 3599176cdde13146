//! Input that is not a tidy reply: classified lossily, never a panic.

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;

/// The shipped rules, compiled once for all tests of this file.
fn engine() -> &'static rebound::Engine {
    static ENGINE: std::sync::OnceLock<rebound::Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| rebound::Engine::embedded().expect("the shipped rules load"))
}

#[test]
fn invalid_utf8_is_classified_lossily() {
    let e = engine();
    let c = e.classify_bytes(b"550 5.1.1 \xff\xfe user \xc3\x28 unknown", rebound::Hints::default());
    assert_eq!(c.enhanced_code.map(|e| e.to_string()).as_deref(), Some("5.1.1"));
    assert_eq!(c.reply_code, Some(550));
}

#[test]
fn empty_and_blank_input_is_undetermined() {
    let e = engine();
    for text in ["", " ", "\t\r\n"] {
        let c = e.classify(text);
        assert_eq!(c.reason.name, e.rules().reason(e.rules().engine.undetermined).name);
        assert!(c.enhanced_code.is_none() && c.reply_code.is_none());
    }
}

#[test]
fn a_ten_megabyte_line_is_classified() {
    let mut text = b"550 5.2.2 ".to_vec();
    text.extend(std::iter::repeat_n(b"mailbox ".as_slice(), 10 * 1024 * 1024 / 8).flatten());
    let e = engine();
    let c = e.classify_bytes(&text, rebound::Hints::default());
    assert_eq!(c.enhanced_code.map(|e| e.to_string()).as_deref(), Some("5.2.2"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let e = engine();
        let c = e.classify_bytes(&bytes, rebound::Hints::default());
        prop_assert!(!c.reason.name.is_empty());
        let (evidence, c2) = e.explain(&bytes, rebound::Hints::default());
        prop_assert_eq!(c.reason.name.as_str(), c2.reason.name.as_str());
        prop_assert_eq!(evidence.is_empty(), c.verdict.decided_by.is_none());
    }

    #[test]
    fn reply_like_text_never_panics(text in "[0-9. a-zA-Z<>@:\\-\\[\\]()]{0,200}") {
        let _ = engine().classify(&text);
    }
}

#[test]
fn the_cli_answers_every_line_of_garbage_with_one_record() {
    let mut input = Vec::new();
    input.extend_from_slice(b"550 5.1.1 user unknown\n");
    input.extend_from_slice(b"\x00\x01\x02\xff\xfe binary \x1b[31m junk\n");
    input.extend_from_slice(b"\n   \n");
    input.extend_from_slice(b"\xc3\x28 invalid utf-8 421 4.7.0 try later\r\n");
    input.extend_from_slice(b"no newline at the end");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(["classify", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("output is UTF-8 even for invalid input");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(v["reason"].is_string());
    }
    assert_eq!(serde_json::from_str::<serde_json::Value>(lines[2]).unwrap()["reply_code"], 421);
}
