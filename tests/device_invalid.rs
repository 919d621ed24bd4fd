// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! An invalid GST_USERMEDIA_FAKE_DEVICES lists no devices at all (and real devices stay ignored),
//! and says why: through `device::setup_problem()`, and as a warning printed by default in
//! `gst-device-monitor-1.0`.

mod common;

use gst::prelude::*;
use gstusermedia::device;

const BROKEN: &str = r#"[{"kind": "videoinput", "deviceId": "cam0""#;
const CAMERA: &str = r#"{"kind": "videoinput", "deviceId": "cam0", "label": "Fake camera",
    "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}"#;

#[test]
fn invalid_json_lists_nothing() {
    common::init(Some(BROKEN));
    assert!(device::uses_fake_devices());
    assert!(device::enumerate().is_empty());

    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Video/Source"), None).unwrap();
    monitor.start().unwrap();
    let fake: Vec<_> = monitor
        .devices()
        .into_iter()
        .filter(|d| {
            d.properties()
                .is_some_and(|p| p.has_field("usermedia.fake"))
        })
        .collect();
    monitor.stop();
    assert!(fake.is_empty());
}

#[test]
fn invalid_json_is_a_setup_problem_with_its_position() {
    common::init(Some(BROKEN));
    assert_eq!(
        device::setup_problem().as_deref(),
        Some(
            "GST_USERMEDIA_FAKE_DEVICES: invalid JSON: EOF while parsing an object at line 1 \
             column 42; no fake devices"
        )
    );
}

/// The element's NotFoundError says why there is no camera.
#[test]
fn invalid_json_is_named_in_the_not_found_error() {
    common::init(Some(BROKEN));
    let o = common::run_src(
        "{video: true}",
        |_| (),
        1,
        std::time::Duration::from_secs(10),
    );
    let e = o.error.expect("an error");
    assert_eq!(e.name, "NotFoundError");
    assert!(
        e.message
            .contains("invalid JSON: EOF while parsing an object at line 1 column 42"),
        "{}",
        e.message
    );
}

/// `gst-device-monitor-1.0` with this device list: (stdout, stderr).
fn device_monitor(devices: &str) -> (String, String) {
    let out = common::run_tool(
        "gst-device-monitor-1.0",
        &["Video/Source"],
        &[(common::FAKE_ENV, devices)],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn gst_device_monitor_warns_about_invalid_json() {
    let (stdout, stderr) = device_monitor(&format!("[{CAMERA},\n  {{\"kind\": videoinput}}]"));
    assert!(!stdout.contains("Fake camera"), "{stdout}");
    assert!(stderr.contains("usermedia-WARNING"), "{stderr}");
    assert!(
        stderr.contains(
            "GST_USERMEDIA_FAKE_DEVICES: invalid JSON: expected value at line 3 column 12"
        ),
        "{stderr}"
    );
}

#[test]
fn gst_device_monitor_warns_about_a_missing_file() {
    let missing = common::tempfile_path("missing.json");
    let (_, stderr) = device_monitor(&format!("@{}", missing.display()));
    let want = format!(
        "GST_USERMEDIA_FAKE_DEVICES=@{0}: cannot read {0}: No such file or directory",
        missing.display()
    );
    assert!(stderr.contains("usermedia-WARNING"), "{stderr}");
    assert!(stderr.contains(&want), "{want:?} missing in:\n{stderr}");
}

#[test]
fn gst_device_monitor_warns_about_skipped_entries_and_lists_the_rest() {
    let (stdout, stderr) = device_monitor(&format!(
        r#"[{CAMERA}, {{"kind": "camera", "deviceId": "x", "caps": "video/x-raw"}}]"#
    ));
    assert!(stdout.contains("Fake camera"), "{stdout}");
    assert!(
        stderr.contains(r#"GST_USERMEDIA_FAKE_DEVICES: entry 1: unknown kind "camera", skipped"#),
        "{stderr}"
    );
}

#[test]
fn gst_device_monitor_is_quiet_about_a_valid_list() {
    let (stdout, stderr) = device_monitor(&format!("[{CAMERA}]"));
    assert!(stdout.contains("Fake camera"), "{stdout}");
    assert!(!stderr.contains("usermedia-WARNING"), "{stderr}");
}
