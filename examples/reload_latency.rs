//! Write→answer latency of hot reload: how long after a rule file is written
//! the live rules answer with it.
//!
//! The shipped rules (or the directory named by `REBOUND_BENCH_RULES`) are
//! copied to a temporary directory and watched. Each round writes a new rule
//! file with a phrase never seen before, then classifies a reply holding that
//! phrase every millisecond until the answer follows.
//!
//! ```text
//! cargo run --release --example reload_latency -- [ROUNDS] [DEBOUNCE_MS]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rebound::reload::{Outcome, DEFAULT_DEBOUNCE};
use rebound::rules::source::{dir_sources, embedded_sources};
use rebound::LiveEngine;

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(20, |a| a.parse().expect("ROUNDS is a number"));
    let debounce = args.next().map_or(DEFAULT_DEBOUNCE, |a| Duration::from_millis(a.parse().expect("DEBOUNCE_MS")));

    let (files, prefix) = match std::env::var_os("REBOUND_BENCH_RULES") {
        Some(dir) => (dir_sources(&PathBuf::from(&dir)).expect("rules load"), PathBuf::from(dir).display().to_string()),
        None => (embedded_sources(), "rules".to_string()),
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    for f in &files {
        let rel = f.path.strip_prefix(&prefix).unwrap_or(&f.path).trim_start_matches('/');
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, f.text.as_bytes()).unwrap();
    }

    let live = LiveEngine::builder(dir.path()).debounce(debounce).build().expect("the rules pass their checks");
    let events = live.subscribe();
    println!("{} rule files, debounce {} ms, {rounds} rounds", files.len(), debounce.as_millis());

    let probe = dir.path().join("phrases/latency-probe.toml");
    std::fs::create_dir_all(probe.parent().unwrap()).unwrap();
    let mut latency = Vec::with_capacity(rounds);
    let mut pipeline = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let token = format!("latencyprobe{round}x");
        let text =
            format!("[[rule]]\nreason = \"user_unknown\"\nphrases = [\"{token}\"]\nexamples = [\"550 {token}\"]\n");
        let reply = format!("550 {token}");
        let start = Instant::now();
        std::fs::write(&probe, text).unwrap();
        while live.current().classify(&reply).reason.name != "user_unknown" {
            assert!(start.elapsed() < Duration::from_secs(10), "round {round}: the edit never went live");
            std::thread::sleep(Duration::from_millis(1));
        }
        latency.push(start.elapsed());
        // The reload that applied it, for its own duration.
        for e in events.try_iter() {
            if matches!(e.outcome, Outcome::Applied { .. }) {
                pipeline.push(e.duration);
            }
        }
        // Let the watcher settle so that rounds do not share a debounce.
        std::thread::sleep(debounce * 2);
    }
    report("write → answer", &mut latency);
    report("reload (load+check+compile+swap)", &mut pipeline);
}

fn report(what: &str, times: &mut [Duration]) {
    if times.is_empty() {
        return;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what}: min {:.1} ms, median {:.1} ms, p90 {:.1} ms, max {:.1} ms (n = {})",
        ms(times[0]),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(times[times.len() - 1]),
        times.len()
    );
}
