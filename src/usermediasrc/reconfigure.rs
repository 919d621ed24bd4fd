// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Moving a running track to another configuration, as cheaply as possible: caps only, a new
//! tail between two buffers, or a new chain behind the same pad (another mode or device);
//! and ending it. Used by applyConstraints and failover; what a track runs is recorded through
//! [`Running`]'s methods.

use std::sync::Mutex;
use std::time::Instant;

use gst::prelude::*;

use super::context::{Ctx, playing};
use super::debug::CAT;
use super::decide::TrackConfig;
use super::error::UserMediaError;
use super::oplock::lock;
use super::outcome::Outcome;
use super::session::Running;
use super::track::{Chain, Swap, SwapError};
use crate::engine::Kind;

/// The running state and the element an operation changes.
pub(super) struct Reconfigure<'a> {
    pub running: &'a Mutex<Option<Running>>,
    pub ctx: &'a Ctx,
}

impl Reconfigure<'_> {
    /// Turns every track into its new configuration, rolling back the ones done when one fails.
    pub fn all(
        &self,
        configs: &[TrackConfig],
        outcome: &mut Outcome,
    ) -> Result<(), UserMediaError> {
        let mut done: Vec<(TrackConfig, &TrackConfig)> = Vec::new();
        for new in configs {
            let kind = new.kind();
            let Some(old) = lock(self.running)
                .as_ref()
                .and_then(|r| r.track(kind))
                .map(|t| t.config.clone())
            else {
                continue;
            };
            match self.one(&old, new, outcome) {
                Ok(()) => done.push((old, new)),
                Err(e) => {
                    for (old, new) in done.into_iter().rev() {
                        if let Err(e2) = self.one(new, &old, outcome) {
                            gst::warning!(
                                CAT,
                                obj = self.ctx.element,
                                "rollback of {:?}: {}",
                                old.kind(),
                                e2.message()
                            );
                        }
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Turns the running `old` configuration of a track into `new`, as cheaply as possible:
    /// caps only, a new tail between two buffers, or a new chain.
    pub fn one(
        &self,
        old: &TrackConfig,
        new: &TrackConfig,
        outcome: &mut Outcome,
    ) -> Result<(), UserMediaError> {
        let kind = new.kind();
        let chain = lock(self.running)
            .as_ref()
            .and_then(|r| r.track(kind))
            .and_then(|t| t.chain.clone());
        if let Some(chain) = chain.filter(|_| old.same_opening(new)) {
            if chain.update(old, new) {
                gst::debug!(CAT, obj = self.ctx.element, "{kind:?}: caps-only change");
                self.commit(new, None, outcome);
                return Ok(());
            }
            match chain.rebuild_tail(new) {
                Ok(chain) => {
                    gst::debug!(CAT, obj = self.ctx.element, "{kind:?}: tail rebuilt");
                    self.commit(new, Some(chain), outcome);
                    return Ok(());
                }
                Err(e) => gst::warning!(
                    CAT,
                    obj = self.ctx.element,
                    "{kind:?}: tail rebuild failed ({}), rebuilding the whole chain",
                    e.message()
                ),
            }
        }
        let other_device = old.device_id() != new.device_id();
        match self.swap(new, other_device) {
            Ok(()) => {
                if other_device {
                    outcome.capture(kind, old.device_id(), false);
                    outcome.capture(kind, new.device_id(), self.track_enabled(kind));
                }
                outcome.latency = true;
                self.commit(new, None, outcome);
                Ok(())
            }
            Err(SwapError {
                error,
                intact: true,
            }) => Err(error),
            Err(SwapError { error, .. }) => {
                match self.swap(old, false) {
                    Ok(()) => outcome.latency = true,
                    Err(e2) => {
                        gst::error!(
                            CAT,
                            obj = self.ctx.element,
                            "cannot reopen the {kind:?} track either: {}",
                            e2.error.message()
                        );
                        self.end(kind, "error", outcome);
                    }
                }
                Err(error)
            }
        }
    }

    /// Records `cfg` (and a new chain) as the track's.
    pub fn commit(&self, cfg: &TrackConfig, chain: Option<Chain>, outcome: &mut Outcome) {
        if let Some(r) = lock(self.running).as_mut() {
            r.commit(cfg, chain);
        }
        outcome.notify = true;
    }

    pub fn track_enabled(&self, kind: Kind) -> bool {
        lock(self.running)
            .as_ref()
            .and_then(|r| r.track(kind))
            .is_none_or(|t| t.shared.mute.enabled())
    }

    /// Replaces the track's chain with one built for `cfg`, behind the same pad.
    pub fn swap(&self, cfg: &TrackConfig, preopen: bool) -> Result<(), SwapError> {
        let kind = cfg.kind();
        let started = Instant::now();
        let Some((old, pad)) = lock(self.running)
            .as_ref()
            .and_then(|r| r.track(kind))
            .map(|t| (t.chain.clone(), t.pad.clone()))
        else {
            return Err(SwapError {
                error: UserMediaError::Abort("the track has ended".into()),
                intact: true,
            });
        };
        let element = self.ctx.element.clone();
        let is_playing = move || playing(&element);
        let swap = Swap {
            element: &self.ctx.element,
            pad: &pad,
            old: old.as_ref(),
            preopen,
            playing: &is_playing,
        };
        let result = swap.run(cfg, &|p| {
            if let Some(r) = lock(self.running).as_mut() {
                r.set_probation(Some(p));
            }
        });
        if let Some(r) = lock(self.running).as_mut() {
            r.set_probation(None);
            match &result {
                Ok(chain) => r.swapped(kind, Some(chain.clone())),
                Err(e) if !e.intact => r.swapped(kind, None),
                Err(_) => (),
            }
        }
        result?;
        gst::info!(
            CAT,
            obj = self.ctx.element,
            "{kind:?} track now on {} as {} in {:?}",
            cfg.device_id(),
            cfg.native,
            started.elapsed()
        );
        Ok(())
    }

    /// Stops a track for good: chain out, settings gone, then (in the outcome) track-ended,
    /// capture off and EOS on its pad.
    pub fn end(&self, kind: Kind, reason: &str, outcome: &mut Outcome) {
        let Some((chain, pad, device_id, was_active)) =
            lock(self.running).as_mut().and_then(|r| r.end(kind))
        else {
            return;
        };
        gst::info!(
            CAT,
            obj = self.ctx.element,
            "{kind:?} track on {device_id} ended: {reason}"
        );
        if let Some(chain) = chain {
            chain.stop(self.ctx.bin(), &pad, self.ctx.playing());
        }
        let _ = pad.set_target(None::<&gst::Pad>);
        outcome.messages.push(
            gst::Structure::builder("usermedia-track-ended")
                .field("kind", kind.device_kind())
                .field("deviceId", &device_id)
                .field("reason", reason)
                .build(),
        );
        if was_active {
            outcome.capture(kind, &device_id, false);
        }
        outcome.eos.push(pad);
        outcome.notify = true;
    }
}
