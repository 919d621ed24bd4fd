// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Providers start per kind, on the virtual PipeWire/pulse devices of tests/vdev (its own
//! process: the first enumeration decides what is started). Skipped unless VDEV_DIR is set.

mod device_util;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gstusermedia::device;
use gstusermedia::engine::Kind;

fn vdev(args: &[&str]) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vdev/vdev.sh");
    let status = Command::new(script)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "vdev.sh {args:?}");
}

#[test]
fn microphones_start_on_first_use() {
    if std::env::var_os("VDEV_DIR").is_none() {
        eprintln!("VDEV_DIR not set: virtual devices not running, skipping");
        return;
    }
    device_util::init(None);
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

    let (seen, sub) = device_util::log_changes();
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
        vdev(&["kill-camera", node]);
        let t = Instant::now();
        {
            let mut log = seen.0.lock().unwrap();
            while !log.iter().any(|(_, d)| d == id) {
                let left = Duration::from_secs(5)
                    .checked_sub(t.elapsed())
                    .unwrap_or_else(|| panic!("no removal of {id}: {log:?}"));
                log = seen.1.wait_timeout(log, left).unwrap().0;
            }
        }
        let removed = t.elapsed();
        vdev(&["start-camera", node]);
        eprintln!("{id}: removal seen {removed:?} after kill-camera returned");
        assert!(removed < Duration::from_millis(500), "{id}: {removed:?}");
    }
    device::unsubscribe(sub);
}
