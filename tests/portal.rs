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

// ---------------------------------------------------------------------------------------------
// displaymediasrc on the portal. The element finds the portal on the session bus, so each run
// is a child process of this test binary with DBUS_SESSION_BUS_ADDRESS set to the stack's bus
// (and no DISPLAY, no fake devices): `element_child` runs what the parent describes in JSON and
// prints what it saw.

const ELEMENT_CHILD_ENV: &str = "USERMEDIA_PORTAL_ELEMENT_CHILD";

/// Runs displaymediasrc as `spec` says (`constraints`, `permission`, `timeout_ms`, `runs`: how
/// many starts, each with the restore token the previous one got, `close`: end the sessions
/// from the backend once frames arrive), in a child process on `address`'s bus.
fn element_runs(address: &str, spec: serde_json::Value) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "element_child", "--ignored", "--nocapture"])
        .env(ELEMENT_CHILD_ENV, spec.to_string())
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env_remove("DISPLAY")
        .env_remove("GST_USERMEDIA_FAKE_DEVICES")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let runs: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RUN "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        out.status.success() && !runs.is_empty(),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    runs
}

#[test]
#[ignore = "runs in a child process of the displaymediasrc tests"]
fn element_child() {
    let Ok(spec) = std::env::var(ELEMENT_CHILD_ENV) else {
        return;
    };
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    common::init(None);
    let mut token: Option<String> = None;
    for _ in 0..spec["runs"].as_u64().unwrap_or(1) {
        let run = element_run(&spec, token.take());
        token = run["restore_token"].as_str().map(str::to_owned);
        println!("RUN {run}");
    }
}

/// One start of displaymediasrc into an appsink: the first frame's middle pixel, or the error.
fn element_run(spec: &serde_json::Value, token: Option<String>) -> serde_json::Value {
    let pipeline = gst::parse::launch(
        "displaymediasrc name=src ! videoconvert ! video/x-raw,format=BGRx \
         ! appsink name=sink sync=false max-buffers=2 drop=true",
    )
    .unwrap()
    .downcast::<gst::Bin>()
    .unwrap();
    let src = pipeline.by_name("src").unwrap();
    src.set_property("constraints", spec["constraints"].as_str().unwrap());
    if let Some(p) = spec["permission"].as_str() {
        src.set_property_from_str("permission", p);
    }
    if let Some(ms) = spec["timeout_ms"].as_u64() {
        src.set_property("permission-timeout", ms as u32);
    }
    src.set_property("restore-token", token);
    let asked = std::sync::Arc::new(AtomicU32::new(0));
    {
        let asked = asked.clone();
        src.connect("request-permission", false, move |_| {
            asked.fetch_add(1, Ordering::SeqCst);
            Some(true.to_value())
        });
    }
    let notified = std::sync::Arc::new(AtomicU32::new(0));
    {
        let notified = notified.clone();
        src.connect_notify(Some("restore-token"), move |_, _| {
            notified.fetch_add(1, Ordering::SeqCst);
        });
    }
    let sink = pipeline.by_name("sink").unwrap();
    // appsink's action signals (the project has no gstreamer-app dependency).
    let pull = |timeout: gst::ClockTime| {
        sink.emit_by_name::<Option<gst::Sample>>("try-pull-sample", &[&timeout.nseconds()])
    };
    let is_eos = || sink.property::<bool>("eos");
    let bus = pipeline.bus().unwrap();
    let mut run = json!({});
    let error = |msg: &gst::Message| match msg.view() {
        gst::MessageView::Error(e) => {
            let d = e.details();
            let get = |k: &str| d.and_then(|d| d.get::<String>(k).ok()).unwrap_or_default();
            Some(json!({"name": get("name"), "message": get("message")}))
        }
        _ => None,
    };
    if pipeline.set_state(gst::State::Playing).is_err() {
        run["error"] = bus
            .iter_timed_filtered(gst::ClockTime::ZERO, &[gst::MessageType::Error])
            .find_map(|m| error(&m))
            .unwrap_or(json!({"name": "none posted"}));
    } else if let Some(sample) = pull(gst::ClockTime::from_seconds(20)) {
        let caps = sample.caps().unwrap().structure(0).unwrap().to_owned();
        let (w, h) = (
            caps.get::<i32>("width").unwrap(),
            caps.get::<i32>("height").unwrap(),
        );
        let map = sample.buffer().unwrap().map_readable().unwrap();
        let at = ((h / 2 * w + w / 2) * 4) as usize;
        run["size"] = json!([w, h]);
        run["pixel"] = json!(map[at..at + 3]);
        run["settings"] =
            serde_json::from_str(&src.property::<String>("settings")).unwrap_or_default();
        if spec["close"].as_bool() == Some(true) {
            close_sessions_from_the_backend();
            let deadline = Instant::now() + Duration::from_secs(10);
            while !is_eos() && Instant::now() < deadline {
                let _ = pull(gst::ClockTime::from_mseconds(100));
            }
            run["eos"] = json!(is_eos());
            run["ended"] = json!(
                bus.iter_timed_filtered(gst::ClockTime::ZERO, &[gst::MessageType::Element])
                    .filter_map(|m| m.structure().map(|s| s.to_owned()))
                    .any(|s| s.name() == "usermedia-track-ended")
            );
        }
    } else {
        run["error"] = bus
            .iter_timed_filtered(gst::ClockTime::ZERO, &[gst::MessageType::Error])
            .find_map(|m| error(&m))
            .unwrap_or(json!({"name": "no frame and no error within 20 s"}));
    }
    pipeline.set_state(gst::State::Null).unwrap();
    run["asked"] = json!(asked.load(Ordering::SeqCst));
    run["restore_token"] = json!(src.property::<Option<String>>("restore-token"));
    run["notified"] = json!(notified.load(Ordering::SeqCst));
    run
}

/// The mock backend's `CloseSessions()`: the desktop ends the cast (its "stop sharing" button).
fn close_sessions_from_the_backend() {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap();
    let conn = gio::DBusConnection::for_address_sync(
        &address,
        gio::DBusConnectionFlags::AUTHENTICATION_CLIENT
            | gio::DBusConnectionFlags::MESSAGE_BUS_CONNECTION,
        None,
        None::<&gio::Cancellable>,
    )
    .unwrap();
    conn.call_sync(
        Some("org.freedesktop.impl.portal.UsermediaTest"),
        "/org/freedesktop/portal/desktop",
        "org.usermedia.test.ScreenCastMock",
        "CloseSessions",
        None,
        None,
        gio::DBusCallFlags::NONE,
        5000,
        None::<&gio::Cancellable>,
    )
    .unwrap();
}

fn select_options(stack: &Stack) -> gst::glib::VariantDict {
    let options = stack.stats().lookup_value("select_options", None).unwrap();
    gst::glib::VariantDict::new(Some(&options))
}

/// The user's choice in the portal's dialog is captured, downscaled as the options say; the
/// dialog was the prompt, the grant's restore token appears on the element and restores the
/// choice on the next start, and the cast ends with the element.
#[test]
fn displaymediasrc_captures_the_portal_choice_and_restores_it() {
    let _watchdog = Watchdog::new("displaymediasrc on the portal", TEST_LIMIT);
    let Some(screen) = Screen::start() else {
        return;
    };
    let backend = json!({"node-id": screen.node_id, "serial": screen.serial, "source-type": 2});
    let Some(stack) = stack(Parts::Full, backend) else {
        return;
    };
    let runs = element_runs(
        stack.address(),
        json!({
            "constraints": "{video: {displaySurface: 'window', width: {max: 160}, cursor: 'motion'}}",
            "permission": "prompt",
            "runs": 2,
        }),
    );
    let first = &runs[0];
    assert!(first["error"].is_null(), "{first}\n{}", stack.logs());
    assert_eq!(first["size"], json!([160, 120]), "{first}");
    assert_eq!(first["pixel"], json!([0, 255, 0]), "{first}");
    let settings = &first["settings"]["video"];
    assert_eq!(settings["displaySurface"], "window", "{first}");
    assert_eq!(settings["cursor"], "motion", "{first}");
    assert_eq!(settings["width"], 160, "{first}");
    assert_eq!(settings["label"], "Window (320x240)", "{first}");
    assert_eq!(
        first["asked"], 0,
        "the portal's dialog is the prompt: {first}"
    );
    assert!(first["restore_token"].is_string(), "{first}");
    assert_eq!(first["notified"], 1, "{first}");
    // The second start handed the token back: the frontend gave the backend its stored choice.
    let second = &runs[1];
    assert!(second["error"].is_null(), "{second}\n{}", stack.logs());
    let options = select_options(&stack);
    assert_eq!(options.lookup::<u32>("types").unwrap(), Some(2));
    assert_eq!(options.lookup::<u32>("cursor_mode").unwrap(), Some(4));
    assert_eq!(options.lookup::<u32>("persist_mode").unwrap(), Some(2));
    let data = options
        .lookup_value("restore_data", None)
        .expect("restore_data passed to the backend");
    assert_eq!(data.child_value(0).str(), Some("usermedia-test"));
    // Both casts ended with their element.
    assert_eq!(stack.wait_for_stat("sessions_closed", 2), 2);
    assert_eq!(stack.wait_for_stat("sessions_open", 0), 0);
}

/// The desktop's "stop sharing" ends the track as an unplug does: track-ended, then EOS.
#[test]
fn displaymediasrc_track_ends_when_the_desktop_stops_the_cast() {
    let _watchdog = Watchdog::new("portal cast stopped", TEST_LIMIT);
    let Some(screen) = Screen::start() else {
        return;
    };
    let backend = json!({"node-id": screen.node_id, "serial": screen.serial});
    let Some(stack) = stack(Parts::Full, backend) else {
        return;
    };
    let runs = element_runs(
        stack.address(),
        json!({"constraints": "{video: true}", "close": true}),
    );
    let run = &runs[0];
    assert!(run["error"].is_null(), "{run}\n{}", stack.logs());
    assert_eq!(
        run["settings"]["video"]["displaySurface"], "monitor",
        "{run}"
    );
    assert_eq!(run["ended"], true, "{run}\n{}", stack.logs());
    assert_eq!(run["eos"], true, "{run}");
}

/// Refusals: a cancelled dialog and an unanswered one (`permission-timeout`) are
/// NotAllowedError, a failing portal AbortError, and `permission=denied` never calls it.
#[test]
fn displaymediasrc_portal_refusals() {
    let _watchdog = Watchdog::new("portal refusals", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    let video = json!({"constraints": "{video: true}"});
    for (backend, spec, name) in [
        (
            json!({"node-id": 1, "response": 1}),
            video.clone(),
            "NotAllowedError",
        ),
        (
            json!({"node-id": 1, "response": 2}),
            video.clone(),
            "AbortError",
        ),
        (
            json!({"node-id": 1, "answer": false}),
            json!({"constraints": "{video: true}", "timeout_ms": 1500}),
            "NotAllowedError",
        ),
        (
            json!({"node-id": 1, "size": null}),
            video.clone(),
            "AbortError",
        ),
        (
            json!({"node-id": 1}),
            json!({"constraints": "{video: true}", "permission": "denied"}),
            "NotAllowedError",
        ),
    ] {
        let Some(stack) = stack(Parts::Full, backend.clone()) else {
            return;
        };
        let run = &element_runs(stack.address(), spec.clone())[0];
        assert_eq!(run["error"]["name"], name, "{backend} {spec}: {run}");
        assert!(run["restore_token"].is_null(), "{run}");
        let created = stack.stats().lookup::<u32>("sessions_created").unwrap();
        let denied = spec["permission"] == "denied";
        assert_eq!(created, Some(u32::from(!denied)), "{backend} {spec}");
        // Nothing left open on the portal.
        assert_eq!(
            stack.wait_for_stat("sessions_open", 0),
            0,
            "{backend} {spec}"
        );
    }
}

/// No portal and no X server: NotFoundError naming both backends and why.
#[test]
fn displaymediasrc_without_portal_or_x11_names_both() {
    let _watchdog = Watchdog::new("no backend", TEST_LIMIT);
    if vdev::shared().is_none() {
        return;
    }
    let Some(bus) = stack(Parts::Bus, json!({})) else {
        return;
    };
    let run = &element_runs(bus.address(), json!({"constraints": "{video: true}"}))[0];
    assert_eq!(run["error"]["name"], "NotFoundError", "{run}");
    let message = run["error"]["message"].as_str().unwrap();
    assert!(message.contains("desktop portal: "), "{message}");
    assert!(
        message.contains("org.freedesktop.portal.Desktop"),
        "{message}"
    );
    assert!(message.contains("X11: DISPLAY is not set"), "{message}");
}

/// Unattended capture as the `screen` example does it: the first run keeps the grant's token
/// in a file, the second hands it back and the portal restores the choice without a dialog.
#[test]
fn screen_example_keeps_and_restores_the_choice() {
    let _watchdog = Watchdog::new("screen example", TEST_LIMIT);
    let Some(screen) = Screen::start() else {
        return;
    };
    let backend = json!({"node-id": screen.node_id, "serial": screen.serial});
    let Some(stack) = stack(Parts::Full, backend) else {
        return;
    };
    let exe = std::env::current_exe().unwrap();
    let example = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/screen");
    assert!(example.exists(), "{} not built", example.display());
    let token_file = common::tempfile_path("screen-token");
    let run = || {
        let out = std::process::Command::new(&example)
            .args(["--seconds", "1", "--token-file"])
            .arg(&token_file)
            .env("DBUS_SESSION_BUS_ADDRESS", stack.address())
            .env_remove("DISPLAY")
            .env_remove("GST_USERMEDIA_FAKE_DEVICES")
            .env_remove("GST_PLUGIN_PATH")
            .output()
            .unwrap();
        let text = common::output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}\n{}", stack.logs());
        text
    };
    let first = run();
    assert!(first.contains("restore token saved"), "{first}");
    assert!(!first.contains("restoring"), "{first}");
    assert!(
        select_options(&stack)
            .lookup_value("restore_data", None)
            .is_none()
    );
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert!(!token.trim().is_empty());
    let second = run();
    assert!(second.contains("restoring the previous choice"), "{second}");
    assert!(second.contains(r#""displaySurface":"monitor""#), "{second}");
    assert!(
        select_options(&stack)
            .lookup_value("restore_data", None)
            .is_some(),
        "the token reached the backend"
    );
    let _ = std::fs::remove_file(&token_file);
}
