// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Capture ranges and lists as concrete native values (D3): Chromium only knows discrete
//! formats, so a range is replaced by its ends and by the values the constraints point at.

use super::candidate::{MAX_FRAME_RATE, Num, Nums};
use super::sets::{MAX_DIMENSION, clamp};
use crate::engine::{ValueSet, VideoMode};

/// Defaults the spec calls informative and Chromium uses as tie-breakers (S3.5, C2.8).
pub(crate) const DEFAULT_WIDTH: f64 = 640.0;
pub(crate) const DEFAULT_HEIGHT: f64 = 480.0;
pub(crate) const DEFAULT_FRAME_RATE: f64 = 30.0;

/// A native width/height as the pixel count to open (negative/NaN → 0, too big → the limit).
pub(crate) fn native_dimension(v: f64) -> i64 {
    if v.is_nan() || v <= 0.0 {
        return 0;
    }
    if v >= MAX_DIMENSION as f64 {
        return MAX_DIMENSION;
    }
    // Half away from zero without a libm call (this runs once per candidate).
    let t = v as i64;
    if v - t as f64 >= 0.5 { t + 1 } else { t }
}

/// A native frame rate; anything that is not a positive finite number is "unknown" (D4), and
/// so is a rate above Chromium's 1000 fps ceiling, where it would be an invalid capture format
/// (the track's frame-rate bounds ignore anything above it, so it could not be held to them).
pub(crate) fn native_rate(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 && v <= MAX_FRAME_RATE {
        v
    } else {
        0.0
    }
}

/// The values capture ranges are expanded around: every bound and ideal of the property in
/// the basic and advanced sets, plus the default (D3).
pub(crate) struct Refs {
    width: Vec<f64>,
    height: Vec<f64>,
    frame_rate: Vec<f64>,
    /// Positive finite aspect ratios, for the width/height partners.
    aspect_ratio: Vec<f64>,
}

impl Refs {
    pub fn new<'a>(sets: impl Iterator<Item = &'a Nums> + Clone) -> Refs {
        let collect = |f: fn(&Nums) -> &Num, default: Option<f64>| {
            let mut v: Vec<f64> = sets.clone().flat_map(|n| f(n).values()).collect();
            v.extend(default);
            v.retain(|x| x.is_finite());
            // Fewer values, fewer concrete candidates per range.
            v.sort_unstable_by(f64::total_cmp);
            v.dedup();
            v
        };
        let mut aspect_ratio = collect(|n| &n.aspect_ratio, None);
        aspect_ratio.retain(|&r| r > 0.0);
        Refs {
            width: collect(|n| &n.width, Some(DEFAULT_WIDTH)),
            height: collect(|n| &n.height, Some(DEFAULT_HEIGHT)),
            frame_rate: collect(|n| &n.frame_rate, Some(DEFAULT_FRAME_RATE)),
            aspect_ratio,
        }
    }
}

/// The concrete native values of one mode, reused from mode to mode to avoid allocation.
#[derive(Default)]
pub(crate) struct Expansion {
    pub widths: Vec<i64>,
    pub heights: Vec<i64>,
    pub rates: Vec<f64>,
    scratch: Vec<f64>,
    partners: Vec<f64>,
}

/// Bounds and step of a valid range, or `None` for an empty/invalid one.
fn range_bounds(vs: &ValueSet) -> Option<(f64, f64, f64)> {
    match *vs {
        ValueSet::Range { min, max, step } if min.is_finite() && max.is_finite() && min <= max => {
            let step = if step.is_finite() && step > 0.0 {
                step
            } else {
                0.0
            };
            Some((min, max, step))
        }
        _ => None,
    }
}

/// Push the members of `[lo, hi]` (on the step grid) next to `v`: both grid neighbours, so a
/// bound between two grid points still finds the one that satisfies it.
fn push_near(out: &mut Vec<f64>, (lo, hi, step): (f64, f64, f64), v: f64) {
    if !v.is_finite() {
        return;
    }
    let c = clamp(v, lo, hi);
    if step == 0.0 {
        out.push(c);
        return;
    }
    let k = (c - lo) / step;
    for k in [k.floor(), k.ceil()] {
        let s = lo + k * step;
        if s <= hi + 1e-9 * hi.abs().max(1.0) {
            out.push(s.min(hi));
        }
    }
}

impl Expansion {
    /// The concrete widths, heights and frame rates of `mode` (D3). Fixed values and lists
    /// are kept in order; ranges are expanded, sorted and deduplicated.
    pub fn fill(&mut self, mode: &VideoMode, refs: &Refs) {
        self.widths.clear();
        self.heights.clear();
        self.rates.clear();

        let wr = range_bounds(&mode.width);
        let hr = range_bounds(&mode.height);
        self.dimension_base(&mode.width, wr, &refs.width, true);
        self.dimension_base(&mode.height, hr, &refs.height, false);
        let (nw, nh) = (self.widths.len(), self.heights.len());

        // Aspect-ratio partners of the other dimension's base values.
        self.scratch.clear();
        self.partners.clear();
        if let Some(b) = wr {
            for &h in &self.heights[..nh] {
                for &r in &refs.aspect_ratio {
                    push_near(&mut self.scratch, b, (h as f64 * r).round());
                }
            }
        }
        if let Some(b) = hr {
            for &w in &self.widths[..nw] {
                for &r in &refs.aspect_ratio {
                    push_near(&mut self.partners, b, (w as f64 / r).round());
                }
            }
        }
        if wr.is_some() {
            self.widths
                .extend(self.scratch.iter().map(|&v| native_dimension(v)));
            self.widths.sort_unstable();
            self.widths.dedup();
        }
        if hr.is_some() {
            self.heights
                .extend(self.partners.iter().map(|&v| native_dimension(v)));
            self.heights.sort_unstable();
            self.heights.dedup();
        }

        match &mode.frame_rate {
            ValueSet::Fixed(v) => self.rates.push(native_rate(*v)),
            ValueSet::List(l) => self.rates.extend(l.iter().map(|&v| native_rate(v))),
            vs @ ValueSet::Range { .. } => {
                if let Some(b) = range_bounds(vs) {
                    self.scratch.clear();
                    push_near(&mut self.scratch, b, b.0);
                    push_near(&mut self.scratch, b, b.1);
                    for &v in &refs.frame_rate {
                        push_near(&mut self.scratch, b, v);
                    }
                    self.rates
                        .extend(self.scratch.iter().map(|&v| native_rate(v)));
                    self.rates.sort_unstable_by(f64::total_cmp);
                    self.rates.dedup_by(|a, b| (*a - *b).abs() <= 1e-9);
                }
            }
        }
    }

    fn dimension_base(
        &mut self,
        vs: &ValueSet,
        bounds: Option<(f64, f64, f64)>,
        refs: &[f64],
        width: bool,
    ) {
        self.scratch.clear();
        match vs {
            ValueSet::Fixed(v) => self.scratch.push(*v),
            ValueSet::List(l) => self.scratch.extend_from_slice(l),
            ValueSet::Range { .. } => {
                if let Some(b) = bounds {
                    push_near(&mut self.scratch, b, b.0);
                    push_near(&mut self.scratch, b, b.1);
                    for &v in refs {
                        push_near(&mut self.scratch, b, v);
                    }
                }
            }
        }
        let out = if width {
            &mut self.widths
        } else {
            &mut self.heights
        };
        out.extend(self.scratch.iter().map(|&v| native_dimension(v)));
        if bounds.is_some() {
            out.sort_unstable();
            out.dedup();
        }
    }
}
