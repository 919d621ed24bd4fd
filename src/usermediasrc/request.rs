// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What an element is asked for: getUserMedia's `MediaStreamConstraints` (usermediasrc) or
//! getDisplayMedia's `DisplayMediaStreamOptions` (displaymediasrc), and the display track's
//! decision. Both elements share the controller; only parsing and selection differ.

use gst::prelude::*;

use super::debug::CAT;
use super::decide::{self, Environment, Origin, Plan, TrackConfig};
use super::error::UserMediaError;
use std::time::Duration;

use super::context::Options;
use crate::device::display::{DisplayError, DisplayQuery, DisplaySurface};
use crate::device::system_audio;
use crate::engine::display::{self, DisplayOptions};
use crate::engine::parse::{self, ParseWarning};
use crate::engine::{
    BoolConstraint, EchoConstraint, EchoMode, Kind, MediaStreamConstraints, TrackConstraints,
};

/// Which web call an element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavor {
    /// getUserMedia: cameras and microphones.
    User,
    /// getDisplayMedia: a display surface.
    Display,
}

/// A parsed `constraints` value.
#[derive(Clone, Debug)]
pub(super) enum Request {
    User(Box<MediaStreamConstraints>),
    Display(Box<DisplayOptions>),
}

impl Flavor {
    pub fn parse(self, text: &str) -> Result<(Request, Vec<ParseWarning>), UserMediaError> {
        Ok(match self {
            Flavor::User => {
                // A screen asked for in a legacy form is captured as getDisplayMedia would.
                if let Some(options) = parse::legacy_screen(text)? {
                    return Ok((Request::Display(Box::new(options)), Vec::new()));
                }
                let (c, w) = parse::parse_with_warnings(text)?;
                (Request::User(Box::new(c)), w)
            }
            Flavor::Display => {
                let (options, w) = parse::parse_display_with_warnings(text)?;
                (Request::Display(Box::new(options)), w)
            }
        })
    }
}

impl Request {
    /// The kinds of track asked for, video first, given the kinds `running`: system audio is
    /// delivered only where there is some (a user agent may always leave it out), so a display
    /// request keeps audio only when it asks for it and a track has it.
    pub fn kinds(&self, running: &[Kind]) -> Vec<Kind> {
        match self {
            Request::User(c) => decide::kinds(c),
            Request::Display(o) if o.microphone.is_some() => vec![Kind::Video, Kind::Audio],
            Request::Display(o) if wants_system_audio(o) && running.contains(&Kind::Audio) => {
                vec![Kind::Video, Kind::Audio]
            }
            Request::Display(_) => vec![Kind::Video],
        }
    }
}

/// Gets, in the background and once per process, what a display track is built from ready:
/// the X11 capture (`device::display::prepare`: its plugin, and its X connection opened ahead)
/// and the plugins of the elements that scale, decimate and crop. The surfaces themselves are
/// listed at READY→PAUSED, since they change (windows come and go) and the portal's dialog
/// belongs to the request.
pub(super) fn prepare_display() {
    static PREPARED: std::sync::Once = std::sync::Once::new();
    PREPARED.call_once(|| {
        // Named: it lives on while the source opened ahead is kept.
        let spawned = std::thread::Builder::new()
            .name("display-prepare".into())
            .spawn(|| {
                let t = std::time::Instant::now();
                let kept = crate::device::display::prepare();
                // Scaling first: any size below the native one needs it.
                for name in ["videoscale", "videorate", "videocrop"] {
                    if let Some(factory) = gst::ElementFactory::find(name) {
                        let _ = factory.load();
                    }
                }
                gst::debug!(CAT, "display capture prepared in {:?}", t.elapsed());
                if let Some(kept) = kept {
                    kept.close_unused_after(crate::device::x11_ahead::KEEP);
                }
            });
        if let Err(err) = spawned {
            gst::debug!(CAT, "cannot load the display plugins ahead: {err}");
        }
    });
}

/// What a backend that asks the user (the desktop portal) is asked for.
pub(super) fn display_query(options: &DisplayOptions, element: &Options) -> DisplayQuery {
    DisplayQuery {
        preferred: options.video.display_surface,
        cursor: options.video.cursor.clone(),
        restore_token: element.restore_token.clone(),
        timeout: (element.permission_timeout_ms > 0)
            .then(|| Duration::from_millis(element.permission_timeout_ms.into())),
    }
}

pub(super) fn display_error(e: DisplayError) -> UserMediaError {
    match e {
        DisplayError::NotFound(m) => UserMediaError::NotFound(m),
        DisplayError::NotAllowed(m) => UserMediaError::NotAllowed(m),
        DisplayError::Failed(m) => UserMediaError::Abort(m),
    }
}

/// Every track was picked by the user in a backend's own dialog (the desktop portal's), which
/// was the permission prompt: `request-permission` is not asked again.
pub(super) fn chosen_by_user(configs: &[TrackConfig]) -> bool {
    configs
        .iter()
        .all(|c| matches!(&c.origin, Origin::Display(s) if s.chosen_by_user))
}

/// The token a backend gave with this grant, to restore it without a dialog next time.
pub(super) fn restore_token(configs: &[TrackConfig]) -> Option<String> {
    configs.iter().find_map(|c| match &c.origin {
        Origin::Display(s) => s.restore_token.clone(),
        Origin::Device(_) => None,
    })
}

/// getDisplayMedia's choice without a picker: the first surface in offer order
/// (`displaySurface` reorders, never rejects); the permission prompt names it. A legacy
/// request's microphone is chosen as getUserMedia chooses one (with the element's
/// `echo-probe`, among the microphones not `excluded` as busy).
pub(super) fn decide_display(
    element: &gst::Element,
    options: &DisplayOptions,
    surfaces: Vec<DisplaySurface>,
    echo_probe: Option<&str>,
    excluded: &[String],
) -> Result<Vec<TrackConfig>, UserMediaError> {
    let listed: Vec<display::Surface> = surfaces.iter().map(|s| s.surface.clone()).collect();
    let order = display::offer_order(&options.video, &listed);
    let chosen = *order
        .first()
        .ok_or_else(|| UserMediaError::NotFound("no display surface to capture".into()))?;
    let plan = display::select(&options.video, &listed, chosen)?;
    let surface = surfaces
        .into_iter()
        .nth(chosen)
        .ok_or_else(|| UserMediaError::Abort("selection chose an unknown surface".into()))?;
    gst::debug!(
        CAT,
        obj = element,
        "display choice: {} ({}) as {plan:?}",
        surface.surface.id,
        surface.backend
    );
    let mut configs = vec![TrackConfig::display(surface, plan)];
    if let Some(audio) = &options.microphone {
        // A legacy screen request's microphone: getUserMedia's audio selection.
        let constraints = MediaStreamConstraints {
            video: None,
            audio: Some(audio.clone()),
        };
        let entries: Vec<_> = crate::device::enumerate_kinds(&[Kind::Audio])
            .into_iter()
            .filter(|e| !excluded.contains(&e.info.device_id))
            .collect();
        let env = Environment::of(element, echo_probe);
        configs.extend(decide::decide(element, &constraints, &entries, &env)?);
        return Ok(configs);
    }
    if let Some(audio) = options
        .audio
        .as_ref()
        .filter(|_| wants_system_audio(options))
    {
        match system_audio::default_monitor() {
            Ok(monitor) => {
                let constraints = MediaStreamConstraints {
                    video: None,
                    audio: Some(as_played(audio)),
                };
                let env = Environment::of(element, None);
                configs.extend(decide::decide(
                    element,
                    &constraints,
                    &[monitor.entry],
                    &env,
                )?);
            }
            Err(why) => gst::info!(CAT, obj = element, "no system audio ({why}): video only"),
        }
    }
    Ok(configs)
}

/// `audio` asked for and `systemAudio` not `exclude`.
fn wants_system_audio(options: &DisplayOptions) -> bool {
    options.audio.is_some() && options.system_audio != Some(false)
}

/// System audio is captured as played: echo cancellation, gain control and noise suppression
/// only when the options ask for them (their default is on for a microphone).
fn as_played(audio: &TrackConstraints) -> TrackConstraints {
    let mut audio = audio.clone();
    let off = BoolConstraint {
        exact: None,
        ideal: Some(false),
    };
    let b = &mut audio.basic;
    b.echo_cancellation.get_or_insert(EchoConstraint {
        exact: None,
        ideal: Some(EchoMode::Bool(false)),
    });
    b.auto_gain_control.get_or_insert(off.clone());
    b.noise_suppression.get_or_insert(off);
    audio
}

/// applyConstraints on a display track: the same surface, delivered as the new options say.
pub(super) fn reselect_display(
    options: &DisplayOptions,
    live: &[TrackConfig],
) -> Result<Vec<TrackConfig>, UserMediaError> {
    live.iter()
        .map(|old| match (&old.origin, &old.plan) {
            (Origin::Display(surface), _) => {
                let plan =
                    display::select(&options.video, std::slice::from_ref(&surface.surface), 0)?;
                Ok(TrackConfig::display(surface.clone(), plan))
            }
            // System audio goes on as it is.
            (Origin::Device(_), Plan::Audio(_)) => Ok(old.clone()),
            (Origin::Device(_), _) => Err(UserMediaError::Type(
                "the running track is a camera: constraints asking for a screen need the \
                 element restarted"
                    .into(),
            )),
        })
        .collect()
}
