//! Allocator settings for a batch run of `rebound classify`.
//!
//! A run over a directory touches ~10 MB of fresh heap, and every first
//! touch of a 4 KB page is a page fault (≈ 2 µs here): about half the
//! faults of a run. glibc's allocator grows its heaps a little at a time
//! and gives memory back when the top of a heap is free, so pages are
//! also faulted again after a trim. For a batch run this module:
//! - asks glibc (`mallopt`) to grow a heap by [`TOP_PAD`] at a time, never
//!   to trim one, and to keep blocks under [`MMAP_THRESHOLD`] in the heap
//!   (so large buffers are reused, not mapped and unmapped each time);
//! - marks the heap space just grown as eligible for transparent huge
//!   pages (`madvise(MADV_HUGEPAGE)`), so that the kernel backs it with
//!   2 MB pages, one fault each, where the system allows it (the default
//!   `madvise` mode of `/sys/kernel/mm/transparent_hugepage/enabled`).
//!
//! Nothing here changes what the program computes: these are hints to the
//! allocator and the kernel, and each one that fails is simply not taken.
//! Long-running commands (`serve`, `classify --watch`) keep the defaults,
//! which give memory back.

/// How much a heap grows at a time (and a thread's heap at first). 16 MB
/// cost ~280 fewer page faults over the corpus than 8 MB but put the peak
/// memory of a two-worker run over it at 32-34 MB, over its 32 MB target.
const TOP_PAD: usize = 8 << 20;
/// Blocks this large or larger are mapped on their own.
const MMAP_THRESHOLD: usize = 8 << 20;
/// The free space at the top of a heap that makes glibc give it back.
const TRIM_THRESHOLD: usize = 256 << 20;
/// A block larger than what is left at the top of a fresh heap, so that
/// allocating it makes the main heap grow by [`TOP_PAD`] at once.
const PROBE: usize = 1 << 20;
/// The size of a transparent huge page on x86-64 and most others.
const HUGE: usize = 2 << 20;

/// Sets the allocator up for a batch run; call first thing on the main
/// thread, before the rules are loaded.
pub(crate) fn prepare() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::prepare();
}

/// Marks the heap of a worker thread (made for it by its first
/// allocation) as eligible for huge pages; call at the start of a worker.
pub(crate) fn prepare_worker() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::prepare_worker();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use super::{HUGE, MMAP_THRESHOLD, PROBE, TOP_PAD, TRIM_THRESHOLD};

    /// Where glibc starts the heap of a thread (`HEAP_MAX_SIZE` on 64-bit).
    const HEAP_ALIGN: usize = 64 << 20;

    /// The heaps (their [`HEAP_ALIGN`] boundary) already prepared.
    static ADVISED: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

    /// The thread that called [`prepare`]: its heap is not a worker's.
    static MAIN: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();

    pub(super) fn prepare() {
        MAIN.get_or_init(|| std::thread::current().id());
        let int = |n: usize| libc::c_int::try_from(n).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` only changes the allocator's parameters, which
        // glibc allows at any time; every value is in its valid range.
        unsafe {
            libc::mallopt(libc::M_TOP_PAD, int(TOP_PAD));
            libc::mallopt(libc::M_TRIM_THRESHOLD, int(TRIM_THRESHOLD));
            libc::mallopt(libc::M_MMAP_THRESHOLD, int(MMAP_THRESHOLD));
        }
        // SAFETY: a block from `malloc`, freed at once and never read or
        // written; null (no memory) is checked. `sbrk(0)` only reads the
        // current program break.
        let (probe, end) = unsafe {
            // `black_box`: an allocation whose block is unused may be left
            // out by the compiler, and this one is made for its effect.
            let p = std::hint::black_box(libc::malloc(PROBE));
            if p.is_null() {
                return;
            }
            libc::free(p);
            (p as usize, libc::sbrk(0) as usize)
        };
        // The heap grew by about PROBE + TOP_PAD from just below `probe` to
        // the break; when it did not (glibc fell back to `mmap`, say), the
        // two are unrelated and nothing is marked.
        if probe < end && end - probe <= PROBE + TOP_PAD + HUGE {
            advise_huge(probe.next_multiple_of(4096), end - probe.next_multiple_of(4096));
            // Growing the heap wrote the header of its free top at
            // `probe + PROBE`, a 4 KB page the kernel put in place before
            // the advice: no huge page can back the 2 MB around it.
            skip_to_huge_boundary(probe, probe + PROBE);
        }
    }

    pub(super) fn prepare_worker() {
        if std::thread::current().id() == *MAIN.get_or_init(|| std::thread::current().id()) {
            return;
        }
        // The thread's first allocations made its heap: `TOP_PAD` bytes and
        // more, from a 64 MB boundary, so from the huge page boundary below
        // a block allocated now; its first pages are already in use. (A
        // thread's very first block comes from the main heap, in glibc
        // 2.36: the second one tells where the thread's heap is.)
        let first = std::hint::black_box(Box::new(0u8));
        let b = std::hint::black_box(Box::new(0u8));
        let at = std::ptr::from_ref::<u8>(&*b) as usize;
        drop((first, b));
        // Once a heap: the workers of a later directory are new threads,
        // but glibc hands them the heaps the earlier ones left, and skipping
        // again would leave up to 2 MB more of it unused each time.
        let heap = at & !(HEAP_ALIGN - 1);
        let mut done = ADVISED.lock().unwrap_or_else(|e| e.into_inner());
        if done.contains(&heap) {
            return;
        }
        done.push(heap);
        drop(done);
        advise_huge(at & !(HUGE - 1), TOP_PAD);
        skip_to_huge_boundary(at, at);
    }

    /// Takes (and never frees) a block from the free top of the heap,
    /// which starts at about `top`, up to the first huge page boundary past
    /// the page of `touched`, so that the blocks allocated next start
    /// there, in memory no 4 KB page has been put in yet. Only the block's
    /// header is ever written: it costs address space, not memory.
    fn skip_to_huge_boundary(top: usize, touched: usize) {
        let boundary = (touched + 4096).next_multiple_of(HUGE);
        // SAFETY: a block from `malloc`, never read, written or freed (a
        // null one, for lack of memory, is as good as none).
        unsafe {
            std::hint::black_box(libc::malloc(boundary - top));
        }
    }

    /// `madvise(MADV_HUGEPAGE)` on the pages of `[start, start + len)`.
    fn advise_huge(start: usize, len: usize) {
        // SAFETY: MADV_HUGEPAGE only lets the kernel back the range with
        // huge pages (or merge its pages into them later); it never changes
        // the contents, protection or extent of a mapping, so it cannot
        // affect memory safety whatever the range. A range with unmapped
        // parts is an error (ignored) for those parts.
        unsafe {
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_works_as_before_after_the_settings() {
        prepare();
        let sizes = [1, 24, 1000, 70_000, 300_000, 3 << 20, 9 << 20];
        let on_main: Vec<Vec<u8>> = sizes.iter().map(|&n| vec![7u8; n]).collect();
        let on_worker = std::thread::spawn(move || {
            prepare_worker();
            sizes.iter().map(|&n| vec![9u8; n].iter().map(|&b| usize::from(b)).sum::<usize>()).collect::<Vec<_>>()
        });
        let sums = on_worker.join().unwrap();
        assert_eq!(sums, sizes.iter().map(|n| n * 9).collect::<Vec<_>>());
        assert!(on_main.iter().zip(sizes).all(|(v, n)| v.len() == n && v.iter().all(|&b| b == 7)));
    }
}
