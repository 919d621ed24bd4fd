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

use super::debug::CAT;
use super::decide::{self, Origin, TrackConfig};
use super::error::UserMediaError;
use crate::device::display::DisplaySurface;
use crate::engine::display::{self, DisplayOptions};
use crate::engine::parse::{self, ParseWarning};
use crate::engine::{Kind, MediaStreamConstraints};

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
                let (c, w) = parse::parse_with_warnings(text)?;
                (Request::User(Box::new(c)), w)
            }
            Flavor::Display => (
                Request::Display(Box::new(parse::parse_display(text)?)),
                Vec::new(),
            ),
        })
    }
}

impl Request {
    /// The kinds of track asked for, video first.
    pub fn kinds(&self) -> Vec<Kind> {
        match self {
            Request::User(c) => decide::kinds(c),
            // No system audio backend yet: audio, when asked for, is not delivered (a user
            // agent may always leave it out).
            Request::Display(_) => vec![Kind::Video],
        }
    }
}

/// getDisplayMedia's choice without a picker: the first surface in offer order
/// (`displaySurface` reorders, never rejects); the permission prompt names it.
pub(super) fn decide_display(
    element: &gst::Element,
    options: &DisplayOptions,
    surfaces: Vec<DisplaySurface>,
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
    if options.audio.is_some() {
        gst::info!(CAT, obj = element, "no system audio to capture: video only");
    }
    Ok(vec![TrackConfig::display(surface, plan)])
}

/// applyConstraints on a display track: the same surface, delivered as the new options say.
pub(super) fn reselect_display(
    options: &DisplayOptions,
    live: &[TrackConfig],
) -> Result<Vec<TrackConfig>, UserMediaError> {
    live.iter()
        .filter_map(|old| match &old.origin {
            Origin::Display(s) => Some(s.clone()),
            Origin::Device(_) => None,
        })
        .map(|surface| {
            let plan = display::select(&options.video, std::slice::from_ref(&surface.surface), 0)?;
            Ok(TrackConfig::display(surface, plan))
        })
        .collect()
}
