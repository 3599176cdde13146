//! The `rebound` command line: one module per subcommand.

mod check;
mod classify;
mod eval;
mod explain;
mod heap;
mod init;
mod lines;
mod ordered;
pub mod output;
mod profiles;
mod report;
mod serve;
mod suppress;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::rules::source::{dir_sources, embedded_sources};
use crate::snapshot::SnapshotCache;
use crate::{Engine, LoadError};

/// Tells why an email bounced and what to do about it.
#[derive(Debug, Parser)]
#[command(name = "rebound", version, about, long_about = None)]
pub struct Cli {
    /// Rules directory to use instead of the rules built into the binary.
    #[arg(long, global = true, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Taxonomy profile to report categories in (default: the rules' default).
    #[arg(long, short = 'p', global = true, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify replies (one per line), from the files named or stdin.
    Classify(classify::Args),
    /// Show every piece of evidence in a reply and why the winner won.
    Explain(explain::Args),
    /// Validate a rules directory and run the examples in it (exit 1 on error).
    Check(check::Args),
    /// Write the built-in rules into DIR as a start for your own rules.
    Init(init::Args),
    /// Count bounces per category, kind, domain and provider; bounce rate and health.
    Report(report::Args),
    /// List the recipients to stop mailing, by the profile's policy.
    Suppress(suppress::Args),
    /// List the taxonomy profiles, or show one profile's full mapping.
    Profiles(profiles::Args),
    /// Serve classification over HTTP (POST /classify, /healthz, /metrics).
    Serve(serve::Args),
    /// Measure agreement with a labelled corpus of bounce emails.
    Eval(eval::Args),
}

/// `writeln!` into a `String` report (writing to a `String` cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use outln;

/// Writes a finished report to standard output. A reader that went away
/// (`rebound eval … | head`) is not an error; any other write error is.
pub(crate) fn emit(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing output: {e}")),
        _ => Ok(()),
    }
}

/// Runs the command line; the exit code says how it went.
pub fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        Command::Classify(args) => classify::run(&cli, args),
        Command::Explain(args) => explain::run(&cli, args),
        Command::Check(args) => check::run(&cli, args),
        Command::Init(args) => init::run(args),
        Command::Report(args) => report::run(&cli, args),
        Command::Suppress(args) => suppress::run(&cli, args),
        Command::Profiles(args) => profiles::run(&cli, args),
        Command::Serve(args) => serve::run(&cli, args),
        Command::Eval(args) => eval::run(&cli, args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("rebound: {message}");
            ExitCode::from(2)
        }
    }
}

/// Loads the engine the global flags ask for: `--rules DIR` or the built-in
/// rules, in `--profile NAME` or the default profile; through the snapshot
/// cache unless `REBOUND_NO_CACHE` is set (see [`crate::snapshot`]).
pub(crate) fn engine(cli: &Cli) -> Result<Engine, String> {
    let sources = match &cli.rules {
        Some(dir) => dir_sources(dir).map_err(|e| load_error(&e))?,
        None => embedded_sources(),
    };
    let engine = Engine::from_sources(sources, SnapshotCache::from_env().as_ref()).map_err(|e| load_error(&e))?;
    match &cli.profile {
        Some(name) => engine.with_profile(name).map_err(|e| e.to_string()),
        None => Ok(engine),
    }
}

fn load_error(e: &LoadError) -> String {
    let mut s = String::from("the rules cannot be loaded:");
    for d in &e.diagnostics {
        s.push('\n');
        s.push_str(&d.to_string());
    }
    s
}
