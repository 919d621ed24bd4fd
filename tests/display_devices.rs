// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Fake displays in the device layer: `"kind": "display"` entries are `Source/Monitor` devices,
//! never cameras; they are the display surfaces offered, their source produces the display's
//! caps, and removing one from an `@file` list removes the surface.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use gst::prelude::*;
use gstusermedia::device::display::DisplayQuery;
use gstusermedia::device::{self, display};
use gstusermedia::engine::display::SurfaceKind;

const CAM: &str = r#"{"kind": "videoinput", "deviceId": "cam0",
    "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}"#;
const SCREEN: &str = r#"{"kind": "display", "deviceId": "screen0", "label": "Screen",
    "displaySurface": "monitor",
    "caps": "video/x-raw,format=BGRx,width=640,height=360,framerate=[1/1,60/1]"}"#;
const WINDOW: &str = r#"{"kind": "display", "deviceId": "win0", "label": "Editor",
    "displaySurface": "window",
    "caps": "video/x-raw,format=BGRx,width=320,height=200,framerate=60/1"}"#;

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = common::tempfile_path("displays.json");
        common::write_atomically(&path, &format!("[{SCREEN}, {CAM}, {WINDOW}]"));
        path
    })
}

/// Initialises once; the tests run one at a time, since one edits the shared list.
fn init() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    common::init(Some(&format!("@{}", file().display())));
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn displays_are_monitors_never_cameras() {
    let _one = init();
    let ids: Vec<String> = device::enumerate()
        .into_iter()
        .map(|e| e.info.device_id)
        .collect();
    assert_eq!(ids, ["cam0"], "a display is not a camera");

    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Source/Monitor"), None);
    monitor.start().unwrap();
    let names: Vec<String> = monitor
        .devices()
        .iter()
        .map(|d| d.display_name().to_string())
        .collect();
    monitor.stop();
    assert!(names.contains(&"Screen".to_string()), "{names:?}");
    assert!(names.contains(&"Editor".to_string()), "{names:?}");

    let surfaces = display::surfaces(&DisplayQuery::default()).unwrap();
    let listed: Vec<(&str, SurfaceKind, u32, u32)> = surfaces
        .iter()
        .map(|s| {
            let s = &s.surface;
            (s.id.as_str(), s.kind, s.width, s.height)
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("screen0", SurfaceKind::Monitor, 640, 360),
            ("win0", SurfaceKind::Window, 320, 200)
        ]
    );
}

#[test]
fn a_fake_display_source_produces_its_caps() {
    let _one = init();
    let surfaces = display::surfaces(&DisplayQuery::default()).unwrap();
    let win = surfaces.iter().find(|s| s.surface.id == "win0").unwrap();
    let caps = win.source.caps(60.0);
    let src = win.source.create_element("src", "never").unwrap();
    let capture = common::device::Capture::new(&src, &caps, &[]);
    capture.play();
    let sample = capture.pull(Duration::from_secs(5));
    let s = sample.caps().unwrap().structure(0).unwrap().to_owned();
    assert_eq!(s.get::<i32>("width").unwrap(), 320);
    assert_eq!(s.get::<i32>("height").unwrap(), 200);
    assert_eq!(s.get::<&str>("format").unwrap(), "BGRx");
    assert_eq!(
        s.get::<gst::Fraction>("framerate").unwrap(),
        gst::Fraction::new(60, 1)
    );
    capture.pipeline.set_state(gst::State::Null).unwrap();
}

#[test]
fn removing_a_display_from_the_file_removes_the_surface() {
    let _one = init();
    let surfaces = display::surfaces(&DisplayQuery::default()).unwrap();
    let screen = surfaces.iter().find(|s| s.surface.id == "screen0").unwrap();
    assert!(screen.source.present());
    let (tx, rx) = mpsc::channel();
    let tx = Arc::new(std::sync::Mutex::new(tx));
    let watch = screen.source.watch(Box::new(move || {
        let _ = tx.lock().unwrap().send(());
    }));
    assert!(watch.is_some(), "fake displays can be watched");
    common::write_atomically(file(), &format!("[{CAM}, {WINDOW}]"));
    rx.recv_timeout(Duration::from_secs(2))
        .expect("told within 2 s that the display is gone");
    assert!(!screen.source.present());
    let ids: Vec<String> = display::surfaces(&DisplayQuery::default())
        .unwrap()
        .into_iter()
        .map(|s| s.surface.id)
        .collect();
    assert_eq!(ids, ["win0"]);
    assert_eq!(
        device::enumerate()
            .into_iter()
            .map(|e| e.info.device_id)
            .collect::<Vec<_>>(),
        ["cam0"]
    );
    common::write_atomically(file(), &format!("[{SCREEN}, {CAM}, {WINDOW}]"));
    let back = || display::surfaces(&DisplayQuery::default()).is_ok_and(|s| s.len() == 2);
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !back() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(back(), "the display is back");
}
