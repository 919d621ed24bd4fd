// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Shared helpers of the device tests (each tests/device_*.rs file is its own process).

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, Once};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gstusermedia::device::{self, DeviceChangeKind, SubscriptionId};

pub const FAKE_ENV: &str = "GST_USERMEDIA_FAKE_DEVICES";

/// Sets (or clears) the fake device variable, then initializes GStreamer and the plugin. The
/// variable is set before anything reads it, once per process.
pub fn init(fake_devices: Option<&str>) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: runs once, before GStreamer or any test thread reads the environment.
        unsafe {
            match fake_devices {
                Some(v) => std::env::set_var(FAKE_ENV, v),
                None => std::env::remove_var(FAKE_ENV),
            }
        }
        gst::init().unwrap();
        gstusermedia::plugin_register_static().expect("register usermedia plugin");
    });
}

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

/// The plugin `.so` of this build. `cargo test` compiles the library with all its crate types
/// into target/<profile>/deps/ (next to this test binary) but only `cargo build` copies it up to
/// target/<profile>/.
pub fn built_plugin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    [deps.to_path_buf(), deps.parent()?.to_path_buf()]
        .into_iter()
        .map(|dir| dir.join("libgstusermedia.so"))
        .find(|so| so.exists())
}

/// A private directory holding only a copy of the built plugin, and a private registry file, so
/// subprocesses load exactly this build.
pub fn private_plugin_env() -> Option<(PathBuf, PathBuf)> {
    let so = built_plugin()?;
    let dir = std::env::temp_dir().join(format!(
        "usermedia-device-test-{}-{}",
        std::process::id(),
        std::thread::current()
            .name()
            .unwrap_or("t")
            .replace("::", "-")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("plugins")).ok()?;
    std::fs::copy(&so, dir.join("plugins/libgstusermedia.so")).ok()?;
    Some((dir.join("plugins"), dir.join("registry.bin")))
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
