//! The debounced file watcher and the background thread that reloads when it
//! reports a change.

use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};

use super::reloader::{Reloader, Trigger};

/// Keeps the watcher alive; dropping it stops watching, and the reload thread
/// ends once the watcher's channel closes.
pub(crate) struct WatchGuard {
    // Behind a mutex only so that the guard is `Sync` whatever the platform's
    // watcher is; it is never locked.
    _debouncer: Mutex<Debouncer<RecommendedWatcher>>,
}

/// Watches `reloader.dir()` recursively and reloads on a background thread
/// after every debounced batch of changes.
pub(crate) fn spawn(reloader: Arc<Reloader>, debounce: Duration) -> notify::Result<WatchGuard> {
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(debounce, tx)?;
    debouncer.watcher().watch(reloader.dir(), RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("rebound-reload".into())
        .spawn(move || run(&reloader, &rx))
        .map_err(notify::Error::io)?;
    Ok(WatchGuard { _debouncer: Mutex::new(debouncer) })
}

/// Reloads once per batch of events (everything already queued is folded in),
/// until the watcher goes away.
fn run(reloader: &Reloader, rx: &mpsc::Receiver<DebounceEventResult>) {
    while let Ok(first) = rx.recv() {
        let mut paths = Vec::new();
        let mut error = None;
        for result in std::iter::once(first).chain(rx.try_iter()) {
            match result {
                Ok(events) => paths.extend(events.into_iter().map(|e| e.path).filter(|p| relevant(p))),
                Err(e) => error = Some(e.to_string()),
            }
        }
        paths.sort();
        paths.dedup();
        let trigger = match error {
            Some(error) => Trigger::Rescan { error },
            None if paths.is_empty() => continue,
            None => Trigger::Watch { paths },
        };
        reloader.reload(trigger);
    }
}

/// Whether a change to `path` can matter to the rules: anything but editor
/// swap, backup and lock files. Directories count (created, removed or
/// renamed folders), and so do hidden paths, since a deployment may swap a
/// hidden directory behind symlinks (as Kubernetes does with `..data`).
fn relevant(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return true };
    let junk = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.starts_with(".#")
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name == "4913";
    !junk
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn editor_leftovers_are_not_changes() {
        let paths = [
            "rules/phrases/a.toml",
            "rules/phrases/.a.toml.swp",
            "rules/phrases/a.toml~",
            "rules/phrases/.#a.toml",
            "rules/phrases/#a.toml#",
            "rules/phrases/4913",
            "rules/new-folder",
            "rules/..data",
        ];
        let kept: Vec<PathBuf> = paths.iter().map(PathBuf::from).filter(|p| relevant(p)).collect();
        let want: Vec<PathBuf> =
            ["rules/phrases/a.toml", "rules/new-folder", "rules/..data"].iter().map(PathBuf::from).collect();
        assert_eq!(kept, want);
    }
}
