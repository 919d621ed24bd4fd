// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Fake devices from an inline GST_USERMEDIA_FAKE_DEVICES: enumeration, DeviceMonitor,
//! gst-device-monitor-1.0, real media from the fake sources, busy/denied failures.

mod common;

use std::time::{Duration, Instant};

use common::device::{Capture, caps};
use common::init as init_with;
use gst::prelude::*;
use gstusermedia::device::{self, DeviceEntry};
use gstusermedia::engine::{Capture as Modes, Kind, ValueSet};

const DEVICES: &str = r#"[
  {"kind": "videoinput", "deviceId": "cam0", "label": "Front camera", "groupId": "g0",
   "facingMode": "user",
   "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1; image/jpeg,width=1920,height=1080,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "mic0", "label": "Fake microphone", "groupId": "g0",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"},
  {"kind": "videoinput", "deviceId": "cam1", "label": "Range camera", "facingMode": "environment",
   "caps": "video/x-raw,format={YUY2,NV12},width=[160,1920],height=[120,1080],framerate=[1/1,60/1]; video/x-raw,format=I420,width=[ 16, 4096, 16 ],height=[ 16, 2304, 16 ],framerate={30000/1001,15/1}"},
  {"kind": "audioinput", "deviceId": "mic1",
   "caps": "audio/x-raw,format={S16LE,F32LE},layout=interleaved,rate=[1,384000],channels=[1,32]"},
  {"kind": "videoinput", "deviceId": "busycam", "label": "Busy camera", "error": "busy",
   "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "deniedmic", "label": "Denied microphone", "error": "denied",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}
]"#;

fn init() {
    init_with(Some(DEVICES));
}

fn entry(id: &str) -> DeviceEntry {
    device::find(id).unwrap_or_else(|| panic!("no device {id}"))
}

#[test]
fn enumerate_lists_fake_devices_in_order() {
    init();
    let entries = device::enumerate();
    let ids: Vec<_> = entries.iter().map(|e| e.info.device_id.as_str()).collect();
    assert_eq!(
        ids,
        ["cam0", "cam1", "busycam", "mic0", "mic1", "deniedmic"]
    );
    assert!(device::uses_fake_devices());

    let cam0 = &entries[0];
    assert_eq!(cam0.info.label, "Front camera");
    assert_eq!(cam0.info.group_id, "g0");
    assert_eq!(cam0.info.facing_mode.as_deref(), Some("user"));
    assert_eq!(cam0.provider, "usermediafakedeviceprovider");
    let Modes::Video(modes) = &cam0.info.capture else {
        panic!("cam0 is a camera")
    };
    assert_eq!(modes.len(), 2);
    assert_eq!(cam0.structures.len(), 2);
    assert_eq!(modes[0].format, "YUY2");
    assert!(!modes[0].compressed);
    assert_eq!(modes[1].format, "image/jpeg");
    assert!(modes[1].compressed);
    assert_eq!(modes[1].width, ValueSet::Fixed(1920.0));

    let cam1 = &entries[1];
    assert_eq!(
        cam1.info.group_id, "cam1",
        "no groupId: the device is its own group"
    );
    assert_eq!(cam1.info.facing_mode.as_deref(), Some("environment"));
    let Modes::Video(modes) = &cam1.info.capture else {
        panic!("cam1 is a camera")
    };
    let formats: Vec<_> = modes.iter().map(|m| m.format.as_str()).collect();
    assert_eq!(formats, ["YUY2", "NV12", "I420"]);
    assert_eq!(
        modes[2].width,
        ValueSet::Range {
            min: 16.0,
            max: 4096.0,
            step: 16.0
        }
    );

    let mic0 = &entries[3];
    assert_eq!(mic0.info.kind(), Kind::Audio);
    assert_eq!(mic0.info.group_id, "g0");
    let Modes::Audio(audio) = &mic0.info.capture else {
        panic!("mic0 is a microphone")
    };
    assert_eq!(audio.modes.len(), 1);
    assert_eq!(audio.modes[0].sample_size, 16);
    assert_eq!(audio.modes[0].sample_rate, ValueSet::Fixed(48000.0));
    assert!(audio.default_latency > 0.0);
    assert_eq!(entries[4].info.label, "mic1", "no label: the deviceId");

    // The system default is the first of each kind.
    for (e, default) in entries.iter().zip([true, false, false, true, false, false]) {
        let props = e.gst_device.properties().unwrap();
        assert_eq!(
            props.get::<bool>("is-default").unwrap(),
            default,
            "{}",
            e.info.device_id
        );
        assert!(props.get::<bool>("usermedia.fake").unwrap());
    }
}

#[test]
fn enumerate_is_cheap_after_the_first_call() {
    init();
    let _ = device::enumerate();
    let t = Instant::now();
    for _ in 0..100 {
        assert_eq!(device::enumerate().len(), 6);
    }
    let each = t.elapsed() / 100;
    eprintln!("enumerate() after the first call: {each:?}");
    assert!(each < Duration::from_millis(5), "{each:?}");
}

#[test]
fn device_monitor_sees_fake_devices() {
    init();
    let monitor = gst::DeviceMonitor::new();
    assert!(monitor.add_filter(Some("Video/Source"), None).is_some());
    assert!(monitor.add_filter(Some("Audio/Source"), None).is_some());
    monitor.start().unwrap();
    let devices = monitor.devices();
    monitor.stop();
    let names: Vec<String> = devices.iter().map(|d| d.display_name().into()).collect();
    for name in [
        "Front camera",
        "Range camera",
        "Busy camera",
        "Fake microphone",
        "mic1",
        "Denied microphone",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing in {names:?}"
        );
    }
    // Real providers are hidden while fake devices are configured.
    assert!(
        devices.iter().all(|d| d
            .properties()
            .is_some_and(|p| p.get::<bool>("usermedia.fake").unwrap_or(false))),
        "{names:?}"
    );
    let cam = devices
        .iter()
        .find(|d| d.display_name() == "Front camera")
        .unwrap();
    assert!(cam.has_classes("Video/Source"));
    let mic = devices
        .iter()
        .find(|d| d.display_name() == "Fake microphone")
        .unwrap();
    assert!(mic.has_classes("Audio/Source"));
    let element = cam.create_element(None).unwrap();
    assert_eq!(element.factory().unwrap().name(), "usermediafakesrc");
    assert_eq!(
        element.property::<Option<String>>("device-id").as_deref(),
        Some("cam0")
    );
}

#[test]
fn raw_mode_delivers_exact_frames() {
    init();
    let cam0 = entry("cam0");
    let src = device::create_source(&cam0, "cam").unwrap();
    let fixed = cam0.video_caps(0, 640, 480, 30.0).unwrap();
    assert_eq!(
        fixed,
        caps("video/x-raw,format=YUY2,width=640,height=480,framerate=30/1")
    );
    let capture = Capture::new(&src, &fixed, &[]);
    capture.play();
    let mut last_pts = None;
    for _ in 0..3 {
        let sample = capture.pull(Duration::from_secs(5));
        assert!(sample.caps().unwrap().is_subset(&fixed));
        let buffer = sample.buffer().unwrap();
        assert_eq!(buffer.size(), 614400);
        let pts = buffer.pts().expect("live frames are timestamped");
        assert!(last_pts.is_none_or(|p| pts > p));
        last_pts = Some(pts);
    }
}

#[test]
fn ranges_fix_to_any_value_inside() {
    init();
    let cam1 = entry("cam1");
    // NV12 at 1280x720, 24 fps: inside the ranges, not at a bound.
    let fixed = cam1.video_caps(1, 1280, 720, 24.0).unwrap();
    let src = device::create_source(&cam1, "cam").unwrap();
    let capture = Capture::new(&src, &fixed, &[]);
    capture.play();
    let sample = capture.pull(Duration::from_secs(5));
    assert_eq!(sample.buffer().unwrap().size(), 1280 * 720 * 3 / 2);
    assert!(sample.caps().unwrap().is_subset(&fixed));
    drop(capture);

    // I420 on the 16-pixel grid at NTSC rate.
    let fixed = cam1.video_caps(2, 352, 288, 30000.0 / 1001.0).unwrap();
    assert_eq!(
        fixed,
        caps("video/x-raw,format=I420,width=352,height=288,framerate=30000/1001")
    );
    let src = device::create_source(&cam1, "cam").unwrap();
    let capture = Capture::new(&src, &fixed, &[]);
    capture.play();
    let sample = capture.pull(Duration::from_secs(5));
    assert_eq!(sample.buffer().unwrap().size(), 352 * 288 * 3 / 2);
}

#[test]
fn jpeg_mode_is_really_jpeg() {
    init();
    let cam0 = entry("cam0");
    let fixed = cam0.video_caps(1, 1920, 1080, 30.0).unwrap();
    assert_eq!(
        fixed,
        caps("image/jpeg,width=1920,height=1080,framerate=30/1")
    );
    let src = device::create_source(&cam0, "cam").unwrap();
    let dec = gst::ElementFactory::make("jpegdec").build().unwrap();

    // Look at the encoded frames on their way into the decoder.
    let soi = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let soi_probe = soi.clone();
    dec.static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                let map = buffer.map_readable().unwrap();
                soi_probe
                    .lock()
                    .unwrap()
                    .push((map.len(), map.get(..2).map(|b| b.to_vec())));
            }
            gst::PadProbeReturn::Ok
        });
    let capture = Capture::new(&src, &fixed, &[&dec]);
    capture.play();
    let sample = capture.pull(Duration::from_secs(10));
    let decoded = gst_video::VideoInfo::from_caps(sample.caps().unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1920, 1080));
    assert_eq!(sample.buffer().unwrap().size(), decoded.size());

    let seen = soi.lock().unwrap();
    assert!(!seen.is_empty());
    for (len, head) in seen.iter() {
        assert_eq!(head.as_deref(), Some(&[0xFF, 0xD8][..]), "JPEG SOI marker");
        // Compressed: far smaller than the raw frame.
        assert!(*len < 1920 * 1080, "{len}");
    }
}

#[test]
fn audio_is_timestamped() {
    init();
    let mic0 = entry("mic0");
    let fixed = mic0.audio_caps(0, 48000, 1).unwrap();
    assert_eq!(
        fixed,
        caps("audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1")
    );
    let src = device::create_source(&mic0, "mic").unwrap();
    device::set_audio_latency(&src, 0.02);
    let capture = Capture::new(&src, &fixed, &[]);
    capture.play();
    let mut last: Option<gst::ClockTime> = None;
    for _ in 0..5 {
        let sample = capture.pull(Duration::from_secs(5));
        let buffer = sample.buffer().unwrap();
        // 20 ms of 16-bit mono at 48 kHz.
        assert_eq!(buffer.size(), 960 * 2);
        let pts = buffer.pts().expect("audio buffers carry a PTS");
        assert_eq!(buffer.duration(), Some(20 * gst::ClockTime::MSECOND));
        if let Some(p) = last {
            assert_eq!(pts - p, 20 * gst::ClockTime::MSECOND);
        }
        last = Some(pts);
    }
}

#[test]
fn audio_range_mode() {
    init();
    let mic1 = entry("mic1");
    let fixed = mic1.audio_caps(1, 44100, 2).unwrap();
    assert_eq!(
        fixed,
        caps("audio/x-raw,format=F32LE,layout=interleaved,rate=44100,channels=2")
    );
    let src = device::create_source(&mic1, "mic").unwrap();
    let capture = Capture::new(&src, &fixed, &[]);
    capture.play();
    let sample = capture.pull(Duration::from_secs(5));
    assert!(sample.caps().unwrap().is_subset(&fixed));
    // 10 ms default buffers: 441 frames of 2 × f32.
    assert_eq!(sample.buffer().unwrap().size(), 441 * 8);
}

fn open_error(id: &str, fixed: &gst::Caps) -> gst::glib::Error {
    let e = entry(id);
    let src = device::create_source(&e, "dev").unwrap();
    let capture = Capture::new(&src, fixed, &[]);
    assert!(capture.pipeline.set_state(gst::State::Playing).is_err());
    capture
        .error(Duration::from_secs(1))
        .expect("an error on the bus")
}

#[test]
fn busy_device_fails_like_a_busy_camera() {
    init();
    let err = open_error(
        "busycam",
        &caps("video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"),
    );
    assert!(err.matches(gst::ResourceError::Busy), "{err:?}");
    assert_eq!(err.message(), "Device is busy");
}

#[test]
fn denied_device_fails_like_an_os_refusal() {
    init();
    let err = open_error(
        "deniedmic",
        &caps("audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"),
    );
    assert!(err.matches(gst::ResourceError::NotAuthorized), "{err:?}");
    assert_eq!(err.message(), "Permission denied");
}

#[test]
fn element_by_name_finds_its_entry() {
    init();
    // As gst-launch-1.0 would build it from gst-device-monitor's launch line.
    let pipeline = gst::parse::launch(
        "usermediafakesrc device-id=cam0 ! video/x-raw,format=YUY2,width=640,height=480,framerate=30/1 ! appsink name=sink sync=false",
    )
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = pipeline.by_name("sink").unwrap();
    let capture = Capture { pipeline, sink };
    capture.play();
    assert_eq!(
        capture
            .pull(Duration::from_secs(5))
            .buffer()
            .unwrap()
            .size(),
        614400
    );
    drop(capture);

    let pipeline = gst::parse::launch("usermediafakesrc device-id=nosuch ! fakesink")
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let capture = Capture {
        sink: pipeline.by_name("fakesink0").unwrap(),
        pipeline,
    };
    assert!(capture.pipeline.set_state(gst::State::Playing).is_err());
    let err = capture.error(Duration::from_secs(1)).unwrap();
    assert!(err.matches(gst::ResourceError::NotFound), "{err:?}");
}

#[test]
fn modes_outside_the_device_are_refused() {
    init();
    let cam0 = entry("cam0");
    assert!(cam0.video_caps(0, 1280, 720, 30.0).is_err());
    assert!(cam0.video_caps(0, 640, 480, 60.0).is_err());
    assert!(cam0.video_caps(7, 640, 480, 30.0).is_err());
}

#[test]
fn gst_device_monitor_tool_lists_fake_devices() {
    init();
    let out = common::run_tool(
        "gst-device-monitor-1.0",
        &["Video/Source", "Audio/Source"],
        &[(common::FAKE_ENV, DEVICES)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "name  : Front camera",
        "name  : Range camera",
        "name  : Fake microphone",
        "class : Video/Source",
        "class : Audio/Source",
        "usermedia.device-id = cam0",
        "usermediafakesrc device-id=cam0",
        "usermediafakesrc device-id=mic1",
    ] {
        assert!(stdout.contains(needle), "{needle:?} missing in:\n{stdout}");
    }
}
