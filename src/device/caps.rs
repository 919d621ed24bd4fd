// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Device caps → engine native modes, and a chosen mode back → fully fixed caps.
//!
//! Every usable caps structure yields one mode per format, with its numeric fields kept exactly as
//! the device reports them (fixed, list or stepped range). The structure returned next to each mode
//! is the device's own structure narrowed to that one format; [`fixed_video_caps`] and
//! [`fixed_audio_caps`] fix it to the concrete values selection chose, so the capsfilter after the
//! device asks for exactly one native mode.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use gst::glib;

use super::CAT;
use crate::engine::{AudioMode, ValueSet, VideoMode};

const EPS: f64 = 1e-6;

/// Camera modes: `video/x-raw` (one mode per format), `image/jpeg`, and other compressed video
/// types for which a decoder is installed. Structures with caps features other than system memory,
/// without a format, or with unusable sizes are skipped.
pub fn video_modes(caps: &gst::CapsRef) -> Vec<(VideoMode, gst::Structure)> {
    let mut modes = Vec::new();
    for (s, features) in caps.iter_with_features() {
        if !is_system_memory(features) {
            continue;
        }
        let (Some(width), Some(height)) = (int_set(s, "width"), int_set(s, "height")) else {
            continue;
        };
        let frame_rate = fraction_set(s, "framerate");
        let name = s.name().as_str();
        if name == "video/x-raw" {
            for format in strings(s, "format") {
                let known = gst_video::VideoFormat::from_string(&format);
                if matches!(
                    known,
                    gst_video::VideoFormat::Unknown | gst_video::VideoFormat::Encoded
                ) {
                    continue;
                }
                let mut narrowed = s.to_owned();
                narrowed.set("format", format.as_str());
                modes.push((
                    VideoMode {
                        width: width.clone(),
                        height: height.clone(),
                        frame_rate: frame_rate.clone(),
                        format,
                        compressed: false,
                    },
                    narrowed,
                ));
            }
        } else if is_decodable_video(name) {
            modes.push((
                VideoMode {
                    width,
                    height,
                    frame_rate,
                    format: name.to_string(),
                    compressed: true,
                },
                s.to_owned(),
            ));
        }
    }
    modes
}

/// Microphone modes: linear `audio/x-raw` formats (one mode per format) that can be delivered
/// interleaved, with rate and channels present.
pub fn audio_modes(caps: &gst::CapsRef) -> Vec<(AudioMode, gst::Structure)> {
    let mut modes = Vec::new();
    for (s, features) in caps.iter_with_features() {
        if !is_system_memory(features) || s.name() != "audio/x-raw" {
            continue;
        }
        if s.has_field("layout") && !strings(s, "layout").iter().any(|l| l == "interleaved") {
            continue;
        }
        let (Some(rate), Some(channels)) = (int_set(s, "rate"), int_set(s, "channels")) else {
            continue;
        };
        for format in strings(s, "format") {
            let Some(sample_size) = linear_sample_size(&format) else {
                continue;
            };
            let mut narrowed = s.to_owned();
            narrowed.set("format", format.as_str());
            narrowed.set("layout", "interleaved");
            modes.push((
                AudioMode {
                    sample_rate: rate.clone(),
                    channel_count: channels.clone(),
                    sample_size,
                    format,
                },
                narrowed,
            ));
        }
    }
    modes
}

/// Fully fixed caps for one video mode structure (as returned by [`video_modes`]) at the given
/// size and frame rate. The frame rate is matched against the structure's own fractions (so
/// `30000/1001` stays exact); inside a fraction range it is approximated and kept inside the range.
/// Values the mode does not offer are snapped to the nearest one it does (with a warning; see
/// [`check_video`] to refuse them instead). Other unfixed fields are fixated (pixel-aspect-ratio
/// towards 1/1, lists to their first value).
pub fn fixed_video_caps(
    structure: &gst::StructureRef,
    width: u32,
    height: u32,
    frame_rate: f64,
) -> gst::Caps {
    let mut s = structure.to_owned();
    set_ints(&mut s, structure, &[("width", width), ("height", height)]);
    if let Ok(value) = structure.value("framerate") {
        let f = pick_fraction(value, frame_rate).ok().or_else(|| {
            let f = nearest_fraction(value, frame_rate);
            gst::warning!(
                CAT,
                "frame rate {} is not offered by {}; using {:?}",
                frame_rate,
                structure,
                f
            );
            f
        });
        match f {
            Some(f) => s.set("framerate", f),
            None => {
                s.fixate_field("framerate");
            }
        }
    }
    if s.has_field("pixel-aspect-ratio") {
        s.fixate_field_nearest_fraction("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    }
    s.fixate();
    gst::Caps::builder_full().structure(s).build()
}

/// Whether `width`×`height` at `frame_rate` is one of the values of the video mode structure.
pub fn check_video(
    structure: &gst::StructureRef,
    width: u32,
    height: u32,
    frame_rate: f64,
) -> Result<(), glib::BoolError> {
    check_ints(structure, &[("width", width), ("height", height)])?;
    if let Ok(value) = structure.value("framerate") {
        pick_fraction(value, frame_rate)?;
    }
    Ok(())
}

/// Fully fixed interleaved caps for one audio mode structure (as returned by [`audio_modes`]).
/// Values the mode does not offer are snapped to the nearest one it does (with a warning; see
/// [`check_audio`]).
pub fn fixed_audio_caps(structure: &gst::StructureRef, rate: u32, channels: u32) -> gst::Caps {
    let mut s = structure.to_owned();
    s.set("layout", "interleaved");
    set_ints(&mut s, structure, &[("rate", rate), ("channels", channels)]);
    s.fixate();
    gst::Caps::builder_full().structure(s).build()
}

/// Whether `rate` and `channels` are values of the audio mode structure.
pub fn check_audio(
    structure: &gst::StructureRef,
    rate: u32,
    channels: u32,
) -> Result<(), glib::BoolError> {
    check_ints(structure, &[("rate", rate), ("channels", channels)])
}

/// Sets integer fields, snapping values the original structure does not offer.
fn set_ints(s: &mut gst::StructureRef, original: &gst::StructureRef, values: &[(&str, u32)]) {
    for &(field, v) in values {
        let v = match int_set(original, field) {
            Some(set) if !set.contains(v as f64) => {
                let n = set.nearest(v as f64).round();
                gst::warning!(
                    CAT,
                    "{} {} is not offered by {}; using {}",
                    field,
                    v,
                    original,
                    n
                );
                n as i32
            }
            _ => v as i32,
        };
        s.set(field, v);
    }
}

fn check_ints(
    structure: &gst::StructureRef,
    values: &[(&str, u32)],
) -> Result<(), glib::BoolError> {
    for &(field, v) in values {
        let set = int_set(structure, field)
            .ok_or_else(|| glib::bool_error!("{} has no usable {}", structure, field))?;
        if !set.contains(v as f64) {
            return Err(glib::bool_error!(
                "{} {} is not offered by {}",
                field,
                v,
                structure
            ));
        }
    }
    Ok(())
}

/// The fraction of `value` closest to `target` (range bounds included); `None` if it holds none.
fn nearest_fraction(value: &glib::SendValue, target: f64) -> Option<gst::Fraction> {
    let distance = |f: &gst::Fraction| (fraction_f64(*f) - target).abs();
    if let Ok(f) = value.get::<gst::Fraction>() {
        return Some(f);
    }
    if let Ok(list) = value.get::<gst::List>() {
        return list
            .iter()
            .filter_map(|v| v.get::<gst::Fraction>().ok())
            .min_by(|a, b| distance(a).total_cmp(&distance(b)));
    }
    if let Ok(range) = value.get::<gst::FractionRange>() {
        return Some(if target < fraction_f64(range.min()) {
            range.min()
        } else {
            range.max()
        });
    }
    None
}

/// The fraction of `value` (fixed, list or range) equal to `target` frames per second.
fn pick_fraction(value: &glib::SendValue, target: f64) -> Result<gst::Fraction, glib::BoolError> {
    let matches = |f: &gst::Fraction| (fraction_f64(*f) - target).abs() <= EPS;
    if let Ok(f) = value.get::<gst::Fraction>() {
        return if matches(&f) {
            Ok(f)
        } else {
            Err(glib::bool_error!("frame rate {} is not {}", target, f))
        };
    }
    if let Ok(list) = value.get::<gst::List>() {
        return list
            .iter()
            .filter_map(|v| v.get::<gst::Fraction>().ok())
            .find(matches)
            .ok_or_else(|| glib::bool_error!("frame rate {} is not in the list", target));
    }
    if let Ok(range) = value.get::<gst::FractionRange>() {
        let (min, max) = (range.min(), range.max());
        if target < fraction_f64(min) - EPS || target > fraction_f64(max) + EPS {
            return Err(glib::bool_error!(
                "frame rate {} is outside [{}, {}]",
                target,
                min,
                max
            ));
        }
        // Snap to the bounds first: their exact fractions beat an approximation.
        if matches(&min) {
            return Ok(min);
        }
        if matches(&max) {
            return Ok(max);
        }
        let f = fraction_from_f64(target)
            .ok_or_else(|| glib::bool_error!("frame rate {} has no fraction", target))?;
        let v = fraction_f64(f);
        return Ok(if v < fraction_f64(min) {
            min
        } else if v > fraction_f64(max) {
            max
        } else {
            f
        });
    }
    Err(glib::bool_error!("unusable framerate field {:?}", value))
}

/// `gst_util_double_to_fraction`, falling back to millihertz when that is not within 1e-6.
fn fraction_from_f64(x: f64) -> Option<gst::Fraction> {
    if let Some(f) = gst::Fraction::approximate_f64(x)
        && (fraction_f64(f) - x).abs() <= EPS
    {
        return Some(f);
    }
    let n = (x * 1000.0).round();
    if !(0.0..=i32::MAX as f64).contains(&n) {
        return None;
    }
    let (n, d) = (n as i32, 1000);
    let g = gcd(n, d);
    Some(gst::Fraction::new(n / g, d / g))
}

fn gcd(a: i32, b: i32) -> i32 {
    if b == 0 {
        a.abs().max(1)
    } else {
        gcd(b, a % b)
    }
}

fn fraction_f64(f: gst::Fraction) -> f64 {
    if f.denom() == 0 {
        0.0
    } else {
        f.numer() as f64 / f.denom() as f64
    }
}

fn is_system_memory(features: &gst::CapsFeaturesRef) -> bool {
    !features.is_any()
        && (features.is_empty()
            || (features.size() == 1 && features.contains(gst::CAPS_FEATURE_MEMORY_SYSTEM_MEMORY)))
}

/// Integer field as a value set: fixed, list of ints, or (stepped) range.
fn int_set(s: &gst::StructureRef, field: &str) -> Option<ValueSet> {
    let value = s.value(field).ok()?;
    if let Ok(v) = value.get::<i32>() {
        return Some(ValueSet::Fixed(v as f64));
    }
    if let Ok(r) = value.get::<gst::IntRange<i32>>() {
        return Some(ValueSet::Range {
            min: r.min() as f64,
            max: r.max() as f64,
            step: r.step().max(1) as f64,
        });
    }
    if let Ok(list) = value.get::<gst::List>() {
        let values = dedup(
            list.iter()
                .filter_map(|v| v.get::<i32>().ok())
                .map(f64::from),
        );
        return list_set(values);
    }
    None
}

/// Fraction field as a value set in frames per second; missing or unusable → `Fixed(0)` (unknown).
fn fraction_set(s: &gst::StructureRef, field: &str) -> ValueSet {
    let Ok(value) = s.value(field) else {
        return ValueSet::Fixed(0.0);
    };
    if let Ok(f) = value.get::<gst::Fraction>() {
        return ValueSet::Fixed(fraction_f64(f));
    }
    if let Ok(r) = value.get::<gst::FractionRange>() {
        return ValueSet::Range {
            min: fraction_f64(r.min()),
            max: fraction_f64(r.max()),
            step: 0.0,
        };
    }
    if let Ok(list) = value.get::<gst::List>() {
        let values = dedup(
            list.iter()
                .filter_map(|v| v.get::<gst::Fraction>().ok())
                .map(fraction_f64),
        );
        return list_set(values).unwrap_or(ValueSet::Fixed(0.0));
    }
    ValueSet::Fixed(0.0)
}

fn dedup(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for v in values {
        if !out.iter().any(|x| (x - v).abs() <= EPS) {
            out.push(v);
        }
    }
    out
}

fn list_set(values: Vec<f64>) -> Option<ValueSet> {
    match values.len() {
        0 => None,
        1 => Some(ValueSet::Fixed(values[0])),
        _ => Some(ValueSet::List(values)),
    }
}

/// A string field (fixed or list) as its values.
fn strings(s: &gst::StructureRef, field: &str) -> Vec<String> {
    let Ok(value) = s.value(field) else {
        return Vec::new();
    };
    if let Ok(v) = value.get::<String>() {
        return vec![v];
    }
    if let Ok(list) = value.get::<gst::List>() {
        return list.iter().filter_map(|v| v.get::<String>().ok()).collect();
    }
    Vec::new()
}

/// Bits per sample of a linear PCM format; `None` for anything else.
fn linear_sample_size(format: &str) -> Option<u32> {
    let format = gst_audio::AudioFormat::from_string(format);
    if matches!(
        format,
        gst_audio::AudioFormat::Unknown | gst_audio::AudioFormat::Encoded
    ) {
        return None;
    }
    let info = gst_audio::AudioFormatInfo::from_format(format);
    (info.is_integer() || info.is_float()).then(|| info.depth())
}

/// Compressed video that can be decoded here: JPEG always (jpegdec is in -good, which the
/// element needs anyway), anything else when an installed decoder accepts the media type.
fn is_decodable_video(media_type: &str) -> bool {
    if media_type == "image/jpeg" {
        return true;
    }
    if !(media_type.starts_with("video/") || media_type.starts_with("image/")) {
        return false;
    }
    static CACHE: LazyLock<Mutex<HashMap<String, bool>>> = LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    *cache.entry(media_type.to_string()).or_insert_with(|| {
        let caps = gst::Caps::new_empty_simple(media_type);
        gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
            gst::Rank::MARGINAL,
        )
        .iter()
        .any(|f| f.can_sink_any_caps(&caps))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn init() {
        gst::init().unwrap();
    }

    fn caps(s: &str) -> gst::Caps {
        gst::Caps::from_str(s).unwrap()
    }

    fn range(min: f64, max: f64, step: f64) -> ValueSet {
        ValueSet::Range { min, max, step }
    }

    #[test]
    fn raw_format_list_and_ranges() {
        init();
        let c = caps(
            "video/x-raw,format={YUY2,NV12},width=[160,1920],height=[120,1080],framerate=[1/1,60/1]",
        );
        let modes = video_modes(&c);
        assert_eq!(modes.len(), 2);
        assert_eq!(modes[0].0.format, "YUY2");
        assert_eq!(modes[1].0.format, "NV12");
        for (m, s) in &modes {
            assert!(!m.compressed);
            assert_eq!(m.width, range(160.0, 1920.0, 1.0));
            assert_eq!(m.height, range(120.0, 1080.0, 1.0));
            assert_eq!(m.frame_rate, range(1.0, 60.0, 0.0));
            assert_eq!(s.get::<&str>("format").unwrap(), m.format);
        }
        let fixed = fixed_video_caps(&modes[1].1, 1280, 720, 30.0);
        assert!(fixed.is_fixed());
        assert_eq!(
            fixed,
            caps("video/x-raw,format=NV12,width=1280,height=720,framerate=30/1")
        );
    }

    #[test]
    fn framerate_list_and_ntsc() {
        init();
        let c = caps(
            "video/x-raw,format=YUY2,width=640,height=480,framerate={30/1,15/1}; \
             video/x-raw,format=I420,width=1280,height=720,framerate=30000/1001",
        );
        let modes = video_modes(&c);
        assert_eq!(modes.len(), 2);
        assert_eq!(modes[0].0.frame_rate, ValueSet::List(vec![30.0, 15.0]));
        assert_eq!(modes[0].0.width, ValueSet::Fixed(640.0));
        let ntsc = 30000.0 / 1001.0;
        assert_eq!(modes[1].0.frame_rate, ValueSet::Fixed(ntsc));

        let f = fixed_video_caps(&modes[0].1, 640, 480, 15.0);
        assert_eq!(
            f,
            caps("video/x-raw,format=YUY2,width=640,height=480,framerate=15/1")
        );
        let f = fixed_video_caps(&modes[1].1, 1280, 720, ntsc);
        assert_eq!(
            f.structure(0)
                .unwrap()
                .get::<gst::Fraction>("framerate")
                .unwrap(),
            gst::Fraction::new(30000, 1001)
        );
        // Values the mode does not offer are refused, not silently changed.
        assert!(check_video(&modes[0].1, 640, 480, 15.0).is_ok());
        assert!(check_video(&modes[0].1, 640, 480, 25.0).is_err());
        assert!(check_video(&modes[0].1, 320, 240, 30.0).is_err());
        // Unchecked, out-of-mode values snap to the nearest offered ones.
        assert_eq!(
            fixed_video_caps(&modes[0].1, 320, 240, 25.0),
            caps("video/x-raw,format=YUY2,width=640,height=480,framerate=30/1")
        );
    }

    #[test]
    fn fraction_range_approximation_stays_inside() {
        init();
        let c = caps("video/x-raw,format=NV12,width=640,height=480,framerate=[1/1,30000/1001]");
        let modes = video_modes(&c);
        let s = &modes[0].1;
        let fr = |v: f64| {
            fixed_video_caps(s, 640, 480, v)
                .structure(0)
                .unwrap()
                .get::<gst::Fraction>("framerate")
                .unwrap()
        };
        assert_eq!(fr(30000.0 / 1001.0), gst::Fraction::new(30000, 1001));
        assert_eq!(fr(1.0), gst::Fraction::new(1, 1));
        assert_eq!(fr(24.0), gst::Fraction::new(24, 1));
        assert_eq!(fr(12.5), gst::Fraction::new(25, 2));
        let odd = fr(17.123);
        assert!((fraction_f64(odd) - 17.123).abs() <= EPS);
        assert!(check_video(s, 640, 480, 30.0).is_err());
        assert_eq!(fr(30.0), gst::Fraction::new(30000, 1001));
    }

    #[test]
    fn stepped_int_ranges() {
        init();
        let c = caps(
            "video/x-raw,format=I420,width=[ 16, 4096, 16 ],height=[ 16, 2304, 8 ],framerate=30/1",
        );
        let modes = video_modes(&c);
        assert_eq!(modes[0].0.width, range(16.0, 4096.0, 16.0));
        assert_eq!(modes[0].0.height, range(16.0, 2304.0, 8.0));
        assert!(check_video(&modes[0].1, 640, 360, 30.0).is_ok());
        assert!(check_video(&modes[0].1, 641, 360, 30.0).is_err());
        let snapped = fixed_video_caps(&modes[0].1, 641, 360, 30.0);
        assert_eq!(
            snapped.structure(0).unwrap().get::<i32>("width").unwrap(),
            640
        );
    }

    #[test]
    fn jpeg_and_skipped_structures() {
        init();
        let c = caps(
            "image/jpeg,width=1920,height=1080,framerate=30/1,pixel-aspect-ratio=1/1; \
             video/x-raw(memory:DMABuf),format=NV12,width=640,height=480,framerate=30/1; \
             video/x-raw,width=640,height=480; \
             video/x-raw,format=FOO,width=640,height=480; \
             audio/x-raw,format=S16LE,rate=48000,channels=2; \
             video/x-raw(memory:SystemMemory),format=GRAY8,width={320,640},height=240",
        );
        let modes = video_modes(&c);
        assert_eq!(modes.len(), 2, "{modes:?}");
        assert_eq!(modes[0].0.format, "image/jpeg");
        assert!(modes[0].0.compressed);
        assert_eq!(modes[1].0.format, "GRAY8");
        assert_eq!(modes[1].0.width, ValueSet::List(vec![320.0, 640.0]));
        // No framerate field: unknown rate, and the fixed caps do not invent one.
        assert_eq!(modes[1].0.frame_rate, ValueSet::Fixed(0.0));
        let f = fixed_video_caps(&modes[1].1, 320, 240, 0.0);
        assert_eq!(f, caps("video/x-raw,format=GRAY8,width=320,height=240"));

        let f = fixed_video_caps(&modes[0].1, 1920, 1080, 30.0);
        assert_eq!(
            f,
            caps("image/jpeg,width=1920,height=1080,framerate=30/1,pixel-aspect-ratio=1/1")
        );
    }

    #[test]
    fn unfixed_extras_are_fixated() {
        init();
        let c = caps(
            "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1,\
             pixel-aspect-ratio=[1/2,2/1],interlace-mode={progressive,interleaved},\
             colorimetry={bt601,bt709}",
        );
        let modes = video_modes(&c);
        let f = fixed_video_caps(&modes[0].1, 640, 480, 30.0);
        let s = f.structure(0).unwrap();
        assert_eq!(
            s.get::<gst::Fraction>("pixel-aspect-ratio").unwrap(),
            gst::Fraction::new(1, 1)
        );
        assert_eq!(s.get::<&str>("interlace-mode").unwrap(), "progressive");
        assert_eq!(s.get::<&str>("colorimetry").unwrap(), "bt601");
    }

    #[test]
    fn pulse_like_audio() {
        init();
        let c = caps(
            "audio/x-raw,format={S16LE,F32LE},layout=interleaved,rate=[1,384000],channels=[1,32]; \
             audio/x-alaw,rate=[1,384000],channels=[1,32]; \
             audio/x-mulaw,rate=[1,384000],channels=[1,32]",
        );
        let modes = audio_modes(&c);
        assert_eq!(modes.len(), 2);
        assert_eq!(modes[0].0.format, "S16LE");
        assert_eq!(modes[0].0.sample_size, 16);
        assert_eq!(modes[1].0.format, "F32LE");
        assert_eq!(modes[1].0.sample_size, 32);
        assert_eq!(modes[0].0.sample_rate, range(1.0, 384000.0, 1.0));
        assert_eq!(modes[0].0.channel_count, range(1.0, 32.0, 1.0));
        let f = fixed_audio_caps(&modes[1].1, 48000, 2);
        assert_eq!(
            f,
            caps("audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=2")
        );
        assert!(check_audio(&modes[0].1, 500000, 2).is_err());
        assert!(check_audio(&modes[0].1, 48000, 2).is_ok());
    }

    #[test]
    fn audio_sample_sizes_and_lists() {
        init();
        let c = caps(
            "audio/x-raw,format={U8,S8,S24LE,S24_32LE,S32LE,F64LE},rate={44100,48000},channels=1; \
             audio/x-raw,format=S16LE,layout=non-interleaved,rate=48000,channels=2; \
             audio/x-raw,format=S16LE,rate=48000",
        );
        let modes = audio_modes(&c);
        let sizes: Vec<_> = modes
            .iter()
            .map(|(m, _)| (m.format.as_str(), m.sample_size))
            .collect();
        assert_eq!(
            sizes,
            [
                ("U8", 8),
                ("S8", 8),
                ("S24LE", 24),
                ("S24_32LE", 24),
                ("S32LE", 32),
                ("F64LE", 64)
            ]
        );
        assert_eq!(
            modes[0].0.sample_rate,
            ValueSet::List(vec![44100.0, 48000.0])
        );
        assert_eq!(modes[0].0.channel_count, ValueSet::Fixed(1.0));
        let f = fixed_audio_caps(&modes[2].1, 44100, 1);
        assert_eq!(
            f,
            caps("audio/x-raw,format=S24LE,rate=44100,channels=1,layout=interleaved")
        );
    }
}
