//! `rebound serve`: the HTTP service (see `docs/serve.md`).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::Cli;
use crate::reload::WatchError;
use crate::serve::{EngineSource, Fixed, Options, Server, Stopped, DEFAULT_MAX_BODY};
use crate::LiveEngine;

/// Arguments of `rebound serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8025", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes (suffixes K, KiB, M, MiB); larger get 413.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY, value_parser = parse_size, value_name = "BYTES")]
    pub max_body: usize,
    /// Seconds a shutdown waits for the requests in flight.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub drain_timeout: u64,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rebound-serve")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(serve(cli, args))
}

async fn serve(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let (source, rules): (Arc<dyn EngineSource>, String) = match &cli.rules {
        Some(dir) => {
            let live = live(dir, cli.profile.as_deref())?;
            tokio::spawn(hangup_reloads(Some(live.clone())));
            let when = if live.is_watching() { "on change and on SIGHUP" } else { "on SIGHUP" };
            (Arc::new(live), format!("{}, reloaded {when}", dir.display()))
        }
        None => {
            tokio::spawn(hangup_reloads(None));
            (Arc::new(Fixed::new(super::engine(cli)?)), "built-in".to_string())
        }
    };
    let options = Options { max_body: args.max_body, drain_timeout: Duration::from_secs(args.drain_timeout) };
    let server = Server::new(source, options);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!("rebound: serving on http://{addr} (rules: {rules})");
    match server.serve(listener, shutdown_signal()).await {
        Ok(Stopped::Drained) => {
            eprintln!("rebound: stopped; every request in flight was answered");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Stopped::TimedOut { in_flight }) => {
            eprintln!("rebound: stopped after {}s with {in_flight} request(s) still in flight", args.drain_timeout);
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(format!("serving on {addr}: {e}")),
    }
}

/// The rules of `dir`, watched, in `profile`; reload reports go to stderr.
/// When the directory cannot be watched (out of inotify watches, say), the
/// server still starts and reloads on SIGHUP only.
fn live(dir: &Path, profile: Option<&str>) -> Result<LiveEngine, String> {
    let mut builder = LiveEngine::builder(dir);
    if let Some(name) = profile {
        builder = builder.profile(name);
    }
    let live = match builder.clone().build() {
        Err(WatchError::Watch(e)) => {
            eprintln!("rebound: cannot watch {}: {e}; rules reload on SIGHUP only", dir.display());
            builder.watch(false).build()
        }
        built => built,
    };
    let live = live.map_err(super::watch::watch_error)?;
    super::watch::report_reloads(&live)?;
    Ok(live)
}

/// SIGHUP forces a reload of `live` (reported like any other); with the
/// built-in rules it is only acknowledged, never fatal.
async fn hangup_reloads(live: Option<LiveEngine>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            eprintln!("rebound: cannot handle SIGHUP; reloads happen on file change only");
            return;
        };
        while hangups.recv().await.is_some() {
            match &live {
                Some(live) => {
                    let live = live.clone();
                    let _ = tokio::task::spawn_blocking(move || live.reload_now()).await;
                }
                None => eprintln!("rebound: SIGHUP ignored: the built-in rules never change (serve --rules DIR)"),
            }
        }
    }
    #[cfg(not(unix))]
    drop(live);
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => eprintln!("rebound: interrupted; finishing the requests in flight"),
        () = term => eprintln!("rebound: SIGTERM; finishing the requests in flight"),
    }
}

/// Parses `2097152`, `512K`, `512KiB`, `2M`, `2MiB` (binary units).
fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let n: usize = number.parse().map_err(|_| format!("`{s}` is not a size in bytes (e.g. 2097152, 512K, 2MiB)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1024,
        "m" | "mib" | "mb" => 1024 * 1024,
        _ => return Err(format!("unknown unit in `{s}`: use K or M (binary)")),
    };
    match n.checked_mul(factor) {
        Some(0) | None => Err(format!("`{s}` is not a usable body limit")),
        Some(bytes) => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2097152"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("512K"), Ok(512 * 1024));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("1mb"), Ok(1024 * 1024));
        for bad in ["", "M", "0", "2G", "-1", "1.5M", "99999999999999999999"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
