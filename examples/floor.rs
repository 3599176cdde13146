//! The floor under `rebound classify DIR`: what a run costs before it
//! parses a single byte. It lists DIR and reads every file with rebound's
//! own directory reader ([`rebound::input::dir`], the same `openat`, one
//! `read` per short file and `close`), and does nothing with the bytes but
//! count them. No rules are loaded.
//!
//! ```sh
//! cargo build --release --example floor
//! target/release/examples/floor DIR            # one thread
//! target/release/examples/floor -j 2 DIR       # files shared by two threads
//! ```
//!
//! `benches/compare.sh` times it beside rebound and Sisimai: the wall time
//! of this program is the least any classifier that reads the files one
//! by one could take on the machine, so Sisimai's time over it bounds the
//! ratio any classifier could reach there.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use rebound::input::dir::{Listing, Opened};

/// Files longer than this are counted without being read (rebound reads
/// longer files by streaming them; the corpus has none).
const WHOLE: u64 = 64 << 20;

fn main() -> ExitCode {
    let mut threads = 1usize;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "-j" {
            match args.next().and_then(|j| j.to_str()?.parse().ok()) {
                Some(j) if j > 0 => threads = j,
                _ => return usage("-j needs a positive number"),
            }
        } else if dir.is_none() {
            dir = Some(PathBuf::from(arg));
        } else {
            return usage("one directory only");
        }
    }
    let Some(dir) = dir else { return usage("no directory given") };
    let listing = match Listing::new(&dir) {
        Ok(listing) => listing,
        Err(e) => {
            eprintln!("floor: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let next = AtomicUsize::new(0);
    let (bytes, failed) = std::thread::scope(|s| {
        let workers: Vec<_> = (1..threads).map(|_| s.spawn(|| read_all(&listing, &next))).collect();
        let mine = read_all(&listing, &next);
        workers.into_iter().map(|w| w.join().unwrap_or((0, 1))).fold(mine, |a, b| (a.0 + b.0, a.1 + b.1))
    });
    println!("{} files, {bytes} bytes read, {failed} unreadable", listing.files.len());
    ExitCode::SUCCESS
}

/// Reads the files of `listing` not yet taken (`next` is the index of the
/// first one), one at a time, into one buffer; the bytes read and the
/// number of files that could not be read.
fn read_all(listing: &Listing, next: &AtomicUsize) -> (u64, u64) {
    let mut data = Vec::new();
    let (mut bytes, mut failed) = (0u64, 0u64);
    while let Some(entry) = listing.files.get(next.fetch_add(1, Ordering::Relaxed)) {
        match entry.read(&mut data, WHOLE) {
            Ok(Opened::Whole(n)) => bytes += n as u64,
            Ok(Opened::Other(_, size)) => bytes += size.unwrap_or(0),
            Err(_) => failed += 1,
        }
    }
    (bytes, failed)
}

/// Says how to call the program.
fn usage(why: &str) -> ExitCode {
    eprintln!("floor: {why}\nusage: floor [-j THREADS] DIR");
    ExitCode::from(2)
}
