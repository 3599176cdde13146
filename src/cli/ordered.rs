//! Work over a list of inputs spread across threads, with the results
//! handed back one by one in input order: what `rebound classify` does with
//! the files of a directory.
//!
//! The calling thread is one of the workers: it takes inputs like the
//! others and, between two of its own, hands back every result that is
//! ready. So `threads` workers are `threads` threads in all, none of them
//! woken for each result (on a 2-core machine a third, emitting thread
//! would take a core from a worker every time a result came in).
//!
//! Workers take the next input from a shared counter, so a slow input does
//! not hold the others up; but no worker starts an input more than `window`
//! places ahead of the last result handed back, nor while the results
//! waiting for a slow one hold `bytes` bytes or more (as `size` tells them),
//! so memory stays bounded however many inputs there are. The calling
//! thread hands results back only between two of its own inputs, so the
//! window must be wide enough for the other workers to keep busy while it
//! reads a long one (a mailbox, say, or the first emails, which build the
//! rules' regexes): tens of files were not.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

/// Claims of inputs, shared by the workers and the thread handing results
/// back.
struct Queue<'a, T: 'a> {
    state: Mutex<State<'a, T>>,
    moved: Condvar,
}

struct State<'a, T: 'a> {
    /// The inputs, once listed.
    items: Option<&'a [T]>,
    /// The next input to start.
    next: usize,
    /// Results handed back so far.
    done: usize,
    /// Bytes held by results made but not handed back yet.
    held: usize,
    /// Set when the caller wants no more results.
    stop: bool,
    /// Workers waiting for `done` to move.
    waiting: usize,
}

/// What a worker may do next.
enum Claim<'a, T> {
    /// Work on this input, the one at this index.
    Item(usize, &'a T),
    /// Every input is claimed, or work stopped.
    Done,
    /// The inputs are not listed yet, or the next input is `window` places
    /// ahead of the results handed back, or the results waiting hold too
    /// many bytes.
    Full,
}

impl<'a, T> Queue<'a, T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<'a, T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts `held` more bytes waiting, then gives the next input to work
    /// on, if there is one within the limits.
    fn try_claim(&self, held: usize, window: Window) -> Claim<'a, T> {
        let mut s = self.lock();
        s.held += held;
        claim_in(&mut s, window)
    }

    /// The next input to work on, waiting while it would be beyond the
    /// limits or the inputs are not listed yet; `None` when there is none
    /// or work stopped.
    fn claim(&self, window: Window) -> Option<(usize, &'a T)> {
        let mut s = self.lock();
        loop {
            match claim_in(&mut s, window) {
                Claim::Item(i, item) => return Some((i, item)),
                Claim::Done => return None,
                Claim::Full => {
                    s.waiting += 1;
                    s = self.moved.wait(s).unwrap_or_else(|e| e.into_inner());
                    s.waiting -= 1;
                }
            }
        }
    }

    fn update(&self, f: impl FnOnce(&mut State<'a, T>)) {
        let mut s = self.lock();
        f(&mut s);
        // Waking costs a system call: only when somebody waits.
        if s.waiting > 0 {
            self.moved.notify_all();
        }
    }
}

/// The next input a worker may start, within the window.
fn claim_in<'a, T>(s: &mut State<'a, T>, window: Window) -> Claim<'a, T> {
    let Some(items) = s.items else {
        return if s.stop { Claim::Done } else { Claim::Full };
    };
    if s.stop || s.next >= items.len() {
        Claim::Done
    } else if s.next >= s.done + window.files || (s.held >= window.bytes && s.next > s.done) {
        Claim::Full
    } else {
        s.next += 1;
        Claim::Item(s.next - 1, &items[s.next - 1])
    }
}

struct StopOnPanic<'q, 'a, T>(&'q Queue<'a, T>);

impl<T> Drop for StopOnPanic<'_, '_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.update(|s| s.stop = true);
        }
    }
}

/// How far workers may run ahead of the results handed back: `files`
/// inputs, or results waiting that hold `bytes` bytes (as `size` counts).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// Inputs started ahead of the last result handed back.
    pub(crate) files: usize,
    /// Bytes held by the results waiting to be handed back.
    pub(crate) bytes: usize,
}

/// Runs `work` on every item that `list` gives with `threads` workers (the
/// calling thread and `threads - 1` more, each with its own state from
/// `init`), and calls `emit`, on the calling thread, with each result in the
/// order of the items. The other workers start first, and make their state
/// while the calling thread lists the items (a directory's files, say).
/// `size` tells the bytes a result holds until it is emitted. Stops early,
/// returning its error, when `list` or `emit` fails.
///
/// ```text
/// in_order(|| Ok(&paths[..]), 2, window, || Worker::new(), |w, path| w.read(path), |out| out.len(), |out| stdout.write_all(&out))
/// ```
pub(crate) fn in_order<'a, T, S, R, E>(
    list: impl FnOnce() -> Result<&'a [T], E>,
    threads: usize,
    window: Window,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &'a T) -> R + Sync,
    size: impl Fn(&R) -> usize + Sync,
    mut emit: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync + 'a,
    R: Send,
{
    let limits = Window { files: window.files.max(1), ..window };
    let queue = Queue {
        state: Mutex::new(State { items: None, next: 0, done: 0, held: 0, stop: false, waiting: 0 }),
        moved: Condvar::new(),
    };
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 1..threads.max(1) {
            let tx = tx.clone();
            let (queue, init, work, size) = (&queue, &init, &work, &size);
            scope.spawn(move || {
                // A worker that panics stops the others, so that none waits
                // for its result forever; the scope then passes the panic on.
                let _guard = StopOnPanic(queue);
                let mut state = init();
                // The last result, counted as held before it is sent (so
                // before it can be handed back and no longer counted).
                let mut made: Option<(usize, R)> = None;
                loop {
                    let claim = queue.try_claim(made.as_ref().map_or(0, |(_, r)| size(r)), limits);
                    if let Some(m) = made.take() {
                        if tx.send(m).is_err() {
                            break;
                        }
                    }
                    let (i, item) = match claim {
                        Claim::Item(i, item) => (i, item),
                        Claim::Done => break,
                        Claim::Full => match queue.claim(limits) {
                            Some(claimed) => claimed,
                            None => break,
                        },
                    };
                    made = Some((i, work(&mut state, item)));
                }
            });
        }
        drop(tx);
        let _guard = StopOnPanic(&queue);
        let items = match list() {
            Ok(items) => items,
            Err(e) => {
                queue.update(|s| s.stop = true);
                return Err(e);
            }
        };
        queue.update(|s| s.items = Some(items));
        let mut state = init();
        // Results waiting for their turn, with the bytes they hold: slot `k`
        // for input `next + k` (inputs start at most `window.files` places
        // ahead of `next`).
        let mut waiting: VecDeque<Option<(R, usize)>> = VecDeque::new();
        let put = |waiting: &mut VecDeque<Option<(R, usize)>>, next: usize, i: usize, r: R| {
            let n = size(&r);
            let k = i - next;
            if waiting.len() <= k {
                waiting.resize_with(k + 1, || None);
            }
            waiting[k] = Some((r, n));
            n
        };
        let mut next = 0;
        // Bytes of this thread's own results not yet counted as held.
        let mut own = 0;
        while next < items.len() {
            // Work while there is work within the window; else wait for
            // another worker's result (the one the window waits for).
            match queue.try_claim(std::mem::take(&mut own), limits) {
                Claim::Item(i, item) => {
                    let r = work(&mut state, item);
                    own = put(&mut waiting, next, i, r);
                }
                Claim::Full | Claim::Done => match rx.recv() {
                    Ok((i, r)) => {
                        put(&mut waiting, next, i, r);
                    }
                    // Every other worker has ended: a stop, or a panic the
                    // scope passes on.
                    Err(_) => break,
                },
            }
            for (i, r) in rx.try_iter() {
                put(&mut waiting, next, i, r);
            }
            let before = next;
            let mut freed = 0;
            while let Some((r, n)) = waiting.front_mut().and_then(Option::take) {
                waiting.pop_front();
                next += 1;
                freed += n;
                if let Err(e) = emit(r) {
                    queue.update(|s| s.stop = true);
                    return Err(e);
                }
            }
            if next > before {
                // Counted before it is freed: `held` never goes below what
                // the results still waiting hold.
                let add = std::mem::take(&mut own);
                queue.update(|s| {
                    s.done = next;
                    s.held = (s.held + add).saturating_sub(freed);
                });
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        // Uneven work: later items finish first unless order is restored.
        let r: Result<(), ()> = in_order(
            || Ok(&items[..]),
            3,
            Window { files: 8, bytes: usize::MAX },
            || 0u64,
            |count, &x| {
                *count += 1;
                if x % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                x * 2
            },
            |_| 1,
            |y| {
                seen.push(y);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(seen, items.iter().map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_tight_byte_bound_neither_hangs_nor_reorders() {
        let items: Vec<u64> = (0..300).collect();
        let mut seen = Vec::new();
        // At most two bytes of results waiting, each result one or three.
        let r: Result<(), ()> = in_order(
            || Ok(&items[..]),
            3,
            Window { files: 1000, bytes: 2 },
            || (),
            |_, &x| {
                if x % 5 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
                x
            },
            |&x| if x % 2 == 0 { 1 } else { 3 },
            |y| {
                seen.push(y);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(seen, items);
    }

    #[test]
    fn stops_at_the_first_error_without_hanging() {
        let items: Vec<u32> = (0..1000).collect();
        let mut emitted = 0;
        let r = in_order(
            || Ok(&items[..]),
            2,
            Window { files: 4, bytes: 16 },
            || (),
            |_, &x| x,
            |_| 4,
            |x| {
                emitted += 1;
                if x == 10 {
                    Err(x)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r, Err(10));
        assert_eq!(emitted, 11);
    }

    #[test]
    fn handles_no_items_and_one_thread() {
        let window = Window { files: 4, bytes: 1 };
        let r: Result<(), ()> = in_order(|| Ok(&[] as &[u8]), 2, window, || (), |_, _| 0, |_| 1, |_| Ok(()));
        assert!(r.is_ok());
        let mut out = Vec::new();
        let r: Result<(), ()> = in_order(
            || Ok(&[1, 2, 3][..]),
            1,
            Window { files: 1, bytes: 0 },
            || (),
            |_, &x| x,
            |_| 1,
            |x| {
                out.push(x);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn a_failed_listing_stops_the_workers_started_before_it() {
        let r: Result<(), &str> = in_order(
            || Err("unreadable"),
            4,
            Window { files: 4, bytes: 16 },
            || (),
            |_, &x: &u8| x,
            |_| 1,
            |_| -> Result<(), &str> { panic!("nothing was listed") },
        );
        assert_eq!(r, Err("unreadable"));
    }
}
