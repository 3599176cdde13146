//! The files under a directory, listed once and opened relative to their
//! own directory: `openat(dir, name)` walks one path component where
//! opening by the whole path walks every one of them again for each file.

use std::fs::File;
use std::io;
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
    use std::io::Read;

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
