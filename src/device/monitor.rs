// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! One device monitor per process, shared by every element.
//!
//! Probing starts device providers (PipeWire connects, pulse subscribes, v4l2 walks udev), so it
//! is done once, on first use, and the list is then kept current from provider events: a bus
//! sync handler (no GLib main loop needed) wakes a worker thread that re-reads the device list,
//! diffs it by deviceId and tells subscribers. Because a later `GstDeviceMonitor` in the process
//! takes provider events away from ours (GStreamer 1.22, see `RESCAN`), the worker also re-reads
//! the lists of the started providers once a second. [`enumerate`] returns the current list
//! without probing again.
//!
//! Real providers are started per kind, on first use of that kind: a camera-only request does
//! not load and connect the pulse provider (about half of the probe). A camera asked for by its
//! exact PipeWire deviceId starts PipeWire's provider alone ([`enumerate_exact`]); the list then
//! covers that provider's cameras until cameras are listed in full (`Scope`). Devices of a kind
//! (or provider) started later are not reported to subscribers as added: they were there
//! before, just not looked at.
//!
//! With `GST_USERMEDIA_FAKE_DEVICES` set, only the plugin's fake provider is used: real providers
//! are never started, so tests are hermetic and fast.
//!
//! Order: cameras, then microphones; within a kind the system default first (pulse `is-default`,
//! else the highest WirePlumber `priority.session`), then provider order. Pulse/PipeWire monitor
//! sources are not microphones and are left out. A PipeWire node that pipewire-pulse also
//! publishes through `pulsedeviceprovider` is listed once: microphones keep the pulse entry
//! (`pulsesrc` timestamps its buffers and honours `latency-time`; `pipewiresrc` 0.3.65 audio has
//! no PTS after the first buffer), cameras keep the PipeWire entry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use gst::glib;
use gst::prelude::*;

use super::fake::{self, FakeDeviceProvider};
use super::{CAT, caps, entries};
use crate::engine::{Device, Kind};

/// One enumerated device: the `GstDevice`, what the engine needs to know about it, and the caps
/// structure of each of its native modes (same index as the engine's mode list).
#[derive(Clone, Debug)]
pub struct DeviceEntry {
    pub gst_device: gst::Device,
    pub info: Device,
    pub structures: Vec<gst::Structure>,
    /// Device provider factory name (`pipewiredeviceprovider`, `usermediafakedeviceprovider`, …).
    pub provider: String,
}

impl DeviceEntry {
    /// Fully fixed caps to open video mode `mode` at the given native values; an error when the
    /// mode does not offer them.
    pub fn video_caps(
        &self,
        mode: usize,
        width: u32,
        height: u32,
        frame_rate: f64,
    ) -> Result<gst::Caps, glib::BoolError> {
        let s = self
            .structures
            .get(mode)
            .ok_or_else(|| glib::bool_error!("no mode {}", mode))?;
        caps::check_video(s, width, height, frame_rate)?;
        Ok(caps::fixed_video_caps(s, width, height, frame_rate))
    }

    /// Fully fixed caps to open audio mode `mode` at the given native values; an error when the
    /// mode does not offer them.
    pub fn audio_caps(
        &self,
        mode: usize,
        rate: u32,
        channels: u32,
    ) -> Result<gst::Caps, glib::BoolError> {
        let s = self
            .structures
            .get(mode)
            .ok_or_else(|| glib::bool_error!("no mode {}", mode))?;
        caps::check_audio(s, rate, channels)?;
        Ok(caps::fixed_audio_caps(s, rate, channels))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceChangeKind {
    Added,
    Removed,
    /// Same deviceId, new `GstDevice` or new capabilities.
    Changed,
}

/// A change of the device list. `entry` is the new entry, or the last one seen for `Removed`.
#[derive(Clone, Debug)]
pub struct DeviceChange {
    pub kind: DeviceChangeKind,
    pub device_id: String,
    pub entry: DeviceEntry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

/// The current devices of every kind. The first call in a process starts the providers; later
/// calls return the list kept current since.
pub fn enumerate() -> Vec<DeviceEntry> {
    enumerate_kinds(&[Kind::Video, Kind::Audio])
}

/// The current devices, with the providers of `kinds` started first if they were not yet. The
/// list may hold devices of other kinds (those started earlier).
pub fn enumerate_kinds(kinds: &[Kind]) -> Vec<DeviceEntry> {
    let shared = shared();
    if let Backend::Monitors(monitors) = &shared.backend {
        // Started now: the worker re-reads the list; `current` waits for it.
        monitors.ensure(kinds, &shared.events);
    }
    current(shared)
}

/// The camera whose deviceId is `id` (a request's `deviceId: {exact: id}`), found without
/// probing every camera provider when that cannot change the answer; `None` when the caller must
/// look at the full list ([`enumerate_kinds`]) instead.
///
/// Reopening a saved camera is the common case, and most of the first probe is spent on
/// providers that cannot hold it: an id `pipewire:<node.name>` can only come from
/// `pipewiredeviceprovider`, whose cameras are never replaced by a twin from another provider
/// (see `entries`). So when cameras have not been listed yet, only that provider is started and
/// only its cameras are looked at; the other camera providers start with the next full listing
/// (`enumerateDevices`, a request without an exact deviceId, a failover). `None` for fake
/// devices (their probe is already cheap), other providers' ids, and ids made unique with `#n`
/// (their numbers follow the full list's order, in which a twin can make a camera the default).
pub fn enumerate_exact(kind: Kind, id: &str) -> Option<DeviceEntry> {
    const PROVIDER: &str = "pipewiredeviceprovider";
    if kind != Kind::Video || !id.starts_with("pipewire:") || id.contains('#') {
        return None;
    }
    let shared = shared();
    let Backend::Monitors(monitors) = &shared.backend else {
        return None;
    };
    match monitors.ensure_provider(kind, PROVIDER, &shared.events) {
        Partial::Unavailable | Partial::Full => return None,
        Partial::Covered => (),
    }
    current(shared)
        .into_iter()
        .find(|e| e.info.kind() == kind && e.provider == PROVIDER && e.info.device_id == id)
}

/// The entries, once the worker has applied the events posted so far.
fn current(shared: &Shared) -> Vec<DeviceEntry> {
    let mut state = shared.events.lock();
    // A hot-plug event just arrived: wait (briefly) for the worker so callers see it. Not on the
    // worker itself, which is where subscriber callbacks run.
    if state.posted != state.applied && shared.worker.get() != Some(&std::thread::current().id()) {
        state = shared
            .events
            .cond
            .wait_timeout_while(state, Duration::from_secs(1), |s| s.posted != s.applied)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    state.entries.clone()
}

/// The current device with this deviceId.
pub fn find(device_id: &str) -> Option<DeviceEntry> {
    enumerate()
        .into_iter()
        .find(|e| e.info.device_id == device_id)
}

/// What is wrong with the device setup, if anything: with `GST_USERMEDIA_FAKE_DEVICES`, why its
/// list cannot be used (see `fake::config::setup_problem`); with real devices, the kinds looked
/// for so far that no installed GStreamer device provider publishes.
pub fn setup_problem() -> Option<String> {
    match &shared().backend {
        Backend::Monitors(monitors) => {
            let unserved = lock(&monitors.started).unserved.clone();
            let what: Vec<&str> = unserved
                .iter()
                .map(|k| match k {
                    Kind::Video => {
                        "cameras (v4l2: gstreamer1.0-plugins-good; PipeWire: \
                                    gstreamer1.0-pipewire)"
                    }
                    Kind::Audio => {
                        "microphones (PulseAudio: gstreamer1.0-pulseaudio; ALSA: \
                                    gstreamer1.0-alsa)"
                    }
                })
                .collect();
            (!what.is_empty()).then(|| {
                format!(
                    "no GStreamer device provider for {} is installed",
                    what.join(" or ")
                )
            })
        }
        _ => fake::config::setup_problem(),
    }
}

/// The fake device provider, when the process uses fake devices.
pub(crate) fn fake_provider() -> Option<FakeDeviceProvider> {
    match &shared().backend {
        Backend::Fake(provider) => Some(provider.clone()),
        _ => None,
    }
}

/// Whether the process uses fake devices (`GST_USERMEDIA_FAKE_DEVICES` was set at first use).
pub fn uses_fake_devices() -> bool {
    matches!(shared().backend, Backend::Fake(_))
}

/// Calls `f` for every change of the device list, on the monitor's worker thread. Callbacks
/// must return quickly; they may call [`enumerate`].
pub fn subscribe(f: impl Fn(DeviceChange) + Send + Sync + 'static) -> SubscriptionId {
    let shared = shared();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    lock(&shared.subscribers).push((id, Arc::new(f)));
    SubscriptionId(id)
}

pub fn unsubscribe(id: SubscriptionId) {
    lock(&shared().subscribers).retain(|(i, _)| *i != id.0);
}

// ---------------------------------------------------------------------------------------------

enum Backend {
    Fake(FakeDeviceProvider),
    /// Real providers, started per kind on first use.
    Monitors(Monitors),
    /// The fake provider could not be started.
    Empty,
}

/// The providers started so far, and for which kinds.
#[derive(Default)]
struct Monitors {
    started: Mutex<Started>,
}

#[derive(Default)]
struct Started {
    /// Kinds asked for so far (whether or not a provider serves them), and providers started
    /// alone for a kind not asked for yet (see [`enumerate_exact`]).
    scope: Scope,
    /// The monitor of the kinds asked for first. Never stopped: it lives as long as the process.
    monitor: Option<gst::DeviceMonitor>,
    /// Every started provider, in the order one monitor for both kinds would use (camera
    /// providers by rank, then the others by rank).
    providers: Vec<gst::DeviceProvider>,
    /// Kinds asked for that no installed device provider publishes.
    unserved: Vec<Kind>,
}

impl Monitors {
    /// Starts the providers of the `kinds` not started yet, and posts a re-read of the list if
    /// it did.
    ///
    /// The first kinds get a `GstDeviceMonitor`. A later kind only starts the providers not
    /// running yet (pulse for microphones after cameras), each with our handler on its bus, and
    /// no second monitor: in GStreamer 1.22 a new monitor takes the provider bus handlers over
    /// (see `RESCAN`), so it would take the PipeWire events away from the first monitor, or from
    /// an application's monitor created meanwhile.
    fn ensure(&self, kinds: &[Kind], events: &Arc<Events>) {
        let mut started = lock(&self.started);
        let new: Vec<Kind> = [Kind::Video, Kind::Audio]
            .into_iter()
            .filter(|k| kinds.contains(k) && !started.scope.kinds.contains(k))
            .collect();
        if new.is_empty() {
            return;
        }
        let t = Instant::now();
        if started.monitor.is_none() {
            prestart_providers(&new);
            if let Some(monitor) = start_monitor(&new, events) {
                for provider in monitor
                    .providers()
                    .iter()
                    .filter_map(|name| gst::DeviceProviderFactory::find(name)?.get())
                {
                    if !started.providers.contains(&provider) {
                        started.providers.push(provider);
                    }
                }
                started.monitor = Some(monitor);
                // The monitor's handler on a provider's bus drops the events of devices outside
                // its filters: give providers still listed for another kind ours back.
                for (kind, name) in &started.scope.partial {
                    if new.contains(kind) {
                        continue;
                    }
                    if let Some(p) = started
                        .providers
                        .iter()
                        .find(|p| p.factory().is_some_and(|f| f.name() == name.as_str()))
                    {
                        watch(p, events);
                    }
                }
            }
        } else {
            for factory in monitored_factories() {
                if !new.iter().any(|&k| factory.has_classes(Some(class_of(k)))) {
                    continue;
                }
                let Some(provider) = factory.get() else {
                    continue;
                };
                if started.providers.contains(&provider) {
                    continue;
                }
                watch(&provider, events);
                match provider.start() {
                    Ok(()) => started.providers.push(provider),
                    Err(err) => gst::info!(CAT, "{} did not start: {}", factory.name(), err),
                }
            }
        }
        sort_providers(&mut started.providers);
        started.scope.partial.retain(|(k, _)| !new.contains(k));
        let factories = monitored_factories();
        for &kind in &new {
            // The fake provider serves nothing without GST_USERMEDIA_FAKE_DEVICES.
            if !factories
                .iter()
                .any(|f| f.name() != fake::PROVIDER_NAME && f.has_classes(Some(class_of(kind))))
            {
                started.unserved.push(kind);
            }
        }
        started.scope.kinds.extend(new);
        // Posted before `started` is released: a caller that finds these kinds started (and
        // so starts nothing) must then wait for the worker's re-read, not read the list from
        // before it.
        events.bump();
        gst::info!(
            CAT,
            "{:?} providers started in {:?}: {:?}",
            started.scope.kinds,
            t.elapsed(),
            started
                .providers
                .iter()
                .map(|p| p.factory().map(|f| f.name()))
                .collect::<Vec<_>>()
        );
    }

    /// Starts provider `name` alone for `kind` (see [`enumerate_exact`]), unless `kind` is
    /// listed in full already.
    fn ensure_provider(&self, kind: Kind, name: &str, events: &Arc<Events>) -> Partial {
        let mut started = lock(&self.started);
        if started.scope.kinds.contains(&kind) {
            return Partial::Full;
        }
        if started
            .scope
            .partial
            .iter()
            .any(|(k, p)| *k == kind && p == name)
        {
            return Partial::Covered;
        }
        // What a monitor would use: a ranked provider of that kind.
        let Some(provider) = gst::DeviceProviderFactory::find(name)
            .filter(|f| f.rank() > gst::Rank::NONE && f.has_classes(Some(class_of(kind))))
            .and_then(|f| f.get())
        else {
            return Partial::Unavailable;
        };
        let t = Instant::now();
        // Ours also when the provider runs already: a monitor's handler there (one started for
        // microphones) drops the events of devices outside its filters, cameras included.
        watch(&provider, events);
        if !started.providers.contains(&provider) {
            if let Err(err) = provider.start() {
                gst::info!(CAT, "{} did not start: {}", name, err);
                return Partial::Unavailable;
            }
            started.providers.push(provider);
            sort_providers(&mut started.providers);
        }
        started.scope.partial.push((kind, name.to_string()));
        // As in `ensure`: posted while `started` is held.
        events.bump();
        gst::info!(
            CAT,
            "{name} started for {kind:?} alone in {:?}",
            t.elapsed()
        );
        Partial::Covered
    }
}

/// What [`Monitors::ensure_provider`] did.
enum Partial {
    /// No such provider, or it does not start.
    Unavailable,
    /// The kind is listed in full already.
    Full,
    /// The list covers the provider's devices of this kind: started now (its re-read posted),
    /// running already for another kind, or covered before.
    Covered,
}

/// The devices a list covers: whole kinds, and single providers (by factory name) of kinds not
/// listed in full.
#[derive(Clone, Debug, Default, PartialEq)]
struct Scope {
    kinds: Vec<Kind>,
    partial: Vec<(Kind, String)>,
}

impl Scope {
    fn all() -> Self {
        Scope {
            kinds: vec![Kind::Video, Kind::Audio],
            partial: Vec::new(),
        }
    }

    fn covers(&self, kind: Kind, provider: &str) -> bool {
        self.kinds.contains(&kind)
            || self
                .partial
                .iter()
                .any(|(k, p)| *k == kind && p == provider)
    }

    fn covers_device(&self, device: &gst::Device) -> bool {
        [Kind::Video, Kind::Audio].into_iter().any(|kind| {
            device.has_classes(class_of(kind))
                && self.covers(kind, &super::identity::provider_name(device))
        })
    }
}

/// Our handler on a provider's bus: device events wake the worker.
fn watch(provider: &gst::DeviceProvider, events: &Arc<Events>) {
    let ev = events.clone();
    provider.bus().set_sync_handler(move |_, msg| {
        if is_device_message(msg) {
            ev.bump();
        }
        gst::BusSyncReply::Drop
    });
}

/// The order one monitor for both kinds would use: camera providers by rank, then the others by
/// rank.
fn sort_providers(providers: &mut [gst::DeviceProvider]) {
    providers.sort_by_cached_key(|p| {
        let factory = p.factory();
        (
            !factory
                .as_ref()
                .is_some_and(|f| f.has_classes(Some(class_of(Kind::Video)))),
            std::cmp::Reverse(factory.as_ref().map_or(gst::Rank::NONE, |f| f.rank())),
            factory.map(|f| f.name().to_string()).unwrap_or_default(),
        )
    });
}

struct State {
    entries: Vec<DeviceEntry>,
    /// The devices `entries` were built from.
    raw: Vec<gst::Device>,
    /// What `raw` covers.
    scope: Scope,
    /// Device events seen / reflected in `entries`.
    posted: u64,
    applied: u64,
}

struct Events {
    state: Mutex<State>,
    cond: Condvar,
}

impl Events {
    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn bump(&self) {
        self.lock().posted += 1;
        self.cond.notify_all();
    }
}

type Callback = Arc<dyn Fn(DeviceChange) + Send + Sync>;

struct Shared {
    backend: Backend,
    events: Arc<Events>,
    subscribers: Mutex<Vec<(u64, Callback)>>,
    next_id: AtomicU64,
    worker: OnceLock<ThreadId>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    static WORKER: OnceLock<()> = OnceLock::new();
    let shared = SHARED.get_or_init(start);
    WORKER.get_or_init(|| spawn_worker(shared));
    shared
}

fn start() -> Shared {
    let started = Instant::now();
    let events = Arc::new(Events {
        state: Mutex::new(State {
            entries: Vec::new(),
            raw: Vec::new(),
            scope: Scope::default(),
            posted: 0,
            applied: 0,
        }),
        cond: Condvar::new(),
    });
    let backend = if std::env::var_os(fake::ENV_VAR).is_some() {
        start_fake(&events)
    } else {
        // Providers start on first use of their kind (`Monitors::ensure`).
        Backend::Monitors(Monitors::default())
    };
    if !matches!(backend, Backend::Monitors(_)) {
        let target = events.lock().posted;
        let (raw, scope) = raw_devices(&backend);
        let entries = entries::build(matches!(backend, Backend::Fake(_)), &raw);
        let mut state = events.lock();
        state.entries = entries;
        state.raw = raw;
        state.scope = scope;
        state.applied = target;
        gst::info!(
            CAT,
            "Device monitor started in {:?}: {} devices",
            started.elapsed(),
            state.entries.len()
        );
    }
    Shared {
        backend,
        events,
        subscribers: Mutex::new(Vec::new()),
        next_id: AtomicU64::new(1),
        worker: OnceLock::new(),
    }
}

fn is_device_message(msg: &gst::Message) -> bool {
    matches!(
        msg.view(),
        gst::MessageView::DeviceAdded(_)
            | gst::MessageView::DeviceRemoved(_)
            | gst::MessageView::DeviceChanged(_)
    )
}

fn start_fake(events: &Arc<Events>) -> Backend {
    let provider = gst::DeviceProviderFactory::find(fake::PROVIDER_NAME)
        .and_then(|f| f.get())
        .and_then(|p| p.downcast::<FakeDeviceProvider>().ok())
        .unwrap_or_else(glib::Object::new::<FakeDeviceProvider>);
    // Not the provider bus: a GstDeviceMonitor of the application would take it over (see
    // `RESCAN`).
    let ev = events.clone();
    provider.add_listener(Arc::new(move || ev.bump()));
    match provider.start() {
        Ok(()) => Backend::Fake(provider),
        Err(err) => {
            gst::warning!(CAT, "Cannot start the fake device provider: {}", err);
            Backend::Empty
        }
    }
}

/// The provider factories a `GstDeviceMonitor` uses (rank at least 1), highest rank first.
fn monitored_factories() -> Vec<gst::DeviceProviderFactory> {
    gst::DeviceProviderFactory::factories(gst::Rank::NONE)
        .into_iter()
        .filter(|f| f.rank() > gst::Rank::NONE)
        .collect()
}

fn class_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Video => "Video/Source",
        Kind::Audio => "Audio/Source",
    }
}

/// Starts the providers a monitor for `kinds` will use, each in a thread of its own: a start is
/// mostly waiting (for a daemon's answers, for a udev thread), so together they take about as
/// long as the slowest one instead of the sum. The monitor then finds them started (starting is
/// reference counted) and only takes a reference. On an idle machine this takes a third off the
/// first probe (PipeWire, v4l2 and DeckLink: 13 → 9 ms); with both cores busy it gains nothing
/// and loses nothing.
fn prestart_providers(kinds: &[Kind]) {
    let factories: Vec<gst::DeviceProviderFactory> = monitored_factories()
        .into_iter()
        .filter(|f| kinds.iter().any(|&k| f.has_classes(Some(class_of(k)))))
        .collect();
    let start = |f: &gst::DeviceProviderFactory| {
        if let Some(p) = f.get()
            && let Err(err) = p.start()
        {
            gst::debug!(CAT, "{} did not start: {}", f.name(), err);
        }
    };
    std::thread::scope(|scope| {
        for f in &factories {
            // Unnamed: threads a provider starts (PipeWire's loops, v4l2's udev thread) inherit
            // the name, and they outlive the probe.
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || start(f));
            if spawned.is_err() {
                start(f);
            }
        }
    });
}

/// A started monitor for `kinds`, or `None` when no provider serves them or none starts.
fn start_monitor(kinds: &[Kind], events: &Arc<Events>) -> Option<gst::DeviceMonitor> {
    let monitor = gst::DeviceMonitor::new();
    let mut matched = false;
    for &kind in kinds {
        matched |= monitor.add_filter(Some(class_of(kind)), None).is_some();
    }
    if !matched {
        gst::info!(CAT, "No device provider for {:?}", kinds);
        return None;
    }
    let ev = events.clone();
    monitor.bus().set_sync_handler(move |_, msg| {
        if is_device_message(msg) {
            ev.bump();
        }
        gst::BusSyncReply::Drop
    });
    match monitor.start() {
        Ok(()) => Some(monitor),
        Err(err) => {
            gst::warning!(
                CAT,
                "Cannot start the device monitor for {:?}: {}",
                kinds,
                err
            );
            None
        }
    }
}

/// How often the worker re-reads the device list of a real monitor without being told. GStreamer
/// 1.22's GstDeviceMonitor installs its own sync handler on each provider bus, so the most
/// recently created monitor in the process (the application's, a test's) takes the provider
/// events away from ours, and disposing one clears the handler; after that only a re-read
/// notices hot-plugs.
const RESCAN: Duration = Duration::from_secs(1);

fn spawn_worker(shared: &'static Shared) {
    let spawned = std::thread::Builder::new()
        .name("usermedia-devices".into())
        .spawn(move || {
            let _ = shared.worker.set(std::thread::current().id());
            let rescan = matches!(shared.backend, Backend::Monitors(_));
            loop {
                let target = {
                    let state = shared.events.lock();
                    let idle = |s: &mut State| s.posted == s.applied;
                    let cond = &shared.events.cond;
                    let state = if rescan {
                        cond.wait_timeout_while(state, RESCAN, idle)
                            .unwrap_or_else(|e| e.into_inner())
                            .0
                    } else {
                        cond.wait_while(state, idle)
                            .unwrap_or_else(|e| e.into_inner())
                    };
                    state.posted
                };
                let (raw, scope) = raw_devices(&shared.backend);
                {
                    let mut state = shared.events.lock();
                    if raw == state.raw {
                        // A rescan, or an event that changed nothing.
                        state.scope = scope;
                        state.applied = target;
                        shared.events.cond.notify_all();
                        continue;
                    }
                }
                let entries = entries::build(matches!(shared.backend, Backend::Fake(_)), &raw);
                if let Backend::Fake(provider) = &shared.backend {
                    // Without a GstDeviceMonitor attached nobody pops the provider bus.
                    let bus = provider.bus();
                    while bus.pop().is_some() {}
                }
                let changes = {
                    let mut state = shared.events.lock();
                    // Devices of a kind (or provider) that was not looked at before are not news.
                    let mut changes = entries::diff(&state.entries, &entries);
                    changes.retain(|c| state.scope.covers(c.entry.info.kind(), &c.entry.provider));
                    state.entries = entries;
                    state.raw = raw;
                    state.scope = scope;
                    state.applied = target;
                    shared.events.cond.notify_all();
                    changes
                };
                let subscribers: Vec<Callback> = lock(&shared.subscribers)
                    .iter()
                    .map(|(_, f)| f.clone())
                    .collect();
                for change in &changes {
                    gst::info!(CAT, "Device {:?} {:?}", change.device_id, change.kind);
                    for f in &subscribers {
                        f(change.clone());
                    }
                }
            }
        });
    if let Err(err) = spawned {
        gst::error!(CAT, "Cannot start the device worker: {}", err);
    }
}

/// The backend's current devices in provider order, and what they cover.
fn raw_devices(backend: &Backend) -> (Vec<gst::Device>, Scope) {
    match backend {
        // The provider keeps its devices in list order, which is the enumeration order.
        Backend::Fake(provider) => (
            provider
                .published()
                .into_iter()
                .map(|d| d.upcast())
                .collect(),
            Scope::all(),
        ),
        Backend::Monitors(monitors) => {
            let (providers, scope) = {
                let started = lock(&monitors.started);
                (started.providers.clone(), started.scope.clone())
            };
            (monitor_devices(&providers, &scope), scope)
        }
        Backend::Empty => (Vec::new(), Scope::all()),
    }
}

/// `gst_device_monitor_get_devices()` over the started providers, for what `scope` covers. The
/// monitor's own call probes every provider that failed to start (pulse without a daemon: a
/// connection attempt, ~0.4 ms, possibly an autospawn) each time, which a periodic re-read must
/// not do; the providers are kept from the start, so a re-read does no registry look-ups.
fn monitor_devices(providers: &[gst::DeviceProvider], scope: &Scope) -> Vec<gst::Device> {
    let providers: Vec<&gst::DeviceProvider> =
        providers.iter().filter(|p| p.is_started()).collect();
    let hidden: Vec<glib::GString> = providers
        .iter()
        .flat_map(|p| p.hidden_providers())
        .collect();
    providers
        .iter()
        .filter(|p| {
            p.factory()
                .is_none_or(|f| !hidden.iter().any(|h| *h == f.name()))
        })
        .flat_map(|p| p.devices())
        .filter(|d| scope.covers_device(d))
        .collect()
}
