//! Rule sources (files on disk or embedded in the binary) and the diagnostics
//! that point into them as `path:line:column`.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub(crate) mod utf8;

/// One rule file's text, with the path used to name it in diagnostics and
/// explanations (`rules/phrases/recipient.toml`).
#[derive(Clone)]
pub struct SourceFile {
    /// Path as shown to users: the directory as given plus the relative path.
    pub path: String,
    /// The file's text: borrowed from the binary for an embedded rule file
    /// (see [`embedded_sources`]), owned for a file read from disk.
    pub text: Cow<'static, str>,
    /// The text embedded in this binary at build time, for a file of
    /// [`embedded_sources`] (see [`SourceFile::is_embedded`]).
    embedded: Option<&'static str>,
    /// Byte offset of the start of every line, for `line_col`: made the
    /// first time it is needed (rules decoded from a snapshot never need it).
    line_starts: OnceLock<Vec<usize>>,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile").field("path", &self.path).field("text", &self.text).finish_non_exhaustive()
    }
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &SourceFile) -> bool {
        self.path == other.path && self.text == other.text
    }
}

impl Eq for SourceFile {}

impl SourceFile {
    /// A source file from a display path and its text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile { path: path.into(), text: Cow::Owned(text.into()), embedded: None, line_starts: OnceLock::new() }
    }

    /// Whether this is one of the rule files embedded in the binary, as
    /// [`embedded_sources`] gives them, its text still the embedded one
    /// (the same bytes in the binary, not a copy or an edit): a text that
    /// cannot change without the binary changing, which the binary's
    /// identity already names (see [`crate::snapshot::SnapshotCache::key`]).
    pub fn is_embedded(&self) -> bool {
        matches!((&self.text, self.embedded), (Cow::Borrowed(t), Some(e)) if std::ptr::eq(*t, e))
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line_starts = self.line_starts.get_or_init(|| {
            std::iter::once(0).chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1)).collect()
        });
        let offset = offset.min(self.text.len());
        let line = line_starts.partition_point(|&start| start <= offset);
        let line_start = line_starts[line - 1];
        let column = 1 + String::from_utf8_lossy(&self.text.as_bytes()[line_start..offset]).chars().count();
        (line, column)
    }
}

/// Where something in the rules came from: a file (index into the rule set's
/// files) and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// Index of the file in [`crate::Rules::files`].
    pub file: u32,
    /// Byte offset of the item in that file.
    pub offset: u32,
    /// 1-based line of that offset, computed once at load time.
    pub line: u32,
}

impl Origin {
    /// The origin of byte `offset` of `file`, which is file number `index`.
    pub fn new(file: &SourceFile, index: u32, offset: usize) -> Origin {
        Origin { file: index, offset: offset as u32, line: file.line_col(offset).0 as u32 }
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something the rules can live with, but probably not what was meant.
    Warning,
    /// The rules cannot be used as they are.
    Error,
}

/// A problem found in a rule file, located as `path:line:column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Display path of the file.
    pub path: String,
    /// 1-based line (0 when the problem concerns the whole file or directory).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// An error at byte `offset` of `file`.
    pub fn error_at(file: &SourceFile, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(file, offset, Severity::Error, message)
    }

    /// A warning at byte `offset` of `file`.
    pub fn warning_at(file: &SourceFile, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(file, offset, Severity::Warning, message)
    }

    /// A diagnostic at byte `offset` of `file`.
    pub fn at(file: &SourceFile, offset: usize, severity: Severity, message: impl Into<String>) -> Diagnostic {
        let (line, column) = file.line_col(offset);
        Diagnostic { path: file.path.clone(), line, column, severity, message: message.into() }
    }

    /// An error about a whole path (a directory that cannot be read, say).
    pub fn error_path(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { path: path.into(), line: 0, column: 0, severity: Severity::Error, message: message.into() }
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {}: {}", self.path, level, self.message)
        } else {
            write!(f, "{}:{}:{}: {}: {}", self.path, self.line, self.column, level, self.message)
        }
    }
}

/// The rules could not be loaded: every problem found, not just the first.
#[derive(Debug, Clone)]
pub struct LoadError {
    /// All diagnostics, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        write!(f, "the rules have {errors} error(s)")?;
        for d in &self.diagnostics {
            write!(f, "\n{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// The rule files embedded in the binary at build time (the `rules/` directory).
pub static EMBEDDED: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/rules");

/// Every embedded rule file, named `rules/<relative path>`, in path order.
pub fn embedded_sources() -> Vec<SourceFile> {
    fn walk(dir: &include_dir::Dir<'static>, out: &mut Vec<SourceFile>) {
        for file in dir.files() {
            if is_rule_file(file.path()) {
                // Borrowed, not copied: the rules are about 440 KB, and a
                // start from a snapshot never reads most of them again.
                let bytes = file.contents();
                let text = match utf8::from_utf8(bytes) {
                    Ok(text) => Cow::Borrowed(text),
                    Err(_) => String::from_utf8_lossy(bytes),
                };
                let embedded = match text {
                    Cow::Borrowed(t) => Some(t),
                    Cow::Owned(_) => None,
                };
                let path = file.path();
                let path = path.to_str().map_or_else(|| path.to_string_lossy(), Cow::Borrowed);
                out.push(SourceFile { path: ["rules/", &path].concat(), text, embedded, line_starts: OnceLock::new() });
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&EMBEDDED, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Every `.toml` file under `dir` (recursively, hidden files and editor
/// leftovers skipped), named `dir/<relative path>`, in path order.
pub fn dir_sources(dir: &Path) -> Result<Vec<SourceFile>, LoadError> {
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    collect(dir, &mut paths, &mut problems);
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => out.push(SourceFile::new(path.display().to_string(), text)),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned();
                    let file = SourceFile::new(path.display().to_string(), text);
                    problems.push(Diagnostic::error_at(&file, at, "file is not valid UTF-8"));
                }
            },
            Err(e) => problems.push(Diagnostic::error_path(path.display().to_string(), format!("cannot read: {e}"))),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(LoadError { diagnostics: problems })
    }
}

fn collect(dir: &Path, paths: &mut Vec<PathBuf>, problems: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(Diagnostic::error_path(dir.display().to_string(), format!("cannot read directory: {e}")));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        // Follow symlinks deliberately: metadata(), not symlink_metadata().
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => collect(&path, paths, problems),
            Ok(meta) if meta.is_file() && is_rule_file(&path) => paths.push(path),
            Ok(_) => {}
            Err(e) => problems.push(Diagnostic::error_path(path.display().to_string(), format!("cannot read: {e}"))),
        }
    }
}

/// Whether a path names a rule file: `*.toml`, not hidden.
pub fn is_rule_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".toml") && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let f = SourceFile::new("a.toml", "ab\ncdé\nxyz");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col("ab\ncdé".len()), (2, 4));
        assert_eq!(f.line_col(999), (3, 4));
    }

    #[test]
    fn diagnostic_displays_path_line_column() {
        let f = SourceFile::new("rules/x.toml", "a = 1\nb = ?\n");
        let d = Diagnostic::error_at(&f, 10, "bad value");
        assert_eq!(d.to_string(), "rules/x.toml:2:5: error: bad value");
    }

    #[test]
    fn embedded_rules_are_present() {
        let files = embedded_sources();
        assert!(files.iter().any(|f| f.path == "rules/reasons.toml"));
    }

    #[test]
    fn embedded_rules_are_borrowed_and_marked() {
        let files = embedded_sources();
        assert!(files.iter().all(|f| f.is_embedded() && matches!(f.text, Cow::Borrowed(_))));
        let copy = SourceFile::new(files[0].path.clone(), files[0].text.to_string());
        assert!(!copy.is_embedded() && copy == files[0]);
        // An embedded file whose text is replaced is embedded no more, so
        // the snapshot key hashes its new text.
        let mut edited = files[0].clone();
        edited.text = Cow::Owned(format!("{} ", edited.text));
        assert!(!edited.is_embedded() && files[0].clone().is_embedded());
        edited.text = Cow::Borrowed("# another static text");
        assert!(!edited.is_embedded());
    }
}
