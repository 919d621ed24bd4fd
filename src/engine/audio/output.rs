// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What a microphone reports (capabilities) and the error that explains a failed selection.

use std::fmt::Write as _;

use super::sets::EcSet;
use super::{DSP_LATENCY, DSP_SAMPLE_RATE, DSP_SAMPLE_SIZE};
use crate::engine::num;
use crate::engine::{
    AudioCapabilities, AudioCapture, AudioEnvironment, Capture, ConstraintSet, Device, EchoMode,
    MediaError, Range, TrackConstraints, ValueSet,
};

/// What the device can deliver over all its modes and paths (S6.1).
pub(crate) fn capabilities(
    device: &Device,
    capture: &AudioCapture,
    env: &AudioEnvironment,
) -> AudioCapabilities {
    let dsp = env.processing_available;
    let span = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if lo <= hi {
            Range { min: lo, max: hi }
        } else {
            Range { min: 0.0, max: 0.0 }
        }
    };
    let modes = &capture.modes;
    let rates = modes
        .iter()
        .flat_map(|m| [m.sample_rate.min(), m.sample_rate.max()]);
    let channels = modes
        .iter()
        .flat_map(|m| [m.channel_count.min(), m.channel_count.max()]);
    let sizes = modes.iter().map(|m| m.sample_size as f64);
    let latencies = [
        capture.latency.min(),
        capture.latency.max(),
        capture.default_latency,
    ];
    let with_dsp = |v: f64| dsp.then_some(v).into_iter();
    let echo = EcSet::offered(capture.system_echo_cancellation, dsp && env.echo_reference);
    let echo_cancellation_modes = echo.values();
    let echo_cancellation = [true, false]
        .into_iter()
        .filter(|on| echo_cancellation_modes.iter().any(|m| m.is_on() == *on))
        .collect();
    let processing = if dsp { vec![true, false] } else { vec![false] };
    AudioCapabilities {
        device_id: device.device_id.clone(),
        group_id: device.group_id.clone(),
        sample_rate: span(&mut rates.chain(with_dsp(DSP_SAMPLE_RATE as f64))),
        sample_size: span(&mut sizes.chain(with_dsp(DSP_SAMPLE_SIZE as f64))),
        channel_count: span(&mut channels.chain(with_dsp(1.0))),
        latency: span(&mut latencies.into_iter().chain(with_dsp(DSP_LATENCY))),
        echo_cancellation,
        echo_cancellation_modes,
        auto_gain_control: processing.clone(),
        noise_suppression: processing,
        voice_isolation: vec![false],
    }
}

/// OverconstrainedError: what was asked, and what each microphone offers instead.
pub(super) fn overconstrained(
    failed: &str,
    tc: &TrackConstraints,
    devices: &[Device],
    env: &AudioEnvironment,
) -> MediaError {
    let asked = required_summary(&tc.basic);
    let processing = match (env.processing_available, env.echo_reference) {
        (true, true) => "webrtcdsp, with an echo reference",
        (true, false) => "webrtcdsp, without an echo reference (no echo cancellation)",
        (false, _) => "not available",
    };
    let mut message = format!(
        "no microphone can satisfy {asked} ({failed} cannot be met); voice processing: \
         {processing}; microphones:"
    );
    for device in devices {
        if let Capture::Audio(capture) = &device.capture {
            let _ = write!(message, " {}", describe_device(device, capture, env));
        }
    }
    MediaError::Overconstrained {
        constraint: failed.to_string(),
        message,
    }
}

/// `{sampleRate: {exact: 8000}, echoCancellation: {exact: true}}` — the required members of the
/// basic set for an audio track.
pub(super) fn required_summary(set: &ConstraintSet) -> String {
    let mut parts = Vec::new();
    let strs = |v: &[String]| {
        if v.len() == 1 {
            format!("{:?}", v[0])
        } else {
            format!("{v:?}")
        }
    };
    for (name, c) in [("deviceId", &set.device_id), ("groupId", &set.group_id)] {
        if let Some(exact) = c.as_ref().and_then(|c| c.exact.as_ref()) {
            parts.push(format!("{name}: {{exact: {}}}", strs(exact)));
        }
    }
    if let Some(exact) = set
        .echo_cancellation
        .as_ref()
        .and_then(|c| c.exact.as_ref())
    {
        let v = match exact {
            EchoMode::Bool(b) => b.to_string(),
            EchoMode::Str(s) => format!("{s:?}"),
        };
        parts.push(format!("echoCancellation: {{exact: {v}}}"));
    }
    for (name, c) in [
        ("autoGainControl", &set.auto_gain_control),
        ("noiseSuppression", &set.noise_suppression),
        ("voiceIsolation", &set.voice_isolation),
    ] {
        if let Some(exact) = c.as_ref().and_then(|c| c.exact) {
            parts.push(format!("{name}: {{exact: {exact}}}"));
        }
    }
    for (name, c) in [
        ("sampleRate", &set.sample_rate),
        ("sampleSize", &set.sample_size),
        ("channelCount", &set.channel_count),
        ("latency", &set.latency),
    ] {
        if let Some(c) = c.as_ref().filter(|c| c.is_required()) {
            let fields: Vec<String> = [("min", c.min), ("max", c.max), ("exact", c.exact)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}: {}", num::text(v))))
                .collect();
            parts.push(format!("{name}: {{{}}}", fields.join(", ")));
        }
    }
    if parts.is_empty() {
        "the constraints".to_string()
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}

pub(super) fn values_text(values: &ValueSet) -> String {
    match values {
        ValueSet::Fixed(v) => num::text(*v),
        ValueSet::List(l) => l
            .iter()
            .map(|v| num::text(*v))
            .collect::<Vec<_>>()
            .join("/"),
        ValueSet::Range { min, max, step } if *step > 0.0 => {
            format!(
                "{}-{} step {}",
                num::text(*min),
                num::text(*max),
                num::text(*step)
            )
        }
        ValueSet::Range { min, max, .. } => format!("{}-{}", num::text(*min), num::text(*max)),
    }
}

/// `"USB Mic" (usb-1): sampleRate 44100 (48000 processed), channelCount 2 (1 processed), …`
pub(super) fn describe_device(
    device: &Device,
    capture: &AudioCapture,
    env: &AudioEnvironment,
) -> String {
    let dsp = env.processing_available;
    let list = |texts: Vec<String>| {
        let mut seen = Vec::new();
        for t in texts {
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        seen.join(", ")
    };
    let rates = list(
        capture
            .modes
            .iter()
            .map(|m| values_text(&m.sample_rate))
            .collect(),
    );
    let channels = list(
        capture
            .modes
            .iter()
            .map(|m| values_text(&m.channel_count))
            .collect(),
    );
    let sizes = list(
        capture
            .modes
            .iter()
            .map(|m| m.sample_size.to_string())
            .collect(),
    );
    let caps = capabilities(device, capture, env);
    let bools = |v: &[bool]| {
        v.iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut text = format!("{:?} ({}):", device.label, device.device_id);
    if capture.modes.is_empty() {
        text.push_str(" no usable capture mode;");
        return text;
    }
    let processed = |v: &str| {
        if dsp {
            format!(" ({v} processed)")
        } else {
            String::new()
        }
    };
    let latency_processed = if dsp {
        format!("; {} processed", num::text(DSP_LATENCY))
    } else {
        String::new()
    };
    let _ = write!(
        text,
        " sampleRate {rates}{}, channelCount {channels}{}, sampleSize {sizes}{}, latency {} s \
         (default {}{}), echoCancellation {}, autoGainControl/noiseSuppression {};",
        processed(&DSP_SAMPLE_RATE.to_string()),
        processed("1"),
        processed(&DSP_SAMPLE_SIZE.to_string()),
        values_text(&capture.latency),
        num::text(capture.default_latency),
        latency_processed,
        bools(&caps.echo_cancellation),
        bools(&caps.auto_gain_control),
    );
    text
}
