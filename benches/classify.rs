//! Criterion benchmarks of the hot path and of compiling rules.
//!
//! `cargo bench --bench classify` runs them; `scripts/instructions.sh` counts
//! instructions per reply for the whole CLI path with callgrind.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rebound::rules::source::embedded_sources;

#[path = "../examples/synth_rules.rs"]
mod synth;
use rebound::{CompiledRules, Engine, Hints, Rules, Scratch};
use synth::scaled_sources;

const SHORT: &[&str] = &[
    "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    "host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)",
    "550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0-eRlBSO3h",
    "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume",
    "domain name does not exist",
];

/// A long reply: a multi-line Gmail-style answer repeated to about 2 KiB.
fn long_reply() -> String {
    let part = "550-5.1.1 The email account that you tried to reach does not exist. Please try\n\
                550-5.1.1 double-checking the recipient's email address for typos or\n\
                550-5.1.1 unnecessary spaces. For more information, go to\n\
                550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2si1234567qkb.1 - gsmtp\n";
    part.repeat(2048 / part.len() + 1)
}

fn classify(c: &mut Criterion) {
    let engine = Engine::embedded().expect("shipped rules load");
    let mut scratch = Scratch::new();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(SHORT.len() as u64));
    group.bench_function("short_replies", |b| {
        b.iter(|| {
            for text in SHORT {
                std::hint::black_box(engine.classify_with(text.as_bytes(), Hints::default(), &mut scratch).reason);
            }
        })
    });
    // Every reply with a fresh `Scratch`: the phrase automaton's lazy
    // transition table starts empty, so this is the cost before it is warm.
    group.throughput(Throughput::Elements(SHORT.len() as u64));
    group.bench_function("short_replies_cold_cache", |b| {
        b.iter(|| {
            for text in SHORT {
                let mut cold = Scratch::new();
                std::hint::black_box(engine.classify_with(text.as_bytes(), Hints::default(), &mut cold).reason);
            }
        })
    });
    let long = long_reply();
    group.throughput(Throughput::Bytes(long.len() as u64));
    group.bench_function("long_reply_2k", |b| {
        b.iter(|| std::hint::black_box(engine.classify_with(long.as_bytes(), Hints::default(), &mut scratch).reason))
    });
    let scaled = Engine::from_rules(Rules::from_sources(scaled_sources(10)).unwrap()).unwrap();
    group.throughput(Throughput::Elements(SHORT.len() as u64));
    group.bench_function("short_replies_10x_rules", |b| {
        b.iter(|| {
            for text in SHORT {
                std::hint::black_box(scaled.classify_with(text.as_bytes(), Hints::default(), &mut scratch).reason);
            }
        })
    });
    group.finish();
}

fn compile(c: &mut Criterion) {
    let sources = embedded_sources();
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("load_and_compile_shipped", |b| {
        b.iter_batched(
            || sources.clone(),
            |s| CompiledRules::new(Rules::from_sources(s).unwrap()).unwrap(),
            BatchSize::LargeInput,
        )
    });
    // Compiling alone (phrase automaton, regexes, code tables), without
    // parsing the TOML.
    let rules = Rules::from_sources(sources.clone()).unwrap();
    group.bench_function("compile_shipped", |b| {
        b.iter_batched(|| rules.clone(), |r| CompiledRules::new(r).unwrap(), BatchSize::LargeInput)
    });
    let scaled = scaled_sources(10);
    let rules = Rules::from_sources(scaled.clone()).unwrap();
    group.bench_function("compile_10x", |b| {
        b.iter_batched(|| rules.clone(), |r| CompiledRules::new(r).unwrap(), BatchSize::LargeInput)
    });
    group.bench_function("load_and_compile_10x", |b| {
        b.iter_batched(
            || scaled.clone(),
            |s| CompiledRules::new(Rules::from_sources(s).unwrap()).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, classify, compile);
criterion_main!(benches);
