//! `rebound init`: write the built-in rules into a directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `rebound init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to create (or fill).
    pub dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let files = crate::rules::source::embedded_sources();
    let target = |path: &str| args.dir.join(path.strip_prefix("rules/").unwrap_or(path));
    if !args.force {
        let existing: Vec<String> =
            files.iter().map(|f| target(&f.path)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
        if !existing.is_empty() {
            return Err(format!(
                "{} file(s) already exist (first: {}); use --force to overwrite",
                existing.len(),
                existing[0]
            ));
        }
    }
    for f in &files {
        let path = target(&f.path);
        write(&path, &f.text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    super::emit(&format!(
        "wrote {} rule files to {}; check them with: rebound check {}\n",
        files.len(),
        args.dir.display(),
        args.dir.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}
