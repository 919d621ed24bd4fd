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
//! not load and connect the pulse provider (about half of the probe). Devices of a kind started
//! later are not reported to subscribers as added: they were there before, just not looked at.
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
use super::{CAT, caps, identity};
use crate::engine::{AudioCapture, Capture, Device, Kind, ValueSet};

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
    if let Backend::Monitors(monitors) = &shared.backend
        && monitors.ensure(kinds, &shared.events)
    {
        // The worker re-reads the list; wait for it below.
        shared.events.bump();
    }
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

/// Creates the device's source element, with the provider quirks usermediasrc relies on.
pub fn create_source(entry: &DeviceEntry, name: &str) -> Result<gst::Element, glib::BoolError> {
    let element = entry.gst_device.create_element(Some(name))?;
    let factory = element
        .factory()
        .map(|f| f.name().to_string())
        .unwrap_or_default();
    match factory.as_str() {
        "pipewiresrc" => {
            // 0.3.65 audio buffers carry no PTS after the first one.
            if entry.info.kind() == Kind::Audio {
                set_if_present(&element, "do-timestamp", true);
            }
            set_if_present(&element, "client-name", "usermediasrc");
            // 0.3.65 buffers point into the stream's memory, which goes away when the stream
            // stops or the node is unplugged while downstream may still hold them (a sink's
            // last sample, a queue): the next copy of such a buffer reads unmapped memory.
            // Copies are plain memory that outlives the device.
            set_if_present(&element, "always-copy", true);
        }
        "pulsesrc" => set_if_present(&element, "client-name", "usermediasrc"),
        _ => (),
    }
    Ok(element)
}

/// Configures an audio source created by [`create_source`] for `latency` seconds per buffer,
/// where the source supports it (`latency-time` of pulsesrc, alsasrc and the fake source).
pub fn set_audio_latency(source: &gst::Element, latency: f64) {
    if latency <= 0.0 {
        return;
    }
    if let Some(p) = source.find_property("latency-time")
        && p.value_type() == i64::static_type()
    {
        let us = (latency * 1e6).round().max(1.0) as i64;
        let us = match p.downcast_ref::<glib::ParamSpecInt64>() {
            Some(p) => us.clamp(p.minimum(), p.maximum()),
            None => us,
        };
        source.set_property("latency-time", us);
        // A ring buffer must hold at least two periods.
        if let Some(b) = source.find_property("buffer-time")
            && b.value_type() == i64::static_type()
            && source.property::<i64>("buffer-time") < us * 2
        {
            source.set_property("buffer-time", us * 2);
        }
    }
}

fn set_if_present(element: &gst::Element, name: &str, value: impl Into<glib::Value>) {
    let value = value.into();
    if element
        .find_property(name)
        .is_some_and(|p| p.value_type() == value.type_())
    {
        element.set_property_from_value(name, &value);
    }
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
    /// Kinds asked for so far (whether or not a provider serves them).
    kinds: Vec<Kind>,
    /// The monitor of the kinds asked for first. Never stopped: it lives as long as the process.
    monitor: Option<gst::DeviceMonitor>,
    /// Every started provider, in the order one monitor for both kinds would use (camera
    /// providers by rank, then the others by rank).
    providers: Vec<gst::DeviceProvider>,
    /// Kinds asked for that no installed device provider publishes.
    unserved: Vec<Kind>,
}

impl Monitors {
    /// Starts the providers of the `kinds` not started yet; true if any were.
    ///
    /// The first kinds get a `GstDeviceMonitor`. A later kind only starts the providers not
    /// running yet (pulse for microphones after cameras), each with our handler on its bus, and
    /// no second monitor: in GStreamer 1.22 a new monitor takes the provider bus handlers over
    /// (see `RESCAN`), so it would take the PipeWire events away from the first monitor, or from
    /// an application's monitor created meanwhile.
    fn ensure(&self, kinds: &[Kind], events: &Arc<Events>) -> bool {
        let mut started = lock(&self.started);
        let new: Vec<Kind> = [Kind::Video, Kind::Audio]
            .into_iter()
            .filter(|k| kinds.contains(k) && !started.kinds.contains(k))
            .collect();
        if new.is_empty() {
            return false;
        }
        let t = Instant::now();
        if started.monitor.is_none() {
            prestart_providers(&new);
            if let Some(monitor) = start_monitor(&new, events) {
                started.providers = monitor
                    .providers()
                    .iter()
                    .filter_map(|name| gst::DeviceProviderFactory::find(name)?.get())
                    .collect();
                started.monitor = Some(monitor);
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
                let ev = events.clone();
                provider.bus().set_sync_handler(move |_, msg| {
                    if is_device_message(msg) {
                        ev.bump();
                    }
                    gst::BusSyncReply::Drop
                });
                match provider.start() {
                    Ok(()) => started.providers.push(provider),
                    Err(err) => gst::info!(CAT, "{} did not start: {}", factory.name(), err),
                }
            }
            started.providers.sort_by_cached_key(|p| {
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
        started.kinds.extend(new);
        gst::info!(
            CAT,
            "{:?} providers started in {:?}: {:?}",
            started.kinds,
            t.elapsed(),
            started
                .providers
                .iter()
                .map(|p| p.factory().map(|f| f.name()))
                .collect::<Vec<_>>()
        );
        true
    }
}

struct State {
    entries: Vec<DeviceEntry>,
    /// The devices `entries` were built from.
    raw: Vec<gst::Device>,
    /// The kinds `raw` covers.
    kinds: Vec<Kind>,
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
            kinds: Vec::new(),
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
        let (raw, kinds) = raw_devices(&backend);
        let entries = build(&backend, &raw);
        let mut state = events.lock();
        state.entries = entries;
        state.raw = raw;
        state.kinds = kinds;
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
                let (raw, kinds) = raw_devices(&shared.backend);
                {
                    let mut state = shared.events.lock();
                    if raw == state.raw {
                        // A rescan, or an event that changed nothing.
                        state.kinds = kinds;
                        state.applied = target;
                        shared.events.cond.notify_all();
                        continue;
                    }
                }
                let entries = build(&shared.backend, &raw);
                if let Backend::Fake(provider) = &shared.backend {
                    // Without a GstDeviceMonitor attached nobody pops the provider bus.
                    let bus = provider.bus();
                    while bus.pop().is_some() {}
                }
                let changes = {
                    let mut state = shared.events.lock();
                    // Devices of a kind that was not looked at before are not news.
                    let mut changes = diff(&state.entries, &entries);
                    changes.retain(|c| state.kinds.contains(&c.entry.info.kind()));
                    state.entries = entries;
                    state.raw = raw;
                    state.kinds = kinds;
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

fn diff(old: &[DeviceEntry], new: &[DeviceEntry]) -> Vec<DeviceChange> {
    let mut changes = Vec::new();
    let find =
        |list: &[DeviceEntry], id: &str| list.iter().find(|e| e.info.device_id == id).cloned();
    for o in old {
        if find(new, &o.info.device_id).is_none() {
            changes.push(change(DeviceChangeKind::Removed, o.clone()));
        }
    }
    for n in new {
        match find(old, &n.info.device_id) {
            Some(o) if o.gst_device != n.gst_device || o.info != n.info => {
                changes.push(change(DeviceChangeKind::Changed, n.clone()));
            }
            Some(_) => (),
            None => changes.push(change(DeviceChangeKind::Added, n.clone())),
        }
    }
    changes
}

fn change(kind: DeviceChangeKind, entry: DeviceEntry) -> DeviceChange {
    DeviceChange {
        kind,
        device_id: entry.info.device_id.clone(),
        entry,
    }
}

/// The backend's current devices in provider order, and the kinds they cover.
fn raw_devices(backend: &Backend) -> (Vec<gst::Device>, Vec<Kind>) {
    match backend {
        // The provider keeps its devices in list order, which is the enumeration order.
        Backend::Fake(provider) => (
            provider
                .published()
                .into_iter()
                .map(|d| d.upcast())
                .collect(),
            vec![Kind::Video, Kind::Audio],
        ),
        Backend::Monitors(monitors) => {
            let (providers, kinds) = {
                let started = lock(&monitors.started);
                (started.providers.clone(), started.kinds.clone())
            };
            (monitor_devices(&providers, &kinds), kinds)
        }
        Backend::Empty => (Vec::new(), vec![Kind::Video, Kind::Audio]),
    }
}

/// `gst_device_monitor_get_devices()` over the started providers, for the started kinds. The
/// monitor's own call probes every provider that failed to start (pulse without a daemon: a
/// connection attempt, ~0.4 ms, possibly an autospawn) each time, which a periodic re-read must
/// not do; the providers are kept from the start, so a re-read does no registry look-ups.
fn monitor_devices(providers: &[gst::DeviceProvider], kinds: &[Kind]) -> Vec<gst::Device> {
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
        .filter(|d| kinds.iter().any(|&k| d.has_classes(class_of(k))))
        .collect()
}

/// The ordered, de-duplicated device list.
fn build(backend: &Backend, raw: &[gst::Device]) -> Vec<DeviceEntry> {
    let candidates = raw.iter().filter_map(entry_for);
    match backend {
        Backend::Fake(_) => order_by_kind(candidates.map(|c| c.entry).collect()),
        _ => arrange(candidates.collect()),
    }
}

/// An entry plus what ordering and de-duplication need.
struct Candidate {
    entry: DeviceEntry,
    twin: Option<String>,
    is_default: bool,
    priority: i64,
    /// A virtual entry for the system default (wasapi2's): the twin key of the device it
    /// currently is.
    default_of: Option<String>,
}

fn entry_for(device: &gst::Device) -> Option<Candidate> {
    candidate_from(device, identity::facts(device))
}

/// The candidate for `device`, described by `facts` (which tests write as a provider would).
fn candidate_from(device: &gst::Device, facts: identity::DeviceFacts) -> Option<Candidate> {
    let props = facts.properties.as_deref();
    if identity::is_monitor_source(props) {
        return None;
    }
    let device_caps = device.caps()?;
    let id = identity::identify(&facts);
    let (capture, structures) = if device.has_classes("Video/Source") {
        let (modes, structures): (Vec<_>, Vec<_>) =
            caps::video_modes(&device_caps).into_iter().unzip();
        (Capture::Video(modes), structures)
    } else if device.has_classes("Audio/Source") {
        let (modes, structures): (Vec<_>, Vec<_>) =
            caps::audio_modes(&device_caps).into_iter().unzip();
        let (latency, default_latency) = audio_latency(&facts.provider);
        let capture = AudioCapture {
            modes,
            latency,
            default_latency,
            system_echo_cancellation: echo_cancelling(&facts),
        };
        (Capture::Audio(capture), structures)
    } else {
        return None;
    };
    if structures.is_empty() {
        gst::debug!(
            CAT,
            "Skipping {:?} ({}): no usable mode in {}",
            id.label,
            facts.provider,
            device_caps
        );
        return None;
    }
    Some(Candidate {
        twin: identity::twin_key(&facts),
        is_default: identity::is_default(&facts),
        priority: identity::session_priority(props),
        default_of: identity::default_of(&facts),
        entry: DeviceEntry {
            gst_device: device.clone(),
            info: Device {
                device_id: id.device_id,
                group_id: id.group_id,
                label: id.label,
                facing_mode: id.facing_mode,
                capture,
            },
            structures,
            provider: facts.provider,
        },
    })
}

/// Latencies (seconds) a source of this provider can be configured for, and its default.
fn audio_latency(provider: &str) -> (ValueSet, f64) {
    match identity::api_name(provider) {
        // GstAudioBaseSrc latency-time (and the fake source's), 10 ms by default.
        "pulse" | "alsa" | "usermediafake" | "wasapi2" | "wasapi" | "directsound" | "osxaudio" => (
            ValueSet::Range {
                min: 0.001,
                max: 1.0,
                step: 0.0,
            },
            0.01,
        ),
        // pipewiresrc follows the graph quantum (1024 samples at 48 kHz by default).
        "pipewire" => {
            let quantum = 1024.0 / 48000.0;
            (ValueSet::Fixed(quantum), quantum)
        }
        _ => (ValueSet::Fixed(0.01), 0.01),
    }
}

/// Sources that are the output of a system echo canceller (pulse module-echo-cancel, PipeWire's
/// echo-cancel module).
fn echo_cancelling(facts: &identity::DeviceFacts) -> bool {
    let props = facts.properties.as_deref();
    let roles = identity::prop_string(props, "device.intended_roles").unwrap_or_default();
    let names = [
        identity::prop_string(props, "node.name"),
        facts.internal_name.clone(),
    ];
    roles.split_whitespace().any(|r| r == "phone")
        || names
            .iter()
            .flatten()
            .any(|n| n.contains("echo-cancel") || n.contains("echo_cancel"))
}

fn order_by_kind(entries: Vec<DeviceEntry>) -> Vec<DeviceEntry> {
    let (mut video, audio): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|e| e.info.kind() == Kind::Video);
    video.extend(audio);
    video
}

/// De-duplicates provider twins, puts the default first within each kind and makes deviceIds
/// unique.
fn arrange(candidates: Vec<Candidate>) -> Vec<DeviceEntry> {
    let candidates = resolve_virtual_defaults(candidates);
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let twin = c.twin.as_ref().and_then(|key| {
            kept.iter().position(|k| {
                k.twin.as_ref() == Some(key)
                    && k.entry.provider != c.entry.provider
                    && k.entry.info.kind() == c.entry.info.kind()
            })
        });
        match twin {
            Some(i) => {
                // Either twin saying "default" is the provider's word for both.
                let is_default = c.is_default || kept[i].is_default;
                kept[i].is_default = is_default;
                if preference(&c) > preference(&kept[i]) {
                    gst::debug!(
                        CAT,
                        "{} replaces its twin {}",
                        c.entry.info.device_id,
                        kept[i].entry.info.device_id
                    );
                    kept[i] = Candidate { is_default, ..c };
                } else {
                    gst::debug!(CAT, "{} is a twin, skipped", c.entry.info.device_id);
                }
            }
            None => kept.push(c),
        }
    }
    // Stable: provider order breaks ties.
    kept.sort_by_key(|c| {
        (
            c.entry.info.kind() == Kind::Audio,
            !c.is_default,
            std::cmp::Reverse(c.priority),
        )
    });
    let mut seen: Vec<String> = Vec::new();
    kept.into_iter()
        .map(|mut c| {
            let base = c.entry.info.device_id.clone();
            let mut n = 1;
            while seen.contains(&c.entry.info.device_id) {
                n += 1;
                c.entry.info.device_id = format!("{base}#{n}");
            }
            seen.push(c.entry.info.device_id.clone());
            c.entry
        })
        .collect()
}

/// A virtual default entry is dropped in favour of the device it stands for, which becomes the
/// default (its deviceId stays the same when the default moves elsewhere); kept, as the default,
/// when that device is not listed.
fn resolve_virtual_defaults(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let (virtuals, mut out): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|c| c.default_of.is_some());
    for v in virtuals {
        let mut found = false;
        for o in out.iter_mut().filter(|o| {
            o.entry.info.kind() == v.entry.info.kind() && o.twin.is_some() && o.twin == v.default_of
        }) {
            o.is_default = true;
            found = true;
        }
        if found {
            gst::debug!(
                CAT,
                "{} stands for the default, skipped",
                v.entry.info.device_id
            );
        } else {
            out.push(v);
        }
    }
    out
}

/// Which of two provider twins to keep.
fn preference(c: &Candidate) -> u8 {
    match (c.entry.info.kind(), identity::api_name(&c.entry.provider)) {
        (Kind::Audio, "pulse") => 2,
        (Kind::Video, "pipewire") => 2,
        // wasapi2 is the maintained successor of wasapi.
        (Kind::Audio, "wasapi2") => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn candidate(
        provider: &str,
        kind: Kind,
        id: &str,
        twin: Option<&str>,
        is_default: bool,
        priority: i64,
    ) -> Candidate {
        gst::init().unwrap();
        let capture = match kind {
            Kind::Video => Capture::Video(vec![]),
            Kind::Audio => Capture::Audio(AudioCapture {
                modes: vec![],
                latency: ValueSet::Fixed(0.01),
                default_latency: 0.01,
                system_echo_cancellation: false,
            }),
        };
        let device = gst::Object::builder::<fake::FakeDevice>()
            .property("display-name", id)
            .property("device-class", "Video/Source")
            .property("caps", gst::Caps::from_str("video/x-raw").unwrap())
            .build()
            .unwrap();
        Candidate {
            entry: DeviceEntry {
                gst_device: device.upcast(),
                info: Device {
                    device_id: id.into(),
                    group_id: id.into(),
                    label: id.into(),
                    facing_mode: None,
                    capture,
                },
                structures: vec![],
                provider: provider.into(),
            },
            twin: twin.map(Into::into),
            is_default,
            priority,
            default_of: None,
        }
    }

    fn ids(entries: &[DeviceEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.info.device_id.as_str()).collect()
    }

    #[test]
    fn twins_defaults_and_order() {
        let pw = "pipewiredeviceprovider";
        let pulse = "pulsedeviceprovider";
        let list = vec![
            candidate(
                pw,
                Kind::Audio,
                "pipewire:vdev-mic",
                Some("vdev-mic"),
                false,
                1000,
            ),
            candidate(pw, Kind::Video, "pipewire:cam-a", Some("cam-a"), false, 900),
            candidate(
                pw,
                Kind::Video,
                "pipewire:cam-b",
                Some("cam-b"),
                false,
                1000,
            ),
            candidate(
                pw,
                Kind::Audio,
                "pipewire:other-mic",
                Some("other-mic"),
                false,
                2000,
            ),
            candidate(
                pulse,
                Kind::Audio,
                "pulse:vdev-mic",
                Some("vdev-mic"),
                true,
                0,
            ),
            candidate(
                pulse,
                Kind::Audio,
                "pulse:other-mic",
                Some("other-mic"),
                false,
                0,
            ),
        ];
        let out = arrange(list);
        assert_eq!(
            ids(&out),
            [
                "pipewire:cam-b",
                "pipewire:cam-a",
                "pulse:vdev-mic",
                "pulse:other-mic"
            ]
        );
    }

    #[test]
    fn duplicate_ids_are_made_unique() {
        let v4l2 = "v4l2deviceprovider";
        let list = vec![
            candidate(v4l2, Kind::Video, "v4l2:path", None, false, 0),
            candidate(v4l2, Kind::Video, "v4l2:path", None, false, 0),
        ];
        assert_eq!(ids(&arrange(list)), ["v4l2:path", "v4l2:path#2"]);
    }

    #[test]
    fn diff_by_device_id() {
        let a = candidate("x", Kind::Video, "a", None, false, 0).entry;
        let b = candidate("x", Kind::Video, "b", None, false, 0).entry;
        let b2 = candidate("x", Kind::Video, "b", None, false, 0).entry;
        let c = candidate("x", Kind::Video, "c", None, false, 0).entry;
        let changes = diff(&[a.clone(), b], &[b2, c]);
        let got: Vec<_> = changes
            .iter()
            .map(|c| (c.kind, c.device_id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (DeviceChangeKind::Removed, "a"),
                (DeviceChangeKind::Changed, "b"),
                (DeviceChangeKind::Added, "c")
            ]
        );
        assert!(diff(std::slice::from_ref(&a), std::slice::from_ref(&a)).is_empty());
    }

    /// A device as `provider` publishes it: display name, class, caps and properties.
    fn published(provider: &str, name: &str, class: &str, caps: &str, props: &str) -> Candidate {
        try_published(provider, name, class, caps, props).expect("a capture device")
    }

    /// The candidate of such a device, `None` when it is no camera or microphone.
    fn try_published(
        provider: &str,
        name: &str,
        class: &str,
        caps: &str,
        props: &str,
    ) -> Option<Candidate> {
        gst::init().unwrap();
        let properties = gst::Structure::from_str(props).unwrap();
        let device = gst::Object::builder::<fake::FakeDevice>()
            .property("display-name", name)
            .property("device-class", class)
            .property("caps", gst::Caps::from_str(caps).unwrap())
            .property("properties", &properties)
            .build()
            .unwrap();
        let facts = identity::DeviceFacts {
            provider: provider.into(),
            display_name: name.into(),
            properties: Some(properties),
            internal_name: None,
        };
        candidate_from(device.upcast_ref(), facts)
    }

    const MIC_CAPS: &str = "audio/x-raw,format=F32LE,layout=interleaved,rate={44100,48000,96000},\
                            channels=2";

    /// wasapi2: the virtual default entry becomes a marker on the endpoint it follows, loopback
    /// entries are not microphones, wasapi's entries of the same endpoints are twins.
    #[test]
    fn windows_microphones() {
        let w2 = "wasapi2deviceprovider";
        let mic_a = "{0.0.1.00000000}.{aaaaaaaa-0000-0000-0000-000000000001}";
        let mic_b = "{0.0.1.00000000}.{bbbbbbbb-0000-0000-0000-000000000002}";
        let virtual_default = |actual: &str| {
            published(
                w2,
                "Default Audio Capture Device",
                "Audio/Source",
                MIC_CAPS,
                &format!(
                    "p, device.api=wasapi2, \
                     device.id=\"{{2EEF81BE-33FA-4800-9670-1CD474972C3F}}\", \
                     device.default=(boolean)true, device.actual-id=\"{actual}\", \
                     wasapi2.device.description=\"Default Audio Capture Device\""
                ),
            )
        };
        let wasapi2 = |name: &str, id: &str, form_factor: (i32, &str), enumerator: &str| {
            published(
                w2,
                name,
                "Audio/Source",
                MIC_CAPS,
                &format!(
                    "p, device.api=wasapi2, device.id=\"{id}\", device.default=(boolean)false, \
                     device.form-factor=(int){}, device.form-factor-name={}, \
                     device.enumerator-name={enumerator}, wasapi2.device.loopback=(boolean)false",
                    form_factor.0, form_factor.1
                ),
            )
        };
        let wasapi = |name: &str, id: &str| {
            published(
                "wasapideviceprovider",
                name,
                "Audio/Source",
                MIC_CAPS,
                &format!(
                    "p, device.api=wasapi, device.strid=\"{id}\", \
                     wasapi.device.description=\"{name}\""
                ),
            )
        };
        let list = vec![
            // The virtual default names its endpoint in upper case.
            virtual_default(&mic_b.to_uppercase()),
            wasapi2(
                "Microphone Array (Realtek)",
                mic_a,
                (4, "Microphone"),
                "HDAUDIO",
            ),
            wasapi2("Headset Microphone", mic_b, (5, "Headset"), "USB"),
            wasapi("Headset Microphone", mic_b),
            wasapi("Microphone Array (Realtek)", mic_a),
        ];
        let out = arrange(list);
        assert_eq!(
            ids(&out),
            [format!("wasapi2:{mic_b}"), format!("wasapi2:{mic_a}")]
        );
        assert_eq!(out[0].info.label, "Headset Microphone");
        assert_eq!(out[0].provider, w2);

        // A loopback entry (what a render endpoint plays) is no microphone.
        assert!(
            try_published(
            w2,
            "Speakers (loopback)",
            "Audio/Source",
            MIC_CAPS,
            "p, device.api=wasapi2, device.id=\"{0.0.0.00000000}.{cccccccc-0000-0000-0000-000000000003}\", \
             device.default=(boolean)false, wasapi2.device.loopback=(boolean)true"
        )
        .is_none());

        // The virtual default entry of an endpoint not listed stays, as the default.
        let lone = vec![
            wasapi2(
                "Microphone Array (Realtek)",
                mic_a,
                (4, "Microphone"),
                "HDAUDIO",
            ),
            virtual_default(mic_b),
        ];
        assert_eq!(
            ids(&arrange(lone)),
            [
                "wasapi2:{2EEF81BE-33FA-4800-9670-1CD474972C3F}".to_string(),
                format!("wasapi2:{mic_a}")
            ]
        );
    }

    /// DirectSound: the primary device (no GUID) is the default.
    #[test]
    fn directsound_primary_is_the_default() {
        let ds = "directsoundsrcdeviceprovider";
        let list = vec![
            published(
                ds,
                "Microphone (USB Audio)",
                "Audio/Source",
                MIC_CAPS,
                "p, device.api=directsound, \
                 device.guid=\"{BD6DD71B-3DEB-11D1-B171-00C04FC20001}\", \
                 directsound.device.driver=\"{0.0.1.00000000}.{dd}\", \
                 directsound.device.description=\"Microphone (USB Audio)\"",
            ),
            published(
                ds,
                "Primary Sound Capture Driver",
                "Audio/Source",
                MIC_CAPS,
                "p, device.api=directsound, \
                 directsound.device.description=\"Primary Sound Capture Driver\"",
            ),
        ];
        assert_eq!(
            ids(&arrange(list)),
            [
                "directsound:default",
                "directsound:{BD6DD71B-3DEB-11D1-B171-00C04FC20001}"
            ]
        );
    }

    /// Media Foundation cameras: ids from the symbolic link, the two cameras of one USB device
    /// (colour and infrared) in one group, no default marker (provider order).
    #[test]
    fn media_foundation_cameras() {
        let mf = "mfdeviceprovider";
        let caps = "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1,\
                    pixel-aspect-ratio=1/1; video/x-raw,format=YUY2,width=640,height=480,\
                    framerate=30/1,pixel-aspect-ratio=1/1";
        let rgb = r"\\?\usb#vid_04f2&pid_b6dd&mi_00#6&1b2c3d4e&0&0000#{e5323777-f976-4f5b-9b55-b94699c46e44}\global";
        let ir = r"\\?\usb#vid_04f2&pid_b6dd&mi_02#6&1b2c3d4e&0&0002#{e5323777-f976-4f5b-9b55-b94699c46e44}\global";
        let other = r"\\?\usb#vid_046d&pid_082d&mi_00#7&2b2b2f4e&0&0000#{e5323777-f976-4f5b-9b55-b94699c46e44}\global";
        let cam = |name: &str, path: &str| {
            published(
                mf,
                name,
                "Source/Video",
                caps,
                &format!(
                    "p, device.api=mediafoundation, device.path=\"{}\", device.name=\"{name}\"",
                    path.replace('\\', "\\\\")
                ),
            )
        };
        let out = arrange(vec![
            cam("Integrated Camera", rgb),
            cam("Integrated IR Camera", ir),
            cam("HD Pro Webcam C920", other),
        ]);
        assert_eq!(
            ids(&out),
            [
                format!("mf:{rgb}"),
                format!("mf:{ir}"),
                format!("mf:{other}")
            ]
        );
        assert_eq!(out[0].info.group_id, "usb-vid_04f2&pid_b6dd-6&1b2c3d4e&0");
        assert_eq!(out[1].info.group_id, out[0].info.group_id);
        assert_eq!(out[2].info.group_id, "usb-vid_046d&pid_082d-7&2b2b2f4e&0");
        assert_eq!(out[0].info.facing_mode, None);
        assert_eq!(out[0].info.kind(), Kind::Video);
    }

    /// macOS: AVFoundation cameras by unique id (screens are not cameras), CoreAudio microphones
    /// by unique-id with `is-default` first.
    #[test]
    fn macos_cameras_and_microphones() {
        let avf = "avfdeviceprovider";
        let osx = "osxaudiodeviceprovider";
        // One structure per format and frame-rate range, also with GLMemory and IOSurface.
        let caps = "video/x-raw,format=NV12,width=1920,height=1080,framerate=[1/1,30/1]; \
                    video/x-raw(memory:GLMemory),format=UYVY,width=1920,height=1080,\
                    framerate=[1/1,30/1],texture-target=rectangle; \
                    video/x-raw(memory:IOSurface),format=NV12,width=1920,height=1080,\
                    framerate=[1/1,30/1]";
        let camera = published(
            avf,
            "FaceTime HD Camera",
            "Video/Source",
            caps,
            "p, device.api=avf, avf.unique_id=\"47B4B64B70674B9CAD2BAE273A71F4B5\", \
             avf.model_id=\"FaceTime HD Camera\", avf.has_flash=(boolean)false, \
             avf.has_torch=(boolean)false, avf.manufacturer=\"Apple Inc.\"",
        );
        assert_eq!(
            camera.entry.info.device_id,
            "avf:47B4B64B70674B9CAD2BAE273A71F4B5"
        );
        // Only the system-memory structure is a mode.
        assert_eq!(camera.entry.structures.len(), 1);
        // A screen, whatever its class says, is not a camera.
        for class in ["Source/Monitor", "Video/Source"] {
            assert!(
                try_published(
                    avf,
                    "Capture screen 0",
                    class,
                    caps,
                    "p, device.api=avf, avf.capture_screen=(boolean)true, avf.display_id=(uint)1"
                )
                .is_none()
            );
        }
        let mic = |name: &str, uid: &str, default: bool| {
            published(
                osx,
                name,
                "Audio/Source",
                MIC_CAPS,
                &format!("p, is-default=(boolean){default}, transport=usb, unique-id=\"{uid}\""),
            )
        };
        let out = arrange(vec![
            camera,
            mic("MacBook Pro Microphone", "BuiltInMicrophoneDevice", false),
            mic(
                "C920 Microphone",
                "AppleUSBAudioEngine:Logitech:C920:1A2B3C4D:3",
                true,
            ),
        ]);
        assert_eq!(
            ids(&out),
            [
                "avf:47B4B64B70674B9CAD2BAE273A71F4B5",
                "osxaudio:AppleUSBAudioEngine:Logitech:C920:1A2B3C4D:3",
                "osxaudio:BuiltInMicrophoneDevice"
            ]
        );
    }
}
