//! The memory of a [`super::Cache`]'s transition table: a buffer of `u32`
//! entries whose capacity is fixed when it is made, placed so that the
//! kernel can back most of it with transparent huge pages.
//!
//! A whole-email run fills thousands of rows (≈ 3 MB of the table over the
//! corpus's 629 emails), and every 4 KB page of it is faulted in and zeroed
//! on first touch; on the virtual machines we measure on a fault costs
//! ≈ 2 µs, so 780 faults a worker. The first [`SMALL`] bytes, all a short
//! run touches, stay in ordinary pages; the rest starts on a 2 MB boundary
//! and is advised (`MADV_HUGEPAGE` on Linux) so that a fault there maps a
//! whole huge page at once. Elsewhere, and for small tables, it is a plain
//! allocation.
//!
//! On Linux the buffer is an anonymous mapping, which the kernel hands out
//! zeroed: the table then zeroes only entries it used before (after a
//! `truncate`), not the fresh ones a growing cache takes (≈ 100 instructions
//! of `memset` a row saved, about 0.9M a worker over the corpus).

use std::alloc::{self, Layout};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// Size of a transparent huge page on x86-64 and aarch64 Linux.
const HUGE: usize = 2 << 20;
/// Bytes at the start of the table kept in ordinary pages, so that a run
/// that fills few rows does not zero a whole huge page.
const SMALL: usize = 512 << 10;

/// A fixed-capacity, growable array of `u32`, zero-filled as it grows.
///
/// Invariant: `ptr` is valid for `cap` entries (dangling when `cap` is 0),
/// the first `len <= cap` of them are initialized, and every entry from
/// `used` (`len <= used <= cap`) on is initialized to zero.
pub(crate) struct Table {
    ptr: NonNull<u32>,
    len: usize,
    cap: usize,
    /// Entries from here on are zero (never written since allocation).
    used: usize,
    /// The allocation (`None` when `cap` is 0).
    alloc: Option<Alloc>,
}

/// How a [`Table`]'s buffer was obtained, to give it back the same way.
#[derive(Clone, Copy)]
enum Alloc {
    /// From the global allocator: its start and layout (not zeroed).
    Heap(NonNull<u8>, Layout),
    /// An anonymous mapping (zeroed by the kernel): its start and length.
    #[cfg(target_os = "linux")]
    Mapped(NonNull<u8>, usize),
}

// SAFETY: `Table` owns its buffer like a `Vec<u32>` does.
unsafe impl Send for Table {}
// SAFETY: shared access only reads the buffer.
unsafe impl Sync for Table {}

impl Default for Table {
    fn default() -> Table {
        Table { ptr: NonNull::dangling(), len: 0, cap: 0, used: 0, alloc: None }
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("len", &self.len).field("cap", &self.cap).finish()
    }
}

impl Table {
    /// An empty table for at most `cap` entries.
    pub(crate) fn with_capacity(cap: usize) -> Table {
        let bytes = cap.checked_mul(4).expect("table capacity overflows");
        if bytes == 0 {
            return Table::default();
        }
        // Large tables start `SMALL` bytes before a huge-page boundary and
        // end on one, so that every 2 MB block past `SMALL` can be huge
        // (the rounding is address space only: untouched pages cost nothing).
        let (lead, align, size) = if bytes > SMALL + HUGE {
            (HUGE - SMALL, HUGE, (HUGE - SMALL + bytes).next_multiple_of(HUGE))
        } else {
            (0, 4, bytes)
        };
        let (start, alloc, used) = allocate(size, align, cap);
        // SAFETY: `lead + bytes <= size`, the allocation's size, so `lead`
        // is in it; `lead` and the alignment are multiples of 4.
        let ptr = unsafe { NonNull::new_unchecked(start.as_ptr().add(lead).cast::<u32>()) };
        if lead > 0 {
            advise_huge(ptr.as_ptr() as usize + SMALL, size - HUGE);
        }
        Table { ptr, len: 0, cap, used, alloc: Some(alloc) }
    }

    /// The most entries the table can hold.
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Grows the table to `len` entries, the new ones zero.
    ///
    /// # Panics
    /// When `len` exceeds the capacity.
    pub(crate) fn grow_zeroed(&mut self, len: usize) {
        assert!(len <= self.cap, "table grown past its capacity");
        if len > self.len {
            // Entries from `used` on are zero already (the invariant).
            let dirty = len.min(self.used);
            if dirty > self.len {
                // SAFETY: `self.len..dirty` is within the `cap` entries the
                // buffer is valid for; writing zeros initializes them.
                unsafe { self.ptr.as_ptr().add(self.len).write_bytes(0, dirty - self.len) };
            }
            self.len = len;
            self.used = self.used.max(len);
        }
    }

    /// Shortens the table to `len` entries (no effect when it is shorter).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

impl Deref for Table {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        // SAFETY: the first `len` entries are initialized (the invariant).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for Table {
    fn deref_mut(&mut self) -> &mut [u32] {
        // SAFETY: as in `deref`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        match self.alloc {
            // SAFETY: allocated in `allocate` with this layout.
            Some(Alloc::Heap(start, layout)) => unsafe { alloc::dealloc(start.as_ptr(), layout) },
            // SAFETY: mapped in `allocate` with this length, and no longer
            // referenced (the table is being dropped).
            #[cfg(target_os = "linux")]
            Some(Alloc::Mapped(start, len)) => unsafe {
                libc::munmap(start.as_ptr().cast(), len);
            },
            None => {}
        }
    }
}

/// A buffer of `size` bytes (non-zero) aligned to `align`: its start, how
/// to free it, and the first entry from which it is known zero (`cap`, that
/// is none, for the global allocator's memory).
#[cfg(target_os = "linux")]
fn allocate(size: usize, align: usize, cap: usize) -> (NonNull<u8>, Alloc, usize) {
    // Map `align - 1` more bytes so an aligned start fits (address space
    // only: untouched pages cost nothing).
    let len = size + (align - 1);
    // SAFETY: a fresh private anonymous mapping; it aliases nothing.
    let addr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if addr == libc::MAP_FAILED {
        return from_heap(size, align, cap);
    }
    let map = NonNull::new(addr.cast::<u8>()).expect("mmap returned null");
    let offset = (addr as usize).next_multiple_of(align) - addr as usize;
    // SAFETY: `offset < align`, so `offset + size <= len`, in the mapping.
    let start = unsafe { NonNull::new_unchecked(map.as_ptr().add(offset)) };
    // Anonymous mappings are zero-filled: nothing is used yet.
    (start, Alloc::Mapped(map, len), 0)
}

/// A buffer of `size` bytes (non-zero) aligned to `align`: its start, how
/// to free it, and the first entry from which it is known zero (`cap`: none).
#[cfg(not(target_os = "linux"))]
fn allocate(size: usize, align: usize, cap: usize) -> (NonNull<u8>, Alloc, usize) {
    from_heap(size, align, cap)
}

/// As [`allocate`], from the global allocator (whose memory is not known
/// zero).
fn from_heap(size: usize, align: usize, cap: usize) -> (NonNull<u8>, Alloc, usize) {
    let layout = Layout::from_size_align(size, align).expect("table layout");
    // SAFETY: `layout` has a non-zero size.
    let start = unsafe { alloc::alloc(layout) };
    let Some(start) = NonNull::new(start) else { alloc::handle_alloc_error(layout) };
    (start, Alloc::Heap(start, layout), cap)
}

/// Asks the kernel to back `[addr, addr + len)` with transparent huge pages.
/// Advice only: failure (no THP support, `never` mode) changes nothing.
#[cfg(target_os = "linux")]
fn advise_huge(addr: usize, len: usize) {
    // SAFETY: madvise only changes how the kernel backs the range, which is
    // part of a live allocation of ours; it does not change its contents.
    unsafe { libc::madvise(addr as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_addr: usize, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_zeroed_and_truncates_in_either_placement() {
        for cap in [0, 3, 1000, (SMALL + HUGE) / 4 + 10] {
            let mut t = Table::with_capacity(cap);
            assert_eq!((t.len(), t.capacity()), (0, cap));
            if cap == 0 {
                continue;
            }
            t.grow_zeroed(cap);
            assert!(t.iter().all(|&x| x == 0));
            t[cap - 1] = 7;
            t.truncate(1);
            t.grow_zeroed(cap);
            assert_eq!(t[cap - 1], 0, "regrown entries are zero again");
        }
    }

    #[test]
    fn large_tables_put_the_huge_part_on_a_boundary() {
        let t = Table::with_capacity((SMALL + HUGE) / 4 + 1);
        assert_eq!((t.ptr.as_ptr() as usize + SMALL) % HUGE, 0);
    }

    #[test]
    #[should_panic(expected = "past its capacity")]
    fn refuses_to_grow_past_capacity() {
        Table::with_capacity(4).grow_zeroed(5);
    }
}
