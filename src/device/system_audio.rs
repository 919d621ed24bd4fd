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

use super::monitor::DeviceEntry;
use super::{CAT, entries, identity};

/// The default output's monitor.
#[derive(Clone, Debug)]
pub struct SystemAudio {
    /// The monitor source's name (`auto_null.monitor`, `alsa_output….monitor`).
    pub device_id: String,
    /// Its description (`Monitor of Built-in Audio`).
    pub label: String,
    /// The monitor as a device the audio selection and chain take like a microphone's.
    pub entry: DeviceEntry,
}

impl SystemAudio {
    /// A source capturing it, named `name`.
    pub fn create_source(&self, name: &str) -> Result<gst::Element, glib::BoolError> {
        super::create_source(&self.entry, name)
    }
}

/// The default output's monitor; an explanation when there is none. With
/// `GST_USERMEDIA_FAKE_DEVICES`, the first `"kind": "audiooutput"` entry's.
pub fn default_monitor() -> Result<SystemAudio, String> {
    let audio = if super::uses_fake_devices() {
        fake_monitor()?
    } else {
        pulse_monitor()?
    };
    gst::debug!(CAT, "system audio: {} ({})", audio.device_id, audio.label);
    Ok(audio)
}

fn fake_monitor() -> Result<SystemAudio, String> {
    let provider = gst::DeviceProviderFactory::by_name("usermediafakedeviceprovider")
        .ok_or("the fake device provider is not registered")?;
    provider
        .devices()
        .iter()
        .filter(|d| d.has_classes("Audio/Source"))
        .find_map(|d| system_audio(d, d.display_name().to_string()))
        .ok_or_else(|| "the fake device list has no \"audiooutput\" entry".into())
}

fn pulse_monitor() -> Result<SystemAudio, String> {
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
    let monitor_name = format!("{sink_name}.monitor");
    devices
        .iter()
        .filter(|d| d.has_classes("Audio/Source"))
        .filter(|d| internal(d).as_deref() == Some(monitor_name.as_str()))
        .find_map(|d| system_audio(d, monitor_name.clone()))
        .ok_or_else(|| format!("the default output {sink_name} has no monitor source"))
}

/// `device` as system audio, when it is a monitor source with a usable mode.
fn system_audio(device: &gst::Device, device_id: String) -> Option<SystemAudio> {
    if !identity::is_monitor_source(device.properties().as_deref()) {
        return None;
    }
    Some(SystemAudio {
        device_id,
        label: device.display_name().to_string(),
        entry: entries::monitor_entry(device)?,
    })
}

fn is_default(d: &gst::Device) -> bool {
    d.properties()
        .and_then(|p| p.get::<bool>("is-default").ok())
        .unwrap_or(false)
}
