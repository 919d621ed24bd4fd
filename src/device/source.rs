// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! A listed device's source element, with the provider quirks usermediasrc relies on.

use gst::glib;
use gst::prelude::*;

use super::monitor::DeviceEntry;
use crate::engine::Kind;

/// Creates the device's source element, with the provider quirks usermediasrc relies on.
pub fn create_source(entry: &DeviceEntry, name: &str) -> Result<gst::Element, glib::BoolError> {
    let element = entry.gst_device.create_element(Some(name))?;
    let factory = element
        .factory()
        .map(|f| f.name().to_string())
        .unwrap_or_default();
    match factory.as_str() {
        "pipewiresrc" => {
            // 0.3.65 audio buffers carry no PTS after the first one.
            if entry.info.kind() == Kind::Audio {
                set_if_present(&element, "do-timestamp", true);
            }
            set_if_present(&element, "client-name", "usermediasrc");
            // Frames a sink still holds must outlive the stream (unplug) and must not change
            // under it (see pw_memory).
            if super::pw_memory::driver_node(&entry.gst_device) {
                set_if_present(&element, "always-copy", true);
            } else {
                super::pw_memory::copy_unless_fd_backed(&element);
            }
        }
        "pulsesrc" => set_if_present(&element, "client-name", "usermediasrc"),
        _ => (),
    }
    Ok(element)
}

/// Configures an audio source created by [`create_source`] for `latency` seconds per buffer,
/// where the source supports it (`latency-time` of pulsesrc, alsasrc and the fake source).
pub fn set_audio_latency(source: &gst::Element, latency: f64) {
    if latency <= 0.0 {
        return;
    }
    if let Some(p) = source.find_property("latency-time")
        && p.value_type() == i64::static_type()
    {
        let us = (latency * 1e6).round().max(1.0) as i64;
        let us = match p.downcast_ref::<glib::ParamSpecInt64>() {
            Some(p) => us.clamp(p.minimum(), p.maximum()),
            None => us,
        };
        source.set_property("latency-time", us);
        // A ring buffer must hold at least two periods.
        if let Some(b) = source.find_property("buffer-time")
            && b.value_type() == i64::static_type()
            && source.property::<i64>("buffer-time") < us * 2
        {
            source.set_property("buffer-time", us * 2);
        }
    }
}

fn set_if_present(element: &gst::Element, name: &str, value: impl Into<glib::Value>) {
    let value = value.into();
    if element
        .find_property(name)
        .is_some_and(|p| p.value_type() == value.type_())
    {
        element.set_property_from_value(name, &value);
    }
}
