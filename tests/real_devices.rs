// SPDX-License-Identifier: MPL-2.0
//! usermediasrc on real device providers: `pipewiredeviceprovider` and `pulsedeviceprovider`
//! listing the virtual cameras and microphone of `tests/vdev` (a private PipeWire, WirePlumber
//! and pipewire-pulse). `GST_USERMEDIA_FAKE_DEVICES` is unset.
//!
//! The harness starts once per test process and stops when the process exits. Without its
//! programs the tests are skipped (a message says so), unless `CI=true`. Tests that open devices
//! run one at a time: a camera refuses a second consumer that asks for another format.

mod common;

use common::vdev;

use common::{Observed, run_src};
use gst::prelude::*;
use gstusermedia::device;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Bound on every capture (the first buffers come within 0.1 s; a wrong pick or a
/// negotiation stall would otherwise take PipeWire's 30 s).
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(10);

/// The shared harness and the device lock, or `None` when the harness cannot run (skip).
fn setup() -> Option<(&'static vdev::Instance, MutexGuard<'static, ()>)> {
    let instance = vdev::shared()?;
    Some((instance, vdev::exclusive()))
}

fn capture(constraints: &str, min_buffers: usize) -> Observed {
    capture_with(constraints, min_buffers, |_| ())
}

fn capture_with(
    constraints: &str,
    min_buffers: usize,
    configure: impl FnOnce(&gst::Element),
) -> Observed {
    let t0 = std::time::Instant::now();
    let o = run_src(constraints, configure, min_buffers, CAPTURE_TIMEOUT);
    eprintln!(
        "{constraints} -> {} in {:.2} s; error {:?}; buffers {:?}",
        o.settings,
        t0.elapsed().as_secs_f64(),
        o.error,
        o.buffers
    );
    o
}

/// One enumerated device as the tests compare them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Listed {
    kind: String,
    device_id: String,
    label: String,
    group_id: String,
    /// `node.name` of the `GstDevice` (both providers carry it through pipewire-pulse).
    node_name: Option<String>,
    /// `object.serial` of the `GstDevice`: a per-session counter, for contrast with deviceId.
    serial: Option<String>,
    provider: String,
    device_class: Option<String>,
}

fn prop(device: &gst::Device, key: &str) -> Option<String> {
    let props = device.properties()?;
    let value = props.value(key).ok()?;
    match value.get::<String>() {
        Ok(s) => Some(s),
        Err(_) => value.serialize().ok().map(|s| s.to_string()),
    }
}

fn listed() -> Vec<Listed> {
    device::enumerate()
        .iter()
        .map(|e| Listed {
            kind: e.info.kind().device_kind().to_string(),
            device_id: e.info.device_id.clone(),
            label: e.info.label.clone(),
            group_id: e.info.group_id.clone(),
            node_name: prop(&e.gst_device, "node.name"),
            serial: prop(&e.gst_device, "object.serial"),
            provider: e.provider.clone(),
            device_class: prop(&e.gst_device, "device.class"),
        })
        .collect()
}

/// The enumerated device with this `node.name`.
fn by_node<'a>(devices: &'a [Listed], node: &str) -> &'a Listed {
    devices
        .iter()
        .find(|d| d.node_name.as_deref() == Some(node))
        .unwrap_or_else(|| panic!("{node} is not enumerated: {devices:#?}"))
}

fn camera_id(node: &str) -> String {
    by_node(&listed(), node).device_id.clone()
}

fn int(s: &gst::StructureRef, f: &str) -> i32 {
    s.get::<i32>(f)
        .unwrap_or_else(|e| panic!("{f} in {s}: {e}"))
}

fn fps(s: &gst::StructureRef) -> f64 {
    let f = s
        .get::<gst::Fraction>("framerate")
        .unwrap_or_else(|e| panic!("framerate in {s}: {e}"));
    f.numer() as f64 / f.denom() as f64
}

/// A video track that worked: no error, at least `min` buffers, each exactly one frame of the
/// pad's caps, increasing timestamps, and settings that describe what flows. Returns the pad's
/// caps structure.
fn check_video(o: &Observed, constraints: &str, min: usize) -> gst::Structure {
    assert!(o.error.is_none(), "{constraints}: {:?}", o.error);
    assert_eq!(o.pads, vec!["video_0".to_string()], "{constraints}");
    let caps = o
        .caps
        .get("video_0")
        .unwrap_or_else(|| panic!("{constraints}: video_0 got no caps"));
    assert!(caps.is_fixed(), "{caps}");
    let info = gst_video::VideoInfo::from_caps(caps).unwrap_or_else(|e| panic!("{caps}: {e}"));
    let buffers = &o.buffers["video_0"];
    assert!(
        buffers.len() >= min,
        "{constraints}: {} buffers",
        buffers.len()
    );
    for (pts, size) in buffers {
        assert_eq!(
            *size,
            info.size(),
            "{constraints}: a buffer of {caps} (pts {pts:?})"
        );
    }
    let pts: Vec<gst::ClockTime> = buffers.iter().filter_map(|b| b.0).collect();
    assert_eq!(
        pts.len(),
        buffers.len(),
        "{constraints}: buffers without PTS: {buffers:?}"
    );
    assert!(
        pts.windows(2).all(|w| w[0] < w[1]),
        "{constraints}: PTS {pts:?}"
    );

    let s = caps.structure(0).unwrap().to_owned();
    let v = &o.settings["video"];
    assert_eq!(v["width"], json!(int(&s, "width")), "{constraints}: {v}");
    assert_eq!(v["height"], json!(int(&s, "height")), "{constraints}: {v}");
    let rate = v["frameRate"]
        .as_f64()
        .unwrap_or_else(|| panic!("frameRate in {v}"));
    assert!(
        (rate - fps(&s)).abs() < 1e-6,
        "{constraints}: {v} vs {caps}"
    );
    let device_caps: gst::Caps = v["deviceCaps"]
        .as_str()
        .unwrap_or_else(|| panic!("deviceCaps in {v}"))
        .parse()
        .unwrap();
    assert!(device_caps.is_fixed(), "{device_caps}");
    if v["resizeMode"] == "none" {
        // The native mode itself flows.
        assert!(device_caps.can_intersect(caps), "{device_caps} vs {caps}");
    }
    s
}

fn format(s: &gst::StructureRef) -> &str {
    s.get::<&str>("format")
        .unwrap_or_else(|e| panic!("format in {s}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Selection among the cameras

#[test]
fn video_true_opens_the_session_default_camera() {
    let Some(_env) = setup() else { return };
    let c = "{video: true}";
    let o = capture(c, 5);
    let s = check_video(&o, c, 5);
    let v = &o.settings["video"];
    assert_eq!(v["deviceId"], json!(camera_id("vdev-cam-720p")), "{v}");
    assert_eq!(v["label"], "Virtual Camera 720p");
    assert_eq!(v["groupId"], "vdev-group-1");
    assert_eq!(v["facingMode"], "user", "api.libcamera.location=front");
    assert_eq!(v["resizeMode"], "none");
    assert_eq!(format(&s), "YUY2");
    assert_eq!((int(&s, "width"), int(&s, "height")), (1280, 720));
    assert_eq!(fps(&s), 30.0);
}

#[test]
fn width_1920_at_50_fps_or_more_opens_a_1080p60_camera() {
    let Some(_env) = setup() else { return };
    let c = "{video: {width: {exact: 1920}, frameRate: {min: 50}}}";
    let o = capture(c, 5);
    let s = check_video(&o, c, 5);
    let v = &o.settings["video"];
    // Two cameras have 1920x1080@60 natively; either is right, nothing else is.
    let candidates = [camera_id("vdev-cam-1080p60"), camera_id("vdev-cam-multi")];
    assert!(
        candidates.iter().any(|id| v["deviceId"] == json!(id)),
        "{v}"
    );
    assert_eq!(v["resizeMode"], "none");
    assert_eq!(format(&s), "NV12");
    assert_eq!((int(&s, "width"), int(&s, "height")), (1920, 1080));
    assert_eq!(fps(&s), 60.0);
}

#[test]
fn exact_320x240_at_15_fps_is_the_multi_format_cameras_own_mode() {
    let Some(_env) = setup() else { return };
    // Only vdev-cam-multi has I420 320x240@15 natively (decimating 30 fps to 15 would also be
    // allowed, but needs a rescale on every other camera).
    let c = "{video: {width: {exact: 320}, height: {exact: 240}, frameRate: {exact: 15}}}";
    let o = capture(c, 3);
    let s = check_video(&o, c, 3);
    let v = &o.settings["video"];
    assert_eq!(v["deviceId"], json!(camera_id("vdev-cam-multi")), "{v}");
    assert_eq!(v["label"], "Virtual Camera Multi-Format");
    assert_eq!(v["resizeMode"], "none");
    assert_eq!(format(&s), "I420");
    assert_eq!((int(&s, "width"), int(&s, "height")), (320, 240));
    assert_eq!(fps(&s), 15.0);
    assert!(
        o.buffers["video_0"]
            .iter()
            .all(|b| b.1 == 320 * 240 * 3 / 2)
    );
}

#[test]
fn exact_320x240_is_met_by_a_native_mode_rather_than_by_downscaling() {
    let Some(_env) = setup() else { return };
    // Every camera could downscale to 320x240; the native mode is preferred.
    let c = "{video: {width: {exact: 320}, height: {exact: 240}}}";
    let o = capture(c, 3);
    let s = check_video(&o, c, 3);
    let v = &o.settings["video"];
    assert_eq!(v["deviceId"], json!(camera_id("vdev-cam-multi")), "{v}");
    assert_eq!(v["resizeMode"], "none", "{v}");
    let native: gst::Caps = v["deviceCaps"].as_str().unwrap().parse().unwrap();
    let n = native.structure(0).unwrap();
    assert_eq!((int(n, "width"), int(n, "height")), (320, 240), "{native}");
    assert_eq!((int(&s, "width"), int(&s, "height")), (320, 240));
    assert!(
        !o.children_added
            .iter()
            .any(|c| c.contains("scale") || c.contains("crop")),
        "{:?}",
        o.children_added
    );
}

#[test]
fn a_device_id_from_enumeration_opens_that_camera() {
    let Some(_env) = setup() else { return };
    // Native format of the single-mode cameras.
    let expected: BTreeMap<&str, (&str, i32, i32, f64)> = [
        ("vdev-cam-720p", ("YUY2", 1280, 720, 30.0)),
        ("vdev-cam-1080p60", ("NV12", 1920, 1080, 60.0)),
        ("vdev-cam-vga", ("I420", 640, 480, 30.0)),
    ]
    .into();
    let devices = listed();
    for node in vdev::CAMERAS {
        let d = by_node(&devices, node);
        let c = format!("{{video: {{deviceId: {{exact: {}}}}}}}", json!(d.device_id));
        let o = capture(&c, 3);
        let s = check_video(&o, &c, 3);
        let v = &o.settings["video"];
        assert_eq!(v["deviceId"], json!(d.device_id), "{c}: {v}");
        assert_eq!(v["label"], json!(d.label), "{c}: {v}");
        if let Some((f, w, h, r)) = expected.get(node) {
            assert_eq!(format(&s), *f, "{c}");
            assert_eq!(
                (int(&s, "width"), int(&s, "height"), fps(&s)),
                (*w, *h, *r),
                "{c}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Audio

#[test]
fn audio_true_streams_the_virtual_microphone_with_increasing_timestamps() {
    let Some(_env) = setup() else { return };
    let c = "{audio: true}";
    // The loudest sample of each buffer: the virtual microphone plays a sine (0.8 of full
    // scale), so real data from it is far from silence.
    let peaks = Arc::new(Mutex::new(Vec::<i32>::new()));
    let o = {
        let peaks = peaks.clone();
        capture_with(c, 10, move |src| {
            src.connect_pad_added(move |_, pad| {
                let peaks = peaks.clone();
                pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
                    let s16 = pad.current_caps().is_some_and(|caps| {
                        caps.structure(0)
                            .is_some_and(|s| s.get::<&str>("format").ok() == Some("S16LE"))
                    });
                    if let Some(gst::PadProbeData::Buffer(b)) = &info.data
                        && s16
                        && let Ok(map) = b.map_readable()
                    {
                        let peak = map
                            .chunks_exact(2)
                            .map(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs() as i32)
                            .max()
                            .unwrap_or(0);
                        peaks.lock().unwrap().push(peak);
                    }
                    gst::PadProbeReturn::Ok
                });
            });
        })
    };
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.pads, vec!["audio_0".to_string()]);
    let a = &o.settings["audio"];
    let devices = listed();
    let mic = by_node(&devices, vdev::MIC);
    assert_eq!(a["deviceId"], json!(mic.device_id), "{a}");
    assert_eq!(a["label"], json!(mic.label), "{a}");
    assert_eq!(a["groupId"], "vdev-group-1", "{a}");

    let caps = &o.caps["audio_0"];
    let info = gst_audio::AudioInfo::from_caps(caps).unwrap_or_else(|e| panic!("{caps}: {e}"));
    assert_eq!(a["sampleRate"], json!(info.rate()), "{a} vs {caps}");
    assert_eq!(a["channelCount"], json!(info.channels()), "{a} vs {caps}");
    let buffers = &o.buffers["audio_0"];
    assert!(buffers.len() >= 10, "{} buffers", buffers.len());
    let bpf = info.bpf() as usize;
    assert!(
        buffers.iter().all(|b| b.1 > 0 && b.1 % bpf == 0),
        "{caps}: {buffers:?}"
    );
    let pts: Vec<gst::ClockTime> = buffers.iter().filter_map(|b| b.0).collect();
    assert_eq!(pts.len(), buffers.len(), "buffers without PTS: {buffers:?}");
    assert!(
        pts.windows(2).all(|w| w[0] < w[1]),
        "PTS not increasing: {pts:?}"
    );
    // The timestamps advance with the audio: the span of all but the last buffer's samples,
    // with generous room for capture jitter.
    let samples: usize = buffers[..buffers.len() - 1].iter().map(|b| b.1 / bpf).sum();
    let audio = Duration::from_secs_f64(samples as f64 / info.rate() as f64);
    let span = Duration::from(*pts.last().unwrap() - pts[0]);
    assert!(
        span + Duration::from_millis(100) >= audio / 2
            && span <= audio * 2 + Duration::from_millis(100),
        "PTS span {span:?} for {audio:?} of audio: {buffers:?}"
    );
    let peaks = peaks.lock().unwrap();
    eprintln!("peak sample of each buffer: {peaks:?}");
    assert!(!peaks.is_empty(), "{caps}: no S16LE buffer seen");
    assert!(
        peaks.iter().any(|&p| p > 8000),
        "the sine of {} does not come through: peaks {peaks:?}",
        vdev::MIC
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn an_impossible_width_is_overconstrained_and_lists_the_cameras() {
    let Some(_env) = setup() else { return };
    let o = capture("{video: {width: {min: 4000}}}", 1);
    let e = o.error.expect("an error");
    assert_eq!(e.name, "OverconstrainedError", "{e:?}");
    assert_eq!(e.constraint.as_deref(), Some("width"), "{e:?}");
    assert!(e.gerror.matches(gst::ResourceError::Settings), "{e:?}");
    let devices = listed();
    for node in vdev::CAMERAS {
        let d = by_node(&devices, node);
        assert!(
            e.message.contains(&d.device_id) || e.message.contains(&d.label),
            "{node} ({} / {}) not in: {}",
            d.device_id,
            d.label,
            e.message
        );
    }
    assert!(o.children_added.is_empty(), "{:?}", o.children_added);
    assert!(o.pads.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Enumeration and identity

/// The pipewire and pulse listings of the mic, as raw GStreamer providers see them.
fn raw_mic_listings() -> Vec<String> {
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Audio/Source"), None);
    monitor.start().expect("device monitor");
    let found = monitor
        .devices()
        .iter()
        .filter(|d| {
            prop(d, "node.name").as_deref() == Some(vdev::MIC)
                || d.display_name() == "Virtual Microphone"
        })
        .map(|d| {
            d.create_element(None)
                .ok()
                .and_then(|e| e.factory())
                .map(|f| f.name().to_string())
                .unwrap_or_default()
        })
        .collect();
    monitor.stop();
    found
}

#[test]
fn a_microphone_listed_by_two_providers_is_offered_once() {
    let Some(_env) = setup() else { return };
    // The premise: pipewiresrc and pulsesrc both offer it.
    let mut raw = raw_mic_listings();
    raw.sort();
    assert_eq!(
        raw,
        ["pipewiresrc", "pulsesrc"],
        "raw listings of {}",
        vdev::MIC
    );

    let devices = listed();
    let mics: Vec<&Listed> = devices.iter().filter(|d| d.kind == "audioinput").collect();
    assert_eq!(
        mics.len(),
        1,
        "one microphone, no monitor source: {mics:#?}"
    );
    let mic = mics[0];
    assert_eq!(mic.node_name.as_deref(), Some(vdev::MIC), "{mic:?}");
    assert_ne!(mic.device_class.as_deref(), Some("monitor"));
    assert!(
        [
            format!("pulse:{}", vdev::MIC),
            format!("pipewire:{}", vdev::MIC)
        ]
        .contains(&mic.device_id),
        "{mic:?}"
    );
    assert_eq!(
        mic.group_id, "vdev-group-1",
        "shares the 720p camera's group"
    );
    assert!(
        !devices.iter().any(|d| d.label.contains("Monitor of")),
        "{devices:#?}"
    );

    // The cameras: once each, named by node.name.
    let cams: Vec<&Listed> = devices.iter().filter(|d| d.kind == "videoinput").collect();
    assert_eq!(cams.len(), vdev::CAMERAS.len(), "{cams:#?}");
    for node in vdev::CAMERAS {
        assert_eq!(
            by_node(&devices, node).device_id,
            format!("pipewire:{node}")
        );
    }
    // The default camera (priority.session) is listed first.
    assert_eq!(
        cams[0].node_name.as_deref(),
        Some("vdev-cam-720p"),
        "{cams:#?}"
    );
}

const CHILD_ENV: &str = "USERMEDIA_TEST_ENUMERATE_CHILD";
const CHILD_MARK: &str = "ENUMERATED: ";

/// Not a test of its own: run in a fresh process by `enumerate_in_child` (a device monitor
/// process talks to the daemons it found at start, as a browser does).
#[test]
#[ignore = "helper, run in a subprocess by device_ids_are_the_same_after_the_daemons_restart"]
fn enumerate_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    gst::init().unwrap();
    gstusermedia::plugin_register_static().unwrap();
    let devices: Vec<Value> = listed()
        .into_iter()
        .map(|d| {
            json!({"kind": d.kind, "deviceId": d.device_id, "label": d.label,
                   "groupId": d.group_id, "node": d.node_name, "serial": d.serial})
        })
        .collect();
    println!("{CHILD_MARK}{}", Value::Array(devices));
}

/// Enumerates in a new process that is a client of `instance`.
fn enumerate_in_child(instance: &vdev::Instance) -> Vec<Value> {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("timeout")
        .args(["-k", "2", "30"])
        .arg(&exe)
        .args([
            "--exact",
            "enumerate_child",
            "--include-ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .env_remove("GST_USERMEDIA_FAKE_DEVICES")
        .envs(instance.client_env())
        .output()
        .expect("run the enumeration subprocess");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "enumeration subprocess: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(CHILD_MARK).map(|(_, json)| json))
        .unwrap_or_else(|| panic!("no device list from the subprocess:\n{stdout}"));
    serde_json::from_str::<Value>(line)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// (kind, deviceId, label, groupId) of each device, sorted.
fn identities(devices: &[Value]) -> Vec<(String, String, String, String)> {
    let mut ids: Vec<_> = devices
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("kind"), s("deviceId"), s("label"), s("groupId"))
        })
        .collect();
    ids.sort();
    ids
}

fn serial_of(devices: &[Value], node: &str) -> Option<String> {
    devices
        .iter()
        .find(|d| d["node"] == node)
        .and_then(|d| d["serial"].as_str().map(str::to_string))
}

#[test]
fn device_ids_are_the_same_after_the_daemons_restart() {
    let Some((shared, _lock)) = setup() else {
        return;
    };
    // A private instance, so the shared one (that this process is connected to) stays up.
    let first = vdev::Instance::start(Some(&shared.cam_bin())).unwrap_or_else(|e| panic!("{e:?}"));
    let before = enumerate_in_child(&first);
    first.stop();
    assert!(!first.dir().exists(), "stop left {}", first.dir().display());

    let second = vdev::Instance::start(Some(&shared.cam_bin())).unwrap_or_else(|e| panic!("{e:?}"));
    // Replug one camera: its object.serial is then certainly new.
    second.command(&["kill-camera", "vdev-cam-vga"]).unwrap();
    second.command(&["start-camera", "vdev-cam-vga"]).unwrap();
    let after = enumerate_in_child(&second);
    second.stop();

    assert_eq!(identities(&before), identities(&after));
    assert_eq!(before.len(), vdev::CAMERAS.len() + 1, "{before:#?}");
    let (s1, s2) = (
        serial_of(&before, "vdev-cam-vga"),
        serial_of(&after, "vdev-cam-vga"),
    );
    assert!(s1.is_some() && s1 != s2, "object.serial {s1:?} -> {s2:?}");
    for node in vdev::CAMERAS {
        assert!(
            after
                .iter()
                .any(|d| d["node"] == node && d["deviceId"] == format!("pipewire:{node}")),
            "{node}: {after:#?}"
        );
    }

    // The shared instance's daemons, started separately, give the same ids too.
    let here: Vec<Value> = listed()
        .into_iter()
        .map(|d| json!({"kind": d.kind, "deviceId": d.device_id, "label": d.label, "groupId": d.group_id}))
        .collect();
    assert_eq!(identities(&here), identities(&after));
}

#[test]
fn demo_uses_the_cameras_it_finds() {
    let Some((instance, _guard)) = setup() else {
        return;
    };
    let snapshot = common::tempfile_path("demo-snapshot.png");
    let out = common::run_demo(&[], &snapshot, &instance.client_env());
    let text = common::output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Using this machine's cameras:"), "{text}");
    for label in ["  - Virtual Camera 720p", "  - Virtual Camera 1080p60"] {
        assert!(text.contains(label), "{label:?} missing in:\n{text}");
    }
    assert!(text.contains(r#""deviceId":"pipewire:vdev-cam-"#), "{text}");
    assert!(common::is_png(&snapshot), "{text}");
}
