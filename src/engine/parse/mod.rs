// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Parsing `MediaStreamConstraints` from JSON or a JavaScript object literal.
//!
//! The text is read with `json5` (unquoted keys, single quotes, trailing commas, comments, as MDN
//! writes constraints) into a small value tree, which is then walked by hand so that every error
//! names the offending key path. The walk follows WebIDL where it matters (S1): unknown members
//! are dropped (and named by [`parse_with_warnings`]), duplicate keys keep the last value, `null` where a dictionary is accepted is an
//! empty dictionary, ULong members are clamped. It is stricter than WebIDL about types: a value of
//! the wrong type (`width: "640"`) is a TypeError rather than a silent conversion, because a
//! constraint string in a pipeline description is more likely a typo than intended coercion.
//! Chrome's legacy `{mandatory, optional}` form is translated as Chromium did (`legacy`).

mod display;
mod keys;
mod legacy;
mod members;
mod screen;
mod value;

#[cfg(test)]
mod tests;

use super::{ConstraintSet, MediaError, MediaStreamConstraints, TrackConstraints};
pub use display::{parse_display, parse_display_with_warnings};
pub use keys::ParseWarning;
use members::{NumKind, bool_constraint, echo_constraint, num_constraint, str_constraint};
pub use screen::legacy_screen;
use value::{Value, check_depth, syntax_error, wrong_type};

/// Longest accepted input, in bytes.
pub const MAX_INPUT_LEN: usize = 64 * 1024;
/// Deepest accepted nesting of objects and arrays. Real constraints need 6.
pub const MAX_DEPTH: usize = 32;
/// Longest accepted string value, in UTF-16 code units (Chromium's kMaxConstraintStringLength).
pub const MAX_STRING_LEN: usize = 500;
/// Longest accepted string list (Chromium's kMaxConstraintStringSeqLength).
pub const MAX_STRING_LIST_LEN: usize = 100;

/// Upper bound of WebIDL `unsigned long`.
pub(crate) const ULONG_MAX: f64 = 4_294_967_295.0;

/// Parse a constraints string (JSON, or JSON5 as MDN writes object literals).
pub fn parse(input: &str) -> Result<MediaStreamConstraints, MediaError> {
    read(input).map(|(_, c)| c)
}

/// [`parse`], also naming each key it ignored: unknown keys (with the nearest known name when
/// one is close) and constraints of the spec this element does not support, in text order (K).
pub fn parse_with_warnings(
    input: &str,
) -> Result<(MediaStreamConstraints, Vec<ParseWarning>), MediaError> {
    read(input).map(|(value, c)| (c, keys::ignored(&value)))
}

fn read(input: &str) -> Result<(Value, MediaStreamConstraints), MediaError> {
    let value = value_of(input)?;
    let constraints = media_stream_constraints(&value)?;
    Ok((value, constraints))
}

/// The value tree of the text, within the length and depth bounds.
fn value_of(input: &str) -> Result<Value, MediaError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(MediaError::type_error(format!(
            "constraints are {} bytes long, more than the {MAX_INPUT_LEN} accepted",
            input.len()
        )));
    }
    // json5 parses recursively: bound the depth before it sees the text.
    check_depth(input)?;
    json5::from_str(input).map_err(|e| syntax_error(input, &e))
}

fn media_stream_constraints(v: &Value) -> Result<MediaStreamConstraints, MediaError> {
    if !matches!(v, Value::Object(_)) {
        return Err(wrong_type(
            "constraints",
            "a MediaStreamConstraints object such as {video: true}",
            v,
        ));
    }
    let video = track(v.get("video"), "video")?;
    let audio = track(v.get("audio"), "audio")?;
    if video.is_none() && audio.is_none() {
        // `{vidoe: true}`: say which key was probably meant.
        let hints: Vec<String> = keys::ignored(v)
            .into_iter()
            .filter(|w| !w.key.contains('.'))
            .map(|w| w.message)
            .collect();
        let mut message = "at least one of audio and video must be requested".to_string();
        if !hints.is_empty() {
            message = format!("{message} ({})", hints.join("; "));
        }
        return Err(MediaError::type_error(message));
    }
    Ok(MediaStreamConstraints { video, audio })
}

/// `(boolean or MediaTrackConstraints) kind = false`.
fn track(v: Option<&Value>, path: &str) -> Result<Option<TrackConstraints>, MediaError> {
    match v {
        None | Some(Value::Bool(false)) => Ok(None),
        // WebIDL converts null to the dictionary member of the union: an empty constraint set.
        Some(Value::Bool(true)) | Some(Value::Null) => Ok(Some(TrackConstraints::default())),
        Some(obj @ Value::Object(_)) => track_constraints(obj, path).map(Some),
        Some(other) => Err(wrong_type(
            path,
            "a boolean or a MediaTrackConstraints object",
            other,
        )),
    }
}

fn track_constraints(v: &Value, path: &str) -> Result<TrackConstraints, MediaError> {
    // Chrome's legacy `{mandatory, optional}` form (C1.5).
    if legacy::is_legacy(v) {
        return legacy::track_constraints(v, path);
    }
    keys::reject_screen_capture(v, path)?;
    let basic = constraint_set(v, path, false)?;
    let advanced = match v.get("advanced") {
        None => Vec::new(),
        Some(Value::Array(sets)) => sets
            .iter()
            .enumerate()
            .map(|(i, set)| {
                let p = format!("{path}.advanced[{i}]");
                match set {
                    Value::Object(_) => constraint_set(set, &p, true),
                    Value::Null => Ok(ConstraintSet::default()),
                    other => Err(wrong_type(&p, "a constraint set object", other)),
                }
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(wrong_type(
                &format!("{path}.advanced"),
                "an array of constraint set objects",
                other,
            ));
        }
    };
    Ok(TrackConstraints { basic, advanced })
}

/// One `MediaTrackConstraintSet`. In an advanced set a bare value means `exact` (S1.5).
fn constraint_set(v: &Value, path: &str, advanced: bool) -> Result<ConstraintSet, MediaError> {
    let p = |key: &str| format!("{path}.{key}");
    let num = |key: &str, kind: NumKind| match v.get(key) {
        Some(m) => num_constraint(m, &p(key), kind, advanced),
        None => Ok(None),
    };
    let string = |key: &str| match v.get(key) {
        Some(m) => str_constraint(m, &p(key), advanced),
        None => Ok(None),
    };
    let boolean = |key: &str| match v.get(key) {
        Some(m) => bool_constraint(m, &p(key), advanced),
        None => Ok(None),
    };
    Ok(ConstraintSet {
        width: num("width", NumKind::ULong)?,
        height: num("height", NumKind::ULong)?,
        aspect_ratio: num("aspectRatio", NumKind::Double)?,
        frame_rate: num("frameRate", NumKind::Double)?,
        facing_mode: string("facingMode")?,
        resize_mode: string("resizeMode")?,
        sample_rate: num("sampleRate", NumKind::ULong)?,
        sample_size: num("sampleSize", NumKind::ULong)?,
        echo_cancellation: match v.get("echoCancellation") {
            Some(m) => echo_constraint(m, &p("echoCancellation"), advanced)?,
            None => None,
        },
        auto_gain_control: boolean("autoGainControl")?,
        noise_suppression: boolean("noiseSuppression")?,
        voice_isolation: boolean("voiceIsolation")?,
        latency: num("latency", NumKind::Double)?,
        channel_count: num("channelCount", NumKind::ULong)?,
        device_id: string("deviceId")?,
        group_id: string("groupId")?,
        background_blur: boolean("backgroundBlur")?,
    })
}
