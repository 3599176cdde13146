//! A JSON Schema check for the subset the OpenAPI document uses: `$ref`
//! (local), `type` (one or a list), `enum`, `oneOf` (exactly one),
//! `properties`, `required`, `additionalProperties: false`, `items`,
//! `minimum`, `maximum` and `pattern`. A keyword it does not know fails the
//! check, so the document cannot drift past what is checked.

use serde_json::Value;

const KNOWN: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "oneOf",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minimum",
    "maximum",
    "pattern",
    "description",
    "contentMediaType",
];

/// Every way `value` breaks `schema` (resolved against `doc`), as
/// `path: problem`; empty when it conforms.
pub fn violations(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, "$", &mut out);
    out
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        out.push(format!("{at}: schema is not an object: {schema}"));
        return;
    };
    for key in schema.keys() {
        if !KNOWN.contains(&key.as_str()) {
            out.push(format!("{at}: schema keyword `{key}` is not checked by this validator"));
        }
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        match r.strip_prefix('#').map(|p| doc.pointer(p)) {
            Some(Some(target)) => check(doc, target, value, at, out),
            _ => out.push(format!("{at}: unresolvable $ref {r}")),
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| is_type(value, t)) {
            out.push(format!("{at}: {value} is not of type {t}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            out.push(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options.iter().filter(|o| violations(doc, o, value).is_empty()).count();
        if matching != 1 {
            out.push(format!("{at}: {value} matches {matching} of the oneOf schemas, not exactly 1"));
        }
    }
    match value {
        Value::Object(object) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if !object.contains_key(name) {
                    out.push(format!("{at}: required property `{name}` is missing"));
                }
            }
            for (name, v) in object {
                match properties.and_then(|p| p.get(name)) {
                    Some(s) => check(doc, s, v, &format!("{at}.{name}"), out),
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        out.push(format!("{at}: property `{name}` is not in the schema"));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(doc, s, v, &format!("{at}[{i}]"), out);
                }
            }
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if schema.get("minimum").and_then(Value::as_f64).is_some_and(|min| n < min) {
                out.push(format!("{at}: {n} is below the minimum"));
            }
            if schema.get("maximum").and_then(Value::as_f64).is_some_and(|max| n > max) {
                out.push(format!("{at}: {n} is above the maximum"));
            }
        }
        Value::String(s) => {
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                match regex::Regex::new(p) {
                    Ok(re) if re.is_match(s) => {}
                    Ok(_) => out.push(format!("{at}: {s:?} does not match /{p}/")),
                    Err(e) => out.push(format!("{at}: bad pattern /{p}/: {e}")),
                }
            }
        }
        _ => {}
    }
}

fn is_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

#[test]
fn the_validator_catches_what_it_claims_to() {
    let doc = serde_json::json!({"components": {"schemas": {"N": {"type": ["integer", "null"], "minimum": 1}}}});
    let schema = serde_json::json!({
        "type": "object",
        "required": ["a", "n"],
        "additionalProperties": false,
        "properties": {
            "a": {"type": "string", "enum": ["x", "y"], "pattern": "^x$"},
            "n": {"$ref": "#/components/schemas/N"},
            "l": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}
        }
    });
    let ok = serde_json::json!({"a": "x", "n": null, "l": ["s", 1]});
    assert_eq!(violations(&doc, &schema, &ok), Vec::<String>::new());
    let cases = [
        (serde_json::json!({"n": 1}), "required property `a`"),
        (serde_json::json!({"a": "y", "n": 1}), "does not match"),
        (serde_json::json!({"a": "z", "n": 1}), "is not one of"),
        (serde_json::json!({"a": "x", "n": 0}), "below the minimum"),
        (serde_json::json!({"a": "x", "n": "1"}), "is not of type"),
        (serde_json::json!({"a": "x", "n": 1, "b": 2}), "property `b` is not in the schema"),
        (serde_json::json!({"a": "x", "n": 1, "l": [true]}), "matches 0 of the oneOf"),
        (serde_json::json!([]), "is not of type"),
    ];
    for (value, want) in cases {
        let got = violations(&doc, &schema, &value);
        assert!(got.iter().any(|v| v.contains(want)), "{value}: want `{want}`, got {got:?}");
    }
    let unknown = serde_json::json!({"type": "string", "format": "email"});
    assert!(violations(&doc, &unknown, &serde_json::json!("a"))[0].contains("`format` is not checked"));
}
