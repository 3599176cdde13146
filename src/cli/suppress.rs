//! `rebound suppress`: the recipients to stop mailing, one per line.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::output::json_str;
use super::Cli;
use crate::report::date;
use crate::report::input;
use crate::report::record::Classifier;
use crate::suppress::{Decision, State, Suppression, Suppressor};

/// Output format of `rebound suppress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuppressFormat {
    /// `recipient<TAB>decision<TAB>detail`.
    Text,
    /// One JSON object per recipient.
    Json,
}

/// Arguments of `rebound suppress`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bounces to read: emails, mbox files, maildirs and other directories, Postfix
    /// or Exim logs, reply lines, JSON lines (`rebound classify --format json` output
    /// too); `-` for stdin (the default).
    pub inputs: Vec<PathBuf>,
    /// Keep soft-bounce counts and suppressed recipients in FILE between runs
    /// (created when missing; replaced atomically).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Also list the recipients suppressed by earlier runs (from --state).
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = SuppressFormat::Text)]
    pub format: SuppressFormat,
}

fn detail(s: &Suppression) -> String {
    let when = |d: Option<i64>| d.map_or_else(|| "undated".to_string(), date::format);
    match s.decision {
        Decision::EscalatedSoft => format!(
            "{} soft bounces ({}) from {} to {}, counted as {}",
            s.soft_bounces.unwrap_or_default(),
            s.reason,
            when(s.first_soft_bounce),
            when(s.date),
            s.category
        ),
        _ => format!("{} ({}) on {}", s.reason, s.category, when(s.date)),
    }
}

fn write_line(out: &mut Vec<u8>, s: &Suppression, format: SuppressFormat) {
    match format {
        SuppressFormat::Text => {
            let clean = |t: &str| t.replace(['\t', '\n', '\r'], " ");
            out.extend_from_slice(
                format!("{}\t{}\t{}\n", clean(&s.recipient), s.decision.as_str(), clean(&detail(s))).as_bytes(),
            );
        }
        SuppressFormat::Json => {
            let fields = [
                ("recipient", Some(s.recipient.clone())),
                ("decision", Some(s.decision.as_str().to_string())),
                ("reason", Some(s.reason.clone())),
                ("category", Some(s.category.clone())),
                ("date", s.date.map(date::format)),
                ("first_soft_bounce", s.first_soft_bounce.map(date::format)),
                ("detail", Some(detail(s))),
            ];
            out.push(b'{');
            for (i, (name, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, name.as_bytes());
                out.push(b':');
                match value {
                    Some(v) => json_str(out, v.as_bytes()),
                    None => out.extend_from_slice(b"null"),
                }
            }
            if let Some(n) = s.soft_bounces {
                out.extend_from_slice(format!(",\"soft_bounces\":{n}").as_bytes());
            }
            out.extend_from_slice(b"}\n");
        }
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let engine = super::engine(cli)?;
    let policy = engine.profile().map(|p| p.policy().clone()).unwrap_or_default();
    let state = match &args.state {
        Some(path) => State::load(path).map_err(|e| e.to_string())?,
        None => State::default(),
    };
    let earlier: Vec<Suppression> = if args.all { state.suppressed.values().cloned().collect() } else { Vec::new() };
    let mut suppressor = Suppressor::new(&policy, engine.profile(), state);
    let mut classifier = Classifier::new(&engine);
    let errors = input::read(&mut classifier, &args.inputs, |r| suppressor.add(&r));
    for e in &errors {
        eprintln!("rebound: {e}");
    }
    let decided = suppressor.run();
    let mut buf = Vec::new();
    for s in earlier.iter().chain(&decided) {
        write_line(&mut buf, s, args.format);
    }
    // Output first, state second: a crash in between re-lists these
    // recipients next run rather than losing them. Output nobody read (a
    // closed pipe) leaves the state as it was, for the same reason.
    let mut out = io::stdout().lock();
    match out.write_all(&buf).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::FAILURE),
        Err(e) => return Err(format!("writing output: {e}")),
        Ok(()) => {}
    }
    if io::stderr().is_terminal() {
        let state = suppressor.state();
        eprintln!(
            "rebound: {} recipient(s) to suppress, {} with open soft bounces, {} record(s) without a recipient",
            decided.len(),
            state.soft.len(),
            suppressor.skipped()
        );
    }
    if let Some(path) = &args.state {
        suppressor.into_state().save(path).map_err(|e| e.to_string())?;
    }
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
