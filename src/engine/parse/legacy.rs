// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Chrome's legacy constraint syntax, as pages written for `navigator.getUserMedia` use it:
//! `{mandatory: {minWidth: 1280, maxFrameRate: 30}, optional: [{sourceId: '…'}]}`, translated
//! the way Chromium's `media_constraints_impl.cc` did (L1–L6 in docs/selection.md): mandatory
//! names become required bounds of the basic set, each optional entry one advanced set, in order.

use super::keys::{self, ParseWarning};
use super::members::{NumKind, number, string_value};
use super::value::{Value, wrong_type};
use crate::engine::{
    BoolConstraint, ConstraintSet, EchoConstraint, EchoMode, MediaError, NumConstraint,
    StrConstraint, TrackConstraints,
};

/// Where a legacy name goes in a constraint set.
#[derive(Clone, Copy)]
enum Target {
    Min(Num),
    Max(Num),
    DeviceId,
    FacingMode,
    EchoCancellation,
    AutoGainControl,
    NoiseSuppression,
}

#[derive(Clone, Copy)]
enum Num {
    Width,
    Height,
    AspectRatio,
    FrameRate,
}

/// The legacy names this element translates (L3).
const NAMES: &[(&str, Target)] = &[
    ("minWidth", Target::Min(Num::Width)),
    ("maxWidth", Target::Max(Num::Width)),
    ("minHeight", Target::Min(Num::Height)),
    ("maxHeight", Target::Max(Num::Height)),
    ("minAspectRatio", Target::Min(Num::AspectRatio)),
    ("maxAspectRatio", Target::Max(Num::AspectRatio)),
    ("minFrameRate", Target::Min(Num::FrameRate)),
    ("maxFrameRate", Target::Max(Num::FrameRate)),
    ("sourceId", Target::DeviceId),
    ("facingMode", Target::FacingMode),
    ("googEchoCancellation", Target::EchoCancellation),
    ("echoCancellation", Target::EchoCancellation),
    ("googAutoGainControl", Target::AutoGainControl),
    ("autoGainControl", Target::AutoGainControl),
    ("googNoiseSuppression", Target::NoiseSuppression),
    ("noiseSuppression", Target::NoiseSuppression),
];

fn target(name: &str) -> Option<Target> {
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

fn names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().map(|(n, _)| *n)
}

/// Whether a track is written in the legacy form.
pub(super) fn is_legacy(track: &Value) -> bool {
    track.get("mandatory").is_some() || track.get("optional").is_some()
}

/// The constraints of a track in the legacy form (L1, L2).
pub(super) fn track_constraints(v: &Value, path: &str) -> Result<TrackConstraints, MediaError> {
    // L1: Chromium accepted nothing beside mandatory and optional.
    if let Value::Object(members) = v
        && let Some((key, _)) = members
            .iter()
            .find(|(k, _)| k != "mandatory" && k != "optional")
    {
        return Err(MediaError::type_error(format!(
            "{path}.{key}: malformed constraints: the legacy mandatory/optional syntax cannot be \
             mixed with other members in one track; write the track in one form"
        )));
    }
    let basic = match v.get("mandatory") {
        None => ConstraintSet::default(),
        Some(Value::Object(members)) => set(members, &format!("{path}.mandatory"), true)?,
        Some(other) => {
            return Err(wrong_type(
                &format!("{path}.mandatory"),
                "an object of legacy constraints such as {minWidth: 640}",
                other,
            ));
        }
    };
    let advanced = match v.get("optional") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| optional(item, &format!("{path}.optional[{i}]")))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(wrong_type(
                &format!("{path}.optional"),
                "an array of one-constraint objects such as [{sourceId: 'abc'}]",
                other,
            ));
        }
    };
    Ok(TrackConstraints { basic, advanced })
}

/// One entry of `optional`: an object with exactly one name, as Chromium required (L2).
fn optional(item: &Value, path: &str) -> Result<ConstraintSet, MediaError> {
    match item {
        Value::Object(members) if members.len() == 1 => set(members, path, false),
        Value::Object(members) => Err(MediaError::type_error(format!(
            "{path}: malformed constraints: a legacy optional entry names exactly one \
             constraint, found {}",
            members.len()
        ))),
        other => Err(wrong_type(
            path,
            "an object with one legacy constraint",
            other,
        )),
    }
}

/// The constraint set of `mandatory` (required: an unknown name is an OverconstrainedError,
/// L4) or of one `optional` entry (an unknown name is ignored). Duplicates: the last one wins.
fn set(
    members: &[(String, Value)],
    path: &str,
    mandatory: bool,
) -> Result<ConstraintSet, MediaError> {
    let mut cs = ConstraintSet::default();
    for (name, value) in members {
        let at = format!("{path}.{name}");
        if keys::is_screen_capture(name) {
            return Err(keys::screen_capture_error(name, &at));
        }
        match target(name) {
            Some(t) => put(&mut cs, t, value, &at)?,
            None if mandatory => {
                let hint = keys::unknown(
                    at.clone(),
                    name,
                    &[&names().collect::<Vec<_>>()],
                    "a legacy constraint this element knows",
                );
                return Err(MediaError::Overconstrained {
                    constraint: name.clone(),
                    message: format!(
                        "{}; a mandatory legacy constraint must be known",
                        hint.message
                    ),
                });
            }
            None => {}
        }
    }
    Ok(cs)
}

/// Legacy values were strings to Chromium: numbers and booleans may be written as strings.
fn legacy_number(v: &Value, path: &str, kind: NumKind) -> Result<f64, MediaError> {
    match v {
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(n) => number(&Value::Number(n), path, kind),
            Err(_) => Err(wrong_type(path, kind.expected(), v)),
        },
        _ => number(v, path, kind),
    }
}

fn legacy_bool(v: &Value, path: &str) -> Result<bool, MediaError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(wrong_type(
            path,
            "a boolean (or \"true\" / \"false\")",
            other,
        )),
    }
}

fn put(cs: &mut ConstraintSet, t: Target, v: &Value, path: &str) -> Result<(), MediaError> {
    let exact_str = |v: &Value| -> Result<Option<StrConstraint>, MediaError> {
        Ok(Some(StrConstraint {
            exact: Some(vec![string_value(v, path)?]),
            ideal: None,
        }))
    };
    let exact_bool = |v: &Value| -> Result<Option<BoolConstraint>, MediaError> {
        Ok(Some(BoolConstraint {
            exact: Some(legacy_bool(v, path)?),
            ideal: None,
        }))
    };
    match t {
        Target::Min(n) | Target::Max(n) => {
            let (field, kind) = match n {
                Num::Width => (&mut cs.width, NumKind::ULong),
                Num::Height => (&mut cs.height, NumKind::ULong),
                Num::AspectRatio => (&mut cs.aspect_ratio, NumKind::Double),
                Num::FrameRate => (&mut cs.frame_rate, NumKind::Double),
            };
            let value = legacy_number(v, path, kind)?;
            let c = field.get_or_insert_with(NumConstraint::default);
            if matches!(t, Target::Min(_)) {
                c.min = Some(value);
            } else {
                c.max = Some(value);
            }
        }
        Target::DeviceId => cs.device_id = exact_str(v)?,
        Target::FacingMode => cs.facing_mode = exact_str(v)?,
        Target::EchoCancellation => {
            cs.echo_cancellation = Some(EchoConstraint {
                exact: Some(EchoMode::Bool(legacy_bool(v, path)?)),
                ideal: None,
            });
        }
        Target::AutoGainControl => cs.auto_gain_control = exact_bool(v)?,
        Target::NoiseSuppression => cs.noise_suppression = exact_bool(v)?,
    }
    Ok(())
}

/// Warnings for the names of `optional` entries that were ignored (L4).
pub(super) fn ignored(track: &Value, path: &str, out: &mut Vec<ParseWarning>) {
    let Some(Value::Array(items)) = track.get("optional") else {
        return;
    };
    let known: Vec<&str> = names().collect();
    for (i, item) in items.iter().enumerate() {
        if let Value::Object(members) = item {
            for (name, _) in members.iter().filter(|(n, _)| target(n).is_none()) {
                let at = format!("{path}.optional[{i}].{name}");
                out.push(keys::unknown(
                    at,
                    name,
                    &[&known],
                    "a legacy constraint this element knows",
                ));
            }
        }
    }
}
