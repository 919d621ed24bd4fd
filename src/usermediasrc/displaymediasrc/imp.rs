// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The `displaymediasrc` bin: GObject glue only, on the shared controller (see
//! [`super::super::glue`]).

use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

use super::super::context::{DEFAULT_CONSTRAINTS, DEFAULT_PERMISSION_TIMEOUT_MS, Options};
use super::super::controller::Controller;
use super::super::debug::CAT;
use super::super::glue::{self, Glue};
use super::super::oplock::lock;
use super::super::permission::Permission;
use super::super::request::Flavor;

pub struct DisplayMediaSrc {
    /// Property values, `restore-token` among them.
    options: Mutex<Options>,
    controller: Controller,
}

impl Default for DisplayMediaSrc {
    fn default() -> Self {
        DisplayMediaSrc {
            options: Mutex::new(Options::default()),
            controller: Controller::new(DEFAULT_CONSTRAINTS, Flavor::Display),
        }
    }
}

#[glib::object_subclass]
impl ObjectSubclass for DisplayMediaSrc {
    const NAME: &'static str = "GstDisplayMediaSrc";
    type Type = super::DisplayMediaSrc;
    type ParentType = gst::Bin;
}

impl ObjectImpl for DisplayMediaSrc {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("constraints")
                    .nick("Constraints")
                    .blurb("DisplayMediaStreamOptions as JSON or as a JavaScript object literal, e.g. {video: {displaySurface: 'window', width: {max: 1280}, frameRate: {max: 15}}}. Only max and ideal are allowed (min, exact and advanced are a TypeError); displaySurface orders the surfaces offered and never rejects. The first surface offered is captured, downscaled keeping its aspect ratio and decimated as needed, never cropped or upscaled. Setting it while PAUSED or PLAYING applies the new constraints to the same surface.")
                    .default_value(Some(DEFAULT_CONSTRAINTS))
                    .mutable_playing()
                    .build(),
                glib::ParamSpecString::builder("settings")
                    .nick("Settings")
                    .blurb("JSON {\"video\": MediaTrackSettings} of the display track: deviceId, width, height, aspectRatio, frameRate, resizeMode, displaySurface, logicalSurface, cursor, plus label and deviceCaps (the caps the surface is captured with). {} before selection.")
                    .default_value(Some("{}"))
                    .read_only()
                    .build(),
                glib::ParamSpecString::builder("capabilities")
                    .nick("Capabilities")
                    .blurb("JSON {\"video\": MediaTrackCapabilities} of the captured surface. {} before selection.")
                    .default_value(Some("{}"))
                    .read_only()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("permission", Permission::Granted)
                    .nick("Permission")
                    .blurb("Whether capture is allowed: granted, denied (NotAllowedError, nothing captured), or prompt: the request-permission signal decides (no handler means denied); with the desktop portal, its dialog is the prompt and the signal is not emitted. Its argument is a usermedia-permission-request structure: video (TRUE), audio, video-label (the surface's label) and displaySurface (monitor, window or browser); return TRUE to grant.")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("permission-timeout")
                    .nick("Permission timeout")
                    .blurb("Milliseconds to wait for the answer of request-permission, or for the user to answer the desktop portal's dialog, before failing with NotAllowedError. 0: wait forever.")
                    .default_value(DEFAULT_PERMISSION_TIMEOUT_MS)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("restore-token")
                    .nick("Restore token")
                    .blurb("Desktop portal restore token. After the user picks a surface in the portal's dialog, the portal's token for that choice appears here (notify::restore-token); set it before the next start to capture the same surface without a dialog (unattended capture). The portal may hand out a new token with each grant: keep the latest. Ignored by the X11 and fake backends.")
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![
                glib::subclass::Signal::builder("request-permission")
                    .param_types([gst::Structure::static_type()])
                    .return_type::<bool>()
                    .build(),
            ]
        });
        SIGNALS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        match pspec.name() {
            "constraints" => {
                let v: Option<String> = value.get().expect("type checked upstream");
                let v = v.unwrap_or_else(|| DEFAULT_CONSTRAINTS.into());
                gst::info!(CAT, imp = self, "constraints set to {v}");
                let outcome = self.controller.set_constraints(&glue::ctx(self), v);
                glue::deliver(self, outcome);
            }
            "permission" => {
                lock(&self.options).permission = value.get().expect("type checked upstream");
            }
            "permission-timeout" => {
                lock(&self.options).permission_timeout_ms =
                    value.get().expect("type checked upstream");
            }
            "restore-token" => {
                lock(&self.options).restore_token = value.get().expect("type checked upstream");
            }
            _ => unimplemented!(),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "constraints" => self.controller.constraints().to_value(),
            "permission" => lock(&self.options).permission.to_value(),
            "permission-timeout" => lock(&self.options).permission_timeout_ms.to_value(),
            "restore-token" => lock(&self.options).restore_token.to_value(),
            "settings" => self.controller.settings_json(false).to_value(),
            "capabilities" => self.controller.settings_json(true).to_value(),
            _ => unimplemented!(),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        glue::mark_source(self.obj().upcast_ref());
    }

    fn dispose(&self) {
        self.controller.dispose();
    }
}

impl GstObjectImpl for DisplayMediaSrc {}

impl ElementImpl for DisplayMediaSrc {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static ELEMENT_METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Display media source",
                "Source/Video/Audio",
                "Screen capture chosen by getDisplayMedia() options: a monitor or window (picked in the desktop portal's dialog, else offered by X11; fake displays in tests), downscaled and decimated within max/ideal, never cropped or upscaled. Same bus messages as usermediasrc: errors carry a \"usermedia-error\" details structure (name, message, constraint); usermedia-permission, usermedia-capture, usermedia-track-ended (the surface went away: then EOS). With permission=prompt and no portal, request-permission gets a \"usermedia-permission-request\" structure (video, audio, video-label, displaySurface) and returns TRUE to grant",
                "The usermediasrc authors",
            )
        });
        Some(&*ELEMENT_METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        glue::pad_templates()
    }

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        glue::change_state(self, transition)
    }
}

impl BinImpl for DisplayMediaSrc {
    fn handle_message(&self, msg: gst::Message) {
        glue::handle_message(self, msg)
    }
}

impl Glue for DisplayMediaSrc {
    fn controller(&self) -> &Controller {
        &self.controller
    }

    fn options(&self) -> Options {
        lock(&self.options).clone()
    }

    fn granted_restore_token(&self, token: String) {
        lock(&self.options).restore_token = Some(token);
        self.obj().notify("restore-token");
    }
}
