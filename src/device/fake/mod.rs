// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Fake devices for hermetic tests and demos, like Chromium's `--use-fake-device-for-media-stream`.
//!
//! `GST_USERMEDIA_FAKE_DEVICES` holds a JSON array (or `@/path/to/file.json`) of
//! `{"kind", "deviceId", "caps", "label"?, "groupId"?, "facingMode"?, "error"?}` entries. A real
//! device provider of the plugin publishes them, so `GstDeviceMonitor` and `gst-device-monitor-1.0`
//! list them, and each device creates a live `usermediafakesrc` that produces the negotiated mode.

use gst::glib;
use gst::prelude::*;

pub mod config;
pub mod device;
pub mod provider;
pub mod src;

pub use config::{ENV_VAR, FakeEntry, FakeError};
pub use device::FakeDevice;
pub use provider::FakeDeviceProvider;
pub use src::FakeSrc;

/// Device provider factory name.
pub const PROVIDER_NAME: &str = "usermediafakedeviceprovider";
/// Element factory name of the fake sources.
pub const SRC_NAME: &str = "usermediafakesrc";

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        SRC_NAME,
        gst::Rank::NONE,
        FakeSrc::static_type(),
    )?;
    // PRIMARY, so GstDeviceMonitor (which only uses providers of rank >= 1) picks it up.
    gst::DeviceProvider::register(
        Some(plugin),
        PROVIDER_NAME,
        gst::Rank::PRIMARY,
        FakeDeviceProvider::static_type(),
    )
}
