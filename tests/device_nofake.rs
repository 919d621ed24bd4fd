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
