// SPDX-License-Identifier: MPL-2.0
//! usermediasrc through real pipelines on fake devices: selection, native modes, decoding,
//! crop/scale, decimation, audio, errors and permission.

mod common;

use common::{Observed, run_src};
use gst::prelude::*;
use std::time::Duration;

const DEVICES: &str = r#"[
  {"kind": "videoinput", "deviceId": "cam-vga", "label": "VGA camera", "groupId": "g0",
   "facingMode": "user", "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-hd", "label": "HD camera",
   "caps": "video/x-raw,format=YUY2,width=1280,height=720,framerate=10/1; image/jpeg,width=1920,height=1080,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-range", "label": "Range camera",
   "caps": "video/x-raw,format=I420,width=[160,1920],height=[120,1080],framerate=[1/1,60/1]"},
  {"kind": "videoinput", "deviceId": "cam-busy", "label": "Busy camera", "error": "busy",
   "caps": "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-denied", "label": "Locked camera", "error": "denied",
   "caps": "video/x-raw,format=YUY2,width=352,height=288,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "mic0", "label": "Mono mic", "groupId": "g0",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"},
  {"kind": "audioinput", "deviceId": "mic1", "label": "Range mic",
   "caps": "audio/x-raw,format={S16LE,F32LE},layout=interleaved,rate=[8000,96000],channels=[1,2]"}
]"#;

fn init() {
    common::init_with_fake_devices(DEVICES);
}

fn run(constraints: &str) -> Observed {
    init();
    run_src(constraints, |_| (), 5, Duration::from_secs(10))
}

fn int(s: &gst::StructureRef, f: &str) -> i32 {
    s.get::<i32>(f)
        .unwrap_or_else(|e| panic!("{f} in {s}: {e}"))
}

#[test]
fn default_constraints_open_the_default_camera_natively() {
    let o = run(r#"{"video": true}"#);
    assert!(o.error.is_none(), "{:?}", o.error);
    let s = o.video_caps();
    assert_eq!(s.name(), "video/x-raw");
    assert_eq!(s.get::<&str>("format").unwrap(), "YUY2");
    assert_eq!((int(s, "width"), int(s, "height")), (640, 480));
    assert_eq!(
        s.get::<gst::Fraction>("framerate").unwrap(),
        gst::Fraction::new(30, 1)
    );
    let sizes: Vec<usize> = o.buffers["video_0"].iter().map(|b| b.1).collect();
    assert!(
        sizes.len() >= 5 && sizes.iter().all(|&n| n == 640 * 480 * 2),
        "{sizes:?}"
    );
    let v = &o.settings["video"];
    assert_eq!(v["deviceId"], "cam-vga");
    assert_eq!(v["groupId"], "g0");
    assert_eq!(v["width"], 640);
    assert_eq!(v["height"], 480);
    assert_eq!(v["frameRate"], 30.0);
    assert_eq!(v["facingMode"], "user");
    assert_eq!(v["resizeMode"], "none");
    assert_eq!(v["label"], "VGA camera");
    let caps: gst::Caps = v["deviceCaps"].as_str().unwrap().parse().unwrap();
    assert!(caps.is_fixed(), "{caps}");
    assert_eq!(o.capabilities["video"]["deviceId"], "cam-vga");
    assert_eq!(o.capabilities["video"]["width"]["max"], 640.0);
    assert_eq!(o.pads, vec!["video_0".to_string()]);
}

#[test]
fn an_ideal_inside_a_capture_range_is_met_natively() {
    let o = run(
        "{video: {deviceId: {exact: 'cam-range'}, width: {exact: 1280}, height: 720, frameRate: 24}}",
    );
    assert!(o.error.is_none(), "{:?}", o.error);
    let s = o.video_caps();
    assert_eq!((int(s, "width"), int(s, "height")), (1280, 720));
    assert_eq!(
        s.get::<gst::Fraction>("framerate").unwrap(),
        gst::Fraction::new(24, 1)
    );
    // I420 1280x720, no rescale: the native mode itself.
    assert!(
        o.buffers["video_0"]
            .iter()
            .all(|b| b.1 == 1280 * 720 * 3 / 2)
    );
    let v = &o.settings["video"];
    assert_eq!(v["resizeMode"], "none");
    let native: gst::Caps = v["deviceCaps"].as_str().unwrap().parse().unwrap();
    let n = native.structure(0).unwrap();
    assert_eq!((int(n, "width"), int(n, "height")), (1280, 720));
    assert!(
        !o.children_added.iter().any(|c| c.contains("scale")),
        "{:?}",
        o.children_added
    );
}

#[test]
fn mjpeg_native_mode_is_decoded_to_raw() {
    let o = run("{video: {deviceId: {exact: 'cam-hd'}, width: {min: 1920}}}");
    assert!(o.error.is_none(), "{:?}", o.error);
    let s = o.video_caps();
    assert_eq!(s.name(), "video/x-raw");
    assert_eq!((int(s, "width"), int(s, "height")), (1920, 1080));
    let native = o.settings["video"]["deviceCaps"].as_str().unwrap();
    assert!(native.starts_with("image/jpeg"), "{native}");
    assert_eq!(o.settings["video"]["width"], 1920);
}

#[test]
fn crop_and_scale_deliver_exactly_the_reported_size() {
    let o =
        run("{video: {deviceId: {exact: 'cam-vga'}, width: {exact: 320}, height: {exact: 180}}}");
    assert!(o.error.is_none(), "{:?}", o.error);
    let s = o.video_caps();
    assert_eq!((int(s, "width"), int(s, "height")), (320, 180));
    assert!(
        o.buffers["video_0"].iter().all(|b| b.1 == 320 * 180 * 2),
        "{:?}",
        o.buffers
    );
    let v = &o.settings["video"];
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(320), Some(180))
    );
    assert_eq!(v["resizeMode"], "crop-and-scale");
    let native: gst::Caps = v["deviceCaps"].as_str().unwrap().parse().unwrap();
    assert_eq!(int(native.structure(0).unwrap(), "width"), 640);
}

#[test]
fn frame_rate_decimation_delivers_the_reported_rate() {
    init();
    let o = run_src(
        "{video: {deviceId: {exact: 'cam-vga'}, frameRate: {max: 15}}}",
        |_| (),
        16,
        Duration::from_secs(10),
    );
    assert!(o.error.is_none(), "{:?}", o.error);
    let s = o.video_caps();
    assert_eq!(
        s.get::<gst::Fraction>("framerate").unwrap(),
        gst::Fraction::new(15, 1)
    );
    assert_eq!(o.settings["video"]["frameRate"], 15.0);
    // 16 buffers at 15 fps span ~1 s of timestamps (at 30 fps they would span 0.5 s).
    let pts: Vec<gst::ClockTime> = o.buffers["video_0"].iter().filter_map(|b| b.0).collect();
    let span = *pts.last().unwrap() - pts[0];
    let per_frame = span.nseconds() / (pts.len() as u64 - 1);
    assert!(
        (60_000_000..=72_000_000).contains(&per_frame),
        "{per_frame} ns per frame"
    );
}

#[test]
fn audio_track_flows_with_timestamps() {
    let o = run("{audio: true}");
    assert!(o.error.is_none(), "{:?}", o.error);
    let caps = o.caps["audio_0"].structure(0).unwrap().to_owned();
    assert_eq!(caps.name(), "audio/x-raw");
    let pts: Vec<_> = o.buffers["audio_0"].iter().map(|b| b.0).collect();
    assert!(pts.iter().all(Option::is_some), "{pts:?}");
    assert!(pts.windows(2).all(|w| w[0] < w[1]), "{pts:?}");
    let a = &o.settings["audio"];
    assert_eq!(a["deviceId"], "mic0");
    assert_eq!(a["sampleRate"].as_u64().unwrap() as i32, int(&caps, "rate"));
    assert_eq!(
        a["channelCount"].as_u64().unwrap() as i32,
        int(&caps, "channels")
    );
    assert_eq!(o.pads, vec!["audio_0".to_string()]);
}

#[test]
fn audio_and_video_from_one_element() {
    let o = run("{video: true, audio: {echoCancellation: false}}");
    assert!(o.error.is_none(), "{:?}", o.error);
    let mut pads = o.pads.clone();
    pads.sort();
    assert_eq!(pads, vec!["audio_0".to_string(), "video_0".to_string()]);
    assert!(o.buffers["audio_0"].len() >= 5 && o.buffers["video_0"].len() >= 5);
    assert_eq!(o.settings["audio"]["echoCancellation"], false);
    let active: Vec<_> = o
        .element_messages
        .iter()
        .filter(|s| s.name() == "usermedia-capture" && s.get::<bool>("active").unwrap())
        .map(|s| s.get::<String>("kind").unwrap())
        .collect();
    assert!(
        active.contains(&"videoinput".to_string()) && active.contains(&"audioinput".to_string())
    );
    let inactive = o
        .element_messages
        .iter()
        .filter(|s| s.name() == "usermedia-capture" && !s.get::<bool>("active").unwrap())
        .count();
    assert_eq!(inactive, 2, "{:?}", o.element_messages);
}

#[test]
fn malformed_constraints_are_a_type_error() {
    for c in [
        "{video:",
        "{}",
        "{video: false, audio: false}",
        "{video: {width: 'big'}}",
    ] {
        let o = run(c);
        let e = o
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("no error for {c}"));
        assert_eq!(e.name, "TypeError", "{c}: {e:?}");
        assert!(e.gerror.matches(gst::LibraryError::Settings), "{c}: {e:?}");
        assert!(!e.message.is_empty());
        assert!(o.children_added.is_empty());
    }
}

#[test]
fn overconstrained_names_the_constraint_and_lists_the_devices() {
    let o = run("{video: {width: {min: 4000}}}");
    let e = o.error.expect("error");
    assert_eq!(e.name, "OverconstrainedError");
    assert_eq!(e.constraint.as_deref(), Some("width"));
    assert!(e.gerror.matches(gst::ResourceError::Settings));
    for cam in ["cam-vga", "cam-hd", "cam-range"] {
        assert!(e.message.contains(cam), "{cam} not in {}", e.message);
    }
    assert!(o.children_added.is_empty());
}

#[test]
fn busy_device_is_not_readable() {
    let o = run("{video: {deviceId: {exact: 'cam-busy'}}}");
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotReadableError", "{e:?}");
    assert!(e.gerror.matches(gst::ResourceError::Busy));
}

#[test]
fn os_refusal_is_not_allowed() {
    let o = run("{video: {deviceId: {exact: 'cam-denied'}}}");
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotAllowedError", "{e:?}");
    assert!(e.gerror.matches(gst::ResourceError::NotAuthorized));
}

#[test]
fn permission_denied_opens_nothing() {
    init();
    let o = run_src(
        "{video: true, audio: true}",
        |e| e.set_property_from_str("permission", "denied"),
        1,
        Duration::from_secs(5),
    );
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotAllowedError");
    assert!(e.gerror.matches(gst::ResourceError::NotAuthorized));
    assert!(o.children_added.is_empty(), "{:?}", o.children_added);
    assert!(o.pads.is_empty());
    let states: Vec<String> = o
        .element_messages
        .iter()
        .filter(|s| s.name() == "usermedia-permission")
        .map(|s| s.get::<String>("state").unwrap())
        .collect();
    assert_eq!(states, vec!["denied".to_string()]);
}

#[test]
fn prompt_answered_no_opens_nothing() {
    init();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<gst::Structure>::new()));
    let asked2 = asked.clone();
    let o = run_src(
        "{video: true, audio: true}",
        move |e| {
            e.set_property_from_str("permission", "prompt");
            e.connect("request-permission", false, move |args| {
                asked2
                    .lock()
                    .unwrap()
                    .push(args[1].get::<gst::Structure>().unwrap());
                Some(false.to_value())
            });
        },
        1,
        Duration::from_secs(5),
    );
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotAllowedError");
    assert!(o.children_added.is_empty(), "{:?}", o.children_added);
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 1);
    let req = &asked[0];
    assert_eq!(req.name(), "usermedia-permission-request");
    assert!(req.get::<bool>("video").unwrap() && req.get::<bool>("audio").unwrap());
    assert_eq!(req.get::<String>("video-label").unwrap(), "VGA camera");
    assert_eq!(req.get::<String>("audio-label").unwrap(), "Mono mic");
    let states: Vec<String> = o
        .element_messages
        .iter()
        .filter(|s| s.name() == "usermedia-permission")
        .map(|s| s.get::<String>("state").unwrap())
        .collect();
    assert_eq!(states, vec!["prompt".to_string(), "denied".to_string()]);
}

#[test]
fn prompt_without_handler_is_denied() {
    init();
    let o = run_src(
        "{video: true}",
        |e| e.set_property_from_str("permission", "prompt"),
        1,
        Duration::from_secs(5),
    );
    assert_eq!(o.error_name(), Some("NotAllowedError"));
    assert!(o.children_added.is_empty());
}

#[test]
fn prompt_answered_yes_streams() {
    init();
    let o = run_src(
        "{video: true}",
        |e| {
            e.set_property_from_str("permission", "prompt");
            e.connect("request-permission", false, |_| Some(true.to_value()));
        },
        3,
        Duration::from_secs(10),
    );
    assert!(o.error.is_none(), "{:?}", o.error);
    assert!(o.buffers["video_0"].len() >= 3);
}

#[test]
fn overconstrained_request_never_prompts() {
    init();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let asked2 = asked.clone();
    let o = run_src(
        "{video: {frameRate: {exact: 1000}}}",
        move |e| {
            e.set_property_from_str("permission", "prompt");
            e.connect("request-permission", false, move |_| {
                asked2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Some(true.to_value())
            });
        },
        1,
        Duration::from_secs(5),
    );
    assert_eq!(o.error_name(), Some("OverconstrainedError"));
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// Runs `{audio: ...}` in a pipeline that may also hold a playback path with a
/// webrtcechoprobe; returns (settings, webrtcdsp's echo-cancel if a processor was built, error).
fn run_with_playback_probe(
    constraints: &str,
    with_probe: bool,
) -> (serde_json::Value, Option<bool>, Option<String>) {
    init();
    let desc = if with_probe {
        "audiotestsrc is-live=true ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! webrtcechoprobe name=farend ! fakesink sync=false"
    } else {
        "audiotestsrc is-live=true ! fakesink sync=false"
    };
    let pipeline = gst::parse::launch(desc)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let src = gst::ElementFactory::make("usermediasrc")
        .property("constraints", constraints)
        .build()
        .unwrap();
    pipeline.add(&src).unwrap();
    common::link_new_pads(&pipeline, &src, "fakesink sync=false", |_, _| ());
    let _ = pipeline.set_state(gst::State::Playing);
    let bus = pipeline.bus().unwrap();
    let mut error = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        match bus.timed_pop(gst::ClockTime::from_mseconds(50)) {
            Some(msg) => match msg.view() {
                gst::MessageView::Error(e) => {
                    error = e
                        .details()
                        .and_then(|d| d.get::<String>("name").ok())
                        .or_else(|| Some(e.error().to_string()));
                    break;
                }
                gst::MessageView::StateChanged(s)
                    if s.src() == Some(pipeline.upcast_ref())
                        && s.current() == gst::State::Playing =>
                {
                    break;
                }
                _ => (),
            },
            None => continue,
        }
    }
    let settings: serde_json::Value =
        serde_json::from_str(&src.property::<String>("settings")).unwrap();
    let dsp = src
        .downcast_ref::<gst::Bin>()
        .unwrap()
        .by_name("audio_processing")
        .map(|d| d.property::<bool>("echo-cancel"));
    pipeline.set_state(gst::State::Null).unwrap();
    (settings, dsp, error)
}

#[test]
fn echo_cancellation_uses_the_playback_probe_of_the_pipeline() {
    let (settings, dsp, error) = run_with_playback_probe("{audio: true}", true);
    assert_eq!(error, None);
    assert_eq!(settings["audio"]["echoCancellation"], true, "{settings}");
    assert_eq!(
        dsp,
        Some(true),
        "a webrtcdsp cancelling echo is in the chain"
    );
    assert_eq!(settings["audio"]["sampleRate"], 48000);
}

#[test]
fn without_a_far_end_reference_echo_cancellation_is_off() {
    let (settings, dsp, error) = run_with_playback_probe("{audio: true}", false);
    assert_eq!(error, None);
    assert_eq!(settings["audio"]["echoCancellation"], false, "{settings}");
    assert_ne!(dsp, Some(true));
    let (_, _, error) =
        run_with_playback_probe("{audio: {echoCancellation: {exact: true}}}", false);
    assert_eq!(error.as_deref(), Some("OverconstrainedError"));
}
