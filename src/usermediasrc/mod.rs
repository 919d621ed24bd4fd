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
 * and a changed deviceId, groupId or facingMode constraint may switch to another device behind
 * the same pad; a failure posts a WARNING (usermedia-error details) and the old settings keep
 * flowing. Unknown constraint keys are ignored and posted as WARNINGs with usermedia-warning
 * details. Once permission is granted, device hot-plug is posted as usermedia-devicechange;
 * unplugging a device in use posts usermedia-track-ended and sends EOS on its pad, or, with
 * `failover`, continues on another device (usermedia-failover). `video-enabled` /
 * `audio-enabled` replace the content with black frames / silence (same caps and timestamps)
 * while false.
 */
use gst::glib;
use gst::prelude::*;

mod context;
mod controller;
mod debug;
mod decide;
pub mod displaymediasrc;
mod elements;
mod error;
mod glue;
mod imp;
mod mute;
mod oplock;
mod outcome;
mod pads;
mod permission;
mod reconfigure;
mod request;
mod session;
mod track;
mod worker;

pub use permission::Permission;

glib::wrapper! {
    pub struct UserMediaSrc(ObjectSubclass<imp::UserMediaSrc>) @extends gst::Bin, gst::Element, gst::Object, @implements gst::ChildProxy;
}

impl UserMediaSrc {
    /// Connects a `request-permission` handler: `f` gets the element and the
    /// `usermedia-permission-request` structure and returns whether capture is allowed.
    ///
    /// Prefer this to a plain `connect("request-permission", …)`: a panic in `f` is caught and
    /// counts as a refusal (the element fails with NotAllowedError "permission handler
    /// panicked: …"), whereas a panic in a closure connected with `connect` cannot unwind through
    /// GLib's C signal marshaller and aborts the process (as does a closure returning no value
    /// or a non-boolean).
    pub fn connect_request_permission<F>(&self, f: F) -> glib::SignalHandlerId
    where
        F: Fn(&UserMediaSrc, &gst::StructureRef) -> bool + Send + Sync + 'static,
    {
        glue::connect_request_permission::<imp::UserMediaSrc, F>(self, f)
    }
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "usermediasrc",
        gst::Rank::NONE,
        UserMediaSrc::static_type(),
    )
}
