// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `DisplayMediaStreamOptions` (getDisplayMedia's argument), read with the same value tree and
//! member conversions as `MediaStreamConstraints`, then checked by the screen-capture rules
//! (SC2): `video` defaults to true and may not be false, no `advanced`, no `min` or `exact`.
//! The hints a user agent may ignore (`selfBrowserSurface`, `surfaceSwitching`,
//! `monitorTypeSurfaces`, `preferCurrentTab`, `controller`) are type-checked and ignored.

use super::keys::{self, ParseWarning};
use super::members::{bool_constraint, str_constraint};
use super::value::{Value, wrong_type};
use super::{constraint_set, legacy, value_of};
use crate::engine::display::{DisplayOptions, DisplayVideo};
use crate::engine::{ConstraintSet, MediaError, TrackConstraints};

/// Hints whose values are `"include"` or `"exclude"` (WebIDL enums: anything else is a
/// TypeError).
const INCLUDE_EXCLUDE: &[&str] = &[
    "systemAudio",
    "selfBrowserSurface",
    "surfaceSwitching",
    "monitorTypeSurfaces",
];

/// Parses `DisplayMediaStreamOptions` from JSON or a JavaScript object literal.
pub fn parse_display(input: &str) -> Result<DisplayOptions, MediaError> {
    parse_display_with_warnings(input).map(|(options, _)| options)
}

/// [`parse_display`], and the keys it ignored.
pub fn parse_display_with_warnings(
    input: &str,
) -> Result<(DisplayOptions, Vec<ParseWarning>), MediaError> {
    let root = value_of(input)?;
    let options = options(&root)?;
    Ok((options, keys::ignored_display(&root)))
}

fn options(root: &Value) -> Result<DisplayOptions, MediaError> {
    if !matches!(root, Value::Object(_)) {
        return Err(wrong_type(
            "options",
            "a DisplayMediaStreamOptions object such as {video: true}",
            root,
        ));
    }
    let mut system_audio = None;
    for key in INCLUDE_EXCLUDE {
        match root.get(key) {
            Some(Value::String(s))
                if *key == "systemAudio" && (s == "include" || s == "exclude") =>
            {
                system_audio = Some(s == "include");
            }
            None => {}
            Some(Value::String(s)) if s == "include" || s == "exclude" => {}
            Some(other) => return Err(wrong_type(key, "\"include\" or \"exclude\"", other)),
        }
    }
    if let Some(v) = root.get("preferCurrentTab")
        && !matches!(v, Value::Bool(_))
    {
        return Err(wrong_type("preferCurrentTab", "a boolean", v));
    }
    let video = match root.get("video") {
        // `video = true` is the dictionary default.
        None | Some(Value::Bool(true)) | Some(Value::Null) => DisplayVideo::default(),
        Some(Value::Bool(false)) => {
            return Err(MediaError::type_error(
                "video: getDisplayMedia needs video (false, or audio only, is not allowed)",
            ));
        }
        Some(obj @ Value::Object(_)) => video(obj)?,
        Some(other) => {
            return Err(wrong_type(
                "video",
                "a boolean or a MediaTrackConstraints object",
                other,
            ));
        }
    };
    let audio = match root.get("audio") {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) | Some(Value::Null) => Some(TrackConstraints::default()),
        Some(obj @ Value::Object(_)) => Some(audio(obj)?),
        Some(other) => {
            return Err(wrong_type(
                "audio",
                "a boolean or a MediaTrackConstraints object",
                other,
            ));
        }
    };
    Ok(DisplayOptions {
        video,
        audio,
        system_audio,
        microphone: None,
    })
}

/// The basic set of a track, refusing the forms getDisplayMedia does not take.
fn basic_set(v: &Value, path: &str) -> Result<ConstraintSet, MediaError> {
    if legacy::is_legacy(v) {
        return Err(MediaError::type_error(format!(
            "{path}: getDisplayMedia does not take the legacy {{mandatory, optional}} form"
        )));
    }
    if v.get("advanced").is_some() {
        return Err(MediaError::type_error(format!(
            "{path}.advanced: getDisplayMedia does not take advanced constraint sets"
        )));
    }
    constraint_set(v, path, false)
}

pub(super) fn video(v: &Value) -> Result<DisplayVideo, MediaError> {
    let set = basic_set(v, "video")?;
    let string = |key: &str| match v.get(key) {
        Some(m) => str_constraint(m, &format!("video.{key}"), false),
        None => Ok(None),
    };
    let display_surface = string("displaySurface")?;
    let cursor = string("cursor")?;
    let logical_surface = match v.get("logicalSurface") {
        Some(m) => bool_constraint(m, "video.logicalSurface", false)?,
        None => None,
    };
    DisplayVideo::check(
        &set,
        0,
        display_surface.as_ref(),
        cursor.as_ref(),
        logical_surface.as_ref(),
    )
}

/// System audio: the same rules as video (no `min`, `exact` or `advanced`).
fn audio(v: &Value) -> Result<TrackConstraints, MediaError> {
    let basic = basic_set(v, "audio")?;
    let nums = [
        ("sampleRate", &basic.sample_rate),
        ("sampleSize", &basic.sample_size),
        ("channelCount", &basic.channel_count),
        ("latency", &basic.latency),
    ];
    for (name, c) in nums {
        if let Some(c) = c
            && (c.min.is_some() || c.exact.is_some())
        {
            let which = if c.min.is_some() { "min" } else { "exact" };
            return Err(MediaError::type_error(format!(
                "audio.{name}.{which}: getDisplayMedia takes only max and ideal"
            )));
        }
    }
    let required = [
        (
            "echoCancellation",
            basic
                .echo_cancellation
                .as_ref()
                .is_some_and(|c| c.is_required()),
        ),
        (
            "autoGainControl",
            basic
                .auto_gain_control
                .as_ref()
                .is_some_and(|c| c.is_required()),
        ),
        (
            "noiseSuppression",
            basic
                .noise_suppression
                .as_ref()
                .is_some_and(|c| c.is_required()),
        ),
        (
            "deviceId",
            basic.device_id.as_ref().is_some_and(|c| c.is_required()),
        ),
    ];
    if let Some((name, _)) = required.iter().find(|(_, r)| *r) {
        return Err(MediaError::type_error(format!(
            "audio.{name}.exact: getDisplayMedia takes only ideal values"
        )));
    }
    Ok(TrackConstraints {
        basic,
        advanced: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::display::SurfaceKind;
    use proptest::prelude::*;

    fn type_error(input: &str) -> String {
        match parse_display(input) {
            Err(MediaError::TypeError { message }) => message,
            other => panic!("{input}: expected a TypeError, got {other:?}"),
        }
    }

    #[test]
    fn video_defaults_to_true() {
        for input in ["{}", "{video: true}", "{video: null}", "{audio: false}"] {
            let o = parse_display(input).unwrap();
            assert_eq!(o.video, DisplayVideo::default(), "{input}");
            assert_eq!(o.audio, None, "{input}");
        }
    }

    #[test]
    fn display_members_are_read() {
        let o = parse_display(
            "{video: {width: {max: 1280}, height: 720, frameRate: {ideal: 10, max: 15}, \
             displaySurface: 'window', cursor: 'never', logicalSurface: true, \
             resizeMode: 'none', aspectRatio: 1.5}, audio: true, systemAudio: 'include', \
             selfBrowserSurface: 'exclude', surfaceSwitching: 'include', \
             monitorTypeSurfaces: 'exclude', preferCurrentTab: false, controller: {}}",
        )
        .unwrap();
        let v = &o.video;
        assert_eq!(v.width.as_ref().unwrap().max, Some(1280.0));
        assert_eq!(v.height.as_ref().unwrap().ideal, Some(720.0));
        assert_eq!(v.frame_rate.as_ref().unwrap().max, Some(15.0));
        assert_eq!(v.display_surface, Some(SurfaceKind::Window));
        assert_eq!(v.cursor.as_deref(), Some("never"));
        assert_eq!(v.logical_surface, Some(true));
        assert_eq!(v.resize_mode.as_deref(), Some("none"));
        assert_eq!(o.audio, Some(TrackConstraints::default()));
        assert_eq!(o.system_audio, Some(true));
        // JSON too.
        let o = parse_display(r#"{"video": {"displaySurface": "monitor"}}"#).unwrap();
        assert_eq!(o.video.display_surface, Some(SurfaceKind::Monitor));
    }

    #[test]
    fn disallowed_inputs_are_type_errors_naming_the_key() {
        let cases = [
            ("{video: false}", "video"),
            ("{video: false, audio: true}", "video"),
            ("{video: {advanced: [{width: 640}]}}", "video.advanced"),
            ("{video: {advanced: 3}}", "video.advanced"),
            ("{video: {width: {min: 640}}}", "video.width.min"),
            ("{video: {height: {exact: 480}}}", "video.height.exact"),
            (
                "{video: {frameRate: {min: 5, max: 30}}}",
                "video.frameRate.min",
            ),
            (
                "{video: {aspectRatio: {exact: 1.5}}}",
                "video.aspectRatio.exact",
            ),
            (
                "{video: {displaySurface: {exact: 'monitor'}}}",
                "video.displaySurface",
            ),
            ("{video: {cursor: {exact: 'never'}}}", "video.cursor"),
            (
                "{video: {logicalSurface: {exact: true}}}",
                "video.logicalSurface",
            ),
            ("{video: {deviceId: {exact: 'x'}}}", "video.deviceId"),
            ("{video: {mandatory: {minWidth: 640}}}", "video"),
            ("{video: {width: '640'}}", "video.width"),
            ("{video: {displaySurface: 3}}", "video.displaySurface"),
            ("{video: {logicalSurface: 'yes'}}", "video.logicalSurface"),
            ("{video: 1}", "video"),
            ("{audio: 'yes'}", "audio"),
            ("{audio: {advanced: []}}", "audio.advanced"),
            ("{audio: {sampleRate: {min: 8000}}}", "audio.sampleRate.min"),
            (
                "{audio: {echoCancellation: {exact: true}}}",
                "audio.echoCancellation",
            ),
            ("{systemAudio: 'all'}", "systemAudio"),
            ("{selfBrowserSurface: true}", "selfBrowserSurface"),
            ("{surfaceSwitching: 1}", "surfaceSwitching"),
            ("{monitorTypeSurfaces: null}", "monitorTypeSurfaces"),
            ("{preferCurrentTab: 'yes'}", "preferCurrentTab"),
            ("[]", "options"),
            ("{video: ", "malformed"),
        ];
        for (input, key) in cases {
            let message = type_error(input);
            assert!(message.contains(key), "{input}: {message}");
        }
    }

    #[test]
    fn a_max_below_the_floor_is_overconstrained() {
        for (input, name) in [
            ("{video: {width: {max: 0}}}", "width"),
            ("{video: {height: {max: 0.4}}}", "height"),
            ("{video: {frameRate: {max: 0.5}}}", "frameRate"),
        ] {
            let e = parse_display(input).unwrap_err();
            assert_eq!(e.name(), "OverconstrainedError", "{input}");
            assert_eq!(e.constraint(), Some(name), "{input}");
        }
    }

    #[test]
    fn unknown_members_are_ignored() {
        let o = parse_display("{video: {widht: 5, pan: true}, peerIdentity: 'x'}").unwrap();
        assert_eq!(o.video, DisplayVideo::default());
    }

    #[test]
    fn unknown_members_are_named_with_the_nearest_known_one() {
        let (_, w) = parse_display_with_warnings(
            "{video: {widht: 5, frameRate: {maxx: 5}, displaySurface: 'window'}, \
             audio: {echoCancelation: false}, sytemAudio: 'include', surfaceSwitching: 'include'}",
        )
        .unwrap();
        let named: Vec<(&str, Option<&str>)> = w
            .iter()
            .map(|w| (w.key.as_str(), w.suggestion.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                ("sytemAudio", Some("systemAudio")),
                ("video.widht", Some("width")),
                ("video.frameRate.maxx", Some("max")),
                ("audio.echoCancelation", Some("echoCancellation")),
            ]
        );
        let (_, w) =
            parse_display_with_warnings("{video: {width: {max: 640}}, audio: true}").unwrap();
        assert!(w.is_empty(), "{w:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
            let _ = parse_display(&s);
        }

        #[test]
        fn never_panics_on_option_like_text(
            s in "\\{(video|audio|systemAudio|displaySurface|width|max|min|ideal|advanced|[:,{}\\[\\]'0-9a-z ]){0,40}\\}"
        ) {
            let _ = parse_display(&s);
        }

        /// Whatever max/ideal numbers: accepted, or an OverconstrainedError for a max below
        /// the floor; never a TypeError.
        #[test]
        fn max_and_ideal_are_accepted(
            w in proptest::option::of(-10.0f64..5000.0),
            f in proptest::option::of(-1.0f64..200.0),
            ideal in proptest::option::of(0.0f64..5000.0),
        ) {
            let mut video = serde_json::Map::new();
            if let Some(w) = w { video.insert("width".into(), serde_json::json!({"max": w})); }
            if let Some(f) = f { video.insert("frameRate".into(), serde_json::json!({"max": f})); }
            if let Some(i) = ideal { video.insert("height".into(), serde_json::json!({"ideal": i})); }
            let text = serde_json::json!({"video": video}).to_string();
            match parse_display(&text) {
                Ok(_) => {}
                Err(e) => prop_assert_eq!(e.name(), "OverconstrainedError", "{}: {}", text, e),
            }
        }
    }
}
