// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The device layer: GstDeviceMonitor → engine devices with native modes, stable identity, and
//! the fake device provider used by hermetic tests and demos.
//!
//! - [`monitor`]: the process-wide device list ([`enumerate`], [`subscribe`]).
//! - `source`: a listed device's source element ([`create_source`]), with provider quirks.
//! - [`caps`]: device caps ↔ engine native modes and fully fixed caps.
//! - [`identity`]: stable deviceId / groupId / facingMode.
//! - [`fake`]: `usermediafakedeviceprovider` and `usermediafakesrc` (`GST_USERMEDIA_FAKE_DEVICES`).
//! - [`display`]: display surfaces for `displaymediasrc` (fake displays, X11) and their sources.
//! - [`x11`], [`system_audio`]: an X server's surfaces, and what the default output plays;
//!   [`x11_ahead`]: the first screen capture's `ximagesrc`, opened ahead.
//! - [`portal`]: screen capture through the xdg-desktop-portal ScreenCast portal.
//!
//! Debug category: `usermediadevice`.

use std::sync::LazyLock;

use gst::glib;

pub mod caps;
pub mod display;
mod entries;
pub mod fake;
pub mod identity;
pub mod monitor;
pub mod portal;
pub mod pw_memory;
mod source;
pub mod system_audio;
pub mod x11;
pub mod x11_ahead;

pub use monitor::{
    DeviceChange, DeviceChangeKind, DeviceEntry, SubscriptionId, enumerate, enumerate_exact,
    enumerate_kinds, find, subscribe, unsubscribe, uses_fake_devices,
};
pub use source::{create_source, set_audio_latency};

pub(crate) static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "usermediadevice",
        gst::DebugColorFlags::empty(),
        Some("usermedia devices: enumeration, identity, fake devices"),
    )
});

/// What is wrong with the device setup, for error messages such as NotFoundError's: with
/// `GST_USERMEDIA_FAKE_DEVICES`, that it names a file that cannot be read, is not a JSON array of
/// devices (the message gives the line and column), or has entries that were skipped; with real
/// devices, that no installed GStreamer device provider publishes a kind looked for so far.
/// `None` when all is well.
///
/// The fake list is read afresh on each call (its file may have been fixed since); the same text
/// is printed once as a GLib warning when the fake provider starts, so that
/// `gst-device-monitor-1.0` and `gst-launch-1.0` show it without `GST_DEBUG`.
pub fn setup_problem() -> Option<String> {
    monitor::setup_problem()
}

/// Registers the device provider(s) of the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    fake::register(plugin)
}
