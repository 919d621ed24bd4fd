// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Live tracks: applyConstraints, device changes, unplug and failover, enabled.
//!
//! # applyConstraints
//!
//! Setting `constraints` in PAUSED/PLAYING runs on the setting thread. Selection is re-run per
//! running track (the spec's SelectSettings against the track's own possible settings): only
//! the track's current device is a candidate, unless the deviceId or groupId constraints
//! differ from the ones the track was selected with, in which case every current device is.
//! All tracks are selected before anything changes, so a failure of any leaves everything as
//! it was: a `GST_MESSAGE_WARNING` with `usermedia-error` details, old constraints and settings.
//! The outcome is then applied in the cheapest way:
//!
//! 1. **caps only** — same device, same native mode, and the tail already has the elements
//!    needed: `videocrop` properties and the capsfilters' caps are updated in place. The
//!    capsfilter sends RECONFIGURE upstream and the scaler renegotiates on the next frame.
//!    Nothing stops; `set_property` returns in a few hundred microseconds and the new caps
//!    reach downstream with the next frame.
//! 2. **tail rebuild** — same native mode but the tail lacks an element (no scaler yet, or
//!    decimation switched on or off): the tail is swapped between two buffers (a BLOCK and an
//!    IDLE probe on the head's src pad, see `TailSwap`): old tail to NULL and out, new tail in,
//!    linked, ghost pad retargeted; the next buffer goes on to the new tail. The rebuilt tail
//!    always has crop and scale, in passthrough when unused (videocrop, videoscale and the
//!    capsfilter in passthrough cost about 0.5 µs per frame together, against ~130 µs for a
//!    real 640x480→320x240 scale), so further size changes are caps only. The device stays
//!    open.
//! 3. **source swap** — another native mode or another device: the whole chain is replaced
//!    behind the same ghost pad. Another device is opened (NULL→READY, where drivers open the
//!    device and fail when it is busy) *before* the old chain is touched, so a busy device
//!    costs nothing. The old chain is then set to NULL and removed, the new one added, linked,
//!    the ghost pad retargeted and the children synced to the bin's state; in PLAYING the
//!    call returns once the first buffer of the new chain reached the ghost pad (errors of the
//!    new children meanwhile are the swap's failure, not the pipeline's). If the new chain
//!    fails after the old one was stopped, the old configuration is rebuilt; if even that
//!    fails, the track ends.
//!
//! The pad keeps its name; downstream sees new STREAM_START/CAPS/SEGMENT events, a LATENCY
//! message is posted, `settings` changes and `notify::settings` is emitted.
//!
//! # Not PLAYING
//!
//! A live pipeline that went from PLAYING to PAUSED usually holds the last frame in a sink's
//! preroll, with the chain's streaming thread waiting in there: nothing could stop that chain
//! or pause between two of its buffers. So in PAUSED an applyConstraints that only changes
//! caps is applied at once, while one that must reopen a device or rebuild the processing is
//! selected at once (a selection failure is the warning, as always) and carried out on
//! PAUSED→PLAYING. An unplug (or failover) while not PLAYING flushes downstream around the
//! stop of the old chain.
//!
//! # Buffers that outlive their source
//!
//! `pipewiresrc` buffers point into the PipeWire stream's memory, which is unmapped when the
//! stream stops or the node goes away, while a sink may still hold the last frame; the next
//! copy of it (a sink copies its last buffer on the DRAIN query a scaler sends after new caps)
//! then reads unmapped memory. `pipewiresrc` is therefore created with `always-copy=true`:
//! one frame copy per buffer, and frames that outlive the camera.
//!
//! # Device changes
//!
//! From permission granted to teardown the element is subscribed to the shared device monitor.
//! Its callback only forwards changes to this element's worker thread, which posts
//! `usermedia-devicechange` (`change`: added / removed / changed, `kind`, `deviceId`, `label`,
//! `groupId`) and handles the removal of a device in use: `usermedia-track-ended` (`kind`,
//! `deviceId`, `reason` = `device-removed`), the track's children are stopped and removed, and
//! EOS is pushed on its pad; or, with `failover`, selection runs again among the remaining
//! devices with the track's constraints, the chain is swapped as above and
//! `usermedia-failover` (`kind`, `from`, `to`) is posted.
//!
//! A real source usually fails (ERROR, then EOS downstream) at about the time its device goes
//! away, often before the monitor says so. A runtime error of a running track is therefore held
//! back: the track's EOS gate closes and the worker waits up to 1.5 s for the device to
//! disappear. If it does, the track ends (or fails over) as above and the error is never
//! posted; otherwise the error is posted once. Further errors of that track are dropped, so an
//! unplug never becomes an error storm.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

use super::chain::{self, Chain, TrackConfig};
use super::imp::{CAT, TrackShared, UserMediaError, UserMediaSrc, capture_message, kind_key, lock};
use super::oplock::Acquire;
use crate::device::{self, DeviceChange, DeviceChangeKind, DeviceEntry, SubscriptionId};
use crate::engine::{self, Kind, TrackConstraints};

/// How long a runtime error waits for its device to disappear before it is posted.
const UNPLUG_GRACE: Duration = Duration::from_millis(1500);
/// How long a swapped-in chain may take to deliver its first buffer in PLAYING.
const FIRST_BUFFER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a tail rebuild waits for the streaming thread to leave the pad.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `constraints` waits for another structural change to finish.
const APPLY_WAIT: Duration = Duration::from_secs(30);

/// What the worker of a session is told.
pub(super) enum Event {
    Device(DeviceChange),
    /// A running track's child posted an error.
    SourceError {
        kind: Kind,
        device_id: String,
        error: UserMediaError,
    },
    /// `constraints` set from inside an operation: apply once it is over.
    Apply(String),
}

/// The link between a started element, the device monitor and its worker thread.
pub(super) struct Session {
    pub id: u64,
    pub tx: mpsc::Sender<Event>,
    pub subscription: SubscriptionId,
}

/// Subscribes to device changes and starts the worker.
pub(super) fn open_session(obj: &super::UserMediaSrc) -> Session {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel::<Event>();
    let weak = obj.downgrade();
    let spawned = std::thread::Builder::new()
        .name("usermediasrc-live".into())
        .spawn(move || worker(weak, id, rx));
    if let Err(e) = spawned {
        gst::error!(CAT, obj = obj, "cannot start the live worker: {e}");
    }
    let forward = Mutex::new(tx.clone());
    let subscription = device::subscribe(move |change| {
        let _ = lock(&forward).send(Event::Device(change));
    });
    Session {
        id,
        tx,
        subscription,
    }
}

fn worker(weak: glib::WeakRef<super::UserMediaSrc>, session: u64, rx: mpsc::Receiver<Event>) {
    while let Ok(event) = rx.recv() {
        let Some(obj) = weak.upgrade() else {
            break;
        };
        let imp = obj.imp();
        match event {
            Event::Device(change) => imp.on_device_change(session, change),
            Event::SourceError {
                kind,
                device_id,
                error,
            } => imp.on_source_error(session, kind, &device_id, error),
            Event::Apply(text) => {
                if imp.session_is(session) {
                    imp.set_constraints(text);
                }
            }
        }
    }
}

/// The pad probes of a track: mute (buffers on the ghost pad) and the EOS gate (events from
/// the children, on the ghost pad's internal pad, which the element's own EOS bypasses).
pub(super) fn install_probes(pad: &gst::GhostPad, shared: &Arc<TrackShared>) {
    let s = shared.clone();
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
        move |pad, info| {
            if s.mute.enabled() {
                return gst::PadProbeReturn::Ok;
            }
            match &mut info.data {
                Some(gst::PadProbeData::Buffer(buffer)) => {
                    if let Some(b) = s.mute.replace(pad.current_caps(), buffer) {
                        *buffer = b;
                    }
                }
                Some(gst::PadProbeData::BufferList(list)) => {
                    let caps = pad.current_caps();
                    let mut out = gst::BufferList::new_sized(list.len());
                    if let Some(o) = out.get_mut() {
                        for b in list.iter() {
                            o.add(
                                s.mute
                                    .replace(caps.clone(), b)
                                    .unwrap_or_else(|| b.to_owned()),
                            );
                        }
                        *list = out;
                    }
                }
                _ => (),
            }
            gst::PadProbeReturn::Ok
        },
    );
    if let Some(internal) = pad.internal() {
        let s = shared.clone();
        internal.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if let Some(gst::PadProbeData::Event(ev)) = &info.data
                && ev.type_() == gst::EventType::Eos
                && s.hold_eos.load(Ordering::SeqCst)
            {
                // HANDLED, not DROP: with GStreamer 1.22 a dropped sticky EOS ends in an
                // unref of NULL (a critical warning); a handled one is released here.
                return gst::PadProbeReturn::Handled;
            }
            gst::PadProbeReturn::Ok
        });
    }
}

/// What to tell the application once `ops` is released, in order: element messages, EOS on
/// ended pads, notifications.
#[derive(Default)]
pub(super) struct Outcome {
    messages: Vec<gst::Structure>,
    eos: Vec<gst::GhostPad>,
    notify: bool,
    latency: bool,
}

impl Outcome {
    fn deliver(self, imp: &UserMediaSrc) {
        let obj = imp.obj();
        for m in self.messages {
            imp.post_element_message(m);
        }
        for pad in self.eos {
            gst::info!(CAT, imp = imp, "EOS on {}", pad.name());
            if !pad.push_event(gst::event::Eos::new()) {
                gst::debug!(CAT, imp = imp, "{} did not take EOS", pad.name());
            }
        }
        if self.latency {
            let _ = obj.post_message(gst::message::Latency::builder().src(&*obj).build());
        }
        if self.notify {
            obj.notify("settings");
            obj.notify("capabilities");
        }
    }
}

/// How an applyConstraints that selected fine went.
enum Applied {
    Done,
    /// Not PLAYING and a device must be reopened or the processing rebuilt: the streaming
    /// thread may be held in a sink's preroll, so this waits for PLAYING.
    Deferred,
}

/// A failed swap, and whether the old chain still runs.
struct SwapError {
    error: UserMediaError,
    intact: bool,
}

impl UserMediaSrc {
    /// PLAYING, or on the way there: sinks no longer hold the streaming threads in preroll.
    fn playing(&self) -> bool {
        let obj = self.obj();
        obj.current_state() == gst::State::Playing || obj.pending_state() == gst::State::Playing
    }

    pub(super) fn session_is(&self, id: u64) -> bool {
        lock(&self.state)
            .session
            .as_ref()
            .is_some_and(|s| s.id == id)
    }

    /// The `constraints` property: stored when no track runs, applyConstraints otherwise.
    pub(super) fn set_constraints(&self, text: String) {
        let guard = match self.ops.acquire(Some(APPLY_WAIT)) {
            Acquire::Acquired(g) => g,
            Acquire::Reentrant => {
                let tx = lock(&self.state).session.as_ref().map(|s| s.tx.clone());
                match tx {
                    Some(tx) => {
                        gst::info!(
                            CAT,
                            imp = self,
                            "constraints set from inside an operation: applying them afterwards"
                        );
                        let _ = tx.send(Event::Apply(text));
                    }
                    None => lock(&self.settings).constraints = text,
                }
                return;
            }
            Acquire::TimedOut => {
                self.post_error(
                    &UserMediaError::new(
                        "AbortError",
                        "applyConstraints: another reconfiguration did not finish in time",
                    ),
                    true,
                );
                return;
            }
        };
        let live = {
            let mut state = lock(&self.state);
            // A newer request replaces one waiting for PLAYING.
            state.deferred = None;
            state.session.is_some() && !state.tracks.is_empty()
        };
        if !live {
            lock(&self.settings).constraints = text;
            return;
        }
        let started = Instant::now();
        let mut outcome = Outcome::default();
        let result = self.apply_constraints(&text, &mut outcome);
        drop(guard);
        gst::info!(
            CAT,
            imp = self,
            "applyConstraints {} in {:?}",
            if result.is_ok() { "done" } else { "failed" },
            started.elapsed()
        );
        match result {
            Ok(Applied::Done) => lock(&self.settings).constraints = text,
            Ok(Applied::Deferred) => {
                gst::info!(
                    CAT,
                    imp = self,
                    "not playing: the device or processing change waits for PLAYING"
                );
                lock(&self.state).deferred = Some(text);
            }
            Err(e) => self.post_error(&e, true),
        }
        outcome.deliver(self);
    }

    /// Selects for every running track, then applies; all or nothing.
    fn apply_constraints(
        &self,
        text: &str,
        outcome: &mut Outcome,
    ) -> Result<Applied, UserMediaError> {
        let constraints = engine::parse::parse(text)?;
        let (running, live, applied) = {
            let state = lock(&self.state);
            let running: Vec<Kind> = state.tracks.iter().map(|t| t.kind).collect();
            let live: Vec<(Kind, TrackConfig)> = state
                .tracks
                .iter()
                .filter(|t| !t.ended)
                .map(|t| (t.kind, t.config.clone()))
                .collect();
            (running, live, state.applied.clone())
        };
        let requested: Vec<Kind> = [
            constraints.video.as_ref().map(|_| Kind::Video),
            constraints.audio.as_ref().map(|_| Kind::Audio),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut sorted = running.clone();
        sorted.sort_by_key(|k| *k == Kind::Audio);
        if requested != sorted {
            return Err(UserMediaError::new(
                "TypeError",
                format!(
                    "applyConstraints cannot add or remove tracks: the constraints ask for {} but the running tracks are {}",
                    kinds_text(&requested),
                    kinds_text(&sorted)
                ),
            ));
        }

        let settings = lock(&self.settings).clone();
        let echo_probe = self.echo_probe_name(&settings);
        let audio_env = self.audio_environment(echo_probe.as_deref());
        let mut plans = Vec::new();
        for (kind, old) in live {
            let Some(tc) = constraints_for(&constraints, kind) else {
                continue;
            };
            let widen = applied
                .as_ref()
                .and_then(|a| constraints_for(a, kind))
                .is_none_or(|prev| device_choice_changed(prev, tc));
            let entries: Vec<DeviceEntry> = if widen {
                device::enumerate()
            } else {
                vec![old.entry.clone()]
            };
            let new = select_config(kind, tc, &entries, &audio_env, echo_probe.clone())?;
            gst::debug!(
                CAT,
                imp = self,
                "applyConstraints: {:?} track {} → {} as {}",
                kind,
                old.device_id(),
                new.device_id(),
                new.native
            );
            plans.push((kind, old, new));
        }

        if !self.playing() {
            let tails: Vec<(Kind, Vec<gst::Element>)> = lock(&self.state)
                .tracks
                .iter()
                .map(|t| (t.kind, t.chain.tail.clone()))
                .collect();
            let structural = plans.iter().any(|(kind, old, new)| {
                let tail = tails.iter().find(|(k, _)| k == kind).map(|(_, t)| t);
                !(old.same_opening(new) && tail.is_some_and(|t| chain::tail_fits(t, new)))
            });
            if structural {
                return Ok(Applied::Deferred);
            }
        }

        let mut done: Vec<(Kind, &TrackConfig, &TrackConfig)> = Vec::new();
        for (kind, old, new) in &plans {
            match self.reconfigure(*kind, old, new, outcome) {
                Ok(()) => done.push((*kind, old, new)),
                Err(e) => {
                    for (k, old, new) in done.into_iter().rev() {
                        if let Err(e2) = self.reconfigure(k, new, old, outcome) {
                            gst::warning!(CAT, imp = self, "rollback of {k:?}: {}", e2.message);
                        }
                    }
                    return Err(e);
                }
            }
        }
        lock(&self.state).applied = Some(constraints);
        Ok(Applied::Done)
    }

    /// Turns the running `old` configuration of a track into `new`, as cheaply as possible.
    fn reconfigure(
        &self,
        kind: Kind,
        old: &TrackConfig,
        new: &TrackConfig,
        outcome: &mut Outcome,
    ) -> Result<(), UserMediaError> {
        if old.same_opening(new) {
            let tail = lock(&self.state)
                .track(kind)
                .map(|t| t.chain.tail.clone())
                .unwrap_or_default();
            if chain::update_tail(&tail, new) {
                gst::debug!(CAT, imp = self, "{kind:?}: caps-only change");
                self.commit(kind, new, outcome);
                return Ok(());
            }
            match self.rebuild_tail(kind, new) {
                Ok(()) => {
                    gst::debug!(CAT, imp = self, "{kind:?}: tail rebuilt");
                    self.commit(kind, new, outcome);
                    return Ok(());
                }
                Err(e) => gst::warning!(
                    CAT,
                    imp = self,
                    "{kind:?}: tail rebuild failed ({}), rebuilding the whole chain",
                    e.message
                ),
            }
        }
        let other_device = old.device_id() != new.device_id();
        match self.swap_chain(kind, new, other_device) {
            Ok(()) => {
                if other_device {
                    let active = self.track_enabled(kind);
                    outcome
                        .messages
                        .push(capture_message(kind, old.device_id(), false));
                    outcome
                        .messages
                        .push(capture_message(kind, new.device_id(), active));
                }
                outcome.latency = true;
                self.commit(kind, new, outcome);
                Ok(())
            }
            Err(SwapError {
                error,
                intact: true,
            }) => Err(error),
            Err(SwapError { error, .. }) => {
                match self.swap_chain(kind, old, false) {
                    Ok(()) => outcome.latency = true,
                    Err(e2) => {
                        gst::error!(
                            CAT,
                            imp = self,
                            "cannot reopen the {kind:?} track either: {}",
                            e2.error.message
                        );
                        self.end_track(kind, "error", outcome);
                    }
                }
                Err(error)
            }
        }
    }

    /// Records `cfg` as the track's configuration and publishes its settings.
    fn commit(&self, kind: Kind, cfg: &TrackConfig, outcome: &mut Outcome) {
        let mut state = lock(&self.state);
        if let Some(track) = state.track_mut(kind) {
            track.config = cfg.clone();
        }
        state
            .settings
            .insert(kind_key(kind).into(), cfg.settings_json());
        state
            .capabilities
            .insert(kind_key(kind).into(), cfg.capabilities_json());
        outcome.notify = true;
    }

    fn track_enabled(&self, kind: Kind) -> bool {
        lock(&self.state)
            .track(kind)
            .is_none_or(|t| t.shared.mute.enabled())
    }

    /// Replaces every child of the track with a chain built for `cfg`, behind the same pad.
    fn swap_chain(&self, kind: Kind, cfg: &TrackConfig, preopen: bool) -> Result<(), SwapError> {
        let started = Instant::now();
        let intact = |error| SwapError {
            error,
            intact: true,
        };
        let Some((old, pad)) = lock(&self.state)
            .track(kind)
            .map(|t| (t.chain.all(), t.pad.clone()))
        else {
            return Err(intact(UserMediaError::new(
                "AbortError",
                "the track has ended",
            )));
        };
        let head = chain::build_head(cfg).map_err(intact)?;
        let tail = chain::build_tail(cfg, true).map_err(intact)?;
        if preopen {
            preopen_source(&head[0]).map_err(intact)?;
        }
        let opened = started.elapsed();

        self.stop_chain(&old, &pad);
        let _ = pad.set_target(None::<&gst::Pad>);
        let new = Chain { head, tail };
        {
            let mut state = lock(&self.state);
            state.probation = new.all();
            state.probation_error = None;
            if let Some(t) = state.track_mut(kind) {
                t.chain = Chain::default();
            }
        }
        let result = self.install_chain(&new, &pad);
        let recorded = {
            let mut state = lock(&self.state);
            state.probation.clear();
            state.probation_error.take()
        };
        match result.and_then(|()| recorded.map_or(Ok(()), Err)) {
            Ok(()) => {
                let mut state = lock(&self.state);
                if let Some(t) = state.track_mut(kind) {
                    t.chain = new;
                    t.shared.error_pending.store(false, Ordering::SeqCst);
                    t.shared.hold_eos.store(false, Ordering::SeqCst);
                }
                drop(state);
                gst::info!(
                    CAT,
                    imp = self,
                    "{kind:?} track now on {} as {} (opened in {opened:?}, flowing after {:?})",
                    cfg.device_id(),
                    cfg.native,
                    started.elapsed()
                );
                Ok(())
            }
            Err(error) => {
                self.stop_and_remove(&new.all());
                let _ = pad.set_target(None::<&gst::Pad>);
                Err(SwapError {
                    error,
                    intact: false,
                })
            }
        }
    }

    /// Stops and removes a track's old chain. When not PLAYING, its streaming thread may be
    /// waiting in a sink's preroll with the last frame, and stopping the chain would wait for
    /// it for ever: downstream is flushed around the stop then (a new chain sends a new
    /// segment; an ended track sends EOS).
    fn stop_chain(&self, elements: &[gst::Element], pad: &gst::GhostPad) {
        let flush = !self.playing();
        if flush {
            gst::debug!(
                CAT,
                imp = self,
                "not playing: flushing {} around the stop",
                pad.name()
            );
            pad.push_event(gst::event::FlushStart::new());
        }
        self.stop_and_remove(elements);
        if flush {
            pad.push_event(gst::event::FlushStop::new(false));
        }
    }

    /// Adds, links and starts `chain` behind `pad`; in PLAYING, waits for its first buffer.
    fn install_chain(&self, chain: &Chain, pad: &gst::GhostPad) -> Result<(), UserMediaError> {
        let obj = self.obj();
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            UserMediaError::new("AbortError", format!("{what}: {e}"))
        };
        let all = chain.all();
        obj.add_many(&all)
            .map_err(|e| fail("cannot add the new elements", &e))?;
        gst::Element::link_many(&all).map_err(|e| fail("cannot link the new elements", &e))?;
        let out = chain
            .out_pad()
            .ok_or_else(|| fail("cannot link the new elements", &"no src pad"))?;
        let first = FirstBuffer::watch(&out);
        pad.set_target(Some(&out))
            .map_err(|e| fail("cannot retarget the pad", &e))?;
        for e in all.iter().rev() {
            if e.sync_state_with_parent().is_err() {
                let recorded = lock(&self.state).probation_error.take();
                return Err(recorded.unwrap_or_else(|| {
                    fail(
                        "cannot start the new elements",
                        &format!("{} failed", e.name()),
                    )
                }));
            }
        }
        let started = Instant::now();
        loop {
            if first.wait(Duration::from_millis(20)) {
                return Ok(());
            }
            if let Some(e) = lock(&self.state).probation_error.take() {
                return Err(e);
            }
            if !self.playing() {
                // Live sources deliver nothing before PLAYING.
                return Ok(());
            }
            if started.elapsed() > FIRST_BUFFER_TIMEOUT {
                return Err(UserMediaError::new(
                    "AbortError",
                    format!(
                        "the device delivered no frame within {FIRST_BUFFER_TIMEOUT:?} after reopening"
                    ),
                ));
            }
        }
    }

    /// Replaces the track's tail between two buffers, keeping the device open (see
    /// [`TailSwap`]).
    fn rebuild_tail(&self, kind: Kind, cfg: &TrackConfig) -> Result<(), UserMediaError> {
        let fail = |m: String| UserMediaError::new("AbortError", m);
        let Some((split, old, pad)) = lock(&self.state)
            .track(kind)
            .and_then(|t| Some((t.chain.split_pad()?, t.chain.tail.clone(), t.pad.clone())))
        else {
            return Err(fail("the track has no running chain".into()));
        };
        let new = chain::build_tail(cfg, true)?;
        let bin: gst::Bin = self.obj().clone().upcast();
        let job = {
            let new = new.clone();
            Box::new(move |split: &gst::Pad| swap_tail(&bin, split, &old, &new, &pad))
        };
        match TailSwap::run(&split, job, IDLE_TIMEOUT) {
            Some(Ok(())) => {
                if let Some(t) = lock(&self.state).track_mut(kind) {
                    t.chain.tail = new;
                }
                Ok(())
            }
            Some(Err(e)) => {
                // The old tail is gone; the new one may be half in.
                self.stop_and_remove(&new);
                if let Some(t) = lock(&self.state).track_mut(kind) {
                    t.chain.tail.clear();
                }
                Err(fail(format!("cannot swap the processing elements: {e}")))
            }
            None => Err(fail(format!(
                "the stream did not pause between two buffers within {IDLE_TIMEOUT:?}"
            ))),
        }
    }

    /// Stops a track for good: children out, settings gone, then (after `ops`) track-ended,
    /// capture off and EOS on its pad.
    fn end_track(&self, kind: Kind, reason: &str, outcome: &mut Outcome) {
        let Some((chain, pad, device_id, was_active)) = ({
            let mut state = lock(&self.state);
            let found = state.track_mut(kind).map(|t| {
                t.ended = true;
                t.shared.hold_eos.store(true, Ordering::SeqCst);
                (
                    std::mem::take(&mut t.chain),
                    t.pad.clone(),
                    t.config.device_id().to_string(),
                    t.shared.mute.enabled(),
                )
            });
            state.settings.remove(kind_key(kind));
            state.capabilities.remove(kind_key(kind));
            found
        }) else {
            return;
        };
        gst::info!(
            CAT,
            imp = self,
            "{kind:?} track on {device_id} ended: {reason}"
        );
        self.stop_chain(&chain.all(), &pad);
        let _ = pad.set_target(None::<&gst::Pad>);
        outcome.messages.push(
            gst::Structure::builder("usermedia-track-ended")
                .field("kind", kind.device_kind())
                .field("deviceId", &device_id)
                .field("reason", reason)
                .build(),
        );
        if was_active {
            outcome
                .messages
                .push(capture_message(kind, &device_id, false));
        }
        outcome.eos.push(pad);
        outcome.notify = true;
    }

    /// `video-enabled` / `audio-enabled` changed.
    pub(super) fn set_enabled(&self, kind: Kind, enabled: bool) {
        let changed: Vec<String> = lock(&self.state)
            .tracks
            .iter()
            .filter(|t| t.kind == kind && !t.ended && t.shared.mute.enabled() != enabled)
            .map(|t| {
                t.shared.mute.set_enabled(enabled);
                t.config.device_id().to_string()
            })
            .collect();
        for id in changed {
            gst::info!(CAT, imp = self, "{kind:?} track on {id} enabled={enabled}");
            self.post_capture(kind, &id, enabled);
        }
    }

    /// Worker: a change of the device list.
    fn on_device_change(&self, session: u64, change: DeviceChange) {
        if change.kind == DeviceChangeKind::Removed {
            self.on_device_gone(session, &change.device_id);
        }
        if !self.session_is(session) {
            return;
        }
        let info = &change.entry.info;
        let what = match change.kind {
            DeviceChangeKind::Added => "added",
            DeviceChangeKind::Removed => "removed",
            DeviceChangeKind::Changed => "changed",
        };
        self.post_element_message(
            gst::Structure::builder("usermedia-devicechange")
                .field("change", what)
                .field("kind", info.kind().device_kind())
                .field("deviceId", &change.device_id)
                .field("label", &info.label)
                .field("groupId", &info.group_id)
                .build(),
        );
    }

    /// Worker: `device_id` is gone; end or fail over the tracks using it.
    fn on_device_gone(&self, session: u64, device_id: &str) {
        let Acquire::Acquired(guard) = self.ops.acquire(None) else {
            return;
        };
        let kinds: Vec<Kind> = {
            let state = lock(&self.state);
            if state.session.as_ref().is_none_or(|s| s.id != session) {
                return;
            }
            state
                .tracks
                .iter()
                .filter(|t| !t.ended && t.config.device_id() == device_id)
                .map(|t| t.kind)
                .collect()
        };
        let failover = lock(&self.settings).failover;
        let mut outcome = Outcome::default();
        for kind in kinds {
            if failover && self.fail_over(kind, device_id, &mut outcome) {
                continue;
            }
            self.end_track(kind, "device-removed", &mut outcome);
        }
        drop(guard);
        outcome.deliver(self);
    }

    /// Re-selects among the remaining devices and swaps; false when nothing else fits.
    fn fail_over(&self, kind: Kind, gone: &str, outcome: &mut Outcome) -> bool {
        let started = Instant::now();
        let applied = lock(&self.state).applied.clone();
        let Some(tc) = applied.as_ref().and_then(|a| constraints_for(a, kind)) else {
            return false;
        };
        let entries: Vec<DeviceEntry> = device::enumerate()
            .into_iter()
            .filter(|e| e.info.device_id != gone)
            .collect();
        let settings = lock(&self.settings).clone();
        let echo_probe = self.echo_probe_name(&settings);
        let env = self.audio_environment(echo_probe.as_deref());
        let cfg = match select_config(kind, tc, &entries, &env, echo_probe) {
            Ok(cfg) => cfg,
            Err(e) => {
                gst::info!(CAT, imp = self, "no failover for {kind:?}: {}", e.message);
                return false;
            }
        };
        if let Err(e) = self.swap_chain(kind, &cfg, true) {
            gst::warning!(
                CAT,
                imp = self,
                "failover of {kind:?} to {} failed: {}",
                cfg.device_id(),
                e.error.message
            );
            return false;
        }
        gst::info!(
            CAT,
            imp = self,
            "{kind:?} failed over from {gone} to {} in {:?}",
            cfg.device_id(),
            started.elapsed()
        );
        outcome.messages.push(
            gst::Structure::builder("usermedia-failover")
                .field("kind", kind.device_kind())
                .field("from", gone)
                .field("to", cfg.device_id())
                .build(),
        );
        outcome.messages.push(capture_message(kind, gone, false));
        outcome.messages.push(capture_message(
            kind,
            cfg.device_id(),
            self.track_enabled(kind),
        ));
        outcome.latency = true;
        self.commit(kind, &cfg, outcome);
        true
    }

    /// Worker: a running track's child failed. Unplugged devices make sources fail; wait a
    /// little for the device list to say so before calling it an error.
    fn on_source_error(&self, session: u64, kind: Kind, device_id: &str, error: UserMediaError) {
        let deadline = Instant::now() + UNPLUG_GRACE;
        loop {
            if !self.session_is(session) {
                return;
            }
            if device::find(device_id).is_none() {
                self.on_device_gone(session, device_id);
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let current = {
            let state = lock(&self.state);
            match state.track(kind) {
                Some(t) if t.config.device_id() == device_id => {
                    t.shared.hold_eos.store(false, Ordering::SeqCst);
                    true
                }
                _ => false,
            }
        };
        if current && self.session_is(session) {
            self.post_error(&error, false);
        }
    }
}

type TailJob = Box<dyn FnOnce(&gst::Pad) -> Result<(), String> + Send>;

/// Runs a relinking job on a pad while no data goes through it.
///
/// A BLOCK probe stops the next buffer or event before it reaches the peer and runs the job on
/// the streaming thread; an IDLE probe runs it as soon as no push is under way (at once when
/// the pad is idle, e.g. in PAUSED). Whichever comes first runs the job; the other waits for it
/// to finish (GStreamer 1.22 does not hold back pushes while an IDLE callback that was called
/// at once runs, so the BLOCK probe does that). Data then goes on to the new peer: a pad
/// re-sends its sticky events after a relink inside a block probe.
struct TailSwap {
    job: Option<TailJob>,
    result: Option<mpsc::Sender<Result<(), String>>>,
    cancelled: bool,
    block: ProbeSlot,
    idle: ProbeSlot,
}

#[derive(Default)]
struct ProbeSlot {
    id: Option<gst::PadProbeId>,
    /// The probe returned REMOVE (or was removed).
    gone: bool,
}

impl TailSwap {
    /// The job's result; `None` when no moment without data came within `timeout`.
    fn run(pad: &gst::Pad, job: TailJob, timeout: Duration) -> Option<Result<(), String>> {
        let (tx, rx) = mpsc::channel();
        let swap = Arc::new(Mutex::new(TailSwap {
            job: Some(job),
            result: Some(tx),
            cancelled: false,
            block: ProbeSlot::default(),
            idle: ProbeSlot::default(),
        }));
        let callback = |is_block: bool| {
            let swap = swap.clone();
            move |pad: &gst::Pad, _: &mut gst::PadProbeInfo| {
                // Held while the job runs: the other probe waits here.
                let mut s = lock(&swap);
                if !s.cancelled
                    && let Some(job) = s.job.take()
                {
                    let r = job(pad);
                    if let Some(tx) = s.result.take() {
                        let _ = tx.send(r);
                    }
                }
                if is_block {
                    s.block.gone = true;
                } else {
                    s.idle.gone = true;
                }
                gst::PadProbeReturn::Remove
            }
        };
        let id = pad.add_probe(
            gst::PadProbeType::BLOCK | gst::PadProbeType::DATA_DOWNSTREAM,
            callback(true),
        );
        lock(&swap).block.id = id;
        let id = pad.add_probe(gst::PadProbeType::IDLE, callback(false));
        lock(&swap).idle.id = id;

        let result = match rx.recv_timeout(timeout) {
            Ok(r) => Some(r),
            Err(_) => {
                let mut s = lock(&swap);
                s.cancelled = true;
                // Ran meanwhile: the result is in the channel already.
                rx.try_recv().ok()
            }
        };
        // Remove what did not fire; a callback waiting on the lock meanwhile finds the job
        // gone and returns REMOVE for a hook that is already invalid, which GStreamer ignores.
        let mut guard = lock(&swap);
        let s = &mut *guard;
        for slot in [&mut s.block, &mut s.idle] {
            if !slot.gone {
                slot.gone = true;
                if let Some(id) = slot.id.take() {
                    pad.remove_probe(id);
                }
            }
        }
        result
    }
}

/// With no data going through `split`: old tail out, new tail in.
fn swap_tail(
    bin: &gst::Bin,
    split: &gst::Pad,
    old: &[gst::Element],
    new: &[gst::Element],
    ghost: &gst::GhostPad,
) -> Result<(), String> {
    if let Some(sink) = old.first().and_then(|e| e.static_pad("sink")) {
        let _ = split.unlink(&sink);
    }
    let _ = ghost.set_target(None::<&gst::Pad>);
    for e in old {
        let _ = e.set_state(gst::State::Null);
    }
    for e in old {
        let _ = bin.remove(e);
    }
    bin.add_many(new).map_err(|e| e.to_string())?;
    if new.len() > 1 {
        gst::Element::link_many(new).map_err(|e| e.to_string())?;
    }
    for e in new.iter().rev() {
        e.sync_state_with_parent().map_err(|e| e.to_string())?;
    }
    let target = match (new.first(), new.last()) {
        (Some(first), Some(last)) => {
            let sink = first.static_pad("sink").ok_or("no sink pad")?;
            split.link(&sink).map_err(|e| e.to_string())?;
            last.static_pad("src").ok_or("no src pad")?
        }
        _ => split.clone(),
    };
    ghost.set_target(Some(&target)).map_err(|e| e.to_string())
}

/// Opens a device (NULL→READY) before it replaces another one, so a busy or refused device
/// fails here, with the old chain untouched.
fn preopen_source(source: &gst::Element) -> Result<(), UserMediaError> {
    let bus = gst::Bus::new();
    source.set_bus(Some(&bus));
    let res = source.set_state(gst::State::Ready);
    source.set_bus(None);
    if res.is_ok() {
        return Ok(());
    }
    let _ = source.set_state(gst::State::Null);
    let error = bus
        .pop_filtered(&[gst::MessageType::Error])
        .and_then(|msg| match msg.view() {
            gst::MessageView::Error(e) => Some(super::imp::classify_child_error(e)),
            _ => None,
        });
    Err(error.unwrap_or_else(|| {
        UserMediaError::new("NotReadableError", "the device could not be opened")
    }))
}

/// Signals the first buffer through a pad.
struct FirstBuffer {
    pad: gst::Pad,
    probe: Option<gst::PadProbeId>,
    rx: mpsc::Receiver<()>,
    seen: AtomicBool,
}

impl FirstBuffer {
    fn watch(pad: &gst::Pad) -> FirstBuffer {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(Some(tx));
        let probe = pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                if let Some(tx) = lock(&tx).take() {
                    let _ = tx.send(());
                }
                gst::PadProbeReturn::Ok
            },
        );
        FirstBuffer {
            pad: pad.clone(),
            probe,
            rx,
            seen: AtomicBool::new(false),
        }
    }

    fn wait(&self, timeout: Duration) -> bool {
        if self.seen.load(Ordering::SeqCst) || self.rx.recv_timeout(timeout).is_ok() {
            self.seen.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }
}

impl Drop for FirstBuffer {
    fn drop(&mut self) {
        if let Some(id) = self.probe.take() {
            self.pad.remove_probe(id);
        }
    }
}

fn constraints_for(c: &engine::MediaStreamConstraints, kind: Kind) -> Option<&TrackConstraints> {
    match kind {
        Kind::Video => c.video.as_ref(),
        Kind::Audio => c.audio.as_ref(),
    }
}

/// Whether the deviceId or groupId constraints differ (basic and advanced sets).
fn device_choice_changed(old: &TrackConstraints, new: &TrackConstraints) -> bool {
    let ids = |tc: &TrackConstraints| {
        std::iter::once(&tc.basic)
            .chain(&tc.advanced)
            .map(|s| (s.device_id.clone(), s.group_id.clone()))
            .collect::<Vec<_>>()
    };
    ids(old) != ids(new)
}

/// Selection for one track among `entries`.
fn select_config(
    kind: Kind,
    tc: &TrackConstraints,
    entries: &[DeviceEntry],
    env: &engine::AudioEnvironment,
    echo_probe: Option<String>,
) -> Result<TrackConfig, UserMediaError> {
    let devices: Vec<engine::Device> = entries.iter().map(|e| e.info.clone()).collect();
    let missing = || UserMediaError::new("AbortError", "selection chose an unknown device");
    Ok(match kind {
        Kind::Video => {
            let plan = engine::video::select(tc, &devices)?;
            let entry = entries.get(plan.device).ok_or_else(missing)?.clone();
            TrackConfig::video(entry, plan)
        }
        Kind::Audio => {
            let plan = engine::audio::select(tc, &devices, env)?;
            let entry = entries.get(plan.device).ok_or_else(missing)?.clone();
            TrackConfig::audio(entry, plan, echo_probe)
        }
    })
}

fn kinds_text(kinds: &[Kind]) -> String {
    if kinds.is_empty() {
        return "none".into();
    }
    kinds
        .iter()
        .map(|k| kind_key(*k))
        .collect::<Vec<_>>()
        .join("+")
}
