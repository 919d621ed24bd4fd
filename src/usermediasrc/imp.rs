// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The `usermediasrc` bin: GObject glue only. Properties, the `request-permission` signal, pad
//! templates and state changes are handed to the [`Controller`], and what it returns (an
//! [`Outcome`]) is posted here. See `docs/architecture.md` for the rooms of the element.

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use std::sync::{LazyLock, Mutex};

use super::context::{Ctx, DEFAULT_CONSTRAINTS, DEFAULT_PERMISSION_TIMEOUT_MS, Options};
use super::controller::Controller;
use super::debug::CAT;
use super::glue::{self, Glue};
use super::oplock::lock;
use super::outcome::Outcome;
use super::permission::Permission;
use super::request::Flavor;
use crate::engine::Kind;

pub struct UserMediaSrc {
    /// Property values other than `constraints` (which the controller keeps).
    options: Mutex<Options>,
    controller: Controller,
}

impl Default for UserMediaSrc {
    fn default() -> Self {
        UserMediaSrc {
            options: Mutex::new(Options::default()),
            controller: Controller::new(DEFAULT_CONSTRAINTS, Flavor::User),
        }
    }
}

#[glib::object_subclass]
impl ObjectSubclass for UserMediaSrc {
    const NAME: &'static str = "GstUserMediaSrc";
    type Type = super::UserMediaSrc;
    type ParentType = gst::Bin;
}

impl ObjectImpl for UserMediaSrc {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("constraints")
                    .nick("Constraints")
                    .blurb("MediaStreamConstraints as JSON or as a JavaScript object literal, e.g. {video: {width: {min: 1280}, frameRate: 30}, audio: true}. Set before the element runs, it starts looking for the devices it asks for in the background. Setting it while PAUSED or PLAYING applies the new constraints to the running tracks (applyConstraints): the caps change without stopping, the device is reopened only when its native mode changes, and a changed deviceId, groupId or facingMode constraint may switch to another device on the same pad. On failure a warning with usermedia-error details is posted and the old constraints and settings stay.")
                    .default_value(Some(DEFAULT_CONSTRAINTS))
                    .mutable_playing()
                    .build(),
                glib::ParamSpecString::builder("settings")
                    .nick("Settings")
                    .blurb("JSON {\"video\": MediaTrackSettings, \"audio\": MediaTrackSettings} of the tracks in use, with each track's label and deviceCaps (the caps the device itself is opened with). {} before selection.")
                    .default_value(Some("{}"))
                    .read_only()
                    .build(),
                glib::ParamSpecString::builder("capabilities")
                    .nick("Capabilities")
                    .blurb("JSON {\"video\": MediaTrackCapabilities, \"audio\": MediaTrackCapabilities} of the selected devices. {} before selection.")
                    .default_value(Some("{}"))
                    .read_only()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("permission", Permission::Granted)
                    .nick("Permission")
                    .blurb("Whether capture is allowed: granted (no question asked), denied (NotAllowedError, no device opened), or prompt: the request-permission signal decides (no handler means denied). Its argument is a usermedia-permission-request structure: video, audio (booleans: the kinds asked for) and video-label, audio-label (the labels of the devices that would be opened); return TRUE to grant.")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("permission-timeout")
                    .nick("Permission timeout")
                    .blurb("Milliseconds to wait for the answer of request-permission (permission=prompt) before failing with NotAllowedError \"permission request timed out\". The signal is then emitted from a helper thread; a handler still running when the time is up keeps that thread (and a reference to the element) until it returns, and its answer is ignored. 0: wait forever, emitting from the thread changing the state.")
                    .default_value(DEFAULT_PERMISSION_TIMEOUT_MS)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("echo-probe")
                    .nick("Echo probe")
                    .blurb("Name of the webrtcechoprobe on the playback path that gives echo cancellation its far-end reference. If unset, the first webrtcechoprobe in the same pipeline is used. Without one, echoCancellation is reported false and an exact true is an OverconstrainedError.")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecBoolean::builder("video-enabled")
                    .nick("Video enabled")
                    .blurb("MediaStreamTrack.enabled of the video track: while false, black frames with the same caps and timestamps replace the camera's, and usermedia-capture reports active=false.")
                    .default_value(true)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("audio-enabled")
                    .nick("Audio enabled")
                    .blurb("MediaStreamTrack.enabled of the audio track: while false, silence with the same caps and timestamps replaces the microphone's, and usermedia-capture reports active=false.")
                    .default_value(true)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("failover")
                    .nick("Failover")
                    .blurb("When the device of a track is unplugged, select again among the remaining devices with the current constraints and continue on the same pad (usermedia-failover message) instead of ending the track (usermedia-track-ended, then EOS, as browsers do).")
                    .default_value(false)
                    .mutable_playing()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![
                // Emitted when permission=prompt, after selection succeeded and before any
                // device is opened, with a usermedia-permission-request structure. Return TRUE
                // to grant.
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
                let outcome = self.controller.set_constraints(&self.ctx(), v);
                self.deliver(outcome);
            }
            "permission" => {
                lock(&self.options).permission = value.get().expect("type checked upstream");
            }
            "echo-probe" => {
                lock(&self.options).echo_probe = value.get().expect("type checked upstream");
            }
            "video-enabled" | "audio-enabled" => {
                let enabled: bool = value.get().expect("type checked upstream");
                let kind = if pspec.name() == "video-enabled" {
                    lock(&self.options).video_enabled = enabled;
                    Kind::Video
                } else {
                    lock(&self.options).audio_enabled = enabled;
                    Kind::Audio
                };
                let outcome = self.controller.set_enabled(&self.ctx(), kind, enabled);
                self.deliver(outcome);
            }
            "failover" => {
                lock(&self.options).failover = value.get().expect("type checked upstream");
            }
            "permission-timeout" => {
                lock(&self.options).permission_timeout_ms =
                    value.get().expect("type checked upstream");
            }
            _ => unimplemented!(),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let options = || lock(&self.options).clone();
        match pspec.name() {
            "constraints" => self.controller.constraints().to_value(),
            "permission" => options().permission.to_value(),
            "echo-probe" => options().echo_probe.to_value(),
            "video-enabled" => options().video_enabled.to_value(),
            "audio-enabled" => options().audio_enabled.to_value(),
            "failover" => options().failover.to_value(),
            "permission-timeout" => options().permission_timeout_ms.to_value(),
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
        // Normally gone at PAUSED→READY; an element dropped while running still stops hearing
        // about devices.
        self.controller.dispose();
    }
}

impl GstObjectImpl for UserMediaSrc {}

impl ElementImpl for UserMediaSrc {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static ELEMENT_METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "User media source",
                "Source/Audio/Video",
                "Camera and microphone chosen by getUserMedia() constraints. Errors (and warnings of a failed applyConstraints) carry a \"usermedia-error\" details structure (name, message, constraint); unknown constraint keys are WARNINGs with \"usermedia-warning\" details (key, suggestion); element messages: usermedia-permission (state), usermedia-capture (kind, deviceId, active), usermedia-devicechange (change, kind, deviceId, label, groupId), usermedia-track-ended (kind, deviceId, reason), usermedia-failover (kind, from, to). With permission=prompt, request-permission gets a \"usermedia-permission-request\" structure (video, audio, video-label, audio-label) and returns TRUE to grant",
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

impl BinImpl for UserMediaSrc {
    fn handle_message(&self, msg: gst::Message) {
        glue::handle_message(self, msg)
    }
}

impl Glue for UserMediaSrc {
    fn controller(&self) -> &Controller {
        &self.controller
    }

    fn options(&self) -> Options {
        lock(&self.options).clone()
    }
}

impl UserMediaSrc {
    fn ctx(&self) -> Ctx {
        glue::ctx(self)
    }

    fn deliver(&self, outcome: Outcome) {
        glue::deliver(self, outcome)
    }
}
