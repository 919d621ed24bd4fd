// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `usermediafakesrc`: the live source behind a fake device.
//!
//! A bin with one `src` ghost pad. Like a camera driver it opens the device at NULL→READY (where
//! `busy` / `denied` entries fail, and so does an entry gone from an `@file` list: "Device
//! disappeared"), and it configures the capture at READY→PAUSED from what downstream accepts: raw
//! modes come straight from `videotestsrc`, `image/jpeg` modes are really encoded by `jpegenc`,
//! microphones are an `audiotestsrc` sine. A `fail-after:N` entry fails mid-stream after N
//! buffers.

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

use super::config::{self, FakeEntry, FakeError};
use crate::device::CAT;
use crate::engine::Kind;

glib::wrapper! {
    pub struct FakeSrc(ObjectSubclass<imp::FakeSrc>) @extends gst::Bin, gst::Element, gst::Object, @implements gst::ChildProxy;
}

impl FakeSrc {
    /// Binds the element to the entry of the device that created it, so it does not depend on the
    /// environment still naming that device.
    pub(crate) fn bind_entry(&self, entry: FakeEntry) {
        *self.imp().bound.lock().unwrap_or_else(|e| e.into_inner()) = Some(entry);
    }
}

mod imp {
    use std::str::FromStr;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{LazyLock, Mutex};

    use super::*;

    const DEFAULT_LATENCY_TIME: i64 = 10_000;

    #[derive(Debug, Clone)]
    struct Settings {
        device_id: Option<String>,
        latency_time: i64,
    }

    impl Default for Settings {
        fn default() -> Self {
            Settings {
                device_id: None,
                latency_time: DEFAULT_LATENCY_TIME,
            }
        }
    }

    pub struct FakeSrc {
        settings: Mutex<Settings>,
        pub(super) bound: Mutex<Option<FakeEntry>>,
        /// The entry opened at NULL→READY.
        opened: Mutex<Option<FakeEntry>>,
        children: Mutex<Vec<gst::Element>>,
        srcpad: gst::GhostPad,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for FakeSrc {
        const NAME: &'static str = "GstUserMediaFakeSrc";
        type Type = super::FakeSrc;
        type ParentType = gst::Bin;

        fn with_class(klass: &Self::Class) -> Self {
            let templ = klass.pad_template("src").expect("src template");
            let srcpad = gst::GhostPad::builder_from_template(&templ)
                .name("src")
                .build();
            FakeSrc {
                settings: Mutex::default(),
                bound: Mutex::default(),
                opened: Mutex::default(),
                children: Mutex::default(),
                srcpad,
            }
        }
    }

    impl ObjectImpl for FakeSrc {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
                vec![
                    glib::ParamSpecString::builder("device-id")
                        .nick("Device ID")
                        .blurb("deviceId of the fake device (an entry of GST_USERMEDIA_FAKE_DEVICES) to open.")
                        .mutable_ready()
                        .build(),
                    glib::ParamSpecInt64::builder("latency-time")
                        .nick("Latency time")
                        .blurb("Microphones: duration of one buffer in microseconds.")
                        .minimum(1_000)
                        .maximum(1_000_000)
                        .default_value(DEFAULT_LATENCY_TIME)
                        .mutable_ready()
                        .build(),
                ]
            });
            PROPERTIES.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            let mut settings = self.settings.lock().unwrap_or_else(|e| e.into_inner());
            match pspec.name() {
                "device-id" => {
                    settings.device_id = value.get().expect("type checked upstream");
                }
                "latency-time" => {
                    settings.latency_time = value.get().expect("type checked upstream");
                }
                _ => unimplemented!(),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            let settings = self.settings.lock().unwrap_or_else(|e| e.into_inner());
            match pspec.name() {
                "device-id" => settings.device_id.to_value(),
                "latency-time" => settings.latency_time.to_value(),
                _ => unimplemented!(),
            }
        }

        fn constructed(&self) {
            self.parent_constructed();
            let obj = self.obj();
            obj.add_pad(&self.srcpad).expect("fresh pad");
            obj.set_suppressed_flags(gst::ElementFlags::SOURCE | gst::ElementFlags::SINK);
            obj.set_element_flags(gst::ElementFlags::SOURCE);
        }
    }

    impl GstObjectImpl for FakeSrc {}

    impl ElementImpl for FakeSrc {
        fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
            static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                gst::subclass::ElementMetadata::new(
                    "usermedia fake device source",
                    "Source/Audio/Video",
                    "Live test pattern or sine wave standing in for a fake device of GST_USERMEDIA_FAKE_DEVICES",
                    "The usermediasrc authors",
                )
            });
            Some(&*METADATA)
        }

        fn pad_templates() -> &'static [gst::PadTemplate] {
            static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
                let caps = gst::Caps::from_str("video/x-raw; image/jpeg; audio/x-raw")
                    .expect("valid caps");
                vec![
                    gst::PadTemplate::new(
                        "src",
                        gst::PadDirection::Src,
                        gst::PadPresence::Always,
                        &caps,
                    )
                    .expect("valid template"),
                ]
            });
            TEMPLATES.as_ref()
        }

        fn change_state(
            &self,
            transition: gst::StateChange,
        ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
            match transition {
                gst::StateChange::NullToReady => self.open()?,
                gst::StateChange::ReadyToPaused => self.build()?,
                _ => (),
            }
            let res = self.parent_change_state(transition);
            match transition {
                gst::StateChange::ReadyToPaused if res.is_err() => self.teardown(),
                gst::StateChange::PausedToReady => self.teardown(),
                gst::StateChange::ReadyToNull => {
                    *self.opened.lock().unwrap_or_else(|e| e.into_inner()) = None;
                }
                _ => (),
            }
            res
        }
    }

    impl BinImpl for FakeSrc {}

    impl FakeSrc {
        /// NULL→READY: find the entry and fail as the device would.
        fn open(&self) -> Result<(), gst::StateChangeError> {
            let device_id = self
                .settings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .device_id
                .clone();
            let bound = self.bound.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let entry = match (bound, &device_id) {
                (Some(b), id) if id.as_deref().is_none_or(|id| id == b.device_id) => Some(b),
                (_, Some(id)) => config::lookup(id),
                _ => {
                    gst::element_imp_error!(
                        self,
                        gst::ResourceError::NotFound,
                        ("No device-id set")
                    );
                    return Err(gst::StateChangeError);
                }
            };
            let Some(entry) = entry else {
                let id = device_id;
                gst::element_imp_error!(
                    self,
                    gst::ResourceError::NotFound,
                    ("Device '{}' not found", id.unwrap_or_default()),
                    ["{} names no such deviceId", config::ENV_VAR]
                );
                return Err(gst::StateChangeError);
            };
            // A device of an `@file` list is looked up again when opened: an entry that is no
            // longer there was unplugged since it was enumerated.
            let id = entry.device_id.clone();
            let Some(entry) = current(entry) else {
                gst::element_imp_error!(
                    self,
                    gst::ResourceError::NotFound,
                    ("Device disappeared"),
                    [
                        "Fake device '{}' is no longer listed in the {} file",
                        id,
                        config::ENV_VAR
                    ]
                );
                return Err(gst::StateChangeError);
            };
            match entry.error {
                Some(FakeError::Busy) => {
                    gst::element_imp_error!(
                        self,
                        gst::ResourceError::Busy,
                        ("Device is busy"),
                        ["Fake device '{}' is configured busy", entry.device_id]
                    );
                    return Err(gst::StateChangeError);
                }
                Some(FakeError::Denied) => {
                    gst::element_imp_error!(
                        self,
                        gst::ResourceError::NotAuthorized,
                        ("Permission denied"),
                        ["Fake device '{}' is configured denied", entry.device_id]
                    );
                    return Err(gst::StateChangeError);
                }
                Some(FakeError::FailAfter(_)) | None => (),
            }
            gst::debug!(CAT, imp = self, "Opened fake device {:?}", entry.device_id);
            *self.opened.lock().unwrap_or_else(|e| e.into_inner()) = Some(entry);
            Ok(())
        }

        /// The elements producing `first` (the caps downstream wants) from a test pattern.
        fn producers(
            &self,
            entry: &FakeEntry,
            first: &gst::StructureRef,
            device_caps: &gst::Caps,
            latency_time: i64,
        ) -> Result<Vec<gst::Element>, gst::StateChangeError> {
            let only = |name: &str| -> gst::Caps {
                let mut c = gst::Caps::new_empty();
                let c_mut = c.get_mut().expect("new caps");
                for (s, f) in device_caps.iter_with_features() {
                    if s.name() == name {
                        c_mut.append_structure_full(s.to_owned(), Some(f.to_owned()));
                    }
                }
                c
            };

            let chain = match (entry.kind, first.name().as_str()) {
                (Kind::Video, "video/x-raw") => vec![
                    make("videotestsrc", &[("is-live", true.to_value())]),
                    capsfilter(&only("video/x-raw")),
                ],
                (Kind::Video, "image/jpeg") => vec![
                    make("videotestsrc", &[("is-live", true.to_value())]),
                    capsfilter(
                        &gst::Caps::builder("video/x-raw")
                            .field("format", "I420")
                            .build(),
                    ),
                    make("jpegenc", &[]),
                    capsfilter(&only("image/jpeg")),
                ],
                (Kind::Audio, "audio/x-raw") => {
                    let rate = first.get::<i32>("rate").unwrap_or(48_000).max(1) as i64;
                    let samples = (rate * latency_time / 1_000_000).max(1) as i32;
                    vec![
                        make(
                            "audiotestsrc",
                            &[
                                ("is-live", true.to_value()),
                                ("samplesperbuffer", samples.to_value()),
                            ],
                        ),
                        capsfilter(&only("audio/x-raw")),
                    ]
                }
                (kind, other) => {
                    gst::element_imp_error!(
                        self,
                        gst::CoreError::Negotiation,
                        ("Fake {:?} devices cannot produce {}", kind, other)
                    );
                    return Err(gst::StateChangeError);
                }
            };
            chain
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| {
                    gst::element_imp_error!(self, gst::CoreError::MissingPlugin, ("{}", err));
                    gst::StateChangeError
                })
        }

        /// READY→PAUSED: build the capture chain for what downstream accepts.
        fn build(&self) -> Result<(), gst::StateChangeError> {
            let Some(entry) = self
                .opened
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
            else {
                return Err(gst::StateChangeError);
            };
            let latency_time = self
                .settings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .latency_time;
            let device_caps = entry.caps();
            let wanted = match self.srcpad.peer() {
                Some(peer) => peer
                    .query_caps(Some(&device_caps))
                    .intersect_with_mode(&device_caps, gst::CapsIntersectMode::First),
                None => device_caps.clone(),
            };
            let Some(first) = wanted.structure(0) else {
                gst::element_imp_error!(
                    self,
                    gst::CoreError::Negotiation,
                    ("Downstream accepts none of the device's modes"),
                    ["device caps {}", device_caps]
                );
                return Err(gst::StateChangeError);
            };
            let media_type = first.name().to_string();
            let chain = self.producers(&entry, first, &device_caps, latency_time)?;
            gst::debug!(
                CAT,
                imp = self,
                "Producing {} for {:?}",
                media_type,
                entry.device_id
            );

            let obj = self.obj();
            let linked = obj
                .add_many(&chain)
                .and_then(|_| gst::Element::link_many(&chain));
            *self.children.lock().unwrap_or_else(|e| e.into_inner()) = chain.clone();
            let target = chain.last().and_then(|e| e.static_pad("src"));
            if let Err(err) = linked.map_err(|e| e.to_string()).and_then(|_| {
                self.srcpad
                    .set_target(target.as_ref())
                    .map_err(|e| e.to_string())
            }) {
                gst::element_imp_error!(self, gst::CoreError::Failed, ("{}", err));
                self.teardown();
                return Err(gst::StateChangeError);
            }
            if let (Some(FakeError::FailAfter(n)), Some(pad)) = (entry.error, &target) {
                self.fail_after(pad, n, &entry.device_id);
            }
            Ok(())
        }

        /// After `n` buffers, fails like a camera whose driver stops delivering: a RESOURCE READ
        /// error, then a flow error for the streaming thread (whose source then posts its own
        /// "Internal data stream error" and pushes EOS, as v4l2src does).
        fn fail_after(&self, pad: &gst::Pad, n: u64, device_id: &str) {
            let count = AtomicU64::new(0);
            let weak = self.obj().downgrade();
            let id = device_id.to_string();
            pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                let i = count.fetch_add(1, Ordering::Relaxed);
                if i < n {
                    return gst::PadProbeReturn::Ok;
                }
                if i == n
                    && let Some(obj) = weak.upgrade()
                {
                    gst::element_error!(
                        obj,
                        gst::ResourceError::Read,
                        ("Could not read from the device"),
                        [
                            "Fake device '{}' stopped delivering after {} buffers (fail-after)",
                            id,
                            n
                        ]
                    );
                }
                info.flow_res = Err(gst::FlowError::Error);
                gst::PadProbeReturn::Handled
            });
        }

        fn teardown(&self) {
            let children =
                std::mem::take(&mut *self.children.lock().unwrap_or_else(|e| e.into_inner()));
            let _ = self.srcpad.set_target(None::<&gst::Pad>);
            let obj = self.obj();
            for child in children {
                let _ = child.set_state(gst::State::Null);
                if child.parent().is_some() {
                    let _ = obj.remove(&child);
                }
            }
        }
    }

    /// The entry to open: for an `@file` list the file's current entry with this deviceId
    /// (`None`: gone); the entry as enumerated when the list is inline, or when the file cannot
    /// be read as a list just now (caught mid-write).
    fn current(entry: FakeEntry) -> Option<FakeEntry> {
        let Some(source @ config::Source::File(_)) = config::Source::from_env() else {
            return Some(entry);
        };
        let Ok(text) = source.read() else {
            // The file itself is gone: so are its devices.
            return None;
        };
        match config::parse(&text) {
            Ok(entries) => entries.into_iter().find(|e| e.device_id == entry.device_id),
            Err(_) => Some(entry),
        }
    }

    fn make(factory: &str, props: &[(&str, glib::Value)]) -> Result<gst::Element, glib::BoolError> {
        let mut b = gst::ElementFactory::make(factory);
        for (k, v) in props {
            b = b.property(k, v.clone());
        }
        b.build()
    }

    fn capsfilter(caps: &gst::Caps) -> Result<gst::Element, glib::BoolError> {
        gst::ElementFactory::make("capsfilter")
            .property("caps", caps)
            .build()
    }
}
