// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! System audio for screen capture (`getDisplayMedia({audio: true})`): what the default output
//! plays, captured from its monitor source.
//!
//! The pulse device provider (PulseAudio, or pipewire-pulse) publishes each output's monitor as
//! an `Audio/Source` with `device.class=monitor`; the one of the default sink (`is-default`) is
//! what the system plays. (`pulsesrc device=@DEFAULT_MONITOR@` would be simpler, but
//! pipewire-pulse 0.3.65 opens the default microphone for it.) Monitor sources are never
//! microphones: the device list leaves them out, and only this path opens one.

use gst::prelude::*;

use super::{CAT, identity};

/// The default output's monitor.
#[derive(Clone, Debug)]
pub struct SystemAudio {
    /// The monitor source's name (`auto_null.monitor`, `alsa_output….monitor`).
    pub device_id: String,
    /// Its description (`Monitor of Built-in Audio`).
    pub label: String,
    device: gst::Device,
}

impl SystemAudio {
    /// A source capturing it, named `name`.
    pub fn create_source(&self, name: &str) -> Result<gst::Element, glib::BoolError> {
        let src = self.device.create_element(Some(name))?;
        if src.find_property("client-name").is_some() {
            src.set_property("client-name", "usermediasrc");
        }
        Ok(src)
    }
}

/// The default output's monitor; an explanation when there is none.
pub fn default_monitor() -> Result<SystemAudio, String> {
    let provider = gst::DeviceProviderFactory::by_name("pulsedeviceprovider")
        .ok_or("the pulse device provider is not installed (gstreamer1.0-pulseaudio)")?;
    // Only a started provider marks the defaults (a probe reports every `is-default` false);
    // starting is counted, so this is cheap when the device list runs it already.
    provider
        .start()
        .map_err(|_| "no PulseAudio or PipeWire sound server answered".to_string())?;
    let devices = provider.devices();
    provider.stop();
    let internal = |d: &gst::Device| {
        d.find_property("internal-name")
            .and_then(|_| d.property::<Option<String>>("internal-name"))
    };
    let sink = devices
        .iter()
        .find(|d| d.has_classes("Audio/Sink") && is_default(d))
        .ok_or("the sound server has no default output")?;
    let sink_name = internal(sink).ok_or("the default output has no name")?;
    let monitor = devices
        .iter()
        .filter(|d| d.has_classes("Audio/Source"))
        .filter(|d| identity::is_monitor_source(d.properties().as_deref()))
        .find(|d| internal(d).is_some_and(|n| n == format!("{sink_name}.monitor")))
        .ok_or_else(|| format!("the default output {sink_name} has no monitor source"))?;
    let audio = SystemAudio {
        device_id: format!("{sink_name}.monitor"),
        label: monitor.display_name().to_string(),
        device: monitor.clone(),
    };
    gst::debug!(CAT, "system audio: {} ({})", audio.device_id, audio.label);
    Ok(audio)
}

fn is_default(d: &gst::Device) -> bool {
    d.properties()
        .and_then(|p| p.get::<bool>("is-default").ok())
        .unwrap_or(false)
}
