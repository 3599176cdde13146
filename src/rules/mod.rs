//! Rule files: loading a directory (or the embedded rules) and validating it
//! into typed, immutable [`Rules`]. See `docs/rules.md` for the format.
//!
//! Loading collects every problem it finds, each located as
//! `path:line:column`, instead of stopping at the first.

mod schema;
pub mod source;
mod text;

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::code::CodePattern;
use crate::fold::fold_phrase;
use crate::profile::Profile;
pub(crate) use schema::{from_document, one_line, Document, RawRegex, RawRule};
pub use source::{Diagnostic, LoadError, Origin, Severity, SourceFile};
pub use text::Text;
pub(crate) use text::TextBuf;

/// Index of a reason in [`Rules::reasons`].
pub type ReasonId = u16;

/// What a bounce means for the sender, at the coarsest level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Permanent: do not retry; stop mailing the address.
    Hard,
    /// Temporary: retry later.
    Soft,
    /// The receiver blocks the sender (IP, domain, content); fix the sending side.
    Block,
    /// An administrative answer (subscription requests and the like).
    Admin,
    /// Not enough evidence to say.
    Undetermined,
    /// The message was delivered.
    Success,
    /// A spam complaint (feedback report).
    Complaint,
    /// An automatic reply, not a failure.
    AutoReply,
}

impl Kind {
    /// The name used in rule files and output (`hard`, `auto_reply`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hard => "hard",
            Kind::Soft => "soft",
            Kind::Block => "block",
            Kind::Admin => "admin",
            Kind::Undetermined => "undetermined",
            Kind::Success => "success",
            Kind::Complaint => "complaint",
            Kind::AutoReply => "auto_reply",
        }
    }
}

/// One reason of the vocabulary.
#[derive(Debug, Clone)]
pub struct Reason {
    /// `user_unknown`, `mailbox_full`, ...
    pub name: String,
    /// The default kind.
    pub kind: Kind,
    /// One sentence saying what it means.
    pub description: Text,
    /// Where it is defined.
    pub origin: Origin,
}

/// A real reply string embedded in a rule, which the whole ruleset must
/// classify as the rule's reason.
#[derive(Debug, Clone)]
pub struct Example {
    /// The reply.
    pub text: Text,
    /// Where it is written.
    pub origin: Origin,
}

/// A `[[code]]` rule.
#[derive(Debug, Clone)]
pub struct CodeRule {
    /// The code or pattern.
    pub pattern: CodePattern,
    /// The reason it points to.
    pub reason: ReasonId,
    /// Its priority.
    pub priority: i32,
    /// What the code means.
    pub description: Text,
    /// Real replies carrying this code.
    pub examples: Vec<Example>,
    /// Where the meaning and examples come from.
    pub source: Text,
    /// Where the rule is written.
    pub origin: Origin,
}

/// One phrase of a phrase rule.
#[derive(Debug, Clone)]
pub struct Phrase {
    /// As written in the file.
    pub text: Text,
    /// Folded and ASCII-lowercased, as matched.
    pub folded: Text,
    /// Where it is written.
    pub origin: Origin,
}

/// One regex of a phrase rule.
#[derive(Debug, Clone)]
pub struct RegexSpec {
    /// The pattern (compiled case-insensitively).
    pub pattern: String,
    /// The literal the automaton must find before the regex runs, when given.
    pub literal: Option<String>,
    /// Literals the text must also hold before the regex runs, derived from
    /// the pattern by [`crate::CompiledRules::new`] (empty until then).
    pub requires: crate::compile::Requires,
    /// Where it is written.
    pub origin: Origin,
}

/// A `[[rule]]`: phrases and regexes pointing to one reason.
#[derive(Debug, Clone)]
pub struct PhraseRule {
    /// Its id (given, or `file:line`).
    pub id: Text,
    /// The reason it points to.
    pub reason: ReasonId,
    /// Its priority.
    pub priority: i32,
    /// Its phrases.
    pub phrases: Vec<Phrase>,
    /// Its regexes.
    pub regexes: Vec<RegexSpec>,
    /// Real replies it must classify as its reason.
    pub examples: Vec<Example>,
    /// Where the wordings come from.
    pub source: Text,
    /// What the rule is about, when given.
    pub description: Text,
    /// Where the rule is written.
    pub origin: Origin,
    /// `Some(p)` when the rule comes from profile `p` and applies only there.
    pub profile: Option<u16>,
    /// For a profile's rule: the category of that profile it reports,
    /// whatever the profile's `[map]` says for its reason.
    pub category: Option<u16>,
}

/// Settings of the `[engine]` table.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// The profile used when none is asked for.
    pub default_profile: Option<String>,
    /// The reason given when there is no evidence.
    pub undetermined: ReasonId,
}

/// A validated rule set: everything loaded from a rules directory, with
/// references resolved. Compile it with [`crate::CompiledRules::new`].
#[derive(Debug, Clone)]
pub struct Rules {
    /// The files read, in path order; [`Origin::file`] indexes this.
    pub files: Vec<SourceFile>,
    /// Engine settings.
    pub engine: EngineSettings,
    /// The reason vocabulary; [`ReasonId`] indexes this.
    pub reasons: Vec<Reason>,
    /// Status code rules.
    pub codes: Vec<CodeRule>,
    /// Phrase and regex rules, in file order.
    pub rules: Vec<PhraseRule>,
    /// Taxonomy profiles.
    pub profiles: Vec<Profile>,
    /// Indices of files holding an `[extract]` table (read by the extractor).
    pub extract_files: Vec<u32>,
    /// Indices of files holding `[[provider]]` tables (read by the report).
    pub provider_files: Vec<u32>,
    /// Warnings found while loading (errors make loading fail).
    pub warnings: Vec<Diagnostic>,
}

/// Default priority of a `[[rule]]`.
pub const DEFAULT_RULE_PRIORITY: i32 = 60;
/// Default priority of a `[[code]]` rule.
pub const DEFAULT_CODE_PRIORITY: i32 = 50;

impl Rules {
    /// The rules embedded in the binary (this repository's `rules/`).
    pub fn embedded() -> Result<Rules, LoadError> {
        Rules::from_sources(source::embedded_sources())
    }

    /// Loads every `.toml` file under `dir`.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Rules, LoadError> {
        Rules::from_sources(source::dir_sources(dir.as_ref())?)
    }

    /// Loads rules from files already read.
    pub fn from_sources(files: Vec<SourceFile>) -> Result<Rules, LoadError> {
        let mut loader = Loader { diags: Vec::new(), reason_ids: HashMap::new() };
        loader.load(files)
    }

    /// The id of the reason called `name`.
    pub fn reason_id(&self, name: &str) -> Option<ReasonId> {
        self.reasons.iter().position(|r| r.name == name).map(|i| i as ReasonId)
    }

    /// The reason with id `id`.
    pub fn reason(&self, id: ReasonId) -> &Reason {
        &self.reasons[usize::from(id)]
    }

    /// `path:line` of an origin, as shown in output and explanations.
    pub fn location(&self, origin: Origin) -> String {
        format!("{}:{}", self.files[origin.file as usize].path, origin.line)
    }

    /// A diagnostic at an origin.
    pub fn diagnostic(&self, origin: Origin, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(&self.files[origin.file as usize], origin.offset as usize, severity, message)
    }
}

struct Loader {
    diags: Vec<Diagnostic>,
    reason_ids: HashMap<String, ReasonId>,
}

enum FileKind<'a> {
    Rules(schema::RawRuleFile),
    Profile(Document<'a>),
    Extract,
    Providers,
}

impl Loader {
    fn load(&mut self, files: Vec<SourceFile>) -> Result<Rules, LoadError> {
        // Pass 1: parse every file and sort it by its top-level tables.
        let mut parsed = Vec::with_capacity(files.len());
        for (kind, diag) in classify_files(&files) {
            self.diags.extend(diag);
            parsed.push(kind);
        }
        // Pass 2: the vocabulary, which everything else refers to.
        let mut reasons = Vec::new();
        for (fi, kind) in parsed.iter().enumerate() {
            if let Some(FileKind::Rules(raw)) = kind {
                for r in &raw.reason {
                    self.add_reason(&files[fi], fi as u32, r, &mut reasons);
                }
            }
        }
        if reasons.is_empty() {
            self.diags.push(Diagnostic::error_path(
                "rules",
                "no [[reason]] is defined anywhere (the vocabulary is usually rules/reasons.toml)",
            ));
        }
        // Pass 3: engine settings, codes, rules, profiles.
        let mut engine = None;
        let mut codes = Vec::new();
        let mut rules = Vec::new();
        let mut profiles = Vec::new();
        let mut extract_files = Vec::new();
        let mut provider_files = Vec::new();
        let mut rule_ids: HashMap<String, Origin> = HashMap::new();
        for (fi, kind) in parsed.into_iter().enumerate() {
            let file = &files[fi];
            let fi = fi as u32;
            match kind {
                None => {}
                Some(FileKind::Extract) => extract_files.push(fi),
                Some(FileKind::Providers) => provider_files.push(fi),
                Some(FileKind::Profile(doc)) => {
                    let index = profiles.len() as u16;
                    if let Some(parsed) =
                        crate::profile::parse(file, doc, fi, &self.reason_ids, &reasons, &profiles, &mut self.diags)
                    {
                        for (raw, category) in &parsed.rules {
                            if let Some(mut rule) = self.phrase_rule(file, fi, raw, Some(index), &mut rule_ids) {
                                rule.category = *category;
                                rules.push(rule);
                            }
                        }
                        profiles.push(parsed.profile);
                    }
                }
                Some(FileKind::Rules(raw)) => {
                    if let Some(e) = raw.engine {
                        if engine.is_some() {
                            self.diags.push(Diagnostic::error_at(
                                file,
                                e.span().start,
                                "a second [engine] table; there must be exactly one",
                            ));
                        } else {
                            engine = Some((fi, e));
                        }
                    }
                    for c in &raw.code {
                        if let Some(rule) = self.code_rule(file, fi, c) {
                            codes.push(rule);
                        }
                    }
                    for r in &raw.rule {
                        if let Some(rule) = self.phrase_rule(file, fi, r, None, &mut rule_ids) {
                            rules.push(rule);
                        }
                    }
                }
            }
        }
        self.duplicate_codes(&files, &codes);
        let engine = self.engine_settings(&files, engine, &profiles);
        let has_errors = self.diags.iter().any(Diagnostic::is_error);
        match engine {
            Some(engine) if !has_errors => {
                let warnings = std::mem::take(&mut self.diags);
                Ok(Rules { files, engine, reasons, codes, rules, profiles, extract_files, provider_files, warnings })
            }
            _ => Err(LoadError { diagnostics: std::mem::take(&mut self.diags) }),
        }
    }

    fn add_reason(&mut self, file: &SourceFile, fi: u32, raw: &Spanned<schema::RawReason>, reasons: &mut Vec<Reason>) {
        let r = raw.get_ref();
        let name = r.name.get_ref();
        let at = r.name.span().start;
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.diags.push(Diagnostic::error_at(
                file,
                at,
                format!("reason name `{name}` must be lowercase letters, digits and `_`, starting with a letter"),
            ));
            return;
        }
        if self.reason_ids.contains_key(name) {
            self.diags.push(Diagnostic::error_at(file, at, format!("reason `{name}` is defined twice")));
            return;
        }
        self.reason_ids.insert(name.clone(), reasons.len() as ReasonId);
        let origin = Origin::new(file, fi, raw.span().start);
        reasons.push(Reason { name: name.clone(), kind: r.kind, description: r.description.clone().into(), origin });
    }

    /// Resolves a reason name, reporting an unknown one.
    fn reason(&mut self, file: &SourceFile, name: &Spanned<String>) -> Option<ReasonId> {
        match self.reason_ids.get(name.get_ref()) {
            Some(&id) => Some(id),
            None => {
                let mut known: Vec<&str> = self.reason_ids.keys().map(String::as_str).collect();
                known.sort_unstable();
                let hint =
                    closest(name.get_ref(), &known).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
                self.diags.push(Diagnostic::error_at(
                    file,
                    name.span().start,
                    format!("unknown reason `{}`{hint}", name.get_ref()),
                ));
                None
            }
        }
    }

    fn priority(&mut self, file: &SourceFile, p: &Option<Spanned<i64>>, default: i32) -> i32 {
        match p {
            None => default,
            Some(p) if (0..=1000).contains(p.get_ref()) => *p.get_ref() as i32,
            Some(p) => {
                self.diags.push(Diagnostic::error_at(file, p.span().start, "priority must be between 0 and 1000"));
                default
            }
        }
    }

    fn examples(file: &SourceFile, fi: u32, raw: &[Spanned<String>]) -> Vec<Example> {
        raw.iter()
            .map(|e| Example { text: e.get_ref().clone().into(), origin: Origin::new(file, fi, e.span().start) })
            .collect()
    }

    fn code_rule(&mut self, file: &SourceFile, fi: u32, raw: &Spanned<schema::RawCode>) -> Option<CodeRule> {
        let c = raw.get_ref();
        let pattern = match CodePattern::parse(c.code.get_ref()) {
            Ok(p) => Some(p),
            Err(msg) => {
                self.diags.push(Diagnostic::error_at(file, c.code.span().start, msg));
                None
            }
        };
        let reason = self.reason(file, &c.reason);
        let priority = self.priority(file, &c.priority, DEFAULT_CODE_PRIORITY);
        Some(CodeRule {
            pattern: pattern?,
            reason: reason?,
            priority,
            description: c.description.clone().into(),
            examples: Self::examples(file, fi, &c.examples),
            source: c.source.clone().into(),
            origin: Origin::new(file, fi, raw.span().start),
        })
    }

    pub(crate) fn phrase_rule(
        &mut self,
        file: &SourceFile,
        fi: u32,
        raw: &Spanned<RawRule>,
        profile: Option<u16>,
        ids: &mut HashMap<String, Origin>,
    ) -> Option<PhraseRule> {
        let r = raw.get_ref();
        let origin = Origin::new(file, fi, raw.span().start);
        let reason = self.reason(file, &r.reason);
        let priority = self.priority(file, &r.priority, DEFAULT_RULE_PRIORITY);
        let id = match &r.id {
            Some(id) => {
                if let Some(prev) = ids.get(id.get_ref()) {
                    let line = if prev.file == fi {
                        format!(" at line {}", file.line_col(prev.offset as usize).0)
                    } else {
                        " in another file".to_string()
                    };
                    self.diags.push(Diagnostic::error_at(
                        file,
                        id.span().start,
                        format!("rule id `{}` is already used{line}", id.get_ref()),
                    ));
                }
                ids.insert(id.get_ref().clone(), origin);
                id.get_ref().clone()
            }
            None => format!("{}:{}", file.path, file.line_col(raw.span().start).0),
        };
        let mut phrases = Vec::with_capacity(r.phrases.len());
        for p in &r.phrases {
            let folded = fold_phrase(p.get_ref());
            if folded.is_empty() {
                self.diags.push(Diagnostic::error_at(file, p.span().start, "empty phrase"));
                continue;
            }
            // The folded form is most often the phrase itself: one buffer.
            let text = Text::from(p.get_ref().clone());
            let folded = if folded == *text { text.clone() } else { folded.into() };
            phrases.push(Phrase { text, folded, origin: Origin::new(file, fi, p.span().start) });
        }
        let regexes: Vec<RegexSpec> = r
            .regex
            .iter()
            .map(|x| {
                let (pattern, literal) = match x.get_ref() {
                    RawRegex::Pattern(p) => (p.clone(), None),
                    RawRegex::Full { pattern, literal } => (pattern.clone(), literal.clone()),
                };
                RegexSpec {
                    pattern,
                    literal,
                    requires: Default::default(),
                    origin: Origin::new(file, fi, x.span().start),
                }
            })
            .collect();
        if let (Some(c), None) = (&r.category, profile) {
            self.diags.push(Diagnostic::error_at(
                file,
                c.span().start,
                "only a profile's own rules may name a `category`; other rules name a `reason`",
            ));
        }
        if r.phrases.is_empty() && regexes.is_empty() {
            self.diags.push(Diagnostic::error_at(file, raw.span().start, "rule has neither `phrases` nor `regex`"));
        }
        if r.examples.is_empty() {
            self.diags.push(Diagnostic::error_at(
                file,
                raw.span().start,
                "rule has no `examples`: give at least one real reply it must classify",
            ));
        }
        Some(PhraseRule {
            id: id.into(),
            reason: reason?,
            priority,
            phrases,
            regexes,
            examples: Self::examples(file, fi, &r.examples),
            source: r.source.clone().into(),
            description: r.description.clone().into(),
            origin,
            profile,
            category: None,
        })
    }

    fn duplicate_codes(&mut self, files: &[SourceFile], codes: &[CodeRule]) {
        let mut seen: HashMap<CodePattern, &CodeRule> = HashMap::new();
        for c in codes {
            if let Some(prev) = seen.get(&c.pattern) {
                let prev_file = &files[prev.origin.file as usize];
                let (line, _) = prev_file.line_col(prev.origin.offset as usize);
                let file = &files[c.origin.file as usize];
                self.diags.push(Diagnostic::error_at(
                    file,
                    c.origin.offset as usize,
                    format!("code `{}` already has a rule at {}:{}", c.pattern, prev_file.path, line),
                ));
            } else {
                seen.insert(c.pattern, c);
            }
        }
    }

    fn engine_settings(
        &mut self,
        files: &[SourceFile],
        engine: Option<(u32, Spanned<schema::RawEngine>)>,
        profiles: &[Profile],
    ) -> Option<EngineSettings> {
        let Some((fi, e)) = engine else {
            self.diags.push(Diagnostic::error_path("rules", "no [engine] table (it is usually in rules/engine.toml)"));
            return None;
        };
        let file = &files[fi as usize];
        let e = e.into_inner();
        let undetermined = self.reason(file, &e.undetermined)?;
        if let Some(name) = &e.default_profile {
            if !profiles.iter().any(|p| &p.name == name.get_ref()) {
                let known: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
                self.diags.push(Diagnostic::error_at(
                    file,
                    name.span().start,
                    format!("default profile `{}` is not defined (known: {})", name.get_ref(), known.join(", ")),
                ));
            }
        }
        Some(EngineSettings { default_profile: e.default_profile.map(Spanned::into_inner), undetermined })
    }
}

/// Parses a file once and sorts it by its top-level tables; a problem
/// found on the way comes as a diagnostic.
fn classify_file(file: &SourceFile) -> (Option<FileKind<'_>>, Option<Diagnostic>) {
    let doc = match schema::document(file) {
        Ok(d) => d,
        Err(d) => return (None, Some(d)),
    };
    if schema::has_key(&doc, "profile") {
        return (Some(FileKind::Profile(doc)), None);
    }
    if schema::has_key(&doc, "extract") {
        return (Some(FileKind::Extract), None);
    }
    if schema::has_key(&doc, "provider") {
        return (Some(FileKind::Providers), None);
    }
    if doc.get_ref().is_empty() {
        return (None, Some(Diagnostic::warning_at(file, 0, "file holds no rules")));
    }
    match schema::from_document::<schema::RawRuleFile>(file, doc) {
        Ok(raw) => (Some(FileKind::Rules(raw)), None),
        Err(d) => (None, Some(d)),
    }
}

/// Rule sets smaller than this (in bytes) are parsed on one thread.
const PARALLEL_PARSE_BYTES: usize = 64 * 1024;

/// [`classify_file`] for every file, in order: on two threads when there
/// are two cores and enough text (the files split into halves by size).
fn classify_files(files: &[SourceFile]) -> Vec<(Option<FileKind<'_>>, Option<Diagnostic>)> {
    let total: usize = files.iter().map(|f| f.text.len()).sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if total < PARALLEL_PARSE_BYTES || cores < 2 || files.len() < 2 {
        return files.iter().map(classify_file).collect();
    }
    let mut seen = 0;
    let split = files
        .iter()
        .position(|f| {
            seen += f.text.len();
            seen >= total / 2
        })
        .map_or(files.len(), |i| i + 1);
    let (first, second) = files.split_at(split);
    std::thread::scope(|s| {
        let other = s.spawn(|| second.iter().map(classify_file).collect::<Vec<_>>());
        let mut out: Vec<_> = first.iter().map(classify_file).collect();
        out.extend(other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        out
    })
}

/// The known name closest to `name` by edit distance, when it is close enough
/// to be a likely typo.
pub(crate) fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    known.iter().map(|k| (distance(name, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 4)).min().map(|(_, k)| k)
}
