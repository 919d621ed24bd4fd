// SPDX-License-Identifier: MPL-2.0
//! Faults: busy devices, a device vanishing between enumeration and opening, a source failing
//! mid-stream, and `request-permission` handlers that panic or never return. Each ends in one
//! clean error on the bus, and nothing hangs (every test runs under a watchdog).

mod common;

use common::watchdog::Watchdog;
use common::{Observed, run_src};
use gst::prelude::*;
use gstusermedia::UserMediaSrc;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// The default camera is busy. `cam-vanish` is removed from the file by one test and put back.
const DEVICES: &str = r#"[
  {"kind": "videoinput", "deviceId": "cam-busy", "label": "Busy camera", "error": "busy",
   "caps": "video/x-raw,format=I420,width=640,height=480,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-ok", "label": "Free camera",
   "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-busy2", "label": "Other busy camera", "error": "busy",
   "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-vanish", "label": "Loose camera",
   "caps": "video/x-raw,format=I420,width=352,height=288,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-fail", "label": "Failing camera", "error": "fail-after:10",
   "caps": "video/x-raw,format=I420,width=160,height=120,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-fail2", "label": "Failing two-mode camera",
   "error": "fail-after:10",
   "caps": "video/x-raw,format=I420,width=176,height=144,framerate=30/1; video/x-raw,format=I420,width=352,height=288,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "mic0", "label": "Microphone",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"},
  {"kind": "audioinput", "deviceId": "mic-fail", "label": "Failing microphone",
   "error": "fail-after:10",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"},
  {"kind": "display", "deviceId": "screen0", "label": "Screen",
   "caps": "video/x-raw,format=BGRx,width=320,height=240,framerate=30/1"}
]"#;

/// Set in the environment of the child process of `a_panicking_raw_handler_aborts_the_process`.
const PANIC_CHILD_ENV: &str = "USERMEDIA_FAULTS_PANIC_CHILD";

fn device_file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = common::tempfile_path("faults-devices.json");
        std::fs::write(&path, DEVICES).unwrap();
        path
    })
}

fn init() {
    common::init_with_fake_devices(&format!("@{}", device_file().display()));
}

/// Replaces the device file in one step (the provider polls it).
fn write_devices(json: &str) {
    common::write_atomically(device_file(), json);
}

/// Adds `src` and one fakesink, there from the start, to which its (only) pad is linked.
fn add_with_one_sink(pipeline: &gst::Pipeline, src: &gst::Element) -> gst::Element {
    let sink = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .build()
        .unwrap();
    pipeline.add_many([src, &sink]).unwrap();
    let sink2 = sink.clone();
    src.connect_pad_added(move |_, pad| {
        pad.link(&sink2.static_pad("sink").unwrap()).unwrap();
    });
    sink
}

fn run(constraints: &str, configure: impl FnOnce(&gst::Element)) -> (Observed, Duration) {
    init();
    let started = Instant::now();
    let o = run_src(constraints, configure, 3, Duration::from_secs(10));
    (o, started.elapsed())
}

fn prompt_with(e: &gst::Element, f: impl Fn(&gst::StructureRef) -> bool + Send + Sync + 'static) {
    e.set_property_from_str("permission", "prompt");
    e.downcast_ref::<UserMediaSrc>()
        .expect("usermediasrc is a UserMediaSrc")
        .connect_request_permission(move |_, request| f(request));
}

#[test]
fn a_busy_device_is_dropped_and_another_candidate_opened() {
    let _watchdog = Watchdog::new("busy fallback", Duration::from_secs(30));
    // The default camera is the best candidate (equal fitness, listed first), and busy.
    let asked = Arc::new(AtomicUsize::new(0));
    let asked2 = asked.clone();
    let (o, _) = run(
        "{video: {deviceId: {exact: ['cam-busy', 'cam-ok']}}}",
        move |e| {
            prompt_with(e, move |_| {
                asked2.fetch_add(1, Ordering::SeqCst);
                true
            })
        },
    );
    assert!(o.error.is_none(), "{:?}", o.error);
    // Permission is asked once per getUserMedia, not once per candidate tried.
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(o.settings["video"]["deviceId"], "cam-ok", "{}", o.settings);
    assert!(o.buffers["video_0"].len() >= 3);
    assert_eq!(o.video_caps().get::<i32>("width").unwrap(), 320);
}

#[test]
fn every_candidate_busy_is_not_readable() {
    let _watchdog = Watchdog::new("all busy", Duration::from_secs(30));
    let (o, _) = run(
        "{video: {deviceId: {exact: ['cam-busy', 'cam-busy2']}}}",
        |_| (),
    );
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotReadableError", "{e:?}");
    assert!(e.gerror.matches(gst::ResourceError::Busy), "{e:?}");
    assert!(e.message.contains("busy"), "{}", e.message);
    assert!(o.buffers.is_empty());
}

/// The device is in the list when getUserMedia enumerates and selects, and gone when it is
/// opened: the permission prompt (between the two) removes it from the file. Per the spec's
/// getUserMedia algorithm this is a device access failure other than a hardware lock:
/// AbortError.
#[test]
fn a_device_vanishing_between_enumeration_and_opening_is_an_abort_error() {
    let _watchdog = Watchdog::new("vanishing device", Duration::from_secs(30));
    let without: String = {
        let mut list: Vec<serde_json::Value> = serde_json::from_str(DEVICES).unwrap();
        list.retain(|d| d["deviceId"] != "cam-vanish");
        serde_json::to_string(&list).unwrap()
    };
    let asked = Arc::new(AtomicUsize::new(0));
    let asked2 = asked.clone();
    let (o, took) = run("{video: {deviceId: {exact: 'cam-vanish'}}}", move |e| {
        prompt_with(e, move |request| {
            asked2.fetch_add(1, Ordering::SeqCst);
            assert_eq!(request.get::<&str>("video-label").unwrap(), "Loose camera");
            write_devices(&without);
            true
        })
    });
    write_devices(DEVICES);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    let e = o.error.expect("error");
    assert_eq!(e.name, "AbortError", "{e:?}");
    assert!(e.message.contains("disappeared"), "{}", e.message);
    assert!(o.buffers.is_empty(), "{:?}", o.buffers);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// A camera that stops delivering after 10 buffers: the application gets one error (not one
/// per child that noticed), and the pipeline stops normally afterwards.
#[test]
fn a_source_failing_mid_stream_gives_one_error() {
    init();
    let _watchdog = Watchdog::new("mid-stream failure", Duration::from_secs(30));
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
        .property("constraints", "{video: {deviceId: {exact: 'cam-fail'}}}")
        .build()
        .unwrap();
    let sink = add_with_one_sink(&pipeline, &src);
    let buffers = Arc::new(AtomicUsize::new(0));
    let b2 = buffers.clone();
    sink.static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            b2.fetch_add(1, Ordering::SeqCst);
            gst::PadProbeReturn::Ok
        });
    pipeline.set_state(gst::State::Playing).unwrap();
    let (errors, ended) = failures(&pipeline.bus().unwrap(), Duration::from_millis(1500));
    let stop = Instant::now();
    pipeline.set_state(gst::State::Null).unwrap();
    let stop_took = stop.elapsed();
    println!(
        "faults: mid-stream failure after {} buffers: errors {errors:?}, track-ended {ended:?}, \
         NULL in {stop_took:?}",
        buffers.load(Ordering::SeqCst)
    );
    assert_eq!(buffers.load(Ordering::SeqCst), 10);
    assert_eq!(
        errors.len() + ended.len(),
        1,
        "expected one error or track-ended: {errors:?} {ended:?}"
    );
    if let Some((gerror, details)) = errors.first() {
        let details = details.as_ref().expect("usermedia-error details");
        assert_eq!(details.name(), "usermedia-error");
        assert_eq!(
            details.get::<&str>("name").unwrap(),
            "AbortError",
            "{details}"
        );
        let message = details.get::<&str>("message").unwrap();
        assert!(message.contains("Could not read"), "{message}");
        assert!(gerror.matches(gst::ResourceError::Failed), "{gerror:?}");
    }
    assert!(stop_took < Duration::from_secs(2), "{stop_took:?}");
}

type Failures = (
    Vec<(glib::Error, Option<gst::Structure>)>,
    Vec<gst::Structure>,
);

/// The errors and `usermedia-track-ended` messages on `bus`, collected until `quiet` after the
/// first of them (to catch duplicates), or for 10 s when none comes.
fn failures(bus: &gst::Bus, quiet: Duration) -> Failures {
    let started = Instant::now();
    let (mut errors, mut ended) = (Vec::new(), Vec::new());
    let mut first_at = None;
    while started.elapsed() < Duration::from_secs(10)
        && first_at.is_none_or(|t: Instant| t.elapsed() < quiet)
    {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(50)) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::Error(e) => {
                errors.push((e.error(), e.details().map(|d| d.to_owned())));
                first_at.get_or_insert_with(Instant::now);
            }
            gst::MessageView::Element(e)
                if e.structure()
                    .is_some_and(|s| s.name() == "usermedia-track-ended") =>
            {
                ended.push(e.structure().unwrap().to_owned());
                first_at.get_or_insert_with(Instant::now);
            }
            _ => (),
        }
    }
    (errors, ended)
}

/// A runtime error belongs to the chain that posted it: when applyConstraints moves the track
/// to a new chain on the same device while the error waits for the unplug grace, the old
/// chain's error is not posted. The new chain fails in turn, and only its error arrives.
#[test]
fn an_error_of_a_replaced_chain_is_not_posted() {
    init();
    let _watchdog = Watchdog::new("replaced chain error", Duration::from_secs(30));
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
        .property(
            "constraints",
            "{video: {deviceId: {exact: 'cam-fail2'}, width: {max: 176}}}",
        )
        .build()
        .unwrap();
    let sink = add_with_one_sink(&pipeline, &src);
    let (tx, rx) = std::sync::mpsc::channel();
    let seen = AtomicUsize::new(0);
    sink.static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if seen.fetch_add(1, Ordering::SeqCst) == 9 {
                let _ = tx.send(());
            }
            gst::PadProbeReturn::Ok
        });
    pipeline.set_state(gst::State::Playing).unwrap();
    // The tenth buffer is the last of the first chain; the error comes with the eleventh,
    // 33 ms later, and then waits 1.5 s for the device to disappear. The change is made in
    // between (a source slower than that only makes this test pass without proving anything).
    rx.recv_timeout(Duration::from_secs(10))
        .expect("ten buffers");
    std::thread::sleep(Duration::from_millis(500));
    let bus = pipeline.bus().unwrap();
    src.set_property(
        "constraints",
        "{video: {deviceId: {exact: 'cam-fail2'}, width: {min: 352}}}",
    );
    let settings: serde_json::Value =
        serde_json::from_str(&src.property::<String>("settings")).unwrap();
    assert_eq!(settings["video"]["width"], 352, "{settings}");
    // Well past both graces: the first chain's error (due about 1.5 s after it) would be here.
    let (errors, ended) = failures(&bus, Duration::from_millis(2500));
    pipeline.set_state(gst::State::Null).unwrap();
    println!("faults: replaced chain: errors {errors:?}, track-ended {ended:?}");
    assert!(ended.is_empty(), "{ended:?}");
    assert_eq!(errors.len(), 1, "one error, the new chain's: {errors:?}");
}

/// A screen request's microphone is a device like any other: its failure mid-stream is an
/// error on the bus (it is still plugged in), not the end of its track.
#[test]
fn a_screen_requests_microphone_failing_is_an_error() {
    init();
    let _watchdog = Watchdog::new("screen + failing microphone", Duration::from_secs(30));
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
        .property(
            "constraints",
            "{audio: {deviceId: {exact: 'mic-fail'}}, video: {mediaSource: 'screen'}}",
        )
        .build()
        .unwrap();
    pipeline.add(&src).unwrap();
    common::link_new_pads(&pipeline, &src, "fakesink async=false", |_, _| {});
    pipeline.set_state(gst::State::Playing).unwrap();
    let (errors, ended) = failures(&pipeline.bus().unwrap(), Duration::from_millis(2500));
    pipeline.set_state(gst::State::Null).unwrap();
    assert!(ended.is_empty(), "{ended:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let details = errors[0].1.as_ref().expect("usermedia-error details");
    let message = details.get::<&str>("message").unwrap();
    assert!(message.contains("'mic-fail'"), "{details}");
}

#[test]
fn a_panicking_permission_handler_is_a_refusal() {
    let _watchdog = Watchdog::new("panicking handler", Duration::from_secs(30));
    let (o, _) = run("{video: {deviceId: {exact: 'cam-ok'}}}", |e| {
        prompt_with(e, |_| panic!("handler bug"))
    });
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotAllowedError", "{e:?}");
    assert!(e.gerror.matches(gst::ResourceError::NotAuthorized));
    assert!(
        e.message.contains("permission handler panicked") && e.message.contains("handler bug"),
        "{}",
        e.message
    );
    assert!(o.children_added.is_empty(), "{:?}", o.children_added);
    let states: Vec<String> = o
        .element_messages
        .iter()
        .filter(|s| s.name() == "usermedia-permission")
        .map(|s| s.get::<String>("state").unwrap())
        .collect();
    assert_eq!(states, ["prompt", "denied"]);
}

/// Why the typed `connect_request_permission` exists: a panic in a closure connected with plain
/// `connect` cannot unwind through GLib's C marshaller, and Rust aborts the process.
#[test]
fn a_panicking_raw_handler_aborts_the_process() {
    let _watchdog = Watchdog::new("raw panicking handler", Duration::from_secs(60));
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "raw_panicking_handler_child",
            "--ignored",
            "--nocapture",
        ])
        .env(PANIC_CHILD_ENV, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(6),
        "not SIGABRT: {:?}\n{stderr}",
        out.status
    );
    assert!(stderr.contains("raw handler bug"), "{stderr}");
}

#[test]
#[ignore = "runs in the child process of a_panicking_raw_handler_aborts_the_process"]
fn raw_panicking_handler_child() {
    if std::env::var_os(PANIC_CHILD_ENV).is_none() {
        return;
    }
    run("{video: {deviceId: {exact: 'cam-ok'}}}", |e| {
        e.set_property_from_str("permission", "prompt");
        e.set_property("permission-timeout", 0u32);
        e.connect("request-permission", false, |_| panic!("raw handler bug"));
    });
    unreachable!("the process survived a panic in a raw signal handler");
}

/// A handler that does not answer: NotAllowedError once `permission-timeout` is over, and the
/// state change does not wait for the handler. The blocked handler keeps its thread and a
/// reference to the element until it returns; then both go away.
#[test]
fn a_permission_handler_that_never_returns_times_out() {
    init();
    let _watchdog = Watchdog::new("blocking handler", Duration::from_secs(30));
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let returned = Arc::new(AtomicUsize::new(0));
    let returned2 = returned.clone();
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
        .property("constraints", "{video: {deviceId: {exact: 'cam-ok'}}}")
        .property("permission-timeout", 300u32)
        .build()
        .unwrap();
    prompt_with(&src, move |_| {
        // Blocks until the test lets it go.
        let _ = release_rx.lock().unwrap().recv();
        returned2.fetch_add(1, Ordering::SeqCst);
        true
    });
    pipeline.add(&src).unwrap();
    let started = Instant::now();
    assert!(pipeline.set_state(gst::State::Playing).is_err());
    let took = started.elapsed();
    {
        // (The message refers to the element: dropped before checking it goes away.)
        let msg = pipeline
            .bus()
            .unwrap()
            .pop_filtered(&[gst::MessageType::Error])
            .expect("an error");
        let gst::MessageView::Error(err) = msg.view() else {
            unreachable!()
        };
        let details = err.details().expect("usermedia-error details");
        assert_eq!(details.get::<&str>("name").unwrap(), "NotAllowedError");
        let message = details.get::<&str>("message").unwrap();
        assert!(
            message.contains("permission request timed out after 300 ms"),
            "{message}"
        );
        assert!(err.error().matches(gst::ResourceError::NotAuthorized));
    }
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert!(common::children(&src).is_empty());
    pipeline.set_state(gst::State::Null).unwrap();

    // The late answer is ignored; once the handler returns, the element can go away.
    assert_eq!(returned.load(Ordering::SeqCst), 0);
    let weak = src.downgrade();
    drop(src);
    drop(pipeline);
    assert!(
        weak.upgrade().is_some(),
        "the blocked handler holds the element"
    );
    release_tx.send(()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while weak.upgrade().is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(returned.load(Ordering::SeqCst), 1);
    assert!(
        weak.upgrade().is_none(),
        "element still alive after the handler returned"
    );
}

/// Where the handler runs: on a helper thread by default, on the thread changing the state with
/// `permission-timeout=0`.
#[test]
fn permission_handler_threads() {
    let _watchdog = Watchdog::new("handler threads", Duration::from_secs(30));
    for timeout in [60_000u32, 0] {
        let seen = Arc::new(Mutex::new(None::<(std::thread::ThreadId, Option<String>)>));
        let seen2 = seen.clone();
        let caller = std::thread::current().id();
        let (o, _) = run("{video: {deviceId: {exact: 'cam-ok'}}}", move |e| {
            e.set_property("permission-timeout", timeout);
            prompt_with(e, move |_| {
                let t = std::thread::current();
                *seen2.lock().unwrap() = Some((t.id(), t.name().map(str::to_string)));
                true
            })
        });
        assert!(o.error.is_none(), "{:?}", o.error);
        assert!(o.buffers["video_0"].len() >= 3);
        let (id, name) = seen.lock().unwrap().clone().expect("handler called");
        if timeout == 0 {
            assert_eq!(id, caller);
        } else {
            assert_ne!(id, caller);
            assert_eq!(name.as_deref(), Some("usermedia-permission"));
        }
    }
}

/// A handler may call back into the element: constraints set from it (on the helper thread, or
/// on the thread changing the state with `permission-timeout=0`) are applied once the tracks
/// run, without waiting for getUserMedia to finish first.
#[test]
fn a_permission_handler_may_set_constraints() {
    init();
    let _watchdog = Watchdog::new("handler setting constraints", Duration::from_secs(60));
    for timeout in [60_000u32, 0] {
        let pipeline = gst::Pipeline::new();
        let src = gst::ElementFactory::make("usermediasrc")
            .property("constraints", "{video: {deviceId: {exact: 'cam-ok'}}}")
            .property_from_str("permission", "prompt")
            .property("permission-timeout", timeout)
            .build()
            .unwrap();
        src.downcast_ref::<UserMediaSrc>()
            .unwrap()
            .connect_request_permission(|e, _| {
                e.set_property(
                    "constraints",
                    "{video: {deviceId: {exact: 'cam-ok'}, width: {exact: 160}, height: {exact: 120}}}",
                );
                true
            });
        let _sink = add_with_one_sink(&pipeline, &src);
        let started = Instant::now();
        pipeline.set_state(gst::State::Playing).unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "timeout {timeout}: {took:?}");
        let width = || -> Option<u64> {
            let s: serde_json::Value =
                serde_json::from_str(&src.property::<String>("settings")).unwrap();
            s["video"]["width"].as_u64()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while width() != Some(160) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(width(), Some(160), "timeout {timeout}");
        let error = pipeline
            .bus()
            .unwrap()
            .pop_filtered(&[gst::MessageType::Error]);
        assert!(error.is_none(), "{error:?}");
        pipeline.set_state(gst::State::Null).unwrap();
    }
}
