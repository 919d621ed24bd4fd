// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The ScreenCast portal backend (`device::portal`) against the real `xdg-desktop-portal`
//! frontend, a python-dbusmock ScreenCast backend and a real PipeWire (tests/vdev) hosting a
//! green `videotestsrc` node (one per test) that the backend hands out as the user's choice: frames must come
//! through the fd the portal returns. Each test has its own bus and portal (tests/portal/
//! harness.rs); PipeWire is shared by the process. Without the programs the tests are skipped
//! (a message says so), unless `CI=true`.

mod common;
#[path = "portal/harness.rs"]
mod harness;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::vdev;
use common::watchdog::Watchdog;
use gst::prelude::*;
use gstusermedia::device::portal::{
    self, Cursor, PortalError, PortalRequest, SourceType, SourceTypes,
};
use harness::{Parts, Stack, StartError};
use serde_json::json;

const TEST_LIMIT: Duration = Duration::from_secs(120);

/// The "screen" the backend hands out: a PipeWire node fed by a solid green videotestsrc. One
/// per test: pipewiresink 0.3.65 in provide mode re-creates its node (new serial) when a
/// consumer leaves, so a node is not reused.
struct Screen {
    pipeline: gst::Pipeline,
    node_id: u32,
    serial: u64,
}

impl Screen {
    /// `None`: no PipeWire here, skip.
    fn start() -> Option<Screen> {
        vdev::shared()?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "usermedia-portal-screen-{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let pipeline = gst::parse::launch(&format!(
            "videotestsrc pattern=solid-color foreground-color=0xff00ff00 is-live=true \
             ! video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 \
             ! pipewiresink mode=provide \
               stream-properties=\"props,node.name={name},media.class=Video/Source\""
        ))
        .expect("the screen pipeline")
        .downcast::<gst::Pipeline>()
        .unwrap();
        pipeline.set_state(gst::State::Playing).unwrap();
        let (node_id, serial) = find_node(&name);
        Some(Screen {
            pipeline,
            node_id,
            serial,
        })
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Object id and serial of the node named `name` (`pw-cli ls Node`), polled until it appears.
fn find_node(name: &str) -> (u32, u64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = std::process::Command::new("pw-cli")
            .args(["ls", "Node"])
            .output()
            .expect("run pw-cli");
        let text = String::from_utf8_lossy(&out.stdout);
        // Blocks of "id N, type PipeWire:Interface:Node/3" then "key = \"value\"" lines.
        for block in text.split("\tid ").skip(1) {
            let value = |key: &str| {
                block.lines().find_map(|l| {
                    let (k, v) = l.trim().split_once(" = ")?;
                    (k == key).then(|| v.trim_matches('"').to_string())
                })
            };
            if value("node.name").as_deref() == Some(name) {
                let id = block.split(',').next().and_then(|i| i.trim().parse().ok());
                let serial = value("object.serial").and_then(|s| s.parse().ok());
                if let (Some(id), Some(serial)) = (id, serial) {
                    return (id, serial);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "node {name} not listed by pw-cli:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A portal stack, or `None` to skip (a failure with `CI=true`).
fn stack(parts: Parts, backend: serde_json::Value) -> Option<Stack> {
    match Stack::start(parts, &backend) {
        Ok(stack) => Some(stack),
        Err(StartError::Missing(why)) if vdev::ci() => {
            panic!("CI=true and the portal stack cannot run here: {why}")
        }
        Err(StartError::Missing(why)) => {
            eprintln!("SKIPPED: the portal stack cannot run here (CI=true fails instead): {why}");
            None
        }
        Err(StartError::Failed(why)) => panic!("the portal stack failed:\n{why}"),
    }
}

fn request(stack: &Stack) -> PortalRequest {
    PortalRequest {
        bus_address: Some(stack.address().to_string()),
        timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    }
}

/// Plays `create_source` into a probe and returns the BGRx pixel at the middle of the third
/// buffer (the first ones may predate the stream's settling), or the error.
fn middle_pixel(stream: &portal::PortalStream) -> Result<[u8; 4], String> {
    let pipeline = gst::Pipeline::new();
    let src = portal::create_source(stream, Some("portal_source")).expect("pipewiresrc");
    let filter = gst::ElementFactory::make("capsfilter")
        .property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "BGRx")
                .field("width", 320)
                .field("height", 240)
                .build(),
        )
        .build()
        .unwrap();
    let sink = gst::ElementFactory::make("fakesink").build().unwrap();
    pipeline.add_many([&src, &filter, &sink]).unwrap();
    gst::Element::link_many([&src, &filter, &sink]).unwrap();
    let (tx, rx) = mpsc::sync_channel::<[u8; 4]>(8);
    let seen = std::sync::atomic::AtomicUsize::new(0);
    filter
        .static_pad("src")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                let n = seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let map = buffer.map_readable().unwrap();
                let at = (120 * 320 + 160) * 4;
                if n == 3 && map.len() >= at + 4 {
                    let _ = tx.try_send(map[at..at + 4].try_into().unwrap());
                }
            }
            gst::PadProbeReturn::Ok
        });
    pipeline.set_state(gst::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let result = loop {
        if let Ok(pixel) = rx.try_recv() {
            break Ok(pixel);
        }
        if let Some(msg) = bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(100),
            &[gst::MessageType::Error],
        ) {
            break Err(format!("{msg:?}"));
        }
        if Instant::now() > deadline {
            break Err("no third buffer within 20 s".into());
        }
    };
    pipeline.set_state(gst::State::Null).unwrap();
    result
}

fn frames_through_portal(with_serial: bool) {
    let _watchdog = Watchdog::new("frames through the portal", TEST_LIMIT);
    let Some(screen) = Screen::start() else {
        return;
    };
    let mut backend = json!({"node-id": screen.node_id, "size": [320, 240], "source-type": 2});
    if with_serial {
        backend["serial"] = json!(screen.serial);
    }
    let Some(stack) = stack(Parts::Full, backend) else {
        return;
    };
    let req = PortalRequest {
        surfaces: SourceTypes::WINDOW,
        cursor: Some(Cursor::Motion),
        ..request(&stack)
    };
    let stream = portal::open(&req).unwrap_or_else(|e| panic!("{e}\n{}", stack.logs()));
    assert_eq!(stream.node_id, screen.node_id);
    assert_eq!(stream.serial, with_serial.then_some(screen.serial));
    assert_eq!(stream.size, Some((320, 240)));
    assert_eq!(stream.source_type, Some(SourceType::Window));
    assert_eq!(stream.cursor, Some(Cursor::Motion));
    assert_eq!(
        stream.restore_token, None,
        "no token unless persist is asked"
    );
    let options = stack.stats().lookup_value("select_options", None).unwrap();
    let options = gst::glib::VariantDict::new(Some(&options));
    assert_eq!(options.lookup::<u32>("types").unwrap(), Some(2));
    assert_eq!(options.lookup::<u32>("cursor_mode").unwrap(), Some(4));

    let pixel = middle_pixel(&stream).unwrap_or_else(|e| panic!("{e}\n{}", stack.logs()));
    // videotestsrc's solid green (0xff00ff00) as BGRx.
    assert_eq!(pixel[..3], [0, 255, 0], "pixel {pixel:?}");

    assert_eq!(
        stack.stats().lookup::<u32>("sessions_open").unwrap(),
        Some(1)
    );
    drop(stream);
    assert_eq!(stack.wait_for_stat("sessions_closed", 1), 1);
}

#[test]
fn frames_come_through_the_fd_the_portal_returned() {
    frames_through_portal(true);
}

#[test]
fn without_a_pipewire_serial_the_node_id_is_the_target() {
    frames_through_portal(false);
}

#[test]
fn a_cancelled_dialog_is_cancelled() {
    let _watchdog = Watchdog::new("cancelled", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    let Some(stack) = stack(Parts::Full, json!({"node-id": 1, "response": 1})) else {
        return;
    };
    let err = portal::open(&request(&stack)).unwrap_err();
    assert_eq!(err, PortalError::Cancelled, "{}", stack.logs());
    assert_eq!(err.dom_name(), "NotAllowedError");
    assert_eq!(stack.wait_for_stat("sessions_open", 0), 0);
}

#[test]
fn a_failed_dialog_is_an_abort() {
    let _watchdog = Watchdog::new("failed", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    let Some(stack) = stack(Parts::Full, json!({"node-id": 1, "response": 2})) else {
        return;
    };
    let err = portal::open(&request(&stack)).unwrap_err();
    assert!(matches!(err, PortalError::Failed(_)), "{err:?}");
    assert_eq!(err.dom_name(), "AbortError");
}

#[test]
fn an_unanswered_dialog_times_out_and_is_closed() {
    let _watchdog = Watchdog::new("timeout", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    let Some(stack) = stack(Parts::Full, json!({"node-id": 1, "answer": false})) else {
        return;
    };
    let timeout = Duration::from_millis(1500);
    let req = PortalRequest {
        timeout: Some(timeout),
        ..request(&stack)
    };
    let err = portal::open(&req).unwrap_err();
    assert_eq!(err, PortalError::Timeout(timeout), "{}", stack.logs());
    assert_eq!(err.dom_name(), "NotAllowedError");
    // Nothing left behind: the dialog's request and the session were closed on the backend.
    assert_eq!(
        stack.wait_for_stat("requests_closed", 1),
        1,
        "{}",
        stack.logs()
    );
    assert_eq!(
        stack.wait_for_stat("sessions_closed", 1),
        1,
        "{}",
        stack.logs()
    );
    assert_eq!(
        stack.stats().lookup::<u32>("sessions_open").unwrap(),
        Some(0)
    );
}

#[test]
fn no_portal_is_not_available_with_a_reason() {
    let _watchdog = Watchdog::new("no portal", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    let Some(bus) = stack(Parts::Bus, json!({})) else {
        return;
    };
    match portal::open(&request(&bus)) {
        Err(PortalError::NotAvailable(why)) => {
            assert!(why.contains("org.freedesktop.portal.Desktop"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    let Some(frontend) = stack(Parts::FrontendOnly, json!({})) else {
        return;
    };
    match portal::open(&request(&frontend)) {
        Err(PortalError::NotAvailable(why)) => assert!(why.contains("ScreenCast"), "{why}"),
        other => panic!("{other:?}\n{}", frontend.logs()),
    }
    let nowhere = PortalRequest {
        bus_address: Some(format!(
            "unix:path={}",
            common::tempfile_path("no-bus").display()
        )),
        ..Default::default()
    };
    let err = portal::open(&nowhere).unwrap_err();
    assert!(matches!(err, PortalError::NotAvailable(_)), "{err:?}");
    assert_eq!(err.dom_name(), "NotFoundError");
}

#[test]
fn a_persistent_grant_comes_with_a_restore_token_that_restores() {
    let _watchdog = Watchdog::new("restore token", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    // Nothing reads the stream here: any node id will do.
    let node_id = 7;
    let Some(stack) = stack(Parts::Full, json!({"node-id": node_id})) else {
        return;
    };
    let req = PortalRequest {
        persist: true,
        ..request(&stack)
    };
    let first = portal::open(&req).unwrap_or_else(|e| panic!("{e}\n{}", stack.logs()));
    let token = first.restore_token.clone().expect("a restore token");
    let options = stack.stats().lookup_value("select_options", None).unwrap();
    let options = gst::glib::VariantDict::new(Some(&options));
    assert_eq!(options.lookup::<u32>("persist_mode").unwrap(), Some(2));
    assert!(options.lookup_value("restore_data", None).is_none());
    drop(first);

    // The frontend turns the token back into what the backend stored with the grant.
    let again = PortalRequest {
        restore_token: Some(token),
        ..req.clone()
    };
    let second = portal::open(&again).unwrap_or_else(|e| panic!("{e}\n{}", stack.logs()));
    let options = stack.stats().lookup_value("select_options", None).unwrap();
    let data = gst::glib::VariantDict::new(Some(&options))
        .lookup_value("restore_data", None)
        .expect("restore_data passed to the backend");
    assert_eq!(data.child_value(0).str(), Some("usermedia-test"));
    let choice = data.child_value(2).as_variant().unwrap();
    assert_eq!(choice.str(), Some(format!("node-{node_id}").as_str()));
    // The token to keep is the one returned last (1.16 hands the same one back; the
    // specification lets a portal renew it).
    let renewed = second.restore_token.clone().expect("a restore token again");
    drop(second);
    let next = PortalRequest {
        restore_token: Some(renewed),
        ..req
    };
    let third = portal::open(&next).unwrap_or_else(|e| panic!("{e}\n{}", stack.logs()));
    let options = stack.stats().lookup_value("select_options", None).unwrap();
    let options = gst::glib::VariantDict::new(Some(&options));
    assert!(options.lookup_value("restore_data", None).is_some());
    drop(third);
}
