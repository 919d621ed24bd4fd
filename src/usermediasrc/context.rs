// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What an operation is given: the element and its property values.

use std::sync::Arc;

use gst::prelude::*;

use super::permission::Permission;
use super::worker::Live;

/// `constraints` of both elements until set: `{video: true}`.
pub(super) const DEFAULT_CONSTRAINTS: &str = r#"{"video": true}"#;
/// How long `request-permission` may take before the request is refused.
pub(super) const DEFAULT_PERMISSION_TIMEOUT_MS: u32 = 60_000;

/// The element's property values the controller acts on.
#[derive(Debug, Clone)]
pub(super) struct Options {
    pub permission: Permission,
    pub permission_timeout_ms: u32,
    pub echo_probe: Option<String>,
    pub video_enabled: bool,
    pub audio_enabled: bool,
    pub failover: bool,
    /// `restore-token` (displaymediasrc): restores an earlier desktop-portal choice.
    pub restore_token: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            permission: Permission::Granted,
            permission_timeout_ms: DEFAULT_PERMISSION_TIMEOUT_MS,
            echo_probe: None,
            video_enabled: true,
            audio_enabled: true,
            failover: false,
            restore_token: None,
        }
    }
}

/// What an operation needs from the element.
pub(super) struct Ctx {
    pub element: gst::Element,
    pub options: Options,
    /// The element as its worker reaches it.
    pub live: Arc<dyn Live>,
}

impl Ctx {
    pub fn bin(&self) -> &gst::Bin {
        self.element
            .downcast_ref::<gst::Bin>()
            .expect("usermediasrc is a bin")
    }

    /// PLAYING, or on the way there: sinks no longer hold the streaming threads in preroll.
    pub fn playing(&self) -> bool {
        playing(&self.element)
    }
}

pub(super) fn playing(element: &gst::Element) -> bool {
    element.current_state() == gst::State::Playing || element.pending_state() == gst::State::Playing
}
