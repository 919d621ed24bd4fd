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
//! about 1.5 ms) would come on top. Every screen and monitor capture reads the root window (a
//! monitor is a region of it, and `ximagesrc` reads its region and the root's size again at
//! each caps query), so the connection is opened for the root window ahead; a window capture
//! builds its own source, since `ximagesrc` reads `xid` only when it opens its display.
//!
//! Nothing is captured ahead and no surface is chosen ahead: the surfaces are still listed at
//! READY→PAUSED. An unused source is closed after [`KEEP`].
//!
//! Xlib ends the process when a connection's server is gone (its default I/O error handler
//! exits), so an unused source is closed only while its display still answers, and leaked
//! otherwise. A server that restarts under the same display name while a source is kept (at
//! most [`KEEP`]) is not detected: the new server answers, and closing the old connection, or
//! a capture using it, then ends the process.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gst::glib;
use gst::prelude::*;

use super::CAT;

/// How long an unused source keeps its X connection open: long enough for an application that
/// sets `constraints` and then plays, short enough that one that never plays does not hold a
/// connection to the X server for long.
pub const KEEP: Duration = Duration::from_secs(2);
/// How long a capture waits for a source still being prepared: the plugin load and a few round
/// trips to the X server, a few milliseconds.
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

/// The claim on the process's one source opened ahead, from [`Ahead::begin`] until it is
/// opened; a capture that starts meanwhile waits for it (briefly) instead of opening its own.
#[must_use = "dropping the claim gives it up"]
pub struct Ahead {
    display: String,
    settled: bool,
}

impl Ahead {
    /// Claims the process's one source opened ahead for `display` (an Xlib display name with
    /// its screen); `None` while another is being opened or kept.
    pub fn begin(display: &str) -> Option<Ahead> {
        let mut slot = slot();
        if !matches!(*slot, Slot::Empty) {
            return None;
        }
        *slot = Slot::Opening(display.to_string());
        Some(Ahead {
            display: display.to_string(),
            settled: false,
        })
    }

    /// Opens the source (a few round trips to the X server) and keeps it for [`take`].
    pub fn open(self) -> Kept {
        let t = Instant::now();
        let source = open_root_source(&self.display);
        gst::debug!(
            CAT,
            "ximagesrc on {} opened ahead in {:?}: {}",
            self.display,
            t.elapsed(),
            if source.is_some() {
                "kept"
            } else {
                "cannot open"
            }
        );
        self.settle(source)
    }

    fn settle(mut self, source: Option<gst::Element>) -> Kept {
        let kept = Kept {
            display: self.display.clone(),
            source: source.as_ref().map(|s| s.downgrade()),
        };
        *slot() = match source {
            Some(source) => Slot::Ready {
                display: self.display.clone(),
                source,
            },
            None => Slot::Empty,
        };
        CHANGED.notify_all();
        self.settled = true;
        kept
    }
}

impl Drop for Ahead {
    /// A claim given up before opening (the plugin did not load) frees the slot; while the claim
    /// lives no other can be made, so the `Opening` there is this one.
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut slot = slot();
        if matches!(&*slot, Slot::Opening(d) if *d == self.display) {
            *slot = Slot::Empty;
            CHANGED.notify_all();
        }
    }
}

/// A source opened ahead, kept until a capture takes it or [`Kept::close_unused_after`] closes
/// it.
#[must_use = "without close_unused_after, an unused source stays open"]
pub struct Kept {
    display: String,
    source: Option<glib::WeakRef<gst::Element>>,
}

impl Kept {
    /// The source while it exists: `None` when it could not be opened, or once it was closed,
    /// or once the capture that took it is gone.
    pub fn source(&self) -> Option<gst::Element> {
        self.source.as_ref().and_then(|s| s.upgrade())
    }

    /// Whether the slot still keeps this source.
    fn kept_in(&self, slot: &Slot) -> bool {
        matches!(slot, Slot::Ready { source, .. } if self.source().as_ref() == Some(source))
    }

    /// Blocks until a capture takes the source, or for `keep`, then closes it if nothing did.
    pub fn close_unused_after(self, keep: Duration) {
        let mut slot = slot();
        let deadline = Instant::now() + keep;
        while self.kept_in(&slot) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            slot = CHANGED
                .wait_timeout(slot, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if !self.kept_in(&slot) {
            return;
        }
        let Slot::Ready { source, .. } = std::mem::replace(&mut *slot, Slot::Empty) else {
            unreachable!("kept_in matched a Ready slot");
        };
        CHANGED.notify_all();
        // Closed outside the lock: closing is a round trip to the X server.
        drop(slot);
        if x11rb::connect(Some(&self.display)).is_ok() {
            gst::debug!(
                CAT,
                "ximagesrc opened ahead on {} not used: closed",
                self.display
            );
            drop(source);
        } else {
            gst::debug!(
                CAT,
                "ximagesrc opened ahead on {}: display gone, left open",
                self.display
            );
            std::mem::forget(source);
        }
    }
}

/// The source opened ahead on `display`, if there is one (waiting briefly for one being
/// prepared). It reads the whole root window until its region is set.
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
fn open_root_source(display: &str) -> Option<gst::Element> {
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

    /// The slot is the process's: its tests run one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn element() -> gst::Element {
        gst::init().unwrap();
        gst::ElementFactory::make("fakesrc").build().unwrap()
    }

    #[test]
    fn a_capture_waits_for_the_source_being_opened() {
        let _serial = serial();
        let ahead = Ahead::begin(":9901.0").expect("nothing kept");
        assert!(Ahead::begin(":9901.0").is_none(), "one at a time");
        let (started, waiting) = std::sync::mpsc::channel();
        let taker = std::thread::spawn(move || {
            started.send(()).unwrap();
            take(":9901.0")
        });
        waiting.recv().unwrap();
        // Long enough for the taker to be inside `take`, far from its WAIT.
        std::thread::sleep(Duration::from_millis(50));
        assert!(!taker.is_finished(), "the capture waits");
        let source = element();
        let kept = ahead.settle(Some(source.clone()));
        assert_eq!(taker.join().unwrap(), Some(source.clone()));
        assert_eq!(kept.source(), Some(source));
        assert!(take(":9901.0").is_none(), "taken once");
        // Taken: nothing to wait for.
        let t = Instant::now();
        kept.close_unused_after(Duration::from_secs(5));
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn another_display_or_screen_gets_its_own_source() {
        let _serial = serial();
        let ahead = Ahead::begin(":9902.0").unwrap();
        let t = Instant::now();
        assert!(take(":9902.1").is_none(), "another screen does not wait");
        assert!(t.elapsed() < WAIT);
        let kept = ahead.settle(Some(element()));
        assert!(take(":9903.0").is_none());
        assert!(kept.source().is_some(), "still kept for its own display");
        assert!(take(":9902.0").is_some());
    }

    #[test]
    fn an_unused_source_is_given_up_after_its_time() {
        let _serial = serial();
        let kept = Ahead::begin(":9904.0").unwrap().settle(Some(element()));
        let t = Instant::now();
        kept.close_unused_after(Duration::from_millis(20));
        assert!(
            t.elapsed() >= Duration::from_millis(20),
            "kept for its time"
        );
        assert!(matches!(*slot(), Slot::Empty));
        assert!(take(":9904.0").is_none());
        assert!(Ahead::begin(":9904.0").is_some(), "the slot is free again");
    }

    /// A `Kept` whose source was taken leaves a later claim's source alone.
    #[test]
    fn closing_leaves_another_source_alone() {
        let _serial = serial();
        let first = Ahead::begin(":9905.0").unwrap().settle(Some(element()));
        assert!(take(":9905.0").is_some());
        let second = Ahead::begin(":9905.0").unwrap().settle(Some(element()));
        first.close_unused_after(Duration::from_secs(5));
        assert!(second.source().is_some());
        assert!(take(":9905.0").is_some(), "still kept for a capture");
    }

    /// Without an X server nothing is kept, and a claim given up frees the slot.
    #[test]
    fn an_unreachable_display_leaves_nothing_to_take() {
        let _serial = serial();
        gst::init().unwrap();
        if gst::ElementFactory::find("ximagesrc").is_none() {
            return;
        }
        let kept = Ahead::begin(":4242.0").unwrap().open();
        assert!(kept.source().is_none());
        assert!(matches!(*slot(), Slot::Empty));
        drop(Ahead::begin(":4242.0").unwrap());
        assert!(
            matches!(*slot(), Slot::Empty),
            "an unopened claim is given up"
        );
    }
}
