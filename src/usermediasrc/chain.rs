// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! A track's elements, built from what selection decided.
//!
//! A track is a *head* — the device's source element, a capsfilter with the fully fixed native
//! caps and, for compressed modes, a decoder — followed by a *tail* of processing elements:
//!
//! - video: `videocrop` (`video_crop`), `videoscale` + capsfilter (`video_scale`, `video_size`),
//!   `videorate` + capsfilter (`video_rate`, `video_framerate`);
//! - audio: `audioconvert` + `audioresample` + capsfilter (`audio_convert`, `audio_resample`,
//!   `audio_format`), `webrtcdsp` (`audio_processing`).
//!
//! getUserMedia builds a minimal tail (crop/scale/rate only where the settings differ from the
//! native mode). When applyConstraints needs a tail element that is missing, the tail is rebuilt
//! *full*: crop and scale (audio: conversion) are then always present, in passthrough when
//! unused, so later size changes are caps-only. `videorate` is the exception: it re-stamps
//! buffers to a perfect rate even when the rates match, so it is only ever present when frames
//! are dropped.

use gst::prelude::*;

use super::imp::UserMediaError;
use crate::device::{self, DeviceEntry};
use crate::engine::{AudioPath, AudioPlan, Kind, VideoPlan};

/// What selection decided for a track, in the form each kind needs.
#[derive(Clone, Debug)]
pub(super) enum Plan {
    Video(VideoPlan),
    Audio(AudioPlan),
}

/// Everything a track is built from: the device, the plan and the caps the device is opened
/// with. `plan.device` is not meaningful here (it indexes the slice selection ran on).
#[derive(Clone, Debug)]
pub(super) struct TrackConfig {
    pub entry: DeviceEntry,
    pub plan: Plan,
    pub native: gst::Caps,
    pub echo_probe: Option<String>,
}

impl TrackConfig {
    pub fn video(entry: DeviceEntry, plan: VideoPlan) -> Self {
        let native = entry
            .structures
            .get(plan.mode)
            .map(|s| {
                device::caps::fixed_video_caps(
                    s,
                    plan.native_width,
                    plan.native_height,
                    plan.native_frame_rate,
                )
            })
            .unwrap_or_else(gst::Caps::new_empty);
        TrackConfig {
            entry,
            plan: Plan::Video(plan),
            native,
            echo_probe: None,
        }
    }

    pub fn audio(entry: DeviceEntry, plan: AudioPlan, echo_probe: Option<String>) -> Self {
        let native = entry
            .structures
            .get(plan.mode)
            .map(|s| {
                device::caps::fixed_audio_caps(
                    s,
                    plan.native_sample_rate,
                    plan.native_channel_count,
                )
            })
            .unwrap_or_else(gst::Caps::new_empty);
        TrackConfig {
            entry,
            plan: Plan::Audio(plan),
            native,
            echo_probe,
        }
    }

    pub fn kind(&self) -> Kind {
        match self.plan {
            Plan::Video(_) => Kind::Video,
            Plan::Audio(_) => Kind::Audio,
        }
    }

    pub fn device_id(&self) -> &str {
        &self.entry.info.device_id
    }

    /// Whether `other` opens the same device the same way, so that only the tail differs.
    pub fn same_opening(&self, other: &TrackConfig) -> bool {
        let latency = match (&self.plan, &other.plan) {
            (Plan::Audio(a), Plan::Audio(b)) => a.latency == b.latency,
            (Plan::Video(_), Plan::Video(_)) => true,
            _ => false,
        };
        latency && self.device_id() == other.device_id() && self.native == other.native
    }

    /// MediaTrackSettings plus the track's label and the native caps the device is opened with.
    pub fn settings_json(&self) -> serde_json::Value {
        let mut v = match &self.plan {
            Plan::Video(p) => to_json(&p.settings),
            Plan::Audio(p) => to_json(&p.settings),
        };
        if let Some(o) = v.as_object_mut() {
            o.insert("label".into(), self.entry.info.label.clone().into());
            o.insert("deviceCaps".into(), self.native.to_string().into());
        }
        v
    }

    pub fn capabilities_json(&self) -> serde_json::Value {
        match &self.plan {
            Plan::Video(p) => to_json(&p.capabilities),
            Plan::Audio(p) => to_json(&p.capabilities),
        }
    }

    fn prefix(&self) -> &'static str {
        match self.kind() {
            Kind::Video => "video",
            Kind::Audio => "audio",
        }
    }
}

/// The elements of a running track, in stream order.
#[derive(Clone, Debug, Default)]
pub(super) struct Chain {
    pub head: Vec<gst::Element>,
    pub tail: Vec<gst::Element>,
}

impl Chain {
    pub fn all(&self) -> Vec<gst::Element> {
        self.head.iter().chain(&self.tail).cloned().collect()
    }

    pub fn contains(&self, object: &gst::Object) -> bool {
        self.head
            .iter()
            .chain(&self.tail)
            .any(|e| e.upcast_ref::<gst::Object>() == object || object.has_as_ancestor(e))
    }

    /// The pad the tail hangs from: the src pad of the head's last element.
    pub fn split_pad(&self) -> Option<gst::Pad> {
        self.head.last().and_then(|e| e.static_pad("src"))
    }

    /// The pad the ghost pad targets.
    pub fn out_pad(&self) -> Option<gst::Pad> {
        self.tail
            .last()
            .or(self.head.last())
            .and_then(|e| e.static_pad("src"))
    }
}

/// Source, native capsfilter and (compressed modes) decoder.
pub(super) fn build_head(cfg: &TrackConfig) -> Result<Vec<gst::Element>, UserMediaError> {
    let prefix = cfg.prefix();
    let source = device::create_source(&cfg.entry, &format!("{prefix}_source")).map_err(|e| {
        let what = match cfg.kind() {
            Kind::Video => "camera",
            Kind::Audio => "microphone",
        };
        UserMediaError::new(
            "AbortError",
            format!("cannot create the {what} element: {e}"),
        )
    })?;
    if let Plan::Audio(plan) = &cfg.plan {
        configure_latency(&source, plan.latency, plan.native_sample_rate);
    }
    if source.factory().is_some_and(|f| f.name() == "pipewiresrc")
        && source
            .find_property("always-copy")
            .is_some_and(|p| p.value_type() == bool::static_type())
    {
        // pipewiresrc (0.3.65) buffers point into the stream's memory, which goes away when
        // the stream stops or the device is unplugged, while downstream may still hold them (a
        // sink's last sample, a queue): after a swap or an unplug the next copy of such a
        // buffer reads unmapped memory. Copies are plain memory that outlives the device.
        source.set_property("always-copy", true);
    }
    let filter = make("capsfilter", &format!("{prefix}_device_caps"))?;
    filter.set_property("caps", &cfg.native);
    let mut head = vec![source, filter];
    let compressed = cfg
        .native
        .structure(0)
        .is_some_and(|s| s.name() != "video/x-raw" && s.name() != "audio/x-raw");
    if compressed {
        head.push(make_decoder(&cfg.native)?);
    }
    Ok(head)
}

/// The processing elements `cfg` needs; with `full`, crop and scale (audio: conversion) are
/// included even when unused, in passthrough.
pub(super) fn build_tail(
    cfg: &TrackConfig,
    full: bool,
) -> Result<Vec<gst::Element>, UserMediaError> {
    let mut tail = Vec::new();
    match &cfg.plan {
        Plan::Video(plan) => {
            let need = VideoNeeds::of(plan);
            if need.crop || full {
                tail.push(make("videocrop", "video_crop")?);
            }
            if need.scale || full {
                tail.push(make("videoscale", "video_scale")?);
                tail.push(make("capsfilter", "video_size")?);
            }
            if need.rate {
                let r = make("videorate", "video_rate")?;
                r.set_property("drop-only", true);
                // Inserted mid-stream, videorate would otherwise stamp from the segment start.
                r.set_property("skip-to-first", true);
                tail.push(r);
                tail.push(make("capsfilter", "video_framerate")?);
            }
        }
        Plan::Audio(plan) => {
            if needs_conversion(plan, &cfg.native) || full {
                tail.push(make("audioconvert", "audio_convert")?);
                tail.push(make("audioresample", "audio_resample")?);
                tail.push(make("capsfilter", "audio_format")?);
            }
            if plan.path == AudioPath::Dsp {
                tail.push(make("webrtcdsp", "audio_processing")?);
            }
        }
    }
    if !update_tail(&tail, cfg) {
        return Err(UserMediaError::new(
            "AbortError",
            "internal error: a fresh tail does not fit its plan",
        ));
    }
    Ok(tail)
}

/// Whether `tail` has the elements `cfg` needs, so that [`update_tail`] can configure it in
/// place.
pub(super) fn tail_fits(tail: &[gst::Element], cfg: &TrackConfig) -> bool {
    let find = |name: &str| tail.iter().find(|e| e.name() == name);
    match &cfg.plan {
        Plan::Video(plan) => {
            let need = VideoNeeds::of(plan);
            !((need.crop && find("video_crop").is_none())
                || (need.scale && find("video_size").is_none())
                || need.rate != find("video_framerate").is_some())
        }
        Plan::Audio(plan) => {
            let convert = needs_conversion(plan, &cfg.native);
            let dsp = find("audio_processing");
            if (convert && find("audio_format").is_none())
                || (plan.path == AudioPath::Dsp) != dsp.is_some()
            {
                return false;
            }
            // webrtcdsp takes its settings when it starts.
            dsp.is_none_or(|dsp| {
                let same = dsp.property::<bool>("echo-cancel") == plan.echo_cancellation
                    && dsp.property::<bool>("gain-control") == plan.auto_gain_control
                    && dsp.property::<bool>("noise-suppression") == plan.noise_suppression;
                let probe_ok = match &cfg.echo_probe {
                    Some(p) => dsp.property::<Option<String>>("probe").as_deref() == Some(p),
                    None => true,
                };
                dsp.current_state() <= gst::State::Ready || (same && probe_ok)
            })
        }
    }
}

/// Configures `tail` for `cfg` in place (properties and capsfilter caps only) when it has the
/// elements `cfg` needs ([`tail_fits`]); false (and nothing changed) otherwise.
pub(super) fn update_tail(tail: &[gst::Element], cfg: &TrackConfig) -> bool {
    if !tail_fits(tail, cfg) {
        return false;
    }
    let find = |name: &str| tail.iter().find(|e| e.name() == name);
    match &cfg.plan {
        Plan::Video(plan) => {
            let need = VideoNeeds::of(plan);
            let crop = find("video_crop");
            let size = find("video_size");
            let rate = find("video_framerate");
            if let Some(size) = size {
                size.set_property(
                    "caps",
                    gst::Caps::builder("video/x-raw")
                        .field("width", plan.width as i32)
                        .field("height", plan.height as i32)
                        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
                        .build(),
                );
            }
            if let Some(crop) = crop {
                let (l, t, r, b) = match (need.crop, plan.crop) {
                    (true, Some(c)) => (
                        c.left,
                        c.top,
                        plan.native_width.saturating_sub(c.left + c.width),
                        plan.native_height.saturating_sub(c.top + c.height),
                    ),
                    _ => (0, 0, 0, 0),
                };
                let current: (i32, i32, i32, i32) = (
                    crop.property("left"),
                    crop.property("top"),
                    crop.property("right"),
                    crop.property("bottom"),
                );
                let wanted = (l as i32, t as i32, r as i32, b as i32);
                if current != wanted {
                    crop.set_property("left", wanted.0);
                    crop.set_property("top", wanted.1);
                    crop.set_property("right", wanted.2);
                    crop.set_property("bottom", wanted.3);
                }
            }
            if let (Some(rate), Some(fps)) = (rate, plan.max_frame_rate) {
                rate.set_property(
                    "caps",
                    gst::Caps::builder("video/x-raw")
                        .field("framerate", fraction(fps))
                        .build(),
                );
            }
            true
        }
        Plan::Audio(plan) => {
            let convert = needs_conversion(plan, &cfg.native);
            let format = find("audio_format");
            if let Some(dsp) = find("audio_processing") {
                dsp.set_property("echo-cancel", plan.echo_cancellation);
                dsp.set_property("gain-control", plan.auto_gain_control);
                dsp.set_property("noise-suppression", plan.noise_suppression);
                if let Some(probe) = &cfg.echo_probe {
                    dsp.set_property("probe", probe);
                }
            }
            if let Some(format) = format {
                let caps = if convert {
                    gst::Caps::builder("audio/x-raw")
                        .field("format", "S16LE")
                        .field("layout", "interleaved")
                        .field("rate", plan.sample_rate as i32)
                        .field("channels", plan.channel_count as i32)
                        .build()
                } else {
                    cfg.native.clone()
                };
                format.set_property("caps", caps);
            }
            true
        }
    }
}

/// Which video tail elements a plan needs.
struct VideoNeeds {
    crop: bool,
    scale: bool,
    rate: bool,
}

impl VideoNeeds {
    fn of(plan: &VideoPlan) -> Self {
        let scale = plan.width != plan.native_width || plan.height != plan.native_height;
        VideoNeeds {
            crop: scale && plan.crop.is_some(),
            scale,
            rate: plan.max_frame_rate.is_some(),
        }
    }
}

fn needs_conversion(plan: &AudioPlan, native: &gst::Caps) -> bool {
    let native_s16 = native
        .structure(0)
        .and_then(|s| s.get::<&str>("format").ok())
        == Some("S16LE");
    plan.path == AudioPath::Dsp
        || plan.sample_rate != plan.native_sample_rate
        || plan.channel_count != plan.native_channel_count
        || (plan.path != AudioPath::Unprocessed && !native_s16)
}

pub(super) fn make(factory: &str, name: &str) -> Result<gst::Element, UserMediaError> {
    gst::ElementFactory::make(factory)
        .name(name)
        .build()
        .map_err(|_| {
            UserMediaError::new(
                "AbortError",
                format!("the GStreamer element '{factory}' is missing; install its plugin"),
            )
        })
}

/// The best-ranked decoder that accepts `caps` (e.g. jpegdec for image/jpeg).
fn make_decoder(caps: &gst::Caps) -> Result<gst::Element, UserMediaError> {
    let factories = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER,
        gst::Rank::MARGINAL,
    );
    let factory = factories
        .iter()
        .filter(|f| f.can_sink_all_caps(caps))
        .max_by_key(|f| f.rank())
        .ok_or_else(|| {
            UserMediaError::new("AbortError", format!("no decoder for {caps} is installed"))
        })?;
    factory
        .create()
        .name("video_decoder")
        .build()
        .map_err(|e| UserMediaError::new("AbortError", format!("cannot create decoder: {e}")))
}

/// Sets the capture buffer size for the target latency on sources that have one.
fn configure_latency(source: &gst::Element, latency: f64, rate: u32) {
    if latency <= 0.0 {
        return;
    }
    if source.has_property("latency-time") {
        let us = (latency * 1e6).round() as i64;
        source.set_property("latency-time", us);
        if source.has_property("buffer-time") {
            let buffer: i64 = source.property("buffer-time");
            if buffer < us * 2 {
                source.set_property("buffer-time", us * 2);
            }
        }
    } else if source.has_property("samplesperbuffer") {
        let samples = ((latency * rate as f64).round() as i32).max(1);
        source.set_property("samplesperbuffer", samples);
    }
}

/// The exact fraction for a frame rate (e.g. 29.97… → 30000/1001).
fn fraction(rate: f64) -> gst::Fraction {
    gst::Fraction::approximate_f64(rate)
        .unwrap_or_else(|| gst::Fraction::new(rate.round() as i32, 1))
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
