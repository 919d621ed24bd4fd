// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What selection decides: the device and native mode to open, what to deliver, and the
//! `MediaTrackSettings` / `MediaTrackCapabilities` to report.

use serde::Serialize;

use super::EchoMode;

/// A `{min, max}` capability range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Range {
    #[serde(serialize_with = "number")]
    pub min: f64,
    #[serde(serialize_with = "number")]
    pub max: f64,
}

/// Whole numbers as integers (`640`, not `640.0`), as a browser's JSON shows them.
fn number<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// A centred crop rectangle inside the native frame (pixels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crop {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// `MediaTrackSettings` of a video track (W3C key names).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoSettings {
    pub device_id: String,
    pub group_id: String,
    pub width: u32,
    pub height: u32,
    /// width / height rounded to ten decimal places.
    pub aspect_ratio: f64,
    pub frame_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facing_mode: Option<String>,
    /// `none` when the native mode is delivered as is, else `crop-and-scale`.
    pub resize_mode: String,
}

/// `MediaTrackCapabilities` of a video device.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoCapabilities {
    pub device_id: String,
    pub group_id: String,
    pub width: Range,
    pub height: Range,
    pub aspect_ratio: Range,
    pub frame_rate: Range,
    pub facing_mode: Vec<String>,
    pub resize_mode: Vec<String>,
}

/// The chosen camera and how to turn its native mode into the delivered settings.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoPlan {
    /// Index into the device slice given to selection.
    pub device: usize,
    /// Index into that device's `VideoMode` list.
    pub mode: usize,
    /// The concrete native values to open the mode with (inside its value sets).
    pub native_width: u32,
    pub native_height: u32,
    pub native_frame_rate: f64,
    /// Centred crop applied before scaling; `None` when the full frame is scaled (or delivered).
    pub crop: Option<Crop>,
    /// Delivered size (after crop and downscale; equals native when no rescale).
    pub width: u32,
    pub height: u32,
    /// Frames are dropped down to this rate; `None` delivers the native rate.
    pub max_frame_rate: Option<f64>,
    pub settings: VideoSettings,
    pub capabilities: VideoCapabilities,
}

/// The audio path chosen (Chromium's processing model, with webrtcdsp as the processor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AudioPath {
    /// Device samples as they come.
    Unprocessed,
    /// Conversion only, no voice processing.
    ProcessedNoDsp,
    /// Through the voice processor (webrtcdsp).
    Dsp,
}

/// `MediaTrackSettings` of an audio track (W3C key names).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioSettings {
    pub device_id: String,
    pub group_id: String,
    pub sample_rate: u32,
    pub sample_size: u32,
    pub channel_count: u32,
    /// Seconds.
    pub latency: f64,
    /// Whether echo is cancelled, by webrtcdsp or by the device itself.
    #[serde(skip)]
    pub echo_cancellation: bool,
    /// The echo-cancellation mode selected, reported as `echoCancellation`: `false`, `true`
    /// (left to the element: remote-only through webrtcdsp, all through a device's own
    /// canceller), `"remote-only"` or `"all"`.
    #[serde(rename = "echoCancellation")]
    pub echo_cancellation_mode: EchoMode,
    pub auto_gain_control: bool,
    pub noise_suppression: bool,
    pub voice_isolation: bool,
}

/// `MediaTrackCapabilities` of an audio device.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioCapabilities {
    pub device_id: String,
    pub group_id: String,
    pub sample_rate: Range,
    pub sample_size: Range,
    pub channel_count: Range,
    pub latency: Range,
    /// Whether echo can be cancelled (true) and left in (false).
    #[serde(skip)]
    pub echo_cancellation: Vec<bool>,
    /// The echoCancellation values that can be required, reported as `echoCancellation`.
    #[serde(rename = "echoCancellation")]
    pub echo_cancellation_modes: Vec<EchoMode>,
    pub auto_gain_control: Vec<bool>,
    pub noise_suppression: Vec<bool>,
    pub voice_isolation: Vec<bool>,
}

/// The chosen microphone and its processing.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioPlan {
    pub device: usize,
    pub mode: usize,
    /// Concrete native values to open the mode with.
    pub native_sample_rate: u32,
    pub native_channel_count: u32,
    pub path: AudioPath,
    /// Delivered format (after conversion and processing).
    pub sample_rate: u32,
    pub channel_count: u32,
    /// Latency (seconds) to configure the source for.
    pub latency: f64,
    /// What the voice processor (webrtcdsp) must do; all false unless `path` is `Dsp`. Echo
    /// cancelled by the device itself shows in `settings.echo_cancellation` only.
    pub echo_cancellation: bool,
    pub auto_gain_control: bool,
    pub noise_suppression: bool,
    pub settings: AudioSettings,
    pub capabilities: AudioCapabilities,
}

/// Selection result per requested kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub video: Option<VideoPlan>,
    pub audio: Option<AudioPlan>,
}
