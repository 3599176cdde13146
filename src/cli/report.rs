//! `rebound report`: counts, rates and health of a batch of bounces.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use super::Cli;
use crate::report::record::Classifier;
use crate::report::{html, input, render, Builder, Options, Providers};

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables on a terminal, JSON otherwise.
    Auto,
    /// Readable tables.
    Table,
    /// One JSON document.
    Json,
    /// CSV rows: section,name,detail,count,percent.
    Csv,
    /// A self-contained HTML page with charts.
    Html,
}

/// Arguments of `rebound report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bounces to read: emails, mbox files, maildirs and other directories, Postfix
    /// or Exim logs, reply lines, JSON lines (`rebound classify --format json` output
    /// too); `-` for stdin (the default).
    pub inputs: Vec<PathBuf>,
    /// Messages sent in the period, for the bounce rate and health.
    #[arg(long, value_name = "N", conflicts_with = "sent_file")]
    pub sent: Option<u64>,
    /// A file holding the number of messages sent, or listing them one per line.
    #[arg(long, value_name = "FILE")]
    pub sent_file: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Auto)]
    pub format: ReportFormat,
    /// Recipient domains and diagnostics per category to list; the rest are summed as "(other)".
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

/// Reads `--sent-file`: one number (`120000`, `120,000`), or else one sent
/// message per non-blank line.
fn sent_from_file(path: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let trimmed = text.trim();
    let digits: String = trimmed.chars().filter(|c| !matches!(c, ',' | '_')).collect();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.parse().map_err(|e| format!("{}: {e}", path.display()));
    }
    Ok(text.lines().filter(|l| !l.trim().is_empty()).count() as u64)
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let engine = super::engine(cli)?;
    let providers = Providers::from_rules(engine.rules()).map_err(|e| e.to_string())?;
    let sent = match &args.sent_file {
        Some(path) => Some(sent_from_file(path)?),
        None => args.sent,
    };
    let health = engine.profile().map(|p| *p.health()).unwrap_or_default();
    let mut builder = Builder::new(providers);
    let mut classifier = Classifier::new(&engine);
    let errors = input::read(&mut classifier, &args.inputs, |r| builder.add(&r));
    for e in &errors {
        eprintln!("rebound: {e}");
    }
    let options = Options { sent, health, top: args.top, profile: engine.profile().map(|p| p.name.clone()) };
    let report = builder.finish(&options);
    let format = match args.format {
        ReportFormat::Auto if io::stdout().is_terminal() => ReportFormat::Table,
        ReportFormat::Auto => ReportFormat::Json,
        f => f,
    };
    let text = match format {
        ReportFormat::Table | ReportFormat::Auto => render::table(&report),
        ReportFormat::Json => render::json(&report),
        ReportFormat::Csv => render::csv(&report),
        ReportFormat::Html => html::page(&report),
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(format!("writing output: {e}")),
        _ => {}
    }
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
