//! `rebound check`: validate a rules directory for CI.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Cli;

/// Arguments of `rebound check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules directory (default: `--rules`, else the built-in rules).
    pub dir: Option<PathBuf>,
    /// Also fail on warnings.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let dir = args.dir.as_ref().or(cli.rules.as_ref());
    let report = match dir {
        Some(dir) => crate::check::check_dir(dir),
        None => crate::check::check_sources(crate::rules::source::embedded_sources()),
    };
    for d in &report.diagnostics {
        eprintln!("{d}");
    }
    let errors = report.errors();
    let warnings = report.diagnostics.len() - errors;
    let s = report.stats;
    let name = dir.map_or("built-in rules".to_string(), |d| d.display().to_string());
    let summary = if errors == 0 {
        format!(
            "{name}: ok: {} files, {} reasons, {} code rules, {} phrase rules ({} phrases, {} regexes), {} profiles; {} examples pass; {warnings} warning(s)",
            s.files, s.reasons, s.code_rules, s.phrase_rules, s.phrases, s.regexes, s.profiles, s.examples
        )
    } else {
        format!("{name}: {errors} error(s), {warnings} warning(s)")
    };
    super::emit(&format!("{summary}\n"))?;
    let fail = errors > 0 || (args.strict && warnings > 0);
    Ok(if fail { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
