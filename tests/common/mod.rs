// SPDX-License-Identifier: MPL-2.0
//! Helpers shared by the integration tests (each tests/*.rs file is its own process).
//!
//! - here: initialisation with fake devices, a scratch directory removed when the process exits,
//!   the built plugin for subprocesses, the command-line tools, pipelines into fakesinks;
//! - [`device`]: a capture pipeline on one device source, a log of device changes;
//! - [`live`]: a playing usermediasrc and what it was seen doing;
//! - [`vdev`]: the PipeWire virtual device harness;
//! - [`watchdog`]: aborts a test process that hangs.
#![allow(dead_code)]

pub mod device;
pub mod live;
pub mod vdev;
pub mod watchdog;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const FAKE_ENV: &str = "GST_USERMEDIA_FAKE_DEVICES";

/// Sets (or clears) `GST_USERMEDIA_FAKE_DEVICES`, then initialises GStreamer and registers the
/// plugin statically. Only the first call of a process counts: the device layer reads the
/// variable once.
pub fn init(fake_devices: Option<&str>) {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // SAFETY: runs once, before GStreamer or any other thread of the test reads the
        // environment.
        unsafe {
            match fake_devices {
                Some(v) => std::env::set_var(FAKE_ENV, v),
                None => std::env::remove_var(FAKE_ENV),
            }
            // A pulse client (the pulse device provider) without a runtime directory makes
            // /tmp/pulse-<random> and leaves it there.
            if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
                let runtime = scratch_dir().join("runtime");
                let _ = std::fs::create_dir_all(&runtime);
                std::env::set_var("XDG_RUNTIME_DIR", runtime);
            }
        }
        gst::init().unwrap();
        gstusermedia::plugin_register_static().expect("register usermedia plugin");
    });
}

/// Shorthand for [`init`] with a device list.
pub fn init_with_fake_devices(devices_json: &str) {
    init(Some(devices_json));
}

/// Runs `f` when the process exits normally (libtest ends with `exit()`).
pub fn at_exit(f: extern "C" fn()) {
    unsafe extern "C" {
        fn atexit(f: extern "C" fn()) -> std::ffi::c_int;
    }
    // SAFETY: atexit is the C library's; the handlers registered here only remove files or run
    // a subprocess.
    unsafe {
        atexit(f);
    }
}

/// This process's scratch directory under cargo's `target/tmp` (not the system temp directory:
/// the plugin copy alone is 50 MB in a debug build). Removed when the process exits; one left
/// by a process that crashed is removed by the next test process.
pub fn scratch_dir() -> &'static Path {
    const PREFIX: &str = "usermedia-test-";
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        for stale in std::fs::read_dir(base).into_iter().flatten().flatten() {
            let name = stale.file_name();
            let pid = name.to_str().and_then(|n| n.strip_prefix(PREFIX));
            if pid.is_some_and(|pid| !Path::new("/proc").join(pid).exists()) {
                let _ = std::fs::remove_dir_all(stale.path());
            }
        }
        let dir = base.join(format!("{PREFIX}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        extern "C" fn remove() {
            if let Some(dir) = DIR.get() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        at_exit(remove);
        dir
    })
}

/// A unique path in this process's scratch directory.
pub fn tempfile_path(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    scratch_dir().join(format!("{}-{}", N.fetch_add(1, Ordering::Relaxed), name))
}

/// Replaces `path` in one step, so a provider polling it never reads half a file.
pub fn write_atomically(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A directory holding only the built `libgstusermedia.so`, so subprocesses load exactly this
/// build: `USERMEDIA_PLUGIN_DIR` (set by `meson test`), else a link to the library cargo built
/// for this test run (`cargo test` leaves it in target/<profile>/deps, `cargo build` in
/// target/<profile>; both hold other shared objects GStreamer must not scan).
pub fn plugin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("USERMEDIA_PLUGIN_DIR") {
        return PathBuf::from(dir);
    }
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        let deps = exe.parent().expect("cargo target layout");
        let so = [deps, deps.parent().expect("cargo target layout")]
            .iter()
            .map(|d| d.join("libgstusermedia.so"))
            .find(|so| so.exists())
            .expect("libgstusermedia.so was not built");
        let dir = tempfile_path("plugins");
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("libgstusermedia.so");
        // A hard link costs no space; target/tmp is on the same file system as the build.
        if std::fs::hard_link(&so, &copy).is_err() {
            std::fs::copy(&so, &copy).unwrap();
        }
        dir
    })
    .clone()
}

/// Runs a GStreamer command-line tool as a user would: the plugin found through
/// `GST_PLUGIN_PATH`, a private registry, and the given extra environment.
pub fn run_tool(tool: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(tool);
    cmd.args(args);
    run_with_plugin(cmd, env)
}

/// Runs `cmd` with this build's plugin on `GST_PLUGIN_PATH`, a private registry, no fake devices
/// unless `env` names them, and the given extra environment.
pub fn run_with_plugin(mut cmd: Command, env: &[(&str, &str)]) -> Output {
    let registry = tempfile_path("registry.bin");
    cmd.env("GST_PLUGIN_PATH", plugin_dir())
        .env("GST_REGISTRY", &registry)
        .env_remove(FAKE_ENV);
    // A pulse client (gst-device-monitor's pulse provider) without a runtime directory makes
    // /tmp/pulse-<random> and leaves it there.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none()
        && !env.iter().any(|(k, _)| *k == "XDG_RUNTIME_DIR")
    {
        let runtime = scratch_dir().join("runtime");
        let _ = std::fs::create_dir_all(&runtime);
        cmd.env("XDG_RUNTIME_DIR", runtime);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let _ = std::fs::remove_file(&registry);
    out
}

/// Stdout then stderr of a finished command, as text.
pub fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A new usermediasrc asking for `constraints`.
pub fn usermediasrc(constraints: &str) -> gst::Element {
    gst::ElementFactory::make("usermediasrc")
        .property("constraints", constraints)
        .build()
        .unwrap()
}

/// The elements inside usermediasrc (a bin) right now.
pub fn children(src: &gst::Element) -> Vec<gst::Element> {
    src.downcast_ref::<gst::Bin>()
        .expect("usermediasrc is a bin")
        .children()
}

/// Links every pad `src` adds to a new sink (a one-element launch description, e.g.
/// `fakesink sync=false async=false`) in `pipeline`, then calls `on_pad` with the pad and the
/// sink. The pipeline is held weakly: a pad added while it is being disposed is left alone.
pub fn link_new_pads(
    pipeline: &gst::Pipeline,
    src: &gst::Element,
    sink: &str,
    on_pad: impl Fn(&gst::Pad, &gst::Element) + Send + Sync + 'static,
) -> glib::SignalHandlerId {
    let weak = pipeline.downgrade();
    let sink = sink.to_string();
    src.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        let sink = gst::parse::launch(&sink).expect("sink description");
        pipeline.add(&sink).unwrap();
        sink.sync_state_with_parent().unwrap();
        pad.link(&sink.static_pad("sink").unwrap()).unwrap();
        on_pad(pad, &sink);
    })
}

use gst::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one pipeline run observed.
#[derive(Debug, Default)]
pub struct Observed {
    /// Caps of each source pad (`video_0`, `audio_0`).
    pub caps: HashMap<String, gst::Caps>,
    /// Per pad: (pts, size) of each buffer.
    pub buffers: HashMap<String, Vec<(Option<gst::ClockTime>, usize)>>,
    /// Element messages from usermediasrc, in order.
    pub element_messages: Vec<gst::Structure>,
    /// The first error, if any.
    pub error: Option<ErrorInfo>,
    pub settings: serde_json::Value,
    pub capabilities: serde_json::Value,
    /// Every element ever added inside usermediasrc.
    pub children_added: Vec<String>,
    pub pads: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub gerror: glib::Error,
    pub name: String,
    pub message: String,
    pub constraint: Option<String>,
}

impl Observed {
    pub fn video_caps(&self) -> &gst::StructureRef {
        self.caps
            .get("video_0")
            .and_then(|c| c.structure(0))
            .expect("video_0 has caps")
    }

    pub fn error_name(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.name.as_str())
    }
}

/// Runs `usermediasrc` with `constraints` (after `configure`) into fakesinks until every pad
/// saw `min_buffers` buffers, an error arrives, or `timeout` passes.
pub fn run_src(
    constraints: &str,
    configure: impl FnOnce(&gst::Element),
    min_buffers: usize,
    timeout: Duration,
) -> Observed {
    run_factory("usermediasrc", constraints, configure, min_buffers, timeout)
}

/// [`run_src`] for an element of `factory` (`usermediasrc`, `displaymediasrc`).
pub fn run_factory(
    factory: &str,
    constraints: &str,
    configure: impl FnOnce(&gst::Element),
    min_buffers: usize,
    timeout: Duration,
) -> Observed {
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make(factory)
        .property("constraints", constraints)
        .build()
        .unwrap();
    configure(&src);
    let observed = Arc::new(Mutex::new(Observed::default()));
    {
        let observed = observed.clone();
        src.downcast_ref::<gst::Bin>()
            .unwrap()
            .connect_deep_element_added(move |_, _, e| {
                observed
                    .lock()
                    .unwrap()
                    .children_added
                    .push(e.name().to_string());
            });
    }
    pipeline.add(&src).unwrap();
    {
        let observed = observed.clone();
        link_new_pads(
            &pipeline,
            &src,
            "fakesink sync=false async=false",
            move |pad, _| {
                observed.lock().unwrap().pads.push(pad.name().to_string());
                let observed = observed.clone();
                pad.add_probe(
                    gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
                    move |pad, info| {
                        let mut o = observed.lock().unwrap();
                        let name = pad.name().to_string();
                        match &info.data {
                            Some(gst::PadProbeData::Buffer(b)) => {
                                o.buffers.entry(name).or_default().push((b.pts(), b.size()))
                            }
                            Some(gst::PadProbeData::Event(ev)) => {
                                if let gst::EventView::Caps(c) = ev.view() {
                                    o.caps.insert(name, c.caps_owned());
                                }
                            }
                            _ => (),
                        }
                        gst::PadProbeReturn::Ok
                    },
                );
            },
        );
    }

    let bus = pipeline.bus().unwrap();
    let _ = pipeline.set_state(gst::State::Playing);
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(20)) {
            match msg.view() {
                gst::MessageView::Error(e) => {
                    let details = e.details();
                    let get = |k: &str| {
                        details
                            .and_then(|d| d.get::<String>(k).ok())
                            .unwrap_or_default()
                    };
                    let info = ErrorInfo {
                        gerror: e.error(),
                        name: get("name"),
                        message: get("message"),
                        constraint: details.and_then(|d| d.get::<String>("constraint").ok()),
                    };
                    let mut o = observed.lock().unwrap();
                    if o.error.is_none() {
                        o.error = Some(info);
                    }
                    break;
                }
                gst::MessageView::Element(e) => {
                    if let Some(s) = e.structure()
                        && s.name().starts_with("usermedia-")
                    {
                        observed.lock().unwrap().element_messages.push(s.to_owned());
                    }
                }
                _ => (),
            }
        }
        let o = observed.lock().unwrap();
        if !o.pads.is_empty()
            && o.pads
                .iter()
                .all(|p| o.buffers.get(p).map_or(0, Vec::len) >= min_buffers)
        {
            break;
        }
    }
    {
        let mut o = observed.lock().unwrap();
        o.settings = serde_json::from_str(&src.property::<String>("settings")).unwrap();
        o.capabilities = serde_json::from_str(&src.property::<String>("capabilities")).unwrap();
    }
    // Stop through READY and read the messages posted meanwhile (capture inactive): a
    // pipeline flushes its bus on READY→NULL.
    pipeline.set_state(gst::State::Ready).unwrap();
    while let Some(msg) = bus.pop() {
        if let gst::MessageView::Element(e) = msg.view()
            && let Some(s) = e.structure()
            && s.name().starts_with("usermedia-")
        {
            observed.lock().unwrap().element_messages.push(s.to_owned());
        }
    }
    pipeline.set_state(gst::State::Null).unwrap();
    drop(src);
    drop(pipeline);
    Arc::try_unwrap(observed)
        .map(|m| m.into_inner().unwrap())
        .unwrap_or_else(|_| panic!("observer still referenced"))
}

/// Runs `scripts/demo.sh` with this build's plugin, no display, a private registry, the snapshot
/// going to `snapshot`, and the given extra environment.
pub fn run_demo(args: &[&str], snapshot: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/demo.sh"));
    cmd.args(args)
        .env("USERMEDIA_PLUGIN_DIR", plugin_dir())
        .env("SNAPSHOT", snapshot)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("USERMEDIA_DEMO_LIVE");
    run_with_plugin(cmd, env)
}

/// Whether `path` holds a PNG image.
pub fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 100)
}
