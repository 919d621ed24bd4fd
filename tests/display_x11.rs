// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! X11 display surfaces on a real X server: Xvfb with two screens of different sizes (Xvfb
//! 21.1 ignores `xrandr --setmonitor`, so the sizes differ per screen) and a red window on the
//! second one. The surfaces are listed with their sizes and titles, and `ximagesrc` built for
//! each really captures that surface's pixels; `displaymediasrc` (in `gst-launch-1.0`, with
//! `DISPLAY` pointing at the server) captures the window or the screen.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gst::prelude::*;
use gstusermedia::device::x11::{self, Capture};
use gstusermedia::device::x11_ahead;
use gstusermedia::engine::ValueSet;
use gstusermedia::engine::display::SurfaceKind;
use x11rb::connection::Connection;
use x11rb::protocol::randr::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{
    AtomEnum, ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, PropMode, WindowClass,
};
use x11rb::wrapper::ConnectionExt as _;

const SOCKET_DIR: &str = "/tmp/.X11-unix";

/// A private Xvfb, stopped (and its socket and lock removed by itself) on drop.
struct Xvfb {
    child: Child,
    display: String,
    /// Xvfb created /tmp/.X11-unix: removed again when empty.
    made_socket_dir: bool,
}

impl Xvfb {
    /// `None` (test skipped) when Xvfb is not installed, unless CI=true.
    fn start() -> Option<Xvfb> {
        let made_socket_dir = !std::path::Path::new(SOCKET_DIR).exists();
        let spawned = Command::new("Xvfb")
            .args(["-displayfd", "1", "-br", "-nolisten", "tcp"])
            .args(["-screen", "0", "1280x720x24", "-screen", "1", "640x480x24"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "Xvfb cannot be started: {e} (scripts/deps.sh installs it)"
                );
                eprintln!("skipped: Xvfb cannot be started ({e})");
                return None;
            }
        };
        // -displayfd: the server writes its display number once it accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let display = format!(":{}", line.trim());
        assert!(display.len() > 1, "Xvfb did not say its display");
        Some(Xvfb {
            child,
            display,
            made_socket_dir,
        })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM: the server removes its socket and lock file before it exits.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        if self.made_socket_dir {
            let _ = std::fs::remove_dir(SOCKET_DIR);
        }
    }
}

/// Gives screen `screen`'s only CRTC a mode of these timings (XRandR CreateMode, AddOutputMode,
/// SetCrtcConfig, as `xrandr --newmode/--addmode/--mode` do).
fn set_mode(
    conn: &impl x11rb::connection::Connection,
    screen: usize,
    dot_clock: u32,
    h: [u16; 4],
    v: [u16; 4],
) {
    let root = conn.setup().roots[screen].root;
    let res = conn
        .randr_get_screen_resources_current(root)
        .unwrap()
        .reply()
        .unwrap();
    let name = format!("{}x{}_test", h[0], v[0]);
    let info = randr::ModeInfo {
        id: 0,
        width: h[0],
        height: v[0],
        dot_clock,
        hsync_start: h[1],
        hsync_end: h[2],
        htotal: h[3],
        hskew: 0,
        vsync_start: v[1],
        vsync_end: v[2],
        vtotal: v[3],
        name_len: name.len() as u16,
        mode_flags: randr::ModeFlag::HSYNC_NEGATIVE | randr::ModeFlag::VSYNC_POSITIVE,
    };
    let mode = conn
        .randr_create_mode(root, info, name.as_bytes())
        .unwrap()
        .reply()
        .unwrap()
        .mode;
    conn.randr_add_output_mode(res.outputs[0], mode)
        .unwrap()
        .check()
        .unwrap();
    let reply = conn
        .randr_set_crtc_config(
            res.crtcs[0],
            x11rb::CURRENT_TIME,
            res.config_timestamp,
            0,
            0,
            mode,
            randr::Rotation::ROTATE0,
            &res.outputs[..1],
        )
        .unwrap()
        .reply()
        .unwrap();
    assert_eq!(reply.status, randr::SetConfig::SUCCESS);
}

/// The first frame of `src` as packed BGRx: (width, height, bytes).
fn grab(src: gst::Element) -> (usize, usize, Vec<u8>) {
    let pipeline = gst::Pipeline::new();
    let convert = gst::ElementFactory::make("videoconvert").build().unwrap();
    let filter = gst::ElementFactory::make("capsfilter")
        .property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "BGRx")
                .field("framerate", gst::Fraction::new(10, 1))
                .build(),
        )
        .build()
        .unwrap();
    let sink = gst::ElementFactory::make("fakesink").build().unwrap();
    pipeline.add_many([&src, &convert, &filter, &sink]).unwrap();
    gst::Element::link_many([&src, &convert, &filter, &sink]).unwrap();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    sink.static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            if let Some(gst::PadProbeData::Buffer(b)) = &info.data {
                let s = pad.current_caps().unwrap();
                let s = s.structure(0).unwrap();
                let (w, h) = (
                    s.get::<i32>("width").unwrap(),
                    s.get::<i32>("height").unwrap(),
                );
                let _ = tx.try_send((w as usize, h as usize, b.map_readable().unwrap().to_vec()));
            }
            gst::PadProbeReturn::Remove
        });
    pipeline.set_state(gst::State::Playing).unwrap();
    let frame = rx.recv_timeout(Duration::from_secs(10)).expect("a frame");
    pipeline.set_state(gst::State::Null).unwrap();
    frame
}

/// The first frame `displaymediasrc` delivers with `constraints` on `display`, as packed BGRx,
/// through the real `gst-launch-1.0`, and the device layer's debug log.
fn launch_frame(
    display: &str,
    constraints: &str,
    width: usize,
    height: usize,
) -> (Vec<u8>, String) {
    let out = common::tempfile_path("frame.bgrx");
    let location = format!("location={}", out.display());
    let constraints = format!("constraints={constraints}");
    let args = [
        "-q",
        "displaymediasrc",
        &constraints,
        "!",
        "videoconvert",
        "!",
        "video/x-raw,format=BGRx",
        "!",
        "identity",
        // identity ends the stream when the count is reached, before passing that buffer.
        "eos-after=2",
        "!",
        "filesink",
        &location,
    ];
    // No session bus: a desktop portal of the session the tests run in would be tried first.
    let o = common::run_tool(
        "gst-launch-1.0",
        &args,
        &[
            ("DISPLAY", display),
            // An X11 session, also when the tests run on a Wayland desktop.
            ("WAYLAND_DISPLAY", ""),
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/usermedia-no-bus",
            ),
            ("GST_DEBUG", "usermediadevice:5"),
            ("GST_DEBUG_NO_COLOR", "1"),
        ],
    );
    assert!(o.status.success(), "{}", common::output_text(&o));
    let data = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert_eq!(data.len(), width * height * 4, "one {width}x{height} frame");
    (data, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// (B, G, R) at (x, y) of a packed BGRx frame.
fn pixel((w, _, data): &(usize, usize, Vec<u8>), x: usize, y: usize) -> (u8, u8, u8) {
    let i = (y * w + x) * 4;
    (data[i], data[i + 1], data[i + 2])
}

#[test]
fn monitors_and_windows_are_listed_and_captured() {
    gst::init().unwrap();
    let Some(x) = Xvfb::start() else {
        return;
    };
    // A red 320x240 window with a title on the second screen, at (200, 100); it lives as long
    // as this connection.
    let (conn, _) = x11rb::connect(Some(&x.display)).unwrap();
    let root = conn.setup().roots[1].root;
    let win = conn.generate_id().unwrap();
    conn.create_window(
        x11rb::COPY_DEPTH_FROM_PARENT,
        win,
        root,
        200,
        100,
        320,
        240,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new().background_pixel(0x00ff_0000),
    )
    .unwrap();
    let utf8 = conn
        .intern_atom(false, b"UTF8_STRING")
        .unwrap()
        .reply()
        .unwrap()
        .atom;
    let name = conn
        .intern_atom(false, b"_NET_WM_NAME")
        .unwrap()
        .reply()
        .unwrap()
        .atom;
    conn.change_property8(
        PropMode::REPLACE,
        win,
        name,
        utf8,
        "Red window ✓".as_bytes(),
    )
    .unwrap();
    conn.change_property8(
        PropMode::REPLACE,
        win,
        AtomEnum::WM_NAME,
        AtomEnum::STRING,
        b"Red window",
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();
    // Screen 0 refreshes at 74.78 Hz (`cvt 1280 720 75`); Xvfb's own modes have no timings.
    set_mode(
        &conn,
        0,
        95_750_000,
        [1280, 1360, 1488, 1696],
        [720, 723, 728, 755],
    );
    // Screen 0 split into two XRandR monitors of different sizes (as `xrandr --setmonitor`
    // does), and an untitled green square (not a window surface: no title) on the right one.
    let root0 = conn.setup().roots[0].root;
    for (name, x, width) in [("LEFT", 0, 800), ("RIGHT", 800, 480)] {
        let atom = conn
            .intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom;
        conn.randr_set_monitor(
            root0,
            randr::MonitorInfo {
                name: atom,
                primary: x == 0,
                automatic: false,
                x,
                y: 0,
                width,
                height: 720,
                width_in_millimeters: 0,
                height_in_millimeters: 0,
                outputs: Vec::new(),
            },
        )
        .unwrap()
        .check()
        .unwrap();
    }
    let green = conn.generate_id().unwrap();
    conn.create_window(
        x11rb::COPY_DEPTH_FROM_PARENT,
        green,
        root0,
        900,
        100,
        200,
        200,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new().background_pixel(0x0000_ff00),
    )
    .unwrap();
    conn.map_window(green).unwrap();
    conn.sync().unwrap();

    let surfaces = x11::surfaces(Some(&x.display)).unwrap();
    let find = |f: &dyn Fn(&x11::X11Surface) -> bool| {
        surfaces
            .iter()
            .find(|s| f(s))
            .unwrap_or_else(|| panic!("{surfaces:#?}"))
            .clone()
    };
    let first = find(&|s| s.surface.id == "x11-screen0");
    let second = find(&|s| s.surface.id == "x11-screen1");
    // The fastest a screen can be captured: its refresh rate, 60 Hz when XRandR has none.
    let max_rate = |s: &x11::X11Surface| match s.surface.frame_rate {
        ValueSet::Range { max, .. } => max,
        ref other => panic!("{other:?}"),
    };
    assert_eq!(max_rate(&first), 74.78);
    assert_eq!(max_rate(&second), 60.0);
    assert_eq!(first.surface.label, "Screen 0 (1280x720)");
    assert_eq!((first.surface.width, first.surface.height), (1280, 720));
    assert_eq!((second.surface.width, second.surface.height), (640, 480));
    assert_eq!(
        second.capture,
        Capture::Region {
            screen: 1,
            x: 0,
            y: 0,
            width: 640,
            height: 480
        }
    );
    // Whole screens, then the XRandR monitors that are not the whole screen (Xvfb's own
    // output monitor is, and is not listed twice).
    let monitors: Vec<&str> = surfaces
        .iter()
        .filter(|s| s.surface.kind == SurfaceKind::Monitor)
        .map(|s| s.surface.id.as_str())
        .collect();
    assert_eq!(
        monitors,
        [
            "x11-screen0",
            "x11-screen0-LEFT",
            "x11-screen0-RIGHT",
            "x11-screen1"
        ]
    );
    let window = find(&|s| s.surface.kind == SurfaceKind::Window);
    assert_eq!(window.surface.label, "Red window ✓");
    assert_eq!((window.surface.width, window.surface.height), (320, 240));
    assert_eq!(
        window.capture,
        Capture::Window {
            screen: 1,
            xid: win
        }
    );
    assert!(!window.surface.logical);
    assert_eq!(
        surfaces
            .iter()
            .filter(|s| s.surface.kind == SurfaceKind::Window)
            .count(),
        1
    );

    let capture = |s: &x11::X11Surface| {
        grab(x11::create_source(Some(&x.display), &s.capture, false, "x").unwrap())
    };
    let red = (0, 0, 255);
    let black = (0, 0, 0);
    let f = capture(&second);
    assert_eq!((f.0, f.1), (640, 480));
    assert_eq!(pixel(&f, 10, 10), black);
    assert_eq!(pixel(&f, 200, 100), red);
    assert_eq!(pixel(&f, 519, 339), red);
    assert_eq!(pixel(&f, 520, 340), black);
    // Each XRandR monitor is its own surface, captured at its own size and place.
    let left = find(&|s| s.surface.id == "x11-screen0-LEFT");
    let right = find(&|s| s.surface.id == "x11-screen0-RIGHT");
    assert_eq!(left.surface.label, "Monitor LEFT (800x720)");
    assert_eq!(left.surface.kind, SurfaceKind::Monitor);
    let f = capture(&left);
    assert_eq!((f.0, f.1), (800, 720));
    assert_eq!(pixel(&f, 150, 150), black);
    // The right monitor through the source opened ahead on its screen (as the first capture
    // of a process is): the region is set after the display was opened.
    let screen0 = x11::display_name(Some(&x.display), 0).unwrap();
    let kept = x11_ahead::Ahead::begin(&screen0)
        .expect("nothing opened ahead yet")
        .open();
    let ahead = kept.source().expect("opened ahead");
    let source = x11::create_source(Some(&x.display), &right.capture, false, "r").unwrap();
    assert_eq!(source, ahead, "the capture uses the source opened ahead");
    assert_eq!(source.name(), "r");
    assert!(x11_ahead::take(&screen0).is_none(), "used once");
    kept.close_unused_after(Duration::from_secs(5));
    // Opened ahead again and not used: closed once its time is up (its display answers).
    let unused = x11_ahead::Ahead::begin(&screen0).unwrap().open();
    let weak = unused.source().expect("opened ahead").downgrade();
    unused.close_unused_after(Duration::from_millis(10));
    assert!(weak.upgrade().is_none(), "closed, not leaked");
    assert!(x11_ahead::take(&screen0).is_none());
    let f = grab(source);
    assert_eq!((f.0, f.1), (480, 720));
    let green_px = (0, 255, 0);
    assert_eq!(
        pixel(&f, 150, 150),
        green_px,
        "the square at (900, 100) of the screen"
    );
    assert_eq!(pixel(&f, 50, 50), black);
    let f = capture(&first);
    assert_eq!((f.0, f.1), (1280, 720));
    assert_eq!(
        pixel(&f, 300, 200),
        black,
        "the window is on the other screen"
    );
    let f = capture(&window);
    assert_eq!((f.0, f.1), (320, 240));
    assert_eq!(pixel(&f, 0, 0), red);
    assert_eq!(pixel(&f, 319, 239), red);
    // A region of a screen: its top-left quarter.
    let quarter = Capture::Region {
        screen: 1,
        x: 320,
        y: 240,
        width: 320,
        height: 240,
    };
    let f = grab(x11::create_source(Some(&x.display), &quarter, false, "q").unwrap());
    assert_eq!((f.0, f.1), (320, 240));
    assert_eq!(pixel(&f, 0, 0), red, "(320, 240) is inside the window");
    assert_eq!(pixel(&f, 200, 100), black, "(520, 340) is outside");

    // displaymediasrc: the window, whole and red; the first screen, downscaled within a max.
    // Setting `constraints` opened an ximagesrc on screen 0 ahead: a window capture opens its
    // own, a screen capture uses it.
    const USED_AHEAD: &str = "uses the ximagesrc opened ahead";
    let (frame, log) = launch_frame(&x.display, "{video: {displaySurface: 'window'}}", 320, 240);
    assert!(
        log.contains("opened ahead in") && log.contains(": kept"),
        "{log}"
    );
    assert!(!log.contains(USED_AHEAD), "{log}");
    let f = (320, 240, frame);
    assert_eq!(pixel(&f, 0, 0), red);
    assert_eq!(pixel(&f, 160, 120), red);
    assert_eq!(pixel(&f, 319, 239), red);
    let (frame, log) = launch_frame(&x.display, "{video: {width: {max: 640}}}", 640, 360);
    assert!(log.contains(USED_AHEAD), "{log}");
    let f = (640, 360, frame);
    assert_eq!(pixel(&f, 320, 180), black, "screen 0 is empty");

    // A window resized while captured: the track goes on at the size it was given.
    let display = x.display.clone();
    let run = std::thread::spawn(move || {
        common::run_tool(
            "gst-launch-1.0",
            &[
                "displaymediasrc",
                "constraints={video: {displaySurface: 'window'}}",
                "!",
                "identity",
                "eos-after=45",
                "!",
                "video/x-raw,width=320,height=240",
                "!",
                "fakesink",
            ],
            &[
                ("DISPLAY", &display),
                ("WAYLAND_DISPLAY", ""),
                (
                    "DBUS_SESSION_BUS_ADDRESS",
                    "unix:path=/nonexistent/usermedia-no-bus",
                ),
            ],
        )
    });
    // Mid-way through the 1.5 s of frames.
    std::thread::sleep(Duration::from_millis(700));
    conn.configure_window(win, &ConfigureWindowAux::new().width(400).height(300))
        .unwrap();
    conn.sync().unwrap();
    let o = run.join().unwrap();
    assert!(o.status.success(), "{}", common::output_text(&o));
    drop(conn);
}
