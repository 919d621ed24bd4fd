// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What both elements' GObject glue shares: state changes and child errors handed to the
//! controller, each operation's [`Outcome`] posted, and the worker's way back to the element.
//! `usermediasrc` and `displaymediasrc` differ only in their properties and metadata.

use std::sync::Arc;

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

use super::context::{Ctx, Options};
use super::controller::Controller;
use super::debug::CAT;
use super::error::{self, Severity};
use super::outcome::Outcome;
use super::session::Route;
use super::worker::{Live, Suspect};
use crate::device::DeviceChange;

/// An element built on the controller.
pub(super) trait Glue: ObjectSubclass + ElementImpl + BinImpl
where
    Self::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    fn controller(&self) -> &Controller;
    fn options(&self) -> Options;
    /// A grant came with a token that restores it (displaymediasrc's `restore-token`).
    fn granted_restore_token(&self, token: String) {
        let _ = token;
    }
}

pub(super) fn ctx<T: Glue>(imp: &T) -> Ctx
where
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    Ctx {
        element: imp.obj().clone().upcast(),
        options: imp.options(),
        live: Arc::new(WeakElement::<T>(imp.obj().downgrade())),
    }
}

/// Posts what an operation decided, once it is over.
pub(super) fn deliver<T: Glue>(imp: &T, outcome: Outcome)
where
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    let obj = imp.obj();
    let element = obj.upcast_ref::<gst::Element>();
    if let Some(token) = outcome.restore_token {
        imp.granted_restore_token(token);
    }
    for w in &outcome.warnings {
        error::post_unknown_key(imp, w);
    }
    for (e, severity) in &outcome.errors {
        e.post(imp, *severity);
    }
    for s in outcome.messages {
        let _ = element.post_message(gst::message::Element::builder(s).src(element).build());
    }
    for pad in outcome.eos {
        gst::info!(CAT, obj = element, "EOS on {}", pad.name());
        if !pad.push_event(gst::event::Eos::new()) {
            gst::debug!(CAT, obj = element, "{} did not take EOS", pad.name());
        }
    }
    if outcome.latency {
        let _ = element.post_message(gst::message::Latency::builder().src(element).build());
    }
    if outcome.notify {
        element.notify("settings");
        element.notify("capabilities");
    }
}

/// READY→PAUSED is getUserMedia (getDisplayMedia), PAUSED→READY the teardown.
pub(super) fn change_state<T: Glue>(
    imp: &T,
    transition: gst::StateChange,
) -> Result<gst::StateChangeSuccess, gst::StateChangeError>
where
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    let parent = || imp.parent_change_state(transition);
    let controller = imp.controller();
    match transition {
        gst::StateChange::ReadyToPaused => {
            let (res, outcome) = controller.start(&ctx(imp), &parent);
            deliver(imp, outcome);
            res
        }
        gst::StateChange::PausedToReady => {
            let (res, outcome) = controller.stop(&ctx(imp), &parent);
            deliver(imp, outcome);
            res
        }
        gst::StateChange::PausedToPlaying => {
            let res = parent();
            if res.is_ok() {
                controller.playing();
            }
            res
        }
        _ => {
            let res = parent();
            controller.state_changed();
            res
        }
    }
}

/// A child's error goes where the controller says.
pub(super) fn handle_message<T: Glue>(imp: &T, msg: gst::Message)
where
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    if let gst::MessageView::Error(err) = msg.view() {
        match imp
            .controller()
            .route_child_error(imp.obj().upcast_ref(), err)
        {
            Route::Post(e) => {
                e.post(imp, Severity::Error);
                return;
            }
            Route::Swallow => return,
            Route::Parent => (),
        }
    }
    imp.parent_handle_message(msg)
}

/// The element as its worker thread reaches it: without keeping it alive.
struct WeakElement<T: ObjectSubclass>(glib::WeakRef<T::Type>);

impl<T: Glue> WeakElement<T>
where
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    /// Runs a worker request on the element, if it still exists, and posts its outcome.
    fn on_worker(&self, f: impl FnOnce(&Controller, &Ctx) -> Outcome) -> bool {
        let Some(obj) = self.0.upgrade() else {
            return false;
        };
        let imp = obj.imp();
        let outcome = f(imp.controller(), &ctx(imp));
        deliver(imp, outcome);
        true
    }
}

impl<T: Glue> Live for WeakElement<T>
where
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
{
    fn device_changed(&self, session: u64, change: &DeviceChange) -> bool {
        self.on_worker(|c, ctx| c.on_device_change(ctx, session, change))
    }

    fn device_gone(&self, session: u64, device_id: &str) -> bool {
        self.on_worker(|c, ctx| c.on_device_gone(ctx, session, device_id))
    }

    fn error_persisted(&self, session: u64, suspect: &Suspect) -> bool {
        self.on_worker(|c, _| c.on_error_persisted(session, suspect))
    }

    fn carry_out_deferred(&self, session: u64) -> bool {
        self.on_worker(|c, ctx| c.carry_out_deferred(ctx, session))
    }
}

/// The pads of both elements: `video_%u`, and `audio_%u` (a microphone, or system audio).
pub(super) fn pad_templates() -> &'static [gst::PadTemplate] {
    static PAD_TEMPLATES: std::sync::LazyLock<Vec<gst::PadTemplate>> =
        std::sync::LazyLock::new(|| {
            [("video_%u", "video/x-raw"), ("audio_%u", "audio/x-raw")]
                .into_iter()
                .map(|(name, media)| {
                    gst::PadTemplate::new(
                        name,
                        gst::PadDirection::Src,
                        gst::PadPresence::Sometimes,
                        &gst::Caps::new_empty_simple(media),
                    )
                    .expect("a valid pad template")
                })
                .collect()
        });
    PAD_TEMPLATES.as_ref()
}

/// A bin of sources is a source: the flags its children would give it are its own.
pub(super) fn mark_source(element: &gst::Bin) {
    element.set_suppressed_flags(gst::ElementFlags::SOURCE | gst::ElementFlags::SINK);
    element.set_element_flags(gst::ElementFlags::SOURCE);
}

/// `connect_request_permission` of both elements: a panic in `f` is caught and is a refusal
/// (the element fails with NotAllowedError "permission handler panicked: …"); a panic in a
/// closure connected with plain `connect` cannot unwind through GLib's C marshaller.
pub(super) fn connect_request_permission<T, F>(obj: &T::Type, f: F) -> glib::SignalHandlerId
where
    T: Glue,
    T::Type: IsA<gst::Element> + IsA<gst::Bin> + Send + Sync,
    for<'a> T::Type: glib::value::FromValue<'a>,
    F: Fn(&T::Type, &gst::StructureRef) -> bool + Send + Sync + 'static,
{
    obj.connect("request-permission", false, move |args| {
        let obj = args.first().and_then(|v| v.get::<T::Type>().ok());
        let request = args.get(1).and_then(|v| v.get::<&gst::StructureRef>().ok());
        let (Some(obj), Some(request)) = (obj, request) else {
            return Some(false.to_value());
        };
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&obj, request)));
        let granted = answer.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            gst::error!(
                CAT,
                obj = obj,
                "request-permission handler panicked: {message}"
            );
            T::from_obj(&obj)
                .controller()
                .permission_handler_panicked(message);
            false
        });
        Some(granted.to_value())
    })
}
