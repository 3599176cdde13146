//! Reading the inputs of `report` and `suppress`: every kind `rebound
//! classify` reads (reply lines, emails, mbox files, maildirs and other
//! directories, Postfix and Exim logs, JSON lines, rebound's own JSON
//! output), one [`Record`] per bounced recipient, with a progress bar on
//! stderr for long inputs when stderr is a terminal.
//!
//! Each input's kind is detected from its first bytes ([`crate::input::detect`]);
//! emails are read by [`crate::extract`], log lines by [`crate::input::log`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::date;
use super::record::{Classifier, Origin, Record};
use crate::classify::Hints;
use crate::extract::EmailKind;
use crate::input::{self, log, mbox, Kind};
use crate::EnhancedCode;

/// Inputs smaller than this (in bytes) finish too fast to need a progress bar.
const PROGRESS_MIN_BYTES: u64 = 4 << 20;
/// Emails larger than this are not read (as `rebound classify`'s default).
const MAX_EMAIL_BYTES: u64 = 16 << 20;

/// One input that could not be read, and why.
#[derive(Debug)]
pub struct InputError {
    /// The path as named (or found under a named directory).
    pub path: String,
    /// What went wrong.
    pub error: io::Error,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.error)
    }
}

/// The files to read for `paths` (`-` is stdin; none means stdin), with
/// directories (maildirs included) expanded to the files under them in path
/// order, hidden ones skipped.
pub fn expand(paths: &[PathBuf], errors: &mut Vec<InputError>) -> Vec<PathBuf> {
    if paths.is_empty() {
        return vec![PathBuf::from("-")];
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            match input::files_under(path) {
                Ok(files) => out.extend(files),
                Err(error) => errors.push(InputError { path: path.display().to_string(), error }),
            }
        } else {
            out.push(path.clone());
        }
    }
    out
}

/// Reads every input, handing each record to `sink`. Inputs that cannot be
/// read are skipped and returned; the others are read in full.
pub fn read(classifier: &mut Classifier<'_>, paths: &[PathBuf], mut sink: impl FnMut(Record)) -> Vec<InputError> {
    let mut errors = Vec::new();
    let files = expand(paths, &mut errors);
    let progress = progress_bar(&files);
    for path in &files {
        let name = path.display().to_string();
        let result = if name == "-" {
            let reader = BufReader::with_capacity(64 * 1024, progress.wrap_read(io::stdin().lock()));
            read_input(classifier, &name, reader, &mut sink)
        } else {
            File::open(path).and_then(|f| {
                let reader = BufReader::with_capacity(64 * 1024, progress.wrap_read(f));
                read_input(classifier, &name, reader, &mut sink)
            })
        };
        if let Err(error) = result {
            errors.push(InputError { path: name, error });
        }
    }
    progress.finish_and_clear();
    errors
}

/// Reads one input of detected kind.
fn read_input(
    classifier: &mut Classifier<'_>,
    name: &str,
    mut reader: impl BufRead,
    sink: &mut impl FnMut(Record),
) -> io::Result<()> {
    match input::detect(reader.fill_buf()?) {
        Kind::Email => {
            let mut raw = Vec::new();
            reader.take(MAX_EMAIL_BYTES + 1).read_to_end(&mut raw)?;
            if raw.len() as u64 > MAX_EMAIL_BYTES {
                return Err(io::Error::other(format!("email over {MAX_EMAIL_BYTES} bytes, not read")));
            }
            email(classifier, name, &raw, sink);
            Ok(())
        }
        Kind::Mbox => {
            let mut raw = Vec::new();
            reader.read_to_end(&mut raw)?;
            for message in mbox::split(&raw) {
                email(classifier, name, message, sink);
            }
            Ok(())
        }
        Kind::Log => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            for_each_line(reader, |line| {
                if let Some(r) = log_line(classifier, name, &String::from_utf8_lossy(line), now) {
                    sink(r);
                }
            })
        }
        Kind::Json | Kind::Lines | Kind::Auto => for_each_line(reader, |line| sink(classifier.line(Some(name), line))),
    }
}

/// Calls `f` with every non-blank line, without its line ending.
fn for_each_line(mut reader: impl BufRead, mut f: impl FnMut(&[u8])) -> io::Result<()> {
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.iter().all(u8::is_ascii_whitespace) {
            f(text);
        }
    }
}

/// One record per recipient an email reports on; none for an email that is
/// not a bounce, a complaint or an automatic reply.
fn email(classifier: &mut Classifier<'_>, name: &str, raw: &[u8], sink: &mut impl FnMut(Record)) {
    let engine = classifier.engine();
    let report = engine.extract(raw);
    if report.kind == EmailKind::NotBounce {
        return;
    }
    let sent = mail_parser::MessageParser::new().parse_headers(raw).and_then(|m| m.date().map(|d| d.to_timestamp()));
    let mut answers = engine.answers(&report);
    // One record per recipient of an email: when the extractor reports one
    // twice (from the text and from the DSN part), the DSN's answer, which
    // carries the action, stands.
    answers.sort_by_key(|a| a.bounce.action.is_none());
    let mut seen: Vec<String> = Vec::new();
    answers.retain(|a| match a.bounce.recipient.as_deref().map(str::to_ascii_lowercase) {
        Some(r) if seen.contains(&r) => false,
        Some(r) => {
            seen.push(r);
            true
        }
        None => true,
    });
    for answer in answers {
        let b = answer.bounce;
        let origin = Origin {
            file: Some(name.to_string()),
            recipient: b.recipient.clone(),
            action: b.action.clone(),
            status: b.status.clone(),
            remote_mta: b.remote_mta.clone(),
            date: b.last_attempt.as_deref().and_then(date::parse).or(sent),
        };
        sink(Record::new(origin, b.diagnostic.as_bytes(), &answer.classification));
    }
}

/// A record from one MTA log line: a failed or deferred delivery, or a
/// successful one (Postfix `status=sent`, which resets soft-bounce counts);
/// `None` for other lines.
fn log_line(classifier: &mut Classifier<'_>, name: &str, line: &str, now: i64) -> Option<Record> {
    let date = date::parse_log_prefix(line, now);
    if let Some(b) = log::parse(line) {
        let hints = Hints { status: b.status.and_then(EnhancedCode::parse), reply_code: None };
        let origin = Origin {
            file: Some(name.to_string()),
            recipient: b.recipient.map(str::to_string),
            action: Some(b.action.to_string()),
            status: b.status.map(str::to_string),
            remote_mta: b.remote_mta.map(str::to_string),
            date,
        };
        return Some(classifier.classify(origin, b.diagnostic.as_bytes(), hints));
    }
    // Postfix: `to=<bob@example.org>, relay=..., dsn=2.0.0, status=sent (250 2.0.0 Ok)`.
    let at = line.find(" status=sent")?;
    let to = line.find(" to=<")? + " to=<".len();
    let recipient = line[to..].split('>').next().filter(|r| r.contains('@'))?;
    let reply = line[at..].split_once('(').map_or("", |(_, r)| r.trim_end().trim_end_matches(')'));
    let origin = Origin {
        file: Some(name.to_string()),
        recipient: Some(recipient.to_string()),
        action: Some("delivered".to_string()),
        date,
        ..Origin::default()
    };
    Some(classifier.classify(origin, reply.as_bytes(), Hints::default()))
}

/// A byte-counting bar over all files, or a spinner for stdin; hidden
/// unless stderr is a terminal and the input is long (or of unknown length).
fn progress_bar(files: &[PathBuf]) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let stdin = files.iter().any(|p| p.as_os_str() == "-");
    let total: u64 = files.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let bar = if stdin {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {bytes} read ({bytes_per_sec})").expect("valid template"),
        );
        bar
    } else if total >= PROGRESS_MIN_BYTES {
        let bar = ProgressBar::new(total);
        let template = "{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)";
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
        bar
    } else {
        return ProgressBar::hidden();
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar
}
