//! The files under a directory, listed once and opened relative to their
//! own directory: `openat(dir, name)` walks one path component where
//! opening by the whole path walks every one of them again for each file.
//! A regular file is then read with one read when it is short, without
//! asking its size first (one `statx` fewer a file).

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file of a [`Listing`].
#[derive(Debug, Clone)]
pub struct Entry {
    /// The whole path: the directory listed joined with the file's path
    /// under it.
    pub path: PathBuf,
    /// Where the file's name starts in `path`.
    name_at: usize,
    /// The directory holding the file, open (`None`: it could not be
    /// opened on its own, and the file is opened by its whole path).
    dir: Option<Arc<File>>,
    /// Whether the directory listing said this is a regular file (not a
    /// symbolic link, nor anything else): one whose read stops short only
    /// at its end.
    pub regular: bool,
}

/// The files under a directory, recursively, in path order (hidden files
/// and directories skipped), with the directories that hold them kept open.
#[derive(Debug)]
pub struct Listing {
    /// Every file, in path order.
    pub files: Vec<Entry>,
}

/// Names longer than this are opened by their whole path (Linux names are
/// at most 255 bytes).
const NAME_MAX: usize = 255;

/// A regular file is first read with one read of this many bytes: one
/// shorter is then read whole, without asking its size.
pub const FIRST_READ: usize = 64 * 1024;

/// A file of a directory, opened by [`Entry::read`].
#[derive(Debug)]
pub enum Opened {
    /// Read whole: the first this many bytes of the buffer given.
    Whole(usize),
    /// Not read (too large, or not a regular file), at its start, of this
    /// size when known.
    Other(File, Option<u64>),
}

impl Listing {
    /// Lists the files under `dir`.
    pub fn new(dir: &Path) -> io::Result<Listing> {
        let mut listing = Listing { files: Vec::new() };
        listing.walk(dir)?;
        Ok(listing)
    }

    /// Adds the files under `dir`: each directory's entries sorted by name
    /// and subdirectories walked in place, which is the order of sorting
    /// the whole paths (component by component) without comparing them.
    /// Symbolic links are not followed, so the walk cannot loop.
    fn walk(&mut self, dir: &Path) -> io::Result<()> {
        let mut entries: Vec<(std::ffi::OsString, std::fs::FileType)> = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.as_encoded_bytes().first() == Some(&b'.') {
                continue;
            }
            let ty = entry.file_type()?;
            if ty.is_dir() || ty.is_file() || ty.is_symlink() {
                entries.push((name, ty));
            }
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Opened after it was read, so a directory that cannot be read
        // fails as it did before; one that cannot be opened on its own
        // (it can be read, so this is rare) has its files opened by path.
        let opened = open_dir(dir).map(Arc::new);
        self.files.reserve(entries.len());
        for (name, ty) in entries {
            // `dir.join(name)` in one allocation of the right size (join
            // copies `dir`, then grows the copy for the name).
            let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 1 + name.len());
            path.push(dir);
            path.push(&name);
            if ty.is_dir() {
                self.walk(&path)?;
            } else {
                let name_at = path.as_os_str().len() - name.len();
                self.files.push(Entry { path, name_at, dir: opened.clone(), regular: ty.is_file() });
            }
        }
        Ok(())
    }
}

impl Entry {
    /// Opens the file for reading, as `File::open(&self.path)` would.
    pub fn open(&self) -> io::Result<File> {
        let name = &self.path.as_os_str().as_encoded_bytes()[self.name_at..];
        match &self.dir {
            Some(dir) if name.len() <= NAME_MAX && !name.contains(&0) => open_at(dir, name),
            _ => File::open(&self.path),
        }
    }

    /// Opens the file and, when the listing said it is a regular file of
    /// at most `whole` bytes, reads it into `data` (a buffer kept from file
    /// to file, whose bytes are read over): one shorter than
    /// [`FIRST_READ`] bytes with one read (a read of a regular file stops
    /// short only at its end), a longer one up to the size the file has
    /// then. A file that grows while it is read is read as it was when its
    /// size was asked; one that shrinks gives what it has.
    pub fn read(&self, data: &mut Vec<u8>, whole: u64) -> io::Result<Opened> {
        let mut f = self.open()?;
        if !self.regular {
            let size = regular_size(&f);
            return Ok(Opened::Other(f, size));
        }
        if data.len() < FIRST_READ {
            data.resize(FIRST_READ, 0);
        }
        // One read: a short one is the whole file.
        let n = loop {
            match f.read(&mut data[..FIRST_READ]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n < FIRST_READ {
            return Ok(Opened::Whole(n));
        }
        match regular_size(&f) {
            Some(size) if size <= whole => {
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                if data.len() < size {
                    data.resize(size, 0);
                }
                // `size` may be below `n`: the file shrank since it was read.
                let filled = n.min(size);
                Ok(Opened::Whole(filled + read_into(&mut f, &mut data[filled..size.max(filled)])?))
            }
            size => {
                f.rewind()?;
                Ok(Opened::Other(f, size))
            }
        }
    }
}

/// The size of `f` when it is a regular file (`None` for anything else, or
/// when the file system does not tell).
pub(crate) fn regular_size(f: &File) -> Option<u64> {
    f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len())
}

/// Reads from `f` until `buf` is full or the file ends; the bytes read.
pub(crate) fn read_into(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Opens `dir` to open its files from (`None` when it cannot be).
fn open_dir(dir: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY).open(dir).ok()
}

/// `openat(dir, name, O_RDONLY | O_CLOEXEC)`: the flags `File::open` uses.
/// `name` holds no NUL byte and at most [`NAME_MAX`] bytes.
fn open_at(dir: &File, name: &[u8]) -> io::Result<File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let mut c_name = [0u8; NAME_MAX + 1];
    c_name[..name.len()].copy_from_slice(name);
    loop {
        // SAFETY: `c_name` is NUL-terminated (it is one byte longer than
        // `name`, and zeroed) and lives across the call; `dir` is an open
        // directory borrowed for the call.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), c_name.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd >= 0 {
            // SAFETY: `fd` was just opened here and is owned by nothing else.
            return Ok(unsafe { File::from_raw_fd(fd) });
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_whole_or_hands_a_large_one_back_at_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [FIRST_READ + 1, 0, 1, FIRST_READ - 1, FIRST_READ, 3 * FIRST_READ + 5, 10];
        for len in sizes {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(dir.path().join(format!("{len:08}")), &bytes).unwrap();
        }
        let whole = 2 * FIRST_READ as u64;
        std::fs::write(dir.path().join("large"), vec![b'x'; 2 * FIRST_READ + 1]).unwrap();
        // The buffer is kept from file to file, as a worker keeps it.
        let mut data = Vec::new();
        for e in &Listing::new(dir.path()).unwrap().files {
            let bytes = std::fs::read(&e.path).unwrap();
            match e.read(&mut data, whole).unwrap() {
                Opened::Whole(n) => assert!(data[..n] == bytes[..], "{}", e.path.display()),
                Opened::Other(mut f, size) => {
                    assert!(bytes.len() as u64 > whole, "{} not read whole", e.path.display());
                    assert_eq!(size, Some(bytes.len() as u64));
                    let mut all = Vec::new();
                    f.read_to_end(&mut all).unwrap();
                    assert!(all == bytes, "a file handed back is at its start");
                }
            }
        }
    }

    #[test]
    fn lists_what_files_under_lists_and_opens_each() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b", "a-b", "a/x", "a/c/z", "a/c/y", "a.b", "c/.hidden", ".git/config", "a0"] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, f).unwrap();
        }
        std::os::unix::fs::symlink(dir.path().join("b"), dir.path().join("l")).unwrap();
        let listing = Listing::new(dir.path()).unwrap();
        let names: Vec<_> =
            listing.files.iter().map(|e| e.path.strip_prefix(dir.path()).unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["a/c/y", "a/c/z", "a/x", "a-b", "a.b", "a0", "b", "l"]);
        for e in &listing.files {
            let mut got = String::new();
            e.open().unwrap().read_to_string(&mut got).unwrap();
            assert_eq!(got, std::fs::read_to_string(&e.path).unwrap());
            assert_eq!(e.regular, !e.path.ends_with("l"));
        }
    }

    #[test]
    fn a_file_gone_since_the_listing_fails_as_opening_its_path_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gone"), "x").unwrap();
        let listing = Listing::new(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("gone")).unwrap();
        let e = &listing.files[0];
        let by_path = File::open(&e.path).unwrap_err();
        let relative = e.open().unwrap_err();
        assert_eq!(relative.to_string(), by_path.to_string());
    }
}
