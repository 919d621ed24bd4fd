// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Screen capture through the xdg-desktop-portal ScreenCast portal (Wayland desktops and
//! portal-equipped X11 ones): `org.freedesktop.portal.ScreenCast` on the session bus, through
//! GDBus.
//!
//! [`open`] runs the whole flow — CreateSession → SelectSources → Start → OpenPipeWireRemote —
//! blocking the calling thread while the user answers the portal's dialog, and returns a
//! [`PortalStream`]: a PipeWire remote fd that sees only the chosen stream's node.
//! [`create_source`] makes the `pipewiresrc` reading it. Dropping the stream (its
//! [`PortalSession`]) closes the portal session, which ends the cast.
//!
//! Each portal call answers through a `org.freedesktop.portal.Request` object's `Response`
//! signal. Its path is computed from our unique name and the `handle_token` we pass, and the
//! signal is subscribed to before the call, so an answer that comes before the call returns is
//! not lost. Waits run a main loop on a private `GMainContext`: nothing else is dispatched on
//! the caller's contexts, and nothing polls.

use std::cell::RefCell;
use std::os::fd::{AsRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use gio::prelude::*;
use gst::glib;
use gst::glib::{Variant, VariantDict, variant::ObjectPath};

use crate::engine::display::SurfaceKind;

const PORTAL_NAME: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const SCREENCAST: &str = "org.freedesktop.portal.ScreenCast";
const REQUEST: &str = "org.freedesktop.portal.Request";
const SESSION: &str = "org.freedesktop.portal.Session";
/// Bound on one method call, not on the user's answer (that comes as a signal): a portal being
/// activated answers within D-Bus's default 25 s.
const CALL_TIMEOUT: Duration = Duration::from_secs(25);
/// Bound on closing a session or a request: best effort, on paths that must not hang.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// `persist_mode` and `restore_token` exist from version 4 of the interface.
const PERSIST_VERSION: u32 = 4;
/// `persist_mode` 2: the grant persists until revoked, the token survives restarts.
const PERSIST_UNTIL_REVOKED: u32 = 2;

/// The kinds of source the portal's dialog may offer (`types` of SelectSources, the bits of
/// `AvailableSourceTypes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceTypes(u32);

impl SourceTypes {
    pub const MONITOR: SourceTypes = SourceTypes(1);
    pub const WINDOW: SourceTypes = SourceTypes(2);
    pub const VIRTUAL: SourceTypes = SourceTypes(4);
    /// No preference: whatever the portal offers.
    pub const ANY: SourceTypes = SourceTypes(0);

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn from_bits(bits: u32) -> SourceTypes {
        SourceTypes(bits & 7)
    }

    pub fn union(self, other: SourceTypes) -> SourceTypes {
        SourceTypes(self.0 | other.0)
    }

    /// The kinds to offer first for a `displaySurface` preference: a browser tab is a window to
    /// the portal. `None`: no preference.
    pub fn for_surface(surface: Option<SurfaceKind>) -> SourceTypes {
        match surface {
            Some(SurfaceKind::Monitor) => SourceTypes::MONITOR,
            Some(SurfaceKind::Window | SurfaceKind::Browser) => SourceTypes::WINDOW,
            None => SourceTypes::ANY,
        }
    }
}

/// `cursor` of MediaTrackSettings and its portal cursor mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// HIDDEN: no cursor in the frames.
    Never,
    /// EMBEDDED: drawn into every frame.
    Always,
    /// METADATA: sent beside the frames (drawn where it moves, by whoever renders them).
    Motion,
}

impl Cursor {
    fn mode(self) -> u32 {
        match self {
            Cursor::Never => 1,
            Cursor::Always => 2,
            Cursor::Motion => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cursor::Never => "never",
            Cursor::Always => "always",
            Cursor::Motion => "motion",
        }
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        match s {
            "never" => Some(Cursor::Never),
            "always" => Some(Cursor::Always),
            "motion" => Some(Cursor::Motion),
            _ => None,
        }
    }

    /// The mode to ask for among the `available` bits: the wanted one, else the closest in
    /// effect (metadata keeps the cursor out of the frames like hidden; embedded shows it like
    /// metadata). `None` when the portal offers no cursor modes (version 1).
    fn choose(wanted: Cursor, available: u32) -> Option<Cursor> {
        let order = match wanted {
            Cursor::Never => [Cursor::Never, Cursor::Motion, Cursor::Always],
            Cursor::Always => [Cursor::Always, Cursor::Motion, Cursor::Never],
            Cursor::Motion => [Cursor::Motion, Cursor::Always, Cursor::Never],
        };
        order.into_iter().find(|c| available & c.mode() != 0)
    }
}

/// What the chosen stream shows (`source_type` of the stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceType {
    Monitor,
    Window,
    Virtual,
}

impl SourceType {
    fn from_bits(bits: u32) -> Option<SourceType> {
        match bits {
            1 => Some(SourceType::Monitor),
            2 => Some(SourceType::Window),
            4 => Some(SourceType::Virtual),
            _ => None,
        }
    }
}

/// What to ask the portal for.
#[derive(Clone, Debug, Default)]
pub struct PortalRequest {
    /// The kinds of source to offer; narrowed to what the portal has, and all it has when none
    /// of them is there (a preference never makes the request fail).
    pub surfaces: SourceTypes,
    /// The cursor wanted; `None` leaves it to the portal.
    pub cursor: Option<Cursor>,
    /// A token from an earlier grant ([`PortalStream::restore_token`]): the portal may restore
    /// that choice without a dialog. Ignored by portals older than version 4.
    pub restore_token: Option<String>,
    /// Ask for a grant that persists until revoked (`persist_mode` 2), so that the stream comes
    /// with a restore token.
    pub persist: bool,
    /// How long the whole flow, dialogs included, may take; `None` waits as long as the user
    /// does. Past it the pending request is closed and [`PortalError::Timeout`] returned.
    pub timeout: Option<Duration>,
    /// A D-Bus address to use instead of the session bus (`DBUS_SESSION_BUS_ADDRESS`).
    pub bus_address: Option<String>,
}

/// Why no stream was obtained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// No session bus, no portal on it, no ScreenCast interface: this backend cannot be used
    /// here (NotFoundError names it among the backends tried).
    #[error("screen-cast portal not available: {0}")]
    NotAvailable(String),
    /// The user cancelled the dialog (Response 1): NotAllowedError.
    #[error("screen-cast portal: the request was cancelled")]
    Cancelled,
    /// The portal failed (Response 2, an error reply, a malformed answer): AbortError.
    #[error("screen-cast portal failed: {0}")]
    Failed(String),
    /// No answer within [`PortalRequest::timeout`]: NotAllowedError, like a permission prompt
    /// nobody answered.
    #[error("screen-cast portal: no answer within {0:?}")]
    Timeout(Duration),
}

impl PortalError {
    /// The DOMException name getDisplayMedia rejects with.
    pub fn dom_name(&self) -> &'static str {
        match self {
            PortalError::NotAvailable(_) => "NotFoundError",
            PortalError::Cancelled | PortalError::Timeout(_) => "NotAllowedError",
            PortalError::Failed(_) => "AbortError",
        }
    }
}

/// A portal session; closed (`org.freedesktop.portal.Session.Close`) when dropped, which stops
/// the cast. It owns the D-Bus connection: the portal also ends the session when that closes.
#[derive(Debug)]
pub struct PortalSession {
    conn: gio::DBusConnection,
    handle: String,
    open: bool,
}

impl PortalSession {
    /// The session's object path.
    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// Whether the portal still has the session: it closes it when the user stops sharing
    /// from the desktop's own controls (its object then no longer exists).
    pub fn is_open(&self) -> bool {
        let args = Variant::tuple_from_iter([SESSION.to_variant(), "version".to_variant()]);
        self.open
            && call(
                &self.conn,
                &self.handle,
                "org.freedesktop.DBus.Properties",
                "Get",
                Some(&args),
                CLOSE_TIMEOUT,
            )
            .is_ok()
    }

    /// Calls `closed` once the portal closes the session (the user stopped sharing from the
    /// desktop's own controls), until [`SessionWatch`] is dropped. A thread of its own runs
    /// the signal's main context.
    pub fn watch_closed(
        &self,
        closed: Box<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<SessionWatch> {
        let (conn, handle) = (self.conn.clone(), self.handle.clone());
        let context = glib::MainContext::new();
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let (ml, ctx) = (main_loop.clone(), context.clone());
        let (subscribed, ready) = std::sync::mpsc::sync_channel::<()>(1);
        let fired = std::sync::atomic::AtomicBool::new(false);
        let closed = std::sync::Arc::new(move || {
            if !fired.swap(true, Ordering::SeqCst) {
                closed();
            }
        });
        let on_signal = closed.clone();
        let thread = std::thread::Builder::new()
            .name("usermedia-portal".into())
            .spawn(move || {
                let _ = ctx.with_thread_default(|| {
                    let _subscription = conn.subscribe_to_signal(
                        Some(PORTAL_NAME),
                        Some(SESSION),
                        Some("Closed"),
                        Some(&handle),
                        None,
                        gio::DBusSignalFlags::NONE,
                        move |_| on_signal(),
                    );
                    let _ = subscribed.send(());
                    ml.run();
                });
            })?;
        let _ = ready.recv();
        let watch = SessionWatch {
            stop: Some((context, main_loop, thread)),
        };
        // Closed before the subscription existed: nothing would tell.
        if !self.is_open() {
            closed();
        }
        Ok(watch)
    }

    /// Closes the session now (dropping it does the same).
    pub fn close(mut self) {
        self.close_now();
    }

    fn close_now(&mut self) {
        if std::mem::take(&mut self.open) {
            // Best effort: the portal also closes it when our connection goes.
            let _ = call(
                &self.conn,
                &self.handle,
                SESSION,
                "Close",
                None,
                CLOSE_TIMEOUT,
            );
        }
        let _ = self.conn.close_sync(None::<&gio::Cancellable>);
    }
}

impl Drop for PortalSession {
    fn drop(&mut self) {
        self.close_now();
    }
}

/// Keeps a [`PortalSession::watch_closed`] running; dropping it stops the watch.
pub struct SessionWatch {
    stop: Option<(
        glib::MainContext,
        glib::MainLoop,
        std::thread::JoinHandle<()>,
    )>,
}

impl Drop for SessionWatch {
    fn drop(&mut self) {
        if let Some((context, main_loop, thread)) = self.stop.take() {
            // Through the context: a quit before the loop runs would be lost.
            context.invoke(move || main_loop.quit());
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for SessionWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionWatch")
    }
}

/// The stream the user granted.
#[derive(Debug)]
pub struct PortalStream {
    /// A PipeWire remote that sees only this stream's node; must stay open while a source made
    /// by [`create_source`] uses it.
    pub fd: OwnedFd,
    /// The PipeWire node id.
    pub node_id: u32,
    /// Its `object.serial` (`pipewire-serial`, portal version 6 and later).
    pub serial: Option<u64>,
    /// The stream's size in pixels, when the portal says.
    pub size: Option<(i32, i32)>,
    /// What the user chose, when the portal says.
    pub source_type: Option<SourceType>,
    /// The cursor mode asked for; `None` when the portal offers none.
    pub cursor: Option<Cursor>,
    /// The token that restores this choice later ([`PortalRequest::restore_token`]); only when
    /// `persist` was asked for and the portal granted it.
    pub restore_token: Option<String>,
    pub session: PortalSession,
}

impl PortalStream {
    /// `target-object` for pipewiresrc: the serial when known (object ids are reused, serials
    /// are not), else the node id.
    pub fn target_object(&self) -> String {
        match self.serial {
            Some(serial) => serial.to_string(),
            None => self.node_id.to_string(),
        }
    }
}

/// Runs the ScreenCast flow and returns the granted stream. Blocks until the user answered,
/// the portal failed or `req.timeout` passed.
pub fn open(req: &PortalRequest) -> Result<PortalStream, PortalError> {
    let context = glib::MainContext::new();
    context
        .with_thread_default(|| {
            let flow = Flow::new(req, &context)?;
            let result = flow.run();
            if result.is_err() {
                // The portal drops whatever this connection still owns (a session created
                // after a timeout) when it closes.
                let _ = flow.conn.close_sync(None::<&gio::Cancellable>);
            }
            result
        })
        .map_err(|e| PortalError::Failed(format!("cannot use a private main context: {e}")))?
}

/// The session bus's address: `DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`. Never
/// gio's last resort, `dbus-launch --autolaunch`, which would leave a bus daemon running.
pub fn session_bus_address() -> Result<String, PortalError> {
    if let Some(address) = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .ok()
        .filter(|a| !a.is_empty())
    {
        return Ok(address);
    }
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR") {
        let bus = std::path::Path::new(&dir).join("bus");
        if bus.exists() {
            let path = gio::dbus_address_escape_value(&bus.to_string_lossy());
            return Ok(format!("unix:path={path}"));
        }
    }
    Err(PortalError::NotAvailable(
        "no session bus (DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not \
         exist)"
            .into(),
    ))
}

/// The socket path of a bus `address` whose every entry is a plain `unix:path=` that does not
/// exist, `None` otherwise. Such a bus cannot be reached, and telling so costs a `stat` where
/// gio's attempt costs its socket and proxy machinery's first use (1.3–2.3 ms).
fn missing_socket(address: &str) -> Option<String> {
    let mut missing = None;
    // Any entry that is not a plain `unix:path=` returns `None` (the `?`s): gio decides.
    for entry in address.split(';').filter(|e| !e.is_empty()) {
        let path = entry
            .strip_prefix("unix:")?
            .split(',')
            .find_map(|kv| kv.strip_prefix("path="))
            // Escaped values are left to gio.
            .filter(|p| !p.contains('%'))?;
        if std::path::Path::new(path).exists() {
            return None;
        }
        missing.get_or_insert_with(|| path.to_string());
    }
    missing
}

/// Creates the `pipewiresrc` reading `stream`. `stream` must outlive the source: its fd is the
/// source's connection and dropping it ends the cast.
pub fn create_source(
    stream: &PortalStream,
    name: Option<&str>,
) -> Result<gst::Element, glib::BoolError> {
    let mut builder =
        gst::ElementFactory::make("pipewiresrc").property("fd", stream.fd.as_raw_fd());
    if let Some(name) = name {
        builder = builder.name(name);
    }
    let src = builder.build()?;
    // Properties that other PipeWire versions renamed or dropped are set only where they exist
    // (the builder would panic on a missing one).
    let set = |name: &str, value: glib::Value| {
        if src.find_property(name).is_some() {
            src.set_property_from_value(name, &value);
        }
    };
    set("client-name", "usermediasrc".into());
    // As for the devices' pipewiresrc (monitor.rs): frames must outlive the stream.
    super::pw_memory::copy_unless_fd_backed(&src);
    match stream.serial {
        Some(serial) => set("target-object", serial.to_string().into()),
        // 0.3.65's target-object takes a name or a serial; a bare node id goes by `path`.
        None => set("path", stream.node_id.to_string().into()),
    }
    Ok(src)
}

/// One run of the portal flow on a private connection and main context.
struct Flow<'a> {
    req: &'a PortalRequest,
    context: &'a glib::MainContext,
    conn: gio::DBusConnection,
    /// Our unique name as it appears in request paths (`:1.42` → `1_42`).
    sender: String,
    deadline: Option<Instant>,
}

impl<'a> Flow<'a> {
    fn new(req: &'a PortalRequest, context: &'a glib::MainContext) -> Result<Self, PortalError> {
        let deadline = req.timeout.map(|t| Instant::now() + t);
        let address = match &req.bus_address {
            Some(a) => a.clone(),
            None => session_bus_address()?,
        };
        if let Some(path) = missing_socket(&address) {
            return Err(PortalError::NotAvailable(format!(
                "cannot connect to {address}: {path} does not exist"
            )));
        }
        // A private connection: the session lives as long as it, and closing it never affects
        // the application's own use of the bus.
        let conn = gio::DBusConnection::for_address_sync(
            &address,
            gio::DBusConnectionFlags::AUTHENTICATION_CLIENT
                | gio::DBusConnectionFlags::MESSAGE_BUS_CONNECTION,
            None,
            None::<&gio::Cancellable>,
        )
        .map_err(|e| PortalError::NotAvailable(format!("cannot connect to {address}: {e}")))?;
        let sender = conn
            .unique_name()
            .map(|n| n.trim_start_matches(':').replace('.', "_"))
            .ok_or_else(|| PortalError::NotAvailable("the bus gave no unique name".into()))?;
        Ok(Flow {
            req,
            context,
            conn,
            sender,
            deadline,
        })
    }

    fn run(&self) -> Result<PortalStream, PortalError> {
        let info = self.properties()?;
        let results = self.request("CreateSession", None, |opts| {
            opts.insert("session_handle_token", token());
        })?;
        let handle = results
            .lookup_value("session_handle", None)
            .and_then(|v| v.str().map(str::to_owned))
            .ok_or_else(|| PortalError::Failed("CreateSession gave no session_handle".into()))?;
        let session = PortalSession {
            conn: self.conn.clone(),
            handle,
            open: true,
        };
        let cursor = self
            .req
            .cursor
            .and_then(|c| Cursor::choose(c, info.cursor_modes));
        self.request("SelectSources", Some(&session.handle), |opts| {
            opts.insert("types", info.source_types(self.req.surfaces).bits());
            opts.insert("multiple", false);
            if let Some(c) = cursor {
                opts.insert("cursor_mode", c.mode());
            }
            if info.version >= PERSIST_VERSION {
                if self.req.persist {
                    opts.insert("persist_mode", PERSIST_UNTIL_REVOKED);
                }
                if let Some(token) = &self.req.restore_token {
                    opts.insert("restore_token", token.as_str());
                }
            }
        })?;
        let results = self.request("Start", Some(&session.handle), |_| ())?;
        let stream = first_stream(&results)?;
        let restore_token = results.lookup::<String>("restore_token").ok().flatten();
        let fd = self.open_remote(&session.handle)?;
        Ok(PortalStream {
            fd,
            node_id: stream.node_id,
            serial: stream.serial,
            size: stream.size,
            source_type: stream.source_type,
            cursor,
            restore_token,
            session,
        })
    }

    /// `version`, `AvailableSourceTypes` and `AvailableCursorModes` of the portal.
    fn properties(&self) -> Result<PortalInfo, PortalError> {
        let args = Variant::tuple_from_iter([SCREENCAST.to_variant()]);
        let reply = call(
            &self.conn,
            PORTAL_PATH,
            "org.freedesktop.DBus.Properties",
            "GetAll",
            Some(&args),
            self.call_timeout(),
        )
        .map_err(|e| PortalError::NotAvailable(format!("{PORTAL_NAME}: {e}")))?;
        let props = VariantDict::new(Some(&reply.child_value(0)));
        let version = props.lookup::<u32>("version").ok().flatten().unwrap_or(0);
        if version == 0 {
            return Err(PortalError::NotAvailable(format!(
                "{PORTAL_NAME} has no {SCREENCAST} interface"
            )));
        }
        let get = |key| props.lookup::<u32>(key).ok().flatten().unwrap_or(0);
        Ok(PortalInfo {
            version,
            source_types: get("AvailableSourceTypes"),
            cursor_modes: get("AvailableCursorModes"),
        })
    }

    /// Calls `method` with a fresh `handle_token` (and the session handle first, when given)
    /// and waits for its Response: the results on 0.
    fn request(
        &self,
        method: &str,
        session: Option<&str>,
        options: impl FnOnce(&VariantDict),
    ) -> Result<VariantDict, PortalError> {
        let token = token();
        let expected = format!("{PORTAL_PATH}/request/{}/{token}", self.sender);
        let opts = VariantDict::new(None);
        opts.insert("handle_token", token.as_str());
        options(&opts);
        let mut args = Vec::new();
        if let Some(session) = session {
            args.push(object_path(session)?.to_variant());
        }
        if method == "Start" {
            args.push("".to_variant()); // parent_window: none
        }
        args.push(opts.end());
        let waiter = Waiter::new(self.context);
        let mut watch = waiter.watch(&self.conn, &expected);
        let reply = call(
            &self.conn,
            PORTAL_PATH,
            SCREENCAST,
            method,
            Some(&Variant::tuple_from_iter(args)),
            self.call_timeout(),
        )
        .map_err(|e| self.call_error(method, e))?;
        let Some(handle) = reply.child_value(0).str().map(str::to_owned) else {
            return Err(PortalError::Failed(format!(
                "{method} answered without a request handle"
            )));
        };
        if handle != expected {
            // A portal older than 0.9 picks its own path; the answer may be missed, as with
            // every client of such a portal.
            watch = waiter.watch(&self.conn, &handle);
        }
        let answer = waiter.wait(self.deadline);
        drop(watch);
        match answer {
            Answer::Response(0, results) => Ok(VariantDict::new(Some(&results))),
            Answer::Response(1, _) => Err(PortalError::Cancelled),
            Answer::Response(code, _) => Err(PortalError::Failed(format!(
                "{method}: the portal answered {code}"
            ))),
            Answer::PortalGone => Err(PortalError::Failed(format!(
                "{method}: {PORTAL_NAME} left the bus"
            ))),
            Answer::TimedOut => {
                let _ = call(&self.conn, &handle, REQUEST, "Close", None, CLOSE_TIMEOUT);
                Err(PortalError::Timeout(self.req.timeout.unwrap_or_default()))
            }
        }
    }

    /// OpenPipeWireRemote: the fd of a PipeWire connection restricted to the session's streams.
    fn open_remote(&self, session: &str) -> Result<OwnedFd, PortalError> {
        let args = Variant::tuple_from_iter([
            object_path(session)?.to_variant(),
            VariantDict::new(None).end(),
        ]);
        let failed = |e: String| PortalError::Failed(format!("OpenPipeWireRemote: {e}"));
        let (reply, fds) = self
            .conn
            .call_with_unix_fd_list_sync(
                Some(PORTAL_NAME),
                PORTAL_PATH,
                SCREENCAST,
                "OpenPipeWireRemote",
                Some(&args),
                None,
                gio::DBusCallFlags::NONE,
                millis(self.call_timeout()),
                None::<&gio::UnixFDList>,
                None::<&gio::Cancellable>,
            )
            .map_err(|e| self.call_error("OpenPipeWireRemote", e))?;
        let index = reply
            .child_value(0)
            .get::<glib::variant::Handle>()
            .ok_or_else(|| failed(format!("unexpected reply {reply}")))?;
        let fds = fds.ok_or_else(|| failed("no fd in the reply".into()))?;
        fds.get(index.0).map_err(|e| failed(e.to_string()))
    }

    /// A failed call: a Timeout when it ran into the deadline, else a failure.
    fn call_error(&self, method: &str, e: glib::Error) -> PortalError {
        match (self.req.timeout, self.deadline) {
            (Some(timeout), Some(d)) if Instant::now() >= d => PortalError::Timeout(timeout),
            _ => PortalError::Failed(format!("{method}: {e}")),
        }
    }

    /// A method call's bound: [`CALL_TIMEOUT`], or less when the deadline is nearer.
    fn call_timeout(&self) -> Duration {
        match self.deadline {
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .min(CALL_TIMEOUT)
                .max(Duration::from_millis(1)),
            None => CALL_TIMEOUT,
        }
    }
}

struct PortalInfo {
    version: u32,
    source_types: u32,
    cursor_modes: u32,
}

impl PortalInfo {
    /// The wanted kinds the portal has, else all it has.
    fn source_types(&self, wanted: SourceTypes) -> SourceTypes {
        let available = SourceTypes::from_bits(self.source_types);
        let both = SourceTypes::from_bits(wanted.bits() & available.bits());
        if both == SourceTypes::ANY {
            available
        } else {
            both
        }
    }
}

/// The stream properties usermediasrc uses.
struct StreamInfo {
    node_id: u32,
    serial: Option<u64>,
    size: Option<(i32, i32)>,
    source_type: Option<SourceType>,
}

/// The first of Start's `streams` (`a(ua{sv})`); with `multiple` false there is one.
fn first_stream(results: &VariantDict) -> Result<StreamInfo, PortalError> {
    let streams = results
        .lookup_value("streams", Some(glib::VariantTy::new("a(ua{sv})").unwrap()))
        .filter(|s| s.n_children() > 0)
        .ok_or_else(|| PortalError::Failed("Start gave no stream".into()))?;
    let stream = streams.child_value(0);
    let node_id = stream
        .child_value(0)
        .get::<u32>()
        .ok_or_else(|| PortalError::Failed(format!("Start gave a malformed stream {stream}")))?;
    let props = VariantDict::new(Some(&stream.child_value(1)));
    Ok(StreamInfo {
        node_id,
        serial: props.lookup::<u64>("pipewire-serial").ok().flatten(),
        size: props.lookup::<(i32, i32)>("size").ok().flatten(),
        source_type: props
            .lookup::<u32>("source_type")
            .ok()
            .flatten()
            .and_then(SourceType::from_bits),
    })
}

/// What ended a wait for a Response.
enum Answer {
    Response(u32, Variant),
    PortalGone,
    TimedOut,
}

/// Waits on the private context for one Response, the portal leaving the bus, or the deadline.
struct Waiter {
    main_loop: glib::MainLoop,
    answer: Rc<RefCell<Option<Answer>>>,
}

impl Waiter {
    fn new(context: &glib::MainContext) -> Waiter {
        Waiter {
            main_loop: glib::MainLoop::new(Some(context), false),
            answer: Rc::new(RefCell::new(None)),
        }
    }

    /// Subscribes to the Response of the request at `path` (and to the portal's name owner);
    /// the subscription ends when the returned value is dropped.
    fn watch(&self, conn: &gio::DBusConnection, path: &str) -> [gio::SignalSubscription; 2] {
        let (answer, main_loop) = (self.answer.clone(), self.main_loop.clone());
        let response = conn.subscribe_to_signal(
            Some(PORTAL_NAME),
            Some(REQUEST),
            Some("Response"),
            Some(path),
            None,
            gio::DBusSignalFlags::NONE,
            move |signal| {
                let params = signal.parameters;
                if let (Some(code), Some(results)) = (
                    params.try_child_value(0).and_then(|v| v.get::<u32>()),
                    params.try_child_value(1),
                ) {
                    answer.replace(Some(Answer::Response(code, results)));
                    main_loop.quit();
                }
            },
        );
        let (answer, main_loop) = (self.answer.clone(), self.main_loop.clone());
        let owner = conn.subscribe_to_signal(
            Some("org.freedesktop.DBus"),
            Some("org.freedesktop.DBus"),
            Some("NameOwnerChanged"),
            Some("/org/freedesktop/DBus"),
            Some(PORTAL_NAME),
            gio::DBusSignalFlags::NONE,
            move |signal| {
                let new_owner = signal.parameters.try_child_value(2);
                if new_owner.as_ref().and_then(|v| v.str()) == Some("") {
                    answer.replace(Some(Answer::PortalGone));
                    main_loop.quit();
                }
            },
        );
        [response, owner]
    }

    fn wait(&self, deadline: Option<Instant>) -> Answer {
        let timer = deadline.map(|d| {
            let main_loop = self.main_loop.clone();
            let source = glib::timeout_source_new(
                d.saturating_duration_since(Instant::now()),
                None,
                glib::Priority::DEFAULT,
                move || {
                    main_loop.quit();
                    glib::ControlFlow::Break
                },
            );
            source.attach(Some(&self.main_loop.context()));
            source
        });
        self.main_loop.run();
        if let Some(timer) = timer {
            timer.destroy();
        }
        self.answer.take().unwrap_or(Answer::TimedOut)
    }
}

fn call(
    conn: &gio::DBusConnection,
    path: &str,
    interface: &str,
    method: &str,
    args: Option<&Variant>,
    timeout: Duration,
) -> Result<Variant, glib::Error> {
    conn.call_sync(
        Some(PORTAL_NAME),
        path,
        interface,
        method,
        args,
        None,
        gio::DBusCallFlags::NONE,
        millis(timeout),
        None::<&gio::Cancellable>,
    )
}

fn millis(d: Duration) -> i32 {
    d.as_millis().clamp(1, i32::MAX as u128) as i32
}

fn object_path(path: &str) -> Result<ObjectPath, PortalError> {
    ObjectPath::try_from(path.to_owned())
        .map_err(|_| PortalError::Failed(format!("not an object path: {path}")))
}

/// A token unique in this process, valid as an object path element.
fn token() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "usermedia{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_can_move_to_another_thread() {
        fn send<T: Send>() {}
        send::<PortalStream>();
        send::<PortalError>();
    }

    #[test]
    fn only_a_bus_that_cannot_exist_is_refused_without_gio() {
        let dir = std::env::temp_dir();
        let here = dir.to_string_lossy();
        let gone = "/nonexistent/usermedia/bus";
        assert_eq!(
            missing_socket(&format!("unix:path={gone}")).as_deref(),
            Some(gone)
        );
        assert_eq!(
            missing_socket(&format!(
                "unix:path={gone},guid=00;unix:path=/nonexistent/b"
            ))
            .as_deref(),
            Some(gone)
        );
        // Any entry that may work, or that gio must interpret, goes to gio.
        assert_eq!(missing_socket(&format!("unix:path={here}")), None);
        assert_eq!(
            missing_socket(&format!("unix:path={gone};unix:path={here}")),
            None
        );
        assert_eq!(missing_socket("unix:abstract=/tmp/dbus-x"), None);
        assert_eq!(missing_socket("tcp:host=localhost,port=1"), None);
        assert_eq!(
            missing_socket(&format!("unix:path={gone};tcp:host=localhost,port=1")),
            None
        );
        assert_eq!(missing_socket("unix:path=/nonexistent/a%20b"), None);
        assert_eq!(missing_socket(""), None);
    }

    #[test]
    fn cursor_falls_back_to_the_closest_mode() {
        assert_eq!(Cursor::choose(Cursor::Motion, 7), Some(Cursor::Motion));
        assert_eq!(Cursor::choose(Cursor::Motion, 3), Some(Cursor::Always));
        assert_eq!(Cursor::choose(Cursor::Never, 6), Some(Cursor::Motion));
        assert_eq!(Cursor::choose(Cursor::Always, 1), Some(Cursor::Never));
        assert_eq!(Cursor::choose(Cursor::Always, 0), None);
    }

    #[test]
    fn a_surface_preference_narrows_to_what_the_portal_has() {
        let info = |types| PortalInfo {
            version: 4,
            source_types: types,
            cursor_modes: 0,
        };
        let window = SourceTypes::for_surface(Some(SurfaceKind::Browser));
        assert_eq!(info(3).source_types(window), SourceTypes::WINDOW);
        assert_eq!(info(1).source_types(window), SourceTypes::MONITOR);
        assert_eq!(
            info(7).source_types(SourceTypes::ANY),
            SourceTypes::from_bits(7)
        );
    }

    #[test]
    fn errors_map_to_dom_exceptions() {
        assert_eq!(
            PortalError::NotAvailable(String::new()).dom_name(),
            "NotFoundError"
        );
        assert_eq!(PortalError::Cancelled.dom_name(), "NotAllowedError");
        assert_eq!(
            PortalError::Timeout(Duration::ZERO).dom_name(),
            "NotAllowedError"
        );
        assert_eq!(PortalError::Failed(String::new()).dom_name(), "AbortError");
    }
}
