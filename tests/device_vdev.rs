// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Real providers against the virtual PipeWire/pulse devices of tests/vdev, started by the
//! shared harness wrapper (skipped with a message where it cannot run; a failure with CI=true).

mod common;

use common::vdev;

use std::time::{Duration, Instant};

use common::device::Capture;
use gst::prelude::*;
use gstusermedia::device::{self, DeviceEntry};
use gstusermedia::engine::{Capture as Modes, Kind};

/// The shared virtual devices and exclusive use of them, or `None` to skip.
fn vdev_running() -> Option<(&'static vdev::Instance, std::sync::MutexGuard<'static, ()>)> {
    let instance = vdev::shared()?;
    Some((instance, vdev::exclusive()))
}

fn find(id: &str) -> DeviceEntry {
    let all = device::enumerate();
    all.iter()
        .find(|e| e.info.device_id == id)
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{id} not in {:?}",
                all.iter().map(|e| &e.info.device_id).collect::<Vec<_>>()
            )
        })
}

#[test]
fn virtual_devices() {
    let Some((_instance, _lock)) = vdev_running() else {
        return;
    };
    let t = Instant::now();
    let entries = device::enumerate();
    let first = t.elapsed();
    let t = Instant::now();
    let again = device::enumerate();
    eprintln!(
        "vdev: first enumerate() {first:?}, then {:?}; {} devices",
        t.elapsed(),
        again.len()
    );
    for e in &entries {
        eprintln!(
            "  {} [{}] group={} facing={:?} label={:?} modes={}",
            e.info.device_id,
            e.provider,
            e.info.group_id,
            e.info.facing_mode,
            e.info.label,
            e.structures.len()
        );
    }

    // Cameras first, the highest priority.session (720p, 1000) is the default.
    assert_eq!(entries[0].info.device_id, "pipewire:vdev-cam-720p");
    assert_eq!(entries[0].info.facing_mode.as_deref(), Some("user"));
    assert_eq!(entries[0].info.group_id, "vdev-group-1");
    let kinds: Vec<_> = entries.iter().map(|e| e.info.kind()).collect();
    assert!(kinds.is_sorted_by_key(|k| *k == Kind::Audio));

    // The mic is listed once (pulse twin kept), the monitor source not at all.
    let mics: Vec<_> = entries
        .iter()
        .filter(|e| e.info.kind() == Kind::Audio)
        .collect();
    assert_eq!(mics.len(), 1, "{mics:?}");
    assert_eq!(mics[0].info.device_id, "pulse:vdev-mic");
    assert_eq!(mics[0].info.group_id, "vdev-group-1");

    let multi = find("pipewire:vdev-cam-multi");
    let Modes::Video(modes) = &multi.info.capture else {
        panic!()
    };
    assert_eq!(modes.len(), 4);
}

#[test]
fn virtual_camera_and_mic_deliver() {
    let Some((_instance, _lock)) = vdev_running() else {
        return;
    };
    let cam = find("pipewire:vdev-cam-vga");
    let caps = cam.video_caps(0, 640, 480, 30.0).unwrap();
    let src = device::create_source(&cam, "cam").unwrap();
    let capture = Capture::new(&src, &caps, &[]);
    capture.play();
    let sample = capture.pull(Duration::from_secs(10));
    assert_eq!(sample.buffer().unwrap().size(), 640 * 480 * 3 / 2);
    drop(capture);

    let mic = find("pulse:vdev-mic");
    let caps = mic.audio_caps(0, 48000, 1).unwrap();
    let src = device::create_source(&mic, "mic").unwrap();
    device::set_audio_latency(&src, 0.01);
    let capture = Capture::new(&src, &caps, &[]);
    capture.play();
    let mut last = None;
    for _ in 0..5 {
        let sample = capture.pull(Duration::from_secs(10));
        let pts = sample.buffer().unwrap().pts().expect("timestamped");
        assert!(last.is_none_or(|l| pts > l));
        last = Some(pts);
    }
}

fn vdev(instance: &vdev::Instance, args: &[&str]) {
    instance.command(args).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn unplug_and_replug_a_camera() {
    let Some((instance, _lock)) = vdev_running() else {
        return;
    };
    let id = "pipewire:vdev-cam-1080p60";
    let _ = find(id);
    let (seen, sub) = common::device::log_changes();
    // An application's own monitor takes the provider events over (GStreamer 1.22); hot-plug
    // must still be noticed.
    let theirs = gst::DeviceMonitor::new();
    theirs.add_filter(Some("Video/Source"), None);
    theirs.start().unwrap();

    let wait = |kind: device::DeviceChangeKind| {
        let t = Instant::now();
        let mut log = seen.0.lock().unwrap();
        while !log.iter().any(|(k, d)| *k == kind && d == id) {
            let left = Duration::from_secs(5)
                .checked_sub(t.elapsed())
                .unwrap_or_else(|| panic!("no {kind:?} for {id}: {log:?}"));
            log = seen.1.wait_timeout(log, left).unwrap().0;
        }
        log.clear();
        t.elapsed()
    };
    vdev(instance, &["kill-camera", "vdev-cam-1080p60"]);
    let removed = wait(device::DeviceChangeKind::Removed);
    assert!(device::find(id).is_none());
    vdev(instance, &["start-camera", "vdev-cam-1080p60"]);
    let added = wait(device::DeviceChangeKind::Added);
    assert!(device::find(id).is_some());
    eprintln!(
        "vdev hot-plug: removal seen {removed:?} after kill-camera returned, re-plug {added:?}"
    );
    device::unsubscribe(sub);
    theirs.stop();
}

/// Set in the environment of `no_sound_server_child`.
const NO_SERVER_CHILD_ENV: &str = "USERMEDIA_VDEV_NO_SERVER_CHILD";

/// The largest absolute F32 sample of `sample`.
fn peak(sample: &gst::Sample) -> f32 {
    let map = sample.buffer().unwrap().map_readable().unwrap();
    map.as_slice()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).abs())
        .fold(0.0, f32::max)
}

/// System audio is the default output's monitor: silence until something plays through the
/// default sink, then what plays (a 0.5 sine here).
#[test]
fn system_audio_is_what_the_default_output_plays() {
    let Some((_instance, _lock)) = vdev_running() else {
        return;
    };
    let audio = device::system_audio::default_monitor().unwrap_or_else(|e| panic!("{e}"));
    assert!(audio.device_id.ends_with(".monitor"), "{audio:?}");
    assert!(audio.label.starts_with("Monitor of"), "{audio:?}");
    // Not a microphone.
    assert!(
        device::enumerate()
            .iter()
            .all(|e| !e.info.device_id.ends_with(&audio.device_id)),
        "{audio:?} listed as a device"
    );
    let src = audio.create_source("system").unwrap();
    let caps = common::device::caps("audio/x-raw,format=F32LE,rate=48000,channels=2");
    let capture = Capture::new(&src, &caps, &[]);
    capture.play();
    assert_eq!(peak(&capture.pull(Duration::from_secs(10))), 0.0);

    let player = gst::parse::launch(
        "audiotestsrc is-live=true wave=sine freq=1000 volume=0.5 ! audioconvert ! pulsesink",
    )
    .unwrap();
    player.set_state(gst::State::Playing).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut loudest = 0.0f32;
    while Instant::now() < deadline && loudest < 0.4 {
        loudest = loudest.max(peak(&capture.pull(Duration::from_secs(10))));
    }
    player.set_state(gst::State::Null).unwrap();
    assert!((0.4..=0.6).contains(&loudest), "peak {loudest}");
}

/// Without a sound server, system audio says so instead of failing later.
#[test]
fn no_sound_server_is_explained() {
    let runtime = common::tempfile_path("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "no_sound_server_child",
            "--ignored",
            "--nocapture",
        ])
        .env(NO_SERVER_CHILD_ENV, "1")
        .env("PULSE_SERVER", "unix:/nonexistent/usermedia/native")
        // Without a runtime directory the pulse client makes /tmp/pulse-<random> and leaves it.
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&runtime);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("no PulseAudio or PipeWire sound server answered"),
        "{stdout}"
    );
}

#[test]
#[ignore = "runs in the child process of no_sound_server_is_explained"]
fn no_sound_server_child() {
    if std::env::var_os(NO_SERVER_CHILD_ENV).is_none() {
        return;
    }
    gst::init().unwrap();
    let e = device::system_audio::default_monitor().expect_err("no server");
    println!("{e}");
}
