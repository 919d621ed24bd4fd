// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The operation lock: one structural change of the bin at a time (start, teardown,
//! applyConstraints, unplug, failover), knowing which thread holds it.
//!
//! Unlike a plain mutex it tells a thread that already holds it so (GStreamer calls back into
//! the element from the thread changing it: a sync bus handler or a signal handler may set
//! `constraints` while a swap is under way), and waiting for it can time out.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Locks a mutex, also after a thread panicked while holding it (the data are plain values
/// that stay consistent).
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
pub(super) struct OpLock {
    owner: Mutex<Option<ThreadId>>,
    cond: Condvar,
    /// A thread acting for the owner (the permission prompt's helper thread): to `acquire` it is
    /// the owner. Ends with [`OpLock::revoke`] or when the owner releases the lock.
    delegate: Mutex<Option<ThreadId>>,
}

pub(super) enum Acquire<'a> {
    Acquired(OpGuard<'a>),
    /// The calling thread holds the lock already (a callback from inside an operation).
    Reentrant,
    TimedOut,
}

impl<'a> Acquire<'a> {
    /// The guard, if the lock was acquired (a re-entrant caller goes on without one).
    pub fn guard(self) -> Option<OpGuard<'a>> {
        match self {
            Acquire::Acquired(g) => Some(g),
            _ => None,
        }
    }
}

pub(super) struct OpGuard<'a> {
    lock: &'a OpLock,
}

impl OpLock {
    /// Waits for the lock, at most `timeout` (forever for `None`).
    pub fn acquire(&self, timeout: Option<Duration>) -> Acquire<'_> {
        let me = std::thread::current().id();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut owner = self.owner.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match *owner {
                None => {
                    *owner = Some(me);
                    return Acquire::Acquired(OpGuard { lock: self });
                }
                Some(t) if t == me || self.is_delegate(me) => return Acquire::Reentrant,
                Some(_) => (),
            }
            owner = match deadline {
                None => self.cond.wait(owner).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Acquire::TimedOut;
                    }
                    self.cond
                        .wait_timeout(owner, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

impl OpLock {
    /// Lets `thread` act for the current owner (see `delegate`).
    pub fn delegate(&self, thread: ThreadId) {
        *self.delegate.lock().unwrap_or_else(|e| e.into_inner()) = Some(thread);
    }

    /// Ends `thread`'s delegation.
    pub fn revoke(&self, thread: ThreadId) {
        let mut delegate = self.delegate.lock().unwrap_or_else(|e| e.into_inner());
        if *delegate == Some(thread) {
            *delegate = None;
        }
    }

    fn is_delegate(&self, thread: ThreadId) -> bool {
        *self.delegate.lock().unwrap_or_else(|e| e.into_inner()) == Some(thread)
    }
}

impl Drop for OpGuard<'_> {
    fn drop(&mut self) {
        *self.lock.delegate.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.lock.owner.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.lock.cond.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn reentrant_and_timeout() {
        let lock = Arc::new(OpLock::default());
        let Acquire::Acquired(guard) = lock.acquire(None) else {
            panic!("free lock")
        };
        assert!(matches!(lock.acquire(None), Acquire::Reentrant));
        let other = lock.clone();
        let t = std::thread::spawn(move || {
            matches!(
                other.acquire(Some(Duration::from_millis(20))),
                Acquire::TimedOut
            )
        });
        assert!(t.join().unwrap());
        // A delegate of the owner is the owner, until revoked.
        let other = lock.clone();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (back_tx, back_rx) = std::sync::mpsc::channel::<bool>();
        let t = std::thread::spawn(move || {
            let _ = rx.recv();
            let _ = back_tx.send(matches!(other.acquire(None), Acquire::Reentrant));
            let _ = rx.recv();
            matches!(
                other.acquire(Some(Duration::from_millis(20))),
                Acquire::TimedOut
            )
        });
        lock.delegate(t.thread().id());
        tx.send(()).unwrap();
        assert!(back_rx.recv().unwrap(), "a delegate is the owner");
        lock.revoke(t.thread().id());
        tx.send(()).unwrap();
        assert!(t.join().unwrap(), "a revoked delegate waits like anyone");
        drop(guard);
        let other = lock.clone();
        let t = std::thread::spawn(move || {
            matches!(
                other.acquire(Some(Duration::from_secs(5))),
                Acquire::Acquired(_)
            )
        });
        assert!(t.join().unwrap());
    }
}
