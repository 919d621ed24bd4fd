// SPDX-License-Identifier: MPL-2.0
//! The virtual device harness (`tests/vdev/vdev.sh`) from Rust tests.
//!
//! [`shared`] starts one instance per test process, points the process at it (before
//! `gst::init`, which it then calls) and stops it when the process exits: through `atexit` on a
//! normal exit, and through the harness's watcher (`start --watch-pid`) when the process dies
//! any other way. [`Instance::start`] gives a test a private instance of its own.
//!
//! Exit status 3 of `vdev.sh` (a program or GStreamer element is missing) makes [`shared`]
//! return `None` so that the tests skip, except under `CI=true`, where it is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// `node.name` of every camera the harness hosts.
pub const CAMERAS: [&str; 4] = [
    "vdev-cam-720p",
    "vdev-cam-1080p60",
    "vdev-cam-vga",
    "vdev-cam-multi",
];
/// `node.name` of the microphone.
pub const MIC: &str = "vdev-mic";

/// The variables a client of an instance needs.
const CLIENT_VARS: [&str; 3] = ["XDG_RUNTIME_DIR", "PIPEWIRE_RUNTIME_DIR", "PULSE_SERVER"];

/// Deadline for `start` (it waits up to 15 s for the devices itself, after building vdev-cam).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline for `stop`, `kill-camera` and `start-camera`.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vdev/vdev.sh")
}

/// Why an instance did not start.
#[derive(Debug, Clone)]
pub enum StartError {
    /// Exit status 3: a required program or element is not installed.
    Missing(String),
    /// Anything else.
    Failed(String),
}

/// One running harness instance (daemons, cameras and microphone).
#[derive(Debug)]
pub struct Instance {
    dir: PathBuf,
    env: Vec<(String, String)>,
    stopped: AtomicBool,
}

impl Instance {
    /// Starts an instance that also stops by itself when this process exits.
    /// `cam_bin`: a `vdev-cam` binary already built (saves compiling it again).
    pub fn start(cam_bin: Option<&Path>) -> Result<Instance, StartError> {
        let mut cmd = bounded(START_TIMEOUT);
        cmd.arg(script())
            .arg("start")
            .arg("--watch-pid")
            .arg(std::process::id().to_string())
            // Never act on (or refuse because of) another instance named by our environment.
            .env_remove("VDEV_DIR")
            .env_remove("VDEV_WATCH_PID");
        if let Some(bin) = cam_bin {
            cmd.env("VDEV_CAM_BIN", bin);
        }
        let out = match cmd.output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StartError::Missing(format!(
                    "program timeout (Debian package coreutils): {e}"
                )));
            }
            Err(e) => return Err(StartError::Failed(format!("cannot run vdev.sh: {e}"))),
        };
        match out.status.code() {
            Some(0) => (),
            Some(3) => return Err(StartError::Missing(text(&out.stderr))),
            // timeout: the command (bash) cannot be found or run
            Some(126) | Some(127) => {
                return Err(StartError::Missing(format!("bash: {}", text(&out.stderr))));
            }
            Some(124) | Some(137) => {
                return Err(StartError::Failed(format!(
                    "vdev.sh start did not finish within {START_TIMEOUT:?}:\n{}",
                    text(&out.stderr)
                )));
            }
            _ => {
                return Err(StartError::Failed(format!(
                    "vdev.sh start failed ({}):\n{}",
                    out.status,
                    text(&out.stderr)
                )));
            }
        }
        let env = parse_exports(&text(&out.stdout));
        let dir = env
            .iter()
            .find(|(k, _)| k == "VDEV_DIR")
            .map(|(_, v)| PathBuf::from(v))
            .ok_or_else(|| {
                StartError::Failed(format!(
                    "vdev.sh start printed no VDEV_DIR:\n{}",
                    text(&out.stdout)
                ))
            })?;
        Ok(Instance {
            dir,
            env,
            stopped: AtomicBool::new(false),
        })
    }

    /// `$VDEV_DIR` of the instance.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `vdev-cam` binary the instance built.
    pub fn cam_bin(&self) -> PathBuf {
        self.dir.join("bin/vdev-cam")
    }

    /// `XDG_RUNTIME_DIR`, `PIPEWIRE_RUNTIME_DIR` and `PULSE_SERVER` of the instance.
    pub fn client_env(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .filter(|(k, _)| CLIENT_VARS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Runs a `vdev.sh` subcommand on this instance (`kill-camera NAME`, `status`, …).
    pub fn command(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = bounded(COMMAND_TIMEOUT);
        cmd.arg(script()).args(args).env("VDEV_DIR", &self.dir);
        let out = run(cmd)?;
        if out.status.success() {
            Ok(text(&out.stdout))
        } else {
            Err(format!(
                "vdev.sh {} failed ({}):\n{}{}",
                args.join(" "),
                out.status,
                text(&out.stdout),
                text(&out.stderr)
            ))
        }
    }

    /// Stops every process of the instance and removes its directory (idempotent).
    pub fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut cmd = bounded(COMMAND_TIMEOUT);
        cmd.arg(script())
            .arg("stop")
            .arg(&self.dir)
            .env_remove("VDEV_DIR");
        match run(cmd) {
            Ok(out) if out.status.success() => (),
            Ok(out) => eprintln!(
                "vdev.sh stop failed ({}): {}",
                out.status,
                text(&out.stderr)
            ),
            Err(e) => eprintln!("{e}"),
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `export KEY='VALUE'` lines → pairs.
fn parse_exports(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(v);
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// `bash` under coreutils `timeout`, which sends SIGTERM at the deadline (vdev.sh then cleans
/// up after itself) and SIGKILL 5 s later.
fn bounded(limit: Duration) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.args(["-k", "5", &limit.as_secs().to_string(), "bash"])
        .stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command) -> Result<Output, String> {
    cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Whether this is a CI run (`CI=true`), where missing tools fail the tests instead of
/// skipping them.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

static SHARED: OnceLock<Result<Instance, StartError>> = OnceLock::new();

/// The instance shared by all tests of this process, started on first use; this process is then
/// a client of it (environment set, `GST_USERMEDIA_FAKE_DEVICES` removed) and GStreamer is
/// initialised with the plugin registered. `None`: the harness cannot run here, skip the test
/// (a message says why).
pub fn shared() -> Option<&'static Instance> {
    let result = SHARED.get_or_init(|| {
        let t0 = Instant::now();
        let result = Instance::start(None);
        if let Ok(instance) = &result {
            // SAFETY: runs once, inside the OnceLock initialiser, before GStreamer (or anything
            // else in this process that reads the environment) has been started; the other
            // test threads are blocked on the OnceLock.
            unsafe {
                std::env::remove_var("GST_USERMEDIA_FAKE_DEVICES");
                for var in ["PIPEWIRE_REMOTE", "PIPEWIRE_PROPS", "PULSE_RUNTIME_PATH"] {
                    std::env::remove_var(var);
                }
                for (k, v) in instance.client_env() {
                    std::env::set_var(k, v);
                }
            }
            register_exit_stop();
            gst::init().expect("gst::init");
            gstusermedia::plugin_register_static().expect("register the usermedia plugin");
            eprintln!(
                "virtual devices started in {:.1} s: {}",
                t0.elapsed().as_secs_f64(),
                instance.dir().display()
            );
        }
        result
    });
    match result {
        Ok(instance) => Some(instance),
        Err(StartError::Missing(why)) if ci() => {
            panic!("CI=true and the virtual device harness cannot run here:\n{why}")
        }
        Err(StartError::Missing(why)) => {
            static SAID: std::sync::Once = std::sync::Once::new();
            let mut first = false;
            SAID.call_once(|| first = true);
            if first {
                eprintln!(
                    "SKIPPED: the virtual device harness cannot run here (set CI=true to fail \
                     instead):\n{}",
                    why.trim_end()
                );
            } else {
                eprintln!("SKIPPED: no virtual devices (see above)");
            }
            None
        }
        Err(StartError::Failed(why)) => panic!("the virtual device harness failed:\n{why}"),
    }
}

/// Stops the shared instance when the process exits normally (libtest ends with `exit()`), so
/// nothing is left running when `cargo test` returns. Crashes are the watcher's job.
fn register_exit_stop() {
    extern "C" fn stop_shared() {
        if let Some(Ok(instance)) = SHARED.get() {
            instance.stop();
        }
    }
    super::at_exit(stop_shared);
}

/// Serialises the tests that open devices or restart daemons: a camera refuses a second
/// consumer asking for another format, as a real one does.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
