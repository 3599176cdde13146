//! The state shared by every handle on a live rules directory: the current
//! snapshot behind an [`ArcSwap`], the reload procedure (load → check →
//! compile → swap) and what it reports (events and counters).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;

use crate::rules::{Diagnostic, LoadError, SourceFile};
use crate::Engine;

/// One compiled rule set as it was loaded: the rules, a generation number and
/// the moment they were loaded. Immutable; a reload makes a new one.
#[derive(Debug)]
pub struct Snapshot {
    engine: Engine,
    generation: u64,
    loaded_at: SystemTime,
}

impl Snapshot {
    /// The rules of this snapshot, answering in their default profile.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// 1 for the rules loaded at start, one more for every applied reload.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When these rules were loaded.
    pub fn loaded_at(&self) -> SystemTime {
        self.loaded_at
    }
}

/// What started a reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The watcher saw these paths change (debounced).
    Watch {
        /// The changed paths, as the watcher reported them.
        paths: Vec<PathBuf>,
    },
    /// The watcher reported an error (an overflowing event queue, say), so
    /// the whole directory is read again to be sure.
    Rescan {
        /// The watcher's error.
        error: String,
    },
    /// [`LiveEngine::reload_now`](super::LiveEngine::reload_now) (SIGHUP in the CLI).
    Forced,
}

/// How a reload ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// New rules are live, under a new generation. The warnings they carry
    /// (which do not stop a reload) are attached.
    Applied {
        /// Warnings of the new rules.
        warnings: Arc<[Diagnostic]>,
    },
    /// The files failed to load, check or compile; the previous rules keep
    /// answering. Every diagnostic found, in file order.
    Rejected {
        /// Errors and warnings, each displayed as `path:line:column: ...`.
        diagnostics: Arc<[Diagnostic]>,
    },
    /// The files hold exactly the text of the live snapshot; nothing changed.
    Unchanged,
}

/// The report of one reload.
#[derive(Debug, Clone)]
pub struct ReloadEvent {
    /// What started it.
    pub trigger: Trigger,
    /// How it ended.
    pub outcome: Outcome,
    /// The generation live after it.
    pub generation: u64,
    /// When it started.
    pub started_at: SystemTime,
    /// How long load, check, compile and swap took.
    pub duration: Duration,
}

/// Counters over every reload since start, for a `/metrics` endpoint.
#[derive(Debug, Clone)]
pub struct ReloadStats {
    /// The live generation.
    pub generation: u64,
    /// When the live rules were loaded.
    pub loaded_at: SystemTime,
    /// Reloads that made new rules live.
    pub applied: u64,
    /// Reloads rejected because the files were broken. A reload that finds
    /// exactly the files already rejected (a save seen as two file events)
    /// reports the same diagnostics again but is not counted twice.
    pub rejected: u64,
    /// Reloads that found the files identical to the live rules.
    pub unchanged: u64,
    /// How long the last reload took, if there was one.
    pub last_duration: Option<Duration>,
    /// The diagnostics of the last reload when it was rejected: the files on
    /// disk are broken and the live rules are older than them. Cleared by the
    /// next reload that is applied or finds nothing changed.
    pub last_error: Option<Arc<[Diagnostic]>>,
}

/// Shared state of a live rules directory.
pub(crate) struct Reloader {
    dir: PathBuf,
    live: ArcSwap<Snapshot>,
    /// Held for a whole reload, so reloads never interleave.
    reloading: Mutex<()>,
    /// Profiles some handle answers in; a reload that drops one is rejected.
    /// Held while checking them and swapping, so that a handle never
    /// registers a profile the next snapshot lacks.
    profiles: Mutex<Vec<Arc<str>>>,
    stats: Mutex<ReloadStats>,
    subscribers: Mutex<Vec<mpsc::Sender<ReloadEvent>>>,
    /// The files of the last rejected reload and its diagnostics, so the same
    /// broken files are neither checked nor counted again.
    last_rejected: Mutex<Option<Rejection>>,
}

/// Files that failed their check, and what the check said.
type Rejection = (Vec<SourceFile>, Arc<[Diagnostic]>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its data consistent, so a panic elsewhere
    // cannot have left it half-written.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Reloader {
    /// Loads and checks `dir`: the first snapshot, generation 1.
    pub(crate) fn open(dir: &Path) -> Result<Reloader, LoadError> {
        let files = crate::rules::source::dir_sources(dir)?;
        let report = crate::check::check_sources(files);
        let Some(compiled) = report.compiled else {
            return Err(LoadError { diagnostics: report.diagnostics });
        };
        let now = SystemTime::now();
        let snapshot = Snapshot { engine: Engine::new(Arc::new(compiled)), generation: 1, loaded_at: now };
        Ok(Reloader {
            dir: dir.to_path_buf(),
            live: ArcSwap::from_pointee(snapshot),
            reloading: Mutex::new(()),
            profiles: Mutex::new(Vec::new()),
            stats: Mutex::new(ReloadStats {
                generation: 1,
                loaded_at: now,
                applied: 0,
                rejected: 0,
                unchanged: 0,
                last_duration: None,
                last_error: None,
            }),
            subscribers: Mutex::new(Vec::new()),
            last_rejected: Mutex::new(None),
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The live snapshot. Lock-free.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.live.load_full()
    }

    pub(crate) fn stats(&self) -> ReloadStats {
        lock(&self.stats).clone()
    }

    pub(crate) fn subscribe(&self) -> mpsc::Receiver<ReloadEvent> {
        let (tx, rx) = mpsc::channel();
        lock(&self.subscribers).push(tx);
        rx
    }

    /// Registers `name` as a profile in use, if the live rules define it.
    pub(crate) fn require_profile(&self, name: &str) -> Result<Arc<str>, crate::UnknownProfile> {
        let mut profiles = lock(&self.profiles);
        self.live.load().engine.with_profile(name)?;
        if let Some(p) = profiles.iter().find(|p| &***p == name) {
            return Ok(Arc::clone(p));
        }
        let name: Arc<str> = Arc::from(name);
        profiles.push(Arc::clone(&name));
        Ok(name)
    }

    /// Reads the directory again and makes it live if it passes every check.
    pub(crate) fn reload(&self, trigger: Trigger) -> ReloadEvent {
        let _reloading = lock(&self.reloading);
        let started_at = SystemTime::now();
        let start = Instant::now();
        let current = self.live.load_full();
        let mut last_rejected = lock(&self.last_rejected);
        let mut repeat = false;
        let (outcome, generation) = match crate::rules::source::dir_sources(&self.dir) {
            Err(e) => (Outcome::Rejected { diagnostics: e.diagnostics.into() }, current.generation),
            Ok(files) if files == current.engine.rules().files => (Outcome::Unchanged, current.generation),
            Ok(files) => match &*last_rejected {
                Some((rejected, diagnostics)) if *rejected == files => {
                    repeat = true;
                    (Outcome::Rejected { diagnostics: Arc::clone(diagnostics) }, current.generation)
                }
                _ => match self.check(files.clone()) {
                    Err(diagnostics) => {
                        let diagnostics: Arc<[Diagnostic]> = diagnostics.into();
                        *last_rejected = Some((files, Arc::clone(&diagnostics)));
                        (Outcome::Rejected { diagnostics }, current.generation)
                    }
                    Ok((compiled, warnings)) => self.swap(compiled, warnings, &current),
                },
            },
        };
        if !matches!(outcome, Outcome::Rejected { .. }) {
            *last_rejected = None;
        }
        drop(last_rejected);
        let duration = start.elapsed();
        let event = ReloadEvent { trigger, outcome, generation, started_at, duration };
        self.record(&event, repeat);
        event
    }

    /// `rebound check` on the files: the compiled rules and their warnings,
    /// or every diagnostic. A panic in there (a bug, never bad input) rejects
    /// the change instead of ending the reload thread.
    fn check(&self, files: Vec<SourceFile>) -> Result<(crate::CompiledRules, Vec<Diagnostic>), Vec<Diagnostic>> {
        let checked = std::panic::catch_unwind(AssertUnwindSafe(|| crate::check::check_sources(files)));
        match checked {
            Ok(report) => match report.compiled {
                Some(compiled) => Ok((compiled, report.diagnostics)),
                None => Err(report.diagnostics),
            },
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let message = format!("internal error while checking the rules (please report it): {what}");
                Err(vec![Diagnostic::error_path(self.dir.display().to_string(), message)])
            }
        }
    }

    /// Makes `compiled` the live rules, unless it lacks a profile in use.
    fn swap(&self, compiled: crate::CompiledRules, warnings: Vec<Diagnostic>, current: &Snapshot) -> (Outcome, u64) {
        let engine = Engine::new(Arc::new(compiled));
        let profiles = lock(&self.profiles);
        let missing: Vec<Diagnostic> = profiles
            .iter()
            .filter(|name| engine.with_profile(name).is_err())
            .map(|name| {
                Diagnostic::error_path(
                    self.dir.display().to_string(),
                    format!("profile `{name}` is in use but the new rules no longer define it"),
                )
            })
            .collect();
        if !missing.is_empty() {
            let mut diagnostics = missing;
            diagnostics.extend(warnings);
            return (Outcome::Rejected { diagnostics: diagnostics.into() }, current.generation);
        }
        let generation = current.generation + 1;
        self.live.store(Arc::new(Snapshot { engine, generation, loaded_at: SystemTime::now() }));
        (Outcome::Applied { warnings: warnings.into() }, generation)
    }

    /// Counts the event (a `repeat` of the last rejection is not counted
    /// again) and hands it to every subscriber still listening.
    fn record(&self, event: &ReloadEvent, repeat: bool) {
        {
            let mut stats = lock(&self.stats);
            stats.last_duration = Some(event.duration);
            match &event.outcome {
                Outcome::Applied { .. } => {
                    stats.applied += 1;
                    stats.last_error = None;
                    stats.generation = event.generation;
                    stats.loaded_at = self.live.load().loaded_at;
                }
                Outcome::Rejected { diagnostics } => {
                    stats.rejected += u64::from(!repeat);
                    stats.last_error = Some(Arc::clone(diagnostics));
                }
                Outcome::Unchanged => {
                    stats.unchanged += 1;
                    stats.last_error = None;
                }
            }
        }
        lock(&self.subscribers).retain(|tx| tx.send(event.clone()).is_ok());
    }
}
