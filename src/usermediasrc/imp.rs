// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The `usermediasrc` bin.
//!
//! Selection, permission and building the children all happen in READY→PAUSED; PAUSED→READY
//! removes them again. Locking: `settings` (property values) and `state` (runtime objects) are
//! never held together, and neither is held while posting a message, emitting a signal or
//! changing a child's state, so application callbacks can call back into the element.

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use std::sync::{LazyLock, Mutex};

use super::Permission;
use crate::device::{self, DeviceEntry};
use crate::engine::{self, AudioPath, AudioPlan, MediaError, VideoPlan};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "usermediasrc",
        gst::DebugColorFlags::empty(),
        Some("getUserMedia source bin"),
    )
});

const DEFAULT_CONSTRAINTS: &str = r#"{"video": true}"#;

/// A getUserMedia failure as it reaches the bus (`usermedia-error` details).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserMediaError {
    pub name: &'static str,
    pub message: String,
    pub constraint: Option<String>,
}

impl UserMediaError {
    fn new(name: &'static str, message: impl Into<String>) -> Self {
        UserMediaError {
            name,
            message: message.into(),
            constraint: None,
        }
    }

    fn details(&self) -> gst::Structure {
        let mut b = gst::Structure::builder("usermedia-error")
            .field("name", self.name)
            .field("message", &self.message);
        if let Some(c) = &self.constraint {
            b = b.field("constraint", c);
        }
        b.build()
    }
}

impl From<MediaError> for UserMediaError {
    fn from(e: MediaError) -> Self {
        UserMediaError {
            name: e.name(),
            message: e.message().to_string(),
            constraint: e.constraint().map(str::to_string),
        }
    }
}

#[derive(Debug, Clone)]
struct Settings {
    constraints: String,
    permission: Permission,
    echo_probe: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            constraints: DEFAULT_CONSTRAINTS.into(),
            permission: Permission::Granted,
            echo_probe: None,
        }
    }
}

/// One running track: its children and its ghost pad.
struct Track {
    kind: engine::Kind,
    device_id: String,
    elements: Vec<gst::Element>,
    pad: gst::GhostPad,
}

#[derive(Default)]
struct State {
    tracks: Vec<Track>,
    settings: serde_json::Map<String, serde_json::Value>,
    capabilities: serde_json::Map<String, serde_json::Value>,
    /// True while READY→PAUSED builds the tracks: child errors then mean the device failed to
    /// open or start.
    starting: bool,
}

#[derive(Default)]
pub struct UserMediaSrc {
    settings: Mutex<Settings>,
    state: Mutex<State>,
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
                    .blurb("Whether capture is allowed: granted (no question asked), denied (NotAllowedError, no device opened), or prompt (the request-permission signal decides; no handler means denied).")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("echo-probe")
                    .nick("Echo probe")
                    .blurb("Name of the webrtcechoprobe on the playback path that gives echo cancellation its far-end reference. If unset, the first webrtcechoprobe in the same pipeline is used. Without one, echoCancellation is reported false and an exact true is an OverconstrainedError.")
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![
                // Emitted when permission=prompt, after selection succeeded and before any
                // device is opened. Return TRUE to grant.
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
                self.settings.lock().unwrap().constraints = v;
            }
            "permission" => {
                self.settings.lock().unwrap().permission =
                    value.get().expect("type checked upstream");
            }
            "echo-probe" => {
                self.settings.lock().unwrap().echo_probe =
                    value.get().expect("type checked upstream");
            }
            _ => unimplemented!(),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "constraints" => self.settings.lock().unwrap().constraints.to_value(),
            "permission" => self.settings.lock().unwrap().permission.to_value(),
            "echo-probe" => self.settings.lock().unwrap().echo_probe.to_value(),
            "settings" => serde_json::Value::Object(self.state.lock().unwrap().settings.clone())
                .to_string()
                .to_value(),
            "capabilities" => {
                serde_json::Value::Object(self.state.lock().unwrap().capabilities.clone())
                    .to_string()
                    .to_value()
            }
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
                "Camera and microphone chosen by getUserMedia() constraints. Errors carry a \"usermedia-error\" details structure (name, message, constraint); element messages: usermedia-permission (state), usermedia-capture (kind, deviceId, active), usermedia-devicechange, usermedia-track-ended (kind, deviceId, reason)",
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

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        if transition == gst::StateChange::ReadyToPaused {
            if let Err(e) = self.start() {
                self.post_error(&e, false);
                self.teardown();
                return Err(gst::StateChangeError);
            }
            self.state.lock().unwrap().starting = true;
        }

        let res = self.parent_change_state(transition);

        match transition {
            gst::StateChange::ReadyToPaused => {
                self.state.lock().unwrap().starting = false;
                match res {
                    Ok(_) => self.post_capture_messages(true),
                    Err(_) => self.teardown(),
                }
            }
            gst::StateChange::PausedToReady => self.teardown(),
            _ => (),
        }
        res
    }
}

impl BinImpl for UserMediaSrc {
    fn handle_message(&self, msg: gst::Message) {
        if let gst::MessageView::Error(err) = msg.view()
            && let Some(e) = self.classify_child_error(err)
        {
            gst::debug!(
                CAT,
                imp = self,
                "child error {:?} ({:?}) becomes {}",
                err.error(),
                err.debug(),
                e.name
            );
            self.post_error(&e, false);
            return;
        }
        self.parent_handle_message(msg)
    }
}

impl UserMediaSrc {
    /// getUserMedia: parse, select, ask, then build the tracks (children, ghost pads).
    fn start(&self) -> Result<(), UserMediaError> {
        let settings = self.settings.lock().unwrap().clone();
        let constraints = engine::parse::parse(&settings.constraints)?;

        // No information about devices leaks to a page that was denied (S4.6).
        if settings.permission == Permission::Denied {
            self.post_permission("denied");
            return Err(UserMediaError::new(
                "NotAllowedError",
                "permission to capture was denied (permission=denied)",
            ));
        }

        let entries = device::enumerate();
        let devices: Vec<engine::Device> = entries.iter().map(|e| e.info.clone()).collect();
        let echo_probe = self.echo_probe_name(&settings);
        let audio_env = engine::AudioEnvironment {
            processing_available: gst::ElementFactory::find("webrtcdsp").is_some(),
            echo_reference: echo_probe.is_some(),
        };
        gst::debug!(
            CAT,
            imp = self,
            "selecting among {} devices for {}",
            devices.len(),
            settings.constraints
        );
        let selection = if CAT.threshold() >= gst::DebugLevel::Debug {
            let mut log = |line: &str| gst::debug!(CAT, imp = self, "candidate {line}");
            engine::select_traced(&constraints, &devices, &audio_env, Some(&mut log))
        } else {
            engine::select(&constraints, &devices, &audio_env)
        }?;
        if let Some(v) = &selection.video {
            gst::debug!(CAT, imp = self, "video choice: {v:?}");
        }
        if let Some(a) = &selection.audio {
            gst::debug!(CAT, imp = self, "audio choice: {a:?}");
        }

        if settings.permission == Permission::Prompt && !self.ask_permission(&selection, &entries) {
            return Err(UserMediaError::new(
                "NotAllowedError",
                "permission to capture was not granted",
            ));
        }
        self.post_permission("granted");

        let mut tracks = Vec::new();
        let mut track_settings = serde_json::Map::new();
        let mut track_caps = serde_json::Map::new();
        let result = (|| {
            if let Some(plan) = &selection.video {
                let entry = &entries[plan.device];
                let (track, native) = self.build_video(entry, plan)?;
                track_settings.insert("video".into(), track_json(&plan.settings, entry, &native));
                track_caps.insert("video".into(), to_json(&plan.capabilities));
                tracks.push(track);
            }
            if let Some(plan) = &selection.audio {
                let entry = &entries[plan.device];
                let (track, native) = self.build_audio(entry, plan, echo_probe.as_deref())?;
                track_settings.insert("audio".into(), track_json(&plan.settings, entry, &native));
                track_caps.insert("audio".into(), to_json(&plan.capabilities));
                tracks.push(track);
            }
            Ok::<_, UserMediaError>(())
        })();

        let pads: Vec<gst::GhostPad> = tracks.iter().map(|t| t.pad.clone()).collect();
        {
            let mut state = self.state.lock().unwrap();
            state.tracks = tracks;
            if result.is_ok() {
                state.settings = track_settings;
                state.capabilities = track_caps;
            }
        }
        result?;

        let obj = self.obj();
        for pad in pads {
            obj.add_pad(&pad)
                .map_err(|e| UserMediaError::new("AbortError", format!("cannot add pad: {e}")))?;
        }
        obj.no_more_pads();
        obj.notify("settings");
        obj.notify("capabilities");
        Ok(())
    }

    fn build_video(
        &self,
        entry: &DeviceEntry,
        plan: &VideoPlan,
    ) -> Result<(Track, gst::Caps), UserMediaError> {
        let abort = |what: &str, e: &dyn std::fmt::Display| {
            UserMediaError::new("AbortError", format!("{what}: {e}"))
        };
        let source = device::create_source(entry, "video_source")
            .map_err(|e| abort("cannot create the camera element", &e))?;
        let native = device::caps::fixed_video_caps(
            &entry.structures[plan.mode],
            plan.native_width,
            plan.native_height,
            plan.native_frame_rate,
        );
        gst::info!(
            CAT,
            imp = self,
            "video: {} opened as {native}, delivering {}x{} @ {:?}",
            entry.info.device_id,
            plan.width,
            plan.height,
            plan.max_frame_rate
        );
        let mut chain = vec![source, make("capsfilter", "video_device_caps")?];
        chain[1].set_property("caps", &native);

        let compressed = native
            .structure(0)
            .is_some_and(|s| s.name() != "video/x-raw");
        if compressed {
            chain.push(make_decoder(&native)?);
        }
        if plan.width != plan.native_width || plan.height != plan.native_height {
            if let Some(crop) = plan.crop {
                let c = make("videocrop", "video_crop")?;
                c.set_property("left", crop.left as i32);
                c.set_property("top", crop.top as i32);
                c.set_property(
                    "right",
                    plan.native_width.saturating_sub(crop.left + crop.width) as i32,
                );
                c.set_property(
                    "bottom",
                    plan.native_height.saturating_sub(crop.top + crop.height) as i32,
                );
                chain.push(c);
            }
            chain.push(make("videoscale", "video_scale")?);
            let f = make("capsfilter", "video_size")?;
            f.set_property(
                "caps",
                gst::Caps::builder("video/x-raw")
                    .field("width", plan.width as i32)
                    .field("height", plan.height as i32)
                    .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
                    .build(),
            );
            chain.push(f);
        }
        if let Some(rate) = plan.max_frame_rate {
            let r = make("videorate", "video_rate")?;
            r.set_property("drop-only", true);
            chain.push(r);
            let f = make("capsfilter", "video_framerate")?;
            f.set_property(
                "caps",
                gst::Caps::builder("video/x-raw")
                    .field("framerate", fraction(rate))
                    .build(),
            );
            chain.push(f);
        }
        let pad = self.install_chain(&chain, "video_%u", "video_0")?;
        Ok((
            Track {
                kind: engine::Kind::Video,
                device_id: entry.info.device_id.clone(),
                elements: chain,
                pad,
            },
            native,
        ))
    }

    fn build_audio(
        &self,
        entry: &DeviceEntry,
        plan: &AudioPlan,
        echo_probe: Option<&str>,
    ) -> Result<(Track, gst::Caps), UserMediaError> {
        let source = device::create_source(entry, "audio_source").map_err(|e| {
            UserMediaError::new(
                "AbortError",
                format!("cannot create the microphone element: {e}"),
            )
        })?;
        configure_latency(&source, plan.latency, plan.native_sample_rate);
        let native = device::caps::fixed_audio_caps(
            &entry.structures[plan.mode],
            plan.native_sample_rate,
            plan.native_channel_count,
        );
        gst::info!(
            CAT,
            imp = self,
            "audio: {} opened as {native}, path {:?}",
            entry.info.device_id,
            plan.path
        );
        let mut chain = vec![source, make("capsfilter", "audio_device_caps")?];
        chain[1].set_property("caps", &native);

        let native_s16 = native
            .structure(0)
            .and_then(|s| s.get::<&str>("format").ok())
            == Some("S16LE");
        let convert = plan.path == AudioPath::Dsp
            || plan.sample_rate != plan.native_sample_rate
            || plan.channel_count != plan.native_channel_count
            || (plan.path != AudioPath::Unprocessed && !native_s16);
        if convert {
            chain.push(make("audioconvert", "audio_convert")?);
            chain.push(make("audioresample", "audio_resample")?);
            let f = make("capsfilter", "audio_format")?;
            f.set_property(
                "caps",
                gst::Caps::builder("audio/x-raw")
                    .field("format", "S16LE")
                    .field("layout", "interleaved")
                    .field("rate", plan.sample_rate as i32)
                    .field("channels", plan.channel_count as i32)
                    .build(),
            );
            chain.push(f);
        }
        if plan.path == AudioPath::Dsp {
            let dsp = make("webrtcdsp", "audio_processing")?;
            dsp.set_property("echo-cancel", plan.echo_cancellation);
            dsp.set_property("gain-control", plan.auto_gain_control);
            dsp.set_property("noise-suppression", plan.noise_suppression);
            if let Some(probe) = echo_probe {
                dsp.set_property("probe", probe);
            }
            chain.push(dsp);
        }
        let pad = self.install_chain(&chain, "audio_%u", "audio_0")?;
        Ok((
            Track {
                kind: engine::Kind::Audio,
                device_id: entry.info.device_id.clone(),
                elements: chain,
                pad,
            },
            native,
        ))
    }

    /// Adds and links the chain and returns an (unadded) ghost pad on its last element.
    fn install_chain(
        &self,
        chain: &[gst::Element],
        template: &str,
        name: &str,
    ) -> Result<gst::GhostPad, UserMediaError> {
        let obj = self.obj();
        let fail = |e: &dyn std::fmt::Display| {
            UserMediaError::new("AbortError", format!("cannot build the {name} track: {e}"))
        };
        obj.add_many(chain).map_err(|e| fail(&e))?;
        gst::Element::link_many(chain).map_err(|e| fail(&e))?;
        let last = chain.last().expect("chain has a source");
        let src = last
            .static_pad("src")
            .ok_or_else(|| fail(&"the last element has no src pad"))?;
        let templ = obj
            .pad_template(template)
            .ok_or_else(|| fail(&"missing pad template"))?;
        let pad = gst::GhostPad::builder_from_template_with_target(&templ, &src)
            .map_err(|e| fail(&e))?
            .name(name)
            .build();
        Ok(pad)
    }

    /// Removes every child and pad, and forgets the settings.
    fn teardown(&self) {
        let (tracks, had_settings) = {
            let mut state = self.state.lock().unwrap();
            let had = !state.settings.is_empty();
            state.settings.clear();
            state.capabilities.clear();
            (std::mem::take(&mut state.tracks), had)
        };
        if tracks.is_empty() && !had_settings {
            return;
        }
        let obj = self.obj();
        for track in &tracks {
            for e in &track.elements {
                let _ = e.set_state(gst::State::Null);
            }
            let _ = obj.remove_many(&track.elements);
            if track.pad.parent().is_some() {
                let _ = obj.remove_pad(&track.pad);
            }
            self.post_capture(track.kind, &track.device_id, false);
        }
        obj.notify("settings");
        obj.notify("capabilities");
    }

    fn ask_permission(&self, selection: &engine::Selection, entries: &[DeviceEntry]) -> bool {
        self.post_permission("prompt");
        let mut b = gst::Structure::builder("usermedia-permission-request")
            .field("video", selection.video.is_some())
            .field("audio", selection.audio.is_some());
        if let Some(v) = &selection.video {
            b = b.field("video-label", &entries[v.device].info.label);
        }
        if let Some(a) = &selection.audio {
            b = b.field("audio-label", &entries[a.device].info.label);
        }
        let granted = self
            .obj()
            .emit_by_name::<bool>("request-permission", &[&b.build()]);
        if !granted {
            self.post_permission("denied");
        }
        gst::info!(CAT, imp = self, "permission prompt answered {granted}");
        granted
    }

    /// The webrtcechoprobe giving echo cancellation its reference: the `echo-probe` property,
    /// else the first probe in this pipeline.
    fn echo_probe_name(&self, settings: &Settings) -> Option<String> {
        if let Some(name) = &settings.echo_probe {
            return Some(name.clone());
        }
        let mut top: gst::Object = self.obj().clone().upcast();
        while let Some(parent) = top.parent() {
            top = parent;
        }
        let bin = top.downcast::<gst::Bin>().ok()?;
        bin.iterate_recurse()
            .into_iter()
            .flatten()
            .find(|e| e.factory().is_some_and(|f| f.name() == "webrtcechoprobe"))
            .map(|e| e.name().to_string())
    }

    /// Maps a child's error to a getUserMedia error (NotReadable for a busy device,
    /// NotAllowed for an OS refusal, Abort otherwise).
    fn classify_child_error(&self, err: &gst::message::Error) -> Option<UserMediaError> {
        let src = err.src()?;
        if src == self.obj().upcast_ref::<gst::Object>() {
            return None;
        }
        let e = err.error();
        let debug = err.debug().map(|d| d.to_string()).unwrap_or_default();
        let text = format!(
            "{}{}",
            e.message(),
            if debug.is_empty() {
                String::new()
            } else {
                format!(" ({debug})")
            }
        );
        let denied = e.matches(gst::ResourceError::NotAuthorized)
            || ((e.matches(gst::ResourceError::OpenRead)
                || e.matches(gst::ResourceError::OpenReadWrite))
                && (debug.contains("Permission denied") || debug.contains("EACCES")));
        let name = if denied {
            "NotAllowedError"
        } else if e.matches(gst::ResourceError::Busy) {
            "NotReadableError"
        } else {
            "AbortError"
        };
        Some(UserMediaError::new(name, format!("{}: {text}", src.name())))
    }

    fn post_error(&self, e: &UserMediaError, warning: bool) {
        gst::warning!(CAT, imp = self, "{}: {}", e.name, e.message);
        let text = format!("{}: {}", e.name, e.message);
        let details = e.details();
        let obj = self.obj();
        macro_rules! post {
            ($code:expr) => {{
                let msg = if warning {
                    gst::message::Warning::builder($code, &text)
                        .src(&*obj)
                        .details(details)
                        .build()
                } else {
                    gst::message::Error::builder($code, &text)
                        .src(&*obj)
                        .details(details)
                        .build()
                };
                let _ = obj.post_message(msg);
            }};
        }
        match e.name {
            "TypeError" => post!(gst::LibraryError::Settings),
            "NotFoundError" => post!(gst::ResourceError::NotFound),
            "OverconstrainedError" => post!(gst::ResourceError::Settings),
            "NotAllowedError" => post!(gst::ResourceError::NotAuthorized),
            "NotReadableError" => post!(gst::ResourceError::Busy),
            _ => post!(gst::ResourceError::Failed),
        }
    }

    fn post_element_message(&self, s: gst::Structure) {
        let obj = self.obj();
        let _ = obj.post_message(gst::message::Element::builder(s).src(&*obj).build());
    }

    fn post_permission(&self, state: &str) {
        self.post_element_message(
            gst::Structure::builder("usermedia-permission")
                .field("state", state)
                .build(),
        );
    }

    fn post_capture(&self, kind: engine::Kind, device_id: &str, active: bool) {
        self.post_element_message(
            gst::Structure::builder("usermedia-capture")
                .field("kind", kind.device_kind())
                .field("deviceId", device_id)
                .field("active", active)
                .build(),
        );
    }

    fn post_capture_messages(&self, active: bool) {
        let tracks: Vec<(engine::Kind, String)> = self
            .state
            .lock()
            .unwrap()
            .tracks
            .iter()
            .map(|t| (t.kind, t.device_id.clone()))
            .collect();
        for (kind, id) in tracks {
            self.post_capture(kind, &id, active);
        }
    }
}

fn make(factory: &str, name: &str) -> Result<gst::Element, UserMediaError> {
    gst::ElementFactory::make(factory)
        .name(name)
        .build()
        .map_err(|_| {
            UserMediaError::new(
                "AbortError",
                format!("the GStreamer element '{factory}' is missing; install its plugin"),
            )
        })
}

/// The best-ranked decoder that accepts `caps` (e.g. jpegdec for image/jpeg).
fn make_decoder(caps: &gst::Caps) -> Result<gst::Element, UserMediaError> {
    let factories = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER,
        gst::Rank::MARGINAL,
    );
    let factory = factories
        .iter()
        .filter(|f| f.can_sink_all_caps(caps))
        .max_by_key(|f| f.rank())
        .ok_or_else(|| {
            UserMediaError::new("AbortError", format!("no decoder for {caps} is installed"))
        })?;
    factory
        .create()
        .name("video_decoder")
        .build()
        .map_err(|e| UserMediaError::new("AbortError", format!("cannot create decoder: {e}")))
}

/// Sets the capture buffer size for the target latency on sources that have one.
fn configure_latency(source: &gst::Element, latency: f64, rate: u32) {
    if latency <= 0.0 {
        return;
    }
    if source.has_property("latency-time") {
        let us = (latency * 1e6).round() as i64;
        source.set_property("latency-time", us);
        if source.has_property("buffer-time") {
            let buffer: i64 = source.property("buffer-time");
            if buffer < us * 2 {
                source.set_property("buffer-time", us * 2);
            }
        }
    } else if source.has_property("samplesperbuffer") {
        let samples = ((latency * rate as f64).round() as i32).max(1);
        source.set_property("samplesperbuffer", samples);
    }
}

/// The exact fraction for a frame rate (e.g. 29.97… → 30000/1001).
fn fraction(rate: f64) -> gst::Fraction {
    gst::Fraction::approximate_f64(rate)
        .unwrap_or_else(|| gst::Fraction::new(rate.round() as i32, 1))
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// MediaTrackSettings plus the track's label and the native caps the device is opened with.
fn track_json<T: serde::Serialize>(
    settings: &T,
    entry: &DeviceEntry,
    native: &gst::Caps,
) -> serde_json::Value {
    let mut v = to_json(settings);
    if let Some(o) = v.as_object_mut() {
        o.insert("label".into(), entry.info.label.clone().into());
        o.insert("deviceCaps".into(), native.to_string().into());
    }
    v
}
