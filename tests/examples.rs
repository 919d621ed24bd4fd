// SPDX-License-Identifier: MPL-2.0
//! The examples as a user runs them: the capture application's handling of every outcome, the
//! enumerate example's JSON, and the C and Python programs against the built plugin.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FAKE: &str = r#"[
  {"kind": "videoinput", "deviceId": "cam0", "label": "Front camera", "facingMode": "user",
   "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1; image/jpeg,width=1280,height=720,framerate=30/1"},
  {"kind": "videoinput", "deviceId": "cam-busy", "label": "Busy camera", "error": "busy",
   "caps": "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "mic0", "label": "Microphone",
   "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}
]"#;

/// Runs a built example (cargo builds examples next to the test binaries' directory).
fn example(name: &str, args: &[&str], fake: &str) -> Output {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} not built: run `cargo build --examples` (scripts/test.sh does) or plain `cargo test`",
        path.display()
    );
    let mut cmd = Command::new(&path);
    cmd.args(args).env_remove("GST_PLUGIN_PATH");
    // Without GST_PLUGIN_PATH the Rust examples use the plugin linked into them.
    run_with_fake_devices(cmd, fake)
}

/// Runs `cmd` with fake devices and a private registry.
fn run_with_fake_devices(mut cmd: Command, fake: &str) -> Output {
    let registry = common::tempfile_path("registry.bin");
    cmd.env("GST_USERMEDIA_FAKE_DEVICES", fake)
        .env("GST_REGISTRY", &registry);
    let out = cmd.output().unwrap();
    let _ = std::fs::remove_file(&registry);
    out
}

fn text(o: &Output) -> String {
    common::output_text(o)
}

#[test]
fn capture_prints_settings_and_answers_the_prompt() {
    let o = example(
        "capture",
        &[
            "--constraints",
            "{video: true, audio: true}",
            "--permission",
            "prompt",
            "--answer",
            "yes",
            "--seconds",
            "1",
        ],
        FAKE,
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains(r#"permission for camera "Front camera" and microphone "Microphone": granted"#),
        "{t}"
    );
    assert!(
        t.contains(r#""deviceId": "cam0""#) && t.contains(r#""deviceId": "mic0""#),
        "{t}"
    );
    assert!(t.contains("usermedia-capture"), "{t}");
}

#[test]
fn capture_maps_every_error_to_its_exit_status() {
    let cases: &[(&[&str], i32, &str)] = &[
        (&["--constraints", "{video: 'yes'"], 2, "TypeError"),
        (
            &["--constraints", "{video: {width: {min: 5000}}}"],
            4,
            "OverconstrainedError",
        ),
        (&["--permission", "denied"], 5, "NotAllowedError"),
        (
            &["--permission", "prompt", "--answer", "no"],
            5,
            "NotAllowedError",
        ),
        (
            &["--constraints", "{video: {deviceId: {exact: 'cam-busy'}}}"],
            6,
            "NotReadableError",
        ),
    ];
    for (args, code, name) in cases {
        let o = example("capture", args, FAKE);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {t}");
        assert!(t.contains(name), "{args:?}: {t}");
    }
    let o = example("capture", &["--constraints", "{audio: true}"], "[]");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("NotFoundError"));
}

#[test]
fn screen_prints_the_delivered_settings_and_maps_refusals() {
    const DISPLAYS: &str = r#"[{"kind": "display", "deviceId": "screen0", "label": "Screen",
        "caps": "video/x-raw,format=BGRx,width=1280,height=720,framerate=30/1"}]"#;
    let o = example(
        "screen",
        &[
            "--constraints",
            "{video: {width: {max: 640}}}",
            "--permission",
            "prompt",
            "--answer",
            "yes",
            "--seconds",
            "1",
        ],
        DISPLAYS,
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains(r#"permission for "Screen": granted"#), "{t}");
    assert!(
        t.contains(r#""width":640"#) && t.contains(r#""height":360"#),
        "{t}"
    );
    for (args, code, name) in [
        (
            &["--constraints", "{video: {width: {min: 640}}}"][..],
            2,
            "TypeError",
        ),
        (
            &["--permission", "prompt", "--answer", "no"][..],
            5,
            "NotAllowedError",
        ),
    ] {
        let o = example("screen", args, DISPLAYS);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {t}");
        assert!(t.contains(name), "{args:?}: {t}");
    }
    let o = example("screen", &[], "[]");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
}

#[test]
fn enumerate_lists_devices_with_capabilities() {
    let o = example("enumerate", &[], FAKE);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    let ids: Vec<&str> = list
        .iter()
        .map(|d| d["deviceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cam0", "cam-busy", "mic0"]);
    let cam = &list[0];
    assert_eq!(cam["kind"], "videoinput");
    assert_eq!(cam["label"], "Front camera");
    assert_eq!(cam["facingMode"], "user");
    assert_eq!(cam["capabilities"]["width"]["max"], 1280);
    assert_eq!(cam["capabilities"]["height"]["max"], 720);
    assert_eq!(cam["nativeModes"].as_array().unwrap().len(), 2);
    assert_eq!(list[2]["kind"], "audioinput");
    assert_eq!(list[2]["capabilities"]["sampleRate"]["max"], 48000);
}

/// A tool the C and Python examples need is missing: skip, except under `CI=true`.
fn missing(what: &str) -> Option<PathBuf> {
    assert!(
        !common::vdev::ci(),
        "{what} (scripts/deps.sh installs it); with CI=true this is a failure"
    );
    eprintln!("skipped: {what}");
    None
}

/// examples/c/settings.c compiled as its comment says, into the scratch directory.
fn c_example() -> Option<PathBuf> {
    let flags = match Command::new("pkg-config")
        .args(["--cflags", "--libs", "gstreamer-1.0"])
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        _ => return missing("pkg-config or gstreamer-1.0.pc (libgstreamer1.0-dev) is missing"),
    };
    let exe = common::tempfile_path("settings");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/c/settings.c");
    let out = match Command::new("cc")
        .arg(&source)
        .args(flags.split_whitespace())
        .args(["-Wall", "-Werror", "-o"])
        .arg(&exe)
        .output()
    {
        Ok(out) => out,
        Err(e) => return missing(&format!("no C compiler (cc): {e}")),
    };
    assert!(out.status.success(), "cc failed:\n{}", text(&out));
    Some(exe)
}

/// The Python that has PyGObject with GStreamer (Debian's, which python3-gi installs into, even
/// when another python3 comes first on PATH).
fn python_with_gst() -> Option<PathBuf> {
    for python in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(python)
            .args(["-c", "import gi; gi.require_version('Gst', '1.0')"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(PathBuf::from(python));
        }
    }
    missing("no python3 with PyGObject and Gst 1.0 (python3-gi, gir1.2-gstreamer-1.0)")
}

/// Runs an example program with this build's plugin on GST_PLUGIN_PATH and `fake` devices.
fn run_program(program: &Path, args: &[&str], fake: &str) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args);
    common::run_with_plugin(cmd, &[(common::FAKE_ENV, fake)])
}

/// The JSON of the "settings: " line a program printed.
fn printed_settings(o: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("settings: "))
        .unwrap_or_else(|| panic!("no settings line in:\n{}", text(o)));
    serde_json::from_str(line).unwrap()
}

#[test]
fn c_example_prints_the_settings_and_the_error() {
    let Some(exe) = c_example() else { return };
    let o = run_program(&exe, &["{video: {frameRate: {min: 25}}}"], FAKE);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let video = &printed_settings(&o)["video"];
    assert_eq!(video["deviceId"], "cam0", "{video}");
    assert_eq!(video["width"], 640, "{video}");
    assert_eq!(video["height"], 480, "{video}");
    assert!(video["frameRate"].as_f64().unwrap() >= 25.0, "{video}");

    // The request-permission handler of the README: what would be opened, then granted.
    let o = run_program(&exe, &["--prompt", "{video: true, audio: true}"], FAKE);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("permission request: camera Front camera, microphone Microphone\n"),
        "{}",
        text(&o)
    );
    let settings = printed_settings(&o);
    assert_eq!(settings["video"]["deviceId"], "cam0", "{settings}");
    assert_eq!(settings["audio"]["deviceId"], "mic0", "{settings}");

    let o = run_program(&exe, &["{video: {width: {exact: 9999}}}"], FAKE);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("getUserMedia failed: OverconstrainedError"),
        "{}",
        text(&o)
    );
}

#[test]
fn python_example_prints_the_settings_and_the_error() {
    let Some(python) = python_with_gst() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python/settings.py");
    let o = run_program(
        &python,
        &[script.to_str().unwrap(), "{video: {facingMode: 'user'}}"],
        FAKE,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let video = &printed_settings(&o)["video"];
    assert_eq!(video["deviceId"], "cam0", "{video}");
    assert_eq!(video["facingMode"], "user", "{video}");
    assert_eq!(video["label"], "Front camera", "{video}");

    let o = run_program(&python, &[script.to_str().unwrap(), "{audio: true}"], "[]");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("getUserMedia failed: NotFoundError"),
        "{}",
        text(&o)
    );
}
