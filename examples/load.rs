//! A bounded load test of `rebound serve`: a fixed number of `POST /classify`
//! requests from concurrent keep-alive clients, loopback only; prints
//! requests per second and latency percentiles, then stops.
//!
//! ```sh
//! # Against a server started in this process (the built-in rules, or --rules DIR):
//! cargo run --release --example load -- --requests 40000 --clients 4
//! # Against a running `rebound serve --listen 127.0.0.1:8025`:
//! cargo run --release --example load -- --port 8025
//! ```
//!
//! Options: `--requests N` (default 40000), `--clients C` (default 4),
//! `--batch B` replies per request (default 1: `{"text": ...}`; more:
//! `{"texts": [...]}`), `--port P`, `--rules DIR`. The target is always
//! 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rebound::serve::{Fixed, Options, Server};

/// The replies sent, cycled: this repository's sample replies.
const REPLIES: &str = include_str!("replies.txt");

struct Args {
    requests: usize,
    clients: usize,
    batch: usize,
    port: Option<u16>,
    rules: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { requests: 40_000, clients: 4, batch: 1, port: None, rules: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|_| format!("{flag}: `{value}` is not a number"));
        match flag.as_str() {
            "--requests" => args.requests = number()?,
            "--clients" => args.clients = number()?.max(1),
            "--batch" => args.batch = number()?.max(1),
            "--port" => args.port = Some(value.parse().map_err(|_| format!("--port: `{value}` is not a port"))?),
            "--rules" => args.rules = Some(value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    // Keeps an in-process server's runtime alive until the end.
    let mut _runtime = None;
    let port = match args.port {
        Some(port) => port,
        None => {
            let (runtime, port) = start_server(args.rules.as_deref());
            _runtime = Some(runtime);
            port
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let bodies = Arc::new(bodies(args.batch));

    let started = Instant::now();
    let clients: Vec<_> = (0..args.clients)
        .map(|c| {
            let n = args.requests / args.clients + usize::from(c < args.requests % args.clients);
            let bodies = Arc::clone(&bodies);
            std::thread::spawn(move || client(addr, n, c, &bodies))
        })
        .collect();
    let mut latencies = Vec::with_capacity(args.requests);
    for c in clients {
        match c.join() {
            Ok(Ok(mut l)) => latencies.append(&mut l),
            Ok(Err(e)) => {
                eprintln!("load: client failed: {e}");
                std::process::exit(1);
            }
            Err(_) => std::process::exit(1),
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} requests ({} replies each) from {} keep-alive clients to 127.0.0.1:{port} in {:.2} s",
        latencies.len(),
        args.batch,
        args.clients,
        elapsed.as_secs_f64()
    );
    println!(
        "{:.0} requests/s ({:.0} replies/s); latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        (latencies.len() * args.batch) as f64 / elapsed.as_secs_f64(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0)),
    );
}

/// Starts a server on 127.0.0.1 on its own runtime; returns the runtime and
/// the port.
fn start_server(rules: Option<&str>) -> (tokio::runtime::Runtime, u16) {
    let engine = match rules {
        Some(dir) => rebound::Engine::from_dir(dir),
        None => rebound::Engine::embedded(),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))).unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = Server::new(Arc::new(Fixed::new(engine)), Options::default());
    runtime.spawn(server.serve(listener, std::future::pending()));
    (runtime, port)
}

/// Complete requests, one per distinct body.
fn bodies(batch: usize) -> Vec<Vec<u8>> {
    let replies: Vec<&str> = REPLIES.lines().filter(|l| !l.trim().is_empty()).collect();
    (0..replies.len())
        .map(|i| {
            let body = if batch == 1 {
                serde_json::json!({ "text": replies[i] })
            } else {
                let texts: Vec<&str> = (0..batch).map(|j| replies[(i + j) % replies.len()]).collect();
                serde_json::json!({ "texts": texts })
            };
            let body = body.to_string();
            format!(
                "POST /classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
        .collect()
}

/// Sends `n` requests on one keep-alive connection; their latencies.
fn client(addr: SocketAddr, n: usize, offset: usize, bodies: &[Vec<u8>]) -> std::io::Result<Vec<Duration>> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut latencies = Vec::with_capacity(n);
    let mut line = String::new();
    let mut body = Vec::new();
    for i in 0..n {
        let start = Instant::now();
        writer.write_all(&bodies[(i + offset) % bodies.len()])?;
        line.clear();
        reader.read_line(&mut line)?;
        if !line.starts_with("HTTP/1.1 200") {
            return Err(std::io::Error::other(format!("unexpected answer: {line:?}")));
        }
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().map_err(std::io::Error::other)?;
                }
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        latencies.push(start.elapsed());
    }
    Ok(latencies)
}
