// SPDX-License-Identifier: MPL-2.0
//! A watchdog for tests that could deadlock: if the guarded code does not finish in time, it
//! says what was running and aborts the whole process, so CI fails fast instead of hanging until
//! its global timeout.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Aborts the process unless dropped within `limit`.
pub struct Watchdog {
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching `what` (named in the message printed before aborting).
    pub fn new(what: &str, limit: Duration) -> Watchdog {
        let (done, rx) = mpsc::channel::<()>();
        let what = what.to_string();
        let started = Instant::now();
        let thread = std::thread::Builder::new()
            .name("test-watchdog".into())
            .spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                    eprintln!(
                        "\nWATCHDOG: '{what}' did not finish within {:?} (running for {:?}): \
                         deadlock or hang, aborting the test process",
                        limit,
                        started.elapsed()
                    );
                    std::process::abort();
                }
            })
            .expect("spawn the watchdog thread");
        Watchdog {
            done: Some(done),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Disconnecting the channel wakes the watchdog thread, which then exits.
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
