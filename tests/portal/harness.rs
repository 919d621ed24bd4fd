// SPDX-License-Identifier: MPL-2.0
//! A private desktop-portal stack for `tests/portal.rs`: a session bus (`dbus-daemon`), the
//! permission store, a python-dbusmock ScreenCast backend (`screencast_backend.py`) and the real
//! `xdg-desktop-portal` frontend, which finds the backend through a `*.portal` file and
//! `XDG_CURRENT_DESKTOP`. The frontend talks to the PipeWire daemon the process is a client of
//! (`XDG_RUNTIME_DIR`, from `common::vdev`).
//!
//! Every process runs in its own process group and is killed with it when the [`Stack`] is
//! dropped; its files are in the test's scratch directory under target/tmp.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gio::prelude::*;
use gst::glib;

use crate::common;

const FRONTEND: &str = "/usr/libexec/xdg-desktop-portal";
const PERMISSION_STORE: &str = "/usr/libexec/xdg-permission-store";
/// Debian's interpreter, which has python3-dbusmock (not a pyenv or venv python on PATH).
const PYTHON: &str = "/usr/bin/python3";
const BACKEND_NAME: &str = "org.freedesktop.impl.portal.UsermediaTest";
const DESKTOP: &str = "usermedia-test";
/// Deadline for each component to appear on the bus.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a stack did not start.
#[derive(Debug)]
pub enum StartError {
    /// A program is not installed (skip, or fail with `CI=true`).
    Missing(String),
    Failed(String),
}

/// Which components to start.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// The bus only: no portal at all.
    Bus,
    /// The bus and the frontend, without any backend: a portal without ScreenCast.
    FrontendOnly,
    /// Everything.
    Full,
}

/// A running stack.
pub struct Stack {
    dir: PathBuf,
    address: String,
    children: Vec<(String, Child)>,
}

impl Stack {
    /// Starts `parts`; `backend` is the mock's parameters (see screencast_backend.py).
    pub fn start(parts: Parts, backend: &serde_json::Value) -> Result<Stack, StartError> {
        for program in [FRONTEND, PERMISSION_STORE, PYTHON] {
            if !Path::new(program).exists() {
                return Err(StartError::Missing(format!(
                    "{program} is missing (Debian packages xdg-desktop-portal, python3)"
                )));
            }
        }
        let dir = common::tempfile_path("portal");
        for sub in ["portals", "data", "config", "cache"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| failed("mkdir", e))?;
        }
        let mut stack = Stack {
            dir,
            address: String::new(),
            children: Vec::new(),
        };
        stack.start_bus()?;
        if parts == Parts::Bus {
            return Ok(stack);
        }
        stack.spawn("permission-store", Command::new(PERMISSION_STORE))?;
        stack.wait_for_name("org.freedesktop.impl.portal.PermissionStore")?;
        if parts == Parts::Full {
            stack.start_backend(backend)?;
        }
        let mut frontend = Command::new(FRONTEND);
        frontend.arg("--verbose");
        stack.spawn("xdg-desktop-portal", frontend)?;
        stack.wait_for_name("org.freedesktop.portal.Desktop")?;
        Ok(stack)
    }

    /// The bus address for `PortalRequest::bus_address`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The mock's `Stats()`: requests_closed, sessions_closed, sessions_open, select_options.
    pub fn stats(&self) -> glib::VariantDict {
        let reply = self
            .connection()
            .call_sync(
                Some(BACKEND_NAME),
                "/org/freedesktop/portal/desktop",
                "org.usermedia.test.ScreenCastMock",
                "Stats",
                None,
                None,
                gio::DBusCallFlags::NONE,
                5000,
                None::<&gio::Cancellable>,
            )
            .expect("Stats() of the mock backend");
        glib::VariantDict::new(Some(&reply.child_value(0)))
    }

    /// Waits (bounded) until the mock's counter `key` reaches `value`; returns the last value.
    pub fn wait_for_stat(&self, key: &str, value: u32) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.stats().lookup::<u32>(key).ok().flatten().unwrap_or(0);
            if now == value || Instant::now() > deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text the components logged, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for (name, _) in &self.children {
            let log = std::fs::read_to_string(self.dir.join(format!("{name}.log")));
            out += &format!("--- {name}\n{}\n", log.unwrap_or_default());
        }
        out
    }

    fn connection(&self) -> gio::DBusConnection {
        gio::DBusConnection::for_address_sync(
            &self.address,
            gio::DBusConnectionFlags::AUTHENTICATION_CLIENT
                | gio::DBusConnectionFlags::MESSAGE_BUS_CONNECTION,
            None,
            None::<&gio::Cancellable>,
        )
        .expect("connect to the test bus")
    }

    /// A session bus with no service directories: nothing is activated behind our back.
    fn start_bus(&mut self) -> Result<(), StartError> {
        let config = self.dir.join("bus.conf");
        let socket = self.dir.join("bus");
        std::fs::write(
            &config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"
 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context=\"default\">
    <allow send_destination=\"*\" eavesdrop=\"true\"/>
    <allow eavesdrop=\"true\"/>
    <allow own=\"*\"/>
  </policy>
</busconfig>
",
                socket.display()
            ),
        )
        .map_err(|e| failed("write bus.conf", e))?;
        let mut cmd = Command::new("dbus-daemon");
        cmd.arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped());
        let child = self.spawn("dbus-daemon", cmd)?;
        let stdout = child.stdout.take().expect("piped stdout");
        // The address line comes once the bus listens; EOF if the daemon failed.
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        if line.trim().is_empty() {
            return Err(StartError::Failed(format!(
                "dbus-daemon printed no address:\n{}",
                self.logs()
            )));
        }
        self.address = line.trim().to_string();
        Ok(())
    }

    fn start_backend(&mut self, params: &serde_json::Value) -> Result<(), StartError> {
        let check = Command::new(PYTHON)
            .args(["-c", "import dbusmock"])
            .output()
            .map_err(|e| failed("run python3", e))?;
        if !check.status.success() {
            return Err(StartError::Missing(
                "python3 cannot import dbusmock (Debian package python3-dbusmock)".into(),
            ));
        }
        let template =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/portal/screencast_backend.py");
        let mut cmd = Command::new(PYTHON);
        cmd.args(["-m", "dbusmock", "--session", "-t"])
            .arg(template)
            .arg("-p")
            .arg(params.to_string());
        self.spawn("backend", cmd)?;
        self.wait_for_name(BACKEND_NAME)?;
        std::fs::write(
            self.dir.join("portals/usermedia-test.portal"),
            format!(
                "[portal]\nDBusName={BACKEND_NAME}\n\
                 Interfaces=org.freedesktop.impl.portal.ScreenCast;\nUseIn={DESKTOP}\n"
            ),
        )
        .map_err(|e| failed("write the .portal file", e))
    }

    /// Starts `cmd` in a process group of its own, with the stack's environment and its output
    /// in `NAME.log`.
    fn spawn(&mut self, name: &str, mut cmd: Command) -> Result<&mut Child, StartError> {
        use std::os::unix::process::CommandExt;
        let log = std::fs::File::create(self.dir.join(format!("{name}.log")))
            .map_err(|e| failed("create a log", e))?;
        let err = log.try_clone().map_err(|e| failed("dup a log", e))?;
        if !self.address.is_empty() {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
        }
        let d = &self.dir;
        cmd.env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            format!("unix:path={}", d.join("no-system-bus").display()),
        )
        .env("XDG_DESKTOP_PORTAL_DIR", d.join("portals"))
        .env("XDG_CURRENT_DESKTOP", DESKTOP)
        .env("XDG_DATA_HOME", d.join("data"))
        .env("XDG_CONFIG_HOME", d.join("config"))
        .env("XDG_CACHE_HOME", d.join("cache"))
        .env("HOME", d)
        .env("GIO_USE_VFS", "local")
        .env("GSETTINGS_BACKEND", "memory")
        .stdin(Stdio::null())
        .stderr(err)
        .process_group(0);
        // Killed with the test's thread even when the process aborts (a watchdog) and no Drop
        // runs; a Stack never outlives the test thread that started it.
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                unsafe extern "C" {
                    fn prctl(option: i32, ...) -> i32;
                }
                const PR_SET_PDEATHSIG: i32 = 1;
                const SIGKILL: std::ffi::c_ulong = 9;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                Ok(())
            });
        }
        if cmd.get_program() != "dbus-daemon" {
            cmd.stdout(log);
        }
        let child = cmd.spawn().map_err(|e| {
            let what = format!("{:?}", cmd.get_program());
            if e.kind() == std::io::ErrorKind::NotFound {
                StartError::Missing(format!("{what} (Debian package dbus-daemon): {e}"))
            } else {
                failed(&what, e)
            }
        })?;
        self.children.push((name.to_string(), child));
        Ok(&mut self.children.last_mut().expect("just pushed").1)
    }

    /// Polls (bounded) until `name` has an owner on the bus or a component died.
    fn wait_for_name(&mut self, name: &str) -> Result<(), StartError> {
        let conn = self.connection();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let owned = conn
                .call_sync(
                    Some("org.freedesktop.DBus"),
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus",
                    "NameHasOwner",
                    Some(&(name,).to_variant()),
                    None,
                    gio::DBusCallFlags::NONE,
                    5000,
                    None::<&gio::Cancellable>,
                )
                .ok()
                .and_then(|r| r.child_value(0).get::<bool>());
            if owned == Some(true) {
                return Ok(());
            }
            let dead = self
                .children
                .iter_mut()
                .find_map(|(n, c)| c.try_wait().ok().flatten().map(|s| format!("{n}: {s}")));
            if dead.is_some() || Instant::now() > deadline {
                return Err(StartError::Failed(format!(
                    "{name} did not appear on the bus ({}):\n{}",
                    dead.unwrap_or_else(|| format!("not within {READY_TIMEOUT:?}")),
                    self.logs()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // The frontend first (it closes its sessions on the backend), the bus last.
        for (_, child) in self.children.iter_mut().rev() {
            stop_group(child);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// SIGTERM to the child's process group, SIGKILL after 5 s; reaps the child. (No signal after
/// the reaping: the group id could be reused by then.)
fn stop_group(child: &mut Child) {
    unsafe extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    const SIGTERM: i32 = 15;
    const SIGKILL: i32 = 9;
    let group = -(child.id() as i32);
    // SAFETY: signals only the process group this stack created for the child.
    unsafe {
        kill(group, SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            // SAFETY: as above.
            unsafe {
                kill(group, SIGKILL);
            }
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn failed(what: &str, e: std::io::Error) -> StartError {
    StartError::Failed(format!("{what}: {e}"))
}
