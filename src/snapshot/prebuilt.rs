//! The rules' regexes compiled at snapshot-write time (see
//! `lazy_regex/stored.rs`): an index in the checksummed body (per regex:
//! where its bytes lie, their checksum, its needle), and the bytes after
//! the body, each regex's 8-byte aligned and checked on first use.

use std::io::{self, Write};
use std::ops::Range;

use super::hash;
use crate::compile::CompiledRules;
use crate::lazy_regex::{Built, Owner};

/// The seed of each stored regex's checksum.
const SEED: u128 = 0x0072_6567_6578_6573;

/// The checksum of a stored regex's bytes.
fn checksum(bytes: &[u8]) -> u128 {
    hash::hash(SEED, bytes)
}

/// The rules' regexes in the order the index lists them: the classifier's,
/// then the recipient, command and remote-MTA patterns of `[extract]`,
/// each twice (its ASCII form, then its full one, see
/// `lazy_regex/stored.rs`), prebuilt on as many threads as there are cores (up to 4), the calling
/// thread one of them: building their DFAs is most of the cost of writing a
/// snapshot. (Each thread that allocates gets a heap of its own from glibc,
/// so the calling thread works instead of waiting: a first run's peak
/// memory grows by one heap fewer.)
fn prebuild_all(c: &CompiledRules) -> Vec<Option<Built>> {
    let x = &c.extract;
    let rules = c.regexes.iter().map(|r| (r.regex.pattern(), false));
    let extract = x.recipient.iter().chain(&x.command).chain(&x.remote_mta).map(|p| (p.regex.pattern(), true));
    let all: Vec<(&str, bool)> = rules.chain(extract).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let stripe = |t: usize| {
        let mine = (t..all.len()).step_by(threads);
        let forms = |(p, c): (&str, bool)| [crate::lazy_regex::prebuild(p, c), crate::lazy_regex::prebuild_full(p, c)];
        mine.map(|i| (i, forms(all[i]))).collect::<Vec<_>>()
    };
    let mut out: Vec<[Option<Built>; 2]> = (0..all.len()).map(|_| [None, None]).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|t| scope.spawn(move || stripe(t))).collect();
        let own = stripe(0);
        // A worker that panicked leaves its regexes to be built on demand.
        let theirs = workers.into_iter().flat_map(|w| w.join().unwrap_or_default());
        for (i, b) in own.into_iter().chain(theirs) {
            out[i] = b;
        }
    });
    out.into_iter().flatten().collect()
}

/// The index (appended to the snapshot's body) and the regexes' bytes
/// (written after it by [`write_blobs`], starting 8-byte aligned, each
/// regex's too) of `c`'s regexes. The index starts with the length of
/// those bytes (see [`blobs_len`]). The bytes stay apart, not copied into
/// one buffer: with the DFAs of up to 1 MB that `lazy_regex` stores, a
/// copy was megabytes more of a first run's peak memory.
pub(super) fn encode(c: &CompiledRules) -> (Vec<u8>, Vec<Vec<u8>>) {
    let (mut index, mut blobs) = (Vec::new(), Vec::new());
    let all = prebuild_all(c);
    release_free_memory();
    index.extend_from_slice(&[0; 8]);
    index.extend_from_slice(&(all.len() as u32).to_le_bytes());
    let mut len = 0usize;
    for b in all {
        let Some(b) = b else {
            index.push(0);
            continue;
        };
        len = len.next_multiple_of(8);
        index.push(1);
        index.extend_from_slice(&(len as u64).to_le_bytes());
        index.extend_from_slice(&(b.bytes.len() as u64).to_le_bytes());
        index.extend_from_slice(&checksum(&b.bytes).to_le_bytes());
        index.extend_from_slice(&(b.needle.len() as u32).to_le_bytes());
        index.extend_from_slice(&b.needle);
        len += b.bytes.len();
        blobs.push(b.bytes);
    }
    index[..8].copy_from_slice(&(len as u64).to_le_bytes());
    (index, blobs)
}

/// Writes the regexes' bytes [`encode`] gave, each at the 8-byte aligned
/// offset (from the first) its index gives.
pub(super) fn write_blobs(w: &mut impl Write, blobs: &[Vec<u8>]) -> io::Result<()> {
    let mut at = 0usize;
    for b in blobs {
        let pad = at.next_multiple_of(8) - at;
        w.write_all(&[0; 8][..pad])?;
        w.write_all(b)?;
        at += pad + b.len();
    }
    Ok(())
}

/// The length of the regexes' bytes an index says follow the body: a file
/// of another length is truncated or has bytes appended.
pub(super) fn blobs_len(index: &[u8]) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(index.get(..8)?.try_into().ok()?)).ok()
}

/// Gives each regex of `c` its stored form, from `index` (which
/// [`encode`] wrote for rules with the same regexes) and the regexes'
/// bytes at `blobs` in `owner`. `None`, leaving every regex to be built on
/// demand, when the index is not such.
pub(super) fn attach(c: &mut CompiledRules, index: &[u8], owner: &Owner, blobs: Range<usize>) -> Option<()> {
    let mut at = 8usize;
    let mut take = |n: usize| {
        let s = index.get(at..at.checked_add(n)?);
        at += n;
        s
    };
    let count = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
    let mut stored = Vec::with_capacity(count.min(index.len()));
    for _ in 0..count {
        if take(1)? == [0] {
            stored.push(None);
            continue;
        }
        let u64_of = |b: &[u8]| b.try_into().ok().map(u64::from_le_bytes).and_then(|v| usize::try_from(v).ok());
        let (offset, len) = (u64_of(take(8)?)?, u64_of(take(8)?)?);
        let sum = u128::from_le_bytes(take(16)?.try_into().ok()?);
        let needle_len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let needle = take(needle_len)?;
        let start = blobs.start.checked_add(offset)?;
        let range = start..start.checked_add(len)?;
        if range.end > blobs.end {
            return None;
        }
        stored.push(Some(crate::lazy_regex::stored(owner, range, sum, checksum, needle)?));
    }
    let regexes = c.regexes.len() + c.extract.recipient.len() + c.extract.command.len() + c.extract.remote_mta.len();
    if at != index.len() || count != 2 * regexes {
        return None;
    }
    let mut stored = stored.into_iter();
    for r in &mut c.regexes {
        if let Some(s) = stored.next().flatten() {
            r.regex.attach(s);
        }
        if let Some(s) = stored.next().flatten() {
            r.regex.attach_full(s);
        }
    }
    let x = &mut c.extract;
    for p in x.recipient.iter_mut().chain(x.command.iter_mut()).chain(x.remote_mta.iter_mut()) {
        if let Some(s) = stored.next().flatten() {
            p.regex.attach(s);
        }
        if let Some(s) = stored.next().flatten() {
            p.regex.attach_full(s);
        }
    }
    Some(())
}

/// Gives the memory the DFA builds freed back to the system. A batch run
/// keeps freed heap memory (see `cli::heap`), and the builds' was freed
/// before classifying starts: kept, it was up to 4 MB more of a first run's
/// peak. A hint to glibc only; elsewhere nothing is done.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free memory of the allocator's
    // heaps to the kernel; allocated blocks are untouched.
    unsafe {
        libc::malloc_trim(0);
    }
}
