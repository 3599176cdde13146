//! Each scan against the regex it replaces ([`DualRegex`], as the reply
//! reader searched before) and against the `regex` crate with ASCII classes.

use super::*;
use crate::lazy_regex::DualRegex;

const START: &str = r"(?:^|[\s:(<])([245]\d\d)-(\S)";
const ENHANCED: &str = r"^#?[245]\.\d{1,3}\.\d{1,3}\s+";
const INLINE: &str = r"(?:^|\s)([245]\d\d)-(#?[245]\.\d{1,3}\.\d{1,3}\s+)?";

/// Group `i` of the leftmost-first match of `pattern` in `s`, by the
/// `regex` crate over bytes with ASCII classes.
fn ascii(pattern: &str, s: &str, i: usize) -> Option<Option<Range<usize>>> {
    let re = regex::bytes::Regex::new(&format!("(?-u){pattern}")).unwrap();
    re.captures(s.as_bytes()).map(|c| c.get(i).map(|m| m.range()))
}

fn check(s: &str) {
    let start = DualRegex::new(START).captures(s).map(|c| c.get(1).map(|m| m.start()..m.start() + 3));
    match reply_start(s.as_bytes()) {
        Ok(got) => {
            assert_eq!(got, start.flatten(), "{s:?}");
            assert_eq!(got, ascii(START, s, 1).flatten(), "{s:?}");
        }
        Err(()) => assert!(s.as_bytes()[ascii(START, s, 2).flatten().unwrap().start] >= 0x80, "{s:?}"),
    }
    let enhanced = DualRegex::new(ENHANCED).find(s.as_bytes());
    assert_eq!(enhanced_at(s.as_bytes(), 0).map(|end| 0..end), enhanced, "{s:?}");
    let inline =
        DualRegex::new(INLINE).captures(s).map(|c| (c.get(1).map(|m| m.as_str()), c.get(2).map(|m| m.as_str())));
    let got = inline_continuation(s.as_bytes()).map(|(c, e)| (Some(&s[c]), e.map(|e| &s[e])));
    assert_eq!(got, inline, "{s:?}");
}

#[test]
fn scans_as_the_regexes_match() {
    for s in [
        "550-5.7.1 x",
        "x 421-4.7.0 y",
        "<550-x",
        "(550-x",
        "a:250-\u{a0}b",
        "250-\u{3000}",
        "550- x 550-y",
        "550-",
        "#5.1.1 x",
        "5.1.1\x0B",
        "5.1234.1 ",
        "4.22.333\t\t y",
        "x\x0B550-#5.1.10 \n",
        "5505-5.1.1 550-5.1.1x 450-4.4.4",
        "\u{a0}550-5.7.1 x",
        "",
    ] {
        check(s);
    }
}

proptest::proptest! {
    #[test]
    fn scans_match_the_regexes(s in "[245 0-9\t\x0B\n:(<#.a\\-\u{a0}\u{3000}é]{0,24}") {
        check(&s);
    }
}
