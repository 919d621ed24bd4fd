// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Providers start per kind, on the virtual PipeWire/pulse devices of tests/vdev (its own
//! process: the first enumeration decides what is started). The harness starts with the test
//! and stops when the process exits; without its programs the test is skipped, unless `CI=true`.

mod common;

use common::vdev;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gstusermedia::device;
use gstusermedia::engine::Kind;

#[test]
fn microphones_start_on_first_use() {
    let Some(instance) = vdev::shared() else {
        return;
    };
    let pulse_started = || {
        gst::DeviceProviderFactory::find("pulsedeviceprovider")
            .and_then(|f| f.get())
            .is_some_and(|p| p.is_started())
    };
    let ids = |entries: &[device::DeviceEntry]| -> Vec<String> {
        entries.iter().map(|e| e.info.device_id.clone()).collect()
    };

    let cameras = device::enumerate_kinds(&[Kind::Video]);
    assert!(!cameras.is_empty());
    assert!(cameras.iter().all(|e| e.info.kind() == Kind::Video));
    assert!(
        !pulse_started(),
        "a camera request started the pulse provider"
    );
    assert_eq!(cameras[0].info.device_id, "pipewire:vdev-cam-720p");

    let seen: Arc<(Mutex<Vec<String>>, Condvar)> = Arc::default();
    let sub = {
        let seen = seen.clone();
        device::subscribe(move |change| {
            seen.0.lock().unwrap().push(change.device_id.clone());
            seen.1.notify_all();
        })
    };
    let all = device::enumerate();
    assert!(pulse_started());
    assert_eq!(ids(&all[..cameras.len()]), ids(&cameras));
    assert_eq!(ids(&all[cameras.len()..]), ["pulse:vdev-mic"]);
    assert_eq!(ids(&device::enumerate_kinds(&[Kind::Audio])), ids(&all));

    // Microphones that were there all along are not hot-plug events.
    std::thread::sleep(Duration::from_millis(300));
    assert!(seen.0.lock().unwrap().is_empty(), "{:?}", seen.0);

    // Provider events still arrive for both kinds, not just the once-a-second re-read: the
    // camera monitor keeps the PipeWire events, pulse reports to its own handler.
    for (node, id) in [
        ("vdev-cam-vga", "pipewire:vdev-cam-vga"),
        ("vdev-mic", "pulse:vdev-mic"),
    ] {
        instance.command(&["kill-camera", node]).unwrap();
        let t = Instant::now();
        {
            let mut log = seen.0.lock().unwrap();
            while !log.iter().any(|d| d == id) {
                let left = Duration::from_secs(5)
                    .checked_sub(t.elapsed())
                    .unwrap_or_else(|| panic!("no removal of {id}: {log:?}"));
                log = seen.1.wait_timeout(log, left).unwrap().0;
            }
        }
        let removed = t.elapsed();
        instance.command(&["start-camera", node]).unwrap();
        eprintln!("{id}: removal seen {removed:?} after kill-camera returned");
        assert!(removed < Duration::from_millis(500), "{id}: {removed:?}");
    }
    device::unsubscribe(sub);
}
