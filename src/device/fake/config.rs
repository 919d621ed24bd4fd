// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `GST_USERMEDIA_FAKE_DEVICES`: a JSON array of fake devices, or `@/path/to/file.json`.

use std::path::PathBuf;
use std::str::FromStr;

use serde::Deserialize;

use crate::device::CAT;
use crate::engine::Kind;
use crate::engine::display::SurfaceKind;

pub const ENV_VAR: &str = "GST_USERMEDIA_FAKE_DEVICES";

/// Where the fake device list comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Inline(String),
    File(PathBuf),
}

impl Source {
    /// The source named by the environment variable; `None` when it is unset.
    pub fn from_env() -> Option<Source> {
        let value = std::env::var_os(ENV_VAR)?;
        let value = value.to_string_lossy().into_owned();
        Some(match value.strip_prefix('@') {
            Some(path) => Source::File(PathBuf::from(path)),
            None => Source::Inline(value),
        })
    }

    /// The JSON text, or why it cannot be had (the file cannot be read).
    pub fn read(&self) -> Result<String, String> {
        match self {
            Source::Inline(s) => Ok(s.clone()),
            Source::File(path) => std::fs::read_to_string(path)
                .map_err(|err| format!("cannot read {}: {}", path.display(), err)),
        }
    }

    /// How a message names this source: the variable, and the file for `@file`.
    fn describe(&self) -> String {
        match self {
            Source::Inline(_) => ENV_VAR.to_string(),
            Source::File(path) => format!("{}=@{}", ENV_VAR, path.display()),
        }
    }
}

/// How a fake device fails, as a real device would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FakeError {
    /// Opening fails: in use by another process (v4l2 EBUSY): NotReadableError.
    Busy,
    /// Opening fails: refused by the OS (EACCES, a portal saying no): NotAllowedError.
    Denied,
    /// Opens and streams, then fails mid-stream after this many buffers (`"fail-after:N"`), as a
    /// camera whose driver stops delivering does: RESOURCE READ error, then a flow error.
    FailAfter(u64),
}

impl FakeError {
    /// The `"error"` value naming this failure.
    pub fn name(&self) -> String {
        match self {
            FakeError::Busy => "busy".into(),
            FakeError::Denied => "denied".into(),
            FakeError::FailAfter(n) => format!("fail-after:{n}"),
        }
    }
}

/// One fake device.
#[derive(Clone, Debug, PartialEq)]
pub struct FakeEntry {
    pub kind: Kind,
    pub device_id: String,
    pub label: Option<String>,
    pub group_id: Option<String>,
    pub facing_mode: Option<String>,
    /// The device caps as given (validated to parse).
    pub caps: String,
    pub error: Option<FakeError>,
    /// `"kind": "display"`: a display surface for displaymediasrc (its frames are video, so
    /// `kind` is [`Kind::Video`]), never a camera.
    pub display_surface: Option<SurfaceKind>,
    /// `"kind": "audiooutput"`: an output whose monitor is the system audio of screen capture
    /// (its frames are audio), never a microphone.
    pub output: bool,
}

impl FakeEntry {
    pub fn caps(&self) -> gst::Caps {
        gst::Caps::from_str(&self.caps).unwrap_or_else(|_| gst::Caps::new_empty())
    }

    /// The display name: the label, else the deviceId (devices need a non-empty name).
    pub fn is_display(&self) -> bool {
        self.display_surface.is_some()
    }

    pub fn display_name(&self) -> &str {
        self.label
            .as_deref()
            .filter(|l| !l.is_empty())
            .unwrap_or(&self.device_id)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    kind: String,
    #[serde(default)]
    device_id: String,
    caps: String,
    #[serde(default)]
    display_surface: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    group_id: Option<String>,
    #[serde(default)]
    facing_mode: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Parses the device list. Not an array (or not JSON) → an error saying where; a bad entry
/// (missing field, unknown kind, caps that do not parse, repeated deviceId) → that entry skipped,
/// with a warning.
pub fn parse(json: &str) -> Result<Vec<FakeEntry>, String> {
    parse_checked(json).map(|(entries, _)| entries)
}

/// [`parse`], also returning why each skipped entry was skipped.
pub fn parse_checked(json: &str) -> Result<(Vec<FakeEntry>, Vec<String>), String> {
    // serde_json's message ends with "at line L column C".
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Array(items) = value else {
        return Err("expected a JSON array of devices".into());
    };
    let mut entries: Vec<FakeEntry> = Vec::with_capacity(items.len());
    let mut skipped = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let problem = match entry(item) {
            Ok(e) if entries.iter().any(|x| x.device_id == e.device_id) => {
                format!("entry {i}: duplicate deviceId {:?}, skipped", e.device_id)
            }
            Ok(e) => {
                entries.push(e);
                continue;
            }
            Err(err) => format!("entry {i}: {err}, skipped"),
        };
        gst::warning!(CAT, "{}: {}", ENV_VAR, problem);
        skipped.push(problem);
    }
    Ok((entries, skipped))
}

fn entry(item: serde_json::Value) -> Result<FakeEntry, String> {
    let mut raw: RawEntry = serde_json::from_value(item).map_err(|e| e.to_string())?;
    let kind = match raw.kind.as_str() {
        "videoinput" | "display" => Kind::Video,
        "audioinput" | "audiooutput" => Kind::Audio,
        k => return Err(format!("unknown kind {k:?}")),
    };
    let display_surface = match (raw.kind.as_str(), raw.display_surface.as_deref()) {
        ("display", None) => Some(SurfaceKind::Monitor),
        ("display", Some(s)) => Some(
            SurfaceKind::parse(s)
                .ok_or_else(|| format!("displaySurface {s:?} is not monitor, window or browser"))?,
        ),
        _ => None,
    };
    if raw.device_id.is_empty()
        && let Some(kind) = display_surface
    {
        // A display needs no deviceId in the list: it is named by what it is, so that editing
        // other entries never renames it (a rename would read as the surface going away).
        raw.device_id = format!(
            "display-{:08x}",
            fnv1a(&[kind.name(), raw.label.as_deref().unwrap_or(""), &raw.caps])
        );
    }
    if raw.device_id.is_empty() {
        return Err("missing or empty deviceId".into());
    }
    let caps =
        gst::Caps::from_str(&raw.caps).map_err(|_| format!("invalid caps {:?}", raw.caps))?;
    if caps.is_empty() || caps.is_any() {
        return Err(format!("caps {:?} name no media type", raw.caps));
    }
    let error = match raw.error.as_deref() {
        None | Some("") => None,
        Some("busy") => Some(FakeError::Busy),
        Some("denied") => Some(FakeError::Denied),
        Some(e) if e.starts_with("fail-after:") => match e["fail-after:".len()..].trim().parse() {
            Ok(n) => Some(FakeError::FailAfter(n)),
            Err(_) => {
                gst::warning!(CAT, "{}: bad buffer count in {:?} ignored", ENV_VAR, e);
                None
            }
        },
        Some(e) => {
            gst::warning!(CAT, "{}: unknown error {:?} ignored", ENV_VAR, e);
            None
        }
    };
    Ok(FakeEntry {
        kind,
        device_id: raw.device_id,
        label: raw.label,
        group_id: raw.group_id.filter(|g| !g.is_empty()),
        facing_mode: raw.facing_mode.filter(|f| !f.is_empty()),
        caps: raw.caps,
        error,
        display_surface,
        output: raw.kind == "audiooutput",
    })
}

/// Reads and parses the list the environment names: `None` when the variable is unset, an empty
/// list (with a warning) when it cannot be read or parsed.
pub fn load() -> Option<(Source, Vec<FakeEntry>)> {
    let source = Source::from_env()?;
    let (entries, _) = evaluate(&source, source.read());
    Some((source, entries))
}

/// The devices `text` (read from `source`) lists, and what is wrong with it, if anything: the
/// file cannot be read, the text is not a JSON array (with the line and column), entries were
/// skipped. A problem is also logged as a warning.
pub fn evaluate(source: &Source, text: Result<String, String>) -> (Vec<FakeEntry>, Option<String>) {
    let (entries, problems) = match text.and_then(|t| parse_checked(&t)) {
        Ok(parsed) => parsed,
        Err(err) => (Vec::new(), vec![format!("{err}; no fake devices")]),
    };
    let problem =
        (!problems.is_empty()).then(|| format!("{}: {}", source.describe(), problems.join("; ")));
    if let Some(p) = &problem {
        gst::warning!(CAT, "{}", p);
    }
    (entries, problem)
}

/// What is wrong with `GST_USERMEDIA_FAKE_DEVICES` as it is now (see [`evaluate`]); `None` when
/// it is unset or fine.
pub fn setup_problem() -> Option<String> {
    let source = Source::from_env()?;
    evaluate(&source, source.read()).1
}

/// Prints `problem` to stderr as a GLib warning, once per process and problem: the setup
/// mistakes of a user (a typo in the JSON, a wrong file name) must show without `GST_DEBUG`, in
/// `gst-device-monitor-1.0` and `gst-launch-1.0` alike.
pub fn report(problem: &str) {
    static LAST: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if last.as_deref() != Some(problem) {
        gst::glib::g_warning!("usermedia", "{}", problem);
        *last = Some(problem.to_string());
    }
}

/// The current entry with this deviceId, for elements created by name (gst-launch).
pub fn lookup(device_id: &str) -> Option<FakeEntry> {
    load()?.1.into_iter().find(|e| e.device_id == device_id)
}

/// FNV-1a (32 bits) of `parts`, separated: a name that is the same in every process.
fn fnv1a(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for byte in parts.join("\u{1f}").bytes() {
        h = (h ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_skips_bad_ones() {
        gst::init().unwrap();
        let json = r#"[
            {"kind": "videoinput", "deviceId": "cam0", "label": "Front camera", "groupId": "g0",
             "facingMode": "user",
             "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1; image/jpeg,width=1920,height=1080,framerate=30/1"},
            {"kind": "audioinput", "deviceId": "mic0", "caps": "audio/x-raw,format=S16LE,rate=48000,channels=1", "error": "busy"},
            {"kind": "videoinput", "deviceId": "cam0", "caps": "video/x-raw"},
            {"kind": "speaker", "deviceId": "x", "caps": "audio/x-raw"},
            {"kind": "videoinput", "deviceId": "nocaps"},
            {"kind": "videoinput", "deviceId": "badcaps", "caps": "video/x-raw,width=[1"},
            {"kind": "videoinput", "deviceId": "cam1", "caps": "video/x-raw,format=I420,width=320,height=240", "error": "denied"},
            {"kind": "videoinput", "deviceId": "cam2", "caps": "video/x-raw,format=I420,width=320,height=240", "error": "fail-after:25"},
            {"kind": "videoinput", "deviceId": "cam3", "caps": "video/x-raw,format=I420,width=320,height=240", "error": "fail-after:x"}
        ]"#;
        let entries = parse(json).unwrap();
        let ids: Vec<_> = entries.iter().map(|e| e.device_id.as_str()).collect();
        assert_eq!(ids, ["cam0", "mic0", "cam1", "cam2", "cam3"]);
        assert_eq!(entries[0].kind, Kind::Video);
        assert_eq!(entries[0].display_name(), "Front camera");
        assert_eq!(entries[0].group_id.as_deref(), Some("g0"));
        assert_eq!(entries[0].caps().size(), 2);
        assert_eq!(entries[1].kind, Kind::Audio);
        assert_eq!(entries[1].error, Some(FakeError::Busy));
        assert_eq!(entries[1].display_name(), "mic0");
        assert_eq!(entries[2].error, Some(FakeError::Denied));
        assert_eq!(entries[3].error, Some(FakeError::FailAfter(25)));
        assert_eq!(entries[3].error.unwrap().name(), "fail-after:25");
        assert_eq!(entries[4].error, None);
    }

    #[test]
    fn display_entries() {
        gst::init().unwrap();
        let json = r#"[
            {"kind": "display", "deviceId": "screen", "displaySurface": "monitor", "label": "Screen",
             "caps": "video/x-raw,format=BGRx,width=1920,height=1080,framerate=[1/1,60/1]"},
            {"kind": "display", "displaySurface": "window", "caps": "video/x-raw,width=640,height=480"},
            {"kind": "display", "caps": "video/x-raw,width=640,height=480"},
            {"kind": "display", "displaySurface": "tab", "caps": "video/x-raw,width=640,height=480"},
            {"kind": "videoinput", "caps": "video/x-raw,width=640,height=480"}
        ]"#;
        let (entries, skipped) = parse_checked(json).unwrap();
        let ids: Vec<_> = entries.iter().map(|e| e.device_id.as_str()).collect();
        assert_eq!(ids[0], "screen");
        assert!(ids[1].starts_with("display-") && ids[2].starts_with("display-"));
        assert_ne!(
            ids[1], ids[2],
            "a window and a monitor of the same caps differ"
        );
        // Named by what they are: removing the first entry renames nothing.
        let json_without_first = format!(
            "[{}",
            &json[json
                .find("{\"kind\": \"display\", \"displaySurface\": \"window\"")
                .unwrap()..]
        );
        let (rest, _) = parse_checked(&json_without_first).unwrap();
        let rest_ids: Vec<_> = rest.iter().map(|e| e.device_id.as_str()).collect();
        assert_eq!(rest_ids, ids[1..]);
        assert_eq!(entries[0].display_surface, Some(SurfaceKind::Monitor));
        assert_eq!(entries[0].kind, Kind::Video);
        assert_eq!(entries[1].display_surface, Some(SurfaceKind::Window));
        assert_eq!(entries[2].display_surface, Some(SurfaceKind::Monitor));
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].contains("\"tab\""), "{skipped:?}");
        assert!(skipped[1].contains("deviceId"), "{skipped:?}");
    }

    #[test]
    fn invalid_json_lists_nothing() {
        gst::init().unwrap();
        assert!(parse("{not json").is_err());
        assert!(parse(r#"{"kind": "videoinput"}"#).is_err());
        let (entries, problem) = evaluate(&Source::Inline("[".into()), Ok("[".into()));
        assert!(entries.is_empty());
        assert_eq!(
            problem.as_deref(),
            Some(
                "GST_USERMEDIA_FAKE_DEVICES: invalid JSON: EOF while parsing a list at line 1 \
                 column 1; no fake devices"
            )
        );
        assert_eq!(parse("[]").unwrap(), vec![]);
    }

    #[test]
    fn problems_say_where() {
        gst::init().unwrap();
        let inline = Source::Inline(String::new());
        let text = "[\n  {\"kind\": \"videoinput\",\n   \"deviceId\": cam0}\n]";
        let problem = evaluate(&inline, Ok(text.into())).1.unwrap();
        assert!(
            problem.starts_with("GST_USERMEDIA_FAKE_DEVICES: invalid JSON: "),
            "{problem}"
        );
        assert!(problem.contains("at line 3 column 16"), "{problem}");

        let missing = Source::File(PathBuf::from("/nonexistent/devices.json"));
        let (entries, problem) = evaluate(&missing, missing.read());
        assert!(entries.is_empty());
        let problem = problem.unwrap();
        assert!(
            problem.starts_with(
                "GST_USERMEDIA_FAKE_DEVICES=@/nonexistent/devices.json: cannot read \
                 /nonexistent/devices.json: "
            ),
            "{problem}"
        );
        assert!(problem.contains("No such file"), "{problem}");

        let skipped = r#"[{"kind": "videoinput", "deviceId": "ok", "caps": "video/x-raw"},
                          {"kind": "videoinput", "deviceId": "bad"}]"#;
        let (entries, problem) = evaluate(&inline, Ok(skipped.into()));
        assert_eq!(entries.len(), 1);
        assert_eq!(
            problem.as_deref(),
            Some("GST_USERMEDIA_FAKE_DEVICES: entry 1: missing field `caps`, skipped")
        );
        let fine = r#"[{"kind": "videoinput", "deviceId": "ok", "caps": "video/x-raw"}]"#;
        assert_eq!(evaluate(&inline, Ok(fine.into())).1, None);
    }
}
