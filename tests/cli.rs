// SPDX-License-Identifier: MPL-2.0
//! The real command-line tools against the built plugin, found through GST_PLUGIN_PATH.

mod common;

#[test]
fn gst_inspect_documents_the_element() {
    let out = common::run_tool("gst-inspect-1.0", &["usermediasrc"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "gst-inspect failed: {text}");
    for needle in [
        "Source/Audio/Video",
        "constraints",
        "MediaStreamConstraints",
        "settings",
        "capabilities",
        "permission",
        "request-permission",
        "video_%u",
        "audio_%u",
        "MPL-2.0",
    ] {
        assert!(
            text.contains(needle),
            "gst-inspect output lacks {needle:?}:\n{text}"
        );
    }
}

#[test]
fn gst_inspect_lists_the_plugin() {
    let out = common::run_tool("gst-inspect-1.0", &["usermedia"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "gst-inspect failed: {text}");
    assert!(text.contains("usermediasrc"), "{text}");
}

const FAKE: &str = r#"[
  {"kind": "videoinput", "deviceId": "cam0", "label": "Fake camera", "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"},
  {"kind": "audioinput", "deviceId": "mic0", "label": "Fake microphone", "caps": "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"}
]"#;

#[test]
fn gst_launch_streams_to_fakesink() {
    launch_to_eos("usermediasrc ! fakesink num-buffers=5");
}

/// gst-launch-1.0 with the fake devices (`description` split at white space, as a shell
/// would); it must succeed and reach EOS.
fn launch_to_eos(description: &str) {
    let args: Vec<&str> = description.split_whitespace().collect();
    let out = common::run_tool(
        "gst-launch-1.0",
        &args,
        &[("GST_USERMEDIA_FAKE_DEVICES", FAKE)],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Got EOS"), "{text}");
}

#[test]
fn gst_launch_audio_and_video() {
    launch_to_eos(
        "usermediasrc constraints={video:true,audio:true} name=m \
         m. ! queue ! fakesink num-buffers=5  m. ! queue ! fakesink num-buffers=5",
    );
}

#[test]
fn gst_launch_reports_overconstrained() {
    let out = common::run_tool(
        "gst-launch-1.0",
        &[
            "usermediasrc",
            "constraints={video:{width:{exact:9999}}}",
            "!",
            "fakesink",
        ],
        &[("GST_USERMEDIA_FAKE_DEVICES", FAKE)],
    );
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("OverconstrainedError"), "{all}");
    assert!(all.contains("width"), "{all}");
}

#[test]
fn gst_device_monitor_lists_fake_devices() {
    let out = common::run_tool(
        "gst-device-monitor-1.0",
        &["Video/Source", "Audio/Source"],
        &[("GST_USERMEDIA_FAKE_DEVICES", FAKE)],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Fake camera"), "{text}");
    assert!(text.contains("Fake microphone"), "{text}");
    assert!(text.contains("320"), "{text}");
}

/// The files in a directory of the scratch space.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn demo_without_a_display_writes_a_snapshot() {
    let dir = common::tempfile_path("demo");
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("snapshot.png");
    // No fake devices given: the machine's cameras if the device monitor finds any, else two
    // fake cameras; either way a snapshot, as there is no display.
    let out = common::run_demo(&[], &snapshot, &[]);
    let text = common::output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(common::is_png(&snapshot), "{text}");
    assert_eq!(files_in(&dir), ["snapshot.png"], "{text}");
    if text.contains("Using this machine's cameras:") {
        assert!(text.contains("  - "), "{text}");
    } else {
        assert!(
            text.contains("No camera found: using two fake cameras."),
            "{text}"
        );
        // {width: {min: 1280}}: the HD camera, not the default VGA one.
        assert!(text.contains(r#""deviceId":"cam-hd""#), "{text}");
    }
    assert!(text.contains("Snapshot: "), "{text}");
}

#[test]
fn demo_failure_leaves_no_snapshot() {
    let dir = common::tempfile_path("demo-fails");
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("snapshot.png");
    let out = common::run_demo(
        &["{video: {width: {exact: 5000}}}"],
        &snapshot,
        &[(common::FAKE_ENV, FAKE)],
    );
    let text = common::output_text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("Using the fake devices of GST_USERMEDIA_FAKE_DEVICES."),
        "{text}"
    );
    assert!(text.contains("OverconstrainedError"), "{text}");
    assert!(text.contains("no snapshot written"), "{text}");
    assert!(files_in(&dir).is_empty(), "{:?}\n{text}", files_in(&dir));
}
