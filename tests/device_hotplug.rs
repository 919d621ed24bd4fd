// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `GST_USERMEDIA_FAKE_DEVICES=@file`: edits of the file are hot-plug events.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::device::ChangeLog;
use gst::prelude::*;
use gstusermedia::device::{self, DeviceChangeKind};

fn cam(id: &str, label: &str) -> String {
    format!(
        r#"{{"kind": "videoinput", "deviceId": "{id}", "label": "{label}",
            "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}}"#
    )
}

fn mic(id: &str) -> String {
    format!(
        r#"{{"kind": "audioinput", "deviceId": "{id}",
            "caps": "audio/x-raw,format=S16LE,rate=48000,channels=1"}}"#
    )
}

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = common::tempfile_path("hotplug.json");
        common::write_atomically(
            &path,
            &format!("[{}, {}]", cam("camA", "Camera A"), mic("micA")),
        );
        path
    })
}

fn init() {
    let spec = format!("@{}", file().display());
    common::init(Some(&spec));
}

/// Waits until `log` holds `want` (in any order), at most `within`.
fn wait_for(log: &ChangeLog, want: &[(DeviceChangeKind, &str)], within: Duration) -> Duration {
    let start = Instant::now();
    let (lock, cond) = &**log;
    let mut seen = lock.lock().unwrap();
    loop {
        let done = want
            .iter()
            .all(|(k, id)| seen.iter().any(|(sk, sid)| sk == k && sid == id));
        if done {
            let got = std::mem::take(&mut *seen);
            assert_eq!(got.len(), want.len(), "unexpected changes: {got:?}");
            return start.elapsed();
        }
        let left = within
            .checked_sub(start.elapsed())
            .unwrap_or_else(|| panic!("only {:?} within {within:?}, want {want:?}", *seen));
        seen = cond.wait_timeout(seen, left).unwrap().0;
    }
}

fn ids() -> Vec<String> {
    device::enumerate()
        .into_iter()
        .map(|e| e.info.device_id)
        .collect()
}

// One test: the steps share the file and the process-wide device list.
#[test]
fn file_edits_are_hotplug_events() {
    init();
    assert_eq!(ids(), ["camA", "micA"]);

    let (log, sub) = common::device::log_changes();

    // A DeviceMonitor on the same provider gets the events on its bus too.
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Video/Source"), None).unwrap();
    monitor.start().unwrap();
    let bus = monitor.bus();
    while bus.pop().is_some() {}

    let limit = Duration::from_secs(1);
    let path = file();

    // Unplug the mic, plug a second camera in front of the first.
    common::write_atomically(
        path,
        &format!("[{}, {}]", cam("camB", "Camera B"), cam("camA", "Camera A")),
    );
    // camA loses its default flag, so it is republished: a change.
    let took = wait_for(
        &log,
        &[
            (DeviceChangeKind::Removed, "micA"),
            (DeviceChangeKind::Added, "camB"),
            (DeviceChangeKind::Changed, "camA"),
        ],
        limit,
    );
    eprintln!("hot-plug seen after {took:?}");
    // File order is enumeration order: camB is now the default camera.
    assert_eq!(ids(), ["camB", "camA"]);
    let b = device::find("camB").unwrap();
    assert!(
        b.gst_device
            .properties()
            .unwrap()
            .get::<bool>("is-default")
            .unwrap()
    );
    let a = device::find("camA").unwrap();
    assert!(
        !a.gst_device
            .properties()
            .unwrap()
            .get::<bool>("is-default")
            .unwrap()
    );
    let deadline = Instant::now() + limit;
    loop {
        let msg = bus
            .timed_pop_filtered(
                gst::ClockTime::from_mseconds(50),
                &[gst::MessageType::DeviceAdded],
            )
            .map(|m| match m.view() {
                gst::MessageView::DeviceAdded(added) => added.device().display_name().to_string(),
                _ => unreachable!(),
            });
        if msg.as_deref() == Some("Camera B") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no DeviceAdded for Camera B on the monitor bus"
        );
    }

    // A changed entry is a new device with the same deviceId.
    let renamed = format!(
        "[{}, {}]",
        cam("camB", "Camera B"),
        cam("camA", "Renamed A")
    );
    common::write_atomically(path, &renamed);
    wait_for(&log, &[(DeviceChangeKind::Changed, "camA")], limit);
    assert_eq!(device::find("camA").unwrap().info.label, "Renamed A");

    // A file caught mid-write is not acted on...
    std::fs::write(path, "[").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    common::write_atomically(path, &renamed);
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        log.0.lock().unwrap().is_empty(),
        "{:?}",
        log.0.lock().unwrap()
    );
    assert_eq!(ids(), ["camB", "camA"]);

    // ...but a file that stays invalid lists nothing.
    std::fs::write(path, "{ not json").unwrap();
    wait_for(
        &log,
        &[
            (DeviceChangeKind::Removed, "camA"),
            (DeviceChangeKind::Removed, "camB"),
        ],
        limit,
    );
    assert!(ids().is_empty());

    common::write_atomically(path, &format!("[{}]", mic("micA")));
    wait_for(&log, &[(DeviceChangeKind::Added, "micA")], limit);
    assert_eq!(ids(), ["micA"]);

    device::unsubscribe(sub);
    common::write_atomically(path, "[]");
    let deadline = Instant::now() + limit;
    while !ids().is_empty() {
        assert!(Instant::now() < deadline, "micA not removed");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        log.0.lock().unwrap().is_empty(),
        "unsubscribed callbacks ran"
    );

    monitor.stop();
    let _ = std::fs::remove_file(path);
}
