// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! A camera asked for by its exact PipeWire deviceId is found by starting the PipeWire provider
//! alone, on the virtual devices of tests/vdev (its own process: the first request decides what
//! is started). Without the harness's programs the test is skipped, unless `CI=true`.

mod common;

use common::live::Live;
use common::vdev;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gstusermedia::device;
use gstusermedia::engine::Kind;

const CAMERA: &str = "vdev-cam-vga";

fn started(factory: &str) -> bool {
    gst::DeviceProviderFactory::find(factory)
        .and_then(|f| f.get())
        .is_some_and(|p| p.is_started())
}

/// The ranked camera providers other than PipeWire's (what a full camera listing starts).
fn other_camera_providers() -> Vec<String> {
    gst::DeviceProviderFactory::factories(gst::Rank::NONE)
        .into_iter()
        .filter(|f| f.rank() > gst::Rank::NONE && f.has_classes(Some("Video/Source")))
        .map(|f| f.name().to_string())
        .filter(|n| n != "pipewiredeviceprovider" && n != "usermediafakedeviceprovider")
        .collect()
}

#[test]
fn an_exact_pipewire_camera_starts_only_its_provider() {
    let Some(instance) = vdev::shared() else {
        return;
    };
    let _lock = vdev::exclusive();
    let others = other_camera_providers();
    // gstreamer1.0-plugins-good (scripts/deps.sh): without another camera provider this test
    // would show nothing.
    assert!(
        others.iter().any(|n| n == "v4l2deviceprovider"),
        "no v4l2deviceprovider: {others:?}"
    );

    let seen: Arc<(Mutex<Vec<String>>, Condvar)> = Arc::default();
    let sub = {
        let seen = seen.clone();
        device::subscribe(move |change| {
            seen.0
                .lock()
                .unwrap()
                .push(format!("{:?} {}", change.kind, change.device_id));
            seen.1.notify_all();
        })
    };

    let id = format!("pipewire:{CAMERA}");
    let request = format!("{{video: {{deviceId: {{exact: '{id}'}}, width: 320}}}}");
    let live = Live::start(&request, |_| (), false);
    live.more("video_0", 3);
    assert_eq!(live.settings()["video"]["deviceId"], id.as_str());
    assert_eq!(live.settings()["video"]["width"], 320);
    live.stop();
    assert!(started("pipewiredeviceprovider"));
    for name in &others {
        assert!(!started(name), "{name} started for an exact PipeWire id");
    }
    // What only a camera listing starts (DeckLink's provider also publishes microphones).
    let camera_only: Vec<&String> = others
        .iter()
        .filter(|n| {
            gst::DeviceProviderFactory::find(n)
                .is_some_and(|f| !f.has_classes(Some("Audio/Source")))
        })
        .collect();
    let others_stopped = |when: &str| {
        for name in &camera_only {
            assert!(!started(name), "{name} started {when}");
        }
    };

    // Only PipeWire's cameras are known so far; an id of another provider, or a missing camera,
    // is left to the full listing.
    assert!(device::enumerate_exact(Kind::Video, &id).is_some());
    assert!(device::enumerate_exact(Kind::Video, "pipewire:no-such-camera").is_none());
    assert!(device::enumerate_exact(Kind::Video, "v4l2:platform-1").is_none());
    assert!(device::enumerate_exact(Kind::Audio, "pipewire:vdev-mic").is_none());

    // Microphones listed next start a device monitor for microphones, whose handler on the
    // PipeWire provider's bus would drop camera events: camera hot-plugs must still arrive at
    // once, not at the once-a-second re-read.
    assert!(
        device::enumerate_kinds(&[Kind::Audio])
            .iter()
            .any(|e| e.info.kind() == Kind::Audio)
    );
    others_stopped("by a microphone listing");
    let wait_for = |event: String, after: Instant| -> Duration {
        let mut log = seen.0.lock().unwrap();
        while !log.contains(&event) {
            let left = Duration::from_secs(5)
                .checked_sub(after.elapsed())
                .unwrap_or_else(|| panic!("no {event}: {log:?}"));
            log = seen.1.wait_timeout(log, left).unwrap().0;
        }
        log.clear();
        after.elapsed()
    };
    instance.command(&["kill-camera", CAMERA]).unwrap();
    let removed = wait_for(format!("Removed {id}"), Instant::now());
    instance.command(&["start-camera", CAMERA]).unwrap();
    let added = wait_for(format!("Added {id}"), Instant::now());
    eprintln!("removal seen {removed:?}, addition {added:?} after the command returned");
    assert!(removed < Duration::from_millis(500), "{removed:?}");
    assert!(added < Duration::from_millis(500), "{added:?}");
    others_stopped("by hot-plug events");

    // A running track hears its camera go away although cameras were never listed in full.
    let live = Live::start(&request, |_| (), false);
    live.more("video_0", 3);
    instance.command(&["kill-camera", CAMERA]).unwrap();
    let ended =
        live.wait_element_message("usermedia-track-ended", Duration::from_secs(5), |_| true);
    instance.command(&["start-camera", CAMERA]).unwrap();
    assert!(
        ended.is_some(),
        "no usermedia-track-ended after kill-camera"
    );
    live.stop();
    wait_for(format!("Added {id}"), Instant::now());

    // A full listing starts the other camera providers; the cameras seen already are not news.
    let all = device::enumerate_kinds(&[Kind::Video]);
    assert!(all.iter().any(|e| e.info.device_id == id), "{all:?}");
    assert!(started("v4l2deviceprovider"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(seen.0.lock().unwrap().is_empty(), "{:?}", seen.0);
    // Now the full list answers.
    assert!(device::enumerate_exact(Kind::Video, &id).is_none());
    device::unsubscribe(sub);
}
