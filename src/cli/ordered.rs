//! Work over a list of inputs spread across threads, with the results
//! handed back one by one in input order: what `rebound classify` does with
//! the files of a directory.
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
}

impl Queue {
    /// The next input to work on, waiting while it would run more than
    /// `window` places ahead; `None` when there is none or work stopped.
    fn claim(&self, len: usize, window: usize) -> Option<usize> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while !s.stop && s.next < len && s.next >= s.done + window {
            s = self.moved.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        if s.stop || s.next >= len {
            return None;
        }
        s.next += 1;
        Some(s.next - 1)
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
        self.moved.notify_all();
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

/// Runs `work` on every item with `threads` worker threads (each with its
/// own state from `init`), and calls `emit` with each result in the order
/// of `items`. Stops early, returning its error, when `emit` fails.
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
    let queue = Queue { state: Mutex::new(State { next: 0, done: 0, stop: false }), moved: Condvar::new() };
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
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
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut next = 0;
        let mut result = Ok(());
        for (i, r) in rx.iter() {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&next) {
                next += 1;
                if let Err(e) = emit(r) {
                    result = Err(e);
                    break;
                }
            }
            let stop = result.is_err();
            queue.update(|s| {
                s.done = next;
                s.stop = stop;
            });
            if stop {
                break;
            }
        }
        result
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
