// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The one decision path: getUserMedia, applyConstraints and failover all turn constraints and
//! candidate devices into [`TrackConfig`]s through [`decide`], which runs the engine's
//! selection (with the candidate trace at `GST_DEBUG=usermediasrc:6`) and fixes the caps each
//! chosen device is opened with.

use std::sync::atomic::{AtomicBool, Ordering};

use gst::prelude::*;

use super::debug::CAT;
use super::error::UserMediaError;
use crate::device::display::DisplaySurface;
use crate::device::{self, DeviceEntry};
use crate::engine::display::DisplayPlan;
use crate::engine::{self, AudioPlan, Kind, MediaStreamConstraints, TrackConstraints, VideoPlan};

/// What selection decided for a track, in the form each kind needs.
#[derive(Clone, Debug)]
pub(super) enum Plan {
    Video(VideoPlan),
    Audio(AudioPlan),
    /// A display surface (getDisplayMedia): video, delivered by downscale and decimation.
    Display(DisplayPlan),
}

/// What a track captures: a camera or microphone, or a display surface.
#[derive(Clone, Debug)]
pub(super) enum Origin {
    Device(DeviceEntry),
    Display(DisplaySurface),
}

/// Everything a track is built from: the device, the plan and the caps the device is opened
/// with. `plan.device` is not meaningful here (it indexes the slice selection ran on).
#[derive(Clone, Debug)]
pub(super) struct TrackConfig {
    pub origin: Origin,
    pub plan: Plan,
    pub native: gst::Caps,
    /// The webrtcechoprobe giving echo cancellation its reference (audio).
    pub echo_probe: Option<String>,
}

impl TrackConfig {
    fn new(
        entry: DeviceEntry,
        plan: Plan,
        echo_probe: Option<String>,
    ) -> Result<Self, UserMediaError> {
        let native = match &plan {
            Plan::Video(p) => {
                entry.video_caps(p.mode, p.native_width, p.native_height, p.native_frame_rate)
            }
            Plan::Audio(p) => {
                entry.audio_caps(p.mode, p.native_sample_rate, p.native_channel_count)
            }
            Plan::Display(_) => Err(gst::glib::bool_error!("a device has no display plan")),
        }
        .map_err(|e| {
            UserMediaError::Abort(format!(
                "{} cannot be opened as selected: {e}",
                entry.info.label
            ))
        })?;
        Ok(TrackConfig {
            origin: Origin::Device(entry),
            plan,
            native,
            echo_probe,
        })
    }

    /// The track capturing `surface` as `plan` says.
    pub fn display(surface: DisplaySurface, plan: DisplayPlan) -> Self {
        TrackConfig {
            native: surface.source.caps(plan.native_frame_rate),
            origin: Origin::Display(surface),
            plan: Plan::Display(plan),
            echo_probe: None,
        }
    }

    pub fn kind(&self) -> Kind {
        match self.plan {
            Plan::Video(_) | Plan::Display(_) => Kind::Video,
            Plan::Audio(_) => Kind::Audio,
        }
    }

    pub fn device_id(&self) -> &str {
        match &self.origin {
            Origin::Device(e) => &e.info.device_id,
            Origin::Display(s) => &s.surface.id,
        }
    }

    pub fn label(&self) -> &str {
        match &self.origin {
            Origin::Device(e) => &e.info.label,
            Origin::Display(s) => &s.surface.label,
        }
    }

    /// The device's (or surface's) source element.
    pub fn create_source(&self, name: &str) -> Result<gst::Element, gst::glib::BoolError> {
        match (&self.origin, &self.plan) {
            (Origin::Display(s), Plan::Display(p)) => {
                s.source.create_element(name, &p.settings.cursor)
            }
            (Origin::Device(e), _) => device::create_source(e, name),
            (Origin::Display(_), _) => {
                Err(gst::glib::bool_error!("a display needs a display plan"))
            }
        }
    }

    /// Whether `other` opens the same device the same way, so that only the tail differs.
    pub fn same_opening(&self, other: &TrackConfig) -> bool {
        let same = match (&self.plan, &other.plan) {
            (Plan::Audio(a), Plan::Audio(b)) => a.latency == b.latency,
            (Plan::Video(_), Plan::Video(_)) => true,
            // The cursor is a property of the source.
            (Plan::Display(a), Plan::Display(b)) => a.settings.cursor == b.settings.cursor,
            _ => false,
        };
        same && self.device_id() == other.device_id() && self.native == other.native
    }

    /// MediaTrackSettings plus the track's label and the native caps the device is opened with.
    pub fn settings_json(&self) -> serde_json::Value {
        let mut v = match &self.plan {
            Plan::Video(p) => to_json(&p.settings),
            Plan::Audio(p) => to_json(&p.settings),
            Plan::Display(p) => to_json(&p.settings),
        };
        if let Some(o) = v.as_object_mut() {
            o.insert("label".into(), self.label().into());
            o.insert("deviceCaps".into(), self.native.to_string().into());
        }
        v
    }

    pub fn capabilities_json(&self) -> serde_json::Value {
        match &self.plan {
            Plan::Video(p) => to_json(&p.capabilities),
            Plan::Audio(p) => to_json(&p.capabilities),
            Plan::Display(p) => to_json(&p.capabilities),
        }
    }
}

/// What audio processing can count on in this pipeline.
#[derive(Clone, Debug)]
pub(super) struct Environment {
    pub audio: engine::AudioEnvironment,
    pub echo_probe: Option<String>,
}

impl Environment {
    /// `echo_probe`: the `echo-probe` property; unset = the first webrtcechoprobe in the
    /// pipeline `element` is in.
    pub fn of(element: &gst::Element, echo_probe: Option<&str>) -> Self {
        let echo_probe = echo_probe
            .map(str::to_string)
            .or_else(|| first_echo_probe(element));
        Environment {
            audio: engine::AudioEnvironment {
                processing_available: gst::ElementFactory::find("webrtcdsp").is_some(),
                echo_reference: echo_probe.is_some(),
            },
            echo_probe,
        }
    }
}

fn first_echo_probe(element: &gst::Element) -> Option<String> {
    let mut top: gst::Object = element.clone().upcast();
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

/// Selects a device and mode for every kind `constraints` asks for among `entries`, all or
/// nothing. The configs come in the order video, audio.
pub(super) fn decide(
    element: &gst::Element,
    constraints: &MediaStreamConstraints,
    entries: &[DeviceEntry],
    env: &Environment,
) -> Result<Vec<TrackConfig>, UserMediaError> {
    let devices: Vec<engine::Device> = entries.iter().map(|e| e.info.clone()).collect();
    gst::debug!(
        CAT,
        obj = element,
        "selecting among {} devices for {:?}",
        devices.len(),
        kinds(constraints)
    );
    let selection = if CAT.threshold() >= gst::DebugLevel::Log {
        let mut log = |line: &str| gst::log!(CAT, obj = element, "candidate {line}");
        engine::select_traced(constraints, &devices, &env.audio, Some(&mut log))
    } else {
        engine::select(constraints, &devices, &env.audio)
    }?;
    let entry = |i: usize| {
        entries
            .get(i)
            .cloned()
            .ok_or_else(|| UserMediaError::Abort("selection chose an unknown device".into()))
    };
    let mut configs = Vec::new();
    if let Some(plan) = selection.video {
        gst::debug!(CAT, obj = element, "video choice: {plan:?}");
        configs.push(TrackConfig::new(
            entry(plan.device)?,
            Plan::Video(plan),
            None,
        )?);
    }
    if let Some(plan) = selection.audio {
        gst::debug!(CAT, obj = element, "audio choice: {plan:?}");
        let probe = env.echo_probe.clone();
        configs.push(TrackConfig::new(
            entry(plan.device)?,
            Plan::Audio(plan),
            probe,
        )?);
    }
    Ok(configs)
}

/// applyConstraints' selection. Each running track (`live`) selects among its own device, or
/// among every device of its kind when the device-choosing constraints differ from `applied`,
/// the ones it was selected with.
pub(super) fn reselect(
    element: &gst::Element,
    constraints: &MediaStreamConstraints,
    live: &[TrackConfig],
    applied: &MediaStreamConstraints,
    env: &Environment,
) -> Result<Vec<TrackConfig>, UserMediaError> {
    let mut entries = Vec::new();
    let mut request = MediaStreamConstraints::default();
    for old in live {
        let kind = old.kind();
        let Some(tc) = constraints_for(constraints, kind) else {
            continue;
        };
        let widen = constraints_for(applied, kind)
            .is_none_or(|prev| engine::device_choice_changed(prev, tc));
        match &old.origin {
            Origin::Device(entry) if !widen => entries.push(entry.clone()),
            _ => entries.extend(device::enumerate_kinds(&[kind])),
        }
        match kind {
            Kind::Video => request.video = Some(tc.clone()),
            Kind::Audio => request.audio = Some(tc.clone()),
        }
    }
    let configs = decide(element, &request, &entries, env)?;
    for new in &configs {
        gst::debug!(
            CAT,
            obj = element,
            "applyConstraints: {:?} track → {} as {}",
            new.kind(),
            new.device_id(),
            new.native
        );
    }
    Ok(configs)
}

/// Failover's selection: the `kind` track's `applied` constraints among the devices of its
/// kind other than `gone`.
pub(super) fn failover(
    element: &gst::Element,
    applied: &MediaStreamConstraints,
    kind: Kind,
    gone: &str,
    env: &Environment,
) -> Result<TrackConfig, UserMediaError> {
    let request = only(applied, kind);
    let entries: Vec<DeviceEntry> = device::enumerate_kinds(&[kind])
        .into_iter()
        .filter(|e| e.info.device_id != gone)
        .collect();
    decide(element, &request, &entries, env)?
        .into_iter()
        .next()
        .ok_or_else(|| UserMediaError::Abort(format!("no {} constraints", kind_key(kind))))
}

/// applyConstraints cannot add or remove tracks: `constraints` must ask for the kinds of the
/// `running` tracks (ended ones included).
pub(super) fn check_kinds(requested: &[Kind], running: &[Kind]) -> Result<(), UserMediaError> {
    let requested = requested.to_vec();
    let mut running = running.to_vec();
    running.sort_by_key(|k| *k == Kind::Audio);
    if requested == running {
        return Ok(());
    }
    let text = |kinds: &[Kind]| {
        if kinds.is_empty() {
            return "none".to_string();
        }
        kinds
            .iter()
            .map(|k| kind_key(*k))
            .collect::<Vec<_>>()
            .join("+")
    };
    Err(UserMediaError::Type(format!(
        "applyConstraints cannot add or remove tracks: the constraints ask for {} but the running tracks are {}",
        text(&requested),
        text(&running)
    )))
}

/// The candidates for getUserMedia when a requested kind can be answered from its exact
/// deviceId alone (`device::enumerate_exact`): that device, plus the full list of the other
/// requested kinds. `None` when no kind can.
pub(super) fn exact_candidates(constraints: &MediaStreamConstraints) -> Option<Vec<DeviceEntry>> {
    let mut found = Vec::new();
    let mut rest = Vec::new();
    for kind in kinds(constraints) {
        let exact = constraints_for(constraints, kind)
            .and_then(|c| c.basic.device_id.as_ref())
            .and_then(|d| d.exact.as_deref());
        match exact {
            Some([id]) => match device::enumerate_exact(kind, id) {
                Some(entry) => found.push(entry),
                None => rest.push(kind),
            },
            _ => rest.push(kind),
        }
    }
    if found.is_empty() {
        return None;
    }
    if !rest.is_empty() {
        found.extend(
            device::enumerate_kinds(&rest)
                .into_iter()
                .filter(|e| rest.contains(&e.info.kind())),
        );
    }
    Some(found)
}

/// Starts, in the background, the device providers a getUserMedia for `constraints` will look
/// at (the same ones [`exact_candidates`] or the full listing would start), so that what the
/// application does between setting `constraints` and playing hides the first probe. The
/// request itself waits for a start in progress (the device monitor's lock) and does not repeat
/// it. One such thread at a time in the process; once the providers run, it returns at once.
pub(super) fn prepare(constraints: MediaStreamConstraints) {
    static PREPARING: AtomicBool = AtomicBool::new(false);
    if kinds(&constraints).is_empty() || PREPARING.swap(true, Ordering::AcqRel) {
        return;
    }
    // Unnamed: threads a provider starts (PipeWire's loops) inherit the name and outlive this
    // one.
    let spawned = std::thread::Builder::new().spawn(move || {
        let t = std::time::Instant::now();
        if exact_candidates(&constraints).is_none() {
            device::enumerate_kinds(&kinds(&constraints));
        }
        gst::debug!(CAT, "devices prepared in {:?}", t.elapsed());
        PREPARING.store(false, Ordering::Release);
    });
    if spawned.is_err() {
        PREPARING.store(false, Ordering::Release);
    }
}

/// The kinds `constraints` asks for, video first.
pub(super) fn kinds(constraints: &MediaStreamConstraints) -> Vec<Kind> {
    [
        constraints.video.as_ref().map(|_| Kind::Video),
        constraints.audio.as_ref().map(|_| Kind::Audio),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub(super) fn constraints_for(c: &MediaStreamConstraints, kind: Kind) -> Option<&TrackConstraints> {
    match kind {
        Kind::Video => c.video.as_ref(),
        Kind::Audio => c.audio.as_ref(),
    }
}

/// `c` with only the track of `kind`.
fn only(c: &MediaStreamConstraints, kind: Kind) -> MediaStreamConstraints {
    let mut c = c.clone();
    match kind {
        Kind::Video => c.audio = None,
        Kind::Audio => c.video = None,
    }
    c
}

/// The key of a kind in `settings` / `capabilities`.
pub(super) fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Video => "video",
        Kind::Audio => "audio",
    }
}

pub(super) fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
