// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! From the providers' `GstDevice`s to the device list: each device's facts and native modes
//! (a candidate), twins published by two providers folded into one entry, duplicate ids made
//! unique, the system default first; and the changes between two lists.

use gst::prelude::*;

use super::monitor::{DeviceChange, DeviceChangeKind, DeviceEntry};
use super::{CAT, caps, identity};
use crate::engine::{AudioCapture, Capture, Device, Kind, ValueSet};

pub(super) fn diff(old: &[DeviceEntry], new: &[DeviceEntry]) -> Vec<DeviceChange> {
    let mut changes = Vec::new();
    let find =
        |list: &[DeviceEntry], id: &str| list.iter().find(|e| e.info.device_id == id).cloned();
    for o in old {
        if find(new, &o.info.device_id).is_none() {
            changes.push(change(DeviceChangeKind::Removed, o.clone()));
        }
    }
    for n in new {
        match find(old, &n.info.device_id) {
            Some(o) if o.gst_device != n.gst_device || o.info != n.info => {
                changes.push(change(DeviceChangeKind::Changed, n.clone()));
            }
            Some(_) => (),
            None => changes.push(change(DeviceChangeKind::Added, n.clone())),
        }
    }
    changes
}

fn change(kind: DeviceChangeKind, entry: DeviceEntry) -> DeviceChange {
    DeviceChange {
        kind,
        device_id: entry.info.device_id.clone(),
        entry,
    }
}

/// The ordered, de-duplicated device list. Fake devices keep the order they are listed in.
pub(super) fn build(fake: bool, raw: &[gst::Device]) -> Vec<DeviceEntry> {
    let candidates = raw.iter().filter_map(entry_for);
    if fake {
        order_by_kind(candidates.map(|c| c.entry).collect())
    } else {
        arrange(candidates.collect())
    }
}

/// An entry plus what ordering and de-duplication need.
struct Candidate {
    entry: DeviceEntry,
    twin: Option<String>,
    is_default: bool,
    priority: i64,
    /// A virtual entry for the system default (wasapi2's): the twin key of the device it
    /// currently is.
    default_of: Option<String>,
}

fn entry_for(device: &gst::Device) -> Option<Candidate> {
    candidate_from(device, identity::facts(device))
}

/// The entry for an output's monitor source, which the device list leaves out: the system
/// audio of screen capture.
pub(super) fn monitor_entry(device: &gst::Device) -> Option<DeviceEntry> {
    let facts = identity::facts(device);
    if !identity::is_monitor_source(facts.properties.as_deref()) {
        return None;
    }
    described(device, facts).map(|c| c.entry)
}

/// The candidate for `device`, described by `facts` (which tests write as a provider would).
fn candidate_from(device: &gst::Device, facts: identity::DeviceFacts) -> Option<Candidate> {
    if identity::is_monitor_source(facts.properties.as_deref()) {
        return None;
    }
    described(device, facts)
}

/// The candidate for any source device, monitors included.
fn described(device: &gst::Device, facts: identity::DeviceFacts) -> Option<Candidate> {
    let props = facts.properties.as_deref();
    let device_caps = device.caps()?;
    let id = identity::identify(&facts);
    let (capture, structures) = if device.has_classes("Video/Source") {
        let (modes, structures): (Vec<_>, Vec<_>) =
            caps::video_modes(&device_caps).into_iter().unzip();
        (Capture::Video(modes), structures)
    } else if device.has_classes("Audio/Source") {
        let (modes, structures): (Vec<_>, Vec<_>) =
            caps::audio_modes(&device_caps).into_iter().unzip();
        let (latency, default_latency) = audio_latency(&facts.provider);
        let capture = AudioCapture {
            modes,
            latency,
            default_latency,
            system_echo_cancellation: echo_cancelling(&facts),
        };
        (Capture::Audio(capture), structures)
    } else {
        return None;
    };
    if structures.is_empty() {
        gst::debug!(
            CAT,
            "Skipping {:?} ({}): no usable mode in {}",
            id.label,
            facts.provider,
            device_caps
        );
        return None;
    }
    Some(Candidate {
        twin: identity::twin_key(&facts),
        is_default: identity::is_default(&facts),
        priority: identity::session_priority(props),
        default_of: identity::default_of(&facts),
        entry: DeviceEntry {
            gst_device: device.clone(),
            info: Device {
                device_id: id.device_id,
                group_id: id.group_id,
                label: id.label,
                facing_mode: id.facing_mode,
                capture,
            },
            structures,
            provider: facts.provider,
        },
    })
}

/// Latencies (seconds) a source of this provider can be configured for, and its default.
fn audio_latency(provider: &str) -> (ValueSet, f64) {
    match identity::api_name(provider) {
        // GstAudioBaseSrc latency-time (and the fake source's), 10 ms by default.
        "pulse" | "alsa" | "usermediafake" | "wasapi2" | "wasapi" | "directsound" | "osxaudio" => (
            ValueSet::Range {
                min: 0.001,
                max: 1.0,
                step: 0.0,
            },
            0.01,
        ),
        // pipewiresrc follows the graph quantum (1024 samples at 48 kHz by default).
        "pipewire" => {
            let quantum = 1024.0 / 48000.0;
            (ValueSet::Fixed(quantum), quantum)
        }
        _ => (ValueSet::Fixed(0.01), 0.01),
    }
}

/// Sources that are the output of a system echo canceller (pulse module-echo-cancel, PipeWire's
/// echo-cancel module).
fn echo_cancelling(facts: &identity::DeviceFacts) -> bool {
    let props = facts.properties.as_deref();
    let roles = identity::prop_string(props, "device.intended_roles").unwrap_or_default();
    let names = [
        identity::prop_string(props, "node.name"),
        facts.internal_name.clone(),
    ];
    roles.split_whitespace().any(|r| r == "phone")
        || names
            .iter()
            .flatten()
            .any(|n| n.contains("echo-cancel") || n.contains("echo_cancel"))
}

fn order_by_kind(entries: Vec<DeviceEntry>) -> Vec<DeviceEntry> {
    let (mut video, audio): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|e| e.info.kind() == Kind::Video);
    video.extend(audio);
    video
}

/// De-duplicates provider twins, puts the default first within each kind and makes deviceIds
/// unique.
fn arrange(candidates: Vec<Candidate>) -> Vec<DeviceEntry> {
    let candidates = resolve_virtual_defaults(candidates);
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let twin = c.twin.as_ref().and_then(|key| {
            kept.iter().position(|k| {
                k.twin.as_ref() == Some(key)
                    && k.entry.provider != c.entry.provider
                    && k.entry.info.kind() == c.entry.info.kind()
            })
        });
        match twin {
            Some(i) => {
                // Either twin saying "default" is the provider's word for both.
                let is_default = c.is_default || kept[i].is_default;
                kept[i].is_default = is_default;
                if preference(&c) > preference(&kept[i]) {
                    gst::debug!(
                        CAT,
                        "{} replaces its twin {}",
                        c.entry.info.device_id,
                        kept[i].entry.info.device_id
                    );
                    kept[i] = Candidate { is_default, ..c };
                } else {
                    gst::debug!(CAT, "{} is a twin, skipped", c.entry.info.device_id);
                }
            }
            None => kept.push(c),
        }
    }
    // Stable: provider order breaks ties.
    kept.sort_by_key(|c| {
        (
            c.entry.info.kind() == Kind::Audio,
            !c.is_default,
            std::cmp::Reverse(c.priority),
        )
    });
    let mut seen: Vec<String> = Vec::new();
    kept.into_iter()
        .map(|mut c| {
            let base = c.entry.info.device_id.clone();
            let mut n = 1;
            while seen.contains(&c.entry.info.device_id) {
                n += 1;
                c.entry.info.device_id = format!("{base}#{n}");
            }
            seen.push(c.entry.info.device_id.clone());
            c.entry
        })
        .collect()
}

/// A virtual default entry is dropped in favour of the device it stands for, which becomes the
/// default (its deviceId stays the same when the default moves elsewhere); kept, as the default,
/// when that device is not listed.
fn resolve_virtual_defaults(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let (virtuals, mut out): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|c| c.default_of.is_some());
    for v in virtuals {
        let mut found = false;
        for o in out.iter_mut().filter(|o| {
            o.entry.info.kind() == v.entry.info.kind() && o.twin.is_some() && o.twin == v.default_of
        }) {
            o.is_default = true;
            found = true;
        }
        if found {
            gst::debug!(
                CAT,
                "{} stands for the default, skipped",
                v.entry.info.device_id
            );
        } else {
            out.push(v);
        }
    }
    out
}

/// Which of two provider twins to keep.
fn preference(c: &Candidate) -> u8 {
    match (c.entry.info.kind(), identity::api_name(&c.entry.provider)) {
        (Kind::Audio, "pulse") => 2,
        (Kind::Video, "pipewire") => 2,
        // wasapi2 is the maintained successor of wasapi.
        (Kind::Audio, "wasapi2") => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::fake;
    use std::str::FromStr;

    fn candidate(
        provider: &str,
        kind: Kind,
        id: &str,
        twin: Option<&str>,
        is_default: bool,
        priority: i64,
    ) -> Candidate {
        gst::init().unwrap();
        let capture = match kind {
            Kind::Video => Capture::Video(vec![]),
            Kind::Audio => Capture::Audio(AudioCapture {
                modes: vec![],
                latency: ValueSet::Fixed(0.01),
                default_latency: 0.01,
                system_echo_cancellation: false,
            }),
        };
        let device = gst::Object::builder::<fake::FakeDevice>()
            .property("display-name", id)
            .property("device-class", "Video/Source")
            .property("caps", gst::Caps::from_str("video/x-raw").unwrap())
            .build()
            .unwrap();
        Candidate {
            entry: DeviceEntry {
                gst_device: device.upcast(),
                info: Device {
                    device_id: id.into(),
                    group_id: id.into(),
                    label: id.into(),
                    facing_mode: None,
                    capture,
                },
                structures: vec![],
                provider: provider.into(),
            },
            twin: twin.map(Into::into),
            is_default,
            priority,
            default_of: None,
        }
    }

    fn ids(entries: &[DeviceEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.info.device_id.as_str()).collect()
    }

    #[test]
    fn twins_defaults_and_order() {
        let pw = "pipewiredeviceprovider";
        let pulse = "pulsedeviceprovider";
        let list = vec![
            candidate(
                pw,
                Kind::Audio,
                "pipewire:vdev-mic",
                Some("vdev-mic"),
                false,
                1000,
            ),
            candidate(pw, Kind::Video, "pipewire:cam-a", Some("cam-a"), false, 900),
            candidate(
                pw,
                Kind::Video,
                "pipewire:cam-b",
                Some("cam-b"),
                false,
                1000,
            ),
            candidate(
                pw,
                Kind::Audio,
                "pipewire:other-mic",
                Some("other-mic"),
                false,
                2000,
            ),
            candidate(
                pulse,
                Kind::Audio,
                "pulse:vdev-mic",
                Some("vdev-mic"),
                true,
                0,
            ),
            candidate(
                pulse,
                Kind::Audio,
                "pulse:other-mic",
                Some("other-mic"),
                false,
                0,
            ),
        ];
        let out = arrange(list);
        assert_eq!(
            ids(&out),
            [
                "pipewire:cam-b",
                "pipewire:cam-a",
                "pulse:vdev-mic",
                "pulse:other-mic"
            ]
        );
    }

    #[test]
    fn duplicate_ids_are_made_unique() {
        let v4l2 = "v4l2deviceprovider";
        let list = vec![
            candidate(v4l2, Kind::Video, "v4l2:path", None, false, 0),
            candidate(v4l2, Kind::Video, "v4l2:path", None, false, 0),
        ];
        assert_eq!(ids(&arrange(list)), ["v4l2:path", "v4l2:path#2"]);
    }

    #[test]
    fn diff_by_device_id() {
        let a = candidate("x", Kind::Video, "a", None, false, 0).entry;
        let b = candidate("x", Kind::Video, "b", None, false, 0).entry;
        let b2 = candidate("x", Kind::Video, "b", None, false, 0).entry;
        let c = candidate("x", Kind::Video, "c", None, false, 0).entry;
        let changes = diff(&[a.clone(), b], &[b2, c]);
        let got: Vec<_> = changes
            .iter()
            .map(|c| (c.kind, c.device_id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (DeviceChangeKind::Removed, "a"),
                (DeviceChangeKind::Changed, "b"),
                (DeviceChangeKind::Added, "c")
            ]
        );
        assert!(diff(std::slice::from_ref(&a), std::slice::from_ref(&a)).is_empty());
    }

    /// A device as `provider` publishes it: display name, class, caps and properties.
    fn published(provider: &str, name: &str, class: &str, caps: &str, props: &str) -> Candidate {
        try_published(provider, name, class, caps, props).expect("a capture device")
    }

    /// The candidate of such a device, `None` when it is no camera or microphone.
    fn try_published(
        provider: &str,
        name: &str,
        class: &str,
        caps: &str,
        props: &str,
    ) -> Option<Candidate> {
        gst::init().unwrap();
        let properties = gst::Structure::from_str(props).unwrap();
        let device = gst::Object::builder::<fake::FakeDevice>()
            .property("display-name", name)
            .property("device-class", class)
            .property("caps", gst::Caps::from_str(caps).unwrap())
            .property("properties", &properties)
            .build()
            .unwrap();
        let facts = identity::DeviceFacts {
            provider: provider.into(),
            display_name: name.into(),
            properties: Some(properties),
            internal_name: None,
        };
        candidate_from(device.upcast_ref(), facts)
    }

    const MIC_CAPS: &str = "audio/x-raw,format=F32LE,layout=interleaved,rate={44100,48000,96000},\
                            channels=2";

    /// wasapi2: the virtual default entry becomes a marker on the endpoint it follows, loopback
    /// entries are not microphones, wasapi's entries of the same endpoints are twins.
    #[test]
    fn windows_microphones() {
        let w2 = "wasapi2deviceprovider";
        let mic_a = "{0.0.1.00000000}.{aaaaaaaa-0000-0000-0000-000000000001}";
        let mic_b = "{0.0.1.00000000}.{bbbbbbbb-0000-0000-0000-000000000002}";
        let virtual_default = |actual: &str| {
            published(
                w2,
                "Default Audio Capture Device",
                "Audio/Source",
                MIC_CAPS,
                &format!(
                    "p, device.api=wasapi2, \
                     device.id=\"{{2EEF81BE-33FA-4800-9670-1CD474972C3F}}\", \
                     device.default=(boolean)true, device.actual-id=\"{actual}\", \
                     wasapi2.device.description=\"Default Audio Capture Device\""
                ),
            )
        };
        let wasapi2 = |name: &str, id: &str, form_factor: (i32, &str), enumerator: &str| {
            published(
                w2,
                name,
                "Audio/Source",
                MIC_CAPS,
                &format!(
                    "p, device.api=wasapi2, device.id=\"{id}\", device.default=(boolean)false, \
                     device.form-factor=(int){}, device.form-factor-name={}, \
                     device.enumerator-name={enumerator}, wasapi2.device.loopback=(boolean)false",
                    form_factor.0, form_factor.1
                ),
            )
        };
        let wasapi = |name: &str, id: &str| {
            published(
                "wasapideviceprovider",
                name,
                "Audio/Source",
                MIC_CAPS,
                &format!(
                    "p, device.api=wasapi, device.strid=\"{id}\", \
                     wasapi.device.description=\"{name}\""
                ),
            )
        };
        let list = vec![
            // The virtual default names its endpoint in upper case.
            virtual_default(&mic_b.to_uppercase()),
            wasapi2(
                "Microphone Array (Realtek)",
                mic_a,
                (4, "Microphone"),
                "HDAUDIO",
            ),
            wasapi2("Headset Microphone", mic_b, (5, "Headset"), "USB"),
            wasapi("Headset Microphone", mic_b),
            wasapi("Microphone Array (Realtek)", mic_a),
        ];
        let out = arrange(list);
        assert_eq!(
            ids(&out),
            [format!("wasapi2:{mic_b}"), format!("wasapi2:{mic_a}")]
        );
        assert_eq!(out[0].info.label, "Headset Microphone");
        assert_eq!(out[0].provider, w2);

        // A loopback entry (what a render endpoint plays) is no microphone.
        assert!(
            try_published(
            w2,
            "Speakers (loopback)",
            "Audio/Source",
            MIC_CAPS,
            "p, device.api=wasapi2, device.id=\"{0.0.0.00000000}.{cccccccc-0000-0000-0000-000000000003}\", \
             device.default=(boolean)false, wasapi2.device.loopback=(boolean)true"
        )
        .is_none());

        // The virtual default entry of an endpoint not listed stays, as the default.
        let lone = vec![
            wasapi2(
                "Microphone Array (Realtek)",
                mic_a,
                (4, "Microphone"),
                "HDAUDIO",
            ),
            virtual_default(mic_b),
        ];
        assert_eq!(
            ids(&arrange(lone)),
            [
                "wasapi2:{2EEF81BE-33FA-4800-9670-1CD474972C3F}".to_string(),
                format!("wasapi2:{mic_a}")
            ]
        );
    }

    /// DirectSound: the primary device (no GUID) is the default.
    #[test]
    fn directsound_primary_is_the_default() {
        let ds = "directsoundsrcdeviceprovider";
        let list = vec![
            published(
                ds,
                "Microphone (USB Audio)",
                "Audio/Source",
                MIC_CAPS,
                "p, device.api=directsound, \
                 device.guid=\"{BD6DD71B-3DEB-11D1-B171-00C04FC20001}\", \
                 directsound.device.driver=\"{0.0.1.00000000}.{dd}\", \
                 directsound.device.description=\"Microphone (USB Audio)\"",
            ),
            published(
                ds,
                "Primary Sound Capture Driver",
                "Audio/Source",
                MIC_CAPS,
                "p, device.api=directsound, \
                 directsound.device.description=\"Primary Sound Capture Driver\"",
            ),
        ];
        assert_eq!(
            ids(&arrange(list)),
            [
                "directsound:default",
                "directsound:{BD6DD71B-3DEB-11D1-B171-00C04FC20001}"
            ]
        );
    }

    /// Media Foundation cameras: ids from the symbolic link, the two cameras of one USB device
    /// (colour and infrared) in one group, no default marker (provider order).
    #[test]
    fn media_foundation_cameras() {
        let mf = "mfdeviceprovider";
        let caps = "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1,\
                    pixel-aspect-ratio=1/1; video/x-raw,format=YUY2,width=640,height=480,\
                    framerate=30/1,pixel-aspect-ratio=1/1";
        let rgb = r"\\?\usb#vid_04f2&pid_b6dd&mi_00#6&1b2c3d4e&0&0000#{e5323777-f976-4f5b-9b55-b94699c46e44}\global";
        let ir = r"\\?\usb#vid_04f2&pid_b6dd&mi_02#6&1b2c3d4e&0&0002#{e5323777-f976-4f5b-9b55-b94699c46e44}\global";
        let other = r"\\?\usb#vid_046d&pid_082d&mi_00#7&2b2b2f4e&0&0000#{e5323777-f976-4f5b-9b55-b94699c46e44}\global";
        let cam = |name: &str, path: &str| {
            published(
                mf,
                name,
                "Source/Video",
                caps,
                &format!(
                    "p, device.api=mediafoundation, device.path=\"{}\", device.name=\"{name}\"",
                    path.replace('\\', "\\\\")
                ),
            )
        };
        let out = arrange(vec![
            cam("Integrated Camera", rgb),
            cam("Integrated IR Camera", ir),
            cam("HD Pro Webcam C920", other),
        ]);
        assert_eq!(
            ids(&out),
            [
                format!("mf:{rgb}"),
                format!("mf:{ir}"),
                format!("mf:{other}")
            ]
        );
        assert_eq!(out[0].info.group_id, "usb-vid_04f2&pid_b6dd-6&1b2c3d4e&0");
        assert_eq!(out[1].info.group_id, out[0].info.group_id);
        assert_eq!(out[2].info.group_id, "usb-vid_046d&pid_082d-7&2b2b2f4e&0");
        assert_eq!(out[0].info.facing_mode, None);
        assert_eq!(out[0].info.kind(), Kind::Video);
    }

    /// macOS: AVFoundation cameras by unique id (screens are not cameras), CoreAudio microphones
    /// by unique-id with `is-default` first.
    #[test]
    fn macos_cameras_and_microphones() {
        let avf = "avfdeviceprovider";
        let osx = "osxaudiodeviceprovider";
        // One structure per format and frame-rate range, also with GLMemory and IOSurface.
        let caps = "video/x-raw,format=NV12,width=1920,height=1080,framerate=[1/1,30/1]; \
                    video/x-raw(memory:GLMemory),format=UYVY,width=1920,height=1080,\
                    framerate=[1/1,30/1],texture-target=rectangle; \
                    video/x-raw(memory:IOSurface),format=NV12,width=1920,height=1080,\
                    framerate=[1/1,30/1]";
        let camera = published(
            avf,
            "FaceTime HD Camera",
            "Video/Source",
            caps,
            "p, device.api=avf, avf.unique_id=\"47B4B64B70674B9CAD2BAE273A71F4B5\", \
             avf.model_id=\"FaceTime HD Camera\", avf.has_flash=(boolean)false, \
             avf.has_torch=(boolean)false, avf.manufacturer=\"Apple Inc.\"",
        );
        assert_eq!(
            camera.entry.info.device_id,
            "avf:47B4B64B70674B9CAD2BAE273A71F4B5"
        );
        // Only the system-memory structure is a mode.
        assert_eq!(camera.entry.structures.len(), 1);
        // A screen, whatever its class says, is not a camera.
        for class in ["Source/Monitor", "Video/Source"] {
            assert!(
                try_published(
                    avf,
                    "Capture screen 0",
                    class,
                    caps,
                    "p, device.api=avf, avf.capture_screen=(boolean)true, avf.display_id=(uint)1"
                )
                .is_none()
            );
        }
        let mic = |name: &str, uid: &str, default: bool| {
            published(
                osx,
                name,
                "Audio/Source",
                MIC_CAPS,
                &format!("p, is-default=(boolean){default}, transport=usb, unique-id=\"{uid}\""),
            )
        };
        let out = arrange(vec![
            camera,
            mic("MacBook Pro Microphone", "BuiltInMicrophoneDevice", false),
            mic(
                "C920 Microphone",
                "AppleUSBAudioEngine:Logitech:C920:1A2B3C4D:3",
                true,
            ),
        ]);
        assert_eq!(
            ids(&out),
            [
                "avf:47B4B64B70674B9CAD2BAE273A71F4B5",
                "osxaudio:AppleUSBAudioEngine:Logitech:C920:1A2B3C4D:3",
                "osxaudio:BuiltInMicrophoneDevice"
            ]
        );
    }
}
