// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Display surfaces for `displaymediasrc`, from whichever backend can offer them.
//!
//! Each [`DisplayBackend`] lists its surfaces as engine [`Surface`]s, each with a
//! [`SurfaceSource`] that makes the element capturing it. [`backends`] is the list tried, in
//! order: the fake displays of `GST_USERMEDIA_FAKE_DEVICES` when fake devices are configured
//! (nothing else then, so tests are hermetic); otherwise X11 when `DISPLAY` is set. The desktop
//! portal ([`super::portal`]) is not in the list yet: its surface exists only once the user
//! answered the dialog, and its stream must live as long as the source, which these traits do
//! not provide for.
//! [`surfaces`] returns the first backend's surfaces, or a sentence naming every backend tried
//! and why it offered nothing (for NotFoundError).

use std::fmt;
use std::sync::{Arc, Mutex};

use gst::glib;
use gst::prelude::*;

use super::fake::{self, FakeDevice};
use super::{caps, monitor, x11};
use crate::engine::ValueSet;
use crate::engine::display::{Surface, SurfaceKind};

/// What a backend lists: the surface and how to capture it.
#[derive(Clone)]
pub struct DisplaySurface {
    pub surface: Surface,
    /// The backend's name, for messages.
    pub backend: &'static str,
    pub source: Arc<dyn SurfaceSource>,
}

impl fmt::Debug for DisplaySurface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisplaySurface")
            .field("surface", &self.surface)
            .field("backend", &self.backend)
            .finish()
    }
}

/// How one surface is captured.
pub trait SurfaceSource: Send + Sync {
    /// The source element, named `name`; `cursor` is the cursor mode wanted (one the surface
    /// offers).
    fn create_element(&self, name: &str, cursor: &str) -> Result<gst::Element, glib::BoolError>;
    /// The caps the element is opened with, at `frame_rate` (one of the surface's rates).
    fn caps(&self, frame_rate: f64) -> gst::Caps;
    /// Whether the surface is still there (asked after a runtime error of its source).
    fn present(&self) -> bool;
    /// Calls `gone` once when the surface goes away, for as long as the returned guard lives;
    /// `None` when the backend cannot tell (its source then fails, and [`present`] says why).
    ///
    /// [`present`]: SurfaceSource::present
    fn watch(&self, gone: Box<dyn Fn() + Send + Sync>) -> Option<Watch> {
        let _ = gone;
        None
    }
}

/// A source of display surfaces.
pub trait DisplayBackend {
    /// How messages name it (`fake displays`, `X11`).
    fn name(&self) -> &'static str;
    /// The surfaces it offers now, or why it cannot offer any.
    fn surfaces(&self) -> Result<Vec<DisplaySurface>, String>;
}

/// Keeps a [`SurfaceSource::watch`] registered; dropping it unregisters.
pub struct Watch(Box<dyn FnOnce() + Send>);

impl Watch {
    pub fn new(stop: impl FnOnce() + Send + 'static) -> Self {
        Watch(Box::new(stop))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let stop = std::mem::replace(&mut self.0, Box::new(|| ()));
        stop();
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Watch")
    }
}

/// The backends to try, in order.
pub fn backends() -> Vec<Box<dyn DisplayBackend>> {
    if std::env::var_os(fake::ENV_VAR).is_some() {
        return vec![Box::new(FakeDisplays)];
    }
    // A desktop portal backend goes first here once there is one.
    vec![Box::new(X11Displays)]
}

/// The surfaces of the first backend that offers any, or why none does (every backend tried,
/// and what it said).
pub fn surfaces() -> Result<Vec<DisplaySurface>, String> {
    let mut why = Vec::new();
    for backend in backends() {
        match backend.surfaces() {
            Ok(s) if !s.is_empty() => return Ok(s),
            Ok(_) => why.push(format!("{}: no surface to capture", backend.name())),
            Err(e) => why.push(format!("{}: {e}", backend.name())),
        }
    }
    Err(format!(
        "no display surface to capture ({})",
        why.join("; ")
    ))
}

// ---------------------------------------------------------------------------------------------
// Fake displays

/// The `"kind": "display"` entries of `GST_USERMEDIA_FAKE_DEVICES`, as the fake provider
/// publishes them (so removing one from an `@file` list removes the surface).
struct FakeDisplays;

impl DisplayBackend for FakeDisplays {
    fn name(&self) -> &'static str {
        "fake displays"
    }

    fn surfaces(&self) -> Result<Vec<DisplaySurface>, String> {
        let provider = monitor::fake_provider()
            .ok_or_else(|| "the fake device provider did not start".to_string())?;
        let surfaces: Vec<DisplaySurface> = provider
            .published()
            .into_iter()
            .filter_map(fake_surface)
            .collect();
        if surfaces.is_empty() {
            let mut why = format!("{} lists no \"kind\": \"display\" entry", fake::ENV_VAR);
            if let Some(problem) = fake::config::setup_problem() {
                why = format!("{why} ({problem})");
            }
            return Err(why);
        }
        Ok(surfaces)
    }
}

fn fake_surface(device: FakeDevice) -> Option<DisplaySurface> {
    let entry = device.entry()?.clone();
    let kind = entry.display_surface?;
    let device_caps = entry.caps();
    let (mode, structure) = caps::video_modes(&device_caps).into_iter().next()?;
    let surface = Surface {
        id: entry.device_id.clone(),
        label: entry.display_name().to_string(),
        kind,
        width: mode.width.max() as u32,
        height: mode.height.max() as u32,
        frame_rate: if structure.has_field("framerate") {
            mode.frame_rate
        } else {
            ValueSet::Fixed(30.0)
        },
        // A test pattern has no pointer.
        cursor: vec!["never".into()],
        logical: kind != SurfaceKind::Window,
    };
    Some(DisplaySurface {
        backend: "fake displays",
        source: Arc::new(FakeSource {
            device,
            structure,
            size: (surface.width, surface.height),
        }),
        surface,
    })
}

struct FakeSource {
    device: FakeDevice,
    structure: gst::Structure,
    /// The surface's size: the largest the caps offer.
    size: (u32, u32),
}

impl FakeSource {
    fn id(&self) -> Option<String> {
        self.device.entry().map(|e| e.device_id.clone())
    }
}

impl SurfaceSource for FakeSource {
    fn create_element(&self, name: &str, _cursor: &str) -> Result<gst::Element, glib::BoolError> {
        self.device.create_element(Some(name))
    }

    fn caps(&self, frame_rate: f64) -> gst::Caps {
        let mut s = self.structure.clone();
        if !s.has_field("framerate") {
            s.set("framerate", gst::Fraction::new(30, 1));
        }
        caps::fixed_video_caps(&s, self.size.0, self.size.1, frame_rate)
    }

    fn present(&self) -> bool {
        let Some(id) = self.id() else {
            return false;
        };
        monitor::fake_provider().is_some_and(|p| {
            p.published()
                .iter()
                .any(|d| d.entry().is_some_and(|e| e.device_id == id))
        })
    }

    fn watch(&self, gone: Box<dyn Fn() + Send + Sync>) -> Option<Watch> {
        let provider = monitor::fake_provider()?;
        let id = self.id()?;
        let fired = Mutex::new(false);
        let weak = provider.downgrade();
        let listener = provider.add_listener(Arc::new(move || {
            let Some(provider) = weak.upgrade() else {
                return;
            };
            let present = provider
                .published()
                .iter()
                .any(|d| d.entry().is_some_and(|e| e.device_id == id));
            let mut fired = fired.lock().unwrap_or_else(|e| e.into_inner());
            if !present && !*fired {
                *fired = true;
                gone();
            }
        }));
        Some(Watch::new(move || provider.remove_listener(listener)))
    }
}

// ---------------------------------------------------------------------------------------------
// X11

/// The screens, XRandR monitors and top-level windows of `$DISPLAY`, through `ximagesrc`.
struct X11Displays;

impl DisplayBackend for X11Displays {
    fn name(&self) -> &'static str {
        "X11"
    }

    fn surfaces(&self) -> Result<Vec<DisplaySurface>, String> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err("DISPLAY is not set".into());
        }
        if gst::ElementFactory::find("ximagesrc").is_none() {
            return Err("ximagesrc is missing (gstreamer1.0-plugins-good)".into());
        }
        Ok(x11::surfaces(None)?
            .into_iter()
            .map(|s| DisplaySurface {
                surface: s.surface.clone(),
                backend: "X11",
                source: Arc::new(X11Source {
                    id: s.surface.id,
                    capture: s.capture,
                    size: (s.surface.width, s.surface.height),
                }),
            })
            .collect())
    }
}

struct X11Source {
    id: String,
    capture: x11::Capture,
    size: (u32, u32),
}

impl SurfaceSource for X11Source {
    fn create_element(&self, name: &str, cursor: &str) -> Result<gst::Element, glib::BoolError> {
        x11::create_source(None, &self.capture, cursor != "never", name)
    }

    fn caps(&self, frame_rate: f64) -> gst::Caps {
        // The pixel format is the X visual's: left to ximagesrc.
        gst::Caps::builder("video/x-raw")
            .field("width", self.size.0 as i32)
            .field("height", self.size.1 as i32)
            .field(
                "framerate",
                gst::Fraction::approximate_f64(frame_rate)
                    .unwrap_or_else(|| gst::Fraction::new(frame_rate.round() as i32, 1)),
            )
            .build()
    }

    fn present(&self) -> bool {
        x11::surfaces(None).is_ok_and(|l| l.iter().any(|s| s.surface.id == self.id))
    }
}
