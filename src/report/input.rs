//! Reading the inputs of `report` and `suppress`: files, directories (every
//! file under them, in path order) and stdin, one record per non-blank line,
//! with a progress bar on stderr for long inputs when stderr is a terminal.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::record::{Classifier, Record};

/// Inputs smaller than this (in bytes) finish too fast to need a progress bar.
const PROGRESS_MIN_BYTES: u64 = 4 << 20;

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
/// directories expanded to the files under them in path order.
pub fn expand(paths: &[PathBuf], errors: &mut Vec<InputError>) -> Vec<PathBuf> {
    if paths.is_empty() {
        return vec![PathBuf::from("-")];
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out, errors);
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<InputError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => return errors.push(InputError { path: dir.display().to_string(), error }),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, errors);
        } else {
            out.push(p);
        }
    }
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
            read_lines(classifier, &name, progress.wrap_read(io::stdin().lock()), &mut sink)
        } else {
            File::open(path).and_then(|f| {
                let reader = BufReader::with_capacity(64 * 1024, progress.wrap_read(f));
                read_lines(classifier, &name, reader, &mut sink)
            })
        };
        if let Err(error) = result {
            errors.push(InputError { path: name, error });
        }
    }
    progress.finish_and_clear();
    errors
}

fn read_lines(
    classifier: &mut Classifier<'_>,
    name: &str,
    mut reader: impl BufRead,
    sink: &mut impl FnMut(Record),
) -> io::Result<()> {
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.iter().all(u8::is_ascii_whitespace) {
            sink(classifier.line(Some(name), text));
        }
    }
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
