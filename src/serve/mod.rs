//! `rebound serve`: classification over HTTP, for senders' pipelines
//! (webhook handlers, log shippers, MTAs).
//!
//! | endpoint | answers |
//! |---|---|
//! | `POST /classify` | `{"text": "..."}` → one answer; `{"texts": [...]}` or a `message/rfc822` email → a list. `?profile=NAME` picks the profile. |
//! | `GET /healthz` | 200 while serving, with the generation of the live rules |
//! | `GET /metrics` | Prometheus text, series `rebound_*` |
//! | `GET /openapi.json` | the OpenAPI 3.1 document of all this |
//!
//! Answers have exactly the shape of `rebound classify --format json` (the
//! same writer makes them). The rules come from an [`EngineSource`], read
//! once per request, so a reload behind it applies from the next request on.
//!
//! ```no_run
//! use std::sync::Arc;
//! use rebound::serve::{Fixed, Options, Server};
//!
//! # async fn run() -> std::io::Result<()> {
//! let source = Arc::new(Fixed::new(rebound::Engine::embedded().unwrap()));
//! let server = Server::new(source, Options::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8025").await?;
//! server.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

mod answer;
mod error;
mod input;
mod metrics;
pub mod openapi;
mod routes;
mod source;

use std::future::{Future, IntoFuture};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use self::error::ApiError;
use self::metrics::Metrics;
pub use self::source::{Current, EngineSource, Fixed};
use crate::Engine;

/// The default limit on a request body: 2 MiB.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// How a server behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest request body accepted; larger ones get 413.
    pub max_body: usize,
    /// How long a shutdown waits for the requests in flight.
    pub drain_timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options { max_body: DEFAULT_MAX_BODY, drain_timeout: Duration::from_secs(30) }
    }
}

/// How a server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight was answered.
    Drained,
    /// The drain timeout passed with these requests still in flight.
    TimedOut {
        /// Requests that were cut off.
        in_flight: u64,
    },
}

/// State shared by every request.
pub(crate) struct AppState {
    source: Arc<dyn EngineSource>,
    max_body: usize,
    metrics: Metrics,
}

impl AppState {
    /// The live engine in the profile `asked` for, else in the source's.
    fn engine_for(&self, asked: Option<&str>) -> Result<Engine, ApiError> {
        let engine = self.source.current().engine;
        match asked {
            Some(name) => engine.with_profile(name).map_err(ApiError::unknown_profile),
            None => Ok(engine),
        }
    }
}

/// An HTTP server over a source of rules.
pub struct Server {
    state: Arc<AppState>,
    drain_timeout: Duration,
}

impl Server {
    /// A server answering from `source`, by default in the source's
    /// profile.
    pub fn new(source: Arc<dyn EngineSource>, options: Options) -> Server {
        let state = AppState { source, max_body: options.max_body, metrics: Metrics::default() };
        Server { state: Arc::new(state), drain_timeout: options.drain_timeout }
    }

    /// The endpoints as an axum router, to mount in a larger application.
    pub fn router(&self) -> axum::Router {
        routes::router(Arc::clone(&self.state))
    }

    /// Serves on `listener` until `shutdown` completes; then stops accepting,
    /// lets the requests in flight finish (up to the drain timeout) and
    /// returns how that went.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<Stopped> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, self.router()).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let mut task = tokio::spawn(server.into_future());
        tokio::select! {
            result = &mut task => return joined(result).map(|()| Stopped::Drained),
            () = shutdown => {}
        }
        let _ = stop.send(());
        match tokio::time::timeout(self.drain_timeout, &mut task).await {
            Ok(result) => joined(result).map(|()| Stopped::Drained),
            Err(_) => {
                task.abort();
                Ok(Stopped::TimedOut { in_flight: self.state.metrics.in_flight() })
            }
        }
    }
}

fn joined(result: Result<io::Result<()>, tokio::task::JoinError>) -> io::Result<()> {
    result.map_err(|e| io::Error::other(format!("the server task failed: {e}")))?
}
