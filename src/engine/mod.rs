// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The constraint engine: parse `MediaStreamConstraints`, score every device × native mode with
//! the W3C fitness distance (Chromium's choices where the spec leaves room), and decide what to
//! open and deliver. Pure Rust: no GStreamer types, so it is fast to test, fuzz and benchmark.

pub mod audio;
pub mod constraints;
pub mod display;
pub mod error;
pub mod fitness;
#[doc(hidden)]
pub mod fixtures;
pub mod model;
pub mod num;
pub mod parse;
pub mod plan;
pub mod video;

#[cfg(test)]
mod tests;

pub use constraints::*;
pub use error::MediaError;
pub use model::*;
pub use plan::*;

/// getUserMedia's selection: for each requested kind, the best device and mode, or the error
/// the browser would reject with. `devices` is in enumeration order (system default first of
/// its kind); plan indices refer to this slice.
pub fn select(
    constraints: &MediaStreamConstraints,
    devices: &[Device],
    audio_env: &AudioEnvironment,
) -> Result<Selection, MediaError> {
    select_traced(constraints, devices, audio_env, None)
}

/// [`select`], reporting every candidate (audio, then video) and its score to `trace`.
pub fn select_traced(
    constraints: &MediaStreamConstraints,
    devices: &[Device],
    audio_env: &AudioEnvironment,
    trace: Option<&mut dyn FnMut(&str)>,
) -> Result<Selection, MediaError> {
    if constraints.video.is_none() && constraints.audio.is_none() {
        return Err(MediaError::type_error(
            "at least one of audio and video must be requested",
        ));
    }
    let mut trace = trace;
    // Audio first, as Chromium does: when both kinds fail, the audio constraint is named.
    let audio = match &constraints.audio {
        Some(tc) => Some(audio::select_traced(
            tc,
            devices,
            audio_env,
            trace.as_mut().map(|t| &mut **t as &mut dyn FnMut(&str)),
        )?),
        None => None,
    };
    let video = match &constraints.video {
        Some(tc) => Some(video::select_traced(tc, devices, trace)?),
        None => None,
    };
    Ok(Selection { video, audio })
}

/// `MediaTrackCapabilities` of one device (getCapabilities() without opening it).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Capabilities {
    Video(VideoCapabilities),
    Audio(AudioCapabilities),
}

/// The capabilities a device would report once selected (C5 for cameras, C6.2 for
/// microphones).
pub fn capabilities(device: &Device, audio_env: &AudioEnvironment) -> Capabilities {
    match &device.capture {
        Capture::Video(modes) => Capabilities::Video(video::capabilities(device, modes)),
        Capture::Audio(capture) => {
            Capabilities::Audio(audio::capabilities(device, capture, audio_env))
        }
    }
}

/// Whether going from `old` to `new` changes a device-choosing constraint (deviceId, groupId or
/// facingMode) in the basic set or in any advanced set (compared position by position, a missing
/// set counting as empty): such a change is getUserMedia again, since another device may win;
/// anything else is applyConstraints on the open device.
pub fn device_choice_changed(old: &TrackConstraints, new: &TrackConstraints) -> bool {
    fn choosing(cs: Option<&ConstraintSet>) -> Option<[&Option<StrConstraint>; 3]> {
        cs.map(|cs| [&cs.device_id, &cs.group_id, &cs.facing_mode])
            .filter(|c| c.iter().any(|v| v.is_some()))
    }
    if choosing(Some(&old.basic)) != choosing(Some(&new.basic)) {
        return true;
    }
    (0..old.advanced.len().max(new.advanced.len()))
        .any(|i| choosing(old.advanced.get(i)) != choosing(new.advanced.get(i)))
}
