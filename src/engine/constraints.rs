// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `MediaStreamConstraints` after parsing: bare values already resolved to `ideal` (basic set) or
//! `exact` (advanced sets), string values as lists.

/// A numeric constraint (ConstrainULong / ConstrainDouble). ULong members are already clamped
/// to `[0, 2^32 - 1]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NumConstraint {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub exact: Option<f64>,
    pub ideal: Option<f64>,
}

impl NumConstraint {
    pub fn is_required(&self) -> bool {
        self.min.is_some() || self.max.is_some() || self.exact.is_some()
    }

    /// `[lo, hi]` that min, max and exact require together (S2.2), or `None` without them.
    pub fn required_bounds(&self) -> Option<(f64, f64)> {
        if !self.is_required() {
            return None;
        }
        let lo = [self.min, self.exact]
            .into_iter()
            .flatten()
            .fold(f64::NEG_INFINITY, f64::max);
        let hi = [self.max, self.exact]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        Some((lo, hi))
    }
}

/// A string constraint (ConstrainDOMString); each list is a disjunction. Empty lists are
/// dropped by the parser ("not specified").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StrConstraint {
    pub exact: Option<Vec<String>>,
    pub ideal: Option<Vec<String>>,
}

impl StrConstraint {
    pub fn is_required(&self) -> bool {
        self.exact.is_some()
    }
}

/// A boolean constraint (ConstrainBoolean).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BoolConstraint {
    pub exact: Option<bool>,
    pub ideal: Option<bool>,
}

impl BoolConstraint {
    pub fn is_required(&self) -> bool {
        self.exact.is_some()
    }
}

/// Value of echoCancellation (ConstrainBooleanOrDOMString), in constraints, settings and
/// capabilities: serialised as the boolean or the string.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum EchoMode {
    Bool(bool),
    /// `"all"` or `"remote-only"`.
    Str(String),
}

impl EchoMode {
    /// Whether the value asks for echo cancellation (`true`, or any mode string).
    pub fn is_on(&self) -> bool {
        !matches!(self, EchoMode::Bool(false))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EchoConstraint {
    pub exact: Option<EchoMode>,
    pub ideal: Option<EchoMode>,
}

impl EchoConstraint {
    pub fn is_required(&self) -> bool {
        self.exact.is_some()
    }
}

/// One `MediaTrackConstraintSet`. Members absent from the input are `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConstraintSet {
    pub width: Option<NumConstraint>,
    pub height: Option<NumConstraint>,
    pub aspect_ratio: Option<NumConstraint>,
    pub frame_rate: Option<NumConstraint>,
    pub facing_mode: Option<StrConstraint>,
    pub resize_mode: Option<StrConstraint>,
    pub sample_rate: Option<NumConstraint>,
    pub sample_size: Option<NumConstraint>,
    pub echo_cancellation: Option<EchoConstraint>,
    pub auto_gain_control: Option<BoolConstraint>,
    pub noise_suppression: Option<BoolConstraint>,
    /// Always false here: no processor isolates voices (S6.1).
    pub voice_isolation: Option<BoolConstraint>,
    pub latency: Option<NumConstraint>,
    pub channel_count: Option<NumConstraint>,
    pub device_id: Option<StrConstraint>,
    pub group_id: Option<StrConstraint>,
    pub background_blur: Option<BoolConstraint>,
}

/// `MediaTrackConstraints`: the basic set plus the advanced sets in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackConstraints {
    pub basic: ConstraintSet,
    pub advanced: Vec<ConstraintSet>,
}

/// `MediaStreamConstraints`. `None` = the kind is not requested; `Some(default)` = `true`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MediaStreamConstraints {
    pub video: Option<TrackConstraints>,
    pub audio: Option<TrackConstraints>,
}
