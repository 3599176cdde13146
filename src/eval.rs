//! Measuring rebound against a labelled corpus laid out like Sisimai's
//! `set-of-emails`: emails under the corpus directory, and `labels.jsonl`
//! with one line per expected bounce (`file`, `index` of the bounce within
//! the email, `reason` in Sisimai's names, `hardbounce`). Optionally
//! `diagnostics.jsonl`, the reference diagnostic text per bounce.
//!
//! Reasons are compared through [`Reference`], which names rebound's answer
//! in the corpus' vocabulary.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::extract::EmailKind;
use crate::rules::Kind;
use crate::{Classification, Engine};

/// One line of `labels.jsonl` (or `diagnostics.jsonl`).
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// The email, relative to the corpus directory.
    pub file: String,
    /// Position of the bounce within the email.
    #[serde(default)]
    pub index: usize,
    /// For mbox files: 1-based number of the message in the file (ignored
    /// for files that hold one email).
    #[serde(default)]
    pub msgno: Option<usize>,
    /// The reason, in the corpus' vocabulary.
    pub reason: String,
    /// Whether the bounce is hard.
    #[serde(default)]
    pub hardbounce: bool,
    /// The reference diagnostic (`diagnostics.jsonl` only).
    #[serde(default)]
    pub diagnosticcode: Option<String>,
}

/// Reads a JSON-lines label file; lines that do not parse are reported.
pub fn read_labels(path: &Path) -> Result<Vec<Label>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label: Label = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        out.push(label);
    }
    Ok(out)
}

/// How rebound's answer is named in the corpus' vocabulary.
pub trait Reference {
    /// The corpus' name for the answer's reason, and whether it is hard.
    fn name(&self, c: &Classification<'_>) -> (String, bool);
}

/// Sisimai's names: the `sisimai` profile when the engine answers in it
/// (its category names, hard when the category's kind is hard), else
/// rebound's reason names without underscores (`too_large` →
/// `emailtoolarge`, `on_hold` → `onhold`), hard when the reason's kind is
/// hard.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sisimai {
    profiled: bool,
}

impl Sisimai {
    /// The reference for answers of `engine`.
    pub fn new(engine: &Engine) -> Sisimai {
        Sisimai { profiled: engine.profile().is_some_and(|p| p.name == "sisimai") }
    }

    /// Whether answers are named through the `sisimai` profile.
    pub fn profiled(&self) -> bool {
        self.profiled
    }
}

impl Reference for Sisimai {
    fn name(&self, c: &Classification<'_>) -> (String, bool) {
        if self.profiled {
            return (c.category.to_ascii_lowercase(), c.kind == Kind::Hard);
        }
        let name = match c.reason.name.as_str() {
            "too_large" => "emailtoolarge".to_string(),
            other => other.replace('_', ""),
        };
        (name, c.reason.kind == Kind::Hard)
    }
}

/// The outcome for one labelled bounce.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The label.
    pub label: Label,
    /// The answer's reason in the corpus' vocabulary (`None`: no such bounce found).
    pub predicted: Option<String>,
    /// Whether the answer is hard.
    pub hard: Option<bool>,
    /// The diagnostic rebound extracted.
    pub diagnostic: Option<String>,
}

impl Outcome {
    /// Whether the reasons agree.
    pub fn agrees(&self) -> bool {
        self.predicted.as_deref() == Some(self.label.reason.as_str())
    }
}

/// Figures over a set of outcomes.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Labelled bounces.
    pub bounces: usize,
    /// Reasons that agree.
    pub reason_agree: usize,
    /// Hard/soft that agree.
    pub hard_agree: usize,
    /// Per label reason: (bounces, agreeing).
    pub per_reason: BTreeMap<String, (usize, usize)>,
    /// (label, predicted) → count, for disagreements.
    pub confusions: BTreeMap<(String, String), usize>,
    /// Emails holding at least one labelled bounce.
    pub emails: usize,
    /// Of those, emails that yielded a recipient and a diagnostic.
    pub emails_extracted: usize,
}

impl Figures {
    /// Adds an outcome.
    pub fn add(&mut self, o: &Outcome) {
        self.bounces += 1;
        let agree = o.agrees();
        self.reason_agree += usize::from(agree);
        self.hard_agree += usize::from(o.hard == Some(o.label.hardbounce));
        let e = self.per_reason.entry(o.label.reason.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(agree);
        if !agree {
            let p = o.predicted.clone().unwrap_or_else(|| "(none)".into());
            *self.confusions.entry((o.label.reason.clone(), p)).or_default() += 1;
        }
    }

    /// The confusions, most frequent first.
    pub fn worst(&self, n: usize) -> Vec<(&(String, String), usize)> {
        let mut v: Vec<_> = self.confusions.iter().map(|(k, &c)| (k, c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// `part / whole` as a percentage (0 when `whole` is 0).
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The result of evaluating emails.
#[derive(Debug, Default)]
pub struct EmailEval {
    /// Every labelled bounce's outcome, in label order.
    pub outcomes: Vec<Outcome>,
    /// Figures per top-level group (`maildir/bsd`, ...).
    pub groups: BTreeMap<String, Figures>,
    /// Figures over everything.
    pub all: Figures,
    /// Emails whose answers differ from their `bsd` twin: (file, twin).
    pub twin_mismatches: Vec<(String, String)>,
    /// Emails that could not be read: (file, message).
    pub errors: Vec<(String, String)>,
}

/// The group of a corpus file: its first two path components.
pub fn group_of(file: &str) -> String {
    file.split('/').take(2).collect::<Vec<_>>().join("/")
}

/// Evaluates every email `labels` name (mbox files by `msgno`), reading
/// them under `root`.
pub fn emails(engine: &Engine, root: &Path, labels: &[Label], reference: &impl Reference) -> EmailEval {
    let mut out = EmailEval::default();
    let mut by_email: Vec<((String, usize), Vec<&Label>)> = Vec::new();
    let mut index: HashMap<(String, usize), usize> = HashMap::new();
    for l in labels {
        // `msgno` 0: the whole file.
        let key = (l.file.clone(), l.msgno.unwrap_or(0));
        let slot = *index.entry(key.clone()).or_insert_with(|| {
            by_email.push((key, Vec::new()));
            by_email.len() - 1
        });
        by_email[slot].1.push(l);
    }
    let mut answers: HashMap<String, Vec<String>> = HashMap::new();
    let mut mboxes: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for ((file, msgno), labels) in &by_email {
        let path: PathBuf = root.join(file);
        // The emails the labels are about: one file, one message of an mbox
        // (`msgno`), or every message of an mbox whose labels count bounces
        // across the whole file.
        let raws: Vec<Vec<u8>> = match std::fs::read(&path) {
            Ok(b) if crate::input::detect(&b) == crate::input::Kind::Mbox => {
                let msgs = mboxes.entry(file.clone()).or_insert_with(|| {
                    let b = crate::input::mbox::lf_endings(&b);
                    crate::input::mbox::split(&b).map(<[u8]>::to_vec).collect()
                });
                match msgno {
                    0 => msgs.clone(),
                    n => msgs.get(n - 1).cloned().into_iter().collect(),
                }
            }
            Ok(b) => vec![b],
            Err(e) => {
                out.errors.push((file.clone(), e.to_string()));
                Vec::new()
            }
        };
        let mut named: Vec<(String, bool)> = Vec::new();
        let mut diagnostics: Vec<String> = Vec::new();
        let mut extracted = false;
        for raw in &raws {
            let report = engine.extract(raw);
            named.extend(engine.answers(&report).iter().map(|a| reference.name(&a.classification)));
            diagnostics.extend(report.bounces.iter().map(|b| b.diagnostic.clone()));
            extracted |= report.kind != EmailKind::NotBounce
                && report.bounces.iter().any(|b| b.recipient.is_some() && !b.diagnostic.trim().is_empty());
        }
        let group = group_of(file);
        for f in [out.groups.entry(group).or_default(), &mut out.all] {
            f.emails += 1;
            f.emails_extracted += usize::from(extracted);
        }
        for l in labels {
            let o = Outcome {
                label: (*l).clone(),
                predicted: named.get(l.index).map(|n| n.0.clone()),
                hard: named.get(l.index).map(|n| n.1),
                diagnostic: diagnostics.get(l.index).cloned(),
            };
            out.groups.entry(group_of(file)).or_default().add(&o);
            out.all.add(&o);
            out.outcomes.push(o);
        }
        answers.insert(file.clone(), named.into_iter().map(|n| n.0).collect());
    }
    for file in answers.keys() {
        for twin_dir in ["maildir/dos/", "maildir/mac/"] {
            if let Some(name) = file.strip_prefix(twin_dir) {
                let twin = format!("maildir/bsd/{name}");
                if answers.get(&twin).is_some_and(|a| Some(a) != answers.get(file)) {
                    out.twin_mismatches.push((file.clone(), twin));
                }
            }
        }
    }
    out.twin_mismatches.sort();
    out
}

/// Evaluates reference diagnostic strings alone (`diagnostics.jsonl`).
pub fn diagnostics(engine: &Engine, labels: &[Label], reference: &impl Reference) -> (Vec<Outcome>, Figures) {
    let mut figures = Figures::default();
    let mut outcomes = Vec::new();
    for l in labels {
        let Some(text) = &l.diagnosticcode else { continue };
        let c = engine.classify(text);
        let (name, hard) = reference.name(&c);
        let o = Outcome { label: l.clone(), predicted: Some(name), hard: Some(hard), diagnostic: Some(text.clone()) };
        figures.add(&o);
        outcomes.push(o);
    }
    (outcomes, figures)
}

/// Whether an extracted diagnostic agrees with a reference one: after
/// folding case and whitespace, one contains the other, or at least 80% of
/// the reference's words occur in it.
pub fn same_diagnostic(ours: &str, reference: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let (a, b) = (norm(ours), norm(reference));
    if b.is_empty() {
        return a.is_empty();
    }
    if a.contains(&b) || (!a.is_empty() && b.contains(&a) && a.len() * 2 >= b.len()) {
        return true;
    }
    let words: Vec<&str> = b.split(' ').collect();
    let found = words.iter().filter(|w| a.contains(**w)).count();
    found * 5 >= words.len() * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_diagnostics_loosely() {
        assert!(same_diagnostic(
            "550 5.1.1 <a@b.c>: User  unknown (in reply to RCPT TO)",
            "550 5.1.1 <a@b.c>: user unknown"
        ));
        assert!(!same_diagnostic("Mailbox full", "550 5.1.1 <a@b.c>: user unknown"));
    }

    #[test]
    fn groups_by_two_components() {
        assert_eq!(group_of("maildir/bsd/x.eml"), "maildir/bsd");
        assert_eq!(group_of("mailbox/mbox-0"), "mailbox/mbox-0");
    }
}
