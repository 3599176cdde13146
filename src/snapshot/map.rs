//! A snapshot file's bytes, mapped from the page cache instead of copied.
//!
//! Reading a ~0.8 MB snapshot with `fs::read` copies it into freshly
//! allocated memory: about 200 first touches of anonymous pages (≈ 2 µs
//! each) on top of the copy. Mapping the file gives the page-cache pages
//! themselves, read-only, and the decoder reads them where they are. They
//! are mapped on first touch, not all at once (`MAP_POPULATE`): a run
//! reads the body and the few prebuilt regexes it uses, a fraction of a
//! ~3 MB file, and the kernel maps the neighbours of a page touched with it
//! (16 pages a fault), while populating the whole mapping cost ~0.4 ms. Where mapping is not possible (not
//! Unix, an empty file, a file system that refuses) the file is read as
//! before.

use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;

/// The bytes of a file: mapped, or read into memory.
pub(crate) enum FileBytes {
    /// A private read-only mapping of the whole file.
    #[cfg(unix)]
    Mapped(Mapping),
    /// The file read whole.
    Read(Vec<u8>),
}

impl FileBytes {
    /// The contents of the file at `path`.
    ///
    /// A mapped file must not be truncated or written in place while the
    /// mapping lives (a read beyond a truncated end is a `SIGBUS`, a write
    /// would change bytes already checked). Snapshot files are never
    /// written in place: [`super::SnapshotCache`] writes a temporary file
    /// and renames it over the old one, which leaves an open mapping with
    /// the old file's pages.
    pub(crate) fn open(path: &Path) -> io::Result<FileBytes> {
        let file = File::open(path)?;
        #[cfg(unix)]
        if let Some(m) = Mapping::of(&file) {
            return Ok(FileBytes::Mapped(m));
        }
        read_all(file).map(FileBytes::Read)
    }
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(unix)]
            FileBytes::Mapped(m) => m.bytes(),
            FileBytes::Read(v) => v,
        }
    }
}

/// Reads the rest of `file`.
fn read_all(mut file: File) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut v = Vec::new();
    file.read_to_end(&mut v)?;
    Ok(v)
}

/// A private, read-only mapping of a whole file, unmapped on drop.
#[cfg(unix)]
pub(crate) struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

#[cfg(unix)]
impl Mapping {
    /// Maps `file` whole; `None` when it is empty, too large for the
    /// address space or cannot be mapped.
    fn of(file: &File) -> Option<Mapping> {
        use std::os::fd::AsRawFd as _;
        let len = usize::try_from(file.metadata().ok()?.len()).ok().filter(|&n| n > 0)?;
        // SAFETY: a new mapping at an address of the kernel's choosing
        // (null hint, no MAP_FIXED), so no existing memory is affected; the
        // descriptor is open for reading for the duration of the call. The
        // result is checked against MAP_FAILED before use.
        let ptr =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        Some(Mapping { ptr: std::ptr::NonNull::new(ptr.cast())?, len })
    }

    /// The mapped bytes.
    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is the start of a live mapping of `len` readable
        // bytes, unmapped only when `self` drops, so no borrow of `self`
        // outlives it. The mapping is private and read-only, and snapshot
        // files are replaced by rename, never written or truncated in place
        // (see `FileBytes::open`), so its bytes do not change meanwhile.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

// SAFETY: a `Mapping` owns a private, read-only mapping that nothing
// writes (see `FileBytes::open`): sharing or sending it between threads is
// sharing or sending an immutable byte slice.
#[cfg(unix)]
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`.
#[cfg(unix)]
unsafe impl Sync for Mapping {}

#[cfg(unix)]
impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` are exactly what `mmap` returned and was
        // asked for, and no slice of it outlives `self` (see `bytes`).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_bytes_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let bytes = FileBytes::open(&path).unwrap();
        #[cfg(unix)]
        assert!(matches!(bytes, FileBytes::Mapped(_)));
        assert_eq!(&bytes[..], &data[..]);
        // Replaced by rename while mapped: the old bytes stay.
        let new = dir.path().join("g");
        std::fs::write(&new, b"other").unwrap();
        std::fs::rename(&new, &path).unwrap();
        assert_eq!(&bytes[..], &data[..]);
    }

    #[test]
    fn empty_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        std::fs::write(&path, b"").unwrap();
        assert!(FileBytes::open(&path).unwrap().is_empty());
        assert!(FileBytes::open(&dir.path().join("missing")).is_err());
    }
}
