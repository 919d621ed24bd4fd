// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The running state of the element ([`Running`]): present from a successful getUserMedia to
//! teardown, owned by the controller, and changed only through the methods here.

use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};

use super::debug::CAT;
use super::decide::{TrackConfig, kind_key};
use super::error::UserMediaError;
use super::pads::Probation;
use super::request::Request;
use super::track::{Chain, Track};
use super::worker::Event;
use crate::device::display::Watch;
use crate::device::{self, SubscriptionId};
use crate::engine::Kind;

enum Phase {
    /// READY→PAUSED is starting the chains: errors mean the device failed to open. The first
    /// device found busy (deviceId, its NotReadableError) is dropped from the candidates.
    Starting {
        busy: Option<(String, UserMediaError)>,
    },
    Live,
}

/// An applyConstraints decided in PAUSED that needs PLAYING (a device to reopen or processing
/// to rebuild: in PAUSED the streaming thread may be held in a sink's preroll).
pub(super) struct Deferred {
    pub text: String,
    pub constraints: Request,
    pub configs: Vec<TrackConfig>,
}

/// Where a child's error goes.
pub(super) enum Route {
    /// Post it as the element's error.
    Post(UserMediaError),
    /// Dropped here (a swap's failure, a busy device while starting, or a runtime error being
    /// looked into).
    Swallow,
    /// Not a child's: the bin handles it.
    Parent,
}

/// How a run hears that what it captures went away.
pub(super) struct Listening {
    /// Cameras and microphones (a display run's microphone or system audio too): the shared
    /// device monitor.
    pub devices: Option<SubscriptionId>,
    /// Display surfaces: one watch per surface (none for a backend that cannot tell).
    pub surfaces: Vec<Watch>,
}

impl Listening {
    /// Stops listening.
    pub fn stop(self) {
        if let Some(id) = self.devices {
            device::unsubscribe(id);
        }
        drop(self.surfaces);
    }
}

/// Everything that exists while the element runs.
pub(super) struct Running {
    session: u64,
    tracks: Vec<Track>,
    /// The constraints the tracks were selected with.
    applied: Request,
    phase: Phase,
    /// A chain being brought up by a swap.
    probation: Option<Arc<Probation>>,
    deferred: Option<Deferred>,
    events: mpsc::Sender<Event>,
    listening: Option<Listening>,
}

impl Running {
    pub fn new(
        session: u64,
        tracks: Vec<Track>,
        applied: Request,
        events: mpsc::Sender<Event>,
        listening: Listening,
    ) -> Self {
        Running {
            session,
            tracks,
            applied,
            phase: Phase::Starting { busy: None },
            probation: None,
            deferred: None,
            events,
            listening: Some(listening),
        }
    }

    pub fn session(&self) -> u64 {
        self.session
    }

    /// Stops hearing about devices or surfaces.
    pub fn stop_listening(&mut self) {
        if let Some(l) = self.listening.take() {
            l.stop();
        }
    }

    pub fn applied(&self) -> &Request {
        &self.applied
    }

    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The running (not ended) track of `kind`.
    pub fn track(&self, kind: Kind) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == kind && !t.ended)
    }

    fn track_mut(&mut self, kind: Kind) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.kind == kind && !t.ended)
    }

    /// `settings` (or `capabilities`) of the running tracks.
    pub fn json(&self, capabilities: bool) -> serde_json::Map<String, serde_json::Value> {
        self.tracks
            .iter()
            .filter(|t| !t.ended)
            .map(|t| {
                let v = if capabilities {
                    t.config.capabilities_json()
                } else {
                    t.config.settings_json()
                };
                (kind_key(t.kind).to_string(), v)
            })
            .collect()
    }

    /// The chains are up: returns the device found busy meanwhile, if any.
    pub fn started(&mut self) -> Option<(String, UserMediaError)> {
        match std::mem::replace(&mut self.phase, Phase::Live) {
            Phase::Starting { busy } => busy,
            Phase::Live => None,
        }
    }

    pub fn set_applied(&mut self, constraints: Request) {
        self.applied = constraints;
    }

    pub fn has_deferred(&self) -> bool {
        self.deferred.is_some()
    }

    pub fn defer(&mut self, deferred: Option<Deferred>) {
        self.deferred = deferred;
    }

    pub fn take_deferred(&mut self) -> Option<Deferred> {
        self.deferred.take()
    }

    pub fn set_probation(&mut self, probation: Option<Arc<Probation>>) {
        self.probation = probation;
    }

    pub fn probation(&self) -> Option<&Arc<Probation>> {
        self.probation.as_ref()
    }

    pub fn notify_worker(&self, event: Event) -> bool {
        self.events.send(event).is_ok()
    }

    /// Records `cfg` (and a new chain) as the track's.
    pub fn commit(&mut self, cfg: &TrackConfig, chain: Option<Chain>) {
        if let Some(t) = self.track_mut(cfg.kind()) {
            t.config = cfg.clone();
            if chain.is_some() {
                t.chain = chain;
                t.generation += 1;
            }
        }
    }

    /// The outcome of a swap of the `kind` track: the new chain, or none after a failure that
    /// left no chain running.
    pub fn swapped(&mut self, kind: Kind, chain: Option<Chain>) {
        let Some(t) = self.track_mut(kind) else {
            return;
        };
        if chain.is_some() {
            t.shared.error_pending.store(false, Ordering::SeqCst);
            t.shared.hold_eos.store(false, Ordering::SeqCst);
        }
        t.chain = chain;
        t.generation += 1;
    }

    /// Ends the `kind` track: returns its chain, pad, device and whether it was active.
    pub fn end(&mut self, kind: Kind) -> Option<(Option<Chain>, gst::GhostPad, String, bool)> {
        let t = self.track_mut(kind)?;
        t.ended = true;
        t.shared.hold_eos.store(true, Ordering::SeqCst);
        Some((
            t.chain.take(),
            t.pad.clone(),
            t.device_id().to_string(),
            t.shared.mute.enabled(),
        ))
    }

    /// Mutes or unmutes the `kind` track; the device ids whose indicator changes.
    pub fn set_enabled(&self, kind: Kind, enabled: bool) -> Vec<String> {
        self.tracks
            .iter()
            .filter(|t| t.kind == kind && !t.ended && t.shared.mute.enabled() != enabled)
            .map(|t| {
                t.shared.mute.set_enabled(enabled);
                t.device_id().to_string()
            })
            .collect()
    }

    /// A runtime error of the `kind` track's chain `generation` on `device_id` is to be posted
    /// after all: its EOS may pass again. False when that chain no longer runs (a swap replaced
    /// it, even on the same device).
    pub fn release_error(&self, kind: Kind, device_id: &str, generation: u64) -> bool {
        self.track(kind)
            .filter(|t| t.device_id() == device_id && t.generation == generation)
            .map(|t| t.shared.hold_eos.store(false, Ordering::SeqCst))
            .is_some()
    }

    /// Where the error of child `src` goes: a swap's failure, a busy device while starting, a
    /// running track (looked into by the worker: an unplugged device ends the track instead of
    /// failing the pipeline), or the bus.
    pub fn route(&mut self, element: &gst::Element, src: &gst::Object, e: UserMediaError) -> Route {
        if let Some(p) = self.probation.as_ref().filter(|p| p.owns(src)) {
            gst::debug!(CAT, obj = element, "error of a new chain: {}", e.message());
            p.fail(e);
            return Route::Swallow;
        }
        let Some(track) = self.tracks.iter().find(|t| t.owns(src)) else {
            return Route::Post(e);
        };
        if track.ended {
            return Route::Swallow;
        }
        let device_id = track.device_id().to_string();
        if let Phase::Starting { busy } = &mut self.phase {
            if let UserMediaError::NotReadable(_) = e {
                busy.get_or_insert((device_id, e));
                return Route::Swallow;
            }
            return Route::Post(e);
        }
        if track.shared.error_pending.swap(true, Ordering::SeqCst) {
            gst::debug!(CAT, obj = element, "further error dropped: {}", e.message());
            return Route::Swallow;
        }
        track.shared.hold_eos.store(true, Ordering::SeqCst);
        gst::info!(
            CAT,
            obj = element,
            "runtime error of the {:?} track ({}): checking whether its device is gone",
            track.kind,
            e.message()
        );
        let event = Event::SourceError {
            kind: track.kind,
            device_id,
            generation: track.generation,
            error: e.clone(),
        };
        if self.events.send(event).is_err() {
            return Route::Post(e);
        }
        Route::Swallow
    }
}
