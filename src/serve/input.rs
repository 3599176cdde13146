//! A `/classify` request body, parsed at the edge into what to classify.

use serde::Deserialize;

use super::error::ApiError;

/// What a request asks to classify.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Input {
    /// `{"text": "..."}`: one reply, answered with one object.
    One(String),
    /// `{"texts": [...]}`: replies answered with a list, in order.
    Many(Vec<String>),
}

/// How the body is encoded, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `application/json` (or any `+json` type, or no `Content-Type` at all).
    Json,
    /// `message/rfc822`: a whole bounce email.
    Email,
}

impl Encoding {
    /// The encoding a `Content-Type` header names; 415 for anything else.
    pub(crate) fn of(content_type: Option<&[u8]>) -> Result<Encoding, ApiError> {
        let Some(value) = content_type else { return Ok(Encoding::Json) };
        let essence = value.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
        let is = |name: &[u8]| essence.eq_ignore_ascii_case(name);
        let suffix = essence.len() >= 5 && essence[essence.len() - 5..].eq_ignore_ascii_case(b"+json");
        if is(b"application/json") || suffix {
            Ok(Encoding::Json)
        } else if is(b"message/rfc822") {
            Ok(Encoding::Email)
        } else {
            Err(ApiError::unsupported_media_type(&String::from_utf8_lossy(essence)))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBody {
    text: Option<String>,
    texts: Option<Vec<String>>,
}

/// Parses a JSON body: exactly one of `text` and `texts`.
pub(crate) fn parse_json(body: &[u8]) -> Result<Input, ApiError> {
    let parsed: JsonBody =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))?;
    match (parsed.text, parsed.texts) {
        (Some(text), None) => Ok(Input::One(text)),
        (None, Some(texts)) => Ok(Input::Many(texts)),
        (Some(_), Some(_)) => Err(ApiError::bad_request("give either `text` or `texts`, not both")),
        (None, None) => Err(ApiError::bad_request(
            "the body needs `text` (one reply) or `texts` (a list of replies): {\"text\": \"550 5.1.1 ...\"}",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(Encoding::of(None).unwrap(), Encoding::Json);
        assert_eq!(Encoding::of(Some(b"application/json; charset=utf-8")).unwrap(), Encoding::Json);
        assert_eq!(Encoding::of(Some(b"Application/JSON")).unwrap(), Encoding::Json);
        assert_eq!(Encoding::of(Some(b"application/vnd.api+json")).unwrap(), Encoding::Json);
        assert_eq!(Encoding::of(Some(b" message/RFC822 ")).unwrap(), Encoding::Email);
        let e = Encoding::of(Some(b"text/plain")).unwrap_err();
        assert_eq!(e.status.as_u16(), 415);
        assert!(e.message.contains("text/plain"), "{}", e.message);
        assert_eq!(Encoding::of(Some(b"json")).unwrap_err().status.as_u16(), 415);
    }

    #[test]
    fn json_bodies() {
        assert_eq!(parse_json(br#"{"text":"550 x"}"#).unwrap(), Input::One("550 x".into()));
        assert_eq!(parse_json(br#"{"texts":["a","b"]}"#).unwrap(), Input::Many(vec!["a".into(), "b".into()]));
        assert_eq!(parse_json(br#"{"texts":[]}"#).unwrap(), Input::Many(vec![]));
        for bad in
            [&b"{"[..], b"", b"[]", b"{}", br#"{"text":1}"#, br#"{"text":"a","texts":[]}"#, br#"{"txt":"a"}"#, b"\xff"]
        {
            let e = parse_json(bad).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse_json(b"{").unwrap_err().message.starts_with("malformed JSON body: "));
    }
}
