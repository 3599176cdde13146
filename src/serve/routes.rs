//! The HTTP endpoints: `POST /classify`, `GET /healthz`, `GET /metrics`,
//! `GET /openapi.json`, and JSON errors for everything else.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Instant, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::error::ApiError;
use super::input::Encoding;
use super::metrics::route_of;
use super::{answer, openapi, AppState};
use crate::Engine;

/// Bodies at least this large are classified on the blocking pool, so that a
/// big batch never holds up the other requests of its worker thread.
const BLOCKING_BODY: usize = 64 * 1024;

/// The router over `state`.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let max_body = state.max_body;
    Router::new()
        .route("/classify", post(classify))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), count))
        .with_state(state)
}

/// Counts every request by route and status, and the requests in flight.
async fn count(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = route_of(request.uri().path());
    let _in_flight = state.metrics.enter();
    let response = next.run(request).await;
    state.metrics.count_request(route, response.status().as_u16());
    response
}

#[derive(Deserialize)]
struct Params {
    profile: Option<String>,
}

async fn classify(State(state): State<Arc<AppState>>, request: Request) -> Result<Response, ApiError> {
    let params = Query::<Params>::try_from_uri(request.uri())
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))?;
    let encoding = Encoding::of(request.headers().get(header::CONTENT_TYPE).map(HeaderValue::as_bytes))?;
    // Refuse a declared oversized body before reading any of it.
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return Err(ApiError::too_large(state.max_body));
    }
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(ApiError::too_large(state.max_body)),
        Err(e) => return Err(ApiError::bad_request(format!("cannot read the body: {}", e.body_text()))),
    };

    let start = Instant::now();
    let engine = state.engine_for(params.0.profile.as_deref())?;
    let answer = if body.len() >= BLOCKING_BODY {
        let state = Arc::clone(&state);
        tokio::task::spawn_blocking(move || guarded_answer(&state, &engine, encoding, &body))
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("classifying the request failed")))?
    } else {
        guarded_answer(&state, &engine, encoding, &body)?
    };
    state.metrics.observe_latency(start.elapsed());
    Ok(json(answer))
}

/// Parses, classifies and writes the answer, turning a panic into a 500 so
/// that no request can take a worker down.
fn guarded_answer(state: &AppState, engine: &Engine, encoding: Encoding, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    catch_unwind(AssertUnwindSafe(|| answer::answer(engine, encoding, body, &state.metrics)))
        .unwrap_or_else(|_| Err(ApiError::internal("classifying the request failed")))
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let current = state.source.current();
    let last_error = state.source.reloads().and_then(|r| r.last_error);
    let body = serde_json::json!({
        "status": "ok",
        "generation": current.generation,
        "loaded_at": current.loaded_at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
        "profile": current.engine.profile().map(|p| p.name.as_str()),
        "last_reload_error": last_error.map(|diags| diags.iter().map(ToString::to_string).collect::<Vec<_>>()),
    });
    let mut bytes = body.to_string().into_bytes();
    bytes.push(b'\n');
    json(bytes)
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = state.metrics.render(&state.source.current(), state.source.reloads().as_ref());
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

async fn openapi_json() -> Response {
    json(openapi::DOCUMENT)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(uri.path())
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}

/// `body` as an `application/json` response.
fn json(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
