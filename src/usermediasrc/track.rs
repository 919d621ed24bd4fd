// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! A track: the element's pad (`video_0` / `audio_0`, kept for the whole run), its probes, and
//! the [`Chain`] feeding it — a sub-bin holding the head (source, native caps, decoder) and the
//! typed tail (rate, crop, scale / conversion, processing), with a ghost pad the track's pad
//! targets.
//!
//! A chain can be built, updated in place (caps only), have its tail rebuilt between two
//! buffers, be replaced by another chain (another mode or device) behind the same pad, and be
//! stopped for good. The functions here change GStreamer objects only; which chain a track runs
//! is recorded by the controller.
//!
//! A new chain's sub-bin is state-locked while it is prepared outside the element (a device
//! is opened NULL→READY before the old chain is touched, so a busy device costs nothing) and
//! unlocked once it is in place, from then on following the element's state like any child:
//! GstBin's own state logic then aggregates the live sources' NO_PREROLL and async changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gst::prelude::*;

use super::debug::CAT;
use super::decide::TrackConfig;
use super::elements::{Head, Tail};
use super::error::UserMediaError;
use super::mute::Mute;
use super::pads::{self, Probation, Settled};
use crate::engine::Kind;

/// How long a swapped-in chain may take to deliver its first buffer in PLAYING.
const FIRST_BUFFER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a tail rebuild waits for the streaming thread to leave the pad.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the pad probes of a track share with the controller.
pub(super) struct TrackShared {
    pub mute: Mute,
    /// Drop EOS coming from the chain (a dying source) until the controller decides what
    /// happened; the element's own EOS is pushed on the pad and bypasses this gate.
    pub hold_eos: AtomicBool,
    /// A runtime error of this track is being looked into: further ones are dropped.
    pub error_pending: AtomicBool,
}

/// One track of a running element.
pub(super) struct Track {
    pub kind: Kind,
    pub config: TrackConfig,
    pub pad: gst::GhostPad,
    pub shared: Arc<TrackShared>,
    /// `None` between a failed swap and its repair, and once the track ended.
    pub chain: Option<Chain>,
    /// The device went away (or could not be reopened): no chain, EOS was sent.
    pub ended: bool,
    /// Counts the chains this track has had: a runtime error belongs to the chain that posted
    /// it, not to a later one on the same device.
    pub generation: u64,
}

impl Track {
    /// Builds the chain for `cfg` (minimal tail), adds it to `element` and makes the track's
    /// pad (not yet added to the element). On failure, the chain built so far is removed.
    pub fn build(
        element: &gst::Element,
        cfg: TrackConfig,
        enabled: bool,
    ) -> Result<Track, UserMediaError> {
        let kind = cfg.kind();
        let (template, name) = match kind {
            Kind::Video => ("video_%u", "video_0"),
            Kind::Audio => ("audio_%u", "audio_0"),
        };
        let chain = Chain::build(&cfg, false)?;
        let bin = element
            .downcast_ref::<gst::Bin>()
            .expect("usermediasrc is a bin");
        chain.insert(bin)?;
        let pad = element
            .pad_template(template)
            .ok_or_else(|| "missing pad template".to_string())
            .and_then(|templ| {
                gst::GhostPad::builder_from_template_with_target(&templ, &chain.out)
                    .map(|b| b.name(name).build())
                    .map_err(|e| e.to_string())
            });
        let pad = match pad {
            Ok(pad) => pad,
            Err(e) => {
                chain.remove(bin);
                return Err(UserMediaError::Abort(format!(
                    "cannot build the {name} track: {e}"
                )));
            }
        };
        let shared = Arc::new(TrackShared {
            mute: Mute::new(kind, enabled),
            hold_eos: AtomicBool::new(false),
            error_pending: AtomicBool::new(false),
        });
        install_probes(&pad, &shared);
        Ok(Track {
            kind,
            config: cfg,
            pad,
            shared,
            chain: Some(chain),
            ended: false,
            generation: 0,
        })
    }

    pub fn device_id(&self) -> &str {
        self.config.device_id()
    }

    /// Whether `object` is (inside) this track's chain.
    pub fn owns(&self, object: &gst::Object) -> bool {
        self.chain.as_ref().is_some_and(|c| c.owns(object))
    }
}

/// The pad probes of a track: mute (buffers on the pad) and the EOS gate (events from the
/// chain, on the pad's internal pad, which the element's own EOS bypasses).
fn install_probes(pad: &gst::GhostPad, shared: &Arc<TrackShared>) {
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

/// The elements feeding a track, inside their own sub-bin.
#[derive(Clone, Debug)]
pub(super) struct Chain {
    pub bin: gst::Bin,
    pub head: Head,
    pub tail: Tail,
    /// The sub-bin's src ghost pad, targeting the last element.
    out: gst::GhostPad,
}

/// A failed chain replacement, and whether the old chain still runs.
pub(super) struct SwapError {
    pub error: UserMediaError,
    pub intact: bool,
}

impl Chain {
    /// Builds and links head and tail (`full`: see [`Tail::build`]) in a new sub-bin.
    pub fn build(cfg: &TrackConfig, full: bool) -> Result<Chain, UserMediaError> {
        let head = Head::build(cfg)?;
        let tail = Tail::build(cfg, full)?;
        let kind = match cfg.kind() {
            Kind::Video => "video",
            Kind::Audio => "audio",
        };
        let fail = |e: &dyn std::fmt::Display| {
            UserMediaError::Abort(format!("cannot build the {kind} chain: {e}"))
        };
        let bin = gst::Bin::builder().name(format!("{kind}_chain")).build();
        let all: Vec<gst::Element> = head.elements().into_iter().chain(tail.elements()).collect();
        bin.add_many(&all).map_err(|e| fail(&e))?;
        gst::Element::link_many(&all).map_err(|e| fail(&e))?;
        let last = all
            .last()
            .and_then(|e| e.static_pad("src"))
            .ok_or_else(|| fail(&"no src pad"))?;
        let out = gst::GhostPad::with_target(&last).map_err(|e| fail(&e))?;
        bin.add_pad(&out).map_err(|e| fail(&e))?;
        Ok(Chain {
            bin,
            head,
            tail,
            out,
        })
    }

    /// Whether `object` is (inside) this chain.
    pub fn owns(&self, object: &gst::Object) -> bool {
        object == self.bin.upcast_ref::<gst::Object>() || object.has_as_ancestor(&self.bin)
    }

    /// Opens the device (NULL→READY) before the chain replaces another one, so a busy or
    /// refused device fails here, with the old chain untouched.
    fn preopen(&self) -> Result<(), UserMediaError> {
        let bus = gst::Bus::new();
        self.bin.set_locked_state(true);
        self.bin.set_bus(Some(&bus));
        let res = self.bin.set_state(gst::State::Ready);
        self.bin.set_bus(None);
        if res.is_ok() {
            return Ok(());
        }
        let _ = self.bin.set_state(gst::State::Null);
        let error = bus
            .pop_filtered(&[gst::MessageType::Error])
            .and_then(|msg| match msg.view() {
                gst::MessageView::Error(e) => Some(UserMediaError::from_child(e)),
                _ => None,
            });
        Err(error.unwrap_or_else(|| {
            UserMediaError::NotReadable("the device could not be opened".into())
        }))
    }

    /// Adds the chain to `bin`.
    fn insert(&self, bin: &gst::Bin) -> Result<(), UserMediaError> {
        bin.add(&self.bin)
            .map_err(|e| UserMediaError::Abort(format!("cannot add the new elements: {e}")))
    }

    /// Stops the chain and takes it out of `bin`. What its elements post meanwhile (a "not
    /// negotiated" warning as the elements after them stop, a source's error) is not news:
    /// the chain is silenced first.
    pub fn remove(&self, bin: &gst::Bin) {
        self.bin.set_locked_state(true);
        self.bin.set_bus(None);
        let _ = self.bin.set_state(gst::State::Null);
        if self.bin.parent().as_ref() == Some(bin.upcast_ref::<gst::Object>()) {
            let _ = bin.remove(&self.bin);
        }
    }

    /// Stops and removes the chain feeding `pad`. When not `playing`, its streaming thread may
    /// be waiting in a sink's preroll with the last frame, and stopping the chain would wait
    /// for it for ever: downstream is flushed around the stop then (a new chain sends a new
    /// segment; an ended track sends EOS).
    pub fn stop(&self, bin: &gst::Bin, pad: &gst::GhostPad, playing: bool) {
        if !playing {
            gst::debug!(
                CAT,
                obj = bin,
                "not playing: flushing {} around the stop",
                pad.name()
            );
            pad.push_event(gst::event::FlushStart::new());
        }
        self.remove(bin);
        if !playing {
            pad.push_event(gst::event::FlushStop::new(false));
        }
    }

    /// Caps-only change: configures the tail for `cfg` in place when the device is opened the
    /// same way and the tail has what `cfg` needs.
    pub fn update(&self, old: &TrackConfig, cfg: &TrackConfig) -> bool {
        old.same_opening(cfg) && self.tail.update(cfg)
    }

    /// Whether [`Chain::update`] would do (without changing anything).
    pub fn fits(&self, old: &TrackConfig, cfg: &TrackConfig) -> bool {
        old.same_opening(cfg) && self.tail.fits(cfg)
    }

    /// Replaces the tail with a full one for `cfg` between two buffers, keeping the device
    /// open. Returns the chain with its new tail; on failure the chain has no tail left to
    /// trust and must be replaced.
    pub fn rebuild_tail(&self, cfg: &TrackConfig) -> Result<Chain, UserMediaError> {
        let split = self
            .head
            .src_pad()
            .ok_or_else(|| UserMediaError::Abort("the track has no running chain".into()))?;
        let new = Tail::build(cfg, true)?;
        let job = {
            let (bin, out) = (self.bin.clone(), self.out.clone());
            let (old, new) = (self.tail.elements(), new.elements());
            Box::new(move |split: &gst::Pad| relink_tail(&bin, split, &old, &new, &out))
        };
        match pads::between_buffers(&split, job, IDLE_TIMEOUT) {
            Some(Ok(())) => Ok(Chain {
                tail: new,
                ..self.clone()
            }),
            Some(Err(e)) => Err(UserMediaError::Abort(format!(
                "cannot swap the processing elements: {e}"
            ))),
            None => Err(UserMediaError::Abort(format!(
                "the stream did not pause between two buffers within {IDLE_TIMEOUT:?}"
            ))),
        }
    }
}

/// With no data going through `split`: old tail out, new tail in.
fn relink_tail(
    bin: &gst::Bin,
    split: &gst::Pad,
    old: &[gst::Element],
    new: &[gst::Element],
    out: &gst::GhostPad,
) -> Result<(), String> {
    if let Some(sink) = old.first().and_then(|e| e.static_pad("sink")) {
        let _ = split.unlink(&sink);
    }
    let _ = out.set_target(None::<&gst::Pad>);
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
    out.set_target(Some(&target)).map_err(|e| e.to_string())
}

/// Replaces the chain behind a track's pad.
pub(super) struct Swap<'a> {
    pub element: &'a gst::Element,
    pub pad: &'a gst::GhostPad,
    pub old: Option<&'a Chain>,
    /// Open the new device before stopping the old chain (another device).
    pub preopen: bool,
    /// Whether the element is PLAYING (or on the way): then the swap waits for the first
    /// buffer of the new chain.
    pub playing: &'a (dyn Fn() -> bool + Sync),
}

impl Swap<'_> {
    /// Builds a chain for `cfg`; `register` records the new chain's [`Probation`] so that its
    /// errors reach [`Probation::fail`] while it is brought up (the caller ends it).
    pub fn run(
        &self,
        cfg: &TrackConfig,
        register: &dyn Fn(Arc<Probation>),
    ) -> Result<Chain, SwapError> {
        let intact = |error| SwapError {
            error,
            intact: true,
        };
        let bin = self
            .element
            .downcast_ref::<gst::Bin>()
            .expect("usermediasrc is a bin");
        let new = Chain::build(cfg, true).map_err(intact)?;
        let probation = Probation::new(&new.bin);
        register(probation.clone());
        let result = self.install(bin, &new, &probation);
        result.map(|()| new.clone()).map_err(|(error, intact)| {
            if !intact {
                new.remove(bin);
                let _ = self.pad.set_target(None::<&gst::Pad>);
            }
            SwapError { error, intact }
        })
    }

    fn install(
        &self,
        bin: &gst::Bin,
        new: &Chain,
        probation: &Arc<Probation>,
    ) -> Result<(), (UserMediaError, bool)> {
        if self.preopen
            && let Err(e) = new.preopen()
        {
            let _ = new.bin.set_state(gst::State::Null);
            return Err((e, true));
        }
        let broken = |e: UserMediaError| (e, false);
        if let Some(old) = self.old {
            old.stop(bin, self.pad, (self.playing)());
        }
        let _ = self.pad.set_target(None::<&gst::Pad>);
        new.bin.set_locked_state(true);
        new.insert(bin).map_err(broken)?;
        probation.watch(new.out.upcast_ref());
        self.pad.set_target(Some(&new.out)).map_err(|e| {
            broken(UserMediaError::Abort(format!(
                "cannot retarget the pad: {e}"
            )))
        })?;
        new.bin.set_locked_state(false);
        if new.bin.sync_state_with_parent().is_err() {
            return Err(broken(probation.take_error().unwrap_or_else(|| {
                UserMediaError::Abort("cannot start the new elements".into())
            })));
        }
        match probation.wait(FIRST_BUFFER_TIMEOUT, self.playing) {
            // Not PLAYING: a live source delivers nothing yet; its first buffer comes with
            // PLAYING, like the other chains'.
            Settled::Flowing | Settled::Stopped => Ok(()),
            Settled::Failed(e) => Err(broken(e)),
            Settled::TimedOut => Err(broken(UserMediaError::Abort(format!(
                "the device delivered no frame within {FIRST_BUFFER_TIMEOUT:?} after reopening"
            )))),
        }
    }
}
