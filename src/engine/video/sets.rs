// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The value sets a native format narrows while constraint sets are applied (C2.1, C2.3):
//! numeric ranges and the resolution polygon, with the crop/scale target point of C3.

/// Largest width/height a resolution set can hold (Chromium's `ResolutionSet::kMaxDimension`).
pub(crate) const MAX_DIMENSION: i64 = i32::MAX as i64;

use crate::engine::num::approx_eq;

fn is_less(a: f64, b: f64) -> bool {
    a < b && !approx_eq(a, b)
}

fn is_less_or_equal(a: f64, b: f64) -> bool {
    a < b || approx_eq(a, b)
}

fn is_greater(a: f64, b: f64) -> bool {
    a > b && !approx_eq(a, b)
}

fn is_greater_or_equal(a: f64, b: f64) -> bool {
    a > b || approx_eq(a, b)
}

fn is_positive_finite(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// A negative aspect ratio is read as 0.
pub(crate) fn valid_aspect_ratio(v: f64) -> f64 {
    if v < 0.0 { 0.0 } else { v }
}

/// `[lo, hi]` clamp that never panics (NaN bounds are ignored).
pub(crate) fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    v.min(hi).max(lo)
}

/// An inclusive numeric range whose ends may be unbounded (Chromium's `NumericRangeSet`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Range {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Range {
    pub const EMPTY: Range = Range {
        min: Some(1.0),
        max: Some(0.0),
    };

    /// The range a constraint allows inside the valid values `[lo, hi]` (C2.3.4): bounds outside
    /// `[lo, hi]` are dropped, a constraint that misses `[lo, hi]` entirely gives the empty set.
    pub fn from_bounds(cmin: Option<f64>, cmax: Option<f64>, lo: f64, hi: f64) -> Range {
        if cmax.is_some_and(|m| m < lo) || cmin.is_some_and(|m| m > hi) {
            return Range::EMPTY;
        }
        Range {
            min: cmin.filter(|&m| m >= lo),
            max: cmax.filter(|&m| m <= hi),
        }
    }

    pub fn intersect(self, o: Range) -> Range {
        let min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let max = match (self.max, o.max) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Range { min, max }
    }

    pub fn contains(self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// A (height, width) point of the resolution plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    pub h: f64,
    pub w: f64,
}

impl Point {
    pub fn new(h: f64, w: f64) -> Point {
        Point { h, w }
    }

    /// A point built from constraint values: non-finite coordinates (e.g. an ideal width over
    /// an ideal aspect ratio of 0) are brought back onto the plane.
    fn finite(h: f64, w: f64) -> Point {
        let fix = |v: f64| {
            if v.is_nan() {
                0.0
            } else {
                clamp(v, -(MAX_DIMENSION as f64), MAX_DIMENSION as f64)
            }
        };
        Point {
            h: fix(h),
            w: fix(w),
        }
    }

    pub fn aspect_ratio(self) -> f64 {
        self.w / self.h
    }

    fn dot(a: Point, b: Point) -> f64 {
        a.h * b.h + a.w * b.w
    }

    fn sub(self, o: Point) -> Point {
        Point::new(self.h - o.h, self.w - o.w)
    }

    pub fn square_distance(a: Point, b: Point) -> f64 {
        let d = a.sub(b);
        Point::dot(d, d)
    }

    /// The point of segment `s1`–`s2` closest to `p`.
    fn closest_in_segment(p: Point, s1: Point, s2: Point) -> Point {
        if s1 == s2 {
            return s1;
        }
        let pt = p.sub(s1);
        let st = s2.sub(s1);
        let m = Point::dot(st, pt) / Point::dot(st, st);
        if m < 0.0 {
            return s1;
        }
        if m > 1.0 {
            return s2;
        }
        Point::new(s1.h + m * st.h, s1.w + m * st.w)
    }
}

/// Up to 12 points without touching the heap (the polygon has at most 6 vertices; 12 bounds
/// every call of the vertex construction, so degenerate inputs cannot overflow it).
#[derive(Clone, Copy)]
struct Points {
    len: usize,
    p: [Point; 12],
}

impl Points {
    fn new() -> Points {
        Points {
            len: 0,
            p: [Point::new(0.0, 0.0); 12],
        }
    }

    fn push(&mut self, p: Point) {
        if self.len < self.p.len() {
            self.p[self.len] = p;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[Point] {
        &self.p[..self.len]
    }
}

/// The set of (height, width) sizes a format can deliver: a box with an aspect-ratio band
/// (C2.1, Chromium's `ResolutionSet`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ResolutionSet {
    pub min_h: i64,
    pub max_h: i64,
    pub min_w: i64,
    pub max_w: i64,
    pub min_ar: f64,
    pub max_ar: f64,
}

impl ResolutionSet {
    /// Everything the plane holds.
    pub fn universal() -> ResolutionSet {
        ResolutionSet {
            min_h: 0,
            max_h: MAX_DIMENSION,
            min_w: 0,
            max_w: MAX_DIMENSION,
            min_ar: 0.0,
            max_ar: f64::INFINITY,
        }
    }

    /// What a native `w`×`h` format can be cropped/scaled to (C2.1).
    pub fn for_native(w: i64, h: i64) -> ResolutionSet {
        ResolutionSet {
            min_h: 1,
            max_h: h,
            min_w: 1,
            max_w: w,
            min_ar: 0.0,
            max_ar: f64::INFINITY,
        }
    }

    /// Only the native size (used when rescaling is not allowed, C2.3.2).
    pub fn exact_resolution(w: i64, h: i64) -> ResolutionSet {
        let ar = valid_aspect_ratio(w as f64 / h as f64);
        let (min_ar, max_ar) = if ar.is_nan() {
            (0.0, f64::INFINITY)
        } else {
            (ar, ar)
        };
        ResolutionSet {
            min_h: h.clamp(0, MAX_DIMENSION),
            max_h: h.clamp(0, MAX_DIMENSION),
            min_w: w.clamp(0, MAX_DIMENSION),
            max_w: w.clamp(0, MAX_DIMENSION),
            min_ar,
            max_ar,
        }
    }

    fn exact_height(h: i64) -> ResolutionSet {
        ResolutionSet {
            min_h: h,
            max_h: h,
            ..ResolutionSet::universal()
        }
    }

    fn exact_width(w: i64) -> ResolutionSet {
        ResolutionSet {
            min_w: w,
            max_w: w,
            ..ResolutionSet::universal()
        }
    }

    fn exact_aspect_ratio(ar: f64) -> ResolutionSet {
        ResolutionSet {
            min_ar: ar,
            max_ar: ar,
            ..ResolutionSet::universal()
        }
    }

    pub fn intersect(&self, o: &ResolutionSet) -> ResolutionSet {
        ResolutionSet {
            min_h: self.min_h.max(o.min_h),
            max_h: self.max_h.min(o.max_h),
            min_w: self.min_w.max(o.min_w),
            max_w: self.max_w.min(o.max_w),
            min_ar: self.min_ar.max(o.min_ar),
            max_ar: self.max_ar.min(o.max_ar),
        }
    }

    pub fn is_height_empty(&self) -> bool {
        self.min_h > self.max_h || self.min_h >= MAX_DIMENSION || self.max_h <= 0
    }

    pub fn is_width_empty(&self) -> bool {
        self.min_w > self.max_w || self.min_w >= MAX_DIMENSION || self.max_w <= 0
    }

    pub fn is_aspect_ratio_empty(&self) -> bool {
        let max_res_ar = self.max_w as f64 / self.min_h as f64;
        let min_res_ar = self.min_w as f64 / self.max_h as f64;
        is_greater(self.min_ar, self.max_ar)
            || is_less(max_res_ar, self.min_ar)
            || is_greater(min_res_ar, self.max_ar)
            || !self.min_ar.is_finite()
            || self.max_ar <= 0.0
    }

    pub fn is_empty(&self) -> bool {
        self.is_height_empty() || self.is_width_empty() || self.is_aspect_ratio_empty()
    }

    pub fn contains(&self, p: Point) -> bool {
        let ratio = p.aspect_ratio();
        p.h >= self.min_h as f64
            && p.h <= self.max_h as f64
            && p.w >= self.min_w as f64
            && p.w <= self.max_w as f64
            && ((is_greater_or_equal(ratio, self.min_ar) && is_less_or_equal(ratio, self.max_ar))
                || (p.w == 0.0 && p.h == 0.0))
    }

    /// The aspect-ratio band a delivered frame is clamped to (C2.10).
    pub fn track_aspect_bounds(&self) -> (f64, f64) {
        (
            self.min_ar.max(self.min_w as f64 / self.max_h as f64),
            self.max_ar.min(self.max_w as f64 / self.min_h as f64),
        )
    }

    fn try_add_vertex(&self, v: &mut Points, p: Point) {
        if !self.contains(p) {
            return;
        }
        let s = v.as_slice();
        if s.is_empty() || (s[s.len() - 1] != p && s[0] != p) {
            v.push(p);
        }
    }

    /// The polygon's vertices, counter-clockwise from (min height, min width).
    fn vertices(&self) -> Points {
        let mut v = Points::new();
        let (min_h, max_h) = (self.min_h as f64, self.max_h as f64);
        let (min_w, max_w) = (self.min_w as f64, self.max_w as f64);
        let (min_ar, max_ar) = (self.min_ar, self.max_ar);
        let min_ok = is_positive_finite(min_ar);
        let max_ok = is_positive_finite(max_ar);
        self.try_add_vertex(&mut v, Point::new(min_h, min_w));
        if max_ok {
            self.try_add_vertex(&mut v, Point::new(min_w / max_ar, min_w));
        }
        if min_ok {
            self.try_add_vertex(&mut v, Point::new(min_w / min_ar, min_w));
        }
        self.try_add_vertex(&mut v, Point::new(max_h, min_w));
        if min_ok {
            self.try_add_vertex(&mut v, Point::new(max_h, max_h * min_ar));
        }
        if max_ok {
            self.try_add_vertex(&mut v, Point::new(max_h, max_h * max_ar));
        }
        self.try_add_vertex(&mut v, Point::new(max_h, max_w));
        if min_ok {
            self.try_add_vertex(&mut v, Point::new(max_w / min_ar, max_w));
        }
        if max_ok {
            self.try_add_vertex(&mut v, Point::new(max_w / max_ar, max_w));
        }
        self.try_add_vertex(&mut v, Point::new(min_h, max_w));
        if max_ok {
            self.try_add_vertex(&mut v, Point::new(min_h, min_h * max_ar));
        }
        if min_ok {
            self.try_add_vertex(&mut v, Point::new(min_h, min_h * min_ar));
        }
        v
    }

    /// The point of the set closest to `p` in Euclidean distance.
    fn closest_point_to(&self, p: Point) -> Point {
        if self.contains(p) {
            return p;
        }
        let v = self.vertices();
        let v = v.as_slice();
        if v.is_empty() {
            // Only reachable through rounding at the edge of the plane: stay inside the box.
            return Point::new(
                clamp(p.h, self.min_h as f64, self.max_h as f64),
                clamp(p.w, self.min_w as f64, self.max_w as f64),
            );
        }
        let mut best = Point::new(0.0, 0.0);
        let mut best_d = f64::INFINITY;
        for i in 0..v.len() {
            let c = Point::closest_in_segment(p, v[i], v[(i + 1) % v.len()]);
            let d = Point::square_distance(p, c);
            if d < best_d {
                best = c;
                best_d = d;
            }
        }
        best
    }

    /// The vertices whose `key` is closest to `value` (a vertex or a side).
    fn closest_vertices(&self, key: fn(Point) -> f64, value: f64) -> Points {
        let all = self.vertices();
        let mut out = Points::new();
        let mut best = f64::INFINITY;
        for &v in all.as_slice() {
            let diff = if value.is_finite() {
                (key(v) - value).abs()
            } else if key(v) == value {
                0.0
            } else {
                f64::INFINITY
            };
            if diff <= best {
                if diff < best {
                    best = diff;
                    out = Points::new();
                }
                out.push(v);
            }
        }
        out
    }

    fn closest_to_vertex_or_side(v: &Points, p: Point) -> Point {
        match v.as_slice() {
            [] => p,
            [a] => *a,
            [a, b, ..] => Point::closest_in_segment(p, *a, *b),
        }
    }

    fn largest_area(a: Point, b: Point) -> Point {
        if a.w * a.h > b.w * b.h { a } else { b }
    }

    fn closest_point_to_ideal_aspect_ratio(
        &self,
        ar: f64,
        default_h: f64,
        default_w: f64,
    ) -> Point {
        let inter = self.intersect(&ResolutionSet::exact_aspect_ratio(ar));
        if !inter.is_empty() {
            let hp = Point::finite(default_h, default_h * ar);
            let wp = Point::finite(default_w / ar, default_w);
            return ResolutionSet::largest_area(
                inter.closest_point_to(hp),
                inter.closest_point_to(wp),
            );
        }
        let v = self.closest_vertices(Point::aspect_ratio, ar);
        let actual = v.as_slice().first().map_or(ar, |p| p.aspect_ratio());
        let hp = Point::finite(default_h, default_h * actual);
        let wp = Point::finite(default_w / actual, default_w);
        ResolutionSet::largest_area(
            ResolutionSet::closest_to_vertex_or_side(&v, hp),
            ResolutionSet::closest_to_vertex_or_side(&v, wp),
        )
    }

    /// C3: the point of this (non-empty) set closest to the ideal height, width and aspect
    /// ratio; `default_*` is the native size of the format. Not rounded.
    pub fn closest_point_to_ideal(
        &self,
        ideal_h: Option<f64>,
        ideal_w: Option<f64>,
        ideal_ar: Option<f64>,
        default_h: i64,
        default_w: i64,
    ) -> Point {
        let (dh, dw) = (default_h as f64, default_w as f64);
        let default_ar = dw / dh;
        let dim = |v: f64| clamp(v, 0.0, MAX_DIMENSION as f64).round() as i64;
        let count = ideal_h.is_some() as u8 + ideal_w.is_some() as u8 + ideal_ar.is_some() as u8;
        match (count, ideal_h, ideal_w, ideal_ar) {
            (0, ..) => self.closest_point_to_ideal_aspect_ratio(default_ar, dh, dw),
            (1, Some(h), _, _) => {
                let h = dim(h);
                let inter = self.intersect(&ResolutionSet::exact_height(h));
                let hf = h as f64;
                if !inter.is_empty() {
                    return inter.closest_point_to(Point::finite(hf, hf * default_ar));
                }
                let v = self.closest_vertices(|p| p.h, hf);
                let vh = v.as_slice().first().map_or(hf, |p| p.h);
                ResolutionSet::closest_to_vertex_or_side(&v, Point::finite(vh, vh * default_ar))
            }
            (1, _, Some(w), _) => {
                let w = dim(w);
                let inter = self.intersect(&ResolutionSet::exact_width(w));
                let wf = w as f64;
                if !inter.is_empty() {
                    return inter.closest_point_to(Point::finite(wf / default_ar, wf));
                }
                let v = self.closest_vertices(|p| p.w, wf);
                let vw = v.as_slice().first().map_or(wf, |p| p.w);
                ResolutionSet::closest_to_vertex_or_side(&v, Point::finite(vw / default_ar, vw))
            }
            (1, _, _, Some(ar)) => {
                self.closest_point_to_ideal_aspect_ratio(valid_aspect_ratio(ar), dh, dw)
            }
            (_, Some(h), w, ar) => {
                let h = dim(h) as f64;
                let w = match w {
                    Some(w) => dim(w) as f64,
                    None => h * valid_aspect_ratio(ar.unwrap_or(default_ar)),
                };
                self.closest_point_to(Point::finite(h, w))
            }
            (_, None, w, ar) => {
                let w = dim(w.unwrap_or(dw)) as f64;
                let h = w / valid_aspect_ratio(ar.unwrap_or(default_ar));
                self.closest_point_to(Point::finite(h, w))
            }
        }
    }
}
