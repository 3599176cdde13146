//! Criterion benchmarks of whole emails: parsing (MIME, charsets), reading
//! the bounce (DSN fields or the text written for people) and classifying
//! every failed recipient, with the shipped rules.
//!
//! `cargo bench --bench email` runs them over the test fixtures (emails
//! written for this project); `benches/compare.sh` times the whole
//! `rebound classify` command against Sisimai on a directory of emails.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rebound::Engine;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/emails").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses and classifies one email; the number of answers, so that nothing
/// is optimised away.
fn read(engine: &Engine, raw: &[u8]) -> usize {
    let report = engine.extract(raw);
    engine.answers(&report).iter().filter(|a| !a.classification.reason.name.is_empty()).count()
}

fn emails(c: &mut Criterion) {
    let engine = Engine::embedded().expect("shipped rules load");
    let dsn = fixture("postfix-dsn.eml");
    let text = fixture("qmail.eml");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/emails");
    let mut all: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("fixture"))
        .collect();
    all.sort();
    // Everything compiled on first use (regexes, matchers) is built before
    // timing starts.
    for raw in &all {
        read(&engine, raw);
    }
    let mut group = c.benchmark_group("email");
    group.throughput(Throughput::Bytes(dsn.len() as u64));
    group.bench_function("dsn", |b| b.iter(|| read(&engine, std::hint::black_box(&dsn))));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("non_standard_text", |b| b.iter(|| read(&engine, std::hint::black_box(&text))));
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("fixture_directory", |b| {
        b.iter(|| all.iter().map(|raw| read(&engine, std::hint::black_box(raw))).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, emails);
criterion_main!(benches);
