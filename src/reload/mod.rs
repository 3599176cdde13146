//! Hot reload: a [`LiveEngine`] answers with the rules of a directory as they
//! are now, picking up edits by itself.
//!
//! The live rules are an immutable [`Snapshot`] behind an atomic pointer
//! (`arc-swap`). A debounced watcher sees the directory change (files
//! written, renamed over, added or removed; folders created), and a
//! background thread reads the whole directory again and runs the same
//! checks as `rebound check`, rule examples included. Only rules that pass
//! every check are swapped in; a broken change is rejected as a whole, its
//! diagnostics reported as `path:line:column: ...`, and the last good rules
//! keep answering until a later change fixes it.
//!
//! Classifying never waits for a reload, and one [`Current`] always answers
//! from a single snapshot, never a mix of old and new rules.
//!
//! ```no_run
//! use rebound::Engine;
//!
//! let live = Engine::watch("rules/")?;
//! let events = live.subscribe();
//! let current = live.current();
//! let c = current.classify("550 5.1.1 <bob@example.org>: User unknown");
//! println!("{} (rules generation {})", c.reason.name, current.generation());
//! // Later: how did the last reload go?
//! if let Ok(event) = events.try_recv() {
//!     println!("{:?} in {:?}", event.outcome, event.duration);
//! }
//! # Ok::<(), rebound::reload::WatchError>(())
//! ```

mod reloader;
mod watcher;

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, SystemTime};

pub use reloader::{Outcome, ReloadEvent, ReloadStats, Snapshot, Trigger};

use crate::{Engine, LoadError, UnknownProfile};
use reloader::Reloader;
use watcher::WatchGuard;

/// How long the watcher waits for a burst of changes to settle before
/// reloading.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(150);

/// The rules of a directory, kept current. Cheap to clone; clones share the
/// rules, the watcher and the counters.
#[derive(Clone)]
pub struct LiveEngine {
    reloader: Arc<Reloader>,
    profile: Option<Arc<str>>,
    /// Dropping the last clone stops the watcher.
    watch: Option<Arc<WatchGuard>>,
}

impl fmt::Debug for LiveEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveEngine")
            .field("dir", &self.reloader.dir())
            .field("profile", &self.profile)
            .field("watching", &self.watch.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a [`LiveEngine`] could not start.
#[derive(Debug)]
pub enum WatchError {
    /// The rules do not load or do not pass their checks.
    Load(LoadError),
    /// The profile asked for is not defined by the rules.
    Profile(UnknownProfile),
    /// The directory cannot be watched.
    Watch(notify::Error),
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Load(e) => e.fmt(f),
            WatchError::Profile(e) => e.fmt(f),
            WatchError::Watch(e) => write!(f, "cannot watch the rules directory: {e}"),
        }
    }
}

impl std::error::Error for WatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WatchError::Load(e) => Some(e),
            WatchError::Profile(e) => Some(e),
            WatchError::Watch(e) => Some(e),
        }
    }
}

/// Options for a [`LiveEngine`]; see [`LiveEngine::builder`].
#[derive(Debug, Clone)]
pub struct Builder {
    dir: PathBuf,
    debounce: Duration,
    watch: bool,
    profile: Option<String>,
}

impl Builder {
    /// How long a burst of changes must be quiet before the reload
    /// (default [`DEFAULT_DEBOUNCE`]).
    pub fn debounce(mut self, debounce: Duration) -> Builder {
        self.debounce = debounce;
        self
    }

    /// Whether to watch the directory (default `true`). Without a watcher the
    /// rules change only on [`LiveEngine::reload_now`].
    pub fn watch(mut self, watch: bool) -> Builder {
        self.watch = watch;
        self
    }

    /// Answer in profile `name` instead of the rules' default. A reload whose
    /// rules no longer define it is rejected.
    pub fn profile(mut self, name: impl Into<String>) -> Builder {
        self.profile = Some(name.into());
        self
    }

    /// Loads and checks the rules, and starts watching.
    pub fn build(self) -> Result<LiveEngine, WatchError> {
        let reloader = Arc::new(Reloader::open(&self.dir).map_err(WatchError::Load)?);
        let profile = match &self.profile {
            Some(name) => Some(reloader.require_profile(name).map_err(WatchError::Profile)?),
            None => None,
        };
        let watch = if self.watch {
            Some(Arc::new(watcher::spawn(Arc::clone(&reloader), self.debounce).map_err(WatchError::Watch)?))
        } else {
            None
        };
        Ok(LiveEngine { reloader, profile, watch })
    }
}

impl Engine {
    /// The rules under `dir`, reloaded whenever the files change; see
    /// [`LiveEngine`]. Fails when the rules do not pass `rebound check`.
    pub fn watch(dir: impl AsRef<Path>) -> Result<LiveEngine, WatchError> {
        LiveEngine::builder(dir).build()
    }
}

impl LiveEngine {
    /// Options for watching `dir`: debounce, profile, or no watcher at all.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let live = rebound::LiveEngine::builder("rules/")
    ///     .debounce(Duration::from_millis(100))
    ///     .profile("sisimai")
    ///     .build()?;
    /// # Ok::<(), rebound::reload::WatchError>(())
    /// ```
    pub fn builder(dir: impl AsRef<Path>) -> Builder {
        Builder { dir: dir.as_ref().to_path_buf(), debounce: DEFAULT_DEBOUNCE, watch: true, profile: None }
    }

    /// The rules as they are now, in this handle's profile. Lock-free; the
    /// answer stays on this snapshot however many reloads happen meanwhile.
    pub fn current(&self) -> Current {
        let snapshot = self.reloader.snapshot();
        let engine = match &self.profile {
            // Registered profiles are defined by every later snapshot; the
            // fallback only keeps this total.
            Some(name) => snapshot.engine().with_profile(name).unwrap_or_else(|_| snapshot.engine().clone()),
            None => snapshot.engine().clone(),
        };
        Current { engine, snapshot }
    }

    /// The live snapshot (default profile), with its generation and load time.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.reloader.snapshot()
    }

    /// A handle on the same live rules answering in profile `name`. From now
    /// on, a reload whose rules lack that profile is rejected.
    pub fn with_profile(&self, name: &str) -> Result<LiveEngine, UnknownProfile> {
        let profile = self.reloader.require_profile(name)?;
        Ok(LiveEngine { profile: Some(profile), ..self.clone() })
    }

    /// The profile this handle answers in, when not the rules' default.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// The watched directory.
    pub fn dir(&self) -> &Path {
        self.reloader.dir()
    }

    /// Whether a watcher reloads on change (see [`Builder::watch`]).
    pub fn is_watching(&self) -> bool {
        self.watch.is_some()
    }

    /// Reads the directory again now, on this thread, and reports how it
    /// went (the event also goes to every subscriber).
    pub fn reload_now(&self) -> ReloadEvent {
        self.reloader.reload(Trigger::Forced)
    }

    /// A channel that receives every reload event from now on. Dropping the
    /// receiver unsubscribes.
    pub fn subscribe(&self) -> mpsc::Receiver<ReloadEvent> {
        self.reloader.subscribe()
    }

    /// Counters over every reload so far.
    pub fn stats(&self) -> ReloadStats {
        self.reloader.stats()
    }
}

/// One snapshot of the rules in a handle's profile: an [`Engine`] (it derefs
/// to one) plus the generation it belongs to.
#[derive(Debug, Clone)]
pub struct Current {
    engine: Engine,
    snapshot: Arc<Snapshot>,
}

impl Current {
    /// The generation of these rules.
    pub fn generation(&self) -> u64 {
        self.snapshot.generation()
    }

    /// When these rules were loaded.
    pub fn loaded_at(&self) -> SystemTime {
        self.snapshot.loaded_at()
    }

    /// The engine, in the handle's profile.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl Deref for Current {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<LiveEngine>();
        assert_send_sync::<Current>();
        assert_send_sync::<ReloadEvent>();
    }
}
