//! The files of a directory, read by several threads: each worker reads
//! whole files into records and messages of its own, and the calling
//! thread writes them out in file order ([`crate::cli::ordered`]).

use std::io::{self, Write};
use std::path::Path;

use super::{output, Out, Run, WHOLE_FILE};
use crate::classify::Scratch;
use crate::input::dir::{Entry, Listing, Opened};

/// How far the workers reading a directory may run ahead of the output:
/// files, and bytes of records and messages waiting. The thread writing the
/// output is a worker too, and writes only between two of its own files, so
/// the other workers must be able to run well ahead of it (64 files, about
/// 4 ms of work, left the second worker waiting ≈ 4 ms a run over
/// `maildir/bsd`); the bytes bound memory however large the files' records.
const READ_AHEAD: crate::cli::ordered::Window = crate::cli::ordered::Window { files: 4096, bytes: 8 << 20 };

/// Buffers a worker handed records over in, given back to it emptied.
pub(super) type Spare = std::sync::Mutex<Vec<Vec<u8>>>;

/// At most this many buffers are kept for a worker: enough for the few
/// files a worker is ahead of the output most of the time (one running far
/// ahead, while the output thread builds regexes, makes hundreds, which are
/// freed).
const SPARE_BUFFERS: usize = 8;
/// ... and none larger than this (the records of one email take ~1 KB).
const SPARE_BYTES: usize = 16 * 1024;

/// What a worker made of one file of a directory.
enum FileOutput<'p> {
    /// The file's records and messages; `records` goes back to the worker's
    /// `spare` once written.
    Read { records: Vec<u8>, notes: Vec<u8>, failed: bool, spare: Option<&'p Spare> },
    /// A file over [`WHOLE_FILE`] bytes (reply lines or a log, most often,
    /// whose records could be many): left to the output thread, which
    /// streams it in its turn, so that memory stays bounded.
    Large(&'p Path),
}

/// What a worker does with a file of a directory (a closure whose worker
/// state outlives the files, which a closure written in place cannot say).
fn worker_reads<'r, 'p>() -> impl Fn(&mut Run<'r>, &'p Entry) -> FileOutput<'p> + Sync
where
    'r: 'p,
{
    |w, entry| w.worker_file(entry)
}

impl<'a> Run<'a> {
    /// Every file under `dir`, in path order, read by [`Args::jobs`]
    /// threads; records and messages come out in file order.
    pub(super) fn dir(&mut self, dir: &Path) -> io::Result<()> {
        let jobs = self.args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if jobs <= 1 {
            for entry in &Listing::new(dir)?.files {
                if let Err(e) = self.entry(entry) {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        return Err(e);
                    }
                    self.note(format_args!("{}: {e}", entry.path.display()));
                    self.failed = true;
                }
            }
            return Ok(());
        }
        let (engine, args, format) = (self.engine, self.args, self.format);
        // One pool of spare buffers per worker, handed out in turn.
        let spares: Vec<Spare> = (0..jobs).map(|_| Spare::default()).collect();
        let next_spare = std::sync::atomic::AtomicUsize::new(0);
        let worker = || Run {
            engine,
            args,
            format,
            buf: Vec::with_capacity(16 * 1024),
            out: Out::Buffer(Vec::new()),
            json: output::JsonWriter::new(engine),
            scratch: Scratch::new(),
            file: Vec::new(),
            failed: false,
            notes: Some(Vec::new()),
            spare: spares.get(next_spare.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        };
        let worker = || {
            crate::cli::heap::prepare_worker();
            worker()
        };
        let size = |done: &FileOutput<'_>| match done {
            FileOutput::Read { records, notes, .. } => records.capacity() + notes.capacity(),
            FileOutput::Large(_) => 0,
        };
        // The other workers start (and make their state) while this thread
        // lists the files.
        let mut listed = None;
        let slot = &mut listed;
        let list = move || Listing::new(dir).map(move |l| &slot.insert(l).files[..]);
        crate::cli::ordered::in_order(list, jobs, READ_AHEAD, worker, worker_reads(), size, |done: FileOutput<'_>| {
            match done {
                FileOutput::Read { mut records, notes, failed, spare } => {
                    if !notes.is_empty() {
                        let _ = io::stderr().write_all(&notes);
                    }
                    self.failed |= failed;
                    self.buf.extend_from_slice(&records);
                    if let Some(spare) = spare {
                        let mut spare = spare.lock().unwrap_or_else(|e| e.into_inner());
                        // Kept within bounds: buffers kept idle are memory
                        // no other allocation can reuse.
                        if spare.len() < SPARE_BUFFERS && records.capacity() <= SPARE_BYTES {
                            records.clear();
                            spare.push(records);
                        }
                    }
                    if self.buf.len() >= 32 * 1024 {
                        self.out.write_all(&self.buf)?;
                        self.buf.clear();
                    }
                }
                FileOutput::Large(path) => {
                    if let Err(e) = self.file(path) {
                        if e.kind() == io::ErrorKind::BrokenPipe {
                            return Err(e);
                        }
                        self.note(format_args!("{}: {e}", path.display()));
                        self.failed = true;
                    }
                }
            }
            Ok(())
        })
    }

    /// A worker's reading of one file of a directory: its records and
    /// messages, or the file handed back when it is too large to hold.
    fn worker_file<'p>(&mut self, entry: &'p Entry) -> FileOutput<'p>
    where
        'a: 'p,
    {
        // (`'a: 'p`: the spare buffers outlive the files' listing.)
        let path = &entry.path;
        let result = match entry.read(&mut self.file, WHOLE_FILE) {
            Ok(Opened::Whole(n)) => self.whole_file(path, n),
            Ok(Opened::Other(_, Some(size))) if size > WHOLE_FILE => return FileOutput::Large(path),
            Ok(Opened::Other(f, size)) => self.opened(path, f, size),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            self.note(format_args!("{}: {e}", path.display()));
            self.failed = true;
        }
        let spare = self.spare;
        // A buffer this worker allocated, given back emptied.
        let mut records = spare.and_then(|s| s.lock().unwrap_or_else(|e| e.into_inner()).pop()).unwrap_or_default();
        if let Out::Buffer(b) = &mut self.out {
            records.append(b);
        }
        records.append(&mut self.buf);
        let notes = self.notes.as_mut().map(std::mem::take).unwrap_or_default();
        FileOutput::Read { records, notes, failed: std::mem::take(&mut self.failed), spare }
    }

    /// Reads one file of a directory on the output thread.
    fn entry(&mut self, entry: &Entry) -> io::Result<()> {
        match entry.read(&mut self.file, WHOLE_FILE)? {
            Opened::Whole(n) => self.whole_file(&entry.path, n),
            Opened::Other(f, size) => self.opened(&entry.path, f, size),
        }
    }
}
