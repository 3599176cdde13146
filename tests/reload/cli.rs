//! `rebound classify --watch`: the real binary, fed through a pipe, its rules
//! edited while it runs.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use super::fixtures::{self, write, DEADLINE};

/// A running `rebound classify --watch`, its output lines read on threads.
struct Watch {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

fn lines(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

impl Watch {
    fn start(dir: &std::path::Path) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
            .env("REBOUND_NO_CACHE", "1")
            .args(["classify", "--watch", "--format", "json", "--rules"])
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        let w = Watch { stdin: child.stdin.take(), child, stdout, stderr };
        w.stderr_line("the watching notice", |l| l.contains("watching"));
        w
    }

    /// Sends one reply and reads its answer's reason.
    fn ask(&mut self, text: &str) -> String {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{text}").unwrap();
        stdin.flush().unwrap();
        let line = self.stdout.recv_timeout(DEADLINE).expect("an answer, flushed at once");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["diagnostic"], text);
        v["reason"].as_str().unwrap().to_string()
    }

    /// Asks until the answer is `want`.
    fn ask_until(&mut self, text: &str, want: &str) {
        let deadline = Instant::now() + DEADLINE;
        while self.ask(text) != want {
            assert!(Instant::now() < deadline, "`{text}` never became {want}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The first stderr line `want` accepts.
    fn stderr_line(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            match self.stderr.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(l) if want(&l) => return l,
                Ok(_) => {}
                Err(_) => panic!("no stderr line with {what}"),
            }
        }
    }

    /// Closes stdin and expects a clean exit.
    fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

#[test]
fn classify_watch_follows_edits_and_survives_broken_ones() {
    let dir = fixtures::rules_dir();
    let mut w = Watch::start(dir.path());
    assert_eq!(w.ask("550 zorgle"), "undefined");

    let path = dir.path().join("phrases/zorgle.toml");
    write(&path, "[[rule]]\nreason = \"user_unknown\"\nphrases = [\"zorgle\"]\nexamples = [\"550 zorgle\"]\n");
    w.ask_until("550 zorgle", "user_unknown");
    w.stderr_line("the reload notice", |l| l.contains("reloaded") && l.contains("generation 2"));

    // Broken: an unterminated string on line 2.
    write(&path, "[[rule]]\nreason = \"mailbox_full\nphrases = [\"zorgle\"]\n");
    let error = w.stderr_line("the error", |l| l.contains("zorgle.toml:"));
    let location = error.split_once("zorgle.toml:").unwrap().1;
    let mut parts = location.splitn(3, ':');
    let line: usize = parts.next().unwrap().parse().expect("a line number");
    let column: usize = parts.next().unwrap().parse().expect("a column number");
    assert!(line >= 2 && column >= 1, "{error}");
    w.stderr_line("the rejection", |l| l.contains("rejected") && l.contains("generation 2 keeps answering"));
    assert_eq!(w.ask("550 zorgle"), "user_unknown");
    w.finish();
}

#[cfg(unix)]
#[test]
fn sighup_forces_a_reload() {
    let dir = fixtures::rules_dir();
    let w = Watch::start(dir.path());
    let status = Command::new("kill").arg("-HUP").arg(w.child.id().to_string()).status().unwrap();
    assert!(status.success());
    w.stderr_line("the forced reload", |l| l.contains("unchanged (forced)") && l.contains("generation 1"));
    w.finish();
}

#[test]
fn watch_needs_a_rules_directory() {
    let out = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(["classify", "--watch"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rules"));
}
