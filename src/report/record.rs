//! [`Record`]: one classified bounce as the report and the suppression
//! policy see it, built from a reply line or from a JSON line (rebound's own
//! `classify --format json` output, or any JSON object with a `diagnostic`).

use serde::Deserialize;

use crate::classify::{Hints, Scratch, Verdict};
use crate::code::EnhancedCode;
use crate::rules::Kind;
use crate::{profile, Classification, Engine};

/// One classified bounce.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The input file it came from, `-` for stdin.
    pub file: Option<String>,
    /// The recipient the bounce is about.
    pub recipient: Option<String>,
    /// The DSN action (`failed`, `delayed`, `delivered`, ...).
    pub action: Option<String>,
    /// The DSN status as written.
    pub status: Option<String>,
    /// The remote MTA that answered.
    pub remote_mta: Option<String>,
    /// The reply text.
    pub diagnostic: String,
    /// The reason.
    pub reason: String,
    /// The reason's own kind in the vocabulary, whatever the profile makes
    /// of it (a delivery stays a delivery in a profile that has no
    /// category for it).
    pub reason_kind: Kind,
    /// The category in the active profile.
    pub category: String,
    /// The kind of that category.
    pub kind: Kind,
    /// Whether the category stops mailing the recipient at once.
    pub suppress: bool,
    /// The enhanced status code, as `5.1.1`.
    pub enhanced_code: Option<String>,
    /// The basic reply code.
    pub reply_code: Option<u16>,
    /// When it bounced, in Unix seconds.
    pub date: Option<i64>,
}

/// Where a record came from besides its text (all optional).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The input file, `-` for stdin.
    pub file: Option<String>,
    /// The recipient.
    pub recipient: Option<String>,
    /// The DSN action.
    pub action: Option<String>,
    /// The DSN status.
    pub status: Option<String>,
    /// The remote MTA.
    pub remote_mta: Option<String>,
    /// The date, in Unix seconds.
    pub date: Option<i64>,
}

impl Record {
    /// A record from a classification of `diagnostic` and where it came from.
    pub fn new(origin: Origin, diagnostic: &[u8], c: &Classification<'_>) -> Record {
        Record {
            file: origin.file,
            recipient: origin.recipient,
            action: origin.action,
            status: origin.status,
            remote_mta: origin.remote_mta,
            diagnostic: String::from_utf8_lossy(diagnostic).into_owned(),
            reason: c.reason.name.clone(),
            reason_kind: c.reason.kind,
            category: c.category.to_string(),
            kind: c.kind,
            suppress: c.suppress,
            enhanced_code: c.enhanced_code.map(|e| e.to_string()),
            reply_code: c.reply_code,
            date: origin.date,
        }
    }

    /// Whether this record says the message was delivered: a reason or
    /// kind of `success`, or a DSN action `delivered`, `relayed` or `expanded`.
    pub fn is_delivery(&self) -> bool {
        self.kind == Kind::Success
            || self.reason_kind == Kind::Success
            || self
                .action
                .as_deref()
                .is_some_and(|a| ["delivered", "relayed", "expanded"].iter().any(|d| a.trim().eq_ignore_ascii_case(d)))
    }

    /// Whether this record is a complaint (by its kind or its reason's).
    pub fn is_complaint(&self) -> bool {
        self.kind == Kind::Complaint || self.reason_kind == Kind::Complaint
    }

    /// Whether this record counts as a bounce in the bounce rate: a kind of
    /// hard, soft, block or undetermined, and neither a delivery, a
    /// complaint nor an automatic reply.
    pub fn is_bounce(&self) -> bool {
        !self.is_delivery()
            && !self.is_complaint()
            && self.reason_kind != Kind::AutoReply
            && matches!(self.kind, Kind::Hard | Kind::Soft | Kind::Block | Kind::Undetermined)
    }

    /// The recipient's domain, lowercased.
    pub fn domain(&self) -> Option<String> {
        self.recipient.as_deref().and_then(super::provider::recipient_domain)
    }
}

/// A JSON line: rebound's own output or a bounce from elsewhere.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonLine {
    reason: Option<String>,
    category: Option<String>,
    kind: Option<Kind>,
    suppress: Option<bool>,
    enhanced_code: Option<String>,
    reply_code: Option<u16>,
    file: Option<String>,
    recipient: Option<String>,
    action: Option<String>,
    status: Option<String>,
    remote_mta: Option<String>,
    diagnostic: Option<String>,
    date: Option<serde_json::Value>,
}

/// Turns input lines into records: reply lines are classified, JSON lines
/// are read (and classified when they carry no reason).
#[derive(Debug)]
pub struct Classifier<'e> {
    engine: &'e Engine,
    scratch: Scratch,
}

impl<'e> Classifier<'e> {
    /// A classifier answering in `engine`'s profile.
    pub fn new(engine: &'e Engine) -> Classifier<'e> {
        Classifier { engine, scratch: Scratch::new() }
    }

    /// The engine.
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// Classifies a reply with codes known from elsewhere.
    pub fn classify(&mut self, origin: Origin, text: &[u8], hints: Hints) -> Record {
        let c = self.engine.classify_with(text, hints, &mut self.scratch);
        Record::new(origin, text, &c)
    }

    /// A record from one input line (no line ending): a JSON object when it
    /// parses as one, else a reply to classify.
    pub fn line(&mut self, file: Option<&str>, line: &[u8]) -> Record {
        let trimmed = line.trim_ascii();
        if trimmed.first() == Some(&b'{') {
            if let Ok(json) = serde_json::from_slice::<JsonLine>(trimmed) {
                return self.json(file, json, line);
            }
        }
        self.classify(Origin { file: file.map(str::to_string), ..Origin::default() }, line, Hints::default())
    }

    fn json(&mut self, file: Option<&str>, j: JsonLine, line: &[u8]) -> Record {
        let date = match &j.date {
            Some(serde_json::Value::String(s)) => super::date::parse(s),
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            _ => None,
        };
        let origin = Origin {
            file: j.file.or_else(|| file.map(str::to_string)),
            recipient: j.recipient,
            action: j.action,
            status: j.status,
            remote_mta: j.remote_mta,
            date,
        };
        let enhanced = j.enhanced_code.as_deref().and_then(EnhancedCode::parse);
        let rules = self.engine.rules();
        // Already classified: the reason is profile-independent, so map it
        // into the active profile; keep the record's own answer for a reason
        // these rules do not know.
        match (j.reason, j.kind) {
            (Some(reason), _) if rules.reason_id(&reason).is_some() => {
                let id = rules.reason_id(&reason).unwrap_or_default();
                let verdict =
                    Verdict { reason: id, enhanced_code: enhanced, reply_code: j.reply_code, decided_by: None };
                let mapped = profile::resolve(self.engine.profile(), rules, &verdict);
                Record {
                    category: mapped.category.to_string(),
                    kind: mapped.kind,
                    reason_kind: rules.reason(id).kind,
                    suppress: mapped.suppress,
                    ..self.known(origin, reason, j.diagnostic, enhanced, j.reply_code)
                }
            }
            (Some(reason), Some(kind)) => {
                let policy = self.engine.profile().map(|p| p.policy().clone()).unwrap_or_default();
                Record {
                    category: j.category.unwrap_or_else(|| reason.clone()),
                    kind,
                    reason_kind: kind,
                    suppress: j.suppress.unwrap_or_else(|| policy.suppresses(kind)),
                    ..self.known(origin, reason, j.diagnostic, enhanced, j.reply_code)
                }
            }
            _ => {
                let hints = Hints {
                    status: enhanced.or_else(|| origin.status.as_deref().and_then(EnhancedCode::parse)),
                    reply_code: j.reply_code,
                };
                match j.diagnostic {
                    Some(d) => self.classify(origin, d.as_bytes(), hints),
                    None => self.classify(origin, line, hints),
                }
            }
        }
    }

    fn known(
        &self,
        origin: Origin,
        reason: String,
        diagnostic: Option<String>,
        enhanced: Option<EnhancedCode>,
        reply_code: Option<u16>,
    ) -> Record {
        Record {
            file: origin.file,
            recipient: origin.recipient,
            action: origin.action,
            status: origin.status,
            remote_mta: origin.remote_mta,
            diagnostic: diagnostic.unwrap_or_default(),
            category: String::new(),
            kind: Kind::Undetermined,
            reason_kind: Kind::Undetermined,
            suppress: false,
            reason,
            enhanced_code: enhanced.map(|e| e.to_string()),
            reply_code,
            date: origin.date,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rules::{Rules, SourceFile};

    /// A small rule set: three reasons and the codes that point to them.
    pub(crate) fn engine() -> Engine {
        let text = r#"
[engine]
undetermined = "undefined"
[[reason]]
name = "user_unknown"
kind = "hard"
description = "no such mailbox"
[[reason]]
name = "mailbox_full"
kind = "soft"
description = "over quota"
[[reason]]
name = "undefined"
kind = "undetermined"
description = "no evidence"
[[code]]
code = "x.1.1"
reason = "user_unknown"
[[code]]
code = "x.2.2"
reason = "mailbox_full"
"#;
        Engine::from_rules(Rules::from_sources(vec![SourceFile::new("rules/r.toml", text)]).unwrap()).unwrap()
    }

    #[test]
    fn reads_classify_output_and_foreign_json() {
        let engine = engine();
        let mut c = Classifier::new(&engine);
        let own = br#"{"reason":"mailbox_full","category":"x","kind":"soft","retry":true,"enhanced_code":"4.2.2","reply_code":452,"rule":null,"file":"a.eml","recipient":"Bob@Example.org","action":"delayed","status":"4.2.2","remote_mta":"dns; mx.example.org","diagnostic":"452 4.2.2 full","date":"2024-05-01T00:00:00Z"}"#;
        let r = c.line(Some("in.jsonl"), own);
        assert_eq!((r.reason.as_str(), r.kind, r.file.as_deref()), ("mailbox_full", Kind::Soft, Some("a.eml")));
        assert_eq!(r.date, Some(1_714_521_600));
        assert_eq!(r.domain().as_deref(), Some("example.org"));

        let foreign = br#"{"recipient":"a@b.example","diagnostic":"550 5.1.1 User unknown","date":"Wed, 1 May 2024 00:00:00 +0000"}"#;
        let r = c.line(None, foreign);
        assert_eq!((r.reason.as_str(), r.kind), ("user_unknown", Kind::Hard));
        assert_eq!(r.date, Some(1_714_521_600));

        let custom = br#"{"reason":"my_reason","category":"Mine","kind":"block","diagnostic":"x"}"#;
        let r = c.line(None, custom);
        assert_eq!((r.reason.as_str(), r.category.as_str(), r.kind), ("my_reason", "Mine", Kind::Block));
    }

    #[test]
    fn plain_lines_and_broken_json_are_replies() {
        let engine = engine();
        let mut c = Classifier::new(&engine);
        let r = c.line(Some("log"), b"{not json 550 5.1.1 user unknown");
        assert_eq!(r.reason, "user_unknown");
        assert_eq!(r.file.as_deref(), Some("log"));
        assert!(r.is_bounce() && !r.is_delivery());
    }
}
