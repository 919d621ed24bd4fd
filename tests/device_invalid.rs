// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! An invalid GST_USERMEDIA_FAKE_DEVICES lists no devices at all (and real devices stay ignored).

mod common;

use gst::prelude::*;
use gstusermedia::device;

#[test]
fn invalid_json_lists_nothing() {
    common::init(Some(r#"[{"kind": "videoinput", "deviceId": "cam0""#));
    assert!(device::uses_fake_devices());
    assert!(device::enumerate().is_empty());

    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Video/Source"), None).unwrap();
    monitor.start().unwrap();
    let fake: Vec<_> = monitor
        .devices()
        .into_iter()
        .filter(|d| {
            d.properties()
                .is_some_and(|p| p.has_field("usermedia.fake"))
        })
        .collect();
    monitor.stop();
    assert!(fake.is_empty());
}
