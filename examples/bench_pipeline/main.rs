// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What `usermediasrc` costs over the hand-written `source ! capsfilter` pipeline on the same
//! device: A (usermediasrc) and B (hand-written) alternate in one run, and the medians and
//! ratios are printed as a markdown table.
//!
//! ```sh
//! cargo run --release --example bench_pipeline -- [--rounds N] [--cpu-rounds N]
//!     [--cpu-seconds S] [--backends fake,vdev] [--quick]
//! ```
//!
//! Measurements, each on fake devices and, when `VDEV_DIR` is set (`tests/vdev/vdev.sh start`),
//! on the PipeWire virtual cameras:
//!
//! 1. time from `set_state(PLAYING)` to the first buffer at the sink: the first element of a
//!    fresh process (a child process per sample; usermediasrc pays the device probe there) and
//!    later elements of one process;
//! 2. process CPU time per frame in a native 1080p mode (a child process per sample), and
//!    whether every buffer reaches the sink in the memory the source produced. Where
//!    usermediasrc configures the source element differently (`source_as_configured`), a
//!    second row compares against the hand-written pipeline with the source configured the same
//!    way: that ratio is the bin's own cost;
//! 3. the same for the crop/scale and decimation path (1280x720@30 → 640x360@≤15) against
//!    `videoscale ! capsfilter ! videorate drop-only=true ! capsfilter`, and against
//!    usermediasrc's own chain written by hand (frames dropped before they are scaled);
//! 4. applyConstraints: from setting `constraints` (640x360 → 320x180 on the same device) to the
//!    first buffer of the new size at the sink, against changing a hand-written capsfilter;
//! 5. screen capture (`display.rs`, when `DISPLAY` is set): `displaymediasrc` against
//!    `ximagesrc ! videoscale ! capsfilter`, CPU per delivered frame and time to first buffer.
//!
//! Samples are taken in ABBA order (A first in even rounds, B first in odd ones; with three
//! variants the order rotates). For CPU times A/B is the median of the per-round ratios, so slow
//! drifts of the machine's load cancel out; for times to first buffer, whose noise is per sample
//! (when the camera's next frame comes), it is the ratio of the medians.
//!
//! The program re-invokes itself (`child …`) for the measurements, so each backend runs in its
//! own processes: `GST_USERMEDIA_FAKE_DEVICES` is read once per process.
//!
//! Diagnostics (not part of the table): `child cpu-desc <backend> '<pipeline>' <seconds>
//! [provider,…|monitor]` measures any pipeline, optionally with device providers started first;
//! `child provider-cost <backend> <provider>` times one provider's plugin loading and start;
//! `BENCH_THREADS=1` makes CPU children print the CPU time per frame of each thread.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;

mod display;

/// The fake devices: a native 1080p30 camera, a 720p30 camera for the scaling path, and a
/// microphone (so the probe has both kinds to sort, as on a real machine).
const FAKE_DEVICES: &str = r#"[
 {"kind": "videoinput", "deviceId": "cam-1080p30", "label": "Fake 1080p30",
  "caps": "video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1"},
 {"kind": "videoinput", "deviceId": "cam-720p30", "label": "Fake 720p30",
  "caps": "video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1"},
 {"kind": "audioinput", "deviceId": "mic", "label": "Fake microphone",
  "caps": "audio/x-raw,format=S16LE,rate=48000,channels=1"}
]"#;

/// One camera as both variants open it.
#[derive(Clone, Copy)]
struct Camera {
    /// usermediasrc deviceId.
    device_id: &'static str,
    /// Hand-written source element.
    source: &'static str,
    /// Hand-written caps: the camera's native mode.
    caps: &'static str,
    /// Shown in the table.
    mode: &'static str,
    /// The hand-written source configured as usermediasrc configures it, where that differs.
    source_as_configured: Option<&'static str>,
}

#[derive(Clone, Copy)]
struct Backend {
    name: &'static str,
    /// Native-mode measurements (time to first buffer, CPU per frame, zero copy).
    native: Camera,
    /// Crop/scale/decimation and applyConstraints.
    scaled: Camera,
}

const FAKE: Backend = Backend {
    name: "fake",
    native: Camera {
        device_id: "cam-1080p30",
        source: "usermediafakesrc device-id=cam-1080p30",
        caps: "video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1",
        mode: "NV12 1920x1080@30",
        source_as_configured: None,
    },
    scaled: Camera {
        device_id: "cam-720p30",
        source: "usermediafakesrc device-id=cam-720p30",
        caps: "video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1",
        mode: "YUY2 1280x720@30",
        source_as_configured: None,
    },
};

const VDEV: Backend = Backend {
    name: "vdev",
    native: Camera {
        device_id: "pipewire:vdev-cam-1080p60",
        source: "pipewiresrc target-object=vdev-cam-1080p60",
        caps: "video/x-raw,format=NV12,width=1920,height=1080,framerate=60/1",
        mode: "NV12 1920x1080@60",
        // The camera hands out fd-backed memory (vdev-cam -m memfd, as a v4l2 node's
        // DmaBuf), which usermediasrc does not copy: pipewiresrc as it comes.
        source_as_configured: None,
    },
    scaled: Camera {
        device_id: "pipewire:vdev-cam-720p",
        source: "pipewiresrc target-object=vdev-cam-720p",
        caps: "video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1",
        mode: "YUY2 1280x720@30",
        source_as_configured: None,
    },
};

fn backend(name: &str) -> Backend {
    match name {
        "fake" => FAKE,
        "vdev" => VDEV,
        other => panic!("unknown backend {other}"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    /// usermediasrc.
    A,
    /// The hand-written pipeline.
    B,
}

impl Variant {
    fn parse(s: &str) -> Variant {
        match s {
            "A" => Variant::A,
            "B" => Variant::B,
            other => panic!("unknown variant {other}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Variant::A => "A",
            Variant::B => "B",
        }
    }

    /// ABBA order: A first in even rounds.
    fn order(round: usize) -> [Variant; 2] {
        if round.is_multiple_of(2) {
            [Variant::A, Variant::B]
        } else {
            [Variant::B, Variant::A]
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        child(&args[1..]);
    } else {
        orchestrate(&args);
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes: one measurement (or one in-process series), results on stdout as
// `RESULT <key> <value>` lines.

fn child(args: &[String]) {
    let what = args.first().expect("child: what to measure").as_str();
    if what.starts_with("display-") {
        gst::init().expect("gst init");
        gstusermedia::plugin_register_static().expect("register the usermedia plugin");
        display::child(what, &args[1..]);
        return;
    }
    let backend = backend(args.get(1).expect("child: backend"));
    gst::init().expect("gst init");
    gstusermedia::plugin_register_static().expect("register the usermedia plugin");
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match what {
        "ttfb-first" => {
            let v = Variant::parse(arg(2));
            let setup = Duration::from_millis(arg(3).parse().unwrap_or(0));
            let (t, from_creation) = ttfb_from_creation(&native_pipeline(backend, v, false), setup);
            result("ttfb", t.as_secs_f64());
            result("ttfb_from_creation", from_creation.as_secs_f64());
        }
        "ttfb-warm" => {
            let rounds: usize = arg(2).parse().expect("rounds");
            // Warm-up: the device probe, plugin loading, first pattern rendering.
            for v in [Variant::A, Variant::B] {
                ttfb_once(&native_pipeline(backend, v, false));
            }
            for round in 0..rounds {
                for v in Variant::order(round) {
                    let t = ttfb_once(&native_pipeline(backend, v, false));
                    result(&format!("ttfb.{}.{round}", v.name()), t.as_secs_f64());
                }
            }
        }
        "cpu" => {
            let case = arg(2);
            let v = Variant::parse(arg(3));
            let seconds: f64 = arg(4).parse().expect("seconds");
            let desc = match case {
                "native" => native_pipeline(backend, v, false),
                "native-as-configured" => native_pipeline(backend, v, true),
                "rescale" => rescale_pipeline(backend, v, false),
                "rescale-same-elements" => rescale_pipeline(backend, v, true),
                other => panic!("unknown case {other}"),
            };
            cpu_per_frame(&desc, Duration::from_secs_f64(seconds));
        }
        // Diagnostics: any pipeline, optionally with providers (or, `monitor`, the device
        // monitor) started first.
        "cpu-desc" => {
            let mut providers = Vec::new();
            for name in arg(4).split(',').filter(|n| !n.is_empty()) {
                if name == "monitor" {
                    gstusermedia::device::enumerate();
                } else {
                    let p = gst::DeviceProviderFactory::by_name(name).expect("provider");
                    p.start().expect("start provider");
                    providers.push(p);
                }
            }
            let seconds: f64 = arg(3).parse().expect("seconds");
            cpu_per_frame(arg(2), Duration::from_secs_f64(seconds));
        }
        "probe" => {
            let t = Instant::now();
            gstusermedia::device::enumerate_kinds(&[gstusermedia::engine::Kind::Video]);
            result("probe", t.elapsed().as_secs_f64());
        }
        // One device provider, first in a process: loading its plugin, then starting it.
        "provider-cost" => {
            let t0 = Instant::now();
            let p = gst::DeviceProviderFactory::find(arg(2))
                .and_then(|f| f.get())
                .unwrap_or_else(|| fail(&format!("no device provider {}", arg(2))));
            let t1 = Instant::now();
            let started = p.start().is_ok();
            let t2 = Instant::now();
            result("load", (t1 - t0).as_secs_f64());
            result("start", (t2 - t1).as_secs_f64());
            result("started", if started { 1.0 } else { 0.0 });
        }
        "zerocopy" => {
            let v = Variant::parse(arg(2));
            zero_copy(&native_pipeline(backend, v, false), v, 90);
        }
        "apply" => {
            let rounds: usize = arg(2).parse().expect("rounds");
            apply_series(backend, rounds);
        }
        other => panic!("unknown child measurement {other}"),
    }
}

fn result(key: &str, value: f64) {
    println!("RESULT {key} {value}");
    let _ = std::io::stdout().flush();
}

fn constraints(device_id: &str, extra: &str) -> String {
    format!("{{video: {{deviceId: {{exact: '{device_id}'}}{extra}}}}}")
}

fn sink() -> &'static str {
    "fakesink name=sink sync=false"
}

/// The native mode: usermediasrc with only a deviceId, or `source ! caps ! sink` (with
/// `as_configured`, the source configured as usermediasrc configures it).
fn native_pipeline(b: Backend, v: Variant, as_configured: bool) -> String {
    let cam = b.native;
    let source = match cam.source_as_configured {
        Some(s) if as_configured => s,
        _ => cam.source,
    };
    match v {
        Variant::A => format!(
            "usermediasrc name=um constraints=\"{}\" ! {}",
            constraints(cam.device_id, ""),
            sink()
        ),
        Variant::B => format!("{source} name=src ! {} ! {}", cam.caps, sink()),
    }
}

/// 1280x720@30 delivered as 640x360@≤15. The hand-written pipeline scales then drops frames,
/// as usually written; with `same_elements`, it is usermediasrc's chain by hand: the source
/// configured as usermediasrc configures it, frames dropped before they are scaled.
fn rescale_pipeline(b: Backend, v: Variant, same_elements: bool) -> String {
    let cam = b.scaled;
    let source = match cam.source_as_configured {
        Some(s) if same_elements => s,
        _ => cam.source,
    };
    let rate_first = same_elements;
    match v {
        Variant::A => format!(
            "usermediasrc name=um constraints=\"{}\" ! {}",
            constraints(
                cam.device_id,
                ", width: {exact: 640}, height: {exact: 360}, frameRate: {max: 15}"
            ),
            sink()
        ),
        Variant::B => {
            let scale = "videoscale ! video/x-raw,width=640,height=360,pixel-aspect-ratio=1/1";
            let rate = "videorate drop-only=true ! video/x-raw,framerate=15/1";
            let (first, second) = if rate_first {
                (rate, scale)
            } else {
                (scale, rate)
            };
            format!(
                "{source} name=src ! {} ! {first} ! {second} ! {}",
                cam.caps,
                sink()
            )
        }
    }
}

const SIZE_CONSTRAINTS: [&str; 2] = [
    ", width: {exact: 640}, height: {exact: 360}",
    ", width: {exact: 320}, height: {exact: 180}",
];

/// applyConstraints: usermediasrc at 640x360, or `source ! caps ! videoscale ! size caps`.
fn apply_pipeline(b: Backend, v: Variant) -> String {
    let cam = b.scaled;
    match v {
        Variant::A => format!(
            "usermediasrc name=um constraints=\"{}\" ! {}",
            constraints(cam.device_id, SIZE_CONSTRAINTS[0]),
            sink()
        ),
        Variant::B => format!(
            "{} name=src ! {} ! videoscale ! capsfilter name=size caps={} ! {}",
            cam.source,
            cam.caps,
            size_caps(640, 360),
            sink()
        ),
    }
}

fn size_caps(width: i32, height: i32) -> String {
    format!("video/x-raw,width={width},height={height},pixel-aspect-ratio=1/1")
}

fn launch(desc: &str) -> gst::Pipeline {
    gst::parse::launch(desc)
        .unwrap_or_else(|e| fail(&format!("cannot build {desc}: {e}")))
        .downcast::<gst::Pipeline>()
        .expect("a pipeline")
}

fn by_name(pipeline: &gst::Pipeline, name: &str) -> gst::Element {
    pipeline
        .by_name(name)
        .unwrap_or_else(|| fail(&format!("no element {name}")))
}

fn fail(msg: &str) -> ! {
    eprintln!("bench_pipeline: {msg}");
    std::process::exit(2);
}

/// Waits for a value from a streaming thread, failing on a bus error or after `timeout`.
fn wait<T>(
    pipeline: &gst::Pipeline,
    rx: &mpsc::Receiver<T>,
    timeout: Duration,
) -> Result<T, String> {
    let bus = pipeline.bus().expect("pipeline bus");
    let deadline = Instant::now() + timeout;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(v) => return Ok(v),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err("probe gone".into()),
            Err(mpsc::RecvTimeoutError::Timeout) => (),
        }
        if let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error])
            && let gst::MessageView::Error(e) = msg.view()
        {
            return Err(format!(
                "{}: {} ({:?})",
                e.src().map(|s| s.path_string()).unwrap_or_default(),
                e.error(),
                e.debug()
            ));
        }
        if Instant::now() >= deadline {
            return Err("timed out".into());
        }
    }
}

fn stop(pipeline: &gst::Pipeline) {
    let _ = pipeline.set_state(gst::State::Null);
}

/// The application setup of the first-element row that has some.
const SETUP_MS: u64 = 10;

/// The first-element row timed after [`SETUP_MS`] of application setup, on `device`.
fn after_setup_row(device: &str) -> Row {
    Row::new(
        &format!(
            "… the same, from `set_state(PLAYING)` after {SETUP_MS} ms of application setup (a \
             sleep) between building the pipeline and playing it"
        ),
        device,
        "ms",
        Goal::None,
    )
}

/// From `set_state(PLAYING)` to the first buffer at the sink pad.
fn ttfb_once(desc: &str) -> Duration {
    ttfb_from_creation(desc, Duration::ZERO).0
}

/// From `set_state(PLAYING)` to the first buffer at the sink pad, and from the start of building
/// the pipeline (which creates the hand-written source element and loads its plugin). `setup`
/// is slept between the two, as an application's own setup; only the second time counts it.
fn ttfb_from_creation(desc: &str, setup: Duration) -> (Duration, Duration) {
    let created = Instant::now();
    let pipeline = launch(desc);
    // What an application does between building its pipeline and playing it.
    std::thread::sleep(setup);
    let pad = by_name(&pipeline, "sink").static_pad("sink").unwrap();
    let (tx, rx) = mpsc::sync_channel::<Instant>(1);
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
        let _ = tx.try_send(Instant::now());
        gst::PadProbeReturn::Remove
    });
    let t0 = Instant::now();
    if pipeline.set_state(gst::State::Playing).is_err() {
        let err = wait(&pipeline, &rx, Duration::from_millis(100)).err();
        fail(&format!("{desc}: cannot start: {err:?}"));
    }
    let first = wait(&pipeline, &rx, Duration::from_secs(20))
        .unwrap_or_else(|e| fail(&format!("{desc}: {e}")));
    stop(&pipeline);
    (first - t0, first - created)
}

fn process_cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec (64-bit time_t and long on the Linux targets
    // this plugin supports).
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Process CPU time per frame reaching the sink, in steady state (after 0.5 s of warm-up).
fn cpu_per_frame(desc: &str, window: Duration) {
    let pipeline = launch(desc);
    let pad = by_name(&pipeline, "sink").static_pad("sink").unwrap();
    let frames = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::sync_channel::<()>(1);
    {
        let frames = frames.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if frames.fetch_add(1, Ordering::Relaxed) == 0 {
                let _ = tx.try_send(());
            }
            gst::PadProbeReturn::Ok
        });
    }
    if pipeline.set_state(gst::State::Playing).is_err() {
        fail(&format!("{desc}: cannot start"));
    }
    wait(&pipeline, &rx, Duration::from_secs(20)).unwrap_or_else(|e| fail(&format!("{desc}: {e}")));
    std::thread::sleep(Duration::from_millis(500));
    let threads0 = thread_times();
    let (c0, f0, t0) = (
        process_cpu_time(),
        frames.load(Ordering::Relaxed),
        Instant::now(),
    );
    std::thread::sleep(window);
    let (c1, f1, t1) = (
        process_cpu_time(),
        frames.load(Ordering::Relaxed),
        Instant::now(),
    );
    // The element's own threads (device list worker, live-track worker): what it runs besides
    // the streaming path.
    let threads1 = thread_times();
    let own: u64 = threads1
        .iter()
        .filter(|(_, (name, _))| name.starts_with("usermedia"))
        .map(|(tid, (_, t))| t - threads0.get(tid).map_or(0, |(_, t)| *t))
        .sum();
    if std::env::var_os("BENCH_THREADS").is_some() {
        for (tid, (name, t)) in thread_times() {
            let before = threads0.get(&tid).map_or(0, |(_, t)| *t);
            eprintln!(
                "thread {tid} {name}: {:.1} µs/frame",
                (t - before) as f64 / 1e3 / (frames.load(Ordering::Relaxed) - f0) as f64
            );
        }
    }
    let caps = pad
        .current_caps()
        .map(|c| c.to_string())
        .unwrap_or_default();
    if let Some(msg) = pipeline
        .bus()
        .unwrap()
        .pop_filtered(&[gst::MessageType::Error])
    {
        fail(&format!("{desc}: {msg:?}"));
    }
    stop(&pipeline);
    let n = f1 - f0;
    if n == 0 {
        fail(&format!("{desc}: no frames in the window"));
    }
    result("cpu_per_frame", (c1 - c0).as_secs_f64() / n as f64);
    result("fps", n as f64 / (t1 - t0).as_secs_f64());
    result(
        "cpu_load",
        (c1 - c0).as_secs_f64() / (t1 - t0).as_secs_f64(),
    );
    result("own_threads_per_frame", own as f64 / 1e9 / n as f64);
    println!("CAPS {caps}");
}

/// CPU time (ns) of each live thread of this process, by thread id.
fn thread_times() -> BTreeMap<u32, (String, u64)> {
    let mut out = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(tid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let path = e.path();
        let t = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let name = std::fs::read_to_string(path.join("comm"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        out.insert(tid, (name, t));
    }
    out
}

/// Records the GstMemory and the mapped data address of each buffer at the source's src pad and
/// at the sink, and compares them buffer by buffer. Also says whether the source element copies
/// its frames itself (pipewiresrc `always-copy`).
fn zero_copy(desc: &str, v: Variant, count: usize) {
    type Seen = Arc<Mutex<Vec<(usize, usize)>>>;
    fn record(pad: &gst::Pad, seen: Seen) {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                let mem = buffer.peek_memory(0);
                let data = mem.map_readable().map(|m| m.as_ptr() as usize).unwrap_or(0);
                seen.lock().unwrap().push((mem.as_ptr() as usize, data));
            }
            gst::PadProbeReturn::Ok
        });
    }
    fn report_copies(source: &gst::Element) {
        let copies = source
            .find_property("always-copy")
            .filter(|p| p.value_type() == bool::static_type())
            .is_some_and(|_| source.property::<bool>("always-copy"));
        result("source_copies", if copies { 1.0 } else { 0.0 });
    }
    let pipeline = launch(desc);
    let at_source: Seen = Arc::default();
    let at_sink: Seen = Arc::default();
    record(
        &by_name(&pipeline, "sink").static_pad("sink").unwrap(),
        at_sink.clone(),
    );
    match v {
        Variant::A => {
            // The device source exists once selection ran (READY→PAUSED, before data flows).
            let um = by_name(&pipeline, "um");
            let at_source = at_source.clone();
            um.connect_pad_added(move |um, _| {
                let source = um
                    .downcast_ref::<gst::Bin>()
                    .and_then(|b| b.by_name("video_source"))
                    .unwrap_or_else(|| fail("usermediasrc has no video_source"));
                record(&source.static_pad("src").unwrap(), at_source.clone());
                report_copies(&source);
            });
        }
        Variant::B => {
            let source = by_name(&pipeline, "src");
            record(&source.static_pad("src").unwrap(), at_source.clone());
            report_copies(&source);
        }
    }
    if pipeline.set_state(gst::State::Playing).is_err() {
        fail(&format!("{desc}: cannot start"));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while at_sink.lock().unwrap().len() < count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop(&pipeline);
    let src = at_source.lock().unwrap();
    let snk = at_sink.lock().unwrap();
    let n = src.len().min(snk.len());
    let same = src.iter().zip(snk.iter()).filter(|(a, b)| a == b).count();
    result("zerocopy.same", same as f64);
    result("zerocopy.total", n as f64);
}

/// applyConstraints latency, alternating usermediasrc and a hand-written capsfilter change, one
/// fresh pipeline per sample.
fn apply_series(b: Backend, rounds: usize) {
    // Warm-up: the device probe and plugin loading.
    for v in [Variant::A, Variant::B] {
        ttfb_once(&apply_pipeline(b, v));
    }
    let mut a_supported = true;
    for round in 0..rounds {
        for v in Variant::order(round) {
            if v == Variant::A && !a_supported {
                continue;
            }
            match apply_once(b, v) {
                Ok(t) => result(&format!("apply.{}.{round}", v.name()), t.as_secs_f64()),
                Err(e) if v == Variant::A => {
                    eprintln!("bench_pipeline: usermediasrc applyConstraints: {e}");
                    result("apply.A.unsupported", 1.0);
                    a_supported = false;
                }
                Err(e) => fail(&format!("hand-written caps change: {e}")),
            }
        }
    }
}

fn apply_once(b: Backend, v: Variant) -> Result<Duration, String> {
    let desc = apply_pipeline(b, v);
    let pipeline = launch(&desc);
    let pad = by_name(&pipeline, "sink").static_pad("sink").unwrap();
    // 0: any buffer; otherwise the width to wait for.
    let want = Arc::new(AtomicI32::new(0));
    let (tx, rx) = mpsc::sync_channel::<Instant>(1);
    {
        let want = want.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, _| {
            let w = want.load(Ordering::Acquire);
            let hit = w == 0
                || pad
                    .current_caps()
                    .and_then(|c| c.structure(0).and_then(|s| s.get::<i32>("width").ok()))
                    == Some(w);
            if hit {
                let _ = tx.try_send(Instant::now());
            }
            gst::PadProbeReturn::Ok
        });
    }
    if pipeline.set_state(gst::State::Playing).is_err() {
        stop(&pipeline);
        return Err("cannot start".into());
    }
    let result = (|| {
        wait(&pipeline, &rx, Duration::from_secs(20))?;
        // A few frames in the first size, then drain what the probe queued.
        std::thread::sleep(Duration::from_millis(150));
        while rx.try_recv().is_ok() {}
        want.store(320, Ordering::Release);
        while rx.try_recv().is_ok() {}
        let t0 = Instant::now();
        match v {
            Variant::A => by_name(&pipeline, "um").set_property(
                "constraints",
                constraints(b.scaled.device_id, SIZE_CONSTRAINTS[1]),
            ),
            Variant::B => by_name(&pipeline, "size").set_property(
                "caps",
                gst::Caps::builder("video/x-raw")
                    .field("width", 320)
                    .field("height", 180)
                    .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
                    .build(),
            ),
        }
        let t = wait(&pipeline, &rx, Duration::from_secs(3))
            .map_err(|e| format!("no 320x180 buffer: {e}"))?;
        Ok(t - t0)
    })();
    stop(&pipeline);
    result
}

// ---------------------------------------------------------------------------------------------
// The orchestrator: spawns the children in alternating order and prints the table.

struct Options {
    rounds: usize,
    cpu_rounds: usize,
    cpu_seconds: f64,
    backends: Vec<String>,
    /// Measurement groups to run (all when empty).
    only: Vec<String>,
}

impl Options {
    fn runs(&self, group: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|g| g == group)
    }
}

/// Measurement groups, for `--only`.
const GROUPS: [&str; 7] = [
    "ttfb-first",
    "ttfb-warm",
    "cpu",
    "zerocopy",
    "rescale",
    "apply",
    "display",
];

fn usage() -> ! {
    eprintln!(
        "usage: bench_pipeline [--rounds N] [--cpu-rounds N] [--cpu-seconds S] \
         [--backends fake,vdev] [--only GROUP,...] [--quick]\n  \
         GROUP: {}",
        GROUPS.join(", ")
    );
    std::process::exit(2);
}

fn parse_options(args: &[String]) -> Options {
    let mut o = Options {
        rounds: 30,
        cpu_rounds: 12,
        cpu_seconds: 3.0,
        backends: vec!["fake".into(), "vdev".into()],
        only: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_else(|| usage());
        match a.as_str() {
            "--rounds" => o.rounds = value().parse().unwrap_or_else(|_| usage()),
            "--cpu-rounds" => o.cpu_rounds = value().parse().unwrap_or_else(|_| usage()),
            "--cpu-seconds" => o.cpu_seconds = value().parse().unwrap_or_else(|_| usage()),
            "--backends" => o.backends = value().split(',').map(String::from).collect(),
            "--only" => {
                o.only = value().split(',').map(String::from).collect();
                if o.only.iter().any(|g| !GROUPS.contains(&g.as_str())) {
                    usage();
                }
            }
            "--quick" => {
                o.rounds = 6;
                o.cpu_rounds = 2;
                o.cpu_seconds = 1.0;
            }
            _ => usage(),
        }
    }
    if o.rounds == 0 || o.cpu_rounds == 0 {
        usage();
    }
    o
}

/// `RESULT` values of children, by key.
type Results = BTreeMap<String, Vec<f64>>;

fn run_child(env: &ChildEnv, args: &[&str]) -> Results {
    let exe = std::env::current_exe().expect("own executable");
    let mut cmd = Command::new(exe);
    cmd.arg("child").args(args).stdin(Stdio::null());
    match env {
        ChildEnv::Fake => {
            cmd.env("GST_USERMEDIA_FAKE_DEVICES", FAKE_DEVICES);
        }
        ChildEnv::Real => {
            cmd.env_remove("GST_USERMEDIA_FAKE_DEVICES");
        }
    }
    let out = cmd.output().expect("spawn a measurement process");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        fail(&format!("child {args:?} failed ({})", out.status));
    }
    let mut results = Results::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some("RESULT"), Some(k), Some(v)) => {
                if let Ok(v) = v.parse() {
                    results.entry(k.to_string()).or_default().push(v);
                }
            }
            (Some("CAPS"), _, _) => {
                results
                    .entry(format!("caps:{}", &line[5..]))
                    .or_default()
                    .push(1.0);
            }
            _ => (),
        }
    }
    results
}

enum ChildEnv {
    Fake,
    Real,
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Paired samples of one measurement.
#[derive(Default)]
struct Pairs {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Pairs {
    fn push(&mut self, v: Variant, x: f64) {
        match v {
            Variant::A => self.a.push(x),
            Variant::B => self.b.push(x),
        }
    }

    /// Median of the per-round ratios A/B: for measurements whose noise is the machine's load
    /// drifting between rounds, which each round's ratio cancels.
    fn paired_ratio(&self) -> f64 {
        median(&self.round_ratios())
    }

    fn round_ratios(&self) -> Vec<f64> {
        self.a.iter().zip(&self.b).map(|(a, b)| a / b).collect()
    }

    /// The middle half of the per-round ratios, as "p25–p75": how noisy the rounds were.
    fn spread(&self) -> String {
        let mut r = self.round_ratios();
        if r.len() < 4 {
            return String::new();
        }
        r.sort_by(|a, b| a.total_cmp(b));
        let n = r.len();
        format!("{:.2}–{:.2}", r[n / 4], r[(3 * n) / 4])
    }
}

/// One table row.
struct Row {
    measurement: String,
    device: String,
    unit: &'static str,
    scale: f64,
    pairs: Pairs,
    goal: Goal,
    /// Replaces the computed status.
    status: Option<String>,
    /// A/B from per-round ratios (CPU rows) rather than from the medians.
    paired: bool,
    note: String,
}

#[derive(Clone, Copy)]
enum Goal {
    /// A/B at most this.
    Ratio(f64),
    /// A/B at most this, or A at most B + this many seconds.
    RatioOrAbs(f64, f64),
    None,
}

impl Row {
    fn new(measurement: &str, device: &str, unit: &'static str, goal: Goal) -> Row {
        Row {
            measurement: measurement.into(),
            device: device.into(),
            unit,
            scale: match unit {
                "ms" => 1e3,
                "µs" => 1e6,
                _ => 1.0,
            },
            pairs: Pairs::default(),
            goal,
            status: None,
            paired: unit == "µs",
            note: String::new(),
        }
    }

    /// A/B: the median of the per-round ratios where rounds are paired, else the ratio of the
    /// medians (times to first buffer, whose noise is per sample: the camera's frame phase).
    fn ratio(&self) -> f64 {
        if self.paired {
            self.pairs.paired_ratio()
        } else {
            median(&self.pairs.a) / median(&self.pairs.b)
        }
    }

    fn status(&self) -> String {
        if let Some(s) = &self.status {
            return s.clone();
        }
        let (a, b, r) = (median(&self.pairs.a), median(&self.pairs.b), self.ratio());
        let met = match self.goal {
            Goal::None => return String::new(),
            _ if !r.is_finite() => return "n/a".into(),
            Goal::Ratio(g) => r <= g,
            Goal::RatioOrAbs(g, abs) => r <= g || a - b <= abs,
        };
        if met { "met" } else { "**not met**" }.into()
    }

    fn goal_text(&self) -> String {
        match self.goal {
            Goal::Ratio(g) => format!("≤ {g}×"),
            Goal::RatioOrAbs(g, abs) => format!("≤ {g}× or +{} ms", abs * 1e3),
            Goal::None => String::new(),
        }
    }

    fn markdown(&self) -> String {
        let fmt = |v: f64| {
            if self.unit.is_empty() {
                String::new()
            } else if v.is_finite() {
                let x = v * self.scale;
                if x >= 100.0 {
                    format!("{x:.0} {}", self.unit)
                } else if x >= 10.0 {
                    format!("{x:.1} {}", self.unit)
                } else {
                    format!("{x:.2} {}", self.unit)
                }
            } else {
                "n/a".into()
            }
        };
        let r = self.ratio();
        let ratio = |x: f64| {
            if self.unit.is_empty() {
                String::new()
            } else if x.is_finite() {
                format!("{x:.3}")
            } else {
                "n/a".into()
            }
        };
        format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            self.measurement,
            self.device,
            fmt(median(&self.pairs.a)),
            fmt(median(&self.pairs.b)),
            ratio(r),
            ratio(1.0 / r),
            self.goal_text(),
            self.status(),
            self.note
        )
    }
}

fn progress(msg: &str) {
    eprintln!("[{:>6.1}s] {msg}", started().elapsed().as_secs_f64());
}

fn started() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(Instant::now)
}

fn orchestrate(args: &[String]) {
    let opts = parse_options(args);
    started();
    let load_before = loadavg();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for name in &opts.backends {
        let b = backend(name);
        let env = match b.name {
            "fake" => ChildEnv::Fake,
            _ => {
                if std::env::var_os("VDEV_DIR").is_none() {
                    notes.push(
                        "PipeWire virtual cameras: skipped (VDEV_DIR is not set; \
                         `scripts/bench.sh` starts them with tests/vdev/vdev.sh when PipeWire \
                         is installed)."
                            .into(),
                    );
                    continue;
                }
                ChildEnv::Real
            }
        };
        rows.extend(run_backend(b, &env, &opts, &mut notes));
    }
    if opts.runs("display") {
        match display::rows(&opts) {
            Ok(r) => rows.extend(r),
            Err(note) => notes.push(note),
        }
    }
    let load_after = loadavg();
    let elapsed = started().elapsed();

    println!(
        "{}",
        machine_markdown(&load_before, &load_after, elapsed, &opts)
    );
    println!(
        "| measurement | device | A: usermediasrc | B: hand-written | A/B | B/A | goal (A/B) | status | notes |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!("{}", r.markdown());
    }
    println!();
    println!(
        "Medians over the rounds. A/B: for CPU times, the median of the per-round ratios (each round \
         runs A and B back to back, which cancels the machine's load drifting); for times, the \
         ratio of the medians (their noise is per sample: when the camera's next frame comes). \
         B/A is its inverse. \
         A: `usermediasrc constraints=\"{{video: {{deviceId: {{exact: …}}, …}}}}\"`; B: the \
         source element the device creates, its fixed native caps, and for the scaling rows \
         `videoscale ! capsfilter ! videorate drop-only=true ! capsfilter` (applyConstraints: \
         `videoscale ! capsfilter`, whose caps are changed). Sink: `fakesink sync=false`."
    );
    for n in &notes {
        println!();
        println!("{n}");
    }
}

fn run_backend(b: Backend, env: &ChildEnv, o: &Options, notes: &mut Vec<String>) -> Vec<Row> {
    let mut rows = Vec::new();
    let native = format!("{} `{}`", b.name, b.native.mode);
    let scaled = format!("{} `{}`", b.name, b.scaled.mode);
    let secs = o.cpu_seconds.to_string();

    if o.runs("ttfb-first") {
        // 1a. First element of a process.
        progress(&format!(
            "{}: time to first buffer, fresh processes",
            b.name
        ));
        let mut row = Row::new(
            "time to first buffer, first element in a process",
            &native,
            "ms",
            Goal::Ratio(1.2),
        );
        let mut created = Row::new(
            "… the same, from building the pipeline (B's source plugin loads there)",
            &native,
            "ms",
            Goal::None,
        );
        let mut after_setup = after_setup_row(&native);
        for round in 0..o.rounds {
            for v in Variant::order(round) {
                let r = run_child(env, &["ttfb-first", b.name, v.name()]);
                row.pairs.push(v, r["ttfb"][0]);
                created.pairs.push(v, r["ttfb_from_creation"][0]);
                let setup = SETUP_MS.to_string();
                let r = run_child(env, &["ttfb-first", b.name, v.name(), &setup]);
                after_setup.pairs.push(v, r["ttfb"][0]);
            }
        }
        // What the first element pays for: the device probe, and per provider.
        let n = o.rounds.div_ceil(3);
        let probe: Vec<f64> = (0..n)
            .map(|_| run_child(env, &["probe", b.name])["probe"][0])
            .collect();
        row.note = format!("device probe (cameras): {:.1} ms", median(&probe) * 1e3);
        rows.push(row);
        rows.push(created);
        rows.push(after_setup);
        if matches!(env, ChildEnv::Real) {
            let mut parts = Vec::new();
            for provider in camera_providers()
                .iter()
                .map(String::as_str)
                .chain(["pulsedeviceprovider"])
            {
                let (mut load, mut start, mut ok) = (Vec::new(), Vec::new(), true);
                for _ in 0..n {
                    let r = run_child(env, &["provider-cost", b.name, provider]);
                    load.push(r["load"][0]);
                    start.push(r["start"][0]);
                    ok &= r["started"][0] == 1.0;
                }
                parts.push(format!(
                    "{provider} {:.1} + {:.1} ms{}",
                    median(&load) * 1e3,
                    median(&start) * 1e3,
                    if ok { "" } else { " (does not start)" }
                ));
            }
            notes.push(format!(
                "{}: device providers alone, first in a process (median of {n}; plugin loading + \
                 start): {}. Camera requests start the camera providers only; pulse starts with \
                 the first microphone request.",
                b.name,
                parts.join(", ")
            ));
        }
    }

    if o.runs("ttfb-warm") {
        // 1b. Later elements.
        progress(&format!("{}: time to first buffer, later elements", b.name));
        let mut row = Row::new(
            "time to first buffer, later elements",
            &native,
            "ms",
            Goal::RatioOrAbs(1.05, 0.001),
        );
        // Cheap samples, and the camera's frame phase makes each one noisy: take more.
        let warm_rounds = o.rounds * 10;
        let r = run_child(env, &["ttfb-warm", b.name, &warm_rounds.to_string()]);
        for round in 0..warm_rounds {
            for v in [Variant::A, Variant::B] {
                row.pairs
                    .push(v, r[&format!("ttfb.{}.{round}", v.name())][0]);
            }
        }
        rows.push(row);
    }

    if o.runs("cpu") {
        // 2. CPU per frame, native mode; where usermediasrc configures the source differently,
        // also against the hand-written pipeline with the source configured the same way.
        progress(&format!("{}: CPU per frame, native mode", b.name));
        let mut runs = vec![("native", Variant::A), ("native", Variant::B)];
        if b.native.source_as_configured.is_some() {
            runs.push(("native-as-configured", Variant::B));
        }
        let samples = rotated_runs(env, b, &runs, o.cpu_rounds, &secs);
        for (i, &(case, _)) in runs.iter().enumerate().skip(1) {
            let what = if case == "native" {
                String::new()
            } else {
                format!(
                    " (B configured as usermediasrc does: `{}`)",
                    b.native.source_as_configured.unwrap_or_default()
                )
            };
            let mut row = Row::new(
                &format!("CPU time per frame, native mode{what}"),
                &native,
                "µs",
                Goal::Ratio(1.01),
            );
            row.pairs.a = values(&samples[0], "cpu_per_frame");
            row.pairs.b = values(&samples[i], "cpu_per_frame");
            row.note = format!(
                "{:.1} / {:.1} fps; CPU load {:.1} % / {:.1} %; usermediasrc's own threads \
                 {:.2} µs/frame; round ratios {}",
                median(&values(&samples[0], "fps")),
                median(&values(&samples[i], "fps")),
                median(&values(&samples[0], "cpu_load")) * 100.0,
                median(&values(&samples[i], "cpu_load")) * 100.0,
                median(&values(&samples[0], "own_threads_per_frame")) * 1e6,
                row.pairs.spread()
            );
            rows.push(row);
        }
    }

    if o.runs("zerocopy") {
        progress(&format!("{}: zero copy", b.name));
        let mut copies = Vec::new();
        let mut zero_copy = false;
        for v in [Variant::A, Variant::B] {
            let r = run_child(env, &["zerocopy", b.name, v.name()]);
            let (same, total) = (r["zerocopy.same"][0], r["zerocopy.total"][0]);
            let copying = r.get("source_copies").is_some_and(|c| c[0] == 1.0);
            copies.push(format!(
                "{}: same memory {same}/{total}{}",
                v.name(),
                if copying {
                    " (the source element itself copies: always-copy=true)"
                } else {
                    ""
                }
            ));
            if v == Variant::A {
                zero_copy = total > 0.0 && same == total;
            }
        }
        let mut row = Row::new(
            "zero copy: every buffer reaches the sink in the source's memory",
            &native,
            "",
            Goal::None,
        );
        row.status = Some(if zero_copy { "yes" } else { "**no**" }.into());
        row.note = copies.join("; ");
        rows.push(row);
    }

    if o.runs("rescale") {
        // 3. Crop/scale and decimation, against the pipeline as usually written (scale, then
        // drop) and against the same elements in usermediasrc's order (drop, then scale).
        progress(&format!("{}: CPU per frame, scaling path", b.name));
        let runs = [
            ("rescale", Variant::A),
            ("rescale", Variant::B),
            ("rescale-same-elements", Variant::B),
        ];
        let samples = rotated_runs(env, b, &runs, o.cpu_rounds, &secs);
        let values = |i: usize, key: &str| values(&samples[i], key);
        let caps = |i: usize| -> Vec<String> {
            let mut c: Vec<String> = samples[i]
                .iter()
                .flat_map(|r| r.keys().filter_map(|k| k.strip_prefix("caps:")))
                .map(String::from)
                .collect();
            c.dedup();
            c
        };
        // Against the same elements in the same order, the question is the bin's own cost, as
        // in the native mode.
        let same = match b.scaled.source_as_configured {
            Some(s) => format!("B is usermediasrc's chain by hand: `{s}`, drops, then scales"),
            None => "B is usermediasrc's chain by hand: drops, then scales".into(),
        };
        for (i, what, goal) in [
            (1, "B scales, then drops".to_string(), Goal::Ratio(1.0)),
            (2, same, Goal::Ratio(1.01)),
        ] {
            let mut row = Row::new(
                &format!("CPU time per delivered frame, 640x360 ≤15 fps ({what})"),
                &scaled,
                "µs",
                goal,
            );
            row.pairs.a = values(0, "cpu_per_frame");
            row.pairs.b = values(i, "cpu_per_frame");
            row.note = format!(
                "{:.1} / {:.1} fps; round ratios {}",
                median(&values(0, "fps")),
                median(&values(i, "fps")),
                row.pairs.spread()
            );
            if caps(0) != caps(i) {
                notes.push(format!(
                    "{}: the scaling path's output caps differ: A {:?}, B {:?}",
                    b.name,
                    caps(0),
                    caps(i)
                ));
            }
            rows.push(row);
        }
    }

    if o.runs("apply") {
        // 4. applyConstraints.
        progress(&format!("{}: applyConstraints", b.name));
        let mut row = Row::new(
            "applyConstraints 640x360 → 320x180, to first new-size buffer",
            &scaled,
            "ms",
            Goal::None,
        );
        let r = run_child(env, &["apply", b.name, &o.rounds.to_string()]);
        for round in 0..o.rounds {
            for v in [Variant::A, Variant::B] {
                if let Some(x) = r.get(&format!("apply.{}.{round}", v.name())) {
                    row.pairs.push(v, x[0]);
                }
            }
        }
        if r.contains_key("apply.A.unsupported") {
            row.note = "A: n/a (not implemented in this build: setting `constraints` in PLAYING \
                        does not change the running track)"
                .into();
        }
        rows.push(row);
    }
    rows
}

/// `rounds` CPU samples of each `(case, variant)`, rotating which runs first.
fn rotated_runs(
    env: &ChildEnv,
    b: Backend,
    runs: &[(&str, Variant)],
    rounds: usize,
    secs: &str,
) -> Vec<Vec<Results>> {
    let mut samples: Vec<Vec<Results>> = vec![Vec::new(); runs.len()];
    for round in 0..rounds {
        for k in 0..runs.len() {
            let i = (round + k) % runs.len();
            let (case, v) = runs[i];
            samples[i].push(run_child(env, &["cpu", b.name, case, v.name(), secs]));
        }
    }
    samples
}

fn values(samples: &[Results], key: &str) -> Vec<f64> {
    samples.iter().map(|r| r[key][0]).collect()
}

/// Device providers serving cameras, as GstDeviceMonitor picks them (rank ≥ marginal).
fn camera_providers() -> Vec<String> {
    let _ = gst::init();
    gst::DeviceProviderFactory::factories(gst::Rank::MARGINAL)
        .into_iter()
        .filter(|f| f.has_classes(Some("Video/Source")))
        .map(|f| f.name().to_string())
        .filter(|n| n != "usermediafakedeviceprovider")
        .collect()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine_markdown(before: &str, after: &str, elapsed: Duration, o: &Options) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "?".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "?".into());
    let _ = gst::init();
    let pipewire = gst::Registry::get()
        .find_plugin("pipewire")
        .map(|p| p.version().to_string())
        .unwrap_or_else(|| "not installed".into());
    let commit = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into());
    format!(
        "| machine | |\n|---|---|\n\
         | CPU | {model}, {} cores |\n\
         | memory | {mem} |\n\
         | OS, kernel | {os}, Linux {kernel} |\n\
         | GStreamer | {} (PipeWire plugin {pipewire}) |\n\
         | build | release (`cargo run --release --example bench_pipeline`), commit {commit} |\n\
         | rounds | {} (first element, applyConstraints), {} (later elements), {} × {} s (CPU) |\n\
         | load average (1, 5, 15 min) | {before} at the start, {after} at the end |\n\
         | run time | {:.0} s |\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        gst::version_string(),
        o.rounds,
        o.rounds * 10,
        o.cpu_rounds,
        o.cpu_seconds,
        elapsed.as_secs_f64()
    )
}
