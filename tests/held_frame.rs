// SPDX-License-Identifier: MPL-2.0
//! A frame a sink still holds when its PipeWire camera is unplugged stays readable, every byte of
//! it, also once the source is gone: usermediasrc copies the frames whose memory would die with
//! the stream (MemPtr, `vdev-cam-vga`) and passes fd-backed ones untouched (MemFd, as a v4l2
//! camera node's DmaBuf: `vdev-cam-1080p60`).
//!
//! Each check runs in a child process under valgrind's memcheck, which reports any read of
//! unmapped or freed memory; natively such a read may crash or may silently read a mapping
//! reused since. Without valgrind the tests skip with a message, except with `CI=true`.

mod common;

use common::vdev;

use gst::prelude::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Set in the child's environment: the camera to unplug.
const CAMERA_ENV: &str = "USERMEDIA_HELD_FRAME_CAMERA";
/// valgrind's exit status when it found errors (`--error-exitcode`).
const VALGRIND_ERRORS: i32 = 99;

/// The sink's last frame, held across the unplug of `camera`, checked by the child under
/// valgrind. Returns the child's report.
fn held_frame_across_unplug(camera: &str) -> Option<String> {
    let instance = vdev::shared()?;
    let _lock = vdev::exclusive();
    if Command::new("valgrind").arg("--version").output().is_err() {
        assert!(
            !vdev::ci(),
            "CI=true and valgrind is missing (Debian package valgrind)"
        );
        eprintln!("SKIPPED: valgrind is missing (Debian package valgrind)");
        return None;
    }
    let log = common::tempfile_path("valgrind.log");
    // The child unplugs the camera; plug it back in whatever happened.
    struct Replug<'a>(&'a vdev::Instance, &'a str);
    impl Drop for Replug<'_> {
        fn drop(&mut self) {
            if let Err(e) = self.0.command(&["start-camera", self.1]) {
                eprintln!("{e}");
            }
        }
    }
    let _replug = Replug(instance, camera);
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--tool=memcheck",
        // Reads of unmapped or freed memory are what this test is about; the libraries'
        // uninitialised-value reports are not, and they make the run much slower.
        "--undef-value-errors=no",
        "--leak-check=no",
        &format!("--error-exitcode={VALGRIND_ERRORS}"),
        &format!("--log-file={}", log.display()),
    ])
    .arg(std::env::current_exe().unwrap())
    .args(["--exact", "held_frame_child", "--ignored", "--nocapture"])
    .env(CAMERA_ENV, camera)
    .env("VDEV_DIR", instance.dir())
    .env_remove(common::FAKE_ENV)
    .envs(instance.client_env());
    let out = cmd.output().expect("run valgrind");
    let report = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child under valgrind: {}\n{stdout}\n{}\n--- valgrind ---\n{report}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("held frame read after the unplug"),
        "{stdout}"
    );
    // memcheck did run the child and found nothing.
    let summary = report
        .lines()
        .find(|l| l.contains("ERROR SUMMARY"))
        .unwrap_or_else(|| panic!("no valgrind summary:\n{report}"));
    assert!(summary.contains("ERROR SUMMARY: 0 errors"), "{report}");
    eprintln!("{camera}: {}; {summary}", stdout.trim());
    Some(stdout.into_owned())
}

/// A camera whose frames PipeWire allocates (MemPtr): the held frame is a copy.
#[test]
fn a_held_frame_in_pipewire_memory_is_a_copy_that_outlives_the_unplug() {
    let Some(out) = held_frame_across_unplug("vdev-cam-vga") else {
        return;
    };
    assert!(out.contains("memory: copied"), "{out}");
}

/// A camera that hands out fds (MemFd): the held frame is the camera's own memory, not a copy,
/// and still readable.
#[test]
fn a_held_frame_in_fd_memory_is_not_copied_and_outlives_the_unplug() {
    let Some(out) = held_frame_across_unplug("vdev-cam-1080p60") else {
        return;
    };
    assert!(out.contains("memory: fd"), "{out}");
}

fn sum(buffer: &gst::BufferRef) -> (usize, u64) {
    let map = buffer.map_readable().expect("map the held frame");
    // Every byte, so that any page of it that is gone is read.
    let sum = map
        .iter()
        .fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(b as u64));
    (map.len(), sum)
}

#[test]
#[ignore = "runs in the child process of the held-frame tests, under valgrind"]
fn held_frame_child() {
    let Ok(camera) = std::env::var(CAMERA_ENV) else {
        return;
    };
    common::init(None);
    let pipeline = gst::parse::launch(&format!(
        "usermediasrc name=um constraints=\"{{video: {{deviceId: {{exact: 'pipewire:{camera}'}}}}}}\" \
         ! fakesink name=sink sync=false"
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = pipeline.by_name("sink").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    sink.static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            let _ = tx.send(());
            gst::PadProbeReturn::Ok
        });
    pipeline.set_state(gst::State::Playing).unwrap();
    // valgrind makes everything 20–50 times slower.
    for _ in 0..5 {
        rx.recv_timeout(Duration::from_secs(60))
            .expect("frames from the camera");
    }
    let sample = sink
        .property::<Option<gst::Sample>>("last-sample")
        .expect("a last sample");
    let buffer = sample.buffer_owned().expect("a buffer");
    let before = sum(&buffer);
    let fd = gstusermedia::device::pw_memory::fd_backed(&buffer);
    // What made the frame: pipewiresrc copies it (always-copy, turned on at the first MemPtr
    // frame) or hands out the camera's own fd memory.
    let source = pipeline
        .by_name("um")
        .unwrap()
        .downcast::<gst::Bin>()
        .unwrap()
        .iterate_recurse()
        .into_iter()
        .flatten()
        .find(|e| e.factory().is_some_and(|f| f.name() == "pipewiresrc"))
        .expect("a pipewiresrc in usermediasrc");
    let copying = source.property::<bool>("always-copy");
    assert_eq!(fd, !copying, "fd memory {fd}, always-copy {copying}");
    println!("memory: {}", if fd { "fd" } else { "copied" });

    let vdev_sh = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vdev/vdev.sh");
    let status = Command::new("bash")
        .arg(vdev_sh)
        .args(["kill-camera", &camera])
        .status()
        .unwrap();
    assert!(status.success(), "kill-camera {camera}: {status}");
    let bus = pipeline.bus().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ended = false;
    while !ended && Instant::now() < deadline {
        if let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(200)) {
            ended = msg
                .structure()
                .is_some_and(|s| s.name() == "usermedia-track-ended");
        }
    }
    assert!(ended, "usermedia-track-ended after the unplug");
    drop(sample);
    // The stream is gone; then the source and its PipeWire connection too.
    assert_eq!(
        sum(&buffer),
        before,
        "the held frame changed after the unplug"
    );
    pipeline.set_state(gst::State::Null).unwrap();
    drop(sink);
    drop(pipeline);
    assert_eq!(
        sum(&buffer),
        before,
        "the held frame changed after the source went away"
    );
    println!("held frame read after the unplug: {} bytes", before.0);
}
