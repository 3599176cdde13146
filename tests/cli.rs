//! The `rebound` binary end to end: classify, explain, check, init.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn rebound(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn classify_writes_one_json_object_per_reply() {
    let o = rebound(
        &["classify", "--format", "json"],
        "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown\n",
    );
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    for key in ["reason", "category", "kind", "enhanced_code", "reply_code", "rule"] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["enhanced_code"], "5.1.1");
    assert_eq!(v["reply_code"], 550);
}

#[test]
fn classify_reads_named_files_and_reports_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replies.txt");
    std::fs::write(&file, "452 4.2.2 over quota\n550 5.1.1 unknown\n").unwrap();
    let missing = dir.path().join("missing.txt");
    let o = rebound(&["classify", "-f", "tsv", file.to_str().unwrap(), missing.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1), "a missing file fails the run");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "header and both replies: {out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.txt"));
}

#[test]
fn explain_names_evidence_and_the_winner() {
    let o = rebound(&["explain", "550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0-eRlBSO3h"], "");
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("codes:    enhanced 5.7.1, reply 550"), "{out}");
    assert!(out.contains("evidence:"), "{out}");
    assert!(out.contains("why:"), "{out}");
}

#[test]
fn init_then_check_passes_and_a_broken_copy_fails_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    let r = rules.to_str().unwrap();
    let o = rebound(&["init", r], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(rules.join("reasons.toml").exists());
    // init refuses to overwrite.
    assert!(!rebound(&["init", r], "").status.success());

    let o = rebound(&["check", r], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains(": ok:"));

    let broken = rules.join("broken.toml");
    std::fs::write(&broken, "[[rule]]\nreason = \"no_such_reason\"\nphrases = [\"x y z\"]\nexamples = [\"x y z\"]\n")
        .unwrap();
    let o = rebound(&["check", r], "");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let want = format!("{}:2:10: error: unknown reason `no_such_reason`", broken.display());
    assert!(err.contains(&want), "{err}");

    // The same broken directory cannot serve classify either.
    let o = rebound(&["--rules", r, "classify"], "550 5.1.1 x\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&want));
}

#[test]
fn the_binary_works_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(["check"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!Path::new(dir.path()).join("rules").exists());
}

/// A reader that goes away (`rebound profiles | head -1`) ends the run
/// quietly: no panic, no error message.
#[test]
fn a_closed_output_pipe_is_not_a_panic() {
    for args in [&["profiles"][..], &["profiles", "sisimai"], &["explain", "550 5.1.1 user unknown"], &["check"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
            .env("REBOUND_NO_CACHE", "1")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the child (still loading its rules)
        // writes anything.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(o.status.code(), Some(101), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

/// Runs the binary with its snapshot cache in `cache` (and `REBOUND_NO_CACHE`
/// as given), on `input` as one reply per line.
fn cached(cache: &Path, no_cache: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rebound"));
    cmd.env_remove("REBOUND_NO_CACHE").env("REBOUND_CACHE_DIR", cache).args(args);
    if let Some(v) = no_cache {
        cmd.env("REBOUND_NO_CACHE", v);
    }
    cmd.output().unwrap()
}

fn snapshots(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir).map_or(Vec::new(), |d| d.flatten().map(|e| e.path()).collect())
}

#[test]
fn the_snapshot_cache_gives_the_same_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("replies.txt");
    std::fs::write(
        &input,
        "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown\n452 4.2.2 Mailbox full\n",
    )
    .unwrap();
    let input = input.to_str().unwrap();
    let cache = tmp.path().join("cache");
    let classify = ["classify", "--format", "json", input];
    let explain = ["explain", "--profile", "sparkpost", "550 5.1.1 user unknown"];
    let expected: Vec<Output> = [&classify[..], &explain].iter().map(|a| cached(&cache, Some("1"), a)).collect();
    assert!(snapshots(&cache).is_empty(), "REBOUND_NO_CACHE=1 writes no snapshot");
    for round in 0..3 {
        for (args, want) in [&classify[..], &explain].iter().zip(&expected) {
            let o = cached(&cache, None, args);
            assert!(o.status.success(), "round {round}: {}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(stdout(&o), stdout(want), "round {round}: {args:?}");
        }
        let snaps = snapshots(&cache);
        assert_eq!(snaps.len(), 1, "round {round}: {snaps:?}");
        // Damage the snapshot: the next round compiles and writes it again.
        let bytes = std::fs::read(&snaps[0]).unwrap();
        std::fs::write(&snaps[0], &bytes[..bytes.len() / 2 + round]).unwrap();
    }
    // `REBOUND_NO_CACHE=0` does not turn the cache off.
    let o = cached(&tmp.path().join("other"), Some("0"), &classify);
    assert_eq!(stdout(&o), stdout(&expected[0]));
    assert_eq!(snapshots(&tmp.path().join("other")).len(), 1);
}
