// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! getUserMedia's permission question: the `permission` property's values and the
//! `request-permission` prompt.

use std::sync::Mutex;
use std::time::Duration;

use gst::glib;
use gst::prelude::*;

use super::debug::CAT;
use super::decide::{Plan, TrackConfig};
use super::error::UserMediaError;
use super::oplock::OpLock;
use super::oplock::lock;
use crate::engine::Kind;

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

/// Posts `usermedia-permission` { `state` }.
pub(super) fn post_state(element: &gst::Element, state: &str) {
    let s = gst::Structure::builder("usermedia-permission")
        .field("state", state)
        .build();
    let _ = element.post_message(gst::message::Element::builder(s).src(element).build());
}

/// The `usermedia-permission-request` structure: which kinds, and the labels of the devices
/// that would be opened; for a display, `displaySurface` too (`video-label` names the surface).
fn request(configs: &[TrackConfig]) -> gst::Structure {
    let label = |kind| {
        configs
            .iter()
            .find(|c| c.kind() == kind)
            .map(|c| c.label().to_string())
    };
    let surface = configs.iter().find_map(|c| match &c.plan {
        Plan::Display(p) => Some(p.settings.display_surface.name()),
        _ => None,
    });
    let mut b = gst::Structure::builder("usermedia-permission-request")
        .field("video", label(Kind::Video).is_some())
        .field("audio", label(Kind::Audio).is_some());
    if let Some(l) = label(Kind::Video) {
        b = b.field("video-label", l);
    }
    if let Some(l) = label(Kind::Audio) {
        b = b.field("audio-label", l);
    }
    if let Some(kind) = surface {
        b = b.field("displaySurface", kind);
    }
    b.build()
}

/// Emits `request-permission` and waits for the answer, at most `timeout_ms` (0: forever, on
/// this thread). `ops` is held by this thread; `panicked` is where the handler wrapper of
/// `connect_request_permission` leaves the message of a panicking handler.
pub(super) fn ask(
    element: &gst::Element,
    configs: &[TrackConfig],
    timeout_ms: u32,
    ops: &OpLock,
    panicked: &Mutex<Option<String>>,
) -> Result<(), UserMediaError> {
    post_state(element, "prompt");
    let request = request(configs);
    *lock(panicked) = None;
    let answer = if timeout_ms == 0 {
        Some(element.emit_by_name::<bool>("request-permission", &[&request]))
    } else {
        // On a helper thread, so that a handler that never returns cannot hang the state
        // change. The helper acts for this thread (which holds `ops`): a handler setting
        // `constraints` is a callback from inside getUserMedia, not a wait for it to end.
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let obj = element.clone();
        let helper = std::thread::Builder::new()
            .name("usermedia-permission".into())
            .spawn(move || {
                if go_rx.recv().is_err() {
                    return;
                }
                let granted = obj.emit_by_name::<bool>("request-permission", &[&request]);
                // Not kept while telling: the element may go away as soon as start ends.
                drop(obj);
                let _ = tx.send(granted);
            })
            .map_err(|e| {
                UserMediaError::Abort(format!("cannot ask for permission: no thread: {e}"))
            })?
            .thread()
            .id();
        ops.delegate(helper);
        let _ = go_tx.send(());
        let answer = rx
            .recv_timeout(Duration::from_millis(timeout_ms.into()))
            .ok();
        ops.revoke(helper);
        answer
    };
    let panic = lock(panicked).take();
    gst::info!(CAT, obj = element, "permission prompt answered {answer:?}");
    let refusal = match (answer, panic) {
        (Some(true), _) => return Ok(()),
        (Some(false), Some(panic)) => format!("permission handler panicked: {panic}"),
        (Some(false), None) => "permission to capture was not granted".into(),
        (None, _) => format!("permission request timed out after {timeout_ms} ms"),
    };
    post_state(element, "denied");
    Err(UserMediaError::NotAllowed(refusal))
}
