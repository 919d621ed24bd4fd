// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Devices and their native modes, as the engine sees them (no GStreamer types).

use serde::Serialize;

/// Media kind of a device or track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Video,
    Audio,
}

impl Kind {
    /// The W3C `MediaDeviceInfo.kind` string.
    pub fn device_kind(self) -> &'static str {
        match self {
            Kind::Video => "videoinput",
            Kind::Audio => "audioinput",
        }
    }
}

/// The values one numeric field of a native mode can take, exactly as caps carry them:
/// a fixed value, a discrete list, or a range (optionally stepped).
#[derive(Clone, Debug, PartialEq)]
pub enum ValueSet {
    Fixed(f64),
    List(Vec<f64>),
    /// Inclusive range. `step > 0` restricts it to `min + k * step`; `step == 0` is continuous.
    Range {
        min: f64,
        max: f64,
        step: f64,
    },
}

impl ValueSet {
    pub fn min(&self) -> f64 {
        match self {
            ValueSet::Fixed(v) => *v,
            ValueSet::List(l) => l.iter().copied().fold(f64::INFINITY, f64::min),
            ValueSet::Range { min, .. } => *min,
        }
    }

    pub fn max(&self) -> f64 {
        match self {
            ValueSet::Fixed(v) => *v,
            ValueSet::List(l) => l.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ValueSet::Range { max, .. } => *max,
        }
    }

    /// Whether `v` is one of the values of the set (ranges: inside and on the step grid).
    pub fn contains(&self, v: f64) -> bool {
        use super::num::MEMBER_SLACK as EPS;
        match self {
            ValueSet::Fixed(x) => (x - v).abs() <= EPS,
            ValueSet::List(l) => l.iter().any(|x| (x - v).abs() <= EPS),
            ValueSet::Range { min, max, step } => {
                if v < min - EPS || v > max + EPS {
                    return false;
                }
                if *step <= 0.0 {
                    return true;
                }
                let k = ((v - min) / step).round();
                (min + k * step - v).abs() <= EPS
            }
        }
    }

    /// The member of the set closest to `v` (ranges: clamped, then snapped to the step).
    pub fn nearest(&self, v: f64) -> f64 {
        match self {
            ValueSet::Fixed(x) => *x,
            ValueSet::List(l) => l
                .iter()
                .copied()
                .min_by(|a, b| (a - v).abs().total_cmp(&(b - v).abs()))
                .unwrap_or(v),
            ValueSet::Range { min, max, step } => {
                let c = v.clamp(*min, *max);
                if *step <= 0.0 {
                    return c;
                }
                let k = ((c - min) / step).round();
                let s = min + k * step;
                if s > *max { s - step } else { s }
            }
        }
    }
}

/// One native capture mode of a camera: one caps structure with a single format.
/// `width`/`height` are pixels, `frame_rate` frames per second (0 = unknown).
#[derive(Clone, Debug, PartialEq)]
pub struct VideoMode {
    pub width: ValueSet,
    pub height: ValueSet,
    pub frame_rate: ValueSet,
    /// Raw format name (`YUY2`, `NV12`, …) or the media type of a compressed mode (`image/jpeg`).
    pub format: String,
    /// True when frames must be decoded before they are raw video.
    pub compressed: bool,
}

/// One native capture mode of a microphone.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioMode {
    /// Hz.
    pub sample_rate: ValueSet,
    pub channel_count: ValueSet,
    /// Bits per sample (linear samples).
    pub sample_size: u32,
    /// Raw format name (`S16LE`, `F32LE`, …).
    pub format: String,
}

/// What a microphone offers beyond its modes.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioCapture {
    pub modes: Vec<AudioMode>,
    /// Latencies (seconds) the source can be configured for.
    pub latency: ValueSet,
    /// Latency (seconds) the source runs at when not asked otherwise.
    pub default_latency: f64,
    /// The device (or its platform) cancels echo itself.
    pub system_echo_cancellation: bool,
}

/// What a device can capture.
#[derive(Clone, Debug, PartialEq)]
pub enum Capture {
    Video(Vec<VideoMode>),
    Audio(AudioCapture),
}

/// One source device, as enumerated (the system default first among its kind).
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    pub device_id: String,
    pub group_id: String,
    pub label: String,
    /// `user`, `environment`, `left`, `right`, or none.
    pub facing_mode: Option<String>,
    pub capture: Capture,
}

impl Device {
    pub fn kind(&self) -> Kind {
        match self.capture {
            Capture::Video(_) => Kind::Video,
            Capture::Audio(_) => Kind::Audio,
        }
    }
}

/// Facts about the host that decide which audio processing paths exist.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioEnvironment {
    /// A voice processor (webrtcdsp) is installed: noise suppression, gain control, and echo
    /// cancellation when a far-end reference exists.
    pub processing_available: bool,
    /// A far-end (playback) reference is available to the echo canceller.
    pub echo_reference: bool,
}

impl Default for AudioEnvironment {
    fn default() -> Self {
        AudioEnvironment {
            processing_available: true,
            echo_reference: false,
        }
    }
}
