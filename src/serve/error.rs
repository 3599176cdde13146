//! Error answers: a status code and a JSON body `{"error": "..."}` that says
//! what was wrong with the request, never a bare status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::UnknownProfile;

/// A request the server refuses, or could not answer.
#[derive(Debug)]
pub(crate) struct ApiError {
    /// The status code.
    pub status: StatusCode,
    /// What went wrong, for a person.
    pub message: String,
    /// For an unknown profile: the profiles the rules define.
    pub known_profiles: Option<Vec<String>>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), known_profiles: None }
    }

    /// 400: the request is malformed.
    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 400: the profile asked for is not defined by the live rules.
    pub(crate) fn unknown_profile(e: UnknownProfile) -> ApiError {
        let message = if e.known.is_empty() {
            format!("unknown profile `{}`: the rules define no profiles", e.name)
        } else {
            e.to_string()
        };
        ApiError { status: StatusCode::BAD_REQUEST, message, known_profiles: Some(e.known) }
    }

    /// 413: the body is larger than the server accepts.
    pub(crate) fn too_large(limit: usize) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is larger than the limit of {limit} bytes"))
    }

    /// 415: a `Content-Type` the endpoint does not read.
    pub(crate) fn unsupported_media_type(got: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type `{got}` is not supported: send application/json or message/rfc822"),
        )
    }

    /// 404: no such endpoint.
    pub(crate) fn not_found(path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no endpoint at `{path}`: see GET /openapi.json for POST /classify, GET /healthz, GET /metrics"),
        )
    }

    /// 405: the endpoint exists but not for this method.
    pub(crate) fn method_not_allowed(method: &str, path: &str) -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("`{path}` does not answer {method}"))
    }

    /// 500: the server failed; the request may be retried.
    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let Some(known) = self.known_profiles {
            body["known_profiles"] = known.into();
        }
        let mut bytes = body.to_string().into_bytes();
        bytes.push(b'\n');
        let mut response = (self.status, bytes).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
