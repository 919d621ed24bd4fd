// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Helpers of the device-layer tests: a capture pipeline on one device source, and a log of
//! device changes.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gstusermedia::device::{self, DeviceChangeKind, SubscriptionId};

/// `src ! capsfilter caps=<caps> ! [extra] ! appsink`, not yet started.
pub struct Capture {
    pub pipeline: gst::Pipeline,
    pub sink: gst::Element,
}

impl Capture {
    pub fn new(src: &gst::Element, caps: &gst::Caps, extra: &[&gst::Element]) -> Capture {
        let pipeline = gst::Pipeline::new();
        let filter = gst::ElementFactory::make("capsfilter")
            .property("caps", caps)
            .build()
            .unwrap();
        let sink = gst::ElementFactory::make("appsink")
            .property("sync", false)
            .property("max-buffers", 8u32)
            .property("drop", true)
            .build()
            .unwrap();
        pipeline.add_many([src, &filter]).unwrap();
        pipeline.add_many(extra.iter().copied()).unwrap();
        pipeline.add(&sink).unwrap();
        let mut chain: Vec<&gst::Element> = vec![src, &filter];
        chain.extend(extra.iter().copied());
        chain.push(&sink);
        gst::Element::link_many(chain).unwrap();
        Capture { pipeline, sink }
    }

    pub fn play(&self) {
        if self.pipeline.set_state(gst::State::Playing).is_err() {
            panic!("cannot play: {:?}", self.error(Duration::from_millis(100)));
        }
    }

    /// Next sample, failing the test on a bus error or after `timeout`.
    pub fn pull(&self, timeout: Duration) -> gst::Sample {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(err) = self.error(Duration::from_millis(1)) {
                panic!("pipeline error: {err:?}");
            }
            let sample = self.sink.emit_by_name::<Option<gst::Sample>>(
                "try-pull-sample",
                &[&(50 * gst::ClockTime::MSECOND).nseconds()],
            );
            if let Some(s) = sample {
                return s;
            }
            assert!(Instant::now() < deadline, "no sample within {timeout:?}");
        }
    }

    pub fn error(&self, timeout: Duration) -> Option<gst::glib::Error> {
        let bus = self.pipeline.bus().unwrap();
        let msg = bus.timed_pop_filtered(
            gst::ClockTime::from_nseconds(timeout.as_nanos() as u64),
            &[gst::MessageType::Error],
        )?;
        match msg.view() {
            gst::MessageView::Error(e) => Some(e.error()),
            _ => None,
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Fixed caps from one caps string.
pub fn caps(s: &str) -> gst::Caps {
    s.parse().unwrap()
}

/// Device changes seen by a subscription, as (kind, deviceId).
pub type ChangeLog = Arc<(Mutex<Vec<(DeviceChangeKind, String)>>, Condvar)>;

/// Subscribes to device changes, logging them.
pub fn log_changes() -> (ChangeLog, SubscriptionId) {
    let log: ChangeLog = Default::default();
    let sink = log.clone();
    let id = device::subscribe(move |change| {
        sink.0
            .lock()
            .unwrap()
            .push((change.kind, change.device_id.clone()));
        sink.1.notify_all();
    });
    (log, id)
}
