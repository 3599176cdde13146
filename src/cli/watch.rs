//! `rebound classify --watch`: answer stdin line by line, each answer flushed
//! at once, while the rules directory is reloaded whenever it changes (and on
//! SIGHUP). Reload reports go to stderr.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::output::{self, Context, Format};
use super::Cli;
use crate::classify::{Hints, Scratch};
use crate::reload::{LiveEngine, Outcome, ReloadEvent, Trigger, WatchError};

/// Streams answers for stdin with live rules from `--rules DIR`.
pub(super) fn run(cli: &Cli, files: &[PathBuf], format: Format) -> Result<ExitCode, String> {
    let Some(dir) = &cli.rules else {
        return Err("--watch needs --rules DIR (the built-in rules never change)".into());
    };
    if !files.is_empty() {
        return Err("--watch reads stdin; name no files".into());
    }
    let mut builder = LiveEngine::builder(dir);
    if let Some(name) = &cli.profile {
        builder = builder.profile(name);
    }
    let live = builder.build().map_err(watch_error)?;
    report_reloads(&live)?;
    #[cfg(unix)]
    hangup_reloads(&live)?;
    eprintln!(
        "rebound: watching {} (rules generation {}); edits apply on save{}",
        dir.display(),
        live.snapshot().generation(),
        if cfg!(unix) { ", SIGHUP forces a reload" } else { "" }
    );
    match stream(&live, format.resolve()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(format!("stdin/stdout: {e}")),
    }
}

/// What a live engine that could not start has to say.
pub(super) fn watch_error(e: WatchError) -> String {
    match e {
        WatchError::Load(e) => super::load_error(&e),
        e => e.to_string(),
    }
}

/// Reports every reload of `live` on stderr, from a thread of its own.
pub(super) fn report_reloads(live: &LiveEngine) -> Result<(), String> {
    let events = live.subscribe();
    std::thread::Builder::new()
        .name("rebound-reload-report".into())
        .spawn(move || {
            let mut rejected = false;
            for event in events {
                report(&event, rejected);
                rejected = matches!(event.outcome, Outcome::Rejected { .. });
            }
        })
        .map(drop)
        .map_err(|e| format!("cannot start the reload reporter: {e}"))
}

/// One answer per input line, written and flushed before the next line is
/// read, each from the rules live at that moment.
fn stream(live: &LiveEngine, format: Format) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut buf = Vec::with_capacity(1024);
    match format {
        Format::Table => out.write_all(output::table_header().as_bytes())?,
        Format::Tsv => out.write_all(output::TSV_HEADER.as_bytes())?,
        _ => {}
    }
    out.flush()?;
    let mut scratch = Scratch::new();
    let ctx = Context::default();
    super::classify::for_each_line(io::stdin().lock(), |line| {
        let current = live.current();
        let c = current.classify_with(line, Hints::default(), &mut scratch);
        buf.clear();
        match format {
            Format::Table => output::table_record(&mut buf, &ctx, line, &c),
            Format::Tsv => output::tsv_record(&mut buf, &ctx, line, &c),
            _ => output::json_record(&mut buf, &ctx, line, &c),
        }
        out.write_all(&buf)?;
        out.flush()
    })
}

/// SIGHUP forces a reload (reported like any other).
#[cfg(unix)]
fn hangup_reloads(live: &LiveEngine) -> Result<(), String> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP])
        .map_err(|e| format!("cannot handle SIGHUP: {e}"))?;
    let live = live.clone();
    std::thread::Builder::new()
        .name("rebound-sighup".into())
        .spawn(move || {
            for _ in signals.forever() {
                live.reload_now();
            }
        })
        .map_err(|e| format!("cannot handle SIGHUP: {e}"))?;
    Ok(())
}

/// Writes a reload's outcome to stderr: diagnostics as `path:line:column:
/// ...`, then one summary line. A watcher reload that changed nothing is
/// worth a line only when it follows a rejected one (the broken edit was
/// undone) or was forced.
pub(super) fn report(event: &ReloadEvent, after_rejected: bool) {
    let ms = event.duration.as_secs_f64() * 1000.0;
    let why = match &event.trigger {
        Trigger::Watch { paths } => match paths.as_slice() {
            [] => "no path".to_string(),
            [one] => format!("{} changed", one.display()),
            [first, rest @ ..] => format!("{} and {} more changed", first.display(), rest.len()),
        },
        Trigger::Rescan { error } => format!("watcher error: {error}"),
        Trigger::Forced => "forced".to_string(),
    };
    let mut err = io::stderr().lock();
    let (diagnostics, summary) = match &event.outcome {
        Outcome::Applied { warnings } => {
            (&warnings[..], format!("rules reloaded ({why}): generation {} in {ms:.1} ms", event.generation))
        }
        Outcome::Rejected { diagnostics } => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let summary = format!(
                "rules change rejected ({why}): {errors} error(s); generation {} keeps answering",
                event.generation
            );
            (&diagnostics[..], summary)
        }
        Outcome::Unchanged if after_rejected || event.trigger == Trigger::Forced => {
            (&[][..], format!("rules unchanged ({why}): generation {} keeps answering", event.generation))
        }
        Outcome::Unchanged => return,
    };
    for d in diagnostics {
        let _ = writeln!(err, "{d}");
    }
    let _ = writeln!(err, "rebound: {summary}");
}
