// SPDX-License-Identifier: MPL-2.0
//! Lifecycle: 1000 NULL→PLAYING→NULL cycles under the leaks tracer with flat fd and thread
//! counts, READY↔PAUSED cycles with pads coming and going, and `constraints` set in every state.

mod common;

use common::watchdog::Watchdog;
use gst::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

const DEVICES: &str = r#"[
  {"kind": "videoinput", "deviceId": "cam0", "label": "Camera",
   "caps": "video/x-raw,format=I420,width=640,height=480,framerate=30/1; video/x-raw,format=I420,width=320,height=240,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "mic0", "label": "Microphone",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}
]"#;

const AV: &str = "{video: true, audio: true}";

/// Set in the environment of the child process that runs the measured cycles.
const CHILD_ENV: &str = "USERMEDIA_LIFECYCLE_CHILD";
const WARMUP_CYCLES: usize = 10;
const CYCLES: usize = 1000;
/// Cycles per pipeline: the element is reused within a pipeline, and pipelines (with their
/// element) are created and destroyed too.
const CYCLES_PER_PIPELINE: usize = 10;

fn init() {
    common::init_with_fake_devices(DEVICES);
}

/// A pipeline with one usermediasrc; each pad it adds gets a fakesink, and the first buffer of
/// each pad in a run is reported.
struct Rig {
    pipeline: gst::Pipeline,
    src: gst::Element,
    sinks: Arc<Mutex<Vec<gst::Element>>>,
    first_buffers: mpsc::Receiver<String>,
    pads_added: Arc<AtomicUsize>,
}

impl Rig {
    fn new(constraints: &str) -> Rig {
        let pipeline = gst::Pipeline::new();
        let src = gst::ElementFactory::make("usermediasrc")
            .property("constraints", constraints)
            .build()
            .unwrap();
        pipeline.add(&src).unwrap();
        let (tx, first_buffers) = mpsc::channel::<String>();
        let tx = Mutex::new(tx);
        let sinks = Arc::new(Mutex::new(Vec::new()));
        let pads_added = Arc::new(AtomicUsize::new(0));
        let (sinks2, added2) = (sinks.clone(), pads_added.clone());
        let sink = "fakesink sync=false async=false";
        common::link_new_pads(&pipeline, &src, sink, move |pad, sink| {
            added2.fetch_add(1, Ordering::SeqCst);
            let tx = tx.lock().unwrap().clone();
            let name = pad.name().to_string();
            pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                let _ = tx.send(name.clone());
                gst::PadProbeReturn::Remove
            });
            sinks2.lock().unwrap().push(sink.clone());
        });
        Rig {
            pipeline,
            src,
            sinks,
            first_buffers,
            pads_added,
        }
    }

    /// NULL→PLAYING, until the first buffer on each of `pads` pads, then NULL.
    fn cycle(&self, pads: usize) {
        self.pads_added.store(0, Ordering::SeqCst);
        while self.first_buffers.try_recv().is_ok() {}
        self.pipeline
            .set_state(gst::State::Playing)
            .unwrap_or_else(|e| panic!("PLAYING: {e:?}; {:?}", self.bus_error()));
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = HashSet::new();
        while seen.len() < pads {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.first_buffers.recv_timeout(left) {
                Ok(pad) => {
                    seen.insert(pad);
                }
                Err(_) => panic!(
                    "no first buffer within 10 s on every pad (saw {seen:?}); {:?}",
                    self.bus_error()
                ),
            }
        }
        if let Some(e) = self.bus_error() {
            panic!("error while streaming: {e}");
        }
        self.pipeline.set_state(gst::State::Null).unwrap();
        assert_eq!(self.pads_added.load(Ordering::SeqCst), pads);
        assert!(self.src.src_pads().is_empty(), "pads left after NULL");
        for sink in self.sinks.lock().unwrap().drain(..) {
            self.pipeline.remove(&sink).unwrap();
        }
    }

    fn bus_error(&self) -> Option<String> {
        let bus = self.pipeline.bus().unwrap();
        bus.pop_filtered(&[gst::MessageType::Error])
            .map(|m| match m.view() {
                gst::MessageView::Error(e) => format!("{} ({:?})", e.error(), e.debug()),
                _ => unreachable!(),
            })
    }
}

fn count_dir(path: &str) -> usize {
    std::fs::read_dir(path).map(|d| d.count()).unwrap_or(0)
}

fn fds() -> usize {
    count_dir("/proc/self/fd")
}

fn threads() -> usize {
    count_dir("/proc/self/task")
}

/// The names of this process's threads, sorted.
fn thread_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                .map(|n| n.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Waits (up to 3 s) for the thread count to drop to `target`: GStreamer runs source tasks on
/// GLib's shared thread pool, whose idle threads wait a while for new work before exiting.
fn settle_threads(target: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let n = threads();
        if n <= target || Instant::now() >= deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn leaks_tracer() -> gst::Tracer {
    gst::active_tracers()
        .into_iter()
        .find(|t| t.type_().name() == "GstLeaksTracer")
        .expect("the leaks tracer is active (GST_TRACERS=leaks)")
}

/// Adds the leaks tracer's objects created / destroyed since the last checkpoint to `net`
/// (per type name: created minus destroyed). Addresses are not used: they are reused.
fn checkpoint(tracer: &gst::Tracer, net: &mut BTreeMap<String, i64>) {
    let s = tracer.emit_by_name::<gst::Structure>("activity-get-checkpoint", &[]);
    for (field, delta) in [("objects-created-list", 1), ("objects-removed-list", -1)] {
        let list = s.get::<gst::List>(field).unwrap();
        for v in list.iter() {
            let o = v.get::<gst::Structure>().unwrap();
            let ty = o.get::<String>("type-name").unwrap();
            *net.entry(ty).or_default() += delta;
        }
    }
}

/// The NULL→PLAYING→NULL cycles run in a child process (this test binary, running only
/// `cycles_child`) so that the leaks tracer is active from `gst_init` on and no other test
/// creates objects, fds or threads meanwhile.
#[test]
fn thousand_cycles_leak_nothing() {
    let _watchdog = Watchdog::new("thousand_cycles_leak_nothing", Duration::from_secs(240));
    let started = Instant::now();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "cycles_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .env("GST_TRACERS", "leaks")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stdout.lines().chain(stderr.lines()) {
        if let Some(i) = line.find("lifecycle:") {
            println!("{}", &line[i..]);
        }
    }
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed ({:?}) after {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status,
        started.elapsed()
    );
}

#[test]
#[ignore = "runs in the child process of thousand_cycles_leak_nothing"]
fn cycles_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        eprintln!("{CHILD_ENV} not set: nothing to do");
        return;
    }
    init();
    let _watchdog = Watchdog::new("cycles_child", Duration::from_secs(220));
    let tracer = leaks_tracer();

    // Warm-up: starts the shared device monitor and its provider, loads the plugins, fills
    // GStreamer's caches. What is alive now is alive by design and is the baseline.
    {
        let rig = Rig::new(AV);
        for _ in 0..WARMUP_CYCLES {
            rig.cycle(2);
        }
    }
    // Threads that end with a session (the element's live worker) finish exiting.
    std::thread::sleep(Duration::from_millis(300));
    let fds_before = fds();
    let threads_before = threads();
    let names_before = thread_names();
    let rss_before = rss_kib();
    tracer.emit_by_name::<()>("activity-start-tracking", &[]);
    let mut net = BTreeMap::new();

    let started = Instant::now();
    let mut rss_half = 0;
    for p in 0..CYCLES / CYCLES_PER_PIPELINE {
        if p == CYCLES / CYCLES_PER_PIPELINE / 2 {
            rss_half = rss_kib();
        }
        let rig = Rig::new(AV);
        if p % 2 == 1 {
            // Every other pipeline asks for permission: the handler runs on a helper thread.
            rig.src.set_property_from_str("permission", "prompt");
            rig.src
                .downcast_ref::<gstusermedia::UserMediaSrc>()
                .unwrap()
                .connect_request_permission(|_, _| true);
        }
        for _ in 0..CYCLES_PER_PIPELINE {
            rig.cycle(2);
        }
        drop(rig);
        if p % 10 == 9 {
            checkpoint(&tracer, &mut net);
        }
    }
    let elapsed = started.elapsed();
    checkpoint(&tracer, &mut net);
    // Objects a finishing thread still holds go away shortly.
    let deadline = Instant::now() + Duration::from_secs(3);
    while net.values().any(|&n| n > 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        checkpoint(&tracer, &mut net);
    }
    tracer.emit_by_name::<()>("activity-stop-tracking", &[]);
    let leaked: BTreeMap<&String, &i64> = net.iter().filter(|(_, n)| **n > 0).collect();
    let leaked_total: i64 = leaked.values().copied().sum();
    let fds_after = fds();
    let threads_after = settle_threads(threads_before);
    let names_after = thread_names();
    let rss_after = rss_kib();

    println!(
        "lifecycle: {CYCLES} NULL→PLAYING→NULL cycles (video+audio, {} pipelines, half of them \
         with a permission prompt) after {WARMUP_CYCLES} warm-up cycles in {elapsed:.1?} \
         ({:.1} ms/cycle)",
        CYCLES / CYCLES_PER_PIPELINE,
        elapsed.as_secs_f64() * 1000.0 / CYCLES as f64
    );
    println!(
        "lifecycle: leaked objects (created by the cycles, still alive): {leaked_total} {leaked:?}"
    );
    println!(
        "lifecycle: fds {fds_before} → {fds_after}, threads {threads_before} → {threads_after}"
    );
    println!("lifecycle: threads {names_before:?} → {names_after:?}");
    println!(
        "lifecycle: RSS {rss_before} KiB → {rss_half} KiB after {} cycles → {rss_after} KiB",
        CYCLES / 2
    );
    assert_eq!(leaked_total, 0, "leaked: {leaked:?}");
    assert!(fds_after <= fds_before, "fd count grew");
    assert!(threads_after <= threads_before, "thread count grew");
    // The allocator's per-thread arenas fill up during the first few hundred cycles; after that
    // the footprint is flat. A leak of 64 KiB per cycle would show here.
    assert!(
        rss_after < rss_half + 32 * 1024,
        "RSS grew by {} KiB over the second half",
        rss_after - rss_half
    );
}

/// READY↔PAUSED 100 times: pads appear (then no-more-pads) and disappear every time, and
/// `settings` is filled in PAUSED and `{}` in READY.
#[test]
fn ready_paused_cycles_add_and_remove_pads() {
    init();
    let _watchdog = Watchdog::new("ready_paused_cycles", Duration::from_secs(90));
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
        .property("constraints", AV)
        .build()
        .unwrap();
    pipeline.add(&src).unwrap();
    let added = Arc::new(AtomicUsize::new(0));
    let removed = Arc::new(AtomicUsize::new(0));
    let no_more = Arc::new(AtomicUsize::new(0));
    {
        let added = added.clone();
        src.connect_pad_added(move |_, _| {
            added.fetch_add(1, Ordering::SeqCst);
        });
        let removed = removed.clone();
        src.connect_pad_removed(move |_, _| {
            removed.fetch_add(1, Ordering::SeqCst);
        });
        let no_more = no_more.clone();
        src.connect_no_more_pads(move |_| {
            no_more.fetch_add(1, Ordering::SeqCst);
        });
    }
    let settings = |e: &gst::Element| -> serde_json::Value {
        serde_json::from_str(&e.property::<String>("settings")).unwrap()
    };
    pipeline.set_state(gst::State::Ready).unwrap();
    assert_eq!(settings(&src), serde_json::json!({}));
    const N: usize = 100;
    for i in 1..=N {
        pipeline.set_state(gst::State::Paused).unwrap();
        assert_eq!(added.load(Ordering::SeqCst), 2 * i);
        assert_eq!(no_more.load(Ordering::SeqCst), i);
        let mut pads: Vec<String> = src.src_pads().iter().map(|p| p.name().into()).collect();
        pads.sort();
        assert_eq!(pads, ["audio_0", "video_0"]);
        let s = settings(&src);
        assert_eq!(s["video"]["deviceId"], "cam0", "{s}");
        assert_eq!(s["audio"]["deviceId"], "mic0", "{s}");

        pipeline.set_state(gst::State::Ready).unwrap();
        assert_eq!(removed.load(Ordering::SeqCst), 2 * i);
        assert!(src.src_pads().is_empty());
        assert_eq!(settings(&src), serde_json::json!({}));
        assert!(common::children(&src).is_empty());
    }
    pipeline.set_state(gst::State::Null).unwrap();
}

/// Setting `constraints` in NULL, READY, PAUSED and PLAYING: stored while no track runs; in
/// PAUSED and PLAYING it is applyConstraints (a change that needs the device waits for PLAYING),
/// and a failed one is a warning that changes nothing.
#[test]
fn constraints_can_be_set_in_every_state() {
    init();
    let _watchdog = Watchdog::new("constraints_in_every_state", Duration::from_secs(60));
    let rig = Rig::new("{video: {width: 640}}");
    let src = &rig.src;
    let bus = rig.pipeline.bus().unwrap();
    let set_stored = |c: &str| {
        src.set_property("constraints", c);
        assert_eq!(src.property::<String>("constraints"), c);
    };
    let settings = || -> serde_json::Value {
        serde_json::from_str(&src.property::<String>("settings")).unwrap()
    };
    let wait_for_width = |w: u64| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while settings()["video"]["width"].as_u64() != Some(w) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            settings()["video"]["width"].as_u64(),
            Some(w),
            "{}",
            settings()
        );
    };

    set_stored("{video: {width: 640}, audio: true}");
    assert_eq!(settings(), serde_json::json!({}));
    rig.pipeline.set_state(gst::State::Ready).unwrap();
    set_stored("{video: {width: {ideal: 640}}}");
    assert_eq!(settings(), serde_json::json!({}));

    rig.pipeline.set_state(gst::State::Paused).unwrap();
    assert_eq!(settings()["video"]["width"], 640);
    // Nothing to change: applied at once.
    set_stored("{video: {width: {ideal: 640}, frameRate: 30}}");
    assert_eq!(settings()["video"]["width"], 640);
    // Another size: applied now or, if it needs the device, once PLAYING.
    src.set_property(
        "constraints",
        "{video: {width: {exact: 320}, height: {exact: 240}}}",
    );

    rig.pipeline.set_state(gst::State::Playing).unwrap();
    wait_for_width(320);
    src.set_property("constraints", "{video: {width: {exact: 640}}}");
    wait_for_width(640);
    assert_eq!(
        src.property::<String>("constraints"),
        "{video: {width: {exact: 640}}}"
    );

    // Unsatisfiable: a warning; constraints and settings stay.
    src.set_property("constraints", "{video: {width: {exact: 4000}}}");
    let warning = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(5),
            &[gst::MessageType::Warning],
        )
        .expect("a warning for unsatisfiable constraints");
    let gst::MessageView::Warning(w) = warning.view() else {
        unreachable!()
    };
    let details = w.details().expect("usermedia-error details");
    assert_eq!(details.get::<&str>("name").unwrap(), "OverconstrainedError");
    assert_eq!(details.get::<&str>("constraint").unwrap(), "width");
    assert_eq!(settings()["video"]["width"], 640);
    assert_eq!(
        src.property::<String>("constraints"),
        "{video: {width: {exact: 640}}}"
    );
    assert!(bus.pop_filtered(&[gst::MessageType::Error]).is_none());

    rig.pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(settings(), serde_json::json!({}));
    set_stored("{video: true}");
}
