// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `usermediafakedeviceprovider`: publishes the devices of `GST_USERMEDIA_FAKE_DEVICES`.
//!
//! With `@file`, a poller thread runs while the provider is started and turns edits of the file
//! into `device_add` / `device_remove` (entries are matched by deviceId; a changed entry is
//! removed and added again), like udev hot-plug.

use gst::glib;
use gst::subclass::prelude::*;

use super::device::FakeDevice;

glib::wrapper! {
    pub struct FakeDeviceProvider(ObjectSubclass<imp::FakeDeviceProvider>) @extends gst::DeviceProvider, gst::Object;
}

/// Called after the published device list changed.
pub type Listener = std::sync::Arc<dyn Fn() + Send + Sync>;

impl FakeDeviceProvider {
    /// Calls `f` (on the thread that changed the list) after every change of the published
    /// devices. In-process consumers use this instead of the provider bus: with GStreamer 1.22 a
    /// `GstDeviceMonitor` takes the provider bus over with its own sync handler, which drops the
    /// messages after forwarding them.
    /// Returns an id for [`FakeDeviceProvider::remove_listener`].
    pub fn add_listener(&self, f: Listener) -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.imp()
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, f));
        id
    }

    pub fn remove_listener(&self, id: u64) {
        self.imp()
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(i, _)| *i != id);
    }

    /// The devices currently published, in the order of the list (empty when not started).
    pub fn published(&self) -> Vec<FakeDevice> {
        self.imp()
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|p| p.device.clone())
            .collect()
    }
}

mod imp {
    use std::path::PathBuf;
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::sync::{LazyLock, Mutex};
    use std::thread::JoinHandle;
    use std::time::Duration;

    use gst::prelude::*;

    use super::*;
    use crate::device::CAT;
    use crate::device::fake::config::{self, FakeEntry, Source};
    use crate::engine::Kind;

    /// Well inside the 500 ms hot-plug budget, even when an edit needs a second look.
    const POLL_INTERVAL: Duration = Duration::from_millis(100);

    pub(super) struct Published {
        entry: FakeEntry,
        is_default: bool,
        pub(super) device: FakeDevice,
    }

    struct Poller {
        stop: mpsc::Sender<()>,
        thread: JoinHandle<()>,
    }

    #[derive(Default)]
    pub struct FakeDeviceProvider {
        pub(super) published: Mutex<Vec<Published>>,
        poller: Mutex<Option<Poller>>,
        hidden: Mutex<Vec<String>>,
        pub(super) listeners: Mutex<Vec<(u64, Listener)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for FakeDeviceProvider {
        const NAME: &'static str = "GstUserMediaFakeDeviceProvider";
        type Type = super::FakeDeviceProvider;
        type ParentType = gst::DeviceProvider;
    }

    impl ObjectImpl for FakeDeviceProvider {}
    impl GstObjectImpl for FakeDeviceProvider {}

    impl DeviceProviderImpl for FakeDeviceProvider {
        fn metadata() -> Option<&'static gst::subclass::DeviceProviderMetadata> {
            static METADATA: LazyLock<gst::subclass::DeviceProviderMetadata> = LazyLock::new(
                || {
                    gst::subclass::DeviceProviderMetadata::new(
                        "usermedia fake devices",
                        // Monitor: the displays, published as Source/Monitor devices.
                        "Source/Audio/Video/Monitor",
                        "Fake cameras, microphones and displays listed in GST_USERMEDIA_FAKE_DEVICES (a JSON array, or @file)",
                        "The usermediasrc authors",
                    )
                },
            );
            Some(&*METADATA)
        }

        fn probe(&self) -> Vec<gst::Device> {
            let Some((_, entries)) = config::load() else {
                return Vec::new();
            };
            with_defaults(entries)
                .iter()
                .filter_map(|(e, d)| new_device(e, *d))
                .map(|d| d.upcast())
                .collect()
        }

        // gstreamer-rs always installs start(): it has to publish the devices itself.
        fn start(&self) -> Result<(), gst::LoggableError> {
            let Some(source) = Source::from_env() else {
                return Ok(());
            };
            self.hide_real_providers();
            let text = source.read();
            let (entries, problem) = config::evaluate(&source, text.clone());
            if let Some(problem) = problem {
                config::report(&problem);
            }
            self.apply(entries);
            if let Source::File(path) = source {
                self.start_poller(path, text.ok());
            }
            Ok(())
        }

        fn stop(&self) {
            let poller = self.poller.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(p) = poller {
                drop(p.stop);
                let _ = p.thread.join();
            }
            // GstDeviceProvider drops its device list after stop(); mirror it.
            let had_devices = {
                let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
                let had = !published.is_empty();
                published.clear();
                had
            };
            if had_devices {
                self.notify();
            }
            let hidden =
                std::mem::take(&mut *self.hidden.lock().unwrap_or_else(|e| e.into_inner()));
            for name in hidden {
                self.obj().unhide_provider(&name);
            }
        }
    }

    impl FakeDeviceProvider {
        /// Publishes `entries`: removes vanished or changed devices, adds new ones.
        fn apply(&self, entries: Vec<FakeEntry>) {
            if self.update(entries) {
                self.notify();
            }
        }

        fn notify(&self) {
            let listeners = self
                .listeners
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            for (_, f) in listeners {
                f();
            }
        }

        /// Publishes `entries`; returns whether the device list changed (order included: it is
        /// the enumeration order).
        fn update(&self, entries: Vec<FakeEntry>) -> bool {
            let obj = self.obj();
            let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
            let before: Vec<FakeDevice> = published.iter().map(|p| p.device.clone()).collect();
            let wanted = with_defaults(entries);

            let mut kept = Vec::new();
            for p in published.drain(..) {
                if wanted
                    .iter()
                    .any(|(e, d)| *e == p.entry && *d == p.is_default)
                {
                    kept.push(p);
                } else {
                    gst::info!(
                        CAT,
                        imp = self,
                        "Fake device {:?} removed",
                        p.entry.device_id
                    );
                    obj.device_remove(&p.device);
                }
            }
            let mut next = Vec::with_capacity(wanted.len());
            for (entry, is_default) in wanted {
                if let Some(i) = kept
                    .iter()
                    .position(|p| p.entry.device_id == entry.device_id)
                {
                    next.push(kept.swap_remove(i));
                } else if let Some(device) = new_device(&entry, is_default) {
                    gst::info!(CAT, imp = self, "Fake device {:?} added", entry.device_id);
                    obj.device_add(&device);
                    next.push(Published {
                        entry,
                        is_default,
                        device,
                    });
                }
            }
            *published = next;
            published.len() != before.len()
                || published.iter().zip(&before).any(|(p, b)| p.device != *b)
        }

        fn start_poller(&self, path: PathBuf, initial: Option<String>) {
            let (stop, rx) = mpsc::channel::<()>();
            let weak = self.obj().downgrade();
            let spawned = std::thread::Builder::new()
                .name("usermedia-fake-devices".into())
                .spawn(move || {
                    let mut last = initial;
                    // Content that looked broken once; acted on only if it stays that way, so a
                    // file caught mid-write does not unplug every device.
                    let mut suspect: Option<Option<String>> = None;
                    while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(POLL_INTERVAL) {
                        let text = std::fs::read_to_string(&path).ok();
                        if text == last {
                            suspect = None;
                            continue;
                        }
                        // A list that does not parse at all waits for a second look.
                        let broken = text.as_deref().is_none_or(|t| config::parse(t).is_err());
                        if broken && suspect.as_ref() != Some(&text) {
                            suspect = Some(text);
                            continue;
                        }
                        let read = text
                            .clone()
                            .ok_or_else(|| format!("cannot read {}: it is gone", path.display()));
                        let (entries, problem) =
                            config::evaluate(&Source::File(path.clone()), read);
                        if let Some(problem) = problem {
                            config::report(&problem);
                        }
                        suspect = None;
                        last = text;
                        let Some(provider) = weak.upgrade() else {
                            break;
                        };
                        provider.imp().apply(entries);
                    }
                });
            match spawned {
                Ok(thread) => {
                    *self.poller.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Poller { stop, thread });
                }
                Err(err) => {
                    gst::warning!(
                        CAT,
                        imp = self,
                        "Cannot watch the fake device file: {}",
                        err
                    )
                }
            }
        }

        /// With fake devices configured, real ones are hidden from device monitors, as with
        /// Chromium's fake media flags.
        fn hide_real_providers(&self) {
            let obj = self.obj();
            let mut hidden = self.hidden.lock().unwrap_or_else(|e| e.into_inner());
            for factory in gst::DeviceProviderFactory::factories(gst::Rank::NONE) {
                let name = factory.name();
                if name != crate::device::fake::PROVIDER_NAME && !hidden.iter().any(|h| *h == name)
                {
                    obj.hide_provider(&name);
                    hidden.push(name.to_string());
                }
            }
        }
    }

    /// Pairs each entry with whether it is the first (system default) of its kind; displays
    /// are a kind of their own.
    fn with_defaults(entries: Vec<FakeEntry>) -> Vec<(FakeEntry, bool)> {
        let mut seen: Vec<(Kind, bool, bool)> = Vec::new();
        entries
            .into_iter()
            .map(|e| {
                let key = (e.kind, e.is_display(), e.output);
                let first = !seen.contains(&key);
                if first {
                    seen.push(key);
                }
                (e, first)
            })
            .collect()
    }

    fn new_device(entry: &FakeEntry, is_default: bool) -> Option<FakeDevice> {
        FakeDevice::new(entry, is_default)
            .inspect_err(|err| {
                gst::warning!(
                    CAT,
                    "Cannot create fake device {:?}: {}",
                    entry.device_id,
                    err
                )
            })
            .ok()
    }
}
