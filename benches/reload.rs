//! What a hot reload costs, step by step, on the shipped rules (or on the
//! rules directory named by `REBOUND_BENCH_RULES`):
//!
//! - `compile`: load and compile, no checks (what `Engine::from_dir` does);
//! - `check`: load, check (rule examples included) and compile, which is
//!   what every reload runs before it swaps;
//! - `reload_now/unchanged`: read the directory and find it identical;
//! - `reload_now/applied`: read, check, compile and swap after an edit (the
//!   write itself not timed).
//!
//! `cargo bench --bench reload`. Write→answer latency, which adds the
//! watcher's debounce, is measured by `examples/reload_latency.rs`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use rebound::reload::Outcome;
use rebound::rules::source::{dir_sources, embedded_sources};
use rebound::rules::SourceFile;
use rebound::{CompiledRules, LiveEngine, Rules};

/// The rule files benchmarked, with the prefix their paths carry.
fn sources() -> (Vec<SourceFile>, String) {
    match std::env::var_os("REBOUND_BENCH_RULES") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let files = dir_sources(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            (files, dir.display().to_string())
        }
        None => (embedded_sources(), "rules".to_string()),
    }
}

/// A private copy of the rules, for benchmarks that edit them.
fn copy(files: &[SourceFile], prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let rel = f.path.strip_prefix(prefix).unwrap_or(&f.path).trim_start_matches('/');
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, f.text.as_bytes()).unwrap();
    }
    dir
}

fn reload(c: &mut Criterion) {
    let (files, prefix) = sources();
    let mut g = c.benchmark_group("reload");
    g.sample_size(20).measurement_time(Duration::from_secs(4));

    g.bench_function("compile", |b| {
        b.iter(|| CompiledRules::new(Rules::from_sources(files.clone()).unwrap()).unwrap())
    });
    g.bench_function("check", |b| {
        b.iter(|| {
            let report = rebound::check::check_sources(files.clone());
            assert!(report.compiled.is_some(), "the rules do not pass their checks");
            report
        })
    });

    let dir = copy(&files, &prefix);
    let live = LiveEngine::builder(dir.path()).watch(false).build().unwrap();
    g.bench_function("reload_now/unchanged", |b| {
        b.iter(|| assert!(matches!(live.reload_now().outcome, Outcome::Unchanged)))
    });

    // Alternate a trailing comment in one file: every reload is a real one.
    // Only the reload is timed, not the write.
    let edited = dir.path().join("engine.toml");
    let text = std::fs::read_to_string(&edited).unwrap();
    let mut flip = false;
    g.bench_function("reload_now/applied", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                flip = !flip;
                std::fs::write(&edited, if flip { format!("{text}# edited\n") } else { text.clone() }).unwrap();
                let start = Instant::now();
                let event = live.reload_now();
                total += start.elapsed();
                assert!(matches!(event.outcome, Outcome::Applied { .. }));
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, reload);
criterion_main!(benches);
