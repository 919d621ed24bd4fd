// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The elements of a track, built from what selection decided.
//!
//! A track is a *head* — the device's source element, a capsfilter with the fully fixed native
//! caps and, for compressed modes, a decoder — followed by a *tail* of processing elements:
//!
//! - video: `videorate` + capsfilter (frames are dropped before they are scaled), `videocrop`,
//!   `videoscale` + capsfilter;
//! - audio: `audioconvert` + `audioresample` + capsfilter, `webrtcdsp`.
//!
//! getUserMedia builds a minimal tail (crop/scale/rate only where the settings differ from the
//! native mode). When applyConstraints needs a tail element that is missing, the tail is rebuilt
//! *full*: crop and scale (audio: conversion) are then always present, in passthrough when
//! unused, so later size changes are caps-only. `videorate` is the exception: it re-stamps
//! buffers to a perfect rate even when the rates match, so it is only ever present when frames
//! are dropped.

use gst::prelude::*;

use super::decide::{Origin, Plan, TrackConfig};
use super::error::UserMediaError;
use crate::device;
use crate::engine::{AudioPath, AudioPlan, Crop, Kind};

/// Source, native capsfilter and (compressed modes) decoder.
#[derive(Clone, Debug)]
pub(super) struct Head {
    pub source: gst::Element,
    caps: gst::Element,
    decoder: Option<gst::Element>,
}

impl Head {
    pub fn build(cfg: &TrackConfig) -> Result<Head, UserMediaError> {
        let prefix = prefix(cfg.kind());
        let source = cfg
            .create_source(&format!("{prefix}_source"))
            .map_err(|e| {
                let what = match (&cfg.plan, cfg.kind()) {
                    (Plan::Display(_), _) => "screen capture",
                    (_, Kind::Video) => "camera",
                    (_, Kind::Audio) => "microphone",
                };
                UserMediaError::Abort(format!("cannot create the {what} element: {e}"))
            })?;
        if let Plan::Audio(plan) = &cfg.plan {
            device::set_audio_latency(&source, plan.latency);
        }
        let caps = make("capsfilter", &format!("{prefix}_device_caps"))?;
        caps.set_property("caps", &cfg.native);
        let compressed = cfg
            .native
            .structure(0)
            .is_some_and(|s| s.name() != "video/x-raw" && s.name() != "audio/x-raw");
        let decoder = if compressed {
            Some(make_decoder(&cfg.native)?)
        } else {
            None
        };
        Ok(Head {
            source,
            caps,
            decoder,
        })
    }

    pub fn elements(&self) -> Vec<gst::Element> {
        [Some(&self.source), Some(&self.caps), self.decoder.as_ref()]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The pad the tail hangs from.
    pub fn src_pad(&self) -> Option<gst::Pad> {
        self.decoder
            .as_ref()
            .unwrap_or(&self.caps)
            .static_pad("src")
    }
}

/// A capsfilter and the element whose output it fixes.
#[derive(Clone, Debug)]
struct Filtered {
    element: gst::Element,
    filter: gst::Element,
}

#[derive(Clone, Debug, Default)]
pub(super) struct VideoTail {
    rate: Option<Filtered>,
    crop: Option<gst::Element>,
    scale: Option<Filtered>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct AudioTail {
    /// audioconvert ! audioresample ! capsfilter: `element` is the resampler.
    convert: Option<(gst::Element, Filtered)>,
    dsp: Option<gst::Element>,
}

/// The processing elements after the head.
#[derive(Clone, Debug)]
pub(super) enum Tail {
    Video(VideoTail),
    Audio(AudioTail),
}

impl Tail {
    /// The elements `cfg` needs; with `full`, crop and scale (audio: conversion) are included
    /// even when unused, in passthrough.
    pub fn build(cfg: &TrackConfig, full: bool) -> Result<Tail, UserMediaError> {
        let tail = match &cfg.plan {
            Plan::Video(_) | Plan::Display(_) => {
                let need = VideoNeeds::of(&Shape::of(cfg));
                let rate = if need.rate {
                    let r = make("videorate", "video_rate")?;
                    r.set_property("drop-only", true);
                    // Inserted mid-stream, videorate would otherwise stamp from the segment start.
                    r.set_property("skip-to-first", true);
                    Some(Filtered {
                        element: r,
                        filter: make("capsfilter", "video_framerate")?,
                    })
                } else {
                    None
                };
                let crop = (need.crop || full)
                    .then(|| make("videocrop", "video_crop"))
                    .transpose()?;
                let scale = if need.scale || full {
                    Some(Filtered {
                        element: make("videoscale", "video_scale")?,
                        filter: make("capsfilter", "video_size")?,
                    })
                } else {
                    None
                };
                Tail::Video(VideoTail { rate, crop, scale })
            }
            Plan::Audio(plan) => {
                let convert = if needs_conversion(plan, &cfg.native) || full {
                    Some((
                        make("audioconvert", "audio_convert")?,
                        Filtered {
                            element: make("audioresample", "audio_resample")?,
                            filter: make("capsfilter", "audio_format")?,
                        },
                    ))
                } else {
                    None
                };
                let dsp = (plan.path == AudioPath::Dsp)
                    .then(|| make("webrtcdsp", "audio_processing"))
                    .transpose()?;
                Tail::Audio(AudioTail { convert, dsp })
            }
        };
        if !tail.update(cfg) {
            return Err(UserMediaError::Abort(
                "internal error: a fresh tail does not fit its plan".into(),
            ));
        }
        Ok(tail)
    }

    /// In stream order.
    pub fn elements(&self) -> Vec<gst::Element> {
        let mut v = Vec::new();
        match self {
            Tail::Video(t) => {
                if let Some(r) = &t.rate {
                    v.extend([r.element.clone(), r.filter.clone()]);
                }
                v.extend(t.crop.clone());
                if let Some(s) = &t.scale {
                    v.extend([s.element.clone(), s.filter.clone()]);
                }
            }
            Tail::Audio(t) => {
                if let Some((convert, resample)) = &t.convert {
                    v.extend([
                        convert.clone(),
                        resample.element.clone(),
                        resample.filter.clone(),
                    ]);
                }
                v.extend(t.dsp.clone());
            }
        }
        v
    }

    /// Whether this tail has the elements `cfg` needs, so that [`Tail::update`] can configure
    /// it in place.
    pub fn fits(&self, cfg: &TrackConfig) -> bool {
        match (self, &cfg.plan) {
            (Tail::Video(t), Plan::Video(_) | Plan::Display(_)) => {
                let need = VideoNeeds::of(&Shape::of(cfg));
                !((need.crop && t.crop.is_none())
                    || (need.scale && t.scale.is_none())
                    || need.rate != t.rate.is_some())
            }
            (Tail::Audio(t), Plan::Audio(plan)) => {
                let convert = needs_conversion(plan, &cfg.native);
                if (convert && t.convert.is_none())
                    || (plan.path == AudioPath::Dsp) != t.dsp.is_some()
                {
                    return false;
                }
                // webrtcdsp takes its settings when it starts.
                t.dsp.as_ref().is_none_or(|dsp| {
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
            _ => false,
        }
    }

    /// Configures the tail for `cfg` in place (properties and capsfilter caps only) when it
    /// [fits](Tail::fits); false (and nothing changed) otherwise.
    pub fn update(&self, cfg: &TrackConfig) -> bool {
        if !self.fits(cfg) {
            return false;
        }
        match (self, &cfg.plan) {
            (Tail::Video(t), Plan::Video(_) | Plan::Display(_)) => update_video(t, &Shape::of(cfg)),
            (Tail::Audio(t), Plan::Audio(plan)) => update_audio(t, plan, cfg),
            _ => return false,
        }
        true
    }
}

fn update_video(t: &VideoTail, plan: &Shape) {
    let need = VideoNeeds::of(plan);
    if let Some(scale) = &t.scale {
        scale.filter.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("width", plan.width as i32)
                .field("height", plan.height as i32)
                .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
                .build(),
        );
    }
    if let Some(crop) = &t.crop {
        let (l, t, r, b) = match (need.crop, plan.crop) {
            (true, Some(c)) => (
                c.left,
                c.top,
                plan.native_width.saturating_sub(c.left + c.width),
                plan.native_height.saturating_sub(c.top + c.height),
            ),
            _ => (0, 0, 0, 0),
        };
        let wanted = [("left", l), ("top", t), ("right", r), ("bottom", b)];
        // Unchanged properties are not set again: videocrop reconfigures on every set.
        if wanted
            .iter()
            .any(|(name, v)| crop.property::<i32>(name) != *v as i32)
        {
            for (name, v) in wanted {
                crop.set_property(name, v as i32);
            }
        }
    }
    if let (Some(rate), Some(fps)) = (&t.rate, plan.max_frame_rate) {
        rate.filter.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("framerate", fraction(fps))
                .build(),
        );
    }
}

fn update_audio(t: &AudioTail, plan: &AudioPlan, cfg: &TrackConfig) {
    if let Some(dsp) = &t.dsp {
        dsp.set_property("echo-cancel", plan.echo_cancellation);
        dsp.set_property("gain-control", plan.auto_gain_control);
        dsp.set_property("noise-suppression", plan.noise_suppression);
        if let Some(probe) = &cfg.echo_probe {
            dsp.set_property("probe", probe);
        }
    }
    if let Some((_, resample)) = &t.convert {
        let caps = if needs_conversion(plan, &cfg.native) {
            gst::Caps::builder("audio/x-raw")
                .field("format", "S16LE")
                .field("layout", "interleaved")
                .field("rate", plan.sample_rate as i32)
                .field("channels", plan.channel_count as i32)
                .build()
        } else {
            cfg.native.clone()
        };
        resample.filter.set_property("caps", caps);
    }
}

/// The sizes and rate of a video track: a camera's plan, or a display's (never cropped).
struct Shape {
    width: u32,
    height: u32,
    native_width: u32,
    native_height: u32,
    crop: Option<Crop>,
    max_frame_rate: Option<f64>,
    /// The source's frames may change size (a window): always scaled to `width` x `height`.
    resizable: bool,
}

impl Shape {
    fn of(cfg: &TrackConfig) -> Shape {
        match (&cfg.plan, &cfg.origin) {
            (Plan::Video(p), _) => Shape {
                width: p.width,
                height: p.height,
                native_width: p.native_width,
                native_height: p.native_height,
                crop: p.crop,
                max_frame_rate: p.max_frame_rate,
                resizable: false,
            },
            (Plan::Display(p), Origin::Display(s)) => Shape {
                width: p.width,
                height: p.height,
                native_width: s.surface.width,
                native_height: s.surface.height,
                crop: None,
                max_frame_rate: p.max_frame_rate,
                resizable: s.source.resizable(),
            },
            // Audio has no shape; nothing to scale.
            _ => Shape {
                width: 0,
                height: 0,
                native_width: 0,
                native_height: 0,
                crop: None,
                max_frame_rate: None,
                resizable: false,
            },
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
    fn of(plan: &Shape) -> Self {
        let scale =
            plan.width != plan.native_width || plan.height != plan.native_height || plan.resizable;
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

fn prefix(kind: Kind) -> &'static str {
    match kind {
        Kind::Video => "video",
        Kind::Audio => "audio",
    }
}

pub(super) fn make(factory: &str, name: &str) -> Result<gst::Element, UserMediaError> {
    gst::ElementFactory::make(factory)
        .name(name)
        .build()
        .map_err(|_| {
            UserMediaError::Abort(format!(
                "the GStreamer element '{factory}' is missing; install its plugin"
            ))
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
        .ok_or_else(|| UserMediaError::Abort(format!("no decoder for {caps} is installed")))?;
    factory
        .create()
        .name("video_decoder")
        .build()
        .map_err(|e| UserMediaError::Abort(format!("cannot create decoder: {e}")))
}

/// The exact fraction for a frame rate (e.g. 29.97… → 30000/1001).
fn fraction(rate: f64) -> gst::Fraction {
    gst::Fraction::approximate_f64(rate)
        .unwrap_or_else(|| gst::Fraction::new(rate.round() as i32, 1))
}
