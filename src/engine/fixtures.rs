// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Fixture devices for the engine's unit tests, the integration tests, the benchmarks and the
//! fuzzers: one copy of the cameras of the selection rules' section E (Chromium's video test
//! fixture) and of Chromium's audio test microphones, the builders they are made of, and the
//! oracle both use: settings meet every required constraint. Not part of the element's
//! interface.

use super::{
    AudioCapture, AudioMode, AudioSettings, BoolConstraint, Capture, ConstraintSet, Device,
    EchoMode, NumConstraint, StrConstraint, ValueSet, VideoMode, VideoSettings,
};

/// A raw (YUY2) mode with fixed values.
pub fn raw(w: f64, h: f64, f: f64) -> VideoMode {
    VideoMode {
        width: ValueSet::Fixed(w),
        height: ValueSet::Fixed(h),
        frame_rate: ValueSet::Fixed(f),
        format: "YUY2".into(),
        compressed: false,
    }
}

/// The same mode as MJPEG (must be decoded).
pub fn mjpeg(w: f64, h: f64, f: f64) -> VideoMode {
    VideoMode {
        format: "image/jpeg".into(),
        compressed: true,
        ..raw(w, h, f)
    }
}

/// A camera labelled `"<id> label"`.
pub fn camera(id: &str, group: &str, facing: Option<&str>, modes: Vec<VideoMode>) -> Device {
    Device {
        device_id: id.into(),
        group_id: group.into(),
        label: format!("{id} label"),
        facing_mode: facing.map(Into::into),
        capture: Capture::Video(modes),
    }
}

/// An audio mode.
pub fn audio_mode(rate: ValueSet, channels: ValueSet, format: &str, bits: u32) -> AudioMode {
    AudioMode {
        sample_rate: rate,
        channel_count: channels,
        sample_size: bits,
        format: format.into(),
    }
}

/// A microphone labelled `"<id> label"` that does not cancel echo itself.
pub fn microphone(
    id: &str,
    group: &str,
    modes: Vec<AudioMode>,
    latency: ValueSet,
    default_latency: f64,
) -> Device {
    Device {
        device_id: id.into(),
        group_id: group.into(),
        label: format!("{id} label"),
        facing_mode: None,
        capture: Capture::Audio(AudioCapture {
            modes,
            latency,
            default_latency,
            system_echo_cancellation: false,
        }),
    }
}

/// The duration of `frames` at `rate`, truncated to whole microseconds as Chromium reports
/// buffer durations (C6.2).
pub fn frames(n: f64, rate: f64) -> f64 {
    (n * 1e6 / rate).trunc() / 1e6
}

/// A Chromium-style microphone: one S16 mode with fixed rate and channels, a buffer of `buffer`
/// frames.
pub fn simple_microphone(id: &str, group: &str, rate: f64, channels: f64, buffer: f64) -> Device {
    let latency = frames(buffer, rate);
    microphone(
        id,
        group,
        vec![audio_mode(
            ValueSet::Fixed(rate),
            ValueSet::Fixed(channels),
            "S16LE",
            16,
        )],
        ValueSet::Fixed(latency),
        latency,
    )
}

/// A continuous range (`step` 0) or a grid.
pub fn range(min: f64, max: f64, step: f64) -> ValueSet {
    ValueSet::Range { min, max, step }
}

/// The cameras of section E (Chromium's media_stream_constraints_util_video_device_test.cc),
/// in enumeration order: `fake_device_N` in `fake_groupN`.
pub fn section_e_cameras() -> Vec<Device> {
    let mut y16 = raw(640.0, 480.0, 30.0);
    y16.format = "Y16".into();
    vec![
        camera(
            "fake_device_1",
            "fake_group1",
            None,
            vec![
                raw(200.0, 200.0, 40.0),
                raw(500.0, 500.0, 40.0),
                raw(1000.0, 1000.0, 20.0),
            ],
        ),
        camera(
            "fake_device_2",
            "fake_group2",
            Some("environment"),
            vec![
                raw(40.0, 30.0, 20.0),
                raw(320.0, 240.0, 30.0),
                raw(640.0, 480.0, 30.0),
                raw(800.0, 600.0, 20.0),
            ],
        ),
        camera(
            "fake_device_3",
            "fake_group3",
            Some("user"),
            vec![
                raw(600.0, 400.0, 10.0),
                raw(640.0, 480.0, 10.0),
                raw(480.0, 640.0, 30.0),
                raw(640.0, 480.0, 30.0),
                raw(1280.0, 720.0, 60.0),
                raw(1920.0, 1080.0, 60.0),
                raw(2304.0, 1536.0, 10.0),
            ],
        ),
        camera(
            "fake_device_4",
            "fake_group4",
            Some("environment"),
            vec![y16],
        ),
        camera(
            "fake_device_5",
            "fake_group5",
            None,
            vec![raw(640.0, 480.0, 0.0), raw(500.0, 500.0, 0.1)],
        ),
    ]
}

/// The microphones of Chromium's media_stream_constraints_util_audio_test.cc (CR-AUDIO-TEST),
/// in enumeration order; the second cancels echo itself.
pub fn chromium_microphones() -> Vec<Device> {
    let mut system = simple_microphone(
        "system_echo_canceller_device",
        "fake_group2",
        44100.0,
        2.0,
        1000.0,
    );
    if let Capture::Audio(c) = &mut system.capture {
        c.system_echo_cancellation = true;
    }
    let stereo_44100 = audio_mode(ValueSet::Fixed(44100.0), ValueSet::Fixed(2.0), "S16LE", 16);
    vec![
        simple_microphone("default_device", "fake_group1", 44100.0, 2.0, 1000.0),
        system,
        simple_microphone("4_channels_device", "fake_group3", 44100.0, 4.0, 1000.0),
        simple_microphone(
            "8khz_sample_rate_device",
            "fake_group4",
            8000.0,
            2.0,
            1000.0,
        ),
        microphone(
            "variable_latency_device",
            "fake_group5",
            vec![stereo_44100],
            range(frames(128.0, 44100.0), frames(4096.0, 44100.0), 0.0),
            frames(512.0, 44100.0),
        ),
    ]
}

/// A camera whose modes are caps ranges and lists (a stepped range, and MJPEG sizes at two
/// rates), as v4l2src and libcamerasrc report them.
pub fn ranged_camera() -> Device {
    camera(
        "ranged_camera",
        "ranged_group",
        Some("user"),
        vec![
            VideoMode {
                width: range(160.0, 1920.0, 16.0),
                height: range(120.0, 1080.0, 8.0),
                frame_rate: range(1.0, 60.0, 0.0),
                format: "NV12".into(),
                compressed: false,
            },
            VideoMode {
                width: ValueSet::List(vec![640.0, 1280.0, 1920.0]),
                height: ValueSet::List(vec![480.0, 720.0, 1080.0]),
                frame_rate: ValueSet::List(vec![15.0, 30.0]),
                format: "image/jpeg".into(),
                compressed: true,
            },
        ],
    )
}

/// A microphone as pulsesrc reports one: every rate and channel count in a range.
pub fn pulse_microphone() -> Device {
    let mode = audio_mode(
        range(1.0, 384_000.0, 0.0),
        range(1.0, 32.0, 0.0),
        "S16LE",
        16,
    );
    microphone(
        "pulse_source",
        "pulse_group",
        vec![mode],
        range(0.0005, 2.0, 0.0),
        0.0005,
    )
}

/// Every fixture: the cameras of section E and Chromium's microphones interleaved (a camera
/// and a microphone share each group), then [`ranged_camera`] and [`pulse_microphone`].
pub fn all_devices() -> Vec<Device> {
    let mut out = Vec::new();
    for (camera, mic) in section_e_cameras().into_iter().zip(chromium_microphones()) {
        out.push(camera);
        out.push(mic);
    }
    out.push(ranged_camera());
    out.push(pulse_microphone());
    out
}

// ---------------------------------------------------------------------------------------------
// Oracles shared by the property tests and the fuzzers: settings never contradict a required
// constraint of the request that produced them.

/// Whether `v` meets the required bounds (min, max, exact) of `c`, within `slack`.
pub fn meets(c: &Option<NumConstraint>, v: f64, slack: f64) -> bool {
    match c.as_ref().and_then(NumConstraint::required_bounds) {
        Some((lo, hi)) => v >= lo - slack && v <= hi + slack,
        None => true,
    }
}

/// Whether `v` is in the exact list of `c`, when it has one.
pub fn listed(c: &Option<StrConstraint>, v: Option<&str>) -> bool {
    match c.as_ref().and_then(|c| c.exact.as_ref()) {
        Some(l) => v.is_some_and(|v| l.iter().any(|e| e == v)),
        None => true,
    }
}

/// Whether `v` is the exact value of `c`, when it has one.
pub fn exact_bool(c: &Option<BoolConstraint>, v: bool) -> bool {
    c.as_ref().and_then(|c| c.exact).is_none_or(|e| e == v)
}

/// The first required member of the basic set `b` that the audio settings do not meet.
pub fn unmet_audio(b: &ConstraintSet, s: &AudioSettings) -> Option<&'static str> {
    let echo = match b.echo_cancellation.as_ref().and_then(|c| c.exact.as_ref()) {
        // `true` is met by any mode that cancels echo; a named mode only by itself.
        Some(EchoMode::Bool(on)) => *on == s.echo_cancellation,
        Some(mode) => *mode == s.echo_cancellation_mode,
        None => true,
    };
    [
        ("deviceId", listed(&b.device_id, Some(&s.device_id))),
        ("groupId", listed(&b.group_id, Some(&s.group_id))),
        (
            "sampleRate",
            meets(&b.sample_rate, s.sample_rate.into(), 1e-6),
        ),
        (
            "sampleSize",
            meets(&b.sample_size, s.sample_size.into(), 1e-6),
        ),
        (
            "channelCount",
            meets(&b.channel_count, s.channel_count.into(), 1e-6),
        ),
        ("latency", meets(&b.latency, s.latency, 1e-6)),
        (
            "echoCancellation",
            echo && s.echo_cancellation == s.echo_cancellation_mode.is_on(),
        ),
        (
            "autoGainControl",
            exact_bool(&b.auto_gain_control, s.auto_gain_control),
        ),
        (
            "noiseSuppression",
            exact_bool(&b.noise_suppression, s.noise_suppression),
        ),
        (
            "voiceIsolation",
            exact_bool(&b.voice_isolation, s.voice_isolation),
        ),
    ]
    .into_iter()
    .find_map(|(name, ok)| (!ok).then_some(name))
}

/// The first required member of the basic set `b` that the video settings do not meet.
/// Integer sizes cannot hit every ratio: aspectRatio allows the rounding of C3/C4.
pub fn unmet_video(b: &ConstraintSet, s: &VideoSettings) -> Option<&'static str> {
    let (w, h) = (f64::from(s.width), f64::from(s.height));
    let rel = |v: f64| 1e-5 * v.abs().max(1.0);
    let ar_slack = rel(s.aspect_ratio) + s.aspect_ratio * (3.0 / w + 3.0 / h);
    [
        ("deviceId", listed(&b.device_id, Some(&s.device_id))),
        ("groupId", listed(&b.group_id, Some(&s.group_id))),
        (
            "facingMode",
            listed(&b.facing_mode, s.facing_mode.as_deref()),
        ),
        ("resizeMode", listed(&b.resize_mode, Some(&s.resize_mode))),
        ("width", meets(&b.width, w, rel(w))),
        ("height", meets(&b.height, h, rel(h))),
        (
            "aspectRatio",
            meets(&b.aspect_ratio, s.aspect_ratio, ar_slack),
        ),
        (
            "frameRate",
            meets(&b.frame_rate, s.frame_rate, rel(s.frame_rate)),
        ),
    ]
    .into_iter()
    .find_map(|(name, ok)| (!ok).then_some(name))
}
