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
//! (nothing else then, so tests are hermetic); otherwise the desktop portal ([`super::portal`])
//! when the session bus has one, then X11 when `DISPLAY` is set.
//! The portal lists no surfaces up front: its dialog is the user's choice, so it "lists" the one
//! surface the user picked, and that surface's source keeps the portal's stream (and session)
//! alive for as long as the track captures it.
//! [`surfaces`] returns the first backend's surfaces, or why none can be captured: every backend
//! tried and what it said (NotFoundError), or the user's or a backend's refusal.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gst::glib;
use gst::prelude::*;

use super::fake::{self, FakeDevice};
use super::portal::{
    self, Cursor, PortalError, PortalRequest, PortalStream, SourceType, SourceTypes,
};
use super::x11_ahead::{Ahead, Kept};
use super::{caps, monitor, x11};
use crate::engine::ValueSet;
use crate::engine::display::{Surface, SurfaceKind};

/// What a backend lists: the surface and how to capture it.
#[derive(Clone)]
pub struct DisplaySurface {
    pub surface: Surface,
    /// The backend's name, for messages.
    pub backend: &'static str,
    /// The user picked it in the backend's own dialog (the desktop portal's): that was the
    /// permission prompt.
    pub chosen_by_user: bool,
    /// A token that restores the same choice without a dialog next time (the portal's).
    pub restore_token: Option<String>,
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
    /// Whether its size can change while it is captured (a window): [`caps`] then leaves the
    /// size open and the track scales every frame to the size it was given.
    ///
    /// [`caps`]: SurfaceSource::caps
    fn resizable(&self) -> bool {
        false
    }
    /// Calls `gone` once when the surface goes away, for as long as the returned guard lives;
    /// `None` when the backend cannot tell (its source then fails, and [`present`] says why).
    ///
    /// [`present`]: SurfaceSource::present
    fn watch(&self, gone: Box<dyn Fn() + Send + Sync>) -> Option<Watch> {
        let _ = gone;
        None
    }
}

/// What a backend that asks the user (the desktop portal) asks for; the others list every
/// surface and ignore it.
#[derive(Clone, Debug, Default)]
pub struct DisplayQuery {
    /// `displaySurface`: the kind of surface to offer first.
    pub preferred: Option<SurfaceKind>,
    /// The `cursor` wanted (`never`, `always`, `motion`); `None`: drawn into the frames, as
    /// Chromium does.
    pub cursor: Option<String>,
    /// `restore-token`: restores an earlier choice without a dialog where the backend can.
    pub restore_token: Option<String>,
    /// How long the user may take to answer; `None`: as long as they like.
    pub timeout: Option<Duration>,
}

/// Why no surface can be captured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisplayError {
    /// No backend offers a surface: every one tried, and why (NotFoundError).
    NotFound(String),
    /// The user said no, or did not answer in time (NotAllowedError).
    NotAllowed(String),
    /// A backend failed (AbortError).
    Failed(String),
}

/// Why a backend offers nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendError {
    /// It cannot be used here; the next backend is tried.
    Unavailable(String),
    /// It was used and refused or failed: the answer, no other backend is tried (the user
    /// answered already).
    Refused(DisplayError),
}

impl From<String> for BackendError {
    fn from(why: String) -> Self {
        BackendError::Unavailable(why)
    }
}

/// A source of display surfaces.
pub trait DisplayBackend {
    /// How messages name it (`fake displays`, `desktop portal`, `X11`).
    fn name(&self) -> &'static str;
    /// The surfaces it offers now, or why it offers none.
    fn surfaces(&self, query: &DisplayQuery) -> Result<Vec<DisplaySurface>, BackendError>;
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
    vec![Box::new(PortalDisplays), Box::new(X11Displays)]
}

/// Gets the X11 capture ready where `DISPLAY` is set: loads the plugin of `ximagesrc` and opens
/// an `ximagesrc` on the root window of screen 0 ahead ([`super::x11_ahead`]), so that opening a
/// screen or monitor later waits for neither. Blocks while doing so: call it off the streaming
/// path, then [`Kept::close_unused_after`] on what it returns.
///
/// Not on a Wayland session (`WAYLAND_DISPLAY` set): there the portal, tried first, is expected
/// to answer, and XWayland's root window is not the desktop. On an X11 desktop whose portal
/// answers, the connection opened ahead goes unused and is closed. Not the portal's
/// `pipewiresrc` either: the portal answers after a D-Bus exchange or a dialog, which hides that
/// load anyway, while an X11 capture is built within a few milliseconds and would wait for
/// GStreamer's plugin lock (measured: loading `pipewiresrc` here too made the X11 benchmark
/// slower).
pub fn prepare() -> Option<Kept> {
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    if std::env::var_os(fake::ENV_VAR).is_some() || !set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return None;
    }
    // Claimed before the load: a capture starting meanwhile waits for this source, not for the
    // plugin lock and then its own connection.
    let ahead = x11::display_name(None, 0).and_then(|d| Ahead::begin(&d));
    gst::ElementFactory::find("ximagesrc")?.load().ok()?;
    ahead.map(Ahead::open)
}

/// The surfaces of the first backend that offers any, or why none can be captured.
pub fn surfaces(query: &DisplayQuery) -> Result<Vec<DisplaySurface>, DisplayError> {
    let mut why = Vec::new();
    for backend in backends() {
        match backend.surfaces(query) {
            Ok(s) if !s.is_empty() => return Ok(s),
            Ok(_) => why.push(format!("{}: no surface to capture", backend.name())),
            Err(BackendError::Unavailable(e)) => why.push(format!("{}: {e}", backend.name())),
            Err(BackendError::Refused(e)) => return Err(e),
        }
    }
    Err(DisplayError::NotFound(format!(
        "no display surface to capture ({})",
        why.join("; ")
    )))
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

    fn surfaces(&self, _: &DisplayQuery) -> Result<Vec<DisplaySurface>, BackendError> {
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
            return Err(why.into());
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
        chosen_by_user: false,
        restore_token: None,
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

    fn surfaces(&self, _: &DisplayQuery) -> Result<Vec<DisplaySurface>, BackendError> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(BackendError::Unavailable("DISPLAY is not set".into()));
        }
        if gst::ElementFactory::find("ximagesrc").is_none() {
            return Err(BackendError::Unavailable(
                "ximagesrc is missing (gstreamer1.0-plugins-good)".into(),
            ));
        }
        Ok(x11::surfaces(None)?
            .into_iter()
            .map(|s| DisplaySurface {
                surface: s.surface.clone(),
                backend: "X11",
                chosen_by_user: false,
                restore_token: None,
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
        // The pixel format is the X visual's: left to ximagesrc. A window's size is its own.
        let mut caps = gst::Caps::builder("video/x-raw");
        if !self.resizable() {
            caps = caps
                .field("width", self.size.0 as i32)
                .field("height", self.size.1 as i32);
        }
        caps.field(
            "framerate",
            gst::Fraction::approximate_f64(frame_rate)
                .unwrap_or_else(|| gst::Fraction::new(frame_rate.round() as i32, 1)),
        )
        .build()
    }

    fn present(&self) -> bool {
        x11::surfaces(None).is_ok_and(|l| l.iter().any(|s| s.surface.id == self.id))
    }

    fn resizable(&self) -> bool {
        matches!(self.capture, x11::Capture::Window { .. })
    }
}

// ---------------------------------------------------------------------------------------------
// Desktop portal

/// The highest rate a portal surface is offered at: compositors send at most one frame per
/// refresh, and a frame only when something changed.
const PORTAL_MAX_RATE: f64 = 60.0;

/// The xdg-desktop-portal ScreenCast portal: the surface the user picks in its dialog.
struct PortalDisplays;

impl DisplayBackend for PortalDisplays {
    fn name(&self) -> &'static str {
        "desktop portal"
    }

    fn surfaces(&self, query: &DisplayQuery) -> Result<Vec<DisplaySurface>, BackendError> {
        if gst::ElementFactory::find("pipewiresrc").is_none() {
            return Err(BackendError::Unavailable(
                "pipewiresrc is missing (gstreamer1.0-pipewire)".into(),
            ));
        }
        let cursor = query
            .cursor
            .as_deref()
            .and_then(Cursor::parse)
            .unwrap_or(Cursor::Always);
        let request = PortalRequest {
            surfaces: SourceTypes::for_surface(query.preferred),
            cursor: Some(cursor),
            restore_token: query.restore_token.clone(),
            persist: true,
            timeout: query.timeout,
            bus_address: None,
        };
        let stream = portal::open(&request).map_err(|e| match e {
            PortalError::NotAvailable(why) => BackendError::Unavailable(why),
            PortalError::Cancelled | PortalError::Timeout(_) => {
                BackendError::Refused(DisplayError::NotAllowed(e.to_string()))
            }
            PortalError::Failed(_) => BackendError::Refused(DisplayError::Failed(e.to_string())),
        })?;
        Ok(vec![portal_surface(stream, query.preferred)?])
    }
}

fn portal_surface(
    stream: PortalStream,
    preferred: Option<SurfaceKind>,
) -> Result<DisplaySurface, BackendError> {
    // Frames are negotiated at this size: without it the track could not promise one.
    let Some((width, height)) = stream
        .size
        .filter(|&(w, h)| w > 0 && h > 0)
        .map(|(w, h)| (w as u32, h as u32))
    else {
        return Err(BackendError::Refused(DisplayError::Failed(
            "the desktop portal did not say the size of the chosen stream".into(),
        )));
    };
    let kind = match stream.source_type {
        Some(SourceType::Window) => SurfaceKind::Window,
        Some(SourceType::Monitor | SourceType::Virtual) => SurfaceKind::Monitor,
        None => preferred.unwrap_or(SurfaceKind::Monitor),
    };
    let what = match stream.source_type {
        Some(SourceType::Window) => "Window",
        Some(SourceType::Virtual) => "Virtual screen",
        _ if kind == SurfaceKind::Window => "Window",
        _ => "Screen",
    };
    let surface = Surface {
        id: format!("portal-{}", stream.target_object()),
        label: format!("{what} ({width}x{height})"),
        kind,
        width,
        height,
        frame_rate: ValueSet::Range {
            min: 1.0,
            max: PORTAL_MAX_RATE,
            step: 0.0,
        },
        // Portals version 1 have no cursor modes: the compositor's default, hidden.
        cursor: vec![stream.cursor.unwrap_or(Cursor::Never).as_str().into()],
        // The compositor renders the whole window, covered or not.
        logical: true,
    };
    Ok(DisplaySurface {
        surface,
        backend: "desktop portal",
        chosen_by_user: true,
        restore_token: stream.restore_token.clone(),
        source: Arc::new(PortalSource {
            stream,
            size: (width, height),
        }),
    })
}

/// The portal's stream: dropping it (with the last track that captures it) ends the cast.
struct PortalSource {
    stream: PortalStream,
    size: (u32, u32),
}

impl SurfaceSource for PortalSource {
    fn create_element(&self, name: &str, _cursor: &str) -> Result<gst::Element, glib::BoolError> {
        // The cursor mode was agreed with the portal before the stream existed.
        portal::create_source(&self.stream, Some(name))
    }

    fn caps(&self, _frame_rate: f64) -> gst::Caps {
        // No rate: compositors send frames when the screen changes (variable rate, 0/1);
        // decimation bounds it.
        gst::Caps::builder("video/x-raw")
            .field("width", self.size.0 as i32)
            .field("height", self.size.1 as i32)
            .build()
    }

    fn present(&self) -> bool {
        self.stream.session.is_open()
    }

    fn watch(&self, gone: Box<dyn Fn() + Send + Sync>) -> Option<Watch> {
        let watch = self.stream.session.watch_closed(gone).ok()?;
        Some(Watch::new(move || drop(watch)))
    }
}
