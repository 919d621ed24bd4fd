// SPDX-License-Identifier: MPL-2.0
//! Concurrency: eight usermediasrc elements in one process, each on its own fake camera and
//! microphone, started and stopped repeatedly from their own threads while another thread
//! changes their `constraints` and reads `settings` / `capabilities`. Runs under a watchdog, so a
//! deadlock aborts the process with a message instead of hanging CI.

mod common;

use common::watchdog::Watchdog;
use gst::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

const ELEMENTS: usize = 8;
const CYCLES: usize = 50;

/// Camera i is 160+32i pixels wide, so the caps tell which camera an element got.
fn camera_width(i: usize) -> i32 {
    160 + 32 * i as i32
}

fn devices() -> String {
    let mut list = Vec::new();
    for i in 0..ELEMENTS {
        list.push(format!(
            r#"{{"kind": "videoinput", "deviceId": "cam{i}", "label": "Camera {i}",
                "caps": "video/x-raw,format=I420,width={},height=120,framerate=30/1"}}"#,
            camera_width(i)
        ));
    }
    for i in 0..ELEMENTS {
        list.push(format!(
            r#"{{"kind": "audioinput", "deviceId": "mic{i}", "label": "Microphone {i}",
                "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}}"#
        ));
    }
    format!("[{}]", list.join(","))
}

/// Two equivalent constraint sets for element i: both select camera i and microphone i in their
/// native modes, so the caps stay predictable whichever is in effect when an element starts.
fn constraints(i: usize, variant: usize) -> String {
    let audio = format!(
        "{{deviceId: {{exact: 'mic{i}'}}, echoCancellation: false, autoGainControl: false, \
         noiseSuppression: false}}"
    );
    if variant.is_multiple_of(2) {
        format!("{{video: {{deviceId: {{exact: 'cam{i}'}}}}, audio: {audio}}}")
    } else {
        format!(
            "{{video: {{deviceId: {{exact: 'cam{i}'}}, width: {{ideal: {}}}, frameRate: 30}}, \
             audio: {audio}}}",
            camera_width(i)
        )
    }
}

/// One element's NULL→PLAYING→NULL cycle: the caps of the first buffer of each pad.
fn cycle(i: usize, pipeline: &gst::Pipeline, src: &gst::Element) -> HashMap<String, gst::Caps> {
    let (tx, rx) = mpsc::channel::<(String, gst::Caps)>();
    let tx = Mutex::new(tx);
    let sinks = Arc::new(Mutex::new(Vec::<gst::Element>::new()));
    let sinks2 = sinks.clone();
    let sink = "fakesink sync=false async=false";
    let handler = common::link_new_pads(pipeline, src, sink, move |pad, sink| {
        let tx = tx.lock().unwrap().clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, _| {
            let caps = pad.current_caps().expect("caps before the first buffer");
            let _ = tx.send((pad.name().to_string(), caps));
            gst::PadProbeReturn::Remove
        });
        sinks2.lock().unwrap().push(sink.clone());
    });

    let bus = pipeline.bus().unwrap();
    let error = || {
        bus.pop_filtered(&[gst::MessageType::Error])
            .map(|m| format!("{m:?}"))
    };
    pipeline
        .set_state(gst::State::Playing)
        .unwrap_or_else(|e| panic!("element {i}: PLAYING failed: {e:?}; {:?}", error()));
    let mut caps = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while caps.len() < 2 {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((pad, c)) => {
                caps.insert(pad, c);
            }
            Err(_) => panic!(
                "element {i}: no buffer on every pad within 20 s ({caps:?}); {:?}",
                error()
            ),
        }
    }
    if let Some(e) = error() {
        panic!("element {i}: error while streaming: {e}");
    }
    pipeline.set_state(gst::State::Null).unwrap();
    src.disconnect(handler);
    for sink in sinks.lock().unwrap().drain(..) {
        pipeline.remove(&sink).unwrap();
    }
    caps
}

#[test]
fn eight_elements_cycle_from_their_own_threads_while_constraints_change() {
    common::init_with_fake_devices(&devices());
    let _watchdog = Watchdog::new(
        "eight elements starting, stopping and reconfiguring concurrently",
        Duration::from_secs(90),
    );
    let started = Instant::now();
    // Every element, whatever its state: the changer also hits elements in the middle of a
    // state change.
    let elements: Arc<Mutex<Vec<(usize, gst::Element)>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let changes = Arc::new(AtomicUsize::new(0));

    // Changes the constraints of the elements and reads their settings and capabilities.
    let changer = {
        let (elements, done, changes) = (elements.clone(), done.clone(), changes.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !done.load(Ordering::SeqCst) {
                let elements = elements.lock().unwrap().clone();
                for (i, e) in elements {
                    n += 1;
                    e.set_property("constraints", constraints(i, n));
                    for name in ["settings", "capabilities"] {
                        let json = e.property::<String>(name);
                        let v: serde_json::Value = serde_json::from_str(&json)
                            .unwrap_or_else(|err| panic!("{name} is not JSON ({err}): {json}"));
                        if let Some(id) = v["video"]["deviceId"].as_str() {
                            assert_eq!(id, format!("cam{i}"), "{name}: {v}");
                        }
                    }
                    changes.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_micros(500));
            }
        })
    };

    let workers: Vec<_> = (0..ELEMENTS)
        .map(|i| {
            let elements = elements.clone();
            std::thread::Builder::new()
                .name(format!("element-{i}"))
                .spawn(move || {
                    let pipeline = gst::Pipeline::new();
                    let src = gst::ElementFactory::make("usermediasrc")
                        .property("constraints", constraints(i, 0))
                        .build()
                        .unwrap();
                    pipeline.add(&src).unwrap();
                    elements.lock().unwrap().push((i, src.clone()));
                    for c in 0..CYCLES {
                        let caps = cycle(i, &pipeline, &src);
                        let v = caps["video_0"].structure(0).unwrap();
                        assert_eq!(v.name(), "video/x-raw", "element {i} cycle {c}");
                        assert_eq!(
                            v.get::<i32>("width").unwrap(),
                            camera_width(i),
                            "element {i} cycle {c}: {v}"
                        );
                        assert_eq!(v.get::<i32>("height").unwrap(), 120);
                        let a = caps["audio_0"].structure(0).unwrap();
                        assert_eq!(a.name(), "audio/x-raw", "element {i} cycle {c}");
                        assert_eq!(a.get::<i32>("rate").unwrap(), 48000, "{a}");
                        assert_eq!(a.get::<i32>("channels").unwrap(), 1, "{a}");
                    }
                    CYCLES
                })
                .unwrap()
        })
        .collect();
    let mut cycles = 0;
    let mut failures = Vec::new();
    for (i, w) in workers.into_iter().enumerate() {
        match w.join() {
            Ok(n) => cycles += n,
            Err(e) => failures.push(format!(
                "element {i}: {}",
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        }
    }
    done.store(true, Ordering::SeqCst);
    changer.join().expect("the constraints thread failed");
    println!(
        "concurrency: {ELEMENTS} elements × {CYCLES} cycles = {cycles} cycles with buffers and \
         the expected caps, {} constraint changes + settings/capabilities reads, in {:.1?}",
        changes.load(Ordering::SeqCst),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(cycles, ELEMENTS * CYCLES);
    assert!(changes.load(Ordering::SeqCst) > 0);
}

/// Elements keep streaming while another thread changes their constraints (applyConstraints,
/// each change rebuilding the video tail) and a third reads `settings` / `capabilities`: every
/// change shows up in `settings` and in the caps of the buffers that follow, nothing errors, and
/// the elements stop normally afterwards.
#[test]
fn constraints_changed_from_another_thread_while_streaming() {
    const STREAMING: usize = 4;
    const ROUNDS: usize = 10;
    common::init_with_fake_devices(&devices());
    let _watchdog = Watchdog::new(
        "constraints changed from another thread while streaming",
        Duration::from_secs(90),
    );
    let sized = |i: usize, half: bool| {
        let (w, h) = if half {
            (camera_width(i) / 2, 60)
        } else {
            (camera_width(i), 120)
        };
        format!(
            "{{video: {{deviceId: {{exact: 'cam{i}'}}, width: {{exact: {w}}}, height: {{exact: {h}}}}}, \
             audio: {{deviceId: {{exact: 'mic{i}'}}, echoCancellation: false, \
             autoGainControl: false, noiseSuppression: false}}}}"
        )
    };
    struct Streaming {
        pipeline: gst::Pipeline,
        src: gst::Element,
        /// Width of the latest video buffer.
        width: Arc<std::sync::atomic::AtomicI32>,
        buffers: Arc<AtomicUsize>,
    }
    let elements: Vec<Streaming> = (0..STREAMING)
        .map(|i| {
            let pipeline = gst::Pipeline::new();
            let src = gst::ElementFactory::make("usermediasrc")
                .property("constraints", sized(i, false))
                .build()
                .unwrap();
            pipeline.add(&src).unwrap();
            let width = Arc::new(std::sync::atomic::AtomicI32::new(0));
            let buffers = Arc::new(AtomicUsize::new(0));
            let (width2, buffers2) = (width.clone(), buffers.clone());
            let sink = "fakesink sync=false async=false";
            common::link_new_pads(&pipeline, &src, sink, move |pad, _| {
                if pad.name().starts_with("video") {
                    let (width, buffers) = (width2.clone(), buffers2.clone());
                    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, _| {
                        if let Some(w) = pad
                            .current_caps()
                            .and_then(|c| c.structure(0)?.get::<i32>("width").ok())
                        {
                            width.store(w, Ordering::SeqCst);
                        }
                        buffers.fetch_add(1, Ordering::SeqCst);
                        gst::PadProbeReturn::Ok
                    });
                }
            });
            pipeline.set_state(gst::State::Playing).unwrap();
            Streaming {
                pipeline,
                src,
                width,
                buffers,
            }
        })
        .collect();

    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let srcs: Vec<gst::Element> = elements.iter().map(|e| e.src.clone()).collect();
        let (done, reads) = (done.clone(), reads.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                for (i, e) in srcs.iter().enumerate() {
                    for name in ["settings", "capabilities", "constraints"] {
                        let json = e.property::<String>(name);
                        if name != "constraints" {
                            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
                            assert_eq!(v["video"]["deviceId"], format!("cam{i}"), "{v}");
                        }
                    }
                    reads.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let changer = {
        let srcs: Vec<(
            gst::Element,
            Arc<std::sync::atomic::AtomicI32>,
            Arc<AtomicUsize>,
        )> = elements
            .iter()
            .map(|e| (e.src.clone(), e.width.clone(), e.buffers.clone()))
            .collect();
        std::thread::spawn(move || {
            for round in 0..ROUNDS {
                let half = round % 2 == 0;
                for (i, (src, _, _)) in srcs.iter().enumerate() {
                    src.set_property("constraints", sized(i, half));
                }
                for (i, (src, width, buffers)) in srcs.iter().enumerate() {
                    let want = if half {
                        camera_width(i) / 2
                    } else {
                        camera_width(i)
                    };
                    let deadline = Instant::now() + Duration::from_secs(10);
                    let settings_width = || -> Option<i64> {
                        let s: serde_json::Value =
                            serde_json::from_str(&src.property::<String>("settings")).unwrap();
                        s["video"]["width"].as_i64()
                    };
                    while (settings_width() != Some(want as i64)
                        || width.load(Ordering::SeqCst) != want)
                        && Instant::now() < deadline
                    {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    assert_eq!(
                        settings_width(),
                        Some(want as i64),
                        "element {i} round {round}"
                    );
                    assert_eq!(
                        width.load(Ordering::SeqCst),
                        want,
                        "element {i} round {round}: buffers of the new width"
                    );
                    // And the stream goes on.
                    let n = buffers.load(Ordering::SeqCst);
                    while buffers.load(Ordering::SeqCst) < n + 2 && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    assert!(
                        buffers.load(Ordering::SeqCst) >= n + 2,
                        "element {i} stalled"
                    );
                }
            }
        })
    };
    let changed = changer.join();
    done.store(true, Ordering::SeqCst);
    let read = reader.join();
    let took = started.elapsed();
    for (i, e) in elements.iter().enumerate() {
        let bus = e.pipeline.bus().unwrap();
        let error = bus.pop_filtered(&[gst::MessageType::Error, gst::MessageType::Warning]);
        assert!(error.is_none(), "element {i}: {error:?}");
        let stop = Instant::now();
        e.pipeline.set_state(gst::State::Null).unwrap();
        assert!(stop.elapsed() < Duration::from_secs(2));
    }
    changed.expect("the constraints thread failed");
    read.expect("the reading thread failed");
    println!(
        "concurrency: {STREAMING} streaming elements × {ROUNDS} applyConstraints from another \
         thread, each seen in settings and buffer caps, with {} concurrent settings/capabilities \
         reads, in {took:.1?}",
        reads.load(Ordering::SeqCst)
    );
}
