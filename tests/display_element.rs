// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `displaymediasrc` on fake displays: every getDisplayMedia rule through a real pipeline —
//! TypeErrors naming the key, aspect-preserving downscale, decimation, the default rate,
//! `displaySurface` ordering, permission, applyConstraints, and a surface going away.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use common::live::{Live, size_of, str_field};
use gst::prelude::*;

const SCREEN: &str = r#"{"kind": "display", "deviceId": "screen0", "label": "Screen",
    "displaySurface": "monitor",
    "caps": "video/x-raw,format=BGRx,width=1920,height=1080,framerate=60/1"}"#;
const WINDOW: &str = r#"{"kind": "display", "deviceId": "win0", "label": "Editor",
    "displaySurface": "window",
    "caps": "video/x-raw,format=BGRx,width=640,height=480,framerate=[1/1,60/1]"}"#;
const TAB: &str = r#"{"kind": "display", "deviceId": "tab0", "label": "A tab",
    "displaySurface": "browser",
    "caps": "video/x-raw,format=BGRx,width=320,height=240,framerate=30/1"}"#;
const MIC: &str = r#"{"kind": "audioinput", "deviceId": "mic0",
    "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}"#;
const OUTPUT: &str = r#"{"kind": "audiooutput", "deviceId": "speakers", "label": "Speakers",
    "caps": "audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=2"}"#;
const CAM: &str = r#"{"kind": "videoinput", "deviceId": "cam0",
    "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}"#;

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = common::tempfile_path("displays.json");
        common::write_atomically(
            &path,
            &format!("[{CAM}, {SCREEN}, {WINDOW}, {TAB}, {MIC}, {OUTPUT}]"),
        );
        path
    })
}

fn init() {
    common::init(Some(&format!("@{}", file().display())));
}

fn run(constraints: &str, configure: impl FnOnce(&gst::Element)) -> common::Observed {
    common::run_factory(
        "displaymediasrc",
        constraints,
        configure,
        12,
        Duration::from_secs(10),
    )
}

/// Mean spacing of the timestamps of the buffers seen on `video_0`, in milliseconds.
fn mean_spacing_ms(o: &common::Observed) -> f64 {
    let pts: Vec<u64> = o.buffers["video_0"]
        .iter()
        .filter_map(|(p, _)| p.map(|p| p.mseconds()))
        .collect();
    assert!(pts.len() >= 6, "{pts:?}");
    // The first buffers can be irregular (live start); measure the rest.
    let tail = &pts[2..];
    (tail[tail.len() - 1] - tail[0]) as f64 / (tail.len() - 1) as f64
}

#[test]
fn defaults_capture_the_first_monitor_at_thirty() {
    init();
    let o = run("{video: true}", |_| {});
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.pads, ["video_0"]);
    assert_eq!(size_of(o.video_caps()), (1920, 1080));
    let v = &o.settings["video"];
    assert_eq!(v["deviceId"], "screen0");
    assert_eq!(v["label"], "Screen");
    assert_eq!(v["displaySurface"], "monitor");
    assert_eq!(v["logicalSurface"], true);
    assert_eq!(v["cursor"], "never");
    assert_eq!(v["frameRate"], 30.0);
    // A 60 fps surface decimated to 30.
    assert_eq!(v["resizeMode"], "crop-and-scale");
    let spacing = mean_spacing_ms(&o);
    assert!(
        (28.0..40.0).contains(&spacing),
        "{spacing} ms between frames"
    );
    let c = &o.capabilities["video"];
    assert_eq!(c["width"]["max"], 1920.0);
    assert_eq!(c["frameRate"]["max"], 60.0);
    assert_eq!(c["displaySurface"], "monitor");
}

#[test]
fn max_width_downscales_keeping_the_aspect_ratio() {
    init();
    let o = run("{video: {width: {max: 1280}}}", |_| {});
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(size_of(o.video_caps()), (1280, 720));
    let v = &o.settings["video"];
    assert_eq!(
        (v["width"].clone(), v["height"].clone()),
        (1280.into(), 720.into())
    );
    assert!((v["aspectRatio"].as_f64().unwrap() - 16.0 / 9.0).abs() < 1e-3);
    // Never a crop: every delivered frame is whole BGRx 1280x720.
    assert!(
        o.buffers["video_0"]
            .iter()
            .all(|(_, size)| *size == 1280 * 720 * 4)
    );
    assert!(
        !o.children_added.iter().any(|c| c == "video_crop"),
        "{:?}",
        o.children_added
    );
}

#[test]
fn max_frame_rate_decimates() {
    init();
    let o = run("{video: {frameRate: {max: 15}}}", |_| {});
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.settings["video"]["frameRate"], 15.0);
    assert_eq!(
        o.video_caps().get::<gst::Fraction>("framerate").unwrap(),
        gst::Fraction::new(15, 1)
    );
    let spacing = mean_spacing_ms(&o);
    assert!(
        (60.0..75.0).contains(&spacing),
        "{spacing} ms between frames"
    );
    // Frames are dropped before they would be scaled: no scaler at full size.
    assert!(o.children_added.iter().any(|c| c == "video_rate"));
}

#[test]
fn display_surface_orders_the_choice() {
    init();
    let o = run("{video: {displaySurface: 'window'}}", |_| {});
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    let v = &o.settings["video"];
    assert_eq!(v["deviceId"], "win0");
    assert_eq!(v["displaySurface"], "window");
    assert_eq!(v["logicalSurface"], false);
    // A surface that paces itself is captured at the rate wanted: nothing dropped.
    assert_eq!(v["resizeMode"], "none");
    assert!(
        v["deviceCaps"]
            .as_str()
            .unwrap()
            .contains("framerate=(fraction)30/1"),
        "{v}"
    );
    assert_eq!(size_of(o.video_caps()), (640, 480));
}

#[test]
fn disallowed_options_are_type_errors_naming_the_key() {
    init();
    for (constraints, key) in [
        ("{video: false}", "video"),
        ("{video: false, audio: true}", "video"),
        ("{video: {width: {min: 640}}}", "video.width.min"),
        ("{video: {frameRate: {exact: 30}}}", "video.frameRate.exact"),
        ("{video: {advanced: [{width: 640}]}}", "video.advanced"),
        (
            "{video: {displaySurface: {exact: 'window'}}}",
            "video.displaySurface",
        ),
        ("{video: {height: 'big'}}", "video.height"),
        ("{systemAudio: 'maybe'}", "systemAudio"),
    ] {
        let o = run(constraints, |_| {});
        let e = o
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("{constraints}: no error"));
        assert_eq!(e.name, "TypeError", "{constraints}: {e:?}");
        assert!(e.message.contains(key), "{constraints}: {}", e.message);
        assert!(o.pads.is_empty(), "{constraints}");
    }
}

#[test]
fn a_max_below_the_floor_is_overconstrained() {
    init();
    let o = run("{video: {frameRate: {max: 0.5}}}", |_| {});
    let e = o.error.expect("an error");
    assert_eq!(e.name, "OverconstrainedError");
    assert_eq!(e.constraint.as_deref(), Some("frameRate"));
}

#[test]
fn permission_denied_opens_nothing() {
    init();
    let o = run("{video: true}", |src| {
        src.set_property_from_str("permission", "denied")
    });
    assert_eq!(o.error_name(), Some("NotAllowedError"));
    assert!(o.pads.is_empty());
    assert!(o.children_added.is_empty(), "{:?}", o.children_added);
}

#[test]
fn the_prompt_names_the_surface() {
    init();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = asked.clone();
    let o = run("{video: {displaySurface: 'window'}}", move |src| {
        src.set_property_from_str("permission", "prompt");
        src.connect("request-permission", false, move |args| {
            let s = args[1].get::<gst::Structure>().unwrap();
            *seen.lock().unwrap() = Some(s);
            Some(true.to_value())
        });
    });
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    let s = asked
        .lock()
        .unwrap()
        .clone()
        .expect("request-permission emitted");
    assert_eq!(s.name(), "usermedia-permission-request");
    assert!(s.get::<bool>("video").unwrap());
    assert!(!s.get::<bool>("audio").unwrap());
    assert_eq!(str_field(&s, "video-label"), "Editor");
    assert_eq!(str_field(&s, "displaySurface"), "window");

    let o = run("{video: true}", |src| {
        src.set_property_from_str("permission", "prompt");
        src.connect("request-permission", false, |_| Some(false.to_value()));
    });
    assert_eq!(o.error_name(), Some("NotAllowedError"));
}

/// System audio is the output's monitor, never the microphone, captured as played (no
/// processing unless asked for); `systemAudio: 'exclude'` leaves it out.
#[test]
fn system_audio_is_the_outputs_monitor() {
    init();
    let o = run("{video: true, audio: true}", |_| {});
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.pads, ["video_0", "audio_0"]);
    assert!(o.buffers["audio_0"].len() >= 3, "{:?}", o.buffers.keys());
    let a = &o.settings["audio"];
    assert_eq!(a["deviceId"], "speakers", "{a}");
    assert_eq!(a["label"], "Speakers");
    assert_eq!(a["channelCount"], 2);
    assert_eq!(a["echoCancellation"], false);
    assert_eq!(a["autoGainControl"], false);

    let o = run("{video: true, audio: true, systemAudio: 'exclude'}", |_| {});
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.pads, ["video_0"]);
    assert!(o.settings.get("audio").is_none());

    // An output is never a microphone, even when listed before one.
    let o = common::run_factory(
        "usermediasrc",
        "{audio: {deviceId: {exact: 'speakers'}}}",
        |_| {},
        3,
        Duration::from_secs(10),
    );
    assert_eq!(
        o.error_name(),
        Some("OverconstrainedError"),
        "{:?}",
        o.error
    );
}

#[test]
fn restore_token_is_kept() {
    init();
    let src = gst::ElementFactory::make("displaymediasrc")
        .property("restore-token", "abc")
        .build()
        .unwrap();
    assert_eq!(
        src.property::<Option<String>>("restore-token").as_deref(),
        Some("abc")
    );
    assert_eq!(src.property::<String>("settings"), "{}");
}

#[test]
fn apply_constraints_rescales_the_running_track() {
    init();
    let live = Live::start_factory("displaymediasrc", "{video: true}", |_| {}, false);
    live.buffers_with_caps("video_0", 2, |s| size_of(s) == (1920, 1080));
    live.apply("{video: {width: {max: 640}}}");
    let (_, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (640, 360));
    assert!(bufs.iter().all(|b| b.size == 640 * 360 * 4));
    assert_eq!(live.settings()["video"]["width"], 640);
    // Still getDisplayMedia's rules: a min is refused, and nothing changes.
    live.apply("{video: {width: {min: 100}}}");
    let warning = live.problems(true);
    assert_eq!(warning.len(), 1, "{warning:?}");
    assert_eq!(str_field(&warning[0], "name"), "TypeError");
    assert_eq!(live.settings()["video"]["width"], 640);
    live.assert_no_problems();
    live.stop();
}

#[test]
fn a_surface_that_goes_away_ends_the_track() {
    init();
    let live = Live::start_factory(
        "displaymediasrc",
        "{video: {displaySurface: 'browser'}}",
        |_| {},
        false,
    );
    live.more("video_0", 3);
    assert_eq!(live.settings()["video"]["deviceId"], "tab0");
    common::write_atomically(
        file(),
        &format!("[{CAM}, {SCREEN}, {WINDOW}, {MIC}, {OUTPUT}]"),
    );
    let (at, ended) = live
        .wait_element_message("usermedia-track-ended", Duration::from_secs(3), |_| true)
        .expect("usermedia-track-ended");
    live.assert_unplug_ended_video(&ended, at, "tab0");
    assert!(live.settings().get("video").is_none());
    live.assert_no_problems();
    live.stop();
    common::write_atomically(
        file(),
        &format!("[{CAM}, {SCREEN}, {WINDOW}, {TAB}, {MIC}, {OUTPUT}]"),
    );
}

/// Pages written for the legacy APIs asked getUserMedia for screens: usermediasrc captures
/// them as getDisplayMedia would, with a microphone beside when `audio` asks for one.
#[test]
fn usermediasrc_captures_screens_asked_in_legacy_forms() {
    init();
    let user = |constraints: &str| {
        common::run_factory(
            "usermediasrc",
            constraints,
            |_| {},
            6,
            Duration::from_secs(10),
        )
    };
    let o = user("{video: {mediaSource: 'window'}}");
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.pads, ["video_0"]);
    assert_eq!(o.settings["video"]["deviceId"], "win0");
    assert_eq!(o.settings["video"]["displaySurface"], "window");

    let o = user(
        "{audio: true, video: {mandatory: {chromeMediaSource: 'screen', maxWidth: 1280, \
         maxHeight: 720}}}",
    );
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.pads, ["video_0", "audio_0"]);
    assert_eq!(o.settings["video"]["deviceId"], "screen0");
    assert_eq!(size_of(o.video_caps()), (1280, 720));
    // The microphone, not the output's monitor.
    assert_eq!(o.settings["audio"]["deviceId"], "mic0");
    assert!(o.buffers["audio_0"].len() >= 3);

    // Chrome's desktop audio is what the output plays.
    let o = user(
        "{audio: {mandatory: {chromeMediaSource: 'desktop'}}, \
         video: {mandatory: {chromeMediaSource: 'desktop'}}}",
    );
    assert_eq!(o.error_name(), None, "{:?}", o.error);
    assert_eq!(o.pads, ["video_0", "audio_0"]);
    assert_eq!(o.settings["audio"]["deviceId"], "speakers");

    // getDisplayMedia's rules hold.
    let o = user("{video: {mediaSource: 'screen', width: {exact: 640}}}");
    assert_eq!(o.error_name(), Some("TypeError"), "{:?}", o.error);
}

/// A key displaymediasrc does not know is named on the bus, as usermediasrc names its own.
#[test]
fn an_unknown_option_is_a_warning_naming_the_nearest_key() {
    init();
    let src = gst::ElementFactory::make("displaymediasrc")
        .property("constraints", "{video: {heigth: {max: 240}}}")
        .build()
        .unwrap();
    let pipeline = gst::Pipeline::new();
    pipeline.add(&src).unwrap();
    pipeline.set_state(gst::State::Paused).unwrap();
    let bus = pipeline.bus().unwrap();
    let warning = bus
        .iter_timed_filtered(
            gst::ClockTime::from_seconds(5),
            &[gst::MessageType::Warning, gst::MessageType::Error],
        )
        .find_map(|m| match m.view() {
            gst::MessageView::Warning(w) => w.details().map(|d| d.to_owned()),
            _ => panic!("{m:?}"),
        })
        .expect("a warning");
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(warning.name(), "usermedia-warning");
    assert_eq!(warning.get::<&str>("key").unwrap(), "video.heigth");
    assert_eq!(warning.get::<&str>("suggestion").unwrap(), "height");
}
