//! Where the server's rules come from: read once per request, so that a
//! reload behind the source changes the answers of the next request without
//! touching the ones in flight. A [`LiveEngine`] is one (hot reload); a
//! [`Fixed`] engine is the other.

use std::time::SystemTime;

use crate::reload::ReloadStats;
use crate::{Engine, LiveEngine};

/// The rules a request is answered with.
#[derive(Debug, Clone)]
pub struct Current {
    /// The engine, in the profile requests default to.
    pub engine: Engine,
    /// 1 for the rules loaded at start, one more per applied reload.
    pub generation: u64,
    /// When these rules were loaded.
    pub loaded_at: SystemTime,
}

/// A source of rules for the server.
///
/// `current` is called once per request and must not block: a live source
/// answers from an atomically swapped snapshot.
pub trait EngineSource: Send + Sync + 'static {
    /// The rules to answer the next request with.
    fn current(&self) -> Current;

    /// Reload counters; `None` for a source that never reloads.
    fn reloads(&self) -> Option<ReloadStats> {
        None
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

/// The rules of a watched directory, in the handle's profile: reloaded on
/// change, with the reload counters.
impl EngineSource for LiveEngine {
    fn current(&self) -> Current {
        let current = LiveEngine::current(self);
        Current { generation: current.generation(), loaded_at: current.loaded_at(), engine: current.engine().clone() }
    }

    fn reloads(&self) -> Option<ReloadStats> {
        Some(self.stats())
    }
}
