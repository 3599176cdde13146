//! `rebound classify`: one answer per reply.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::output::{self, Context, Format};
use super::Cli;
use crate::classify::{Hints, Scratch};

/// Arguments of `rebound classify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to read (`-` for stdin); stdin when none is named.
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// Stream stdin (one answer per line, flushed at once) and reload the
    /// `--rules` directory whenever it changes, or on SIGHUP.
    #[arg(long)]
    pub watch: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    if args.watch {
        return super::watch::run(cli, &args.files, args.format);
    }
    let engine = super::engine(cli)?;
    let format = args.format.resolve();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut buf = Vec::with_capacity(4096);
    match format {
        Format::Table => buf.extend_from_slice(output::table_header().as_bytes()),
        Format::Tsv => buf.extend_from_slice(output::TSV_HEADER.as_bytes()),
        _ => {}
    }
    let mut scratch = Scratch::new();
    let mut failed = false;
    let stdin_only = [PathBuf::from("-")];
    let files = if args.files.is_empty() { &stdin_only[..] } else { &args.files[..] };
    for path in files {
        let name = path.display().to_string();
        let reader: Box<dyn BufRead> = if name == "-" {
            Box::new(io::stdin().lock())
        } else {
            match File::open(path) {
                Ok(f) => Box::new(BufReader::with_capacity(64 * 1024, f)),
                Err(e) => {
                    eprintln!("rebound: {name}: {e}");
                    failed = true;
                    continue;
                }
            }
        };
        let ctx = Context::default();
        let result = for_each_line(reader, |line| {
            let c = engine.classify_with(line, Hints::default(), &mut scratch);
            match format {
                Format::Table => output::table_record(&mut buf, &ctx, line, &c),
                Format::Tsv => output::tsv_record(&mut buf, &ctx, line, &c),
                _ => output::json_record(&mut buf, &ctx, line, &c),
            }
            if buf.len() >= 32 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
            Ok(())
        });
        if let Err(e) = result {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("rebound: {name}: {e}");
            failed = true;
        }
    }
    match out.write_all(&buf).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(format!("writing output: {e}")),
        _ => {}
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Calls `f` with every line of `reader` that is not blank, without its line
/// ending. Lines need not be UTF-8 and may be of any length.
pub fn for_each_line(reader: impl BufRead, f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
    super::lines::for_each_line(reader, f)
}
