// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The device layer: GstDeviceMonitor → engine devices with native modes, stable identity, and
//! the fake device provider used by hermetic tests and demos.

use gst::glib;

/// Registers the device provider(s) of the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    let _ = plugin;
    Ok(())
}
