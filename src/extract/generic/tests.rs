//! Tests of the generic reader.

use super::*;

proptest::proptest! {
    /// A line taken as it is reads as its words joined by single spaces.
    #[test]
    fn single_spaced_lines_join_as_they_are(line in "[a-z \t\u{b}\u{c}\r\u{a0}\u{3000}é.:-]{0,16}") {
        let t = line.trim();
        if single_spaced(t) {
            proptest::prop_assert_eq!(t.to_string(), t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        // The byte searches it replaced.
        let b = t.as_bytes();
        let searched = b.is_ascii()
            && !b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
            && !b.windows(2).any(|w| w == b"  ");
        proptest::prop_assert_eq!(single_spaced(t), searched);
    }
}

proptest::proptest! {
    /// The section and the rest read from lines split only as far as
    /// needed are those of all the lines split first (without markers,
    /// a section ends where a header block starts).
    #[test]
    fn reads_section_and_rest_as_from_all_lines(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec!["Received: x", "\tby y", "Subject: hi", "Date: now", "body: x", "plain", "  ", "", "\r", "\n", "\n", "\n"]),
            0..40,
        ),
    ) {
        let text = pieces.concat();
        let spec = Spec::default();
        let report = read(&spec, &text, &mut Known::default());
        let lines: Vec<&str> = dsn::lines(&text).map(str::trim_end).collect();
        let end = (0..lines.len()).find(|&i| starts_header_block(&lines, i)).unwrap_or(lines.len());
        let rest: Vec<&str> = lines[end..].iter().copied().skip_while(|l| !l.contains(':')).collect();
        proptest::prop_assert_eq!(report.section.len(), end);
        proptest::prop_assert_eq!(report.rest(), rest.join("\n"));
    }
}

#[test]
fn compares_addresses_lowercased() {
    assert!(same_lowercased("Bob@Example.org", "bob@example.ORG"));
    assert!(same_lowercased("\u{212a}im@x", "kim@x"), "the Kelvin sign lowercases to k");
    assert!(!same_lowercased("bob@x", "bob@y"));
}

#[test]
fn tells_single_spaced_lines() {
    assert!(single_spaced("550 5.1.1 user unknown"));
    assert!(!single_spaced("550  user") && !single_spaced("550\tuser") && !single_spaced("é x"));
}

#[test]
fn finds_header_blocks() {
    let lines = ["Received: from x", "\tby y", "Subject: hi", "", "body"];
    assert!(starts_header_block(&lines, 0));
    assert!(!starts_header_block(&["Subject: 'x'", "Date: now"], 0));
}
