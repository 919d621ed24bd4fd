// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Display surfaces of an X11 server, for screen capture without a portal: every XRandR monitor
//! and the whole root window as `monitor` surfaces, every top-level window as a `window`
//! surface (labelled with its title), each captured with `ximagesrc` (a region of the root
//! window, or one window by `xid`). X11 has no device provider for them, so they are listed
//! here from the server itself.

use gst::glib;
use gst::prelude::*;
use x11rb::connection::{Connection, RequestConnection as _};
use x11rb::protocol::randr::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, MapState, Window};
use x11rb::rust_connection::RustConnection;

use crate::engine::ValueSet;
use crate::engine::display::{Surface, SurfaceKind};

/// The refresh rate assumed when XRandR tells none: a screen never shows more frames than it
/// refreshes, and `ximagesrc` paces itself to the negotiated rate.
const DEFAULT_REFRESH: f64 = 60.0;

/// What `ximagesrc` is pointed at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    /// A rectangle of a screen's root window (a monitor, or the whole screen).
    Region {
        screen: usize,
        x: u32,
        y: u32,
        width: u32,
        height: u32,
    },
    /// One window.
    Window { screen: usize, xid: u32 },
}

/// One capturable X11 surface.
#[derive(Clone, Debug, PartialEq)]
pub struct X11Surface {
    pub surface: Surface,
    pub capture: Capture,
}

/// The surfaces of the X server `display` (`None`: `$DISPLAY`), screen by screen: the whole
/// screen first, then each XRandR monitor that is not the whole screen, then the top-level
/// windows (the window manager's client list in its order; without a window manager, the
/// mapped children of the root window that have a title).
///
/// Requests are sent in batches and their replies collected afterwards, so the listing takes a
/// handful of round trips to the server whatever the number of monitors and windows.
pub fn surfaces(display: Option<&str>) -> Result<Vec<X11Surface>, String> {
    let (conn, _) = x11rb::connect(display).map_err(|e| format!("cannot open X display: {e}"))?;
    conn.prefetch_extension_information(randr::X11_EXTENSION_NAME)
        .map_err(|e| e.to_string())?;
    let atoms = Atoms::intern(&conn)?;
    let screens = conn.setup().roots.clone();
    let many = screens.len() > 1;
    let mut out = Vec::new();
    for (screen, root) in screens.iter().enumerate() {
        let (w, h) = (
            u32::from(root.width_in_pixels),
            u32::from(root.height_in_pixels),
        );
        let (id, label) = if many {
            (
                format!("screen{screen}"),
                format!("Screen {screen} ({w}x{h})"),
            )
        } else {
            ("screen".to_string(), "Entire screen".to_string())
        };
        // One round trip for the RandR state and the client list.
        let resources = conn.randr_get_screen_resources_current(root.root).ok();
        let monitors = conn.randr_get_monitors(root.root, true).ok();
        let clients = conn
            .get_property(
                false,
                root.root,
                atoms.net_client_list,
                AtomEnum::WINDOW,
                0,
                u32::MAX,
            )
            .map_err(|e| e.to_string())?;
        let resources = resources.and_then(|c| c.reply().ok());
        // No RandR: the whole screen is the only monitor.
        let monitors = match monitors {
            Some(cookie) => {
                cookie
                    .reply()
                    .map_err(|e| format!("XRandR GetMonitors: {e}"))?
                    .monitors
            }
            None => Vec::new(),
        };
        let clients = clients
            .reply()
            .ok()
            .and_then(|r| r.value32().map(|v| v.collect::<Vec<u32>>()))
            .filter(|v| !v.is_empty());

        let crtcs = resources
            .as_ref()
            .map(|r| crtc_refresh(&conn, r))
            .unwrap_or_default();
        // The whole screen and its windows change as fast as its fastest monitor.
        let fastest = crtcs
            .iter()
            .map(|(_, hz)| *hz)
            .fold(None, |m: Option<f64>, hz| Some(m.map_or(hz, |m| m.max(hz))))
            .unwrap_or(DEFAULT_REFRESH);
        out.push(monitor(screen, &id, label, (0, 0, w, h), fastest));
        for (name, rect) in monitor_rects(&conn, &monitors) {
            if rect != (0, 0, w, h) {
                let label = format!("Monitor {name} ({}x{})", rect.2, rect.3);
                let hz = crtcs
                    .iter()
                    .find(|(at, _)| (at.0, at.1) == (rect.0, rect.1))
                    .map_or(fastest, |(_, hz)| *hz);
                out.push(monitor(screen, &format!("{id}-{name}"), label, rect, hz));
            }
        }
        for (xid, title, ww, wh) in windows(&conn, root.root, clients, &atoms)? {
            out.push(X11Surface {
                surface: Surface {
                    id: format!("x11-window-{xid:#x}"),
                    label: title,
                    kind: SurfaceKind::Window,
                    width: ww,
                    height: wh,
                    frame_rate: rates(fastest),
                    cursor: cursor_modes(),
                    // Only what is visible of a window can be read back without compositing.
                    logical: false,
                },
                capture: Capture::Window { screen, xid },
            });
        }
    }
    Ok(out)
}

/// The atoms the listing reads, interned in one round trip.
struct Atoms {
    net_client_list: Atom,
    net_wm_name: Atom,
    utf8_string: Atom,
}

impl Atoms {
    fn intern(conn: &RustConnection) -> Result<Atoms, String> {
        let cookies = ["_NET_CLIENT_LIST", "_NET_WM_NAME", "UTF8_STRING"]
            .map(|name| (name, conn.intern_atom(false, name.as_bytes())));
        let mut atoms = [0; 3];
        for (atom, (name, cookie)) in atoms.iter_mut().zip(cookies) {
            *atom = cookie
                .map_err(|e| e.to_string())?
                .reply()
                .map(|r| r.atom)
                .map_err(|e| format!("InternAtom {name}: {e}"))?;
        }
        let [net_client_list, net_wm_name, utf8_string] = atoms;
        Ok(Atoms {
            net_client_list,
            net_wm_name,
            utf8_string,
        })
    }
}

/// From 1 fps up to the refresh rate (`resizeMode: 'none'` captures at that).
fn rates(refresh: f64) -> ValueSet {
    ValueSet::Range {
        min: 1.0,
        max: refresh,
        step: 0.0,
    }
}

/// Each active CRTC's position and refresh rate, from XRandR 1.3 GetScreenResourcesCurrent (no
/// re-probing of outputs); the CRTCs are asked for in one batch.
fn crtc_refresh(
    conn: &RustConnection,
    res: &randr::GetScreenResourcesCurrentReply,
) -> Vec<((u32, u32), f64)> {
    let cookies: Vec<_> = res
        .crtcs
        .iter()
        .map(|crtc| conn.randr_get_crtc_info(*crtc, res.config_timestamp))
        .collect();
    let mut out = Vec::new();
    for cookie in cookies {
        let Ok(Ok(info)) = cookie.map(|c| c.reply()) else {
            continue;
        };
        if let Some(hz) = res
            .modes
            .iter()
            .find(|m| m.id == info.mode)
            .and_then(refresh_of)
        {
            out.push(((info.x.max(0) as u32, info.y.max(0) as u32), hz));
        }
    }
    out
}

/// A mode's refresh rate: pixel clock over the pixels of a frame (interlaced modes show two
/// fields per frame, doublescan shows each line twice).
fn refresh_of(mode: &randr::ModeInfo) -> Option<f64> {
    let mut pixels = f64::from(mode.htotal) * f64::from(mode.vtotal);
    if mode.mode_flags.contains(randr::ModeFlag::DOUBLE_SCAN) {
        pixels *= 2.0;
    }
    if mode.mode_flags.contains(randr::ModeFlag::INTERLACE) {
        pixels /= 2.0;
    }
    let hz = f64::from(mode.dot_clock) / pixels;
    (hz.is_finite() && hz >= 1.0).then_some((hz * 100.0).round() / 100.0)
}

fn cursor_modes() -> Vec<String> {
    vec!["always".into(), "never".into()]
}

fn monitor(
    screen: usize,
    id: &str,
    label: String,
    rect: (u32, u32, u32, u32),
    refresh: f64,
) -> X11Surface {
    let (x, y, width, height) = rect;
    X11Surface {
        surface: Surface {
            id: format!("x11-{id}"),
            label,
            kind: SurfaceKind::Monitor,
            width,
            height,
            frame_rate: rates(refresh),
            cursor: cursor_modes(),
            logical: true,
        },
        capture: Capture::Region {
            screen,
            x,
            y,
            width,
            height,
        },
    }
}

/// XRandR monitors: (name, (x, y, width, height)).
type Rect = (u32, u32, u32, u32);

/// The monitors' names (asked for in one batch) and rectangles.
fn monitor_rects(conn: &RustConnection, monitors: &[randr::MonitorInfo]) -> Vec<(String, Rect)> {
    let names: Vec<_> = monitors
        .iter()
        .map(|m| conn.get_atom_name(m.name))
        .collect();
    monitors
        .iter()
        .zip(names)
        .map(|(m, cookie)| {
            let name = cookie
                .ok()
                .and_then(|c| c.reply().ok())
                .map(|r| String::from_utf8_lossy(&r.name).into_owned())
                .unwrap_or_else(|| format!("{}", m.name));
            let (x, y) = (m.x.max(0) as u32, m.y.max(0) as u32);
            (name, (x, y, u32::from(m.width), u32::from(m.height)))
        })
        .collect()
}

/// Top-level windows with a title: (xid, title, width, height). `clients` is the window
/// manager's client list; without one, the children of the root window. Every window's
/// attributes, geometry and titles are asked for in one batch.
fn windows(
    conn: &RustConnection,
    root: Window,
    clients: Option<Vec<u32>>,
    atoms: &Atoms,
) -> Result<Vec<(u32, String, u32, u32)>, String> {
    let candidates = match clients {
        Some(list) => list,
        None => {
            conn.query_tree(root)
                .map_err(|e| e.to_string())?
                .reply()
                .map_err(|e| format!("QueryTree: {e}"))?
                .children
        }
    };
    let cookies: Vec<_> = candidates
        .iter()
        .map(|&xid| {
            (
                xid,
                conn.get_window_attributes(xid),
                conn.get_geometry(xid),
                // `_NET_WM_NAME` (UTF-8), else `WM_NAME`.
                conn.get_property(false, xid, atoms.net_wm_name, atoms.utf8_string, 0, 1024),
                conn.get_property(false, xid, AtomEnum::WM_NAME, AtomEnum::STRING, 0, 1024),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (xid, attrs, geo, net_wm_name, wm_name) in cookies {
        let Ok(Ok(attrs)) = attrs.map(|c| c.reply()) else {
            continue;
        };
        if attrs.map_state != MapState::VIEWABLE || attrs.override_redirect {
            continue;
        }
        let Ok(Ok(geo)) = geo.map(|c| c.reply()) else {
            continue;
        };
        let title = [net_wm_name, wm_name]
            .into_iter()
            .filter_map(|c| c.ok()?.reply().ok())
            .find(|r| !r.value.is_empty())
            .map(|r| String::from_utf8_lossy(&r.value).into_owned());
        let Some(title) = title else {
            continue;
        };
        out.push((xid, title, u32::from(geo.width), u32::from(geo.height)));
    }
    Ok(out)
}

/// `ximagesrc` capturing `capture` of `display` (`None`: `$DISPLAY`), with or without the
/// pointer. Damage tracking is off: with it, unchanged areas are not re-read and the first
/// frame can come late.
pub fn create_source(
    display: Option<&str>,
    capture: &Capture,
    show_pointer: bool,
    name: &str,
) -> Result<gst::Element, glib::BoolError> {
    let screen = match capture {
        Capture::Region { screen, .. } | Capture::Window { screen, .. } => *screen,
    };
    let display = display_name(display, screen);
    // A region of the root window can use the source opened ahead on it; a window cannot, as
    // ximagesrc reads `xid` only when it opens its display.
    let ahead = match (capture, &display) {
        (Capture::Region { .. }, Some(display)) => super::x11_ahead::take(display),
        _ => None,
    };
    let src = match ahead {
        Some(src) => {
            src.set_property("name", name);
            src
        }
        None => {
            let src = gst::ElementFactory::make("ximagesrc").name(name).build()?;
            // Without a name ximagesrc opens $DISPLAY itself (and there is no screen to pick).
            if let Some(display) = &display {
                src.set_property("display-name", display);
            }
            src
        }
    };
    src.set_property("use-damage", false);
    src.set_property("show-pointer", show_pointer);
    match capture {
        Capture::Region {
            x,
            y,
            width,
            height,
            ..
        } => {
            src.set_property("startx", *x);
            src.set_property("starty", *y);
            // Inclusive end coordinates.
            src.set_property("endx", x + width.saturating_sub(1));
            src.set_property("endy", y + height.saturating_sub(1));
        }
        Capture::Window { xid, .. } => src.set_property("xid", u64::from(*xid)),
    }
    Ok(src)
}

/// The Xlib display name of `screen` of `display` (`None`: `$DISPLAY`), if there is one.
pub fn display_name(display: Option<&str>, screen: usize) -> Option<String> {
    display
        .map(str::to_string)
        .or_else(|| std::env::var("DISPLAY").ok())
        .filter(|d| !d.is_empty())
        .map(|d| screen_name(&d, screen))
}

/// `host:N` with the screen number replaced: `:1` → `:1.2`, `:1.0` → `:1.2`.
fn screen_name(display: &str, screen: usize) -> String {
    let colon = display.rfind(':').unwrap_or(display.len());
    let base = match display[colon..].find('.') {
        Some(dot) => &display[..colon + dot],
        None => display,
    };
    format!("{base}.{screen}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn screen_names() {
        assert_eq!(super::screen_name(":1", 2), ":1.2");
        assert_eq!(super::screen_name(":1.0", 1), ":1.1");
        assert_eq!(super::screen_name("host:10.0", 0), "host:10.0");
    }
}
