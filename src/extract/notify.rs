//! JSON notifications of sending services (an email whose body is a JSON
//! document, or one line of JSON): which field says what the notification
//! is, where its recipients are and which field of a recipient holds what
//! is all in `[[extract.json]]` tables, so that one reader serves every
//! provider that rule files describe.
//!
//! Paths are dotted (`bounce.bouncedRecipients`); a path starting with `$.`
//! is taken from the notification rather than from the recipient entry. An
//! `envelope` names a field that holds the notification as a JSON string
//! (an SNS message, say).

use serde_json::Value;

use super::spec::JsonSpec;
use super::{Bounce, EmailKind};

/// How many envelopes deep a notification may sit.
const MAX_ENVELOPES: usize = 2;

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |v, key| v.get(key))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The value at `path`, from `entry` or (for `$.` paths) from `root`.
fn field(root: &Value, entry: &Value, path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    match path.strip_prefix("$.") {
        Some(p) => get(root, p).and_then(text),
        None => get(entry, path).and_then(text),
    }
}

/// The notification a JSON document holds, read with the first spec whose
/// type matches; `None` when no spec matches.
pub(crate) fn read(specs: &[JsonSpec], doc: &Value) -> Option<(EmailKind, Vec<Bounce>)> {
    read_at(specs, doc, 0)
}

fn read_at(specs: &[JsonSpec], doc: &Value, depth: usize) -> Option<(EmailKind, Vec<Bounce>)> {
    for spec in specs {
        if !spec.envelope.is_empty() && depth < MAX_ENVELOPES {
            if let Some(inner) = get(doc, &spec.envelope).and_then(Value::as_str) {
                if let Ok(v) = serde_json::from_str::<Value>(inner) {
                    if let Some(found) = read_at(specs, &v, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        let kind = spec.type_field.iter().find_map(|f| get(doc, f).and_then(Value::as_str));
        if kind != Some(spec.type_value.as_str()) {
            continue;
        }
        let entries: Vec<&Value> = match get(doc, &spec.list) {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            _ => Vec::new(),
        };
        let mut bounces = Vec::new();
        for entry in entries {
            let recipient = match entry {
                Value::String(s) => super::address::first(s),
                _ => field(doc, entry, &spec.address).and_then(|a| super::address::first(&a)),
            };
            bounces.push(Bounce {
                recipient,
                action: field(doc, entry, &spec.action).map(|a| a.to_ascii_lowercase()),
                status: field(doc, entry, &spec.status),
                diagnostic: field(doc, entry, &spec.diagnostic)
                    .map(|d| super::dsn::strip_type(&d).to_string())
                    .unwrap_or_default(),
                remote_mta: field(doc, entry, &spec.remote_mta),
                reporting_mta: field(doc, entry, &spec.reporting_mta).map(|r| super::dsn::strip_type(&r).to_string()),
                feedback_type: field(doc, entry, &spec.feedback_type),
                ..Bounce::default()
            });
        }
        if bounces.is_empty() {
            bounces.push(Bounce::default());
        }
        return Some((spec.kind, bounces));
    }
    None
}
