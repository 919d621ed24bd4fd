// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The `GstDevice` of one fake entry; `create_element` gives a `usermediafakesrc` bound to it.

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

use super::config::FakeEntry;
use crate::engine::Kind;

glib::wrapper! {
    pub struct FakeDevice(ObjectSubclass<imp::FakeDevice>) @extends gst::Device, gst::Object;
}

impl FakeDevice {
    /// A device for `entry`; `is_default` marks the first entry of its kind.
    pub fn new(entry: &FakeEntry, is_default: bool) -> Result<FakeDevice, glib::BoolError> {
        // Displays are published as monitors, which no camera filter (`Video/Source`) matches.
        let class = match (entry.kind, entry.is_display()) {
            (_, true) => "Source/Monitor",
            (Kind::Video, false) => "Video/Source",
            (Kind::Audio, false) => "Audio/Source",
        };
        let props = gst::Structure::builder("usermedia-fake-device")
            .field("usermedia.fake", true)
            .field("usermedia.device-id", entry.device_id.as_str())
            .field_if_some("usermedia.group-id", entry.group_id.as_deref())
            .field_if_some("usermedia.facing-mode", entry.facing_mode.as_deref())
            .field_if_some("usermedia.error", entry.error.map(|e| e.name()))
            .field_if_some(
                "usermedia.display-surface",
                entry.display_surface.map(|k| k.name()),
            )
            .field_if_some("device.class", entry.output.then_some("monitor"))
            .field("device.api", "usermedia-fake")
            .field("is-default", is_default)
            .build();
        let device = gst::Object::builder::<FakeDevice>()
            .property("display-name", entry.display_name())
            .property("device-class", class)
            .property("caps", entry.caps())
            .property("properties", props)
            .build()
            .map_err(|e| glib::bool_error!("{}", e))?;
        let _ = device.imp().entry.set(entry.clone());
        Ok(device)
    }

    /// The entry the device was made from.
    pub fn entry(&self) -> Option<&FakeEntry> {
        self.imp().entry.get()
    }
}

mod imp {
    use std::sync::OnceLock;

    use super::*;
    use crate::device::fake::src::FakeSrc;

    #[derive(Default)]
    pub struct FakeDevice {
        pub(super) entry: OnceLock<FakeEntry>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for FakeDevice {
        const NAME: &'static str = "GstUserMediaFakeDevice";
        type Type = super::FakeDevice;
        type ParentType = gst::Device;
    }

    impl ObjectImpl for FakeDevice {}
    impl GstObjectImpl for FakeDevice {}

    impl DeviceImpl for FakeDevice {
        fn create_element(&self, name: Option<&str>) -> Result<gst::Element, gst::LoggableError> {
            let Some(entry) = self.entry.get() else {
                return Err(gst::loggable_error!(
                    crate::device::CAT,
                    "fake device has no entry"
                ));
            };
            // Through the factory, so gst-device-monitor can print a launch line.
            let element = gst::ElementFactory::make(super::super::SRC_NAME)
                .name_if_some(name)
                .property("device-id", entry.device_id.as_str())
                .build()
                .map_err(|e| gst::loggable_error!(crate::device::CAT, "{}", e))?;
            if let Some(src) = element.downcast_ref::<FakeSrc>() {
                src.bind_entry(entry.clone());
            }
            Ok(element)
        }
    }
}
