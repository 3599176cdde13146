//! JSON lines: one object per line, the reply in a field. The field is named
//! with `--field` (a dotted path such as `bounce.diagnostic` reaches into
//! nested objects); without one, the first of [`REPLY_FIELDS`] present is
//! used. A recipient and a status are picked up from the usual field names.

use serde_json::Value;

/// Field names tried, in order, when no `--field` is given.
pub const REPLY_FIELDS: &[&str] = &[
    "diagnostic",
    "diagnostic_code",
    "diagnosticCode",
    "diagnosticcode",
    "smtp_response",
    "response",
    "reply",
    "bounce_reason",
    "error",
    "message",
];

const RECIPIENT_FIELDS: &[&str] = &["recipient", "rcpt", "email", "emailAddress", "address", "to"];
const STATUS_FIELDS: &[&str] = &["status", "enhanced_code", "dsn"];

/// One JSON line read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonReply {
    /// The reply text.
    pub reply: String,
    /// The recipient, when a usual field holds one.
    pub recipient: Option<String>,
    /// An enhanced status code, when a usual field holds one.
    pub status: Option<String>,
}

/// Why a JSON line gave no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// The line is not a JSON object.
    NotJson(String),
    /// The object has no such field (or no usual reply field).
    NoField(String),
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::NotJson(e) => write!(f, "not a JSON object: {e}"),
            JsonError::NoField(name) => write!(f, "no field `{name}`"),
        }
    }
}

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.first().and_then(text),
        _ => None,
    }
}

/// Reads one JSON line, the reply in `field` (or the first usual field).
///
/// ```
/// use rebound::input::json::parse;
/// let r = parse(br#"{"to": "bob@example.org", "smtp": {"reply": "550 5.1.1 unknown"}}"#, Some("smtp.reply")).unwrap();
/// assert_eq!(r.reply, "550 5.1.1 unknown");
/// assert_eq!(r.recipient.as_deref(), Some("bob@example.org"));
/// ```
pub fn parse(line: &[u8], field: Option<&str>) -> Result<JsonReply, JsonError> {
    let v: Value = serde_json::from_slice(line).map_err(|e| JsonError::NotJson(e.to_string()))?;
    if !v.is_object() {
        return Err(JsonError::NotJson("a JSON value that is not an object".into()));
    }
    let reply = match field {
        Some(f) => get(&v, f).and_then(text).ok_or_else(|| JsonError::NoField(f.to_string()))?,
        None => REPLY_FIELDS
            .iter()
            .find_map(|f| v.get(*f).and_then(text))
            .ok_or_else(|| JsonError::NoField(format!("{} (name one with --field)", REPLY_FIELDS.join("`, `"))))?,
    };
    let recipient = RECIPIENT_FIELDS.iter().find_map(|f| v.get(*f).and_then(text)).filter(|r| r.contains('@'));
    let status = STATUS_FIELDS
        .iter()
        .find_map(|f| v.get(*f).and_then(text))
        .filter(|s| crate::EnhancedCode::parse(s).is_some());
    Ok(JsonReply { reply, recipient, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_usual_fields_and_reports_missing_ones() {
        let r = parse(br#"{"response": "452 4.2.2 over quota", "status": "4.2.2"}"#, None).unwrap();
        assert_eq!(r.reply, "452 4.2.2 over quota");
        assert_eq!(r.status.as_deref(), Some("4.2.2"));
        assert!(matches!(parse(br#"{"x": 1}"#, None), Err(JsonError::NoField(_))));
        assert!(matches!(parse(br#"{"x": 1}"#, Some("y")), Err(JsonError::NoField(_))));
        assert!(matches!(parse(b"[1]", None), Err(JsonError::NotJson(_))));
        assert!(matches!(parse(b"{oops", None), Err(JsonError::NotJson(_))));
    }
}
