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
    let weak = pipeline.downgrade();
    let sinks2 = sinks.clone();
    let handler = src.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        let sink = gst::ElementFactory::make("fakesink")
            .property("sync", false)
            .property("async", false)
            .build()
            .unwrap();
        pipeline.add(&sink).unwrap();
        sink.sync_state_with_parent().unwrap();
        pad.link(&sink.static_pad("sink").unwrap()).unwrap();
        let tx = tx.lock().unwrap().clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, _| {
            let caps = pad.current_caps().expect("caps before the first buffer");
            let _ = tx.send((pad.name().to_string(), caps));
            gst::PadProbeReturn::Remove
        });
        sinks2.lock().unwrap().push(sink);
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
