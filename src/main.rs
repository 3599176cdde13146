use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    rebound::cli::run(rebound::cli::Cli::parse())
}
