// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

#![allow(clippy::non_send_fields_in_send_ty, unused_doc_comments)]

//! usermediasrc: the web's `getUserMedia()` for GStreamer pipelines.
//!
//! Three layers, data flowing one way:
//! - [`engine`]: the pure constraint engine (parse, fitness distance, select); no GStreamer types.
//! - [`device`]: GstDeviceMonitor → engine devices and native modes; device identity; the fake
//!   device provider.
//! - `usermediasrc`: the element (state, children, pads, messages), built on the two above.

/**
 * plugin-usermedia:
 *
 * Since: 0.1.0
 */
use gst::glib;

pub mod device;
pub mod engine;
mod usermediasrc;

pub use usermediasrc::displaymediasrc::DisplayMediaSrc;
pub use usermediasrc::{Permission, UserMediaSrc};

fn plugin_init(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    device::register(plugin)?;
    usermediasrc::register(plugin)?;
    usermediasrc::displaymediasrc::register(plugin)?;
    Ok(())
}

gst::plugin_define!(
    usermedia,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    concat!(env!("CARGO_PKG_VERSION"), "-", env!("COMMIT_ID")),
    "MPL-2.0",
    env!("CARGO_PKG_NAME"),
    env!("CARGO_PKG_NAME"),
    env!("CARGO_PKG_REPOSITORY"),
    env!("BUILD_REL_DATE")
);
