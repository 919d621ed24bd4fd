// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The controller: the only owner of the running state, which it changes only through
//! [`Running`]'s methods (session.rs).
//!
//! It runs getUserMedia (READY→PAUSED), applyConstraints (`constraints` set while running),
//! unplug and failover, and teardown (PAUSED→READY). Each returns an [`Outcome`] — errors,
//! element messages, EOS, notifications — that the element posts once the operation is over.
//! Running state ([`Running`]) exists only between a successful getUserMedia and teardown.
//!
//! # Threads
//!
//! - The thread changing the element's state runs getUserMedia and teardown.
//! - The thread setting `constraints` runs applyConstraints to the end.
//! - One worker thread per run (`usermediasrc-live`, see [`worker`]) receives device changes
//!   from the shared monitor (whose own thread must not be blocked), runtime errors of the
//!   tracks and deferred changes; it holds only a weak reference to the element.
//! - Streaming threads only run the pad probes (mute, EOS gate, first buffer) and, for a tail
//!   rebuild, the relinking between two buffers.
//! - With `permission=prompt` and a `permission-timeout`, `request-permission` is emitted on a
//!   helper thread acting for the state-changing thread (see [`super::permission`]).
//!
//! # Locking
//!
//! Order: `ops` → `running` → a probation's own lock. `constraints`, `pending` and
//! `permission_panic` are leaves.
//!
//! - `ops` ([`OpLock`]) serialises operations. It is held while children change state; the
//!   outcome is posted after it is released. A thread that already holds it (a callback from
//!   inside an operation: a sync bus handler, `deep-element-added`, the permission handler)
//!   gets [`Acquire::Reentrant`] instead of a deadlock: constraints it sets are kept in
//!   `pending` and applied by the operation itself before it ends.
//! - `running` is held for short sections only: never while posting, emitting a signal,
//!   changing a child's state or calling into the device monitor.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::context::Ctx;
use super::debug::CAT;
use super::decide::{self, Environment, Origin, TrackConfig};
use super::error::{Severity, UserMediaError};
use super::oplock::lock;
use super::oplock::{Acquire, OpGuard, OpLock};
use super::outcome::Outcome;
use super::permission::{self, Permission};
use super::reconfigure::Reconfigure;
use super::request::{self, Flavor, Request};
use super::session::{Deferred, Listening, Route, Running};
use super::track::{Chain, Track};
use super::worker::{self, Event, Present, Suspect};
use crate::device::display::{self, DisplaySurface};
use crate::device::{self, DeviceChange, DeviceChangeKind, DeviceEntry};
use crate::engine::Kind;

/// How long `constraints` waits for another operation to finish.
const APPLY_WAIT: Duration = Duration::from_secs(30);

type StateResult = Result<gst::StateChangeSuccess, gst::StateChangeError>;

/// How an applyConstraints that selected fine went.
enum Applied {
    Done,
    Deferred(Box<Deferred>),
}

pub(super) struct Controller {
    running: Mutex<Option<Running>>,
    ops: OpLock,
    /// The `constraints` property.
    constraints: Mutex<String>,
    /// Constraints set from inside an operation, applied when it ends.
    pending: Mutex<Option<String>>,
    /// Set by the handler wrapper of `connect_request_permission` when the handler panicked.
    permission_panic: Mutex<Option<String>>,
    /// getUserMedia or getDisplayMedia.
    flavor: Flavor,
}

impl Controller {
    pub fn new(constraints: &str, flavor: Flavor) -> Self {
        Controller {
            flavor,
            running: Mutex::new(None),
            ops: OpLock::default(),
            constraints: Mutex::new(constraints.into()),
            pending: Mutex::new(None),
            permission_panic: Mutex::new(None),
        }
    }

    fn reconfigure<'a>(&'a self, ctx: &'a Ctx) -> Reconfigure<'a> {
        Reconfigure {
            running: &self.running,
            ctx,
        }
    }

    pub fn constraints(&self) -> String {
        lock(&self.constraints).clone()
    }

    /// `settings` / `capabilities`: derived from the running tracks.
    pub fn settings_json(&self, capabilities: bool) -> String {
        let map = lock(&self.running)
            .as_ref()
            .map(|r| r.json(capabilities))
            .unwrap_or_default();
        serde_json::Value::Object(map).to_string()
    }

    pub fn permission_handler_panicked(&self, message: String) {
        *lock(&self.permission_panic) = Some(message);
    }

    /// The element's state changed: a swap waiting for a first buffer checks again whether to.
    pub fn state_changed(&self) {
        if let Some(p) = lock(&self.running)
            .as_ref()
            .and_then(|r| r.probation().cloned())
        {
            p.wake();
        }
    }

    /// Ends the operation: constraints set from inside it are applied first.
    fn finish(&self, ctx: &Ctx, guard: Option<OpGuard<'_>>, mut outcome: Outcome) -> Outcome {
        loop {
            let Some(text) = lock(&self.pending).take() else {
                break;
            };
            gst::info!(
                CAT,
                obj = ctx.element,
                "applying constraints set during the operation"
            );
            outcome.append(self.apply_locked(ctx, text));
        }
        drop(guard);
        outcome
    }

    // -----------------------------------------------------------------------------------------
    // getUserMedia and teardown

    /// READY→PAUSED: getUserMedia, then `parent` (the bin's own state change) brings the
    /// chains up. S4.8: a device that turns out to be busy is dropped from the candidates and
    /// getUserMedia goes on with the others; with none left, the answer is the busy device's
    /// NotReadableError.
    pub fn start(&self, ctx: &Ctx, parent: &dyn Fn() -> StateResult) -> (StateResult, Outcome) {
        let guard = self.ops.acquire(None).guard();
        let mut outcome = Outcome::default();
        let mut excluded: Vec<String> = Vec::new();
        let mut busy_error: Option<UserMediaError> = None;
        let res = loop {
            if let Err(e) = self.get_user_media(ctx, &excluded, &mut outcome) {
                let e = match busy_error {
                    Some(busy)
                        if matches!(
                            e,
                            UserMediaError::NotFound(_) | UserMediaError::Overconstrained { .. }
                        ) =>
                    {
                        busy
                    }
                    _ => e,
                };
                outcome.errors.push((e, Severity::Error));
                break Err(gst::StateChangeError);
            }
            let res = parent();
            let (busy, display) = lock(&self.running).as_mut().map_or((None, false), |r| {
                (r.started(), matches!(r.applied(), Request::Display(_)))
            });
            match (res, busy) {
                // A display surface is the one the user agreed to: another would need asking
                // again, so a busy one is the error. A device tried already is not tried again.
                (Err(_), Some((device_id, e))) if !display && !excluded.contains(&device_id) => {
                    gst::info!(
                        CAT,
                        obj = ctx.element,
                        "{device_id} is busy: trying the other candidates"
                    );
                    // These tracks never went active: no indicator to turn off.
                    self.teardown(ctx, &mut Outcome::default());
                    excluded.push(device_id);
                    busy_error = Some(e);
                }
                (res, busy) => {
                    if let Some((_, e)) = busy {
                        outcome.errors.push((e, Severity::Error));
                    }
                    break res;
                }
            }
        };
        if res.is_err() {
            self.teardown(ctx, &mut outcome);
        } else if let Some(r) = lock(&self.running).as_ref() {
            for t in r.tracks().iter().filter(|t| !t.ended) {
                outcome.capture(t.kind, t.device_id(), t.shared.mute.enabled());
            }
        }
        (res, self.finish(ctx, guard, outcome))
    }

    /// Parse, select, ask, then build the tracks and their pads and start listening to
    /// devices. `excluded`: devices found busy by earlier attempts (permission was granted).
    fn get_user_media(
        &self,
        ctx: &Ctx,
        excluded: &[String],
        outcome: &mut Outcome,
    ) -> Result<(), UserMediaError> {
        let text = self.constraints();
        let (request, warnings) = self.flavor.parse(&text)?;
        if excluded.is_empty() {
            outcome.warnings.extend(warnings);
        }
        // No information about devices leaks to a page that was denied (S4.6).
        if ctx.options.permission == Permission::Denied {
            permission::post_state(&ctx.element, "denied");
            return Err(UserMediaError::NotAllowed(
                "permission to capture was denied (permission=denied)".into(),
            ));
        }
        let configs = select(ctx, &request, &text, excluded)?;
        if excluded.is_empty() {
            if ctx.options.permission == Permission::Prompt && !request::chosen_by_user(&configs) {
                permission::ask(
                    &ctx.element,
                    &configs,
                    ctx.options.permission_timeout_ms,
                    &self.ops,
                    &self.permission_panic,
                )?;
            }
            permission::post_state(&ctx.element, "granted");
        }
        outcome.restore_token = request::restore_token(&configs);

        let mut tracks: Vec<Track> = Vec::new();
        for cfg in configs {
            let enabled = match cfg.kind() {
                Kind::Video => ctx.options.video_enabled,
                Kind::Audio => ctx.options.audio_enabled,
            };
            match Track::build(&ctx.element, cfg, enabled) {
                Ok(t) => tracks.push(t),
                Err(e) => {
                    for t in &tracks {
                        if let Some(c) = &t.chain {
                            c.remove(ctx.bin());
                        }
                    }
                    return Err(e);
                }
            }
        }
        let pads: Vec<gst::GhostPad> = tracks.iter().map(|t| t.pad.clone()).collect();
        let (events, rx) = mpsc::channel();
        let (listening, present) = listen(&tracks, &events);
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let session = NEXT.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = worker::spawn(ctx.live.clone(), session, rx, present) {
            // Without it, unplug and device changes would go unnoticed.
            listening.stop();
            for t in &tracks {
                if let Some(c) = &t.chain {
                    c.remove(ctx.bin());
                }
            }
            return Err(UserMediaError::Abort(format!(
                "cannot start the device-change thread: {e}"
            )));
        }
        *lock(&self.running) = Some(Running::new(session, tracks, request, events, listening));
        for pad in pads {
            ctx.element
                .add_pad(&pad)
                .map_err(|e| UserMediaError::Abort(format!("cannot add pad: {e}")))?;
        }
        ctx.element.no_more_pads();
        outcome.notify = true;
        Ok(())
    }

    /// PAUSED→READY: `parent`, then every chain and pad goes.
    pub fn stop(&self, ctx: &Ctx, parent: &dyn Fn() -> StateResult) -> (StateResult, Outcome) {
        let guard = self.ops.acquire(None).guard();
        let res = parent();
        let mut outcome = Outcome::default();
        self.teardown(ctx, &mut outcome);
        (res, self.finish(ctx, guard, outcome))
    }

    /// Removes every chain and pad and stops listening to devices; the indicators of the
    /// tracks that were on go off.
    fn teardown(&self, ctx: &Ctx, outcome: &mut Outcome) {
        let Some(mut running) = lock(&self.running).take() else {
            return;
        };
        running.stop_listening();
        for track in running.tracks() {
            if let Some(chain) = &track.chain {
                chain.remove(ctx.bin());
            }
            if track.pad.parent().is_some() {
                let _ = ctx.element.remove_pad(&track.pad);
            }
            if !track.ended && track.shared.mute.enabled() {
                outcome.capture(track.kind, track.device_id(), false);
            }
        }
        outcome.notify = true;
    }

    /// The element is being disposed while running: stop hearing about devices.
    pub fn dispose(&self) {
        let running = lock(&self.running).take();
        if let Some(mut r) = running {
            r.stop_listening();
        }
    }

    /// PAUSED→PLAYING done: carry out what waited for it.
    pub fn playing(&self) {
        if let Some(r) = lock(&self.running).as_ref()
            && r.has_deferred()
        {
            r.notify_worker(Event::Deferred);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Child errors

    /// Where a child's error goes: a swap's failure, a busy device while starting, a running
    /// track (looked into by the worker: an unplugged device ends the track instead of failing
    /// the pipeline), or the bus.
    pub fn route_child_error(&self, element: &gst::Element, err: &gst::message::Error) -> Route {
        let Some(src) = err.src() else {
            return Route::Parent;
        };
        if src == element.upcast_ref::<gst::Object>() {
            return Route::Parent;
        }
        let e = UserMediaError::from_child(err);
        match lock(&self.running).as_mut() {
            Some(r) => r.route(element, src, e),
            None => Route::Post(e),
        }
    }

    // -----------------------------------------------------------------------------------------
    // applyConstraints

    /// The `constraints` property: stored when no track runs, applyConstraints otherwise.
    pub fn set_constraints(&self, ctx: &Ctx, text: String) -> Outcome {
        match self.ops.acquire(Some(APPLY_WAIT)) {
            Acquire::Acquired(guard) => {
                let outcome = self.apply_locked(ctx, text);
                self.finish(ctx, Some(guard), outcome)
            }
            Acquire::Reentrant => {
                gst::info!(
                    CAT,
                    obj = ctx.element,
                    "constraints set from inside an operation: applying them when it ends"
                );
                *lock(&self.pending) = Some(text);
                Outcome::default()
            }
            Acquire::TimedOut => Outcome::warning(UserMediaError::Abort(
                "applyConstraints: another reconfiguration did not finish in time".into(),
            )),
        }
    }

    /// applyConstraints with `ops` held.
    fn apply_locked(&self, ctx: &Ctx, text: String) -> Outcome {
        let live = lock(&self.running).as_mut().is_some_and(|r| {
            // A newer request replaces one waiting for PLAYING.
            r.defer(None);
            !r.tracks().is_empty()
        });
        if !live {
            // The request is made at READY→PAUSED; its devices can be looked for now, while the
            // application builds the rest of its pipeline (not when it will be refused).
            match self.flavor.parse(&text) {
                _ if ctx.options.permission == Permission::Denied => (),
                Ok((Request::User(constraints), _)) => decide::prepare(*constraints),
                Ok((Request::Display(_), _)) => request::prepare_display(),
                Err(_) => (),
            }
            *lock(&self.constraints) = text;
            return Outcome::default();
        }
        let started = Instant::now();
        let mut outcome = Outcome::default();
        let result = self.apply(ctx, &text, &mut outcome);
        gst::info!(
            CAT,
            obj = ctx.element,
            "applyConstraints {} in {:?}",
            if result.is_ok() { "done" } else { "failed" },
            started.elapsed()
        );
        match result {
            Ok(Applied::Done) => *lock(&self.constraints) = text,
            Ok(Applied::Deferred(mut deferred)) => {
                gst::info!(
                    CAT,
                    obj = ctx.element,
                    "not playing: the device or processing change waits for PLAYING"
                );
                deferred.text = text;
                if let Some(r) = lock(&self.running).as_mut() {
                    r.defer(Some(*deferred));
                    // PLAYING may have been reached since the check: then nothing else will
                    // carry the change out (doing it twice is harmless: it is taken once).
                    if ctx.playing() {
                        r.notify_worker(Event::Deferred);
                    }
                }
            }
            Err(e) => outcome.errors.push((e, Severity::Warning)),
        }
        outcome
    }

    /// Selects for every running track, then applies; all or nothing.
    fn apply(
        &self,
        ctx: &Ctx,
        text: &str,
        outcome: &mut Outcome,
    ) -> Result<Applied, UserMediaError> {
        let (constraints, warnings) = self.flavor.parse(text)?;
        outcome.warnings.extend(warnings);
        let (running, live, applied) = {
            let guard = lock(&self.running);
            let r = guard
                .as_ref()
                .ok_or_else(|| UserMediaError::Abort("not running".into()))?;
            let running: Vec<Kind> = r.tracks().iter().map(|t| t.kind).collect();
            let live: Vec<TrackConfig> = r
                .tracks()
                .iter()
                .filter(|t| !t.ended)
                .map(|t| t.config.clone())
                .collect();
            (running, live, r.applied().clone())
        };
        decide::check_kinds(&constraints.kinds(&running), &running)?;
        if live.is_empty() {
            if let Some(r) = lock(&self.running).as_mut() {
                r.set_applied(constraints);
            }
            return Ok(Applied::Done);
        }
        let env = Environment::of(&ctx.element, ctx.options.echo_probe.as_deref());
        let configs = match (&constraints, &applied) {
            (Request::User(c), Request::User(applied)) => {
                decide::reselect(&ctx.element, c, &live, applied, &env)?
            }
            (Request::Display(options), _) => request::reselect_display(options, &live)?,
            (Request::User(_), Request::Display(_)) => {
                return Err(UserMediaError::Type(
                    "the running tracks capture a screen: new constraints must ask for a screen \
                     too (a camera needs the element restarted)"
                        .into(),
                ));
            }
        };
        if !ctx.playing() {
            // Copied out first: `fits` reads element properties, not done under `running`.
            let running: Vec<(TrackConfig, Option<Chain>)> = lock(&self.running)
                .as_ref()
                .map(|r| {
                    configs
                        .iter()
                        .filter_map(|new| r.track(new.kind()))
                        .map(|t| (t.config.clone(), t.chain.clone()))
                        .collect()
                })
                .unwrap_or_default();
            let structural = configs.iter().any(|new| {
                !running.iter().any(|(old, chain)| {
                    old.kind() == new.kind() && chain.as_ref().is_some_and(|c| c.fits(old, new))
                })
            });
            if structural {
                return Ok(Applied::Deferred(Box::new(Deferred {
                    text: String::new(),
                    constraints,
                    configs,
                })));
            }
        }
        self.reconfigure(ctx).all(&configs, outcome)?;
        if let Some(r) = lock(&self.running).as_mut() {
            r.set_applied(constraints);
        }
        Ok(Applied::Done)
    }

    /// Worker: PLAYING reached; carry out the applyConstraints decided in PAUSED.
    pub fn carry_out_deferred(&self, ctx: &Ctx, session: u64) -> Outcome {
        let Acquire::Acquired(guard) = self.ops.acquire(None) else {
            return Outcome::default();
        };
        let deferred = lock(&self.running)
            .as_mut()
            .filter(|r| r.session() == session)
            .and_then(Running::take_deferred);
        let mut outcome = Outcome::default();
        if let Some(d) = deferred {
            match self.reconfigure(ctx).all(&d.configs, &mut outcome) {
                Ok(()) => {
                    if let Some(r) = lock(&self.running).as_mut() {
                        r.set_applied(d.constraints);
                    }
                    *lock(&self.constraints) = d.text;
                }
                Err(e) => outcome.errors.push((e, Severity::Warning)),
            }
        }
        self.finish(ctx, Some(guard), outcome)
    }

    /// `video-enabled` / `audio-enabled` changed.
    pub fn set_enabled(&self, ctx: &Ctx, kind: Kind, enabled: bool) -> Outcome {
        let changed = lock(&self.running)
            .as_ref()
            .map(|r| r.set_enabled(kind, enabled))
            .unwrap_or_default();
        let mut outcome = Outcome::default();
        for id in changed {
            gst::info!(
                CAT,
                obj = ctx.element,
                "{kind:?} track on {id} enabled={enabled}"
            );
            outcome.capture(kind, &id, enabled);
        }
        outcome
    }

    // -----------------------------------------------------------------------------------------
    // Device changes, unplug, failover

    fn session_is(&self, session: u64) -> bool {
        lock(&self.running)
            .as_ref()
            .is_some_and(|r| r.session() == session)
    }

    /// Worker: a change of the device list.
    pub fn on_device_change(&self, ctx: &Ctx, session: u64, change: &DeviceChange) -> Outcome {
        let mut outcome = Outcome::default();
        if change.kind == DeviceChangeKind::Removed {
            outcome = self.on_device_gone(ctx, session, &change.device_id);
        }
        if !self.session_is(session) {
            return outcome;
        }
        let info = &change.entry.info;
        let what = match change.kind {
            DeviceChangeKind::Added => "added",
            DeviceChangeKind::Removed => "removed",
            DeviceChangeKind::Changed => "changed",
        };
        outcome.messages.push(
            gst::Structure::builder("usermedia-devicechange")
                .field("change", what)
                .field("kind", info.kind().device_kind())
                .field("deviceId", &change.device_id)
                .field("label", &info.label)
                .field("groupId", &info.group_id)
                .build(),
        );
        outcome
    }

    /// Worker: `device_id` is gone; end or fail over the tracks using it.
    pub fn on_device_gone(&self, ctx: &Ctx, session: u64, device_id: &str) -> Outcome {
        let Acquire::Acquired(guard) = self.ops.acquire(None) else {
            return Outcome::default();
        };
        let kinds: Vec<Kind> = lock(&self.running)
            .as_ref()
            .filter(|r| r.session() == session)
            .map(|r| {
                r.tracks()
                    .iter()
                    .filter(|t| !t.ended && t.device_id() == device_id)
                    .map(|t| t.kind)
                    .collect()
            })
            .unwrap_or_default();
        let mut outcome = Outcome::default();
        for kind in kinds {
            if ctx.options.failover && self.fail_over(ctx, kind, device_id, &mut outcome) {
                continue;
            }
            self.reconfigure(ctx)
                .end(kind, "device-removed", &mut outcome);
        }
        self.finish(ctx, Some(guard), outcome)
    }

    /// Re-selects among the remaining devices and swaps; false when nothing else fits.
    fn fail_over(&self, ctx: &Ctx, kind: Kind, gone: &str, outcome: &mut Outcome) -> bool {
        let started = Instant::now();
        // A display surface that went away is not replaced by another one.
        let Some(Request::User(applied)) =
            lock(&self.running).as_ref().map(|r| r.applied().clone())
        else {
            return false;
        };
        let env = Environment::of(&ctx.element, ctx.options.echo_probe.as_deref());
        let cfg = match decide::failover(&ctx.element, &applied, kind, gone, &env) {
            Ok(cfg) => cfg,
            Err(e) => {
                gst::info!(
                    CAT,
                    obj = ctx.element,
                    "no failover for {kind:?}: {}",
                    e.message()
                );
                return false;
            }
        };
        if let Err(e) = self.reconfigure(ctx).swap(&cfg, true) {
            gst::warning!(
                CAT,
                obj = ctx.element,
                "failover of {kind:?} to {} failed: {}",
                cfg.device_id(),
                e.error.message()
            );
            return false;
        }
        gst::info!(
            CAT,
            obj = ctx.element,
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
        outcome.capture(kind, gone, false);
        outcome.capture(
            kind,
            cfg.device_id(),
            self.reconfigure(ctx).track_enabled(kind),
        );
        outcome.latency = true;
        self.reconfigure(ctx).commit(&cfg, None, outcome);
        true
    }

    /// Worker: a track's error outlived the grace period with its device still there.
    pub fn on_error_persisted(&self, session: u64, suspect: &Suspect) -> Outcome {
        let (kind, device_id, error) = (suspect.kind, &suspect.device_id, &suspect.error);
        let current = lock(&self.running)
            .as_ref()
            .filter(|r| r.session() == session)
            .is_some_and(|r| r.release_error(kind, device_id, suspect.generation));
        let mut outcome = Outcome::default();
        if current {
            outcome.errors.push((error.clone(), Severity::Error));
        }
        outcome
    }
}

/// getUserMedia's or getDisplayMedia's selection, among the candidates not `excluded` (busy).
fn select(
    ctx: &Ctx,
    request: &Request,
    text: &str,
    excluded: &[String],
) -> Result<Vec<TrackConfig>, UserMediaError> {
    let configs = match request {
        Request::User(constraints) => {
            let env = Environment::of(&ctx.element, ctx.options.echo_probe.as_deref());
            let pick = |entries: Vec<DeviceEntry>| {
                let entries: Vec<DeviceEntry> = entries
                    .into_iter()
                    .filter(|e| !excluded.contains(&e.info.device_id))
                    .collect();
                decide::decide(&ctx.element, constraints, &entries, &env)
            };
            // A camera asked for by its exact deviceId may be found before every provider has
            // started. Any failure there is decided again on the full list, so that errors
            // are the same either way.
            match decide::exact_candidates(constraints).map(pick) {
                Some(Ok(configs)) => configs,
                // Only the providers of the requested kinds are started.
                _ => pick(device::enumerate_kinds(&decide::kinds(constraints)))
                    .map_err(with_setup_problem)?,
            }
        }
        Request::Display(options) => {
            let query = request::display_query(options, &ctx.options);
            let surfaces: Vec<DisplaySurface> = display::surfaces(&query)
                .map_err(request::display_error)?
                .into_iter()
                .filter(|s| !excluded.contains(&s.surface.id))
                .collect();
            request::decide_display(
                &ctx.element,
                options,
                surfaces,
                ctx.options.echo_probe.as_deref(),
                excluded,
            )?
        }
    };
    gst::info!(
        CAT,
        obj = ctx.element,
        "{text} selects {}",
        configs
            .iter()
            .map(|c| format!("{:?} on {}", c.kind(), c.device_id()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(configs)
}

/// A NotFoundError caused by a setup mistake (an unreadable fake device list, no device
/// provider installed) says so.
fn with_setup_problem(e: UserMediaError) -> UserMediaError {
    match (e, device::setup_problem()) {
        (UserMediaError::NotFound(m), Some(problem)) => {
            UserMediaError::NotFound(format!("{m} ({problem})"))
        }
        (e, _) => e,
    }
}

/// How the run hears that what its tracks capture went away, and how its worker tells whether
/// a failing source's device (or surface) is still there.
fn listen(tracks: &[Track], events: &mpsc::Sender<Event>) -> (Listening, Present) {
    let surfaces: Vec<DisplaySurface> = tracks
        .iter()
        .filter_map(|t| match &t.config.origin {
            Origin::Display(s) => Some(s.clone()),
            Origin::Device(_) => None,
        })
        .collect();
    // A display run's audio (a legacy request's microphone, system audio) is a device.
    let devices = tracks
        .iter()
        .any(|t| matches!(t.config.origin, Origin::Device(_)))
        .then(|| {
            let forward = Mutex::new(events.clone());
            device::subscribe(move |change| {
                let _ = lock(&forward).send(Event::Device(change));
            })
        });
    let watches = surfaces
        .iter()
        .filter_map(|s| {
            let forward = Mutex::new(events.clone());
            let id = s.surface.id.clone();
            s.source.watch(Box::new(move || {
                let _ = lock(&forward).send(Event::SurfaceGone(id.clone()));
            }))
        })
        .collect();
    let device_present = worker::device_present();
    let present: Present = Box::new(
        move |id| match surfaces.iter().find(|s| s.surface.id == id) {
            Some(s) => s.source.present(),
            None => device_present(id),
        },
    );
    (
        Listening {
            devices,
            surfaces: watches,
        },
        present,
    )
}
