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
//! places ahead of the last result handed back, so the results waiting for
//! a slow one stay few (memory stays bounded however many inputs there are).

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

/// Claims of inputs, shared by the workers and the thread handing results
/// back.
struct Queue {
    state: Mutex<State>,
    moved: Condvar,
}

struct State {
    /// The next input to start.
    next: usize,
    /// Results handed back so far.
    done: usize,
    /// Set when the caller wants no more results.
    stop: bool,
    /// Workers waiting for `done` to move.
    waiting: usize,
}

/// What a worker may do next.
enum Claim {
    /// Work on this input.
    Item(usize),
    /// Every input is claimed, or work stopped.
    Done,
    /// The next input is `window` places ahead of the results handed back.
    Full,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next input to work on, if there is one within `window` places of
    /// the results handed back.
    fn try_claim(&self, len: usize, window: usize) -> Claim {
        claim_in(&mut self.lock(), len, window)
    }

    /// The next input to work on, waiting while it would run more than
    /// `window` places ahead; `None` when there is none or work stopped.
    fn claim(&self, len: usize, window: usize) -> Option<usize> {
        let mut s = self.lock();
        loop {
            match claim_in(&mut s, len, window) {
                Claim::Item(i) => return Some(i),
                Claim::Done => return None,
                Claim::Full => {
                    s.waiting += 1;
                    s = self.moved.wait(s).unwrap_or_else(|e| e.into_inner());
                    s.waiting -= 1;
                }
            }
        }
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        let mut s = self.lock();
        f(&mut s);
        // Waking costs a system call: only when somebody waits.
        if s.waiting > 0 {
            self.moved.notify_all();
        }
    }
}

fn claim_in(s: &mut State, len: usize, window: usize) -> Claim {
    if s.stop || s.next >= len {
        Claim::Done
    } else if s.next >= s.done + window {
        Claim::Full
    } else {
        s.next += 1;
        Claim::Item(s.next - 1)
    }
}

struct StopOnPanic<'a>(&'a Queue);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.update(|s| s.stop = true);
        }
    }
}

/// Runs `work` on every item with `threads` workers (the calling thread and
/// `threads - 1` more, each with its own state from `init`), and calls
/// `emit`, on the calling thread, with each result in the order of `items`.
/// Stops early, returning its error, when `emit` fails.
///
/// ```text
/// in_order(&paths, 2, 64, || Worker::new(), |w, path| w.read(path), |out| stdout.write_all(&out))
/// ```
pub(crate) fn in_order<'a, T, S, R, E>(
    items: &'a [T],
    threads: usize,
    window: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &'a T) -> R + Sync,
    mut emit: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let window = window.max(1);
    let queue = Queue { state: Mutex::new(State { next: 0, done: 0, stop: false, waiting: 0 }), moved: Condvar::new() };
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 1..threads.max(1) {
            let tx = tx.clone();
            let (queue, init, work) = (&queue, &init, &work);
            scope.spawn(move || {
                // A worker that panics stops the others, so that none waits
                // for its result forever; the scope then passes the panic on.
                let _guard = StopOnPanic(queue);
                let mut state = init();
                while let Some(i) = queue.claim(items.len(), window) {
                    if tx.send((i, work(&mut state, &items[i]))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let _guard = StopOnPanic(&queue);
        let mut state = init();
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut next = 0;
        while next < items.len() {
            // Work while there is work within the window; else wait for
            // another worker's result (the one the window waits for).
            match queue.try_claim(items.len(), window) {
                Claim::Item(i) => {
                    waiting.insert(i, work(&mut state, &items[i]));
                }
                Claim::Full | Claim::Done => match rx.recv() {
                    Ok((i, r)) => {
                        waiting.insert(i, r);
                    }
                    // Every other worker has ended: a stop, or a panic the
                    // scope passes on.
                    Err(_) => break,
                },
            }
            waiting.extend(rx.try_iter());
            let before = next;
            while let Some(r) = waiting.remove(&next) {
                next += 1;
                if let Err(e) = emit(r) {
                    queue.update(|s| s.stop = true);
                    return Err(e);
                }
            }
            if next > before {
                queue.update(|s| s.done = next);
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
            &items,
            3,
            8,
            || 0u64,
            |count, &x| {
                *count += 1;
                if x % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                x * 2
            },
            |y| {
                seen.push(y);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(seen, items.iter().map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn stops_at_the_first_error_without_hanging() {
        let items: Vec<u32> = (0..1000).collect();
        let mut emitted = 0;
        let r = in_order(
            &items,
            2,
            4,
            || (),
            |_, &x| x,
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
        let r: Result<(), ()> = in_order(&[] as &[u8], 2, 4, || (), |_, _| 0, |_| Ok(()));
        assert!(r.is_ok());
        let mut out = Vec::new();
        let r: Result<(), ()> = in_order(
            &[1, 2, 3],
            1,
            1,
            || (),
            |_, &x| x,
            |x| {
                out.push(x);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(out, [1, 2, 3]);
    }
}
