// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The worker thread of one run (`usermediasrc-live`).
//!
//! It receives device changes from the shared monitor (whose own thread must not be blocked),
//! runtime errors of the tracks and deferred applyConstraints, and hands each to the element
//! through [`Live`]. A runtime error is held up to [`UNPLUG_GRACE`] to see whether its device
//! goes away — a real source usually fails at about the time its device is unplugged, often
//! before the monitor says so: the track then ends (or fails over) and the error is never
//! posted. The worker ends with the run (every sender dropped) or with the element.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::error::UserMediaError;
use crate::device::{self, DeviceChange, DeviceChangeKind};
use crate::engine::Kind;

/// How long a runtime error waits for its device to disappear before it is posted.
const UNPLUG_GRACE: Duration = Duration::from_millis(1500);

/// What the worker of a run is told.
pub(super) enum Event {
    Device(DeviceChange),
    /// A display surface in use went away.
    SurfaceGone(String),
    /// A running track's chain posted an error.
    SourceError {
        kind: Kind,
        device_id: String,
        /// The chain that posted it (`Track::generation`).
        generation: u64,
        error: UserMediaError,
    },
    /// PLAYING was reached with an applyConstraints waiting for it.
    Deferred,
}

/// The element, as the worker reaches it. Each call returns false when the element is gone.
pub(super) trait Live: Send + Sync {
    fn device_changed(&self, session: u64, change: &DeviceChange) -> bool;
    fn device_gone(&self, session: u64, device_id: &str) -> bool;
    /// A runtime error outlived the grace period with its device still there.
    fn error_persisted(&self, session: u64, suspect: &Suspect) -> bool;
    fn carry_out_deferred(&self, session: u64) -> bool;
}

/// A runtime error waiting to see whether its device goes away.
pub(super) struct Suspect {
    pub kind: Kind,
    pub device_id: String,
    pub generation: u64,
    pub error: UserMediaError,
    deadline: Instant,
}

/// Whether the device (or surface) with this id is still there.
pub(super) type Present = Box<dyn Fn(&str) -> bool + Send>;

/// Whether a camera or microphone is still listed, or (system audio) the output whose
/// monitor is captured is still the default one.
pub(super) fn device_present() -> Present {
    Box::new(|id| {
        device::find(id).is_some()
            || device::system_audio::default_monitor().is_ok_and(|m| m.entry.info.device_id == id)
    })
}

pub(super) fn spawn(
    live: Arc<dyn Live>,
    session: u64,
    rx: mpsc::Receiver<Event>,
    present: Present,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("usermediasrc-live".into())
        .spawn(move || run(&*live, session, rx, &*present))
        .map(|_| ())
}

fn run(live: &dyn Live, session: u64, rx: mpsc::Receiver<Event>, present: &dyn Fn(&str) -> bool) {
    let mut suspects: Vec<Suspect> = Vec::new();
    loop {
        let event = match suspects.iter().map(|s| s.deadline).min() {
            None => match rx.recv() {
                Ok(e) => Some(e),
                Err(_) => break,
            },
            Some(deadline) => {
                match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(e) => Some(e),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        let alive = match event {
            Some(Event::Device(change)) => {
                if change.kind == DeviceChangeKind::Removed {
                    suspects.retain(|s| s.device_id != change.device_id);
                }
                live.device_changed(session, &change)
            }
            Some(Event::SurfaceGone(id)) => {
                suspects.retain(|s| s.device_id != id);
                live.device_gone(session, &id)
            }
            Some(Event::SourceError {
                kind,
                device_id,
                generation,
                error,
            }) => {
                if !present(&device_id) {
                    live.device_gone(session, &device_id)
                } else {
                    suspects.push(Suspect {
                        kind,
                        device_id,
                        generation,
                        error,
                        deadline: Instant::now() + UNPLUG_GRACE,
                    });
                    true
                }
            }
            Some(Event::Deferred) => live.carry_out_deferred(session),
            None => {
                let now = Instant::now();
                let (due, rest): (Vec<Suspect>, Vec<Suspect>) =
                    suspects.drain(..).partition(|s| s.deadline <= now);
                suspects = rest;
                due.iter().all(|s| {
                    if !present(&s.device_id) {
                        live.device_gone(session, &s.device_id)
                    } else {
                        live.error_persisted(session, s)
                    }
                })
            }
        };
        if !alive {
            break;
        }
    }
}
