//! Where the server's rules come from: read once per request, so that a
//! reload behind the source changes the answers of the next request without
//! touching the ones in flight.

use std::time::SystemTime;

use crate::Engine;

/// The rules a request is answered with.
#[derive(Debug, Clone)]
pub struct Current {
    /// The engine, in the rules' default profile.
    pub engine: Engine,
    /// 1 for the rules loaded at start, one more per applied reload.
    pub generation: u64,
    /// When these rules were loaded.
    pub loaded_at: SystemTime,
}

/// Reload counters since start, for `/metrics` and `/healthz`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadCounts {
    /// Reloads that made new rules live.
    pub applied: u64,
    /// Reloads rejected because the files were broken; older rules serve.
    pub rejected: u64,
    /// Reloads that found the files unchanged.
    pub unchanged: u64,
    /// The diagnostics of the last reload while it stands rejected, each as
    /// `path:line:column: message`.
    pub last_error: Option<Vec<String>>,
}

/// A source of rules for the server.
///
/// `current` is called once per request and must not block: a live source
/// answers from an atomically swapped snapshot.
pub trait EngineSource: Send + Sync + 'static {
    /// The rules to answer the next request with.
    fn current(&self) -> Current;

    /// Reload counters; a source that never reloads has none.
    fn reloads(&self) -> ReloadCounts {
        ReloadCounts::default()
    }
}

/// Rules that never change (the rules built into the binary, say): always
/// generation 1.
///
/// ```
/// use rebound::serve::{EngineSource, Fixed};
///
/// let fixed = Fixed::new(rebound::Engine::embedded()?);
/// assert_eq!(fixed.current().generation, 1);
/// # Ok::<(), rebound::LoadError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Fixed {
    engine: Engine,
    loaded_at: SystemTime,
}

impl Fixed {
    /// Serves `engine` for the life of the server.
    pub fn new(engine: Engine) -> Fixed {
        Fixed { engine, loaded_at: SystemTime::now() }
    }
}

impl EngineSource for Fixed {
    fn current(&self) -> Current {
        Current { engine: self.engine.clone(), generation: 1, loaded_at: self.loaded_at }
    }
}
