// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Screens asked of getUserMedia in the forms written before getDisplayMedia existed:
//! Firefox's `{video: {mediaSource: 'screen' | 'window' | 'browser', width: …}}` and Chrome's
//! `{video: {mandatory: {chromeMediaSource: 'screen' | 'desktop', maxWidth: …}}}`. Both become
//! getDisplayMedia options (so the same rules hold: `min` and `exact` are TypeErrors); `audio`
//! keeps its getUserMedia meaning, a microphone, except Chrome's
//! `{audio: {mandatory: {chromeMediaSource: 'desktop'}}}`, which is the desktop's sound (system
//! audio).

use super::display::video;
use super::value::Value;
use super::{MediaError, track, value_of};
use crate::engine::TrackConstraints;
use crate::engine::display::{DisplayOptions, SurfaceKind};

/// Chrome's `mandatory` members that carry over, and the display constraint each bounds.
const CHROME_MAXIMA: [(&str, &str); 3] = [
    ("maxWidth", "width"),
    ("maxHeight", "height"),
    ("maxFrameRate", "frameRate"),
];

/// The display options of a legacy screen request, `None` for anything else (cameras,
/// microphones, and text that does not parse: the getUserMedia parse reports that).
pub fn legacy_screen(input: &str) -> Result<Option<DisplayOptions>, MediaError> {
    let Ok(root) = value_of(input) else {
        return Ok(None);
    };
    let Some(v @ Value::Object(members)) = root.get("video") else {
        return Ok(None);
    };
    let (surface, video_members) = match (v.get("mediaSource"), v.get("mandatory")) {
        (Some(Value::String(source)), _) => {
            let Some(kind) = firefox_surface(source) else {
                return Ok(None);
            };
            let rest = members
                .iter()
                .filter(|(k, _)| k != "mediaSource")
                .cloned()
                .collect::<Vec<_>>();
            (Some(kind), rest)
        }
        (_, Some(mandatory)) => match mandatory.get("chromeMediaSource") {
            // `desktop` is Chrome's picker of screens and windows alike: no preference.
            Some(Value::String(s)) if s == "screen" => {
                (Some(SurfaceKind::Monitor), chrome(mandatory))
            }
            Some(Value::String(s)) if s == "desktop" => (None, chrome(mandatory)),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let mut object = video_members;
    if let Some(kind) = surface {
        object.push(("displaySurface".into(), Value::String(kind.name().into())));
    }
    let video = video(&Value::Object(object))?;
    let audio = root.get("audio");
    let desktop_audio = audio
        .and_then(|a| a.get("mandatory"))
        .and_then(|m| m.get("chromeMediaSource"))
        .is_some_and(|s| matches!(s, Value::String(s) if s == "desktop"));
    if desktop_audio {
        return Ok(Some(DisplayOptions {
            video,
            audio: Some(TrackConstraints::default()),
            system_audio: Some(true),
            microphone: None,
        }));
    }
    Ok(Some(DisplayOptions {
        video,
        audio: None,
        system_audio: None,
        microphone: track(audio, "audio")?,
    }))
}

fn firefox_surface(source: &str) -> Option<SurfaceKind> {
    match source {
        "screen" => Some(SurfaceKind::Monitor),
        "window" | "application" => Some(SurfaceKind::Window),
        "browser" => Some(SurfaceKind::Browser),
        _ => None,
    }
}

/// The maxima of Chrome's `mandatory` as display constraints; its minima, `chromeMediaSourceId`
/// and the rest have no getDisplayMedia meaning and are left out.
fn chrome(mandatory: &Value) -> Vec<(String, Value)> {
    CHROME_MAXIMA
        .iter()
        .filter_map(|(legacy, name)| {
            let max = mandatory.get(legacy)?.clone();
            Some((
                (*name).to_string(),
                Value::Object(vec![("max".into(), max)]),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::legacy_screen;
    use crate::engine::MediaError;
    use crate::engine::display::SurfaceKind;

    #[test]
    fn firefox_and_chrome_forms() {
        let o = legacy_screen("{video: {mediaSource: 'window', width: {max: 1280}}}")
            .unwrap()
            .unwrap();
        assert_eq!(o.video.display_surface, Some(SurfaceKind::Window));
        assert_eq!(o.video.width.unwrap().max, Some(1280.0));
        assert!(o.microphone.is_none());

        let o = legacy_screen(
            "{audio: true, video: {mandatory: {chromeMediaSource: 'screen', maxWidth: 1920, \
             maxFrameRate: 10, minWidth: 640, chromeMediaSourceId: 'x'}}}",
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.video.display_surface, Some(SurfaceKind::Monitor));
        assert_eq!(o.video.width.unwrap().max, Some(1920.0));
        assert_eq!(o.video.frame_rate.unwrap().max, Some(10.0));
        assert!(o.microphone.is_some());

        let o = legacy_screen("{video: {mandatory: {chromeMediaSource: 'desktop'}}}")
            .unwrap()
            .unwrap();
        assert_eq!(o.video.display_surface, None);

        // Chrome's desktop audio is the system's sound, not a microphone.
        let o = legacy_screen(
            "{audio: {mandatory: {chromeMediaSource: 'desktop'}}, \
             video: {mandatory: {chromeMediaSource: 'desktop', chromeMediaSourceId: 'x'}}}",
        )
        .unwrap()
        .unwrap();
        assert!(o.microphone.is_none());
        assert!(o.audio.is_some());
        assert_eq!(o.system_audio, Some(true));
    }

    #[test]
    fn anything_else_is_not_a_screen() {
        for text in [
            "{video: true}",
            "{video: {width: 640}}",
            "{video: {mediaSource: 'camera'}}",
            "{video: {mandatory: {minWidth: 640}}}",
            "{video: {mandatory: {chromeMediaSource: 'tab'}}}",
            "not json",
        ] {
            assert!(legacy_screen(text).unwrap().is_none(), "{text}");
        }
    }

    #[test]
    fn display_rules_hold() {
        let e = legacy_screen("{video: {mediaSource: 'screen', width: {min: 640}}}").unwrap_err();
        assert!(
            matches!(&e, MediaError::TypeError { message } if message.contains("video.width.min")),
            "{e:?}"
        );
    }
}
