// SPDX-License-Identifier: MPL-2.0
//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod watchdog;

use std::path::PathBuf;
use std::process::{Command, Output};

/// A directory holding only the built `libgstusermedia.so`, so subprocesses load exactly this
/// build: `USERMEDIA_PLUGIN_DIR` (set by `meson test`), else a private copy of the library cargo
/// built for this test run (`cargo test` leaves it in target/<profile>/deps, `cargo build` in
/// target/<profile>).
pub fn plugin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("USERMEDIA_PLUGIN_DIR") {
        return PathBuf::from(dir);
    }
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
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
        std::fs::copy(&so, dir.join("libgstusermedia.so")).unwrap();
        dir
    })
    .clone()
}

/// Runs a GStreamer command-line tool as a user would: the plugin found through
/// `GST_PLUGIN_PATH`, a private registry, and the given extra environment.
pub fn run_tool(tool: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = plugin_dir();
    let registry = tempfile_path("registry.bin");
    let mut cmd = Command::new(tool);
    cmd.args(args)
        .env("GST_PLUGIN_PATH", &dir)
        .env("GST_REGISTRY", &registry)
        .env_remove("GST_USERMEDIA_FAKE_DEVICES");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    let _ = std::fs::remove_file(&registry);
    out
}

/// A unique path in the system temp directory.
pub fn tempfile_path(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "usermedia-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        name
    ))
}

use gst::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Sets the fake devices (before GStreamer starts) and registers the plugin statically.
pub fn init_with_fake_devices(devices_json: &str) {
    use std::sync::Once;
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: called once, before GStreamer or any other thread of the test runs.
        unsafe { std::env::set_var("GST_USERMEDIA_FAKE_DEVICES", devices_json) };
        gst::init().unwrap();
        gstusermedia::plugin_register_static().expect("register usermedia plugin");
    });
}

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
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
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
        let pipeline_weak = pipeline.downgrade();
        src.connect_pad_added(move |_, pad| {
            let Some(pipeline) = pipeline_weak.upgrade() else {
                return;
            };
            let name = pad.name().to_string();
            observed.lock().unwrap().pads.push(name.clone());
            let sink = gst::ElementFactory::make("fakesink")
                .property("sync", false)
                .property("async", false)
                .build()
                .unwrap();
            pipeline.add(&sink).unwrap();
            sink.sync_state_with_parent().unwrap();
            pad.link(&sink.static_pad("sink").unwrap()).unwrap();
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
        });
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
