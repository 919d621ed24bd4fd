// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The `usermediasrc` element.

/**
 * SECTION:element-usermediasrc
 *
 * A camera and/or microphone chosen the way a browser's `getUserMedia()` chooses them: every
 * device × native mode is scored against the `constraints` with the W3C fitness distance, the
 * best is opened with fully fixed caps, and frames are cropped, scaled, decoded or decimated
 * only when the chosen settings need it.
 *
 * ``` bash
 * gst-launch-1.0 usermediasrc constraints='{video: {width: {min: 1280}, frameRate: 30}}' ! videoconvert ! autovideosink
 * ```
 *
 * While PAUSED or PLAYING the tracks are live. Setting `constraints` is applyConstraints: a new
 * size or rate on the same native mode only changes caps, a new native mode reopens the device,
 * and a changed deviceId/groupId constraint may switch to another device behind the same pad;
 * a failure posts a WARNING (usermedia-error details) and the old settings keep flowing. Once
 * permission is granted, device hot-plug is posted as usermedia-devicechange; unplugging a
 * device in use posts usermedia-track-ended and sends EOS on its pad, or, with `failover`,
 * continues on another device (usermedia-failover). `video-enabled` / `audio-enabled` replace
 * the content with black frames / silence (same caps and timestamps) while false.
 */
use gst::glib;
use gst::prelude::*;

mod chain;
mod imp;
mod live;
mod mute;
mod oplock;

/// Answer to `getUserMedia()`'s permission question.
#[derive(Debug, Eq, PartialEq, Ord, PartialOrd, Hash, Clone, Copy, Default, glib::Enum)]
#[repr(u32)]
#[enum_type(name = "GstUserMediaPermission")]
pub enum Permission {
    /// Capture without asking.
    #[default]
    #[enum_value(name = "Granted: capture without asking", nick = "granted")]
    Granted = 0,
    /// Refuse: NotAllowedError, no device is opened.
    #[enum_value(name = "Denied: refuse with NotAllowedError", nick = "denied")]
    Denied = 1,
    /// Ask the application through the request-permission signal.
    #[enum_value(
        name = "Prompt: emit request-permission and obey the answer",
        nick = "prompt"
    )]
    Prompt = 2,
}

glib::wrapper! {
    pub struct UserMediaSrc(ObjectSubclass<imp::UserMediaSrc>) @extends gst::Bin, gst::Element, gst::Object, @implements gst::ChildProxy;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "usermediasrc",
        gst::Rank::NONE,
        UserMediaSrc::static_type(),
    )
}
