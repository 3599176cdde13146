//! The raw, serde-shaped form of `[extract]` rule files, spans kept so that
//! later errors can name `path:line:column`. [`super::spec`] validates and
//! compiles them.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) extract: RawExtract,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExtract {
    pub(super) description: String,
    #[serde(default)]
    pub(super) source: String,
    /// The reason of every complaint.
    #[serde(default)]
    pub(super) feedback_reason: Option<Spanned<String>>,
    /// The reason of an auto-reply whose text says nothing more specific.
    #[serde(default)]
    pub(super) auto_reply_reason: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) original: Vec<Spanned<RawMarker>>,
    #[serde(default)]
    pub(super) boilerplate: Vec<Spanned<RawMarker>>,
    #[serde(default)]
    pub(super) recipient: Vec<Spanned<RawPattern>>,
    #[serde(default)]
    pub(super) command: Vec<Spanned<RawPattern>>,
    #[serde(default)]
    pub(super) remote_mta: Vec<Spanned<RawPattern>>,
    #[serde(default)]
    pub(super) bounce: Vec<Spanned<RawSignals>>,
    #[serde(default)]
    pub(super) auto_reply: Vec<Spanned<RawSignals>>,
    #[serde(default)]
    pub(super) feedback: Vec<Spanned<RawSignals>>,
    #[serde(default)]
    pub(super) evidence: Vec<Spanned<RawEvidence>>,
    #[serde(default)]
    pub(super) json: Vec<Spanned<RawJson>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJson {
    #[serde(default)]
    pub(super) envelope: String,
    pub(super) type_field: Vec<String>,
    #[serde(rename = "type")]
    pub(super) type_value: String,
    pub(super) kind: Spanned<String>,
    pub(super) list: String,
    #[serde(default)]
    pub(super) address: String,
    #[serde(default)]
    pub(super) action: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) diagnostic: String,
    #[serde(default)]
    pub(super) remote_mta: String,
    #[serde(default)]
    pub(super) reporting_mta: String,
    #[serde(default)]
    pub(super) feedback_type: String,
    #[serde(default)]
    pub(super) source: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMarker {
    #[serde(default)]
    pub(super) starts: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) contains: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) regex: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) examples: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPattern {
    pub(super) regex: Spanned<String>,
    /// For `[[extract.command]]`: the command when the regex has no `command` group.
    #[serde(default)]
    pub(super) command: Option<String>,
    /// For `[[extract.recipient]]`: the line itself says that delivery
    /// failed, so it is evidence of a bounce without any other sign.
    #[serde(default)]
    pub(super) strong: bool,
    /// For `[[extract.recipient]]`: where the lines about the recipient are,
    /// `after` the recipient line (the default) or `before` it (Sendmail
    /// transcripts, where `<address>... reason` closes its paragraph).
    #[serde(default)]
    pub(super) context: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) examples: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSignals {
    #[serde(default)]
    pub(super) subject: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) from: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) header: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) body: Vec<Spanned<String>>,
    /// Headers of the attached original message that name the recipient.
    #[serde(default)]
    pub(super) recipient_header: Vec<String>,
    #[serde(default)]
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvidence {
    pub(super) id: Spanned<String>,
    pub(super) reason: Spanned<String>,
    #[serde(default)]
    pub(super) subject: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) from: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) body: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) diagnostic: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) header: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) diagnostic_type: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) command: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) unless_command: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) when_reason: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) status: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) unless_status: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) below_priority: Option<i32>,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) source: String,
}
