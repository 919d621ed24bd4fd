// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use std::sync::{LazyLock, Mutex};

use super::Permission;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "usermediasrc",
        gst::DebugColorFlags::empty(),
        Some("getUserMedia source bin"),
    )
});

const DEFAULT_CONSTRAINTS: &str = r#"{"video": true}"#;

#[derive(Debug, Clone)]
struct Settings {
    constraints: String,
    permission: Permission,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            constraints: DEFAULT_CONSTRAINTS.into(),
            permission: Permission::Granted,
        }
    }
}

#[derive(Default)]
pub struct UserMediaSrc {
    settings: Mutex<Settings>,
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
                    .blurb("MediaStreamConstraints as JSON or as a JavaScript object literal, e.g. {video: {width: {min: 1280}, frameRate: 30}, audio: true}. Setting it while PAUSED or PLAYING applies the new constraints to the running tracks (applyConstraints).")
                    .default_value(Some(DEFAULT_CONSTRAINTS))
                    .mutable_playing()
                    .build(),
                glib::ParamSpecString::builder("settings")
                    .nick("Settings")
                    .blurb("JSON {\"video\": MediaTrackSettings, \"audio\": MediaTrackSettings} of the tracks in use, with each track's label and deviceCaps (the caps the device itself is opened with). {} before selection.")
                    .read_only()
                    .build(),
                glib::ParamSpecString::builder("capabilities")
                    .nick("Capabilities")
                    .blurb("JSON {\"video\": MediaTrackCapabilities, \"audio\": MediaTrackCapabilities} of the selected devices.")
                    .read_only()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("permission", Permission::Granted)
                    .nick("Permission")
                    .blurb("Whether capture is allowed: granted (no question asked), denied (NotAllowedError, no device opened), or prompt (the request-permission signal decides).")
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
        let mut settings = self.settings.lock().unwrap();
        match pspec.name() {
            "constraints" => {
                let v: Option<String> = value.get().expect("type checked upstream");
                settings.constraints = v.unwrap_or_else(|| DEFAULT_CONSTRAINTS.into());
                gst::info!(CAT, imp = self, "constraints set to {}", settings.constraints);
            }
            "permission" => {
                settings.permission = value.get().expect("type checked upstream");
            }
            _ => unimplemented!(),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = self.settings.lock().unwrap();
        match pspec.name() {
            "constraints" => settings.constraints.to_value(),
            "settings" => "{}".to_value(),
            "capabilities" => "{}".to_value(),
            "permission" => settings.permission.to_value(),
            _ => unimplemented!(),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        let obj = self.obj();
        obj.set_suppressed_flags(gst::ElementFlags::SOURCE | gst::ElementFlags::SINK);
        obj.set_element_flags(gst::ElementFlags::SOURCE);
    }
}

impl GstObjectImpl for UserMediaSrc {}

impl ElementImpl for UserMediaSrc {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static ELEMENT_METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "User media source",
                "Source/Audio/Video",
                "Camera and microphone chosen by getUserMedia() constraints",
                "The usermediasrc authors",
            )
        });
        Some(&*ELEMENT_METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static PAD_TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            vec![
                gst::PadTemplate::new(
                    "video_%u",
                    gst::PadDirection::Src,
                    gst::PadPresence::Sometimes,
                    &gst::Caps::new_empty_simple("video/x-raw"),
                )
                .unwrap(),
                gst::PadTemplate::new(
                    "audio_%u",
                    gst::PadDirection::Src,
                    gst::PadPresence::Sometimes,
                    &gst::Caps::new_empty_simple("audio/x-raw"),
                )
                .unwrap(),
            ]
        });
        PAD_TEMPLATES.as_ref()
    }
}

impl BinImpl for UserMediaSrc {}
