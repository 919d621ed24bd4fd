// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Waiting on pads: running a job between two buffers ([`between_buffers`]) and bringing up a
//! new chain ([`Probation`]: its first buffer, its first error, or a state change, whichever
//! comes first).

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use super::oplock::lock;
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::error::UserMediaError;

pub(super) type PadJob = Box<dyn FnOnce(&gst::Pad) -> Result<(), String> + Send>;

/// Runs `job` on `pad` while no data goes through it; `None` when no such moment came within
/// `timeout` (the job then never runs).
///
/// A BLOCK probe stops the next buffer or event before it reaches the peer and runs the job on
/// the streaming thread; an IDLE probe runs it as soon as no push is under way (at once when
/// the pad is idle, e.g. in PAUSED). Whichever comes first runs the job; the other waits for it
/// to finish (GStreamer 1.22 does not hold back pushes while an IDLE callback that was called
/// at once runs, so the BLOCK probe does that). Data then goes on to the new peer: a pad
/// re-sends its sticky events after a relink inside a block probe.
pub(super) fn between_buffers(
    pad: &gst::Pad,
    job: PadJob,
    timeout: Duration,
) -> Option<Result<(), String>> {
    struct Shared {
        job: Option<PadJob>,
        result: Option<mpsc::Sender<Result<(), String>>>,
        cancelled: bool,
        /// Per probe (block, idle): its id, and whether it is gone (returned REMOVE).
        probes: [(Option<gst::PadProbeId>, bool); 2],
    }
    let (tx, rx) = mpsc::channel();
    let shared = Arc::new(Mutex::new(Shared {
        job: Some(job),
        result: Some(tx),
        cancelled: false,
        probes: [(None, false), (None, false)],
    }));
    let callback = |which: usize| {
        let shared = shared.clone();
        move |pad: &gst::Pad, _: &mut gst::PadProbeInfo| {
            // Held while the job runs: the other probe waits here.
            let mut s = lock(&shared);
            if !s.cancelled
                && let Some(job) = s.job.take()
            {
                let r = job(pad);
                if let Some(tx) = s.result.take() {
                    let _ = tx.send(r);
                }
            }
            s.probes[which].1 = true;
            gst::PadProbeReturn::Remove
        }
    };
    let id = pad.add_probe(
        gst::PadProbeType::BLOCK | gst::PadProbeType::DATA_DOWNSTREAM,
        callback(0),
    );
    lock(&shared).probes[0].0 = id;
    let id = pad.add_probe(gst::PadProbeType::IDLE, callback(1));
    lock(&shared).probes[1].0 = id;

    let result = match rx.recv_timeout(timeout) {
        Ok(r) => Some(r),
        Err(_) => {
            lock(&shared).cancelled = true;
            // Ran meanwhile: the result is in the channel already.
            rx.try_recv().ok()
        }
    };
    // Remove what did not fire; a callback waiting on the lock meanwhile finds the job gone and
    // returns REMOVE for a hook that is already invalid, which GStreamer ignores.
    let mut s = lock(&shared);
    for (id, gone) in s.probes.iter_mut() {
        if !*gone {
            *gone = true;
            if let Some(id) = id.take() {
                pad.remove_probe(id);
            }
        }
    }
    result
}

/// A new chain being brought up: errors of its elements are the change's failure, not the
/// pipeline's, and the change is done once its first buffer went through.
pub(super) struct Probation {
    bin: gst::Bin,
    state: Mutex<ProbationState>,
    cond: Condvar,
}

#[derive(Default)]
struct ProbationState {
    first_buffer: bool,
    error: Option<UserMediaError>,
    /// The element's state changed: whether to keep waiting is to be checked again.
    woken: bool,
}

/// How waiting for a new chain ended.
pub(super) enum Settled {
    Flowing,
    Failed(UserMediaError),
    /// `keep_waiting` said no (not PLAYING: live sources deliver nothing).
    Stopped,
    TimedOut,
}

impl Probation {
    pub fn new(bin: &gst::Bin) -> Arc<Probation> {
        Arc::new(Probation {
            bin: bin.clone(),
            state: Mutex::default(),
            cond: Condvar::new(),
        })
    }

    /// Whether `object` is (inside) the chain on probation.
    pub fn owns(&self, object: &gst::Object) -> bool {
        object == self.bin.upcast_ref::<gst::Object>() || object.has_as_ancestor(&self.bin)
    }

    /// Records the first error of the chain.
    pub fn fail(&self, e: UserMediaError) {
        let mut s = lock(&self.state);
        s.error.get_or_insert(e);
        self.cond.notify_all();
    }

    pub fn take_error(&self) -> Option<UserMediaError> {
        lock(&self.state).error.take()
    }

    /// Makes a waiter check `keep_waiting` again.
    pub fn wake(&self) {
        lock(&self.state).woken = true;
        self.cond.notify_all();
    }

    /// Notes the first buffer leaving `pad`; the probe goes away with it.
    pub fn watch(self: &Arc<Self>, pad: &gst::Pad) {
        let this = Arc::downgrade(self);
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                if let Some(this) = this.upgrade() {
                    lock(&this.state).first_buffer = true;
                    this.cond.notify_all();
                }
                gst::PadProbeReturn::Remove
            },
        );
    }

    /// Waits for the first buffer, an error, or `keep_waiting` turning false, at most `timeout`.
    pub fn wait(&self, timeout: Duration, keep_waiting: impl Fn() -> bool) -> Settled {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.state);
        loop {
            if s.first_buffer {
                return Settled::Flowing;
            }
            if let Some(e) = s.error.take() {
                return Settled::Failed(e);
            }
            s.woken = false;
            if !keep_waiting() {
                return Settled::Stopped;
            }
            let now = Instant::now();
            if now >= deadline {
                return Settled::TimedOut;
            }
            s = self
                .cond
                .wait_timeout_while(s, deadline - now, |s| {
                    !s.first_buffer && s.error.is_none() && !s.woken
                })
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
