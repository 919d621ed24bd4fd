// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The keys the parser knows, and the warnings for those it ignores. A browser drops an unknown
//! member silently (S1); a command line deserves to hear that `widht` was probably `width`.

use super::legacy;
use super::value::Value;
use crate::engine::MediaError;

/// A key the parser ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseWarning {
    /// Full key path, e.g. `video.advanced[0].widht`.
    pub key: String,
    /// The known name it is closest to, if any is close.
    pub suggestion: Option<String>,
    /// One sentence for people, e.g. "video.widht is not a constraint this element knows; did
    /// you mean width?".
    pub message: String,
}

/// The members of `MediaStreamConstraints` this element reads.
const STREAM_MEMBERS: &[&str] = &["video", "audio"];
/// Members of `MediaStreamConstraints` or of getDisplayMedia's options it does not support.
const STREAM_UNSUPPORTED: &[&str] = &[
    "peerIdentity",
    "preferCurrentTab",
    "selfBrowserSurface",
    "systemAudio",
    "surfaceSwitching",
    "monitorTypeSurfaces",
    "controller",
];

/// Numeric members of a constraint set (they take `min` and `max` too).
pub(super) const NUMERIC_MEMBERS: &[&str] = &[
    "width",
    "height",
    "aspectRatio",
    "frameRate",
    "sampleRate",
    "sampleSize",
    "latency",
    "channelCount",
];
/// The other members of a constraint set this element reads.
pub(super) const OTHER_MEMBERS: &[&str] = &[
    "facingMode",
    "resizeMode",
    "echoCancellation",
    "autoGainControl",
    "noiseSuppression",
    "voiceIsolation",
    "deviceId",
    "groupId",
    "backgroundBlur",
];
/// Constraints of the spec and its extensions (image capture, screen capture, audio output)
/// that no device of this element offers: ignored, and named as such rather than as typos.
const UNSUPPORTED_MEMBERS: &[&str] = &[
    "whiteBalanceMode",
    "exposureMode",
    "focusMode",
    "pointsOfInterest",
    "exposureCompensation",
    "exposureTime",
    "colorTemperature",
    "iso",
    "brightness",
    "contrast",
    "saturation",
    "sharpness",
    "focusDistance",
    "pan",
    "tilt",
    "zoom",
    "torch",
    "backgroundSegmentationMask",
    "eyeGazeCorrection",
    "faceFraming",
    "powerEfficient",
    "displaySurface",
    "logicalSurface",
    "cursor",
    "restrictOwnAudio",
    "suppressLocalAudioPlayback",
];
/// Track members that name a screen-capture source (Chrome's and Firefox's). A screen request
/// in those forms is recognised before this parse (`legacy_screen`); what reaches it is not one
/// (`mediaSource: 'camera'`, `chromeMediaSource: 'tab'`, a source id alone).
const SCREEN_CAPTURE: &[&str] = &["mediaSource", "chromeMediaSource", "chromeMediaSourceId"];

/// OverconstrainedError for a screen-capture key at `path`.
pub(super) fn screen_capture_error(key: &str, path: &str) -> MediaError {
    MediaError::Overconstrained {
        constraint: key.into(),
        message: format!(
            "{path}: not a screen capture this element knows (mediaSource 'screen', 'window' \
             or 'browser'; chromeMediaSource 'screen' or 'desktop')"
        ),
    }
}

/// Whether `key` names a screen-capture source.
pub(super) fn is_screen_capture(key: &str) -> bool {
    SCREEN_CAPTURE.contains(&key)
}

/// Rejects a screen-capture key in the standard form of a track (basic or advanced sets).
pub(super) fn reject_screen_capture(track: &Value, path: &str) -> Result<(), MediaError> {
    let advanced = match track.get("advanced") {
        Some(Value::Array(sets)) => sets.as_slice(),
        _ => &[],
    };
    for (i, set) in std::iter::once(track).chain(advanced).enumerate() {
        if let Value::Object(members) = set
            && let Some((key, _)) = members.iter().find(|(k, _)| is_screen_capture(k))
        {
            let at = match i {
                0 => format!("{path}.{key}"),
                _ => format!("{path}.advanced[{}].{key}", i - 1),
            };
            return Err(screen_capture_error(key, &at));
        }
    }
    Ok(())
}

/// The known name closest to `key` (case-insensitive Damerau-Levenshtein distance of at most a
/// third of the longer name, and at least 1), if any.
pub(super) fn nearest<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // No known name is longer than 32 characters, so a key twice that long is never close
    // (and hostile keys of kilobytes cost nothing).
    if key.len() > 64 {
        return None;
    }
    let lower = key.to_lowercase();
    names
        .map(|n| (strsim::damerau_levenshtein(&lower, &n.to_lowercase()), n))
        .filter(|(d, n)| *d <= (n.len().max(key.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// A warning for the unknown `key` at `path`, suggesting the nearest of `known`.
pub(super) fn unknown(path: String, key: &str, known: &[&[&str]], what: &str) -> ParseWarning {
    let suggestion = nearest(key, known.iter().flat_map(|l| l.iter().copied()));
    let message = match suggestion {
        Some(s) => format!("{path} is not {what}; did you mean {s}?"),
        None => format!("{path} is not {what}; ignored"),
    };
    ParseWarning {
        key: path,
        suggestion: suggestion.map(String::from),
        message,
    }
}

fn unsupported(path: String) -> ParseWarning {
    let message =
        format!("{path} is a constraint of the spec this element does not support; ignored");
    ParseWarning {
        key: path,
        suggestion: None,
        message,
    }
}

/// The distinct keys of an object, first occurrence first.
fn keys(v: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    if let Value::Object(members) = v {
        for (k, _) in members {
            if !out.contains(&k.as_str()) {
                out.push(k);
            }
        }
    }
    out
}

/// Every key of an accepted constraints value that the parser ignored.
pub(super) fn ignored(root: &Value) -> Vec<ParseWarning> {
    let mut out = Vec::new();
    for key in keys(root) {
        if STREAM_UNSUPPORTED.contains(&key) {
            out.push(unsupported(key.to_string()));
        } else if !STREAM_MEMBERS.contains(&key) {
            out.push(unknown(
                key.to_string(),
                key,
                &[STREAM_MEMBERS],
                "a constraint this element knows",
            ));
        }
    }
    for kind in STREAM_MEMBERS {
        match root.get(kind) {
            Some(track) if legacy::is_legacy(track) => legacy::ignored(track, kind, &mut out),
            Some(track @ Value::Object(_)) => track_keys(track, kind, &mut out),
            _ => {}
        }
    }
    out
}

/// The ignored keys of a track in the standard form.
fn track_keys(track: &Value, path: &str, out: &mut Vec<ParseWarning>) {
    set_keys(track, path, true, out);
    if let Some(Value::Array(sets)) = track.get("advanced") {
        for (i, set) in sets.iter().enumerate() {
            set_keys(set, &format!("{path}.advanced[{i}]"), false, out);
        }
    }
}

fn set_keys(set: &Value, path: &str, basic: bool, out: &mut Vec<ParseWarning>) {
    const ADVANCED: &[&str] = &["advanced"];
    let known: &[&[&str]] = if basic {
        &[NUMERIC_MEMBERS, OTHER_MEMBERS, ADVANCED]
    } else {
        &[NUMERIC_MEMBERS, OTHER_MEMBERS]
    };
    for key in keys(set) {
        let at = format!("{path}.{key}");
        if UNSUPPORTED_MEMBERS.contains(&key) {
            out.push(unsupported(at));
        } else if !known.iter().any(|l| l.contains(&key)) {
            out.push(unknown(at, key, known, "a constraint this element knows"));
        } else if let Some(inner @ Value::Object(_)) = set.get(key)
            && key != "advanced"
        {
            let fields: &[&str] = if NUMERIC_MEMBERS.contains(&key) {
                &["min", "max", "exact", "ideal"]
            } else {
                &["exact", "ideal"]
            };
            for field in keys(inner).into_iter().filter(|f| !fields.contains(f)) {
                let what = format!("one of {}", fields.join(", "));
                out.push(unknown(format!("{at}.{field}"), field, &[fields], &what));
            }
        }
    }
}

/// The members of `DisplayMediaStreamOptions` this element reads.
const DISPLAY_MEMBERS: &[&str] = &["video", "audio", "systemAudio"];
/// Its hints that are type-checked and otherwise ignored (a user agent may).
const DISPLAY_HINTS: &[&str] = &[
    "selfBrowserSurface",
    "surfaceSwitching",
    "monitorTypeSurfaces",
    "preferCurrentTab",
];
/// The members of a display video track this element reads.
const DISPLAY_VIDEO: &[&str] = &[
    "width",
    "height",
    "frameRate",
    "aspectRatio",
    "resizeMode",
    "displaySurface",
    "cursor",
    "logicalSurface",
    "deviceId",
    "groupId",
];

/// Every key of accepted `DisplayMediaStreamOptions` that the parser ignored.
pub(super) fn ignored_display(root: &Value) -> Vec<ParseWarning> {
    let mut out = Vec::new();
    for key in keys(root) {
        if !DISPLAY_MEMBERS.contains(&key) && !DISPLAY_HINTS.contains(&key) {
            out.push(unknown(
                key.to_string(),
                key,
                &[DISPLAY_MEMBERS, DISPLAY_HINTS],
                "a member of DisplayMediaStreamOptions this element knows",
            ));
        }
    }
    if let Some(video @ Value::Object(_)) = root.get("video") {
        for key in keys(video) {
            let at = format!("video.{key}");
            if !DISPLAY_VIDEO.contains(&key) {
                out.push(unknown(
                    at,
                    key,
                    &[DISPLAY_VIDEO],
                    "a constraint of a display track",
                ));
            } else if NUMERIC_MEMBERS.contains(&key)
                && let Some(inner @ Value::Object(_)) = video.get(key)
            {
                // min and exact are a TypeError before this runs.
                let fields: &[&str] = &["max", "ideal"];
                for field in keys(inner).into_iter().filter(|f| !fields.contains(f)) {
                    out.push(unknown(
                        format!("{at}.{field}"),
                        field,
                        &[fields],
                        "max or ideal",
                    ));
                }
            }
        }
    }
    if let Some(audio @ Value::Object(_)) = root.get("audio") {
        track_keys(audio, "audio", &mut out);
    }
    out
}
