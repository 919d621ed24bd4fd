// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What the winner delivers (C4), what the device reports (C5), and the error that explains a
//! failed selection.

use super::candidate::{Native, ulong};
use super::expand::{native_dimension, native_rate};
use super::sets::ResolutionSet;
use crate::engine::num;
use crate::engine::{
    ConstraintSet, Crop, Device, MediaError, NumConstraint, Range, StrConstraint,
    VideoCapabilities, VideoMode,
};

/// Largest frame dimension the track adapter produces (Chromium's `media::limits::kMaxDimension`).
const MAX_FRAME_DIMENSION: i64 = (1 << 15) - 1;

/// C4.1: the delivered size for target `target` (none: the native size), with the aspect
/// ratio clamped into the set's band and the shrunk side rounded up to an even number.
///
/// Unlike Chromium, the shrunk side never leaves the width/height range of `res`: truncating
/// before rounding to even can lose a pixel below a required minimum.
pub(crate) fn delivered_size(
    n: &Native,
    target: Option<(i64, i64)>,
    res: &ResolutionSet,
) -> (i64, i64) {
    let Some((tw, th)) = target else {
        return (n.w, n.h);
    };
    let mut w = n.w.min(tw).clamp(0, MAX_FRAME_DIMENSION);
    let mut h = n.h.min(th).clamp(0, MAX_FRAME_DIMENSION);
    if w * h > 0 {
        let ratio = w as f64 / h as f64;
        let (min_ar, max_ar) = res.track_aspect_bounds();
        if ratio > max_ar || ratio < min_ar {
            let desired = ratio.min(max_ar).max(min_ar);
            if ratio < desired {
                let fixed = (((h as f64 * ratio) / desired) as i64).saturating_add(1) & !1;
                h = fixed.max(res.min_h).min(h);
            } else if ratio > desired {
                let fixed = (((w as f64 * desired) / ratio) as i64).saturating_add(1) & !1;
                w = fixed.max(res.min_w).min(w);
            }
        }
    }
    (w.max(1), h.max(1))
}

/// C4.2: the largest centred rectangle of the delivered aspect ratio inside the native frame
/// (Chromium's `ComputeLetterboxRegion`); `None` when the whole frame is used.
pub(crate) fn crop(n: &Native, w: i64, h: i64) -> Option<Crop> {
    if (w, h) == (n.w, n.h) || w <= 0 || h <= 0 {
        return None;
    }
    let x = w * n.h;
    let y = h * n.w;
    let (lw, lh) = if y < x { (n.w, y / w) } else { (x / h, n.h) };
    let (cw, ch) = (n.w.min(lw), n.h.min(lh));
    if (cw, ch) == (n.w, n.h) {
        return None;
    }
    Some(Crop {
        left: ((n.w - cw) / 2) as u32,
        top: ((n.h - ch) / 2) as u32,
        width: cw as u32,
        height: ch as u32,
    })
}

/// Largest native width, height and frame rate over all modes (unknown rates count as 0).
fn maxima(modes: &[VideoMode]) -> (i64, i64, f64) {
    modes.iter().fold((0, 0, 0.0), |(w, h, f), m| {
        (
            w.max(native_dimension(m.width.max())),
            h.max(native_dimension(m.height.max())),
            f64::max(f, native_rate(m.frame_rate.max())),
        )
    })
}

/// C5: the capabilities of a camera over all its modes.
pub(crate) fn capabilities(dev: &Device, modes: &[VideoMode]) -> VideoCapabilities {
    let (w, h, f) = maxima(modes);
    let (w, h) = (w.max(1) as f64, h.max(1) as f64);
    VideoCapabilities {
        device_id: dev.device_id.clone(),
        group_id: dev.group_id.clone(),
        width: Range { min: 1.0, max: w },
        height: Range { min: 1.0, max: h },
        aspect_ratio: Range {
            min: 1.0 / h,
            max: w,
        },
        frame_rate: Range { min: 0.0, max: f },
        facing_mode: dev.facing_mode.iter().cloned().collect(),
        resize_mode: vec!["none".into(), "crop-and-scale".into()],
    }
}

fn describe_num(out: &mut Vec<String>, member: &str, c: &Option<NumConstraint>, is_ulong: bool) {
    let Some(c) = c else { return };
    let conv = |v: f64| num::text(if is_ulong { ulong(v) } else { v });
    let parts: Vec<String> = [("exact", c.exact), ("min", c.min), ("max", c.max)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}: {}", conv(v))))
        .collect();
    if !parts.is_empty() {
        out.push(format!("{member} {{{}}}", parts.join(", ")));
    }
}

fn describe_str(out: &mut Vec<String>, member: &str, c: &Option<StrConstraint>) {
    let Some(l) = c.as_ref().and_then(|c| c.exact.as_ref()) else {
        return;
    };
    let quoted: Vec<String> = l.iter().map(|s| format!("{s:?}")).collect();
    let v = match quoted.as_slice() {
        [one] => one.clone(),
        _ => format!("[{}]", quoted.join(", ")),
    };
    out.push(format!("{member} {{exact: {v}}}"));
}

/// The required members of the basic set, as written in JavaScript.
fn describe_required(cs: &ConstraintSet) -> String {
    let mut out = Vec::new();
    describe_str(&mut out, "deviceId", &cs.device_id);
    describe_str(&mut out, "groupId", &cs.group_id);
    describe_str(&mut out, "facingMode", &cs.facing_mode);
    describe_str(&mut out, "resizeMode", &cs.resize_mode);
    describe_num(&mut out, "width", &cs.width, true);
    describe_num(&mut out, "height", &cs.height, true);
    describe_num(&mut out, "aspectRatio", &cs.aspect_ratio, false);
    describe_num(&mut out, "frameRate", &cs.frame_rate, false);
    if out.is_empty() {
        "the constraints".into()
    } else {
        out.join(", ")
    }
}

/// What a camera offers at most, in one line.
fn describe_device(dev: &Device, modes: &[VideoMode]) -> String {
    let head = format!("{} {:?}", dev.device_id, dev.label);
    if modes.is_empty() {
        return format!("{head}: no capture modes");
    }
    let (w, h, max_f) = maxima(modes);
    let min_f = modes
        .iter()
        .map(|m| native_rate(m.frame_rate.min()))
        .filter(|&f| f > 0.0)
        .fold(f64::INFINITY, f64::min);
    let fps = if max_f <= 0.0 {
        "unknown frame rate".to_string()
    } else if min_f >= max_f {
        format!("{} fps", num::text(max_f))
    } else {
        format!("{}-{} fps", num::text(min_f), num::text(max_f))
    };
    let facing = dev.facing_mode.as_deref().unwrap_or("none");
    format!("{head}: up to {w}x{h}, {fps}, facingMode {facing}")
}

/// OverconstrainedError naming `constraint` (C2.9): what was required, and what each camera
/// offers.
pub(crate) fn overconstrained(
    constraint: &str,
    basic: &ConstraintSet,
    cameras: &[(usize, &Device, &[VideoMode])],
) -> MediaError {
    let offers: Vec<String> = cameras
        .iter()
        .map(|(_, d, m)| describe_device(d, m))
        .collect();
    MediaError::Overconstrained {
        constraint: constraint.into(),
        message: format!(
            "no camera satisfies {} (failed: {constraint}); {}",
            describe_required(basic),
            offers.join("; ")
        ),
    }
}
