//! Compiled-rules snapshots: start-up without parsing and compiling the
//! rules, the way `.pyc` files or ccache work.
//!
//! Parsing ~440 KB of TOML rules and compiling them costs ~70 million
//! instructions, most of a short run. A [`SnapshotCache`] keeps, in a cache
//! directory, a compact binary encoding of the [`CompiledRules`] made from
//! a set of rule sources, keyed by a hash of: the snapshot format, the
//! crate version, the running binary (its path, size and modification time,
//! so a new build never reads an old snapshot) and every source's path and
//! bytes. Loading the same sources again decodes the snapshot instead
//! (mostly bulk copies of integer arrays and one pass over the strings);
//! the rules' regexes are stored compiled (full DFAs and backtrackers,
//! see `lazy_regex/stored.rs`) and read in place on first use.
//!
//! Every failure is "no snapshot": a cache directory that cannot be made or
//! written, a missing, truncated, corrupted or foreign file (checked by
//! magic, format, key, length and a 128-bit checksum, then every index and
//! automaton invariant on decoding) all mean compiling from the sources, as
//! without a cache. Snapshots are written atomically (a temporary file then
//! a rename) and only the [`KEEP`] newest are kept.
//!
//! ```
//! # let dir = tempfile::tempdir()?;
//! use rebound::snapshot::SnapshotCache;
//! use rebound::rules::source::embedded_sources;
//!
//! let cache = SnapshotCache::new(dir.path()).expect("the running binary has a path");
//! let first = cache.load(embedded_sources())?; // compiled, then written
//! let again = cache.load(embedded_sources())?; // decoded
//! assert_eq!(first.pattern_count(), again.pattern_count());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The command line uses the directory `$REBOUND_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/rebound`, else `$HOME/.cache/rebound`;
//! `REBOUND_NO_CACHE=1` turns the cache off ([`SnapshotCache::from_env`]).

pub(crate) mod codec;
mod compiled;
mod hash;
mod map;
mod prebuilt;
mod rules;

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::compile::CompiledRules;
use crate::rules::{LoadError, Rules, SourceFile};
pub(crate) use rules::{fields_snap, tag_snap};

/// Version of the snapshot format; bumped with every change to it.
const FORMAT: u32 = 8;
/// The first bytes of every snapshot file.
const MAGIC: &[u8; 8] = b"rebound\0";
/// Header: magic, format, key, body length, body checksum. The body is
/// the rules' encoding (its length first) then the index of their
/// prebuilt regexes; after it, from the next multiple of 8 bytes, the
/// prebuilt regexes themselves (each checked by its own checksum, in the
/// index, when first read: a run reads only those it uses).
const HEADER: usize = 8 + 4 + 16 + 8 + 16;
/// How many snapshots a cache directory keeps (the newest).
pub const KEEP: usize = 8;

/// A directory of compiled-rules snapshots, for one build of rebound.
#[derive(Debug, Clone)]
pub struct SnapshotCache {
    dir: PathBuf,
    /// Hash of the format, the crate version and the running binary.
    build: u128,
}

impl SnapshotCache {
    /// A cache in `dir` (made when the first snapshot is written); `None`
    /// when the running binary cannot be identified (then a snapshot could
    /// outlive the build that wrote it).
    pub fn new(dir: impl Into<PathBuf>) -> Option<SnapshotCache> {
        Some(SnapshotCache { dir: dir.into(), build: build_id()? })
    }

    /// The cache the environment asks for: `None` when `REBOUND_NO_CACHE`
    /// is set (to anything but `0` or nothing), else in `$REBOUND_CACHE_DIR`,
    /// `$XDG_CACHE_HOME/rebound` or `$HOME/.cache/rebound`, the first set.
    pub fn from_env() -> Option<SnapshotCache> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if var("REBOUND_NO_CACHE").is_some_and(|v| v != "0") {
            return None;
        }
        let dir = var("REBOUND_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rebound")))
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache").join("rebound")))?;
        SnapshotCache::new(dir)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The compiled rules of `sources`: decoded from their snapshot when
    /// there is a usable one, else loaded and compiled (errors as
    /// [`Rules::from_sources`] and [`CompiledRules::new`] give them), then
    /// written as a snapshot (a failure to write is ignored).
    pub fn load(&self, sources: Vec<SourceFile>) -> Result<CompiledRules, LoadError> {
        let key = self.key(&sources);
        let sources = match self.read(key, sources) {
            Ok(compiled) => return Ok(compiled),
            Err(sources) => sources,
        };
        let compiled = CompiledRules::new(Rules::from_sources(sources)?)?;
        let _ = self.write(key, &compiled);
        Ok(compiled)
    }

    /// Writes the snapshot of rules compiled from sources (by `rebound
    /// check` or a reload, say), so the next start with the same sources
    /// can decode it.
    pub fn store(&self, compiled: &CompiledRules) -> io::Result<()> {
        self.write(self.key(&compiled.rules().files), compiled)
    }

    /// The key of a snapshot of `sources` for this build: changes with any
    /// byte or path of any source (or their order). The text of a rule file
    /// embedded in the binary ([`SourceFile::is_embedded`]) is not hashed:
    /// it changes only with the binary, whose path, size and modification
    /// time the build's identity holds already, and skipping it spares a
    /// start from reading 440 KB it does not otherwise need.
    pub fn key(&self, sources: &[SourceFile]) -> u128 {
        let mut h = hash::hash(self.build, &(sources.len() as u64).to_le_bytes());
        for s in sources {
            h = hash::hash(h, s.path.as_bytes());
            h = match s.is_embedded() {
                true => hash::hash(h, b"\x01"),
                false => hash::hash(hash::hash(h, b"\x00"), s.text.as_bytes()),
            };
        }
        h
    }

    /// The snapshot file of `key`.
    pub fn path_of(&self, key: u128) -> PathBuf {
        self.dir.join(format!("{key:032x}.snap"))
    }

    /// The rules the snapshot of `key` holds; the sources back when there is
    /// no usable one.
    fn read(&self, key: u128, sources: Vec<SourceFile>) -> Result<CompiledRules, Vec<SourceFile>> {
        let Ok(bytes) = map::FileBytes::open(&self.path_of(key)).map(std::sync::Arc::new) else {
            return Err(sources);
        };
        let Some((rules, index)) = body(&bytes, key).and_then(split_body) else {
            return Err(sources);
        };
        // Where the index lies, and the prebuilt regexes after it.
        let index = HEADER + 8 + rules.len()..HEADER + 8 + rules.len() + index.len();
        let blobs = index.end.next_multiple_of(8)..bytes.len();
        if bytes.get(index.clone()).and_then(prebuilt::blobs_len) != Some(blobs.len()) {
            return Err(sources);
        }
        let owner: crate::lazy_regex::Owner = bytes.clone();
        let mut compiled = compiled::decode(rules, Some(&owner), sources)?;
        // A bad index leaves every regex to be built on demand.
        let _ = bytes.get(index).and_then(|index| prebuilt::attach(&mut compiled, index, &owner, blobs));
        Ok(compiled)
    }

    /// Writes the snapshot of `key` atomically, then prunes old ones.
    fn write(&self, key: u128, compiled: &CompiledRules) -> io::Result<()> {
        let rules = compiled::encode(compiled);
        let (index, blobs) = prebuilt::encode(compiled);
        let mut body = Vec::with_capacity(8 + rules.len() + index.len());
        body.extend_from_slice(&(rules.len() as u64).to_le_bytes());
        body.extend_from_slice(&rules);
        body.extend_from_slice(&index);
        let mut out = Vec::with_capacity(HEADER + body.len() + 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&hash::hash(key, &body).to_le_bytes());
        out.extend_from_slice(&body);
        out.resize(out.len().next_multiple_of(8), 0);
        fs::create_dir_all(&self.dir)?;
        let path = self.path_of(key);
        let tmp = self.dir.join(format!(".{key:032x}.{}.tmp", std::process::id()));
        let written = fs::File::create(&tmp)
            .and_then(|f| {
                let mut w = io::BufWriter::with_capacity(64 << 10, f);
                w.write_all(&out)?;
                prebuilt::write_blobs(&mut w, &blobs)?;
                w.flush()
            })
            .and_then(|()| fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written?;
        self.prune();
        Ok(())
    }

    /// Removes all but the [`KEEP`] most recently written snapshots, and
    /// temporary files an interrupted write left behind an hour ago or more.
    fn prune(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = std::time::SystemTime::now();
        let mut snaps: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for e in entries.flatten() {
            let Some(modified) = e.metadata().ok().and_then(|m| m.modified().ok()) else {
                continue;
            };
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".snap") {
                snaps.push((modified, e.path()));
            } else if name.ends_with(".tmp") && now.duration_since(modified).is_ok_and(|age| age.as_secs() >= 3600) {
                let _ = fs::remove_file(e.path());
            }
        }
        if snaps.len() <= KEEP {
            return;
        }
        snaps.sort();
        for (_, path) in &snaps[..snaps.len() - KEEP] {
            let _ = fs::remove_file(path);
        }
    }
}

/// The body of a snapshot file, when its header is this format's, names
/// `key`, and its length and checksum are right.
fn body(bytes: &[u8], key: u128) -> Option<&[u8]> {
    let (header, rest) = bytes.split_at_checked(HEADER)?;
    let u128_at = |at: usize| header[at..at + 16].try_into().ok().map(u128::from_le_bytes);
    let len = usize::try_from(u64::from_le_bytes(header[28..36].try_into().ok()?)).ok()?;
    let body = rest.get(..len)?;
    let ok = &header[..8] == MAGIC
        && header[8..12] == FORMAT.to_le_bytes()
        && u128_at(12)? == key
        && u128_at(36)? == hash::hash(key, body);
    ok.then_some(body)
}

/// A body's rules encoding and index of prebuilt regexes.
fn split_body(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = body.split_at_checked(8)?;
    let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
    rest.split_at_checked(len)
}

/// Identifies this build: the format, the crate version and the running
/// binary's path, size and modification time.
fn build_id() -> Option<u128> {
    let exe = std::env::current_exe().ok()?;
    let meta = fs::metadata(&exe).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    let mut h = hash::hash(u128::from(FORMAT), env!("CARGO_PKG_VERSION").as_bytes());
    h = hash::hash(h, exe.as_os_str().as_encoded_bytes());
    h = hash::hash(h, &meta.len().to_le_bytes());
    Some(hash::hash(h, &modified.as_nanos().to_le_bytes()))
}

#[cfg(test)]
mod tests;
