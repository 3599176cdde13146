//! `rebound classify`: one answer per reply, per bounced recipient of an
//! email, per failed delivery of a log. Each input's kind (reply lines,
//! email, mbox, log, JSON lines) is detected from its first bytes unless
//! `--input` names it; a directory means every file under it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::{self, Context, Format};
use super::Cli;
use crate::classify::{Hints, Scratch};
use crate::extract::EmailKind;
use crate::input::{self, json, log, mbox, Kind};
use crate::{Classification, Engine, EnhancedCode, Verdict};

mod dir;
use dir::Spare;

/// Arguments of `rebound classify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to read (`-` for stdin); stdin when none is named.
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// Stream stdin (one answer per line, flushed at once) and reload the
    /// `--rules` directory whenever it changes, or on SIGHUP.
    #[arg(long)]
    pub watch: bool,
    /// What the inputs hold (default: detected per input).
    #[arg(long = "input", short = 'i', value_enum, default_value_t = Kind::Auto)]
    pub input: Kind,
    /// For JSON lines: the field holding the reply (`a.b` reaches into objects).
    #[arg(long, value_name = "NAME")]
    pub field: Option<String>,
    /// Emails larger than this are refused (bytes; K, M, G, KiB, MiB, GiB suffixes).
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    pub max_size: u64,
    /// Threads reading the files of a directory (default: one per core).
    /// Output keeps the order of the files whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

/// Parses `16MiB`, `512k`, `1000000`.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a size (try 16MiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("`{s}` is too large"))
}

/// The read buffer of a file; kinds are detected from its first fill.
const READ_BUFFER: usize = 64 * 1024;

/// Files up to this size are read whole rather than through a buffer.
const WHOLE_FILE: u64 = 1 << 20;

/// Output is gathered in `Run::buf` and handed on this many bytes at a
/// time: as many as the `BufWriter` holds, so it passes them straight to
/// stdout instead of copying them.
const OUT_CHUNK: usize = 64 * 1024;

struct Run<'a> {
    /// The rules, borrowed: cloning the engine would write its shared
    /// reference count, a cache line the other workers read.
    engine: &'a Engine,
    args: &'a Args,
    format: Format,
    buf: Vec<u8>,
    out: Out,
    json: output::JsonWriter,
    scratch: Scratch,
    /// The buffer small files are read into, kept from file to file.
    file: Vec<u8>,
    failed: bool,
    /// Messages for stderr, kept in order with the output when the files
    /// of a directory are read by several threads; `None`: written at once.
    notes: Option<Vec<u8>>,
    /// Where a worker takes the buffers it hands its records over in, and
    /// where the output thread gives them back once written (so each is
    /// freed and grown by the thread that allocated it, never by another:
    /// glibc would lock the allocating thread's heap to free it).
    spare: Option<&'a Spare>,
}

/// Where records go: stdout, or a buffer (a worker reading one file of a
/// directory).
enum Out {
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    Buffer(Vec<u8>),
}

impl Write for Out {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Out::Stdout(w) => w.write(data),
            Out::Buffer(b) => b.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Out::Stdout(w) => w.write_all(data),
            Out::Buffer(b) => b.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Stdout(w) => w.flush(),
            Out::Buffer(_) => Ok(()),
        }
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    if args.watch {
        return super::watch::run(cli, &args.files, args.format);
    }
    super::heap::prepare();
    let engine = super::engine(cli)?;
    // The compiled rules live until the process ends: one reference is
    // never dropped, so exit does not free them piece by piece (≈ 20,000
    // allocations, ≈ 1.3M instructions).
    std::mem::forget(engine.clone());
    let format = args.format.resolve();
    let json = output::JsonWriter::new(&engine);
    let mut run = Run {
        engine: &engine,
        args,
        format,
        buf: Vec::with_capacity(OUT_CHUNK + 4096),
        out: Out::Stdout(io::BufWriter::with_capacity(OUT_CHUNK, io::stdout().lock())),
        json,
        scratch: Scratch::new(),
        file: Vec::new(),
        failed: false,
        notes: None,
        spare: None,
    };
    match format {
        Format::Table => run.buf.extend_from_slice(output::table_header().as_bytes()),
        Format::Tsv => run.buf.extend_from_slice(output::TSV_HEADER.as_bytes()),
        _ => {}
    }
    let stdin_only = [PathBuf::from("-")];
    let files = if args.files.is_empty() { &stdin_only[..] } else { &args.files[..] };
    for path in files {
        let result = if path.as_os_str() == "-" {
            run.reader("-", BufReader::with_capacity(64 * 1024, io::stdin().lock()), None)
        } else if path.is_dir() {
            run.dir(path)
        } else {
            run.file(path)
        };
        if let Err(e) = result {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
            run.note(format_args!("{}: {e}", path.display()));
            run.failed = true;
        }
    }
    match run.out.write_all(&run.buf).and_then(|()| run.out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(format!("writing output: {e}")),
        _ => {}
    }
    Ok(if run.failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Opens `path` and tells its size (`None` when the file system does not).
fn open(path: &Path) -> io::Result<(File, Option<u64>)> {
    let f = File::open(path)?;
    let size = crate::input::dir::regular_size(&f);
    Ok((f, size))
}

/// The contents of a file said to be `size` bytes long, into `data` (a
/// buffer kept from file to file, so that it seldom needs to grow; what it
/// held is overwritten). Reading stops once `size` bytes are in, without
/// another read to see the end: a file that grew since it was opened is
/// read as it was then, one that shrank gives what it has.
fn read_small(f: &mut File, size: usize, data: &mut Vec<u8>) -> io::Result<()> {
    // Bytes beyond what it held before are zeroed, the others read over.
    data.resize(size, 0);
    match crate::input::dir::read_into(f, data) {
        Ok(filled) => {
            data.truncate(filled);
            Ok(())
        }
        Err(e) => {
            data.clear();
            Err(e)
        }
    }
}

impl<'a> Run<'a> {
    /// A message for stderr: written at once, or kept with the output.
    fn note(&mut self, message: std::fmt::Arguments<'_>) {
        match &mut self.notes {
            Some(notes) => {
                let _ = writeln!(notes, "rebound: {message}");
            }
            None => eprintln!("rebound: {message}"),
        }
    }

    /// Reads the first `n` bytes of `self.file`, the whole of the file at
    /// `path`, as a small file.
    fn whole_file(&mut self, path: &Path, n: usize) -> io::Result<()> {
        let name = path.to_string_lossy();
        let data = std::mem::take(&mut self.file);
        let result = self.small(&name, &data[..n]);
        self.file = data;
        result
    }

    fn file(&mut self, path: &Path) -> io::Result<()> {
        let (f, size) = open(path)?;
        self.opened(path, f, size)
    }

    /// Reads the file `f` at `path`, `size` bytes long when known.
    fn opened(&mut self, path: &Path, mut f: File, size: Option<u64>) -> io::Result<()> {
        // What `path.display()` writes, borrowed when the path is UTF-8.
        let name = path.to_string_lossy();
        match size {
            // A small file (an email, most often) is read whole, into the
            // buffer kept for it, and an email is read from there.
            Some(size) if size <= WHOLE_FILE => {
                let mut data = std::mem::take(&mut self.file);
                let result = read_small(&mut f, size as usize, &mut data).and_then(|()| self.small(&name, &data));
                self.file = data;
                result
            }
            _ => self.reader(&name, BufReader::with_capacity(READ_BUFFER, f), size),
        }
    }

    /// Reads `data`, the whole of a small file, as one email or as an
    /// input of its kind.
    fn small(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        // Detected from the same head a buffered read would give.
        let kind = match self.args.input {
            Kind::Auto => input::detect(&data[..data.len().min(READ_BUFFER)]),
            k => k,
        };
        if kind == Kind::Email && data.len() as u64 <= self.args.max_size {
            return self.email(name, None, data);
        }
        let size = Some(data.len() as u64);
        if data.len() <= READ_BUFFER {
            // The bytes a buffered read would give, without copying them
            // into a buffer of their own: its first fill is all of them.
            return self.read_kind(name, data, size, kind);
        }
        self.read_kind(name, BufReader::with_capacity(READ_BUFFER, data), size, kind)
    }

    /// Reads one input of known or detected kind.
    fn reader(&mut self, name: &str, mut reader: impl BufRead, size: Option<u64>) -> io::Result<()> {
        let kind = match self.args.input {
            Kind::Auto => input::detect(reader.fill_buf()?),
            k => k,
        };
        self.read_kind(name, reader, size, kind)
    }

    /// Reads one input of kind `kind`.
    fn read_kind(&mut self, name: &str, mut reader: impl BufRead, size: Option<u64>, kind: Kind) -> io::Result<()> {
        match kind {
            Kind::Auto | Kind::Lines => self.lines(name, reader),
            Kind::Log => self.log(name, reader),
            Kind::Json => self.json(name, reader),
            Kind::Mbox => {
                let max = self.args.max_size;
                let head = reader.fill_buf()?;
                if memchr::memchr(b'\n', head).is_none() && memchr::memchr(b'\r', head).is_some() {
                    // Lone CR line endings: read it all and split it as LF.
                    let mut raw = Vec::new();
                    reader.read_to_end(&mut raw)?;
                    let raw = mbox::lf_endings(&raw).into_owned();
                    return mbox::for_each_message(&raw[..], max, |n, m| self.mbox_message(name, n, m));
                }
                mbox::for_each_message(reader, max, |n, m| self.mbox_message(name, n, m))
            }
            Kind::Email => {
                let max = self.args.max_size;
                if let Some(size) = size.filter(|&s| s > max) {
                    self.too_large(name, None, size);
                    return Ok(());
                }
                let mut raw = Vec::new();
                reader.take(max + 1).read_to_end(&mut raw)?;
                if raw.len() as u64 > max {
                    self.too_large(name, None, raw.len() as u64);
                    return Ok(());
                }
                self.email(name, None, &raw)
            }
        }
    }

    fn mbox_message(&mut self, name: &str, n: usize, m: mbox::Message<'_>) -> io::Result<()> {
        match m {
            mbox::Message::Email(raw) => self.email(name, Some(n), raw),
            mbox::Message::TooLarge(size) => {
                self.too_large(name, Some(n), size);
                Ok(())
            }
        }
    }

    fn too_large(&mut self, name: &str, message: Option<usize>, size: u64) {
        let at = message.map(|n| format!(" message {n}")).unwrap_or_default();
        let max = self.args.max_size;
        self.note(format_args!(
            "{name}{at}: email of {size} bytes refused: over the size limit of {max} bytes (--max-size)"
        ));
        self.failed = true;
    }

    fn write(&mut self, ctx: &Context<'_>, text: &[u8], c: &Classification<'_>) -> io::Result<()> {
        match self.format {
            Format::Table => output::table_record(&mut self.buf, ctx, text, c),
            Format::Tsv => output::tsv_record(&mut self.buf, ctx, text, c),
            _ => output::json_record(&mut self.buf, ctx, text, c),
        }
        if self.buf.len() >= OUT_CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes a verdict of `engine`: JSON through the writer's prepared
    /// heads, other formats from the verdict reported in the profile.
    fn write_verdict(&mut self, ctx: &Context<'_>, text: &[u8], engine: &Engine, verdict: Verdict) -> io::Result<()> {
        match self.format {
            Format::Table | Format::Tsv => return self.write(ctx, text, &engine.resolve(verdict)),
            _ => self.json.verdict(&mut self.buf, ctx, text, &verdict),
        }
        if self.buf.len() >= OUT_CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// One reply per line: the fast path, no allocation per line.
    fn lines(&mut self, name: &str, reader: impl BufRead) -> io::Result<()> {
        let ctx = Context::default();
        let _ = name;
        let engine = self.engine;
        let mut scratch = std::mem::take(&mut self.scratch);
        let result = for_each_line(reader, |line| {
            let verdict = engine.verdict_with(line, Hints::default(), &mut scratch);
            self.write_verdict(&ctx, line, engine, verdict)
        });
        self.scratch = scratch;
        result
    }

    fn log(&mut self, name: &str, reader: impl BufRead) -> io::Result<()> {
        let engine = self.engine;
        let mut scratch = std::mem::take(&mut self.scratch);
        let result = for_each_line(reader, |line| {
            let line = String::from_utf8_lossy(line);
            let Some(b) = log::parse(&line) else { return Ok(()) };
            let hints = Hints { status: b.status.and_then(EnhancedCode::parse), reply_code: None };
            let c = engine.classify_with(b.diagnostic.as_bytes(), hints, &mut scratch);
            let ctx = Context {
                file: Some(name),
                recipient: b.recipient,
                action: Some(b.action),
                status: b.status,
                remote_mta: b.remote_mta,
                ..Context::default()
            };
            self.write(&ctx, b.diagnostic.as_bytes(), &c)
        });
        self.scratch = scratch;
        result
    }

    fn json(&mut self, name: &str, reader: impl BufRead) -> io::Result<()> {
        let engine = self.engine;
        let field = self.args.field.clone();
        let mut number = 0usize;
        let mut without_field = 0usize;
        let result = for_each_line(reader, |line| {
            number += 1;
            let value = match json::object(line) {
                Ok(v) => v,
                Err(e) => {
                    self.note(format_args!("{name}:{number}: {e}"));
                    self.failed = true;
                    return Ok(());
                }
            };
            // A sending service's notification, when no field is named.
            if field.is_none() {
                if let Some(report) = engine.extract_json(&value) {
                    return self.report(name, None, &report);
                }
            }
            match json::reply(&value, field.as_deref()) {
                Ok(r) => {
                    let hints = Hints { status: r.status.as_deref().and_then(EnhancedCode::parse), reply_code: None };
                    let c = engine.classify_bytes(r.reply.as_bytes(), hints);
                    let ctx = Context {
                        file: Some(name),
                        recipient: r.recipient.as_deref(),
                        status: r.status.as_deref(),
                        ..Context::default()
                    };
                    self.write(&ctx, r.reply.as_bytes(), &c)
                }
                Err(json::JsonError::NoField(_)) => {
                    // Events of other kinds (opens, clicks) carry no reply.
                    without_field += 1;
                    Ok(())
                }
                Err(e) => {
                    self.note(format_args!("{name}:{number}: {e}"));
                    self.failed = true;
                    Ok(())
                }
            }
        });
        if without_field > 0 {
            let wanted = field.as_deref().map_or_else(|| json::REPLY_FIELDS.join("|"), str::to_string);
            self.note(format_args!(
                "{name}: {without_field} line(s) without a reply field `{wanted}` skipped (name the field with --field)"
            ));
        }
        result
    }

    fn email(&mut self, name: &str, message: Option<usize>, raw: &[u8]) -> io::Result<()> {
        let report = self.engine.extract(raw);
        if report.kind == EmailKind::NotBounce {
            let at = message.map(|n| format!(" message {n}")).unwrap_or_default();
            self.note(format_args!("{name}{at}: not a bounce: {}", report.note.as_deref().unwrap_or("")));
            return Ok(());
        }
        self.report(name, message, &report)
    }

    /// One record per recipient an email (or a notification) reports on.
    fn report(&mut self, name: &str, message: Option<usize>, report: &crate::extract::Report) -> io::Result<()> {
        let engine = self.engine;
        // One bounce at a time: what `answers` gives, without its list.
        for b in &report.bounces {
            let a = engine.answer(report, b);
            let ctx = Context::of_answer(engine, name, message, report, &a);
            self.write(&ctx, a.bounce.diagnostic.as_bytes(), &a.classification)?;
        }
        Ok(())
    }
}

/// Calls `f` with every line of `reader` that is not blank, without its line
/// ending. Lines need not be UTF-8 and may be of any length.
pub fn for_each_line(reader: impl BufRead, f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
    super::lines::for_each_line(reader, f)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("M").is_err());
    }
}
