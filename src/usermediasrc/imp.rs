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
//! removes them again. While PAUSED or PLAYING the tracks are *live* (see [`super::live`]):
//! `constraints` re-runs selection (applyConstraints), device hot-plug becomes
//! `usermedia-devicechange`, unplugging a device in use ends its track (or fails over), and
//! `video-enabled` / `audio-enabled` mute a track (see [`super::mute`]).
//!
//! # Threads
//!
//! - The application thread changing the state runs getUserMedia (READY→PAUSED) and teardown.
//! - The application thread setting `constraints` runs applyConstraints to the end: selection
//!   (pure, microseconds), then the change of the children, then the bus warning on failure.
//! - One worker thread per started session (`usermediasrc-live`) receives device changes from
//!   the shared monitor (whose own worker must not be blocked) and runtime errors of the
//!   children; it posts `usermedia-devicechange`, and ends or fails over tracks whose device
//!   went away. It holds only a weak reference to the element and ends with the session.
//! - Streaming threads only run the pad probes (mute, EOS gate) and, for a tail rebuild, the
//!   relinking inside an IDLE probe.
//! - With `permission=prompt` and a `permission-timeout`, `request-permission` is emitted on a
//!   helper thread (`usermedia-permission`) while the state-changing thread waits for the answer
//!   at most that long; a handler that never returns keeps its thread and a reference to the
//!   element, and its late answer is ignored.
//!
//! # Locking
//!
//! Order: `ops` → `settings` | `state` (the two mutexes are never held together).
//!
//! - `ops` ([`super::oplock::OpLock`]) serialises structural changes: start, teardown,
//!   applyConstraints, unplug/failover. It is held while children change state, but bus
//!   messages of the element itself (warnings, track-ended, failover, capture) and
//!   `notify::settings` are posted after it is released. A thread that already holds it (a
//!   callback from inside an operation, e.g. a sync bus handler setting `constraints` from a
//!   child's state-change message) is told so instead of deadlocking: its constraints are
//!   queued for the worker.
//! - `settings` (property values) and `state` (runtime objects) are short critical sections:
//!   never held while posting a message, emitting a signal, changing a child's state or
//!   calling into the device monitor.
//! - `handle_message` (any thread) takes only `state`.
//! - The permission helper thread is a *delegate* of the `ops` holder while it waits for its
//!   answer (`OpLock::delegate`): a handler setting `constraints` is a callback from inside
//!   getUserMedia (queued), not a wait for getUserMedia to end (which waits for the handler).
//! - `permission_panic` is a leaf: held only to set or take its value.

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use super::Permission;
use super::chain::{self, Chain, TrackConfig};
use super::live::{self, Event, Session};
use super::mute::Mute;
use super::oplock::OpLock;
use crate::device::{self, DeviceEntry};
use crate::engine::{self, Kind, MediaError};

pub(super) static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "usermediasrc",
        gst::DebugColorFlags::empty(),
        Some("getUserMedia source bin"),
    )
});

const DEFAULT_CONSTRAINTS: &str = r#"{"video": true}"#;
const DEFAULT_PERMISSION_TIMEOUT_MS: u32 = 60_000;

/// A getUserMedia failure as it reaches the bus (`usermedia-error` details).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserMediaError {
    pub name: &'static str,
    pub message: String,
    pub constraint: Option<String>,
}

impl UserMediaError {
    pub(super) fn new(name: &'static str, message: impl Into<String>) -> Self {
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
pub(super) struct Settings {
    pub constraints: String,
    pub permission: Permission,
    pub permission_timeout_ms: u32,
    pub echo_probe: Option<String>,
    pub video_enabled: bool,
    pub audio_enabled: bool,
    pub failover: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            constraints: DEFAULT_CONSTRAINTS.into(),
            permission: Permission::Granted,
            permission_timeout_ms: DEFAULT_PERMISSION_TIMEOUT_MS,
            echo_probe: None,
            video_enabled: true,
            audio_enabled: true,
            failover: false,
        }
    }
}

/// What the pad probes of a track share with the element.
pub(super) struct TrackShared {
    pub mute: Mute,
    /// Drop EOS coming from the children (a dying source) until the element decides what
    /// happened; the element's own EOS is pushed on the ghost pad and bypasses this gate.
    pub hold_eos: AtomicBool,
    /// A runtime error of this track is being looked into: further ones are dropped.
    pub error_pending: AtomicBool,
}

/// One track: its configuration, children and ghost pad (kept for the whole session, across
/// device swaps).
pub(super) struct Track {
    pub kind: Kind,
    pub config: TrackConfig,
    pub chain: Chain,
    pub pad: gst::GhostPad,
    pub shared: Arc<TrackShared>,
    /// The device went away (or could not be reopened): no children, EOS was sent.
    pub ended: bool,
}

#[derive(Default)]
pub(super) struct State {
    pub tracks: Vec<Track>,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub capabilities: serde_json::Map<String, serde_json::Value>,
    /// True while READY→PAUSED builds the tracks: child errors then mean the device failed to
    /// open or start.
    pub starting: bool,
    /// While starting: the first device found busy (deviceId, its NotReadableError), to be
    /// dropped from the candidates before trying again.
    pub busy: Option<(String, UserMediaError)>,
    /// The constraints the running tracks were selected with.
    pub applied: Option<engine::MediaStreamConstraints>,
    /// Elements being brought up by a swap: their errors are the swap's failure, not the
    /// pipeline's.
    pub probation: Vec<gst::Element>,
    pub probation_error: Option<UserMediaError>,
    /// Present from permission granted (tracks built) to teardown.
    pub session: Option<Session>,
    /// Constraints set while PAUSED whose change needs PLAYING (see `live`).
    pub deferred: Option<String>,
}

impl State {
    pub fn track(&self, kind: Kind) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == kind && !t.ended)
    }

    pub fn track_mut(&mut self, kind: Kind) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.kind == kind && !t.ended)
    }
}

#[derive(Default)]
pub struct UserMediaSrc {
    pub(super) settings: Mutex<Settings>,
    pub(super) state: Mutex<State>,
    pub(super) ops: OpLock,
    /// Set by the handler wrapper of `connect_request_permission` when the handler panicked.
    permission_panic: Mutex<Option<String>>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
                    .blurb("MediaStreamConstraints as JSON or as a JavaScript object literal, e.g. {video: {width: {min: 1280}, frameRate: 30}, audio: true}. Setting it while PAUSED or PLAYING applies the new constraints to the running tracks (applyConstraints): the caps change without stopping, the device is reopened only when its native mode changes, and a changed deviceId/groupId constraint may switch to another device on the same pad. On failure a warning with usermedia-error details is posted and the old constraints and settings stay.")
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
                self.set_constraints(v);
            }
            "permission" => {
                lock(&self.settings).permission = value.get().expect("type checked upstream");
            }
            "echo-probe" => {
                lock(&self.settings).echo_probe = value.get().expect("type checked upstream");
            }
            "video-enabled" | "audio-enabled" => {
                let kind = if pspec.name() == "video-enabled" {
                    Kind::Video
                } else {
                    Kind::Audio
                };
                let enabled: bool = value.get().expect("type checked upstream");
                {
                    let mut settings = lock(&self.settings);
                    match kind {
                        Kind::Video => settings.video_enabled = enabled,
                        Kind::Audio => settings.audio_enabled = enabled,
                    }
                }
                self.set_enabled(kind, enabled);
            }
            "failover" => {
                lock(&self.settings).failover = value.get().expect("type checked upstream");
            }
            "permission-timeout" => {
                lock(&self.settings).permission_timeout_ms =
                    value.get().expect("type checked upstream");
            }
            _ => unimplemented!(),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "constraints" => lock(&self.settings).constraints.to_value(),
            "permission" => lock(&self.settings).permission.to_value(),
            "echo-probe" => lock(&self.settings).echo_probe.to_value(),
            "video-enabled" => lock(&self.settings).video_enabled.to_value(),
            "audio-enabled" => lock(&self.settings).audio_enabled.to_value(),
            "failover" => lock(&self.settings).failover.to_value(),
            "permission-timeout" => lock(&self.settings).permission_timeout_ms.to_value(),
            "settings" => serde_json::Value::Object(lock(&self.state).settings.clone())
                .to_string()
                .to_value(),
            "capabilities" => serde_json::Value::Object(lock(&self.state).capabilities.clone())
                .to_string()
                .to_value(),
            _ => unimplemented!(),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        let obj = self.obj();
        obj.set_suppressed_flags(gst::ElementFlags::SOURCE | gst::ElementFlags::SINK);
        obj.set_element_flags(gst::ElementFlags::SOURCE);
    }

    fn dispose(&self) {
        // Normally gone at PAUSED→READY; an element dropped while running still stops hearing
        // about devices.
        // (`state` is released before calling into the device monitor.)
        let session = lock(&self.state).session.take();
        if let Some(session) = session {
            device::unsubscribe(session.subscription);
        }
    }
}

impl GstObjectImpl for UserMediaSrc {}

impl ElementImpl for UserMediaSrc {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static ELEMENT_METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "User media source",
                "Source/Audio/Video",
                "Camera and microphone chosen by getUserMedia() constraints. Errors (and warnings of a failed applyConstraints) carry a \"usermedia-error\" details structure (name, message, constraint); element messages: usermedia-permission (state), usermedia-capture (kind, deviceId, active), usermedia-devicechange (change, kind, deviceId, label, groupId), usermedia-track-ended (kind, deviceId, reason), usermedia-failover (kind, from, to)",
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
        match transition {
            gst::StateChange::ReadyToPaused => {
                let guard = self.ops.acquire(None);
                // S4.8: a device that turns out to be busy is dropped from the candidates and
                // getUserMedia goes on with the others; with none left, the answer is the busy
                // device's NotReadableError.
                let mut excluded: Vec<String> = Vec::new();
                let mut busy_error: Option<UserMediaError> = None;
                let res = loop {
                    if let Err(e) = self.start(&excluded) {
                        let e = match busy_error {
                            Some(busy)
                                if matches!(e.name, "NotFoundError" | "OverconstrainedError") =>
                            {
                                busy
                            }
                            _ => e,
                        };
                        self.post_error(&e, false);
                        let inactive = self.teardown();
                        drop(guard);
                        self.post_inactive(inactive);
                        return Err(gst::StateChangeError);
                    }
                    lock(&self.state).starting = true;
                    let res = self.parent_change_state(transition);
                    let busy = {
                        let mut state = lock(&self.state);
                        state.starting = false;
                        state.busy.take()
                    };
                    match (res, busy) {
                        (Err(_), Some((device_id, e))) => {
                            gst::info!(
                                CAT,
                                imp = self,
                                "{device_id} is busy: trying the other candidates"
                            );
                            // These tracks never went active: no indicator to turn off.
                            let _ = self.teardown();
                            excluded.push(device_id);
                            busy_error = Some(e);
                        }
                        (res, busy) => {
                            if let Some((_, e)) = busy {
                                self.post_error(&e, false);
                            }
                            break res;
                        }
                    }
                };
                let inactive = if res.is_err() {
                    Some(self.teardown())
                } else {
                    None
                };
                drop(guard);
                match inactive {
                    Some(inactive) => self.post_inactive(inactive),
                    None => self.post_capture_messages(),
                }
                res
            }
            gst::StateChange::PausedToPlaying => {
                let res = self.parent_change_state(transition);
                let deferred = {
                    let mut state = lock(&self.state);
                    let text = state.deferred.take();
                    text.zip(state.session.as_ref().map(|s| s.tx.clone()))
                };
                if let (Ok(_), Some((text, tx))) = (&res, deferred) {
                    let _ = tx.send(Event::Apply(text));
                }
                res
            }
            gst::StateChange::PausedToReady => {
                let guard = self.ops.acquire(None);
                let res = self.parent_change_state(transition);
                let inactive = self.teardown();
                drop(guard);
                self.post_inactive(inactive);
                res
            }
            _ => self.parent_change_state(transition),
        }
    }
}

/// What a child error means for the element.
enum Route {
    /// Post it as the element's error.
    Post(UserMediaError),
    /// Dropped here (a swap's failure, an ended track, or a runtime error being looked into).
    Swallow,
    /// Not a child's: let the bin handle it.
    Parent,
}

impl BinImpl for UserMediaSrc {
    fn handle_message(&self, msg: gst::Message) {
        if let gst::MessageView::Error(err) = msg.view() {
            match self.route_child_error(err) {
                Route::Post(e) => {
                    self.post_error(&e, false);
                    return;
                }
                Route::Swallow => return,
                Route::Parent => (),
            }
        }
        self.parent_handle_message(msg)
    }
}

impl UserMediaSrc {
    /// getUserMedia: parse, select, ask, then build the tracks (children, ghost pads) and start
    /// listening to device changes. `excluded`: devices found busy by earlier attempts of this
    /// getUserMedia (permission is then already granted).
    fn start(&self, excluded: &[String]) -> Result<(), UserMediaError> {
        let settings = lock(&self.settings).clone();
        let constraints = engine::parse::parse(&settings.constraints)?;

        // No information about devices leaks to a page that was denied (S4.6).
        if settings.permission == Permission::Denied {
            self.post_permission("denied");
            return Err(UserMediaError::new(
                "NotAllowedError",
                "permission to capture was denied (permission=denied)",
            ));
        }

        // Only the providers of the requested kinds are started.
        let kinds: Vec<engine::Kind> = [
            constraints.video.as_ref().map(|_| engine::Kind::Video),
            constraints.audio.as_ref().map(|_| engine::Kind::Audio),
        ]
        .into_iter()
        .flatten()
        .collect();
        let entries: Vec<DeviceEntry> = device::enumerate_kinds(&kinds)
            .into_iter()
            .filter(|e| !excluded.contains(&e.info.device_id))
            .collect();
        let devices: Vec<engine::Device> = entries.iter().map(|e| e.info.clone()).collect();
        let echo_probe = self.echo_probe_name(&settings);
        let audio_env = self.audio_environment(echo_probe.as_deref());
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

        if excluded.is_empty() {
            if settings.permission == Permission::Prompt {
                self.ask_permission(&selection, &entries, settings.permission_timeout_ms)?;
            }
            self.post_permission("granted");
        }

        let mut configs = Vec::new();
        if let Some(plan) = &selection.video {
            configs.push(TrackConfig::video(
                entries[plan.device].clone(),
                plan.clone(),
            ));
        }
        if let Some(plan) = &selection.audio {
            configs.push(TrackConfig::audio(
                entries[plan.device].clone(),
                plan.clone(),
                echo_probe.clone(),
            ));
        }
        let mut tracks = Vec::new();
        let mut track_settings = serde_json::Map::new();
        let mut track_caps = serde_json::Map::new();
        let mut result = Ok(());
        for cfg in configs {
            let key = kind_key(cfg.kind());
            track_settings.insert(key.into(), cfg.settings_json());
            track_caps.insert(key.into(), cfg.capabilities_json());
            match self.build_track(cfg, (settings.video_enabled, settings.audio_enabled)) {
                Ok(t) => tracks.push(t),
                Err((e, partial)) => {
                    tracks.extend(partial.map(|t| *t));
                    result = Err(e);
                    break;
                }
            }
        }

        let pads: Vec<gst::GhostPad> = tracks.iter().map(|t| t.pad.clone()).collect();
        {
            let mut state = lock(&self.state);
            state.tracks = tracks;
            if result.is_ok() {
                state.settings = track_settings;
                state.capabilities = track_caps;
                state.applied = Some(constraints);
            }
        }
        result?;

        let obj = self.obj();
        for pad in pads {
            obj.add_pad(&pad)
                .map_err(|e| UserMediaError::new("AbortError", format!("cannot add pad: {e}")))?;
        }
        obj.no_more_pads();
        let session = live::open_session(&obj);
        let tx = session.tx.clone();
        // Registered first: the worker drops events of a session that is not the current one.
        lock(&self.state).session = Some(session);
        // Set from a callback during getUserMedia (e.g. the permission handler): apply once up.
        let current = lock(&self.settings).constraints.clone();
        if current != settings.constraints {
            lock(&self.settings).constraints = settings.constraints.clone();
            let _ = tx.send(Event::Apply(current));
        }
        obj.notify("settings");
        obj.notify("capabilities");
        Ok(())
    }

    /// Builds, adds and links a track's children (minimal tail) and its (unadded) ghost pad.
    /// On failure, the track built so far (for teardown) comes with the error.
    fn build_track(
        &self,
        cfg: TrackConfig,
        enabled: (bool, bool),
    ) -> Result<Track, (UserMediaError, Option<Box<Track>>)> {
        let kind = cfg.kind();
        let (template, name) = match kind {
            Kind::Video => ("video_%u", "video_0"),
            Kind::Audio => ("audio_%u", "audio_0"),
        };
        if let chain::Plan::Video(plan) = &cfg.plan {
            gst::info!(
                CAT,
                imp = self,
                "video: {} opened as {}, delivering {}x{} @ {:?}",
                cfg.device_id(),
                cfg.native,
                plan.width,
                plan.height,
                plan.max_frame_rate
            );
        } else if let chain::Plan::Audio(plan) = &cfg.plan {
            gst::info!(
                CAT,
                imp = self,
                "audio: {} opened as {}, path {:?}",
                cfg.device_id(),
                cfg.native,
                plan.path
            );
        }
        let head = chain::build_head(&cfg).map_err(|e| (e, None))?;
        let tail = chain::build_tail(&cfg, false).map_err(|e| (e, None))?;
        let chain = Chain { head, tail };
        let all = chain.all();
        let obj = self.obj();
        let fail = |e: &dyn std::fmt::Display| {
            UserMediaError::new("AbortError", format!("cannot build the {name} track: {e}"))
        };
        if let Err(e) = obj.add_many(&all) {
            return Err((fail(&e), None));
        }
        let templ = obj.pad_template(template);
        let pad = gst::Element::link_many(&all)
            .map_err(|e| fail(&e))
            .and_then(|_| chain.out_pad().ok_or_else(|| fail(&"no src pad")))
            .and_then(|src| {
                let templ = templ.ok_or_else(|| fail(&"missing pad template"))?;
                gst::GhostPad::builder_from_template_with_target(&templ, &src)
                    .map_err(|e| fail(&e))
                    .map(|b| b.name(name).build())
            });
        let enabled = match kind {
            Kind::Video => enabled.0,
            Kind::Audio => enabled.1,
        };
        let shared = Arc::new(TrackShared {
            mute: Mute::new(kind, enabled),
            hold_eos: AtomicBool::new(false),
            error_pending: AtomicBool::new(false),
        });
        match pad {
            Ok(pad) => {
                live::install_probes(&pad, &shared);
                Ok(Track {
                    kind,
                    config: cfg,
                    chain,
                    pad,
                    shared,
                    ended: false,
                })
            }
            Err(e) => {
                // Keep the added children for teardown, behind a pad that is never added.
                let pad = gst::GhostPad::builder(gst::PadDirection::Src)
                    .name(name)
                    .build();
                let track = Track {
                    kind,
                    config: cfg,
                    chain,
                    pad,
                    shared,
                    ended: false,
                };
                Err((e, Some(Box::new(track))))
            }
        }
    }

    /// Removes every child and pad, forgets the settings and stops listening to devices.
    /// Returns the tracks whose capture indicator must now go off (posted by the caller once
    /// `ops` is released).
    fn teardown(&self) -> Vec<(Kind, String)> {
        let (tracks, had_settings, session) = {
            let mut state = lock(&self.state);
            let had = !state.settings.is_empty();
            state.settings.clear();
            state.capabilities.clear();
            state.applied = None;
            state.probation.clear();
            state.probation_error = None;
            state.deferred = None;
            (std::mem::take(&mut state.tracks), had, state.session.take())
        };
        if let Some(session) = session {
            device::unsubscribe(session.subscription);
        }
        if tracks.is_empty() && !had_settings {
            return Vec::new();
        }
        let obj = self.obj();
        let mut inactive = Vec::new();
        for track in &tracks {
            self.stop_and_remove(&track.chain.all());
            if track.pad.parent().is_some() {
                let _ = obj.remove_pad(&track.pad);
            }
            if !track.ended && track.shared.mute.enabled() {
                inactive.push((track.kind, track.config.device_id().to_string()));
            }
        }
        obj.notify("settings");
        obj.notify("capabilities");
        inactive
    }

    /// Stops `elements` (in order: the source first) and removes those that are children.
    pub(super) fn stop_and_remove(&self, elements: &[gst::Element]) {
        let obj = self.obj();
        for e in elements {
            let _ = e.set_state(gst::State::Null);
        }
        for e in elements {
            if e.parent().as_ref() == Some(obj.upcast_ref::<gst::Object>()) {
                let _ = obj.remove(e);
            }
        }
    }

    fn post_inactive(&self, inactive: Vec<(Kind, String)>) {
        for (kind, id) in inactive {
            self.post_capture(kind, &id, false);
        }
    }

    pub(super) fn audio_environment(&self, echo_probe: Option<&str>) -> engine::AudioEnvironment {
        engine::AudioEnvironment {
            processing_available: gst::ElementFactory::find("webrtcdsp").is_some(),
            echo_reference: echo_probe.is_some(),
        }
    }

    /// Emits `request-permission` and waits for the answer, at most `timeout_ms` (0: forever).
    fn ask_permission(
        &self,
        selection: &engine::Selection,
        entries: &[DeviceEntry],
        timeout_ms: u32,
    ) -> Result<(), UserMediaError> {
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
        let request = b.build();
        *lock(&self.permission_panic) = None;
        let answer = if timeout_ms == 0 {
            Some(
                self.obj()
                    .emit_by_name::<bool>("request-permission", &[&request]),
            )
        } else {
            // On a helper thread, so that a handler that never returns cannot hang the state
            // change. The helper acts for this thread (which holds `ops`): a handler setting
            // `constraints` is a callback from inside getUserMedia, not a wait for it to end.
            let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let obj = self.obj().clone();
            let helper = std::thread::Builder::new()
                .name("usermedia-permission".into())
                .spawn(move || {
                    if go_rx.recv().is_err() {
                        return;
                    }
                    let granted = obj.emit_by_name::<bool>("request-permission", &[&request]);
                    // Not kept while telling: the element may go away as soon as start() ends.
                    drop(obj);
                    let _ = tx.send(granted);
                })
                .map_err(|e| {
                    UserMediaError::new(
                        "AbortError",
                        format!("cannot ask for permission: no thread: {e}"),
                    )
                })?
                .thread()
                .id();
            self.ops.delegate(helper);
            let _ = go_tx.send(());
            let answer = rx
                .recv_timeout(std::time::Duration::from_millis(timeout_ms.into()))
                .ok();
            self.ops.revoke(helper);
            answer
        };
        let panicked = lock(&self.permission_panic).take();
        gst::info!(CAT, imp = self, "permission prompt answered {answer:?}");
        let refusal = match (answer, panicked) {
            (Some(true), _) => return Ok(()),
            (Some(false), Some(panic)) => format!("permission handler panicked: {panic}"),
            (Some(false), None) => "permission to capture was not granted".into(),
            (None, _) => format!("permission request timed out after {timeout_ms} ms"),
        };
        self.post_permission("denied");
        Err(UserMediaError::new("NotAllowedError", refusal))
    }

    /// Called by the handler wrapper of `connect_request_permission` when the handler panicked
    /// (it then answers "denied").
    pub(super) fn permission_handler_panicked(&self, message: String) {
        gst::error!(
            CAT,
            imp = self,
            "request-permission handler panicked: {message}"
        );
        *lock(&self.permission_panic) = Some(message);
    }

    /// The webrtcechoprobe giving echo cancellation its reference: the `echo-probe` property,
    /// else the first probe in this pipeline.
    pub(super) fn echo_probe_name(&self, settings: &Settings) -> Option<String> {
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

    /// Where a child's error goes: a swap's failure, an ended track (dropped), a running
    /// track (looked into by the worker: an unplugged device ends the track instead of failing
    /// the pipeline), or the bus (getUserMedia's own failures while starting).
    fn route_child_error(&self, err: &gst::message::Error) -> Route {
        let Some(src) = err.src() else {
            return Route::Parent;
        };
        if src == self.obj().upcast_ref::<gst::Object>() {
            return Route::Parent;
        }
        let e = classify_child_error(err);
        let mut state = lock(&self.state);
        let on_probation = state
            .probation
            .iter()
            .any(|p| p.upcast_ref::<gst::Object>() == src || src.has_as_ancestor(p));
        if on_probation {
            gst::debug!(CAT, imp = self, "error of a new element: {}", e.message);
            if state.probation_error.is_none() {
                state.probation_error = Some(e);
            }
            return Route::Swallow;
        }
        let Some(track) = state.tracks.iter().find(|t| t.chain.contains(src)) else {
            return Route::Post(e);
        };
        if track.ended {
            return Route::Swallow;
        }
        if state.starting {
            if e.name == "NotReadableError" {
                // Answered by trying the other candidates (see change_state).
                let device_id = track.config.device_id().to_string();
                state.busy.get_or_insert((device_id, e));
                return Route::Swallow;
            }
            return Route::Post(e);
        }
        let Some(session) = &state.session else {
            return Route::Post(e);
        };
        if track.shared.error_pending.swap(true, Ordering::SeqCst) {
            gst::debug!(CAT, imp = self, "further error dropped: {}", e.message);
            return Route::Swallow;
        }
        track.shared.hold_eos.store(true, Ordering::SeqCst);
        gst::info!(
            CAT,
            imp = self,
            "runtime error of the {:?} track ({}): checking whether its device is gone",
            track.kind,
            e.message
        );
        let event = Event::SourceError {
            kind: track.kind,
            device_id: track.config.device_id().to_string(),
            error: e.clone(),
        };
        if session.tx.send(event).is_err() {
            return Route::Post(e);
        }
        Route::Swallow
    }

    pub(super) fn post_error(&self, e: &UserMediaError, warning: bool) {
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

    pub(super) fn post_element_message(&self, s: gst::Structure) {
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

    pub(super) fn post_capture(&self, kind: Kind, device_id: &str, active: bool) {
        self.post_element_message(capture_message(kind, device_id, active));
    }

    /// The in-use indicators once the tracks are up (off for a disabled track).
    fn post_capture_messages(&self) {
        let tracks: Vec<(Kind, String, bool)> = lock(&self.state)
            .tracks
            .iter()
            .filter(|t| !t.ended)
            .map(|t| {
                (
                    t.kind,
                    t.config.device_id().to_string(),
                    t.shared.mute.enabled(),
                )
            })
            .collect();
        for (kind, id, active) in tracks {
            self.post_capture(kind, &id, active);
        }
    }
}

pub(super) fn capture_message(kind: Kind, device_id: &str, active: bool) -> gst::Structure {
    gst::Structure::builder("usermedia-capture")
        .field("kind", kind.device_kind())
        .field("deviceId", device_id)
        .field("active", active)
        .build()
}

/// The key of a kind in `settings` / `capabilities`.
pub(super) fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Video => "video",
        Kind::Audio => "audio",
    }
}

/// Maps a child's error to a getUserMedia error (NotReadable for a busy device, NotAllowed
/// for an OS refusal, Abort otherwise).
pub(super) fn classify_child_error(err: &gst::message::Error) -> UserMediaError {
    let src_name = err.src().map(|s| s.name().to_string()).unwrap_or_default();
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
    UserMediaError::new(name, format!("{src_name}: {text}"))
}
