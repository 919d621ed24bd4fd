// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The `displaymediasrc` element: getDisplayMedia. The same controller, tracks and messages
//! as usermediasrc; only the request (`DisplayMediaStreamOptions`) and the track's origin (a
//! display surface instead of a device) differ.

/**
 * SECTION:element-displaymediasrc
 *
 * A display surface (a monitor, a window) captured the way a browser's `getDisplayMedia()`
 * delivers it: `constraints` only order the surfaces offered (`displaySurface`) and shape the
 * delivery by aspect-preserving downscale and frame decimation within `max` / `ideal`; `min`,
 * `exact` and `advanced` are a TypeError.
 *
 * ``` bash
 * gst-launch-1.0 displaymediasrc constraints='{video: {width: {max: 1280}, frameRate: {max: 15}}}' ! videoconvert ! autovideosink
 * ```
 */
use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct DisplayMediaSrc(ObjectSubclass<imp::DisplayMediaSrc>) @extends gst::Bin, gst::Element, gst::Object, @implements gst::ChildProxy;
}

impl DisplayMediaSrc {
    /// Connects a `request-permission` handler (asked with `permission=prompt` on backends
    /// without a dialog of their own): `f` gets the element and the
    /// `usermedia-permission-request` structure and returns whether capture is allowed. A panic
    /// in `f` is caught and is a refusal, as for `UserMediaSrc::connect_request_permission`.
    pub fn connect_request_permission<F>(&self, f: F) -> glib::SignalHandlerId
    where
        F: Fn(&DisplayMediaSrc, &gst::StructureRef) -> bool + Send + Sync + 'static,
    {
        super::glue::connect_request_permission::<imp::DisplayMediaSrc, F>(self, f)
    }
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "displaymediasrc",
        gst::Rank::NONE,
        DisplayMediaSrc::static_type(),
    )
}
