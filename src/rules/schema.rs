//! The raw, serde-shaped form of rule files, with spans kept so that every
//! later error can name `path:line:column`.

use serde::Deserialize;
use toml::Spanned;

/// A rule file holding any of `[engine]`, `[[reason]]`, `[[code]]`, `[[rule]]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuleFile {
    pub engine: Option<Spanned<RawEngine>>,
    #[serde(default)]
    pub reason: Vec<Spanned<RawReason>>,
    #[serde(default)]
    pub code: Vec<Spanned<RawCode>>,
    #[serde(default)]
    pub rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEngine {
    pub default_profile: Option<Spanned<String>>,
    pub undetermined: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReason {
    pub name: Spanned<String>,
    pub kind: crate::Kind,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCode {
    pub code: Spanned<String>,
    pub reason: Spanned<String>,
    pub priority: Option<Spanned<i64>>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub examples: Vec<Spanned<String>>,
    #[serde(default)]
    pub source: String,
}

/// A `[[rule]]` table: phrases and regexes that point to one reason. Also used
/// by profile files for their own evidence rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: Option<Spanned<String>>,
    pub reason: Spanned<String>,
    pub priority: Option<Spanned<i64>>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Vec<Spanned<RawRegex>>,
    #[serde(default)]
    pub examples: Vec<Spanned<String>>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub description: String,
    /// Only in profile files: the profile's category this rule reports.
    pub category: Option<Spanned<String>>,
}

/// A regex given as a bare pattern or as `{ pattern, literal }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawRegex {
    Pattern(String),
    Full { pattern: String, literal: Option<String> },
}

/// A TOML document parsed once, keeping the span of every key and value,
/// borrowing its strings from the file's text where it can.
pub(crate) type Document<'a> = toml::Spanned<toml::de::DeTable<'a>>;

/// Parses a TOML document into its spanned table, turning a TOML error into
/// a diagnostic at the place it names. Deserialize it with [`from_document`].
pub(crate) fn document(file: &super::SourceFile) -> Result<Document<'_>, super::Diagnostic> {
    toml::de::DeTable::parse(&file.text).map_err(|e| error(file, &e))
}

/// Whether a document has the top-level key `key`.
pub(crate) fn has_key(doc: &Document<'_>, key: &str) -> bool {
    doc.get_ref().keys().any(|k| k.get_ref() == key)
}

/// Deserializes an already parsed document of `file` into `T`, turning a
/// schema error into a diagnostic at the place it names.
pub(crate) fn from_document<T: for<'de> Deserialize<'de>>(
    file: &super::SourceFile,
    doc: Document<'_>,
) -> Result<T, super::Diagnostic> {
    T::deserialize(toml::de::Deserializer::from(doc)).map_err(|e| error(file, &e))
}

fn error(file: &super::SourceFile, e: &toml::de::Error) -> super::Diagnostic {
    let offset = e.span().map_or(0, |s| s.start);
    super::Diagnostic::error_at(file, offset, one_line(e.message()))
}

/// A TOML error message on one line (`invalid array; expected `]``).
pub(crate) fn one_line(message: &str) -> String {
    message.trim().lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}
