// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The values an audio candidate may still take: numeric sets over caps values and ranges,
//! echo-cancellation modes, booleans.

use crate::engine::fitness;
use crate::engine::num::MEMBER_SLACK as EPS;
use crate::engine::{EchoMode, ValueSet};

/// A piece of a set of numeric values: one value, or an inclusive range, continuous
/// (`step == 0`) or on the grid `min + k * step`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Piece {
    Point(f64),
    Span { min: f64, max: f64, step: f64 },
}

impl Piece {
    /// The largest member (a stepped span's `max` may lie off its grid).
    pub(super) fn top(self) -> f64 {
        match self {
            Piece::Point(v) => v,
            Piece::Span { min, max, step } if step > 0.0 => {
                min + ((max - min + EPS) / step).floor() * step
            }
            Piece::Span { max, .. } => max,
        }
    }

    /// The members within `[lo, hi]`, or `None`.
    pub(super) fn narrow(self, lo: f64, hi: f64) -> Option<Piece> {
        match self {
            Piece::Point(v) => (v >= lo - EPS && v <= hi + EPS).then_some(self),
            Piece::Span { min, max, step } => {
                let top = self.top();
                let (a, b) = if step > 0.0 {
                    let a = if lo <= min {
                        min
                    } else {
                        min + ((lo - EPS - min) / step).ceil() * step
                    };
                    let b = if hi >= top {
                        top
                    } else {
                        min + ((hi + EPS - min) / step).floor() * step
                    };
                    // Far from zero `min + k * step` rounds off the grid, even outside
                    // [lo, hi]; such a grid cannot be counted on, narrow it as a range.
                    if a < lo - EPS || b > hi + EPS {
                        (min.max(lo), max.min(hi))
                    } else {
                        (a, b)
                    }
                } else {
                    (min.max(lo), max.min(hi))
                };
                if a > b + EPS {
                    None
                } else if a >= b {
                    Some(Piece::Point(a.min(max)))
                } else {
                    Some(Piece::Span {
                        min: a,
                        max: b,
                        step,
                    })
                }
            }
        }
    }

    pub(super) fn contains(self, v: f64) -> bool {
        match self {
            Piece::Point(p) => (p - v).abs() <= EPS,
            Piece::Span { min, max, step } => {
                if v < min - EPS || v > max + EPS {
                    return false;
                }
                if step <= 0.0 {
                    return true;
                }
                let k = ((v - min) / step).round();
                (min + k * step - v).abs() <= EPS
            }
        }
    }

    /// The member closest to `target` in fitness distance (ranges: clamped, as Chromium's
    /// NumericRangeSet does; on a grid the nearer neighbour, the lower one on a tie).
    pub(super) fn closest(self, target: f64) -> f64 {
        match self {
            Piece::Point(p) => p,
            Piece::Span { min, step, .. } => {
                let top = self.top();
                if target <= min {
                    return min;
                }
                if target >= top {
                    return top;
                }
                if step <= 0.0 {
                    return target;
                }
                let below = min + ((target - min) / step).floor() * step;
                let above = (below + step).min(top);
                if fitness::numeric(above, target) < fitness::numeric(below, target) {
                    above
                } else {
                    below
                }
            }
        }
    }
}

/// A set of numeric values a property may still take on one candidate.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct NumSet(pub(super) Vec<Piece>);

impl NumSet {
    pub(super) fn point(v: f64) -> NumSet {
        NumSet(vec![Piece::Point(v)])
    }

    /// `integral`: the property is a ULong, so an unstepped caps range holds integers only.
    pub(super) fn from_values(values: &ValueSet, integral: bool) -> NumSet {
        // Non-finite values (a broken device description) are dropped; a candidate left with
        // an empty set is not offered at all.
        match values {
            ValueSet::Fixed(v) => NumSet(
                v.is_finite()
                    .then_some(Piece::Point(*v))
                    .into_iter()
                    .collect(),
            ),
            ValueSet::List(l) => NumSet(
                l.iter()
                    .filter(|v| v.is_finite())
                    .map(|v| Piece::Point(*v))
                    .collect(),
            ),
            ValueSet::Range { min, max, .. } if !min.is_finite() || !max.is_finite() => {
                NumSet(Vec::new())
            }
            ValueSet::Range { min, max, step } => {
                // A ULong grid has integer steps; a grid too fine to count on (checked after
                // that rounding, which turns an unstepped ULong range into a grid) is
                // continuous.
                let step = if step.is_finite() && *step > 0.0 {
                    *step
                } else {
                    0.0
                };
                let step = if integral {
                    step.round().max(1.0)
                } else {
                    step
                };
                let step = if (max - min) / step < 1e12 { step } else { 0.0 };
                let span = Piece::Span {
                    min: *min,
                    max: *max,
                    step,
                };
                // Normalise (an inverted or off-grid range becomes empty or a point).
                NumSet(
                    span.narrow(f64::NEG_INFINITY, f64::INFINITY)
                        .into_iter()
                        .collect(),
                )
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn narrow(&mut self, lo: f64, hi: f64) {
        self.0 = self.0.iter().filter_map(|p| p.narrow(lo, hi)).collect();
    }

    pub(super) fn contains(&self, v: f64) -> bool {
        self.0.iter().any(|p| p.contains(v))
    }

    /// The member closest to `target`; the first piece wins ties. Panics on an empty set.
    pub(super) fn closest(&self, target: f64) -> f64 {
        let mut best = None::<(f64, f64)>;
        for piece in &self.0 {
            let v = piece.closest(target);
            let d = fitness::numeric(v, target);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((v, d));
            }
        }
        best.expect("closest() on an empty set").0
    }
}

/// Echo cancellation modes, valued by Chromium's ecModeScore (C6.4, the version with
/// BooleanOrString echoCancellation): `true` ("browser decides") 4 > "all" 3 > "remote-only" 2
/// > disabled 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum EcMode {
    Disabled = 1,
    RemoteOnly = 2,
    All = 3,
    BrowserDecides = 4,
}

impl EcMode {
    pub(super) fn from_constraint(m: &EchoMode) -> Option<EcMode> {
        match m {
            EchoMode::Bool(true) => Some(EcMode::BrowserDecides),
            EchoMode::Bool(false) => Some(EcMode::Disabled),
            EchoMode::Str(s) if s == "all" => Some(EcMode::All),
            EchoMode::Str(s) if s == "remote-only" => Some(EcMode::RemoteOnly),
            EchoMode::Str(_) => None,
        }
    }

    /// How settings and capabilities report the mode.
    pub(super) fn value(self) -> EchoMode {
        match self {
            EcMode::Disabled => EchoMode::Bool(false),
            EcMode::BrowserDecides => EchoMode::Bool(true),
            EcMode::All => EchoMode::Str("all".into()),
            EcMode::RemoteOnly => EchoMode::Str("remote-only".into()),
        }
    }

    pub(super) fn enabled(self) -> bool {
        self != EcMode::Disabled
    }

    pub(super) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`EcMode`]s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct EcSet(pub(super) u8);

impl EcSet {
    /// The modes a path offers. A device's own canceller (PipeWire's or PulseAudio's
    /// echo-cancel node) removes everything the system plays and cannot be turned off: `true`
    /// and "all". webrtcdsp removes only what the pipeline plays through its webrtcechoprobe,
    /// i.e. the far end of a call: `true`, "remote-only" and off. "all" would need the whole
    /// system's playback as the reference (a loopback of the output), which the element does
    /// not wire, so webrtcdsp does not offer it.
    pub(super) fn offered(system_canceller: bool, dsp_with_reference: bool) -> EcSet {
        if system_canceller {
            EcSet::of(&[EcMode::BrowserDecides, EcMode::All])
        } else if dsp_with_reference {
            EcSet::of(&[EcMode::BrowserDecides, EcMode::RemoteOnly, EcMode::Disabled])
        } else {
            EcSet::of(&[EcMode::Disabled])
        }
    }

    /// The members as reported in capabilities: `true`, `false`, then the named modes.
    pub(super) fn values(self) -> Vec<EchoMode> {
        [
            EcMode::BrowserDecides,
            EcMode::Disabled,
            EcMode::All,
            EcMode::RemoteOnly,
        ]
        .into_iter()
        .filter(|m| self.contains(*m))
        .map(EcMode::value)
        .collect()
    }

    pub(super) fn of(modes: &[EcMode]) -> EcSet {
        EcSet(modes.iter().fold(0, |acc, m| acc | m.bit()))
    }

    pub(super) fn contains(self, m: EcMode) -> bool {
        self.0 & m.bit() != 0
    }

    pub(super) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(super) fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub(super) fn first(self) -> EcMode {
        [
            EcMode::Disabled,
            EcMode::RemoteOnly,
            EcMode::All,
            EcMode::BrowserDecides,
        ]
        .into_iter()
        .find(|m| self.contains(*m))
        .expect("first() on an empty set")
    }
}

/// A set of booleans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct BoolSet {
    pub(super) yes: bool,
    pub(super) no: bool,
}

impl BoolSet {
    pub(super) const ANY: BoolSet = BoolSet {
        yes: true,
        no: true,
    };
    pub(super) const FALSE: BoolSet = BoolSet {
        yes: false,
        no: true,
    };

    pub(super) fn contains(self, b: bool) -> bool {
        if b { self.yes } else { self.no }
    }

    pub(super) fn keep(&mut self, b: bool) {
        *self = BoolSet {
            yes: self.yes && b,
            no: self.no && !b,
        };
    }

    pub(super) fn is_empty(self) -> bool {
        !self.yes && !self.no
    }
}
