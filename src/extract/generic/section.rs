//! Where a bounce text's error section ends: at the line the rule files
//! mark as the start of the returned message, or where the returned
//! message's own header block starts (a trace header followed by more
//! header lines).

use crate::extract::spec::Spec;

/// Index of the first line of the returned message, or the number of lines,
/// with `lines` read from `more` as far as needed: up to six lines past the
/// one returned (what [`starts_header_block`] reads), or all of them.
pub(super) fn section_end<'t>(
    spec: &Spec,
    lines: &mut Vec<&'t str>,
    more: &mut impl Iterator<Item = &'t str>,
) -> usize {
    // Lines come without trailing blanks, so every blank line is empty and
    // reads as the empty line does.
    let mut blank_is_marker = None;
    let mut i = 0;
    loop {
        while lines.len() <= i + HEADER_LOOKAHEAD {
            let Some(line) = more.next() else { break };
            lines.push(line);
        }
        let Some(line) = lines.get(i) else { return lines.len() };
        let marker = if line.trim_start().is_empty() {
            *blank_is_marker.get_or_insert_with(|| spec.original.matches(""))
        } else {
            spec.original.matches(line)
        };
        if marker || starts_header_block(lines, i) {
            return i;
        }
        i += 1;
    }
}

/// How many lines after a trace header [`starts_header_block`] reads.
const HEADER_LOOKAHEAD: usize = 6;

/// Header names that only a message's own header block has.
const TRACE_HEADERS: &[&str] = &[
    "received",
    "return-path",
    "message-id",
    "dkim-signature",
    "x-received",
    "arc-seal",
    "authentication-results",
    "delivered-to",
    "x-google-smtp-source",
];

/// The name of the header field `line` starts, when it starts one.
fn header_name(line: &str) -> Option<&str> {
    // The name runs up to the first colon, so it is the leading run of name
    // bytes, directly followed by one.
    let len = line.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'-')).unwrap_or(line.len());
    (len > 0 && line.as_bytes().get(len) == Some(&b':')).then(|| &line[..len])
}

/// Whether a returned message's header block starts at line `i`: a trace
/// header at the start of a line, followed by more header lines.
pub(super) fn starts_header_block(lines: &[&str], i: usize) -> bool {
    let Some(name) = header_name(lines[i]) else { return false };
    if !TRACE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return false;
    }
    let mut headers = 1;
    for line in lines.iter().skip(i + 1).take(HEADER_LOOKAHEAD) {
        if line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            continue;
        }
        if header_name(line).is_some() {
            headers += 1;
        } else {
            break;
        }
    }
    headers >= 2
}
