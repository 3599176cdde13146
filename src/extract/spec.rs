//! The extraction rule files (`rules/extract/*.toml`, any file with a
//! top-level `[extract]` table): markers and patterns that drive the one
//! generic bounce reader, validated (every problem as `path:line:column`)
//! and compiled once into immutable matchers, with the rest of the rules.
//! Every table below may appear in any number of files; lists add up in
//! file order, and the first pattern that matches wins.
//!
//! ```toml
//! [extract]
//! description = "What these markers cover"
//! feedback_reason = "feedback"     # the reason of every complaint
//! auto_reply_reason = "vacation"   # of an auto-reply whose text says nothing more
//!
//! # Lines where the returned message starts: the notice's text ends there.
//! # `starts`: the line (leading blanks ignored) starts with it; `contains`;
//! # `regex`. Literals match ASCII case-insensitively.
//! [[extract.original]]
//! starts = ["--- Below this line is a copy of the message"]
//! examples = ["--- Below this line is a copy of the message."]
//!
//! # Lines that are never part of a diagnostic (same keys).
//! [[extract.boilerplate]]
//! contains = ["please contact your system administrator"]
//!
//! # A line naming a failed recipient: group `rcpt`, and optionally `diag`,
//! # the part of the line that belongs to its diagnostic. `strong`: the line
//! # itself says delivery failed. `context = "before"`: the lines about the
//! # recipient precede its line (default: they follow it).
//! [[extract.recipient]]
//! regex = '^<(?P<rcpt>[^>]+@[^>]+)>:\s*(?P<diag>.*)$'
//! strong = true
//! examples = ["<bob@example.org>: host mx.example.org said: 550 User unknown"]
//!
//! # The SMTP command a failure answered: group `command`, or `command = "..."`.
//! [[extract.command]]
//! regex = 'in reply to (?P<command>RCPT TO|MAIL FROM|end of DATA|DATA)'
//! examples = ["(in reply to RCPT TO command)"]
//!
//! # The host that answered: group `host`.
//! [[extract.remote_mta]]
//! regex = 'host (?P<host>[A-Za-z0-9.-]+)\s*\[[^\]]*\] said:'
//! examples = ["host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown"]
//!
//! # Signs of a bounce, a complaint, an auto-reply: literals in the
//! # `subject`, the `from`, a `header` line ("name: value") or the `body`.
//! [[extract.bounce]]
//! subject = ["Undelivered Mail Returned to Sender"]
//! [[extract.feedback]]
//! subject = ["complaint about message from"]
//! recipient_header = ["X-HmXmrOriginalRecipient"]   # who complained
//! [[extract.auto_reply]]
//! header = ["auto-submitted: auto-replied"]
//!
//! # Email-level evidence: every condition given must hold.
//! [[extract.evidence]]
//! id = "unknown-user-after-data"
//! reason = "filtered"
//! when_reason = ["user_unknown"]   # what the diagnostic alone says
//! command = ["DATA"]               # also unless_command; NONE = unknown
//! unless_status = ["x.1.1"]        # also status; `4xx` patterns match reply codes
//! below_priority = 90              # the deciding rule's priority is lower
//! # also: subject, from, body, diagnostic (literals), header (regexes),
//! # diagnostic_type (the DSN Diagnostic-Code type)
//!
//! # JSON notifications of sending services.
//! [[extract.json]]
//! envelope = "Message"                  # a field holding the JSON as a string
//! type_field = ["notificationType"]
//! type = "Bounce"
//! kind = "bounce"                       # bounce | feedback | auto_reply
//! list = "bounce.bouncedRecipients"
//! address = "emailAddress"              # fields of an entry; `$.path` from the top
//! status = "status"
//! diagnostic = "diagnosticCode"
//! ```

use std::collections::HashMap;

use regex::Regex;
use toml::Spanned;

use super::matchers::{LazySet, LineSet, Literals, SignIndex, Signals};
use super::schema::{RawEvidence, RawFile, RawJson, RawMarker, RawPattern, RawSignals};
use crate::lazy_regex::{has_group, required_byte, required_bytes, LazyRegex};
use crate::rules::{Diagnostic, Origin, ReasonId, Rules, SourceFile};

/// How to read one type of JSON notification (see [`super::notify`]).
#[derive(Debug, Clone)]
pub(crate) struct JsonSpec {
    pub envelope: String,
    pub type_field: Vec<String>,
    pub type_value: String,
    pub kind: super::EmailKind,
    pub list: String,
    pub address: String,
    pub action: String,
    pub status: String,
    pub diagnostic: String,
    pub remote_mta: String,
    pub reporting_mta: String,
    pub feedback_type: String,
}

/// A pattern (compiled on first use) with the examples it must match.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub regex: LazyRegex<Regex>,
    /// The fixed value (`[[extract.command]]` without a `command` group).
    pub value: Option<String>,
    /// Whether a match is evidence of a bounce on its own.
    pub strong: bool,
    /// Whether the lines about the recipient come before its line.
    pub context_before: bool,
    /// A byte every match contains (see [`crate::lazy_regex::required_byte`]).
    required: Option<u8>,
    /// The ASCII bytes every match contains (see
    /// [`crate::lazy_regex::required_bytes`]).
    needs: u128,
    /// Literals, lowercased, one of which every match holds on an ASCII
    /// text (see [`needles::needles`]; empty: none known).
    needles: Vec<String>,
    /// Literals, lowercased, one of which every match holds on any text
    /// (see [`needles::needles_anywhere`]; empty: none known).
    needles_anywhere: Vec<String>,
    /// The group a match must capture (`rcpt`, `command`, `host`).
    group: &'static str,
    /// Its examples, checked by [`Spec::check`].
    examples: Vec<Located>,
}

/// A string of a rule file with its place: file index and byte offset.
#[derive(Debug, Clone)]
struct Located {
    file: u32,
    offset: usize,
    text: String,
}

/// A section marker's literals and regexes with the examples it must match.
#[derive(Debug, Default)]
struct MarkerExamples {
    starts: Vec<String>,
    contains: Vec<String>,
    regexes: Vec<String>,
    examples: Vec<Located>,
}

/// The needles of the recipient, command and remote MTA patterns: which
/// of a list's patterns may match a text (see [`NeedleIndex`]).
#[derive(Debug, Default)]
pub(crate) struct PatternNeedles {
    pub recipient: NeedleIndex,
    pub command: NeedleIndex,
    pub remote_mta: NeedleIndex,
}

impl PatternNeedles {
    /// The needles of `spec`'s lists.
    fn new(spec: &Spec) -> PatternNeedles {
        let list = |l: &[Pattern]| {
            let anywhere = l.iter().map(|p| p.needles_anywhere.clone()).collect();
            NeedleIndex::new(l.iter().map(|p| p.needles.clone()).collect(), anywhere)
        };
        PatternNeedles {
            recipient: list(&spec.recipient),
            command: list(&spec.command),
            remote_mta: list(&spec.remote_mta),
        }
    }
}

impl Pattern {
    /// Whether the pattern has needles (see [`PatternNeedles`]): without
    /// one, a text is never passed over for lacking it.
    pub(crate) fn has_needles(&self) -> bool {
        !self.needles.is_empty()
    }
}

impl Spec {
    /// A byte every `[[extract.recipient]]` pattern needs (`@`), when they
    /// share one: a line without it names no recipient.
    pub(crate) fn recipient_byte(&self) -> Option<u8> {
        let first = self.recipient.first()?.required?;
        self.recipient.iter().all(|p| p.required == Some(first)).then_some(first)
    }
}

#[derive(Default)]
struct RawSignalLists {
    subject: Vec<String>,
    from: Vec<String>,
    header: Vec<String>,
    body: Vec<String>,
    recipient_header: Vec<String>,
}

impl RawSignalLists {
    fn add(&mut self, s: &RawSignals) {
        let _ = &s.source;
        let all = |v: &[Spanned<String>]| v.iter().map(|x| x.get_ref().clone()).collect::<Vec<_>>();
        self.subject.extend(all(&s.subject));
        self.from.extend(all(&s.from));
        self.header.extend(all(&s.header));
        self.body.extend(all(&s.body));
        self.recipient_header.extend(s.recipient_header.iter().map(|h| h.trim().to_ascii_lowercase()));
    }

    fn compile(&self) -> Signals {
        Signals {
            subject: Literals::new(&self.subject),
            from: Literals::new(&self.from),
            header: Literals::new(&self.header),
            body: Literals::new(&self.body),
        }
    }
}

/// Evidence at the level of the email: conditions on the subject, sender,
/// headers, body, diagnostic and its DSN type, the failed command, the
/// status and the reason the diagnostic alone gives. Every condition given
/// must hold (any literal or value of a list); then the reason is `reason`.
#[derive(Debug)]
pub(crate) struct Evidence {
    pub id: String,
    pub reason: ReasonId,
    pub subject: Literals,
    pub from: Literals,
    pub body: Literals,
    pub diagnostic: Literals,
    /// Regexes over `name: value` header lines (names lowercased).
    pub header: Option<LazySet>,
    pub diagnostic_type: Vec<String>,
    pub command: Vec<String>,
    pub unless_command: Vec<String>,
    pub when_reason: Vec<ReasonId>,
    pub status: Vec<crate::code::CodePattern>,
    pub unless_status: Vec<crate::code::CodePattern>,
    /// Applies only when the diagnostic's deciding rule has a lower priority.
    pub below_priority: Option<i32>,
    pub origin: Origin,
}

/// Everything the extraction rule files say, compiled.
#[derive(Debug, Default)]
pub struct Spec {
    pub(crate) original: LineSet,
    pub(crate) boilerplate: LineSet,
    pub(crate) recipient: Vec<Pattern>,
    pub(crate) command: Vec<Pattern>,
    pub(crate) remote_mta: Vec<Pattern>,
    /// The needles of the recipient, command and remote MTA patterns, each
    /// list's searched together (built from them, never stored in a
    /// snapshot).
    pub(crate) needles: PatternNeedles,
    pub(crate) bounce: Signals,
    pub(crate) auto_reply: Signals,
    pub(crate) feedback: Signals,
    /// The subject, sender and header signs of the three kinds above, in
    /// one automaton (built from them, never stored in a snapshot).
    pub(crate) signs: SignIndex,
    /// The reason of every complaint.
    pub(crate) feedback_reason: Option<ReasonId>,
    /// The reason of an auto-reply whose text says nothing more specific.
    pub(crate) auto_reply_reason: Option<ReasonId>,
    /// Headers of a returned message that name who complained.
    pub(crate) feedback_recipient_headers: Vec<String>,
    pub(crate) evidence: Vec<Evidence>,
    pub(crate) json: Vec<JsonSpec>,
    /// The markers' examples, checked by [`Spec::check`].
    marker_examples: Vec<MarkerExamples>,
}

struct Compiler<'a> {
    rules: &'a Rules,
    diags: &'a mut Vec<Diagnostic>,
    /// Index of the file being compiled.
    fi: u32,
    marker_examples: Vec<MarkerExamples>,
}

#[derive(Default)]
struct MarkerParts {
    literals: Vec<String>,
    anchored: Vec<bool>,
    regexes: Vec<String>,
}

impl Spec {
    /// Compiles the `[extract]` files of `rules`, reporting every problem in
    /// `diags`. What does not compile is left out.
    pub fn compile(rules: &Rules, diags: &mut Vec<Diagnostic>) -> Spec {
        let mut c = Compiler { rules, diags, fi: 0, marker_examples: Vec::new() };
        let mut original = MarkerParts::default();
        let mut boilerplate = MarkerParts::default();
        let mut spec = Spec::default();
        let (mut bounce, mut auto_reply, mut feedback) =
            (RawSignalLists::default(), RawSignalLists::default(), RawSignalLists::default());
        for &fi in &rules.extract_files {
            let file = &rules.files[fi as usize];
            c.fi = fi;
            let raw: RawFile = match toml::from_str(&file.text) {
                Ok(r) => r,
                Err(e) => {
                    let offset = e.span().map_or(0, |s| s.start);
                    c.diags.push(Diagnostic::error_at(file, offset, e.message().trim().to_string()));
                    continue;
                }
            };
            let x = raw.extract;
            let _ = (&x.description, &x.source);
            if let Some(r) = &x.feedback_reason {
                spec.feedback_reason = c.reason(file, r);
            }
            if let Some(r) = &x.auto_reply_reason {
                spec.auto_reply_reason = c.reason(file, r);
            }
            for m in &x.original {
                c.marker(file, m.get_ref(), &mut original);
            }
            for m in &x.boilerplate {
                c.marker(file, m.get_ref(), &mut boilerplate);
            }
            for p in &x.recipient {
                if let Some(p) = c.pattern(file, p, "rcpt") {
                    spec.recipient.push(p);
                }
            }
            for p in &x.command {
                if let Some(p) = c.pattern(file, p, "command") {
                    spec.command.push(p);
                }
            }
            for p in &x.remote_mta {
                if let Some(p) = c.pattern(file, p, "host") {
                    spec.remote_mta.push(p);
                }
            }
            for b in &x.bounce {
                bounce.add(b.get_ref());
            }
            for b in &x.auto_reply {
                auto_reply.add(b.get_ref());
            }
            for b in &x.feedback {
                feedback.add(b.get_ref());
            }
            for e in &x.evidence {
                if let Some(e) = c.evidence(file, fi, e) {
                    spec.evidence.push(e);
                }
            }
            for j in &x.json {
                if let Some(j) = c.json(file, j) {
                    spec.json.push(j);
                }
            }
        }
        spec.original = c.line_set(original);
        spec.boilerplate = c.line_set(boilerplate);
        spec.bounce = bounce.compile();
        spec.auto_reply = auto_reply.compile();
        spec.feedback = feedback.compile();
        spec.signs = SignIndex::new(&spec.bounce, &spec.auto_reply, &spec.feedback);
        spec.needles = PatternNeedles::new(&spec);
        spec.feedback_recipient_headers = feedback.recipient_header;
        spec.marker_examples = c.marker_examples;
        c.diags.extend(duplicate_ids(&spec, rules));
        spec
    }

    /// Compiles every pattern now and checks every example: a pattern's
    /// examples must match it and capture its group, a marker's must match
    /// one of its literals or regexes. One error per failure (and per regex
    /// too large to compile). For `rebound check`.
    pub fn check(&self, rules: &Rules) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut error = |at: &Located, message: String| {
            out.push(Diagnostic::error_at(&rules.files[at.file as usize], at.offset, message));
        };
        for p in self.recipient.iter().chain(&self.command).chain(&self.remote_mta) {
            if let Some(e) = p.regex.compile_error() {
                let at = p.examples.first().cloned().unwrap_or(Located { file: 0, offset: 0, text: String::new() });
                error(&at, format!("regex `{}` does not compile: {e}", p.regex.pattern()));
                continue;
            }
            for ex in &p.examples {
                let ok = p.regex.captures(&ex.text).is_some_and(|c| p.value.is_some() || c.name(p.group).is_some());
                if !ok {
                    error(ex, format!("example does not match, or captures no `{}`", p.group));
                }
            }
        }
        for m in &self.marker_examples {
            let regexes: Vec<LazyRegex<Regex>> = m.regexes.iter().filter_map(|r| LazyRegex::new(r).ok()).collect();
            for ex in &m.examples {
                let line = ex.text.trim_start();
                let lower = line.to_ascii_lowercase();
                let hit = m.starts.iter().any(|s| lower.starts_with(&s.trim().to_ascii_lowercase()))
                    || m.contains.iter().any(|s| lower.contains(&s.trim().to_ascii_lowercase()))
                    || regexes.iter().any(|r| r.is_match(line));
                if !hit {
                    error(ex, "example does not match this marker".to_string());
                }
            }
        }
        out
    }
}

impl Compiler<'_> {
    fn error(&mut self, file: &SourceFile, offset: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic::error_at(file, offset, message));
    }

    /// A regex whose syntax is checked now, compiled on first use.
    fn regex(&mut self, file: &SourceFile, s: &Spanned<String>) -> Option<(LazyRegex<Regex>, regex_syntax::hir::Hir)> {
        match LazyRegex::parse(s.get_ref()) {
            Ok(r) => Some(r),
            Err(e) => {
                self.error(file, s.span().start, format!("regex does not compile: {e}"));
                None
            }
        }
    }

    fn located(&self, s: &Spanned<String>) -> Located {
        Located { file: self.fi, offset: s.span().start, text: s.get_ref().clone() }
    }

    fn marker(&mut self, file: &SourceFile, m: &RawMarker, out: &mut MarkerParts) {
        let _ = &m.source;
        let start = out.literals.len();
        for s in &m.starts {
            out.literals.push(s.get_ref().trim().to_string());
            out.anchored.push(true);
        }
        for s in &m.contains {
            out.literals.push(s.get_ref().trim().to_string());
            out.anchored.push(false);
        }
        let mut regexes = Vec::new();
        for s in &m.regex {
            if self.regex(file, s).is_some() {
                out.regexes.push(s.get_ref().clone());
                regexes.push(s.get_ref().clone());
            }
        }
        for (i, lit) in out.literals[start..].iter().enumerate() {
            if lit.is_empty() {
                let span = m.starts.iter().chain(&m.contains).nth(i).map_or(0, |s| s.span().start);
                self.error(file, span, "empty marker");
            }
        }
        if m.starts.is_empty() && m.contains.is_empty() && m.regex.is_empty() {
            let at = m.examples.first().map_or(0, |e| e.span().start);
            self.error(file, at, "marker has none of `starts`, `contains`, `regex`");
        }
        let strings = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect();
        self.marker_examples.push(MarkerExamples {
            starts: strings(&m.starts),
            contains: strings(&m.contains),
            regexes,
            examples: m.examples.iter().map(|e| self.located(e)).collect(),
        });
    }

    fn line_set(&mut self, parts: MarkerParts) -> LineSet {
        LineSet::new(&parts.literals, parts.anchored, &parts.regexes)
    }

    fn pattern(&mut self, file: &SourceFile, raw: &Spanned<RawPattern>, group: &'static str) -> Option<Pattern> {
        let p = raw.get_ref();
        let _ = &p.source;
        let (regex, hir) = self.regex(file, &p.regex)?;
        let has_group = has_group(&hir, group);
        let required = required_byte(&hir);
        let needs = required_bytes(&hir);
        let needles = needles::needles(&hir);
        let needles_anywhere = needles::needles_anywhere(&hir);
        let fixed = p.command.clone().filter(|_| group == "command");
        if !has_group && fixed.is_none() {
            let hint = if group == "command" { " (or give `command = \"...\"`)" } else { "" };
            self.error(file, p.regex.span().start, format!("regex has no named group `{group}`{hint}"));
            return None;
        }
        if p.examples.is_empty() {
            self.error(file, raw.span().start, "pattern has no `examples`: give at least one real line it must match");
        }
        let context_before = match p.context.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("after") => false,
            Some("before") => true,
            Some(other) => {
                let at = p.context.as_ref().map_or(0, |c| c.span().start);
                self.error(file, at, format!("unknown context `{other}` (after, before)"));
                false
            }
        };
        let examples = p.examples.iter().map(|e| self.located(e)).collect();
        Some(Pattern {
            regex,
            value: fixed,
            strong: p.strong,
            context_before,
            required,
            needs,
            needles,
            needles_anywhere,
            group,
            examples,
        })
    }

    fn reason(&mut self, file: &SourceFile, name: &Spanned<String>) -> Option<ReasonId> {
        let id = self.rules.reason_id(name.get_ref());
        if id.is_none() {
            self.error(file, name.span().start, format!("unknown reason `{}`", name.get_ref()));
        }
        id
    }

    fn json(&mut self, file: &SourceFile, raw: &Spanned<RawJson>) -> Option<JsonSpec> {
        let j = raw.get_ref();
        let _ = &j.source;
        let kind = match j.kind.get_ref().as_str() {
            "bounce" => super::EmailKind::Bounce,
            "feedback" => super::EmailKind::Feedback,
            "auto_reply" => super::EmailKind::AutoReply,
            other => {
                self.error(file, j.kind.span().start, format!("unknown kind `{other}` (bounce, feedback, auto_reply)"));
                return None;
            }
        };
        if j.type_field.is_empty() {
            self.error(file, raw.span().start, "`type_field` names no field");
            return None;
        }
        Some(JsonSpec {
            envelope: j.envelope.clone(),
            type_field: j.type_field.clone(),
            type_value: j.type_value.clone(),
            kind,
            list: j.list.clone(),
            address: j.address.clone(),
            action: j.action.clone(),
            status: j.status.clone(),
            diagnostic: j.diagnostic.clone(),
            remote_mta: j.remote_mta.clone(),
            reporting_mta: j.reporting_mta.clone(),
            feedback_type: j.feedback_type.clone(),
        })
    }

    fn codes(&mut self, file: &SourceFile, list: &[Spanned<String>]) -> Vec<crate::code::CodePattern> {
        let mut out = Vec::new();
        for s in list {
            match crate::code::CodePattern::parse(s.get_ref()) {
                Ok(p) => out.push(p),
                Err(msg) => self.error(file, s.span().start, msg),
            }
        }
        out
    }

    fn evidence(&mut self, file: &SourceFile, fi: u32, raw: &Spanned<RawEvidence>) -> Option<Evidence> {
        let e = raw.get_ref();
        let _ = (&e.description, &e.source);
        let reason = self.reason(file, &e.reason);
        let when_reason: Vec<ReasonId> = e.when_reason.iter().filter_map(|r| self.reason(file, r)).collect();
        let status = self.codes(file, &e.status);
        let unless_status = self.codes(file, &e.unless_status);
        let strings = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect::<Vec<_>>();
        let upper = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().to_ascii_uppercase()).collect::<Vec<_>>();
        for h in &e.header {
            self.regex(file, h);
        }
        let header = if e.header.is_empty() {
            None
        } else {
            // The regex crate's default size limit for a set.
            Some(LazySet::new(e.header.iter().map(|h| h.get_ref().clone()).collect(), 10 << 20))
        };
        let conditions = e.subject.len()
            + e.from.len()
            + e.body.len()
            + e.diagnostic.len()
            + e.header.len()
            + e.diagnostic_type.len()
            + e.command.len()
            + e.status.len();
        if conditions == 0 {
            self.error(
                file,
                raw.span().start,
                "evidence has no condition (`subject`, `from`, `header`, `body`, `diagnostic`, `diagnostic_type`, `command` or `status`)",
            );
        }
        Some(Evidence {
            id: e.id.get_ref().clone(),
            reason: reason?,
            subject: Literals::new(&strings(&e.subject)),
            from: Literals::new(&strings(&e.from)),
            body: Literals::new(&strings(&e.body)),
            diagnostic: Literals::new(&strings(&e.diagnostic)),
            header,
            diagnostic_type: e.diagnostic_type.iter().map(|t| t.get_ref().to_ascii_lowercase()).collect(),
            command: upper(&e.command),
            unless_command: upper(&e.unless_command),
            when_reason,
            status,
            unless_status,
            below_priority: e.below_priority,
            origin: Origin::new(file, fi, raw.span().start),
        })
    }
}

/// Evidence ids must be unique: every repeated one, as a diagnostic.
fn duplicate_ids(spec: &Spec, rules: &Rules) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, Origin> = HashMap::new();
    let mut out = Vec::new();
    for e in &spec.evidence {
        if let Some(prev) = seen.insert(&e.id, e.origin) {
            let msg = format!("evidence id `{}` is already used at {}", e.id, rules.location(prev));
            out.push(rules.diagnostic(e.origin, crate::rules::Severity::Error, msg));
        }
    }
    out
}

mod bytes;
mod needles;
mod snapshot;

pub(crate) use bytes::TextBytes;
use needles::NeedleIndex;

#[cfg(test)]
mod tests {
    use crate::rules::source::embedded_sources;
    use crate::rules::{Rules, SourceFile};
    use crate::CompiledRules;

    #[test]
    fn examples_are_checked_when_asked_not_when_loading() {
        let mut files = embedded_sources();
        files.push(SourceFile::new(
            "x/extract.toml",
            "[extract]\ndescription = \"x\"\n\n[[extract.recipient]]\nregex = '^to (?P<rcpt>\\S+@\\S+)$'\n\
             examples = [\"to a@b.example\", \"from a@b.example\"]\n\n[[extract.original]]\n\
             starts = [\"--- original\"]\nexamples = [\"--- original message\", \"copy follows\"]\n",
        ));
        let compiled = CompiledRules::new(Rules::from_sources(files).unwrap()).expect("examples do not stop loading");
        let errors: Vec<String> = compiled.regex_errors().iter().map(|d| d.to_string()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("x/extract.toml:6:31: error: example does not match, or captures no `rcpt`")),
            "{errors:#?}"
        );
        assert!(
            errors.iter().any(|e| e.starts_with("x/extract.toml:10:37: error: example does not match this marker")),
            "{errors:#?}"
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
    }
}
