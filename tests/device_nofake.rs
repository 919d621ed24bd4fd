// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! GST_USERMEDIA_FAKE_DEVICES unset: the real device monitor is used and the fake provider,
//! although registered at PRIMARY rank, lists nothing.

mod common;

use std::time::Instant;

use gst::prelude::*;
use gstusermedia::device;
use gstusermedia::engine::Kind;

#[test]
fn real_devices_only() {
    common::init(None);

    let t = Instant::now();
    let first = device::enumerate();
    let first_took = t.elapsed();
    let t = Instant::now();
    let second = device::enumerate();
    let second_took = t.elapsed();
    eprintln!(
        "real monitor: first enumerate() {first_took:?}, then {second_took:?} ({} devices)",
        first.len()
    );
    assert!(!device::uses_fake_devices());
    // scripts/deps.sh installs providers of both kinds.
    assert_eq!(device::setup_problem(), None);
    assert_eq!(first.len(), second.len());
    assert!(
        first
            .iter()
            .all(|e| e.provider != "usermediafakedeviceprovider"),
        "{first:?}"
    );
    // Whatever this machine has: ids are unique, cameras come first.
    let mut ids: Vec<_> = first.iter().map(|e| e.info.device_id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), first.len());
    let kinds: Vec<_> = first.iter().map(|e| e.info.kind()).collect();
    assert!(kinds.is_sorted_by_key(|k| *k == Kind::Audio));

    let provider = gst::DeviceProviderFactory::find("usermediafakedeviceprovider")
        .and_then(|f| f.get())
        .unwrap();
    provider.start().unwrap();
    assert!(provider.devices().is_empty());
    provider.stop();
}

const CHILD_ENV: &str = "USERMEDIA_NO_PROVIDERS_CHILD";

/// Without any device provider installed (no system plugins at all), the setup problem says so.
#[test]
fn missing_providers_are_a_setup_problem() {
    let empty = common::tempfile_path("no-plugins");
    std::fs::create_dir_all(&empty).unwrap();
    let registry = common::tempfile_path("registry.bin");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "no_providers_child",
            "--include-ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .env("GST_PLUGIN_SYSTEM_PATH", &empty)
        .env("GST_REGISTRY", &registry)
        .env_remove("GST_PLUGIN_PATH")
        .env_remove(common::FAKE_ENV)
        .output()
        .unwrap();
    let text = common::output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "setup problem: no GStreamer device provider for cameras (v4l2: \
             gstreamer1.0-plugins-good; PipeWire: gstreamer1.0-pipewire) or microphones"
        ),
        "{text}"
    );
}

#[test]
#[ignore = "runs in the child process of missing_providers_are_a_setup_problem"]
fn no_providers_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    common::init(None);
    assert!(device::enumerate().is_empty());
    println!(
        "setup problem: {}",
        device::setup_problem().unwrap_or_default()
    );
}
