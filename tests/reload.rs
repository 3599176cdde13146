//! Hot reload against a real directory: files are written, renamed over,
//! added, removed and broken under a temporary rules directory, and the
//! answers must follow (or, for broken edits, must not).
//!
//! Nothing sleeps for a fixed time: every wait polls with a generous deadline,
//! so a slow machine makes the tests slower, never wrong. How fast a change
//! goes live is measured by `examples/reload_latency.rs`, not asserted here.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rebound::reload::{Outcome, ReloadEvent, Trigger};
use rebound::{Engine, LiveEngine};

#[path = "reload/cli.rs"]
mod cli;
#[path = "reload/fixtures.rs"]
mod fixtures;
use fixtures::{write, BASE, DEADLINE};

/// Polls `f` until it gives a value or [`DEADLINE`] passes.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The first event that `want` accepts.
fn event(rx: &mpsc::Receiver<ReloadEvent>, what: &str, want: impl Fn(&ReloadEvent) -> bool) -> ReloadEvent {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) if want(&e) => return e,
            Ok(_) => {}
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

fn reason(live: &LiveEngine, text: &str) -> String {
    live.current().classify(text).reason.name.clone()
}

/// Waits until `text` is classified as `want`.
fn answers(live: &LiveEngine, text: &str, want: &str) {
    eventually(&format!("`{text}` to be classified as {want}"), || (reason(live, text) == want).then_some(()));
}

fn rejected(e: &ReloadEvent) -> bool {
    matches!(e.outcome, Outcome::Rejected { .. })
}

#[test]
fn edit_in_place_goes_live() {
    let dir = fixtures::rules_dir();
    let live = Engine::watch(dir.path()).unwrap();
    let events = live.subscribe();
    assert_eq!(reason(&live, "550 zorgle"), "undefined");
    assert_eq!(live.current().generation(), 1);

    let edited = BASE.replace(r#"["no such user"]"#, r#"["no such user", "zorgle"]"#);
    write(&dir.path().join("phrases/base.toml"), &edited);
    answers(&live, "550 zorgle", "user_unknown");

    let e = event(&events, "an applied reload", |e| matches!(e.outcome, Outcome::Applied { .. }));
    assert_eq!(e.generation, 2);
    assert!(matches!(&e.trigger, Trigger::Watch { paths } if paths.iter().any(|p| p.ends_with("base.toml"))));
    let stats = live.stats();
    assert_eq!((stats.generation, stats.applied, stats.rejected), (2, 1, 0));
    assert!(stats.last_error.is_none());
}

#[test]
fn save_by_rename_goes_live() {
    let dir = fixtures::rules_dir();
    let live = Engine::watch(dir.path()).unwrap();
    let edited = BASE.replace(r#"["no such user"]"#, r#"["no such user", "zorgle"]"#);
    // What editors and `sed -i` do: write a temporary file, rename it over.
    let tmp = dir.path().join("phrases/.base.toml.tmp");
    write(&tmp, &edited);
    fs::rename(&tmp, dir.path().join("phrases/base.toml")).unwrap();
    answers(&live, "550 zorgle", "user_unknown");
}

#[test]
fn files_added_in_new_folders_and_removed_follow() {
    let dir = fixtures::rules_dir();
    let live = Engine::watch(dir.path()).unwrap();
    let deep = dir.path().join("providers/acme/mx");
    fs::create_dir_all(&deep).unwrap();
    write(&deep.join("quota.toml"), fixtures::FULL);
    answers(&live, "452 mailbox is full, try later", "mailbox_full");

    // Renaming the folder to a hidden name takes its rules out.
    fs::rename(dir.path().join("providers"), dir.path().join(".providers")).unwrap();
    answers(&live, "452 mailbox is full, try later", "undefined");

    // Back under a visible name, then the file itself removed.
    fs::rename(dir.path().join(".providers"), dir.path().join("other")).unwrap();
    answers(&live, "452 mailbox is full, try later", "mailbox_full");
    fs::remove_file(dir.path().join("other/acme/mx/quota.toml")).unwrap();
    answers(&live, "452 mailbox is full, try later", "undefined");
    assert_eq!(reason(&live, "550 no such user"), "user_unknown");
}

#[test]
fn broken_edit_keeps_the_old_rules_and_says_where() {
    let dir = fixtures::rules_dir();
    let live = Engine::watch(dir.path()).unwrap();
    let events = live.subscribe();
    let base = dir.path().join("phrases/base.toml");
    // Line 3, column 10: the misspelt reason name.
    write(
        &base,
        &BASE.replace(r#"reason = "user_unknown""#, r#"reason = "user_unknwon""#).replace("no such user", "zorgle"),
    );

    let e = event(&events, "a rejected reload", rejected);
    let Outcome::Rejected { diagnostics } = &e.outcome else { unreachable!() };
    let d = diagnostics.iter().find(|d| d.is_error()).expect("an error");
    assert!(d.path.ends_with("phrases/base.toml"), "{d}");
    assert_eq!((d.line, d.column), (3, 10), "{d}");
    assert!(d.to_string().starts_with(&format!("{}:3:10: ", d.path)), "{d}");
    assert!(d.message.contains("user_unknwon"), "{d}");
    assert_eq!(e.generation, 1);

    // The old rules keep answering, the new phrase is not live.
    assert_eq!(reason(&live, "550 no such user"), "user_unknown");
    assert_eq!(reason(&live, "550 zorgle"), "undefined");
    let stats = live.stats();
    assert_eq!((stats.generation, stats.applied, stats.rejected), (1, 0, 1));
    assert!(stats.last_error.as_ref().is_some_and(|d| d.iter().any(|d| d.line == 3)));

    // A later fix goes live and clears the error.
    write(&base, &BASE.replace("no such user", "zorgle"));
    answers(&live, "550 zorgle", "user_unknown");
    assert!(live.stats().last_error.is_none());
}

#[test]
fn broken_toml_and_failing_examples_are_rejected() {
    let dir = fixtures::rules_dir();
    let live = unwatched(dir.path());
    let events = live.subscribe();

    // TOML that does not parse.
    write(&dir.path().join("phrases/bad.toml"), "[[rule]]\nreason = \"user_unknown\nphrases = []\n");
    let e = live.reload_now();
    assert!(rejected(&e));
    assert_eq!(e.trigger, Trigger::Forced);
    fs::remove_file(dir.path().join("phrases/bad.toml")).unwrap();

    // A rule whose own example the rules classify otherwise: the checks of
    // `rebound check` guard every reload.
    write(
        &dir.path().join("phrases/full.toml"),
        &fixtures::FULL.replace("452 mailbox is full", "452 inbox overflowing"),
    );
    let e = live.reload_now();
    let Outcome::Rejected { diagnostics } = &e.outcome else { panic!("not rejected: {e:?}") };
    let d = diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert!(d.path.ends_with("phrases/full.toml") && d.line == 5 && d.column == 13, "{d}");
    assert!(d.message.contains("example"), "{d}");
    assert_eq!(live.current().generation(), 1);
    assert_eq!(reason(&live, "452 mailbox is full"), "undefined");

    // Both reports reached the subscriber, in order.
    let got: Vec<bool> = events.try_iter().map(|e| rejected(&e)).collect();
    assert_eq!(got, [true, true]);
    assert_eq!(live.stats().rejected, 2);
}

#[test]
fn identical_content_is_unchanged_not_a_new_generation() {
    let dir = fixtures::rules_dir();
    let live = Engine::watch(dir.path()).unwrap();
    let events = live.subscribe();
    let e = live.reload_now();
    assert!(matches!(e.outcome, Outcome::Unchanged), "{e:?}");
    // Rewriting a file with the same text is seen, and found unchanged.
    write(&dir.path().join("phrases/base.toml"), BASE);
    let first = event(&events, "a watcher reload", |e| matches!(e.trigger, Trigger::Watch { .. }));
    // On a busy machine the truncation and the write of one save can reach
    // the watcher in two batches: every reload they cause is counted, and
    // every one finds the files unchanged.
    let mut watched = vec![first];
    while let Ok(e) = events.recv_timeout(Duration::from_millis(500)) {
        watched.push(e);
    }
    assert!(watched.iter().all(|e| matches!(e.outcome, Outcome::Unchanged)), "{watched:?}");
    let stats = live.stats();
    assert_eq!((stats.generation, stats.applied, stats.unchanged), (1, 0, 1 + watched.len() as u64));
    assert_eq!(live.current().generation(), 1);
}

#[test]
fn a_profile_in_use_cannot_disappear() {
    let dir = fixtures::rules_dir();
    write(&dir.path().join("profiles/tiny.toml"), fixtures::TINY_PROFILE);
    let live = LiveEngine::builder(dir.path()).profile("tiny").build().unwrap();
    assert_eq!(live.current().classify("550 no such user").category, "bad-address");
    assert!(live.with_profile("nope").is_err());

    fs::remove_file(dir.path().join("profiles/tiny.toml")).unwrap();
    let e = live.reload_now();
    let Outcome::Rejected { diagnostics } = &e.outcome else { panic!("not rejected: {e:?}") };
    assert!(diagnostics.iter().any(|d| d.message.contains("profile `tiny`")), "{diagnostics:?}");
    assert_eq!(live.current().classify("550 no such user").category, "bad-address");

    // The default-profile handle on the same rules answers in reason names.
    write(&dir.path().join("profiles/tiny.toml"), fixtures::TINY_PROFILE);
    let plain = Engine::watch(dir.path()).unwrap();
    assert_eq!(plain.current().classify("550 no such user").category, "user_unknown");
}

/// Two rule sets that swap the reasons of two phrases: in set A "alpha" is
/// `user_unknown` and "beta" `mailbox_full`, in set B the other way round.
/// Every applied reload flips the set, so the generation's parity says which
/// answers a snapshot must give. Readers hammer the live rules while a writer
/// flips the file (renamed in whole) and reloads, both by hand and through
/// the watcher.
#[test]
fn concurrent_readers_always_see_one_whole_snapshot() {
    let dir = fixtures::rules_dir();
    let path = dir.path().join("phrases/swap.toml");
    write(&path, &fixtures::swap_rules(false));
    let live = Engine::watch(dir.path()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (live, stop) = (live.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut last = 0;
                let mut seen = std::collections::BTreeSet::new();
                while !stop.load(Ordering::Relaxed) {
                    let current = live.current();
                    let g = current.generation();
                    let a = current.classify("550 alpha").reason.name.clone();
                    let b = current.classify("550 beta").reason.name.clone();
                    let want =
                        if g % 2 == 1 { ("user_unknown", "mailbox_full") } else { ("mailbox_full", "user_unknown") };
                    assert_eq!((a.as_str(), b.as_str()), want, "generation {g}");
                    assert!(g >= last, "generation went back from {last} to {g}");
                    last = g;
                    seen.insert(g);
                }
                seen
            })
        })
        .collect();
    let tmp = dir.path().join("phrases/.swap.tmp");
    for i in 1..=30 {
        write(&tmp, &fixtures::swap_rules(i % 2 == 1));
        fs::rename(&tmp, &path).unwrap();
        if i % 3 != 0 {
            live.reload_now();
        } else {
            let want = if i % 2 == 1 { "mailbox_full" } else { "user_unknown" };
            answers(&live, "550 alpha", want);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut seen = std::collections::BTreeSet::new();
    for r in readers {
        seen.extend(r.join().expect("a reader saw a mixed snapshot"));
    }
    assert!(seen.len() > 1, "the readers never saw a reload: {seen:?}");
    let stats = live.stats();
    assert_eq!(stats.rejected, 0);
    assert_eq!(stats.generation % 2, 1, "30 flips end on set A");
}

/// Live rules without a watcher: only `reload_now` reloads.
fn unwatched(dir: &Path) -> LiveEngine {
    let live = LiveEngine::builder(dir).watch(false).build().unwrap();
    assert!(!live.is_watching());
    live
}

#[test]
fn the_same_broken_files_are_rejected_once() {
    let dir = fixtures::rules_dir();
    let live = unwatched(dir.path());
    write(&dir.path().join("phrases/bad.toml"), "[[rule]]\nreason = \"user_unknown\nphrases = []\n");
    let first = live.reload_now();
    // A save seen as a second file event: the same files, the same report,
    // not a second rejection.
    let second = live.reload_now();
    let (Outcome::Rejected { diagnostics: a }, Outcome::Rejected { diagnostics: b }) =
        (&first.outcome, &second.outcome)
    else {
        panic!("not both rejected: {first:?} {second:?}")
    };
    assert_eq!(
        a.iter().map(ToString::to_string).collect::<Vec<_>>(),
        b.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    assert_eq!(live.stats().rejected, 1);
    // Another broken edit counts again; fixing it clears the error.
    write(
        &dir.path().join("phrases/bad.toml"),
        "[[rule]]\nreason = \"user_unknwn\"\nphrases = [\"x y\"]\nexamples = [\"x y\"]\n",
    );
    assert!(rejected(&live.reload_now()));
    assert_eq!(live.stats().rejected, 2);
    fs::remove_file(dir.path().join("phrases/bad.toml")).unwrap();
    assert!(matches!(live.reload_now().outcome, Outcome::Unchanged));
    assert!(live.stats().last_error.is_none());
}
