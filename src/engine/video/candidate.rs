// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! One candidate native format and what the constraint sets leave of it (Chromium's
//! `CandidateFormat`, C2.3–C2.6), plus the per-set data read once per selection.

use super::sets::{MAX_DIMENSION, Point, Range, ResolutionSet, valid_aspect_ratio};
use crate::engine::fitness;
use crate::engine::num::TOLERANCE;
use crate::engine::num::approx_eq;
use crate::engine::{ConstraintSet, Device, MediaError, NumConstraint, StrConstraint};

/// Chromium's `kMinDeviceCaptureFrameRate` (DBL_MIN): the lowest frame rate of any format.
pub(crate) const MIN_FRAME_RATE: f64 = f64::MIN_POSITIVE;
/// Chromium's `media::limits::kMaxFramesPerSecond`.
pub(crate) const MAX_FRAME_RATE: f64 = 1000.0;

/// Rescale options (C2.1): bit set when the option is still allowed.
pub(crate) const NATIVE: u8 = 1;
pub(crate) const RESCALE: u8 = 2;

/// Failure names (C2.9), spelled as the W3C members.
pub(crate) mod name {
    pub const DEVICE_ID: &str = "deviceId";
    pub const GROUP_ID: &str = "groupId";
    pub const FACING_MODE: &str = "facingMode";
    pub const RESIZE_MODE: &str = "resizeMode";
    pub const WIDTH: &str = "width";
    pub const HEIGHT: &str = "height";
    pub const ASPECT_RATIO: &str = "aspectRatio";
    pub const FRAME_RATE: &str = "frameRate";
    pub const BACKGROUND_BLUR: &str = "backgroundBlur";
}

/// WebIDL `[Clamp] unsigned long`: NaN is 0, out-of-range values saturate, halves go to even.
pub(crate) fn ulong(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(0.0, u32::MAX as f64).round_ties_even()
    }
}

/// A numeric constraint after the WebIDL conversion of its member type.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Num {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub exact: Option<f64>,
    pub ideal: Option<f64>,
}

impl Num {
    /// ConstrainULong members (width, height).
    pub fn ulong(c: Option<&NumConstraint>) -> Num {
        let Some(c) = c else {
            return Num::default();
        };
        Num {
            min: c.min.map(ulong),
            max: c.max.map(ulong),
            exact: c.exact.map(ulong),
            ideal: c.ideal.map(ulong),
        }
    }

    /// ConstrainDouble members (aspectRatio, frameRate): WebIDL `double` rejects non-finite
    /// values with a TypeError.
    pub fn double(c: Option<&NumConstraint>, member: &str) -> Result<Num, MediaError> {
        let Some(c) = c else {
            return Ok(Num::default());
        };
        for v in [c.min, c.max, c.exact, c.ideal].into_iter().flatten() {
            if !v.is_finite() {
                return Err(MediaError::type_error(format!(
                    "{member}: the provided double value is non-finite"
                )));
            }
        }
        Ok(Num {
            min: c.min,
            max: c.max,
            exact: c.exact,
            ideal: c.ideal,
        })
    }

    /// Lower bound: the larger of `exact` and `min`. Chromium reads `exact` alone when both
    /// are given, which accepts values below `min`; the spec requires every member (S2.2).
    pub fn lower(&self) -> Option<f64> {
        match (self.exact, self.min) {
            (Some(e), Some(m)) => Some(e.max(m)),
            (e, m) => e.or(m),
        }
    }

    /// Upper bound: the smaller of `exact` and `max` (see [`Num::lower`]).
    pub fn upper(&self) -> Option<f64> {
        match (self.exact, self.max) {
            (Some(e), Some(m)) => Some(e.min(m)),
            (e, m) => e.or(m),
        }
    }

    /// Every value the constraint names (capture ranges are expanded around them, D3).
    pub fn values(&self) -> impl Iterator<Item = f64> {
        [self.exact, self.min, self.max, self.ideal]
            .into_iter()
            .flatten()
    }
}

/// A string constraint's lists; an empty list means "not specified" (S1.6).
fn list(l: &Option<Vec<String>>) -> Option<&[String]> {
    l.as_deref().filter(|l| !l.is_empty())
}

fn exact(c: &Option<StrConstraint>) -> Option<&[String]> {
    c.as_ref().and_then(|c| list(&c.exact))
}

fn ideal(c: &Option<StrConstraint>) -> Option<&[String]> {
    c.as_ref().and_then(|c| list(&c.ideal))
}

fn matches(l: &[String], v: &str) -> bool {
    l.iter().any(|x| x == v)
}

/// Numeric members of one constraint set after conversion.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Nums {
    pub width: Num,
    pub height: Num,
    pub aspect_ratio: Num,
    pub frame_rate: Num,
}

impl Nums {
    pub fn new(cs: &ConstraintSet) -> Result<Nums, MediaError> {
        Ok(Nums {
            width: Num::ulong(cs.width.as_ref()),
            height: Num::ulong(cs.height.as_ref()),
            aspect_ratio: Num::double(cs.aspect_ratio.as_ref(), name::ASPECT_RATIO)?,
            frame_rate: Num::double(cs.frame_rate.as_ref(), name::FRAME_RATE)?,
        })
    }
}

/// What one constraint set asks of a candidate, read once per selection (C2.2–C2.4).
pub(crate) struct SetSpec<'a> {
    rescale: u8,
    res: ResolutionSet,
    fr_lower: f64,
    fr_upper: f64,
    fr: Range,
    width: Range,
    height: Range,
    aspect_ratio: Range,
    blur: u8,
    device_id: Option<&'a [String]>,
    group_id: Option<&'a [String]>,
    facing_mode: Option<&'a [String]>,
}

fn dimension(v: f64) -> i64 {
    (v as i64).clamp(0, MAX_DIMENSION)
}

impl<'a> SetSpec<'a> {
    pub fn new(cs: &'a ConstraintSet, n: &Nums) -> SetSpec<'a> {
        let (w, h, ar, fr) = (&n.width, &n.height, &n.aspect_ratio, &n.frame_rate);
        let res = ResolutionSet {
            min_h: h.lower().map_or(0, dimension),
            max_h: h.upper().map_or(MAX_DIMENSION, dimension),
            min_w: w.lower().map_or(0, dimension),
            max_w: w.upper().map_or(MAX_DIMENSION, dimension),
            min_ar: ar.lower().map_or(0.0, valid_aspect_ratio),
            max_ar: ar.upper().map_or(f64::INFINITY, valid_aspect_ratio),
        };
        let blur = match cs.background_blur.as_ref().and_then(|b| b.exact) {
            Some(true) => 2,
            Some(false) => 1,
            None => 3,
        };
        SetSpec {
            rescale: rescale_set(exact(&cs.resize_mode)),
            res,
            fr_lower: fr.lower().unwrap_or(-1.0),
            fr_upper: fr.upper().unwrap_or(MAX_FRAME_RATE),
            fr: Range::from_bounds(fr.lower(), fr.upper(), 0.0, MAX_FRAME_RATE),
            width: Range::from_bounds(w.lower(), w.upper(), 1.0, MAX_DIMENSION as f64),
            height: Range::from_bounds(h.lower(), h.upper(), 1.0, MAX_DIMENSION as f64),
            aspect_ratio: Range::from_bounds(ar.lower(), ar.upper(), 0.0, f64::INFINITY),
            blur,
            device_id: exact(&cs.device_id),
            group_id: exact(&cs.group_id),
            facing_mode: exact(&cs.facing_mode),
        }
    }

    /// C2.4: deviceId, groupId, facingMode, in this order; the first failure names it.
    pub fn check_device(&self, dev: &Device) -> Result<(), &'static str> {
        if self.device_id.is_some_and(|l| !matches(l, &dev.device_id)) {
            return Err(name::DEVICE_ID);
        }
        if self.group_id.is_some_and(|l| !matches(l, &dev.group_id)) {
            return Err(name::GROUP_ID);
        }
        if let Some(l) = self.facing_mode {
            // A device without a facing mode fails any exact list, even `[""]`.
            match &dev.facing_mode {
                Some(f) if matches(l, f) => {}
                _ => return Err(name::FACING_MODE),
            }
        }
        Ok(())
    }
}

/// C2.2: the rescale options a resizeMode `exact` list allows.
fn rescale_set(exact: Option<&[String]>) -> u8 {
    let Some(l) = exact else {
        return NATIVE | RESCALE;
    };
    let none = matches(l, "none");
    let rescale = matches(l, "crop-and-scale");
    (if none { NATIVE } else { 0 }) | (if rescale { RESCALE } else { 0 })
}

/// The basic set's ideals, read once (C2.5, C2.6).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ideals {
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub aspect_ratio: Option<f64>,
    pub frame_rate: Option<f64>,
    /// Added to the native option: a resizeMode ideal without `none`.
    pub native_penalty: f64,
    /// Added to the rescale option: a resizeMode ideal without `crop-and-scale`.
    pub rescale_penalty: f64,
    pub blur: Option<bool>,
}

impl Ideals {
    pub fn new(cs: &ConstraintSet, n: &Nums) -> Ideals {
        let (native_penalty, rescale_penalty) = match ideal(&cs.resize_mode) {
            Some(l) => (
                if matches(l, "none") { 0.0 } else { 1.0 },
                if matches(l, "crop-and-scale") {
                    0.0
                } else {
                    1.0
                },
            ),
            None => (0.0, 0.0),
        };
        Ideals {
            width: n.width.ideal,
            height: n.height.ideal,
            aspect_ratio: n.aspect_ratio.ideal,
            frame_rate: n.frame_rate.ideal,
            native_penalty,
            rescale_penalty,
            blur: cs.background_blur.as_ref().and_then(|b| b.ideal),
        }
    }
}

/// Device terms of the fitness (C2.5): deviceId, groupId and facingMode ideals.
pub(crate) fn device_fitness(cs: &ConstraintSet, dev: &Device) -> f64 {
    let term = |l: Option<&[String]>, v: Option<&str>| match l {
        Some(l) => fitness::string(v, l),
        None => 0.0,
    };
    term(ideal(&cs.device_id), Some(&dev.device_id))
        + term(ideal(&cs.group_id), Some(&dev.group_id))
        + term(ideal(&cs.facing_mode), dev.facing_mode.as_deref())
}

/// A concrete native format: `w`×`h`@`f` (f = 0: unknown rate, D4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Native {
    pub w: i64,
    pub h: i64,
    pub f: f64,
}

impl Native {
    pub fn aspect_ratio(&self) -> f64 {
        self.w as f64 / self.h as f64
    }
}

fn term(ideal: Option<f64>, v: f64) -> f64 {
    ideal.map_or(0.0, |i| fitness::numeric(v, i))
}

/// The format's state while constraint sets are applied (C2.3.4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub res: ResolutionSet,
    pub rescale: u8,
    pub frame_rate: Range,
    width: Range,
    height: Range,
    aspect_ratio: Range,
    blur: u8,
}

/// Which option of a format won the fitness comparison (C2.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fit {
    pub fitness: f64,
    pub rescaled: bool,
}

impl Candidate {
    pub fn new(n: &Native) -> Candidate {
        Candidate {
            res: ResolutionSet::for_native(n.w, n.h),
            rescale: NATIVE | RESCALE,
            frame_rate: Range::default(),
            width: Range::default(),
            height: Range::default(),
            aspect_ratio: Range::default(),
            blur: 3,
        }
    }

    /// C2.3: narrow the candidate by `s`, or name the first constraint that fails and leave
    /// it unchanged.
    pub fn apply(&mut self, s: &SetSpec, n: &Native) -> Result<(), &'static str> {
        let rescale = self.rescale & s.rescale;
        if rescale == 0 {
            return Err(name::RESIZE_MODE);
        }
        let mut res = self.res.intersect(&s.res);
        if rescale & RESCALE == 0 {
            res = res.intersect(&ResolutionSet::exact_resolution(n.w, n.h));
        }
        if res.is_width_empty() {
            return Err(name::WIDTH);
        }
        if res.is_height_empty() {
            return Err(name::HEIGHT);
        }
        if res.is_aspect_ratio_empty() {
            return Err(name::ASPECT_RATIO);
        }
        if !self.satisfies_frame_rate(s, n)
            || (rescale & RESCALE == 0 && !self.native_rate_fits(s, n))
        {
            return Err(name::FRAME_RATE);
        }
        // Only constrained in advanced sets (a required basic one is a TypeError, S1.8).
        let blur = self.blur & s.blur;
        if blur == 0 {
            return Err(name::BACKGROUND_BLUR);
        }
        self.res = res;
        self.rescale = rescale;
        self.frame_rate = self.frame_rate.intersect(s.fr);
        self.width = self.width.intersect(s.width);
        self.height = self.height.intersect(s.height);
        self.aspect_ratio = self.aspect_ratio.intersect(s.aspect_ratio);
        self.blur = blur;
        Ok(())
    }

    /// C2.3.3 (`SatisfiesFrameRateConstraint`), against the native rate and earlier sets.
    fn satisfies_frame_rate(&self, s: &SetSpec, n: &Native) -> bool {
        let (lo, hi) = (s.fr_lower, s.fr_upper);
        let lo_out = lo > n.f || lo > self.frame_rate.max.unwrap_or(MAX_FRAME_RATE) + TOLERANCE;
        let hi_out = hi < MIN_FRAME_RATE || hi < self.frame_rate.min.unwrap_or(0.0) - TOLERANCE;
        !lo_out && !hi_out && lo <= hi
    }

    /// C2.12: under a required `resizeMode: "none"` frames are not dropped either (decimation
    /// is crop-and-scale), so the native rate itself must meet every maximum. An unknown rate
    /// (0, D4) has nothing to drop.
    fn native_rate_fits(&self, s: &SetSpec, n: &Native) -> bool {
        let hi = s
            .fr_upper
            .min(self.frame_rate.max.unwrap_or(MAX_FRAME_RATE));
        n.f <= hi || approx_eq(n.f, hi)
    }

    /// Whether the track may rescale (crop, scale or drop frames): no required `none`.
    pub fn may_rescale(&self) -> bool {
        self.rescale & RESCALE != 0
    }

    /// The track's maximum frame rate `fr_t` (C2.5, C2.10): the ideal clamped into the
    /// constrained range, else the constrained maximum.
    pub fn track_max_frame_rate(&self, ideals: &Ideals) -> Option<f64> {
        if !self.may_rescale() {
            return None;
        }
        let Some(i) = ideals.frame_rate else {
            return self.frame_rate.max;
        };
        let mut v = i.max(MIN_FRAME_RATE);
        if let Some(m) = self.frame_rate.min
            && v < m
        {
            v = m;
        }
        if let Some(m) = self.frame_rate.max
            && v > m
        {
            v = m;
        }
        Some(v)
    }

    /// C3: the crop/scale target, rounded half away from zero.
    pub fn target(&self, ideals: &Ideals, n: &Native) -> (i64, i64) {
        let p: Point = self.res.closest_point_to_ideal(
            ideals.height,
            ideals.width,
            ideals.aspect_ratio,
            n.h,
            n.w,
        );
        (p.w.round() as i64, p.h.round() as i64)
    }

    /// The native option's fitness (∞ when not allowed, C2.5) and the frame-rate term both
    /// options share.
    fn native_option(&self, ideals: &Ideals, n: &Native) -> (f64, f64) {
        let fr_t = self.track_max_frame_rate(ideals);
        let best_fr = match fr_t {
            Some(v) if v <= n.f => v,
            _ => n.f,
        };
        let fr_term = term(ideals.frame_rate, best_fr);

        let mut native = f64::INFINITY;
        if self.rescale & NATIVE != 0
            && self.width.contains(n.w as f64)
            && self.height.contains(n.h as f64)
            && self.aspect_ratio.contains(n.aspect_ratio())
        {
            native = term(ideals.aspect_ratio, n.aspect_ratio())
                + term(ideals.height, n.h as f64)
                + term(ideals.width, n.w as f64)
                + fr_term;
        }
        (native + ideals.native_penalty, fr_term)
    }

    /// What the rescale option scores at best: its target lies in the narrowed box, so each
    /// size term is at least the distance from the ideal to the box. Summed in the order of
    /// the real score, so rounding keeps it a lower bound.
    fn rescale_lower_bound(&self, ideals: &Ideals, fr_term: f64) -> f64 {
        let near = |ideal: Option<f64>, lo: i64, hi: i64| {
            ideal.map_or(0.0, |i| {
                fitness::numeric(i.min(hi as f64).max(lo as f64), i)
            })
        };
        let r = &self.res;
        0.0 + near(ideals.height, r.min_h, r.max_h)
            + near(ideals.width, r.min_w, r.max_w)
            + fr_term
            + ideals.rescale_penalty
    }

    /// A cheap lower bound of [`Candidate::fitness`], to skip the target-point geometry of
    /// candidates that cannot beat the best one.
    pub fn fitness_lower_bound(&self, ideals: &Ideals, n: &Native) -> f64 {
        let (native, fr_term) = self.native_option(ideals, n);
        if self.rescale & RESCALE == 0 {
            return native;
        }
        native.min(self.rescale_lower_bound(ideals, fr_term))
    }

    /// C2.5: the best of the native and the rescale option; the native one wins ties.
    pub fn fitness(&self, ideals: &Ideals, n: &Native) -> Fit {
        let (native, fr_term) = self.native_option(ideals, n);
        // Skip the geometry when the native option already reaches the rescale option's
        // lower bound (it wins ties).
        if self.rescale & RESCALE == 0 || native <= self.rescale_lower_bound(ideals, fr_term) {
            return Fit {
                fitness: native,
                rescaled: false,
            };
        }
        let (tw, th) = self.target(ideals, n);
        let rescale = term(ideals.aspect_ratio, tw as f64 / th as f64)
            + term(ideals.height, th as f64)
            + term(ideals.width, tw as f64)
            + fr_term
            + ideals.rescale_penalty;
        if native <= rescale {
            Fit {
                fitness: native,
                rescaled: false,
            }
        } else {
            Fit {
                fitness: rescale,
                rescaled: true,
            }
        }
    }

    /// Image-capture term (C2.5): a backgroundBlur ideal the narrowed set cannot take.
    pub fn blur_fitness(&self, ideals: &Ideals) -> f64 {
        match ideals.blur {
            Some(b) if self.blur & (if b { 2 } else { 1 }) == 0 => 1.0,
            _ => 0.0,
        }
    }

    /// C2.6: how far the native values are from the ideal (clamped into the narrowed range),
    /// or from the range's maximum without an ideal.
    pub fn native_fitness(&self, ideals: &Ideals, n: &Native) -> f64 {
        let reference = |ideal: Option<f64>, lo: f64, hi: f64| match ideal {
            Some(i) => i.min(hi).max(lo),
            None => hi,
        };
        let (r, fr) = (&self.res, &self.frame_rate);
        let ref_w = reference(ideals.width, r.min_w as f64, r.max_w as f64);
        let ref_h = reference(ideals.height, r.min_h as f64, r.max_h as f64);
        let min_f = fr.min.map_or(MIN_FRAME_RATE, |m| m.max(MIN_FRAME_RATE));
        let max_f = fr.max.map_or(n.f, |m| m.min(n.f));
        let ref_f = reference(ideals.frame_rate, min_f, max_f);
        fitness::numeric(n.w as f64, ref_w)
            + fitness::numeric(n.h as f64, ref_h)
            + fitness::numeric(n.f, ref_f)
    }
}
