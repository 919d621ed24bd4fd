// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! One `ximagesrc` whose X connection is opened ahead, while the application is still setting
//! up, for the first screen or monitor capture of the process.
//!
//! A hand-written `ximagesrc ! …` pipeline opens its X display while it is being built (the
//! caps query of linking does it), so only the capture itself is left for `set_state(PLAYING)`.
//! A display track can only build its source once the surfaces are listed and one is chosen, at
//! READY→PAUSED; opening the connection then (XOpenDisplay, XFixes, XDamage and XShm set up,
//! about 1.5 ms) would come on top. The root window is what every screen and monitor capture
//! reads (a monitor is a region of it), so the connection is opened for it ahead; a window
//! capture (`xid`, fixed when the display opens) builds its own source.
//!
//! Nothing is captured ahead and no surface is chosen ahead: the surfaces are still listed at
//! READY→PAUSED. An unused source is closed after [`KEEP`].

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::CAT;

/// How long an unused source keeps its X connection open.
const KEEP: Duration = Duration::from_secs(2);
/// How long a capture waits for a source still being opened (the open is a few round trips).
const WAIT: Duration = Duration::from_millis(500);

enum Slot {
    Empty,
    Opening(String),
    Ready {
        display: String,
        source: gst::Element,
    },
}

static SLOT: Mutex<Slot> = Mutex::new(Slot::Empty);
static CHANGED: Condvar = Condvar::new();

fn slot() -> MutexGuard<'static, Slot> {
    SLOT.lock().unwrap_or_else(|e| e.into_inner())
}

/// The source being opened ahead, from [`Ahead::begin`] to [`Ahead::close_unused`]; a capture
/// that starts meanwhile waits for it (briefly) instead of opening its own.
pub struct Ahead {
    display: String,
}

impl Ahead {
    /// Claims the one source opened ahead in the process for `display` (an Xlib display name
    /// with its screen); `None` when another is being opened or kept already.
    pub fn begin(display: &str) -> Option<Ahead> {
        let mut slot = slot();
        if !matches!(*slot, Slot::Empty) {
            return None;
        }
        *slot = Slot::Opening(display.to_string());
        Some(Ahead {
            display: display.to_string(),
        })
    }

    /// Opens the source (a few round trips to the X server) and keeps it for [`take`]; returns
    /// it, or `None` when the display cannot be opened.
    pub fn open(&self) -> Option<gst::Element> {
        let t = Instant::now();
        let opened = open(&self.display);
        gst::debug!(
            CAT,
            "ximagesrc on {} opened ahead in {:?}: {}",
            self.display,
            t.elapsed(),
            if opened.is_some() {
                "kept"
            } else {
                "cannot open"
            }
        );
        let mut slot = slot();
        *slot = match &opened {
            Some(source) => Slot::Ready {
                display: self.display.clone(),
                source: source.clone(),
            },
            None => Slot::Empty,
        };
        CHANGED.notify_all();
        opened
    }

    /// Blocks until the source is taken, or for [`KEEP`], then closes it if it was not taken.
    pub fn close_unused(self) {
        let mut slot = slot();
        let deadline = Instant::now() + KEEP;
        while matches!(*slot, Slot::Ready { .. }) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // Its X connection closes with it.
                *slot = Slot::Empty;
                gst::debug!(
                    CAT,
                    "ximagesrc opened ahead on {} not used: closed",
                    self.display
                );
                break;
            }
            slot = CHANGED
                .wait_timeout(slot, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for Ahead {
    /// Never left claimed: a source not opened (a panic, no `open`) is given up.
    fn drop(&mut self) {
        let mut slot = slot();
        if matches!(*slot, Slot::Opening(_)) {
            *slot = Slot::Empty;
            CHANGED.notify_all();
        }
    }
}

/// The source opened ahead on `display`, if there is one (waiting briefly for one being
/// opened). It reads the whole root window until its region is set.
pub fn take(display: &str) -> Option<gst::Element> {
    let mut slot = slot();
    let deadline = Instant::now() + WAIT;
    while matches!(&*slot, Slot::Opening(d) if d == display) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        slot = CHANGED
            .wait_timeout(slot, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    match std::mem::replace(&mut *slot, Slot::Empty) {
        Slot::Ready { display: d, source } if d == display => {
            gst::debug!(CAT, "capture of {display} uses the ximagesrc opened ahead");
            CHANGED.notify_all();
            Some(source)
        }
        other => {
            *slot = other;
            None
        }
    }
}

/// An `ximagesrc` on the root window of `display` with its connection open, as linking opens
/// it: `ximagesrc` opens its display on the first caps query, and answers with its template
/// caps (no size) when it cannot.
fn open(display: &str) -> Option<gst::Element> {
    let source = gst::ElementFactory::make("ximagesrc")
        .property("display-name", display)
        .property("use-damage", false)
        .build()
        .ok()?;
    let caps = source.static_pad("src")?.query_caps(None);
    let opened = caps
        .structure(0)
        .is_some_and(|s| s.get::<i32>("width").is_ok());
    opened.then_some(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without an X server nothing is kept, and a capture does not wait for it.
    #[test]
    fn an_unreachable_display_leaves_nothing_to_take() {
        if gst::init().is_err() || gst::ElementFactory::find("ximagesrc").is_none() {
            return;
        }
        let display = ":4242.0";
        let ahead = Ahead::begin(display).expect("nothing else opened ahead");
        assert!(Ahead::begin(display).is_none(), "one at a time");
        assert!(ahead.open().is_none());
        assert!(matches!(*slot(), Slot::Empty));
        let t = Instant::now();
        assert!(take(display).is_none());
        assert!(t.elapsed() < WAIT);
    }
}
