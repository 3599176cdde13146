//! What users hand to `rebound classify`: reply lines, single emails, mbox
//! files, maildirs and other directories, Postfix and Exim log lines, JSON
//! lines. [`detect`] tells them apart from their first bytes.

pub mod dir;
pub mod email;
pub mod json;
pub mod log;
pub mod mbox;

use std::fmt;
use std::path::{Path, PathBuf};

/// A kind of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Decide from the first bytes (directories: every file on its own).
    Auto,
    /// One reply per line.
    Lines,
    /// One email (`.eml`).
    Email,
    /// An mbox file of emails.
    Mbox,
    /// Postfix or Exim log lines (others are skipped).
    Log,
    /// JSON lines, the reply in a field (`--field`).
    Json,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Auto => "auto",
            Kind::Lines => "lines",
            Kind::Email => "email",
            Kind::Mbox => "mbox",
            Kind::Log => "log",
            Kind::Json => "json",
        })
    }
}

/// The kind of an input from its first bytes (a few kilobytes are plenty).
///
/// ```
/// use rebound::input::{detect, Kind};
/// assert_eq!(detect(b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nFrom: x\nSubject: y\n\n"), Kind::Mbox);
/// assert_eq!(detect(b"Return-Path: <>\nFrom: x\nSubject: y\n\nbody"), Kind::Email);
/// assert_eq!(detect(b"{\"reply\": \"550 5.1.1 unknown\"}\n"), Kind::Json);
/// assert_eq!(detect(b"Jan  1 00:00:00 mx postfix/smtp[1]: 1A2B: to=<a@b.c>, status=bounced (x)\n"), Kind::Log);
/// assert_eq!(detect(b"550 5.1.1 <a@b.c>: User unknown\n"), Kind::Lines);
/// ```
pub fn detect(head: &[u8]) -> Kind {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if mbox::looks_like(head) {
        return Kind::Mbox;
    }
    if email::looks_like(head) {
        return Kind::Email;
    }
    let first = head.split(|&b| b == b'\n').map(<[u8]>::trim_ascii).find(|l| !l.is_empty()).unwrap_or(b"");
    if first.starts_with(b"{") {
        return Kind::Json;
    }
    if head.split(|&b| b == b'\n').take(50).any(log::is_log_line) {
        return Kind::Log;
    }
    Kind::Lines
}

/// The files under `dir`, recursively, in path order (hidden files and
/// directories skipped). Maildirs (`cur/`, `new/`, `tmp/`) need nothing
/// special: every message is a file.
pub fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    Ok(dir::Listing::new(dir)?.files.into_iter().map(|e| e.path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b", "a-b", "a/x", "a/c/z", "a/c/y", "a.b", "c/.hidden", ".git/config", "a0"] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        let got = files_under(dir.path()).unwrap();
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted);
        let names: Vec<_> = got.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["a/c/y", "a/c/z", "a/x", "a-b", "a.b", "a0", "b"]);
    }
}
