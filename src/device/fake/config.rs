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

    /// The JSON text, or `None` (with a warning) when the file cannot be read.
    pub fn read(&self) -> Option<String> {
        match self {
            Source::Inline(s) => Some(s.clone()),
            Source::File(path) => match std::fs::read_to_string(path) {
                Ok(s) => Some(s),
                Err(err) => {
                    gst::warning!(CAT, "{}: cannot read {}: {}", ENV_VAR, path.display(), err);
                    None
                }
            },
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
}

impl FakeEntry {
    pub fn caps(&self) -> gst::Caps {
        gst::Caps::from_str(&self.caps).unwrap_or_else(|_| gst::Caps::new_empty())
    }

    /// The display name: the label, else the deviceId (devices need a non-empty name).
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
    device_id: String,
    caps: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    group_id: Option<String>,
    #[serde(default)]
    facing_mode: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Parses the device list. Not an array → warning, no devices. A bad entry (missing field,
/// unknown kind, caps that do not parse, repeated deviceId) → warning, that entry skipped.
pub fn parse(json: &str) -> Result<Vec<FakeEntry>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Array(items) = value else {
        return Err("expected a JSON array of devices".into());
    };
    let mut entries: Vec<FakeEntry> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match entry(item) {
            Ok(e) if entries.iter().any(|x| x.device_id == e.device_id) => {
                gst::warning!(
                    CAT,
                    "{}: entry {}: duplicate deviceId {:?}, skipped",
                    ENV_VAR,
                    i,
                    e.device_id
                );
            }
            Ok(e) => entries.push(e),
            Err(err) => gst::warning!(CAT, "{}: entry {}: {}, skipped", ENV_VAR, i, err),
        }
    }
    Ok(entries)
}

fn entry(item: serde_json::Value) -> Result<FakeEntry, String> {
    let raw: RawEntry = serde_json::from_value(item).map_err(|e| e.to_string())?;
    let kind = match raw.kind.as_str() {
        "videoinput" => Kind::Video,
        "audioinput" => Kind::Audio,
        k => return Err(format!("unknown kind {k:?}")),
    };
    if raw.device_id.is_empty() {
        return Err("empty deviceId".into());
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
    })
}

/// Reads and parses the list the environment names: `None` when the variable is unset, an empty
/// list (with a warning) when it cannot be read or parsed.
pub fn load() -> Option<(Source, Vec<FakeEntry>)> {
    let source = Source::from_env()?;
    let entries = source.read().map(|s| parse_or_warn(&s)).unwrap_or_default();
    Some((source, entries))
}

pub fn parse_or_warn(json: &str) -> Vec<FakeEntry> {
    parse(json).unwrap_or_else(|err| {
        gst::warning!(CAT, "{}: {}; no fake devices", ENV_VAR, err);
        Vec::new()
    })
}

/// The current entry with this deviceId, for elements created by name (gst-launch).
pub fn lookup(device_id: &str) -> Option<FakeEntry> {
    load()?.1.into_iter().find(|e| e.device_id == device_id)
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
    fn invalid_json_lists_nothing() {
        gst::init().unwrap();
        assert!(parse("{not json").is_err());
        assert!(parse(r#"{"kind": "videoinput"}"#).is_err());
        assert!(parse_or_warn("[").is_empty());
        assert_eq!(parse("[]").unwrap(), vec![]);
    }
}
