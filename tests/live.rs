// SPDX-License-Identifier: MPL-2.0
//! Live tracks on fake devices (an `@file` device list, so tests can hot-plug): applyConstraints
//! (caps-only, tail rebuild, native mode change, device switch, failure), devicechange,
//! unplug, failover, enabled, and a burst of constraint changes.

mod common;

use common::live as harness;

use harness::{Live, int, size_of, str_field};

use gst::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const BASE_DEVICES: &[&str] = &[
    r#"{"kind": "videoinput", "deviceId": "live-vga", "label": "VGA camera", "groupId": "g-vga",
        "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"}"#,
    r#"{"kind": "videoinput", "deviceId": "live-multi", "label": "Two-mode camera",
        "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1; video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1"}"#,
    r#"{"kind": "videoinput", "deviceId": "live-b", "label": "Second camera", "groupId": "g-b",
        "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}"#,
    r#"{"kind": "videoinput", "deviceId": "live-busy", "label": "Busy camera", "error": "busy",
        "caps": "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1"}"#,
    r#"{"kind": "audioinput", "deviceId": "mic-live", "label": "Live mic",
        "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}"#,
    r#"{"kind": "audioinput", "deviceId": "mic-range", "label": "Range mic",
        "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=[8000,96000],channels=[1,2]"}"#,
];

// ---------------------------------------------------------------------------------------------
// The device file: base devices plus what tests plug in (unique ids per test).

struct DeviceFile {
    path: PathBuf,
    extra: Mutex<Vec<(String, String)>>,
}

fn devices() -> &'static DeviceFile {
    static FILE: OnceLock<DeviceFile> = OnceLock::new();
    FILE.get_or_init(|| {
        let f = DeviceFile {
            path: common::tempfile_path("live-devices.json"),
            extra: Mutex::new(Vec::new()),
        };
        f.write(&[]);
        f
    })
}

impl DeviceFile {
    fn write(&self, extra: &[(String, String)]) {
        let all: Vec<&str> = BASE_DEVICES
            .iter()
            .copied()
            .chain(extra.iter().map(|(_, j)| j.as_str()))
            .collect();
        common::write_atomically(&self.path, &format!("[{}]", all.join(",\n")));
    }

    /// Plugs a device in and waits until the device layer lists it.
    fn plug(&self, id: &str, json: String) {
        let mut extra = self.extra.lock().unwrap();
        extra.push((id.to_string(), json));
        self.write(&extra);
        drop(extra);
        let t = Instant::now();
        while gstusermedia::device::find(id).is_none() {
            assert!(t.elapsed() < Duration::from_secs(5), "{id} never appeared");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Unplugs a device; returns when the file was rewritten.
    fn unplug(&self, id: &str) -> Instant {
        let mut extra = self.extra.lock().unwrap();
        extra.retain(|(i, _)| i != id);
        self.write(&extra);
        Instant::now()
    }
}

fn camera(id: &str, caps: &str) -> String {
    format!(
        r#"{{"kind": "videoinput", "deviceId": "{id}", "label": "Plugged {id}", "caps": "{caps}"}}"#
    )
}

/// Plays a usermediasrc on the fake devices.
fn start(constraints: &str, configure: impl FnOnce(&gst::Element), sync: bool) -> Live {
    init();
    Live::start(constraints, configure, sync)
}

/// Plugs in a 320x240 camera `id` and plays a usermediasrc on exactly it.
fn start_on_plugged_camera(id: &str) -> Live {
    devices().plug(
        id,
        camera(
            id,
            "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1",
        ),
    );
    start(
        &format!("{{video: {{deviceId: {{exact: '{id}'}}}}}}"),
        |_| (),
        false,
    )
}

fn init() {
    let d = devices();
    common::init_with_fake_devices(&format!("@{}", d.path.display()));
}

// ---------------------------------------------------------------------------------------------
// applyConstraints

#[test]
fn caps_only_change_keeps_every_element() {
    let live = start(
        "{video: {deviceId: {exact: 'live-vga'}, width: {exact: 320}, height: {exact: 240}}}",
        |_| (),
        false,
    );
    let (caps, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (320, 240));
    assert!(
        bufs.iter().all(|b| b.size == 320 * 240 * 2),
        "{caps}: {bufs:?}"
    );
    let source = live.child("video_source").unwrap();
    let scaler = live
        .child("video_scale")
        .expect("scaler for a resized track");
    let native = live.settings()["video"]["deviceCaps"].clone();
    let notifies = live.with(|r| r.settings_notifies);

    let t = Instant::now();
    let call = live.apply(
        "{video: {deviceId: {exact: 'live-vga'}, width: {exact: 160}, height: {exact: 120}}}",
    );
    let (_, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (160, 120));
    let visible = live.with(|r| *r.caps_at["video_0"].last().unwrap()) - t;
    assert!(bufs.iter().all(|b| b.size == 160 * 120 * 2), "{bufs:?}");
    eprintln!(
        "caps-only applyConstraints: set_property {call:?}, new caps downstream after {visible:?}"
    );

    let v = &live.settings()["video"];
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(160), Some(120))
    );
    assert_eq!(v["deviceCaps"], native, "the device was not reopened");
    assert!(
        live.with(|r| r.settings_notifies) > notifies,
        "notify::settings"
    );
    assert_eq!(live.child("video_source").unwrap(), source);
    assert_eq!(live.child("video_scale").unwrap(), scaler);
    assert_eq!(
        live.src.property::<String>("constraints"),
        "{video: {deviceId: {exact: 'live-vga'}, width: {exact: 160}, height: {exact: 120}}}"
    );
    assert!(live.problems(true).is_empty(), "{:?}", live.problems(true));
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    live.stop();
}

#[test]
fn first_resize_adds_a_scaler_then_changes_are_caps_only() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    live.buffers_with_caps("video_0", 2, |s| size_of(s) == (640, 480));
    assert!(
        live.child("video_scale").is_none(),
        "native delivery has no scaler"
    );
    let source = live.child("video_source").unwrap();

    let call = live.apply(
        "{video: {deviceId: {exact: 'live-vga'}, width: {exact: 320}, height: {exact: 180}}}",
    );
    let (_, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (320, 180));
    assert!(bufs.iter().all(|b| b.size == 320 * 180 * 2), "{bufs:?}");
    eprintln!("tail rebuild (scaler inserted): set_property {call:?}");
    assert_eq!(
        live.child("video_source").unwrap(),
        source,
        "device kept open"
    );
    let scaler = live.child("video_scale").expect("scaler inserted");

    // Back to the native size: the scaler stays, in passthrough.
    live.apply("{video: {deviceId: {exact: 'live-vga'}}}");
    let (_, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (640, 480));
    assert!(bufs.iter().all(|b| b.size == 640 * 480 * 2));
    assert_eq!(live.child("video_scale").unwrap(), scaler);
    assert_eq!(live.settings()["video"]["resizeMode"], "none");

    // Decimation switches videorate in.
    live.apply("{video: {deviceId: {exact: 'live-vga'}, frameRate: {max: 15}}}");
    let (caps, _) = live.buffers_with_caps("video_0", 1, |s| {
        s.get::<gst::Fraction>("framerate").ok() == Some(gst::Fraction::new(15, 1))
    });
    let bufs = live.more("video_0", 8);
    let pts: Vec<_> = bufs.iter().filter_map(|b| b.pts).collect();
    let per_frame = (*pts.last().unwrap() - pts[0]).nseconds() / (pts.len() as u64 - 1);
    assert!(
        (60_000_000..=72_000_000).contains(&per_frame),
        "{caps}: {per_frame} ns"
    );
    assert_eq!(live.settings()["video"]["frameRate"], 15.0);
    assert_eq!(
        live.child("video_source").unwrap(),
        source,
        "device kept open"
    );
    live.stop();
}

#[test]
fn native_mode_change_reopens_the_same_device() {
    let live = start(
        "{video: {deviceId: {exact: 'live-multi'}, width: 640, height: 480}}",
        |_| (),
        false,
    );
    live.buffers_with_caps("video_0", 2, |s| size_of(s) == (640, 480));
    let source = live.child("video_source").unwrap();
    let call = live.apply("{video: {deviceId: {exact: 'live-multi'}, width: {min: 1280}}}");
    eprintln!("native mode change (same device reopened): set_property {call:?}");
    let (_, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (1280, 720));
    assert!(bufs.iter().all(|b| b.size == 1280 * 720 * 2), "{bufs:?}");
    let v = live.settings()["video"].clone();
    assert_eq!(v["deviceId"], "live-multi");
    assert!(
        v["deviceCaps"]
            .as_str()
            .unwrap()
            .contains("width=(int)1280"),
        "{v}"
    );
    assert_ne!(live.child("video_source").unwrap(), source, "reopened");
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    assert!(live.with(|r| r.pads_removed.is_empty()));
    assert!(live.problems(false).is_empty());
    live.stop();
}

#[test]
fn device_switch_by_device_id_keeps_the_pad() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    let before = live.more("video_0", 3);
    let t = Instant::now();
    let call = live.apply("{video: {deviceId: {exact: 'live-b'}}}");
    let (caps, after) = live.buffers_with_caps("video_0", 3, |s| {
        s.get::<&str>("format").ok() == Some("I420") && size_of(s) == (320, 240)
    });
    assert!(
        after.iter().all(|b| b.size == 320 * 240 * 3 / 2),
        "{caps}: {after:?}"
    );
    let visible = live.with(|r| *r.caps_at["video_0"].last().unwrap()) - t;
    eprintln!("device switch: set_property {call:?}, new caps downstream after {visible:?}");
    let v = live.settings()["video"].clone();
    assert_eq!(v["deviceId"], "live-b");
    assert_eq!(v["label"], "Second camera");
    assert_eq!(v["groupId"], "g-b");
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    assert!(live.with(|r| r.pads_removed.is_empty()));
    // The running time goes on.
    let last_before = before.iter().filter_map(|b| b.pts).max().unwrap();
    let first_after = after.iter().filter_map(|b| b.pts).min().unwrap();
    assert!(
        first_after > last_before,
        "{first_after} after {last_before}"
    );
    let captures: Vec<(String, bool)> = live
        .element_messages("usermedia-capture")
        .iter()
        .map(|s| (str_field(s, "deviceId"), s.get::<bool>("active").unwrap()))
        .collect();
    assert!(
        captures.contains(&("live-vga".into(), false)),
        "{captures:?}"
    );
    assert!(captures.contains(&("live-b".into(), true)), "{captures:?}");
    assert!(live.problems(false).is_empty());
    live.stop();
}

#[test]
fn failed_apply_warns_and_the_old_settings_keep_flowing() {
    let initial =
        "{video: {deviceId: {exact: 'live-vga'}, width: {exact: 320}, height: {exact: 240}}}";
    let live = start(initial, |_| (), false);
    live.buffers_with_caps("video_0", 2, |s| size_of(s) == (320, 240));
    let settings = live.settings();
    let source = live.child("video_source").unwrap();
    let caps_events = live.with(|r| r.caps["video_0"].len());

    let cases = [
        (
            "{video: {deviceId: {exact: 'live-vga'}, width: {exact: 5000}}}",
            "OverconstrainedError",
            Some("width"),
        ),
        (
            "{video: {deviceId: {exact: 'live-busy'}}}",
            "NotReadableError",
            None,
        ),
        (
            "{video: {deviceId: {exact: 'no-such-camera'}}}",
            "OverconstrainedError",
            Some("deviceId"),
        ),
        ("{video:", "TypeError", None),
        ("{video: true, audio: true}", "TypeError", None),
        // A camera track does not become a screen capture.
        ("{video: {mediaSource: 'screen'}}", "TypeError", None),
    ];
    for (i, (c, name, constraint)) in cases.iter().enumerate() {
        live.apply(c);
        assert!(
            live.wait(Duration::from_secs(5), |r| r
                .messages
                .iter()
                .filter(|(_, m)| matches!(m.view(), gst::MessageView::Warning(_)))
                .count()
                > i),
            "no warning for {c}"
        );
        let w = live.problems(true)[i].clone();
        assert_eq!(w.name(), "usermedia-error");
        assert_eq!(str_field(&w, "name"), *name, "{c}: {w}");
        assert!(!str_field(&w, "message").is_empty());
        assert_eq!(
            w.get::<String>("constraint").ok().as_deref(),
            *constraint,
            "{c}: {w}"
        );
        assert_eq!(live.settings(), settings, "{c}");
        assert_eq!(live.src.property::<String>("constraints"), initial);
        let bufs = live.more("video_0", 3);
        assert!(
            bufs.iter().all(|b| b.size == 320 * 240 * 2),
            "{c}: {bufs:?}"
        );
    }
    assert_eq!(
        live.child("video_source").unwrap(),
        source,
        "never reopened"
    );
    assert_eq!(
        live.with(|r| r.caps["video_0"].len()),
        caps_events,
        "caps unchanged"
    );
    live.assert_no_problems();
    live.stop();
}

/// A change of a device-choosing constraint (here facingMode, as a page flipping between the
/// front and the back camera does) is getUserMedia again: another camera behind the same pad.
#[test]
fn a_facing_mode_change_switches_camera() {
    init();
    let caps = "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1";
    for (id, facing) in [("live-front", "user"), ("live-back", "environment")] {
        devices().plug(
            id,
            format!(
                r#"{{"kind": "videoinput", "deviceId": "{id}", "label": "{id}", "facingMode": "{facing}", "caps": "{caps}"}}"#
            ),
        );
    }
    let live = start("{video: {facingMode: {exact: 'user'}}}", |_| (), false);
    live.more("video_0", 2);
    assert_eq!(live.settings()["video"]["deviceId"], "live-front");
    live.apply("{video: {facingMode: {exact: 'environment'}}}");
    live.more("video_0", 2);
    let v = live.settings()["video"].clone();
    assert_eq!(v["deviceId"], "live-back");
    assert_eq!(v["facingMode"], "environment");
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    assert!(live.problems(false).is_empty() && live.problems(true).is_empty());
    live.stop();
}

#[test]
fn audio_sample_rate_change_reopens_the_microphone() {
    let live = start(
        "{audio: {deviceId: {exact: 'mic-range'}, sampleRate: {exact: 48000}}}",
        |_| (),
        false,
    );
    live.buffers_with_caps("audio_0", 3, |s| int(s, "rate") == 48000);
    let call = live.apply("{audio: {deviceId: {exact: 'mic-range'}, sampleRate: {exact: 16000}}}");
    eprintln!("audio native rate change: set_property {call:?}");
    let (caps, bufs) = live.buffers_with_caps("audio_0", 3, |s| int(s, "rate") == 16000);
    assert!(bufs.iter().all(|b| b.pts.is_some()), "{caps}: {bufs:?}");
    let a = live.settings()["audio"].clone();
    assert_eq!(a["sampleRate"], 16000, "{a}");
    assert!(
        a["deviceCaps"]
            .as_str()
            .unwrap()
            .contains("rate=(int)16000"),
        "{a}"
    );
    assert_eq!(live.with(|r| r.pads.clone()), ["audio_0"]);
    assert!(live.problems(false).is_empty() && live.problems(true).is_empty());
    live.stop();
}

#[test]
fn constraints_set_from_inside_a_swap_are_applied_afterwards() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    live.more("video_0", 2);
    // A handler that runs while the element swaps its source (element-added, on the thread
    // doing the swap) sets constraints again: no deadlock, applied once the swap is over.
    let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let weak = live.src.downgrade();
    {
        let fired = fired.clone();
        live.src
            .downcast_ref::<gst::Bin>()
            .unwrap()
            .connect_deep_element_added(move |_, _, e| {
                if e.name() == "video_source"
                    && !fired.swap(true, std::sync::atomic::Ordering::SeqCst)
                    && let Some(src) = weak.upgrade()
                {
                    src.set_property(
                        "constraints",
                        "{video: {deviceId: {exact: 'live-b'}, width: {exact: 160}, height: {exact: 120}}}",
                    );
                }
            });
    }
    live.apply("{video: {deviceId: {exact: 'live-multi'}}}");
    assert!(fired.load(std::sync::atomic::Ordering::SeqCst));
    let (_, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (160, 120));
    assert!(bufs.iter().all(|b| b.size == 160 * 120 * 3 / 2), "{bufs:?}");
    assert!(live.wait(Duration::from_secs(5), |_| true));
    let t = Instant::now();
    while live.settings()["video"]["deviceId"] != "live-b" {
        assert!(t.elapsed() < Duration::from_secs(5), "{}", live.settings());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(live.problems(false).is_empty() && live.problems(true).is_empty());
    live.stop();
}

/// What the always-present crop/scale elements cost per frame when they pass frames through,
/// next to a real downscale (measured between pad probes around them, one streaming thread).
#[test]
fn passthrough_elements_cost_per_frame() {
    init();
    let measure = |out: &str| -> Duration {
        let pipeline = gst::parse::launch(&format!(
            "videotestsrc num-buffers=600 pattern=black ! video/x-raw,format=YUY2,width=640,height=480,framerate=30/1 \
             ! videocrop name=first ! videoscale ! capsfilter caps={out} name=last ! fakesink sync=false"
        ))
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        let entered: Arc<Mutex<Option<Instant>>> = Arc::default();
        let spent: Arc<Mutex<Vec<Duration>>> = Arc::default();
        let first = pipeline
            .by_name("first")
            .unwrap()
            .static_pad("sink")
            .unwrap();
        let last = pipeline.by_name("last").unwrap().static_pad("src").unwrap();
        {
            let entered = entered.clone();
            first.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                *entered.lock().unwrap() = Some(Instant::now());
                gst::PadProbeReturn::Ok
            });
        }
        {
            let spent = spent.clone();
            last.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                if let Some(t) = entered.lock().unwrap().take() {
                    spent.lock().unwrap().push(t.elapsed());
                }
                gst::PadProbeReturn::Ok
            });
        }
        pipeline.set_state(gst::State::Playing).unwrap();
        let bus = pipeline.bus().unwrap();
        let msg = bus
            .timed_pop_filtered(
                gst::ClockTime::from_seconds(60),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            )
            .expect("EOS");
        assert_eq!(msg.type_(), gst::MessageType::Eos, "{msg:?}");
        pipeline.set_state(gst::State::Null).unwrap();
        let mut spent = spent.lock().unwrap().clone();
        // Skip negotiation and warm-up.
        spent.drain(..100);
        spent.sort();
        spent[spent.len() / 2]
    };
    let passthrough = measure("video/x-raw,width=640,height=480");
    let scaled = measure("video/x-raw,width=320,height=240");
    eprintln!(
        "videocrop+videoscale+capsfilter per frame (median): passthrough {passthrough:?}, 640x480→320x240 {scaled:?}"
    );
    assert!(passthrough < Duration::from_micros(200), "{passthrough:?}");
    assert!(passthrough < scaled);
}

/// Sets the pipeline to `state` and waits for it.
fn set_state(live: &Live, state: gst::State) {
    live.pipeline.set_state(state).unwrap();
    let (res, current, _) = live.pipeline.state(gst::ClockTime::from_seconds(5));
    assert!(res.is_ok() && current == state, "{res:?} {current:?}");
}

#[test]
fn a_device_change_set_while_paused_happens_on_playing() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    live.more("video_0", 3);
    // Going PAUSED, the sink may keep the streaming thread in its preroll with a frame.
    set_state(&live, gst::State::Paused);
    std::thread::sleep(Duration::from_millis(100));
    let call = live.apply("{video: {deviceId: {exact: 'live-b'}}}");
    assert!(call < Duration::from_secs(1), "{call:?}");
    assert_eq!(
        live.settings()["video"]["deviceId"],
        "live-vga",
        "nothing flows yet"
    );
    assert!(live.problems(true).is_empty());

    set_state(&live, gst::State::Playing);
    let (caps, bufs) = live.buffers_with_caps("video_0", 3, |s| {
        s.get::<&str>("format").ok() == Some("I420") && size_of(s) == (320, 240)
    });
    assert!(bufs.iter().all(|b| b.size == 320 * 240 * 3 / 2), "{caps}");
    assert_eq!(live.settings()["video"]["deviceId"], "live-b");
    assert_eq!(
        live.src.property::<String>("constraints"),
        "{video: {deviceId: {exact: 'live-b'}}}"
    );
    assert!(live.problems(false).is_empty() && live.problems(true).is_empty());
    live.stop();
}

#[test]
fn unplug_while_paused_ends_the_track_without_hanging() {
    init();
    let id = "plug-paused";
    let live = start_on_plugged_camera(id);
    live.more("video_0", 3);
    set_state(&live, gst::State::Paused);
    std::thread::sleep(Duration::from_millis(100));
    let unplugged = devices().unplug(id);
    let (at, _) = live
        .wait_element_message("usermedia-track-ended", Duration::from_secs(3), |_| true)
        .expect("usermedia-track-ended");
    assert!(
        at - unplugged < Duration::from_secs(1),
        "{:?}",
        at - unplugged
    );
    assert!(
        live.wait(Duration::from_secs(2), |r| r.eos.contains_key("video_0")),
        "EOS on video_0"
    );
    // The state machine still works.
    set_state(&live, gst::State::Playing);
    set_state(&live, gst::State::Ready);
    live.assert_no_problems();
    live.stop();
}

#[test]
fn constraints_set_in_ready_are_only_stored() {
    init();
    let src = gst::ElementFactory::make("usermediasrc").build().unwrap();
    src.set_state(gst::State::Ready).unwrap();
    src.set_property("constraints", "{video: {width: {exact: 99999}}}");
    assert_eq!(
        src.property::<String>("constraints"),
        "{video: {width: {exact: 99999}}}"
    );
    assert_eq!(src.property::<String>("settings"), "{}");
    src.set_state(gst::State::Null).unwrap();
}

// ---------------------------------------------------------------------------------------------
// devicechange, unplug, failover

#[test]
fn devicechange_after_permission_only() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    live.more("video_0", 1);
    // Another element that never started: no permission, no device events.
    let idle_pipeline = gst::Pipeline::new();
    let idle = gst::ElementFactory::make("usermediasrc").build().unwrap();
    idle_pipeline.add(&idle).unwrap();
    idle_pipeline.set_state(gst::State::Ready).unwrap();
    let idle_bus = idle_pipeline.bus().unwrap();

    let id = "plug-devicechange";
    devices().plug(
        id,
        camera(
            id,
            "video/x-raw,format=I420,width=160,height=120,framerate=15/1",
        ),
    );
    let (_, added) = live
        .wait_element_message("usermedia-devicechange", Duration::from_secs(3), |s| {
            s.get::<&str>("deviceId").ok() == Some(id)
        })
        .expect("devicechange for the added camera");
    assert_eq!(str_field(&added, "change"), "added");
    assert_eq!(str_field(&added, "kind"), "videoinput");
    assert_eq!(str_field(&added, "label"), format!("Plugged {id}"));

    devices().unplug(id);
    let (_, removed) = live
        .wait_element_message("usermedia-devicechange", Duration::from_secs(3), |s| {
            s.get::<&str>("deviceId").ok() == Some(id)
                && s.get::<&str>("change").ok() == Some("removed")
        })
        .expect("devicechange for the removed camera");
    assert_eq!(str_field(&removed, "kind"), "videoinput");
    // The running track is untouched.
    live.more("video_0", 2);

    std::thread::sleep(Duration::from_millis(300));
    while let Some(msg) = idle_bus.pop() {
        if let gst::MessageView::Element(e) = msg.view() {
            assert_ne!(
                e.structure().map(|s| s.name().as_str()),
                Some("usermedia-devicechange"),
                "an element without permission saw {msg:?}"
            );
        }
    }
    idle_pipeline.set_state(gst::State::Null).unwrap();
    live.stop();
}

#[test]
fn unplug_ends_the_track_then_eos() {
    init();
    let id = "plug-unplug";
    let live = start_on_plugged_camera(id);
    live.more("video_0", 3);

    let unplugged = devices().unplug(id);
    let (ended_at, ended) = live
        .wait_element_message("usermedia-track-ended", Duration::from_secs(3), |_| true)
        .expect("usermedia-track-ended");
    let latency = ended_at - unplugged;
    eprintln!("unplug → usermedia-track-ended: {latency:?}");
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    live.assert_unplug_ended_video(&ended, ended_at, id);
    let count = live.count("video_0");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(live.count("video_0"), count, "nothing after EOS");
    live.assert_no_problems();
    assert!(
        live.settings().get("video").is_none(),
        "{}",
        live.settings()
    );
    assert!(
        live.element_messages("usermedia-capture")
            .iter()
            .any(|s| str_field(s, "deviceId") == id && !s.get::<bool>("active").unwrap())
    );
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    live.stop();
}

/// Posts `n` read errors as the source element inside usermediasrc would when its device fails.
fn fail_source(live: &Live, n: usize) {
    let child = live.child("video_source").expect("video_source");
    for _ in 0..n {
        let msg =
            gst::message::Error::builder(gst::ResourceError::Read, "Could not read from resource.")
                .src(&child)
                .debug("poll error: No such device")
                .build();
        let _ = child.post_message(msg);
    }
}

#[test]
fn a_failing_source_whose_device_goes_away_only_ends_the_track() {
    init();
    let id = "plug-failing";
    let live = start_on_plugged_camera(id);
    live.more("video_0", 3);
    // A dying source: errors, then EOS from the source side, then the device list notices.
    fail_source(&live, 3);
    let split = live
        .child("video_device_caps")
        .unwrap()
        .static_pad("src")
        .unwrap();
    split.push_event(gst::event::Eos::new());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        live.with(|r| r.eos.is_empty()),
        "the source's EOS was held back"
    );
    let unplugged = devices().unplug(id);
    let (ended_at, ended) = live
        .wait_element_message("usermedia-track-ended", Duration::from_secs(3), |_| true)
        .expect("usermedia-track-ended");
    eprintln!(
        "failing source, then unplug → track-ended: {:?}",
        ended_at - unplugged
    );
    assert_eq!(str_field(&ended, "deviceId"), id);
    assert!(live.wait(Duration::from_secs(2), |r| r.eos.contains_key("video_0")));
    assert!(live.with(|r| r.eos["video_0"]) >= ended_at);
    std::thread::sleep(Duration::from_millis(1700));
    live.assert_no_problems();
    live.stop();
}

#[test]
fn a_failing_source_whose_device_stays_is_one_error() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    live.more("video_0", 3);
    let t = Instant::now();
    fail_source(&live, 5);
    assert!(
        live.wait(Duration::from_secs(5), |r| r
            .messages
            .iter()
            .any(|(_, m)| matches!(m.view(), gst::MessageView::Error(_)))),
        "the error is posted"
    );
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(1400),
        "posted after {waited:?}"
    );
    std::thread::sleep(Duration::from_millis(2000));
    let errors = live.problems(false);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].name(), "usermedia-error");
    assert_eq!(str_field(&errors[0], "name"), "AbortError");
    assert!(str_field(&errors[0], "message").contains("Could not read"));
    assert!(live.element_messages("usermedia-track-ended").is_empty());
    live.stop();
}

#[test]
fn failover_continues_on_the_same_pad() {
    init();
    let id = "plug-failover";
    devices().plug(
        id,
        camera(
            id,
            "video/x-raw,format=I420,width=800,height=600,framerate=30/1",
        ),
    );
    let live = start(
        &format!("{{video: {{deviceId: '{id}', width: {{max: 800}}}}}}"),
        |e| e.set_property("failover", true),
        false,
    );
    let (caps, _) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (800, 600));
    assert_eq!(live.settings()["video"]["deviceId"], id, "{caps}");

    let unplugged = devices().unplug(id);
    let (at, fo) = live
        .wait_element_message("usermedia-failover", Duration::from_secs(3), |_| true)
        .expect("usermedia-failover");
    eprintln!("unplug → failover done: {:?}", at - unplugged);
    assert_eq!(str_field(&fo, "kind"), "videoinput");
    assert_eq!(str_field(&fo, "from"), id);
    let to = str_field(&fo, "to");
    assert_ne!(to, id);
    let v = live.settings()["video"].clone();
    assert_eq!(v["deviceId"], to.as_str());
    let (w, h) = (
        v["width"].as_u64().unwrap() as i32,
        v["height"].as_u64().unwrap() as i32,
    );
    let (caps, bufs) = live.buffers_with_caps("video_0", 3, |s| size_of(s) == (w, h));
    assert!(!bufs.is_empty(), "{caps}");
    assert!(live.element_messages("usermedia-track-ended").is_empty());
    assert!(live.with(|r| r.eos.is_empty()));
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    live.assert_no_problems();
    live.stop();
}

// ---------------------------------------------------------------------------------------------
// enabled

#[test]
fn disabled_video_is_black_with_the_same_caps_and_timing() {
    let live = start("{video: {deviceId: {exact: 'live-vga'}}}", |_| (), false);
    let before = live.more("video_0", 3);
    assert!(
        before.iter().all(|b| b.uniform.is_none()),
        "a test pattern is not uniform"
    );
    let caps_events = live.with(|r| r.caps["video_0"].len());

    live.src.set_property("video-enabled", false);
    let (_, off) = live
        .wait_element_message("usermedia-capture", Duration::from_secs(2), |s| {
            !s.get::<bool>("active").unwrap()
        })
        .expect("capture inactive");
    assert_eq!(str_field(&off, "deviceId"), "live-vga");
    // The first buffers after the switch may have been in flight already.
    live.more("video_0", 2);
    let black = live.more("video_0", 6);
    assert!(
        black
            .iter()
            .all(|b| b.uniform == Some((16, 128)) && b.size == 640 * 480 * 2),
        "{black:?}"
    );
    let pts: Vec<_> = black.iter().filter_map(|b| b.pts).collect();
    assert_eq!(pts.len(), black.len(), "timestamps kept");
    assert!(
        pts.windows(2).all(|w| {
            let d = (w[1] - w[0]).nseconds();
            (25_000_000..=42_000_000).contains(&d)
        }),
        "{pts:?}"
    );
    assert_eq!(
        live.with(|r| r.caps["video_0"].len()),
        caps_events,
        "no new caps"
    );

    live.src.set_property("video-enabled", true);
    live.wait_element_message("usermedia-capture", Duration::from_secs(2), |s| {
        s.get::<bool>("active").unwrap() && s.get::<&str>("deviceId").ok() == Some("live-vga")
    });
    live.more("video_0", 2);
    assert!(live.more("video_0", 3).iter().all(|b| b.uniform.is_none()));
    live.stop();
}

#[test]
fn disabled_audio_is_silent_from_the_start() {
    let live = start(
        "{audio: {deviceId: {exact: 'mic-live'}}}",
        |e| e.set_property("audio-enabled", false),
        false,
    );
    let silent = live.more("audio_0", 5);
    assert!(
        silent.iter().all(|b| b.uniform == Some((0, 0))),
        "{silent:?}"
    );
    let captures = live.element_messages("usermedia-capture");
    assert!(
        captures.iter().all(|s| !s.get::<bool>("active").unwrap()),
        "{captures:?}"
    );
    live.src.set_property("audio-enabled", true);
    live.more("audio_0", 3);
    assert!(live.more("audio_0", 5).iter().any(|b| b.uniform.is_none()));
    assert!(
        live.element_messages("usermedia-capture")
            .iter()
            .any(|s| s.get::<bool>("active").unwrap())
    );
    live.stop();
}

// ---------------------------------------------------------------------------------------------
// Many changes

#[test]
fn hundred_rapid_constraint_changes() {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let done = done.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if t.elapsed() > Duration::from_secs(60) {
                    eprintln!("hundred_rapid_constraint_changes: deadlock? not done in 60 s");
                    std::process::abort();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    }
    let live = start("{video: {deviceId: {exact: 'live-multi'}}}", |_| (), true);
    live.more("video_0", 2);
    let steps = [
        "{video: {deviceId: {exact: 'live-multi'}, width: {exact: 320}, height: {exact: 240}}}",
        "{video: {deviceId: {exact: 'live-multi'}, width: {exact: 480}, height: {exact: 360}}}",
        "{video: {deviceId: {exact: 'live-multi'}, width: {exact: 160}, height: {exact: 90}, frameRate: {max: 10}}}",
        "{video: {deviceId: {exact: 'live-multi'}, width: {min: 1280}}}",
        "{video: {deviceId: {exact: 'live-multi'}, width: {exact: 1000}}}",
        "{video: {deviceId: {exact: 'live-b'}}}",
        "{video: {deviceId: {exact: 'live-multi'}, width: {exact: 8000}}}",
        "{video: {deviceId: {exact: 'live-multi'}}}",
    ];
    let mut times: Vec<Duration> = Vec::new();
    let t = Instant::now();
    for i in 0..100 {
        times.push(live.apply(steps[i % steps.len()]));
    }
    let total = t.elapsed();
    times.sort();
    eprintln!(
        "100 applyConstraints: {total:?} in all; per call median {:?}, max {:?}",
        times[50], times[99]
    );
    let last =
        "{video: {deviceId: {exact: 'live-multi'}, width: {exact: 320}, height: {exact: 240}}}";
    live.apply(last);
    let (_, bufs) = live.buffers_with_caps("video_0", 5, |s| size_of(s) == (320, 240));
    assert!(bufs.iter().all(|b| b.size == 320 * 240 * 2));
    let v = live.settings()["video"].clone();
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(v["deviceId"], "live-multi");
    // Only the impossible step failed.
    let warnings = live.problems(true);
    let impossible = (0..100)
        .filter(|i| steps[i % steps.len()].contains("8000"))
        .count();
    assert_eq!(warnings.len(), impossible, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .all(|w| str_field(w, "name") == "OverconstrainedError")
    );
    live.assert_no_problems();
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);

    // No leak: every element that was swapped out is gone; what is alive is what runs.
    let bin = live.src.clone().downcast::<gst::Bin>().unwrap();
    let running: Vec<gst::Element> = bin.iterate_recurse().into_iter().flatten().collect();
    let created = live.created.lock().unwrap().clone();
    let wait_dead = |created: &[glib::WeakRef<gst::Element>], keep: &[gst::Element]| {
        let t = Instant::now();
        loop {
            let alive: Vec<gst::Element> = created
                .iter()
                .filter_map(|w| w.upgrade())
                .filter(|e| !keep.contains(e))
                .collect();
            if alive.is_empty() || t.elapsed() > Duration::from_secs(3) {
                return alive;
            }

            drop(alive);
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let leaked = wait_dead(&created, &running);
    assert!(
        leaked.is_empty(),
        "{} of {} elements outlived their removal: {:?}",
        leaked.len(),
        created.len(),
        leaked.iter().map(|e| e.name()).collect::<Vec<_>>()
    );
    eprintln!(
        "{} elements were created over the run, {} run now",
        created.len(),
        running.len()
    );
    drop(running);
    drop(bin);
    let created = live.stop();
    let leaked = wait_dead(&created, &[]);
    assert!(
        leaked.is_empty(),
        "after NULL: {:?}",
        leaked.iter().map(|e| e.name()).collect::<Vec<_>>()
    );
    done.store(true, std::sync::atomic::Ordering::SeqCst);
}
