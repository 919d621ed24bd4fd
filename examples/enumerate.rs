// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! enumerateDevices() + getCapabilities(): every camera and microphone usermediasrc can choose
//! from, as JSON, with the native caps it would open them with.
//!
//! ```sh
//! cargo run --example enumerate
//! GST_USERMEDIA_FAKE_DEVICES='[...]' cargo run --example enumerate
//! ```

use gstusermedia::{device, engine};

fn main() {
    gst::init().expect("GStreamer initialises");
    gstusermedia::plugin_register_static().expect("usermedia plugin registers");

    let env = engine::AudioEnvironment {
        processing_available: gst::ElementFactory::find("webrtcdsp").is_some(),
        echo_reference: false,
    };
    let devices: Vec<serde_json::Value> = device::enumerate()
        .iter()
        .map(|entry| {
            let info = &entry.info;
            let mut v = serde_json::json!({
                "deviceId": info.device_id,
                "kind": info.kind().device_kind(),
                "label": info.label,
                "groupId": info.group_id,
                "provider": entry.provider,
                "capabilities": engine::capabilities(info, &env),
                "nativeModes": entry.structures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            });
            if let Some(facing) = &info.facing_mode {
                v["facingMode"] = facing.clone().into();
            }
            v
        })
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&devices).expect("JSON serialises")
    );
}
