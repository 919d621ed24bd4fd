// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Tests of audio selection: Chromium's audio test fixture, each constrainable property,
//! capture ranges, and properties over generated devices and constraints.

use proptest::prelude::*;

use super::*;
use crate::engine::parse::parse;
use crate::engine::{
    AudioMode, AudioSettings, BoolConstraint, ConstraintSet, EchoConstraint, EchoMode,
    NumConstraint, Range, StrConstraint, ValueSet,
};

use crate::engine::fixtures::{
    self, audio_mode as mode, frames, microphone as mic, raw, simple_microphone as simple_mic,
};

fn camera() -> Device {
    fixtures::camera("cam", "camgroup", None, vec![raw(640.0, 480.0, 30.0)])
}

/// The fixture of Chromium's media_stream_constraints_util_audio_test.cc (CR-AUDIO-TEST),
/// behind a camera so that plan indices are checked against the whole slice.
fn chromium_devices() -> Vec<Device> {
    let mut devices = fixtures::chromium_microphones();
    devices.insert(0, camera());
    devices
}

/// Chromium's environment: APM always there, with its playout reference.
const CHROMIUM: AudioEnvironment = AudioEnvironment {
    processing_available: true,
    echo_reference: true,
};
const NO_REFERENCE: AudioEnvironment = AudioEnvironment {
    processing_available: true,
    echo_reference: false,
};
const NO_DSP: AudioEnvironment = AudioEnvironment {
    processing_available: false,
    echo_reference: false,
};

fn audio_of(constraints: &str) -> TrackConstraints {
    let text = format!("{{audio: {constraints}}}");
    parse(&text).unwrap().audio.unwrap()
}

fn run(
    constraints: &str,
    devices: &[Device],
    env: &AudioEnvironment,
) -> Result<AudioPlan, MediaError> {
    select(&audio_of(constraints), devices, env)
}

fn pick(constraints: &str) -> AudioPlan {
    let devices = chromium_devices();
    run(constraints, &devices, &CHROMIUM).unwrap_or_else(|e| panic!("{constraints}: {e}"))
}

fn device_of(constraints: &str) -> String {
    pick(constraints).settings.device_id
}

fn fails(constraints: &str) -> String {
    let devices = chromium_devices();
    fails_on(constraints, &devices, &CHROMIUM)
}

fn fails_on(constraints: &str, devices: &[Device], env: &AudioEnvironment) -> String {
    match run(constraints, devices, env) {
        Err(MediaError::Overconstrained { constraint, .. }) => constraint,
        other => panic!("{constraints}: expected OverconstrainedError, got {other:?}"),
    }
}

#[test]
fn trace_reports_candidates_without_changing_the_choice() {
    let devices = chromium_devices();
    let tc = crate::engine::parse::parse("{audio: {sampleRate: {exact: 8000}}}")
        .unwrap()
        .audio
        .unwrap();
    let mut lines = Vec::new();
    let traced = select_traced(
        &tc,
        &devices,
        &CHROMIUM,
        Some(&mut |l: &str| lines.push(l.to_string())),
    );
    assert_eq!(traced, select(&tc, &devices, &CHROMIUM));
    assert!(
        lines.iter().any(|l| l.contains("rejected by sampleRate")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains("fitness")), "{lines:#?}");
}

#[test]
fn unconstrained_defaults() {
    let p = pick("true");
    assert_eq!(p.device, 1);
    assert_eq!(p.mode, 0);
    assert_eq!(p.path, AudioPath::Dsp);
    assert_eq!((p.native_sample_rate, p.native_channel_count), (44100, 2));
    assert_eq!((p.sample_rate, p.channel_count), (48000, 1));
    assert_eq!(p.latency, DSP_LATENCY);
    assert!(p.echo_cancellation && p.auto_gain_control && p.noise_suppression);
    assert_eq!(
        p.settings,
        AudioSettings {
            device_id: "default_device".into(),
            group_id: "fake_group1".into(),
            sample_rate: 48000,
            sample_size: 16,
            channel_count: 1,
            latency: 0.010,
            echo_cancellation: true,
            echo_cancellation_mode: EchoMode::Bool(true),
            auto_gain_control: true,
            noise_suppression: true,
            voice_isolation: false,
        }
    );
    let json = serde_json::to_value(&p.settings).unwrap();
    assert_eq!(json["echoCancellation"], true);
    assert_eq!(json["voiceIsolation"], false);
    for key in [
        "deviceId",
        "groupId",
        "sampleRate",
        "sampleSize",
        "channelCount",
        "latency",
        "echoCancellation",
        "autoGainControl",
        "noiseSuppression",
        "voiceIsolation",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
}

// E9.
#[test]
fn e9_exact_8khz_goes_through_the_no_dsp_path() {
    let p = pick("{sampleRate: {exact: 8000}}");
    assert_eq!(p.settings.device_id, "8khz_sample_rate_device");
    assert_eq!(p.path, AudioPath::ProcessedNoDsp);
    assert!(!p.settings.echo_cancellation);
    assert_eq!((p.sample_rate, p.channel_count), (8000, 2));
    assert_eq!((p.native_sample_rate, p.native_channel_count), (8000, 2));
    assert_eq!(p.latency, 0.125);
    assert!(!p.auto_gain_control && !p.noise_suppression);

    assert_eq!(device_of("{sampleRate: 8000}"), "8khz_sample_rate_device");
}

#[test]
fn e9_44100_with_echo_cancellation_is_overconstrained() {
    let only_default = vec![simple_mic("default_device", "g", 44100.0, 2.0, 1000.0)];
    let c = "{sampleRate: {exact: 44100}, echoCancellation: {exact: true}}";
    assert_eq!(fails_on(c, &only_default, &CHROMIUM), "sampleRate");
    // Without an echo reference the DSP path fails one step earlier.
    assert_eq!(
        fails_on(c, &only_default, &NO_REFERENCE),
        "echoCancellation"
    );
    // Each alone is fine.
    let p = run("{sampleRate: {exact: 44100}}", &only_default, &CHROMIUM).unwrap();
    assert_eq!(
        (p.path, p.settings.echo_cancellation),
        (AudioPath::ProcessedNoDsp, false)
    );
    let p = run(
        "{echoCancellation: {exact: true}}",
        &only_default,
        &CHROMIUM,
    )
    .unwrap();
    assert_eq!((p.path, p.settings.sample_rate), (AudioPath::Dsp, 48000));
}

// Chromium's SampleRate test.
#[test]
fn sample_rate() {
    assert_eq!(fails("{sampleRate: {exact: 11111}}"), "sampleRate");
    assert_eq!(device_of("{sampleRate: {min: 48000}}"), "default_device");
    assert_eq!(fails("{sampleRate: {min: 48001}}"), "sampleRate");
    assert_eq!(
        device_of("{sampleRate: {max: 8000}}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(fails("{sampleRate: {max: 7999}}"), "sampleRate");
    assert_eq!(
        device_of("{sampleRate: {min: 8000, max: 48000}}"),
        "default_device"
    );
    assert_eq!(fails("{sampleRate: {min: 7000, max: 7999}}"), "sampleRate");
    assert_eq!(
        fails("{sampleRate: {min: 48001, max: 49000}}"),
        "sampleRate"
    );
    assert_eq!(
        device_of("{sampleRate: {ideal: 8000}}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(device_of("{sampleRate: 49000}"), "default_device");
    // min > max is not a parse error but fails selection (C1.5).
    assert_eq!(fails("{sampleRate: {min: 48000, max: 8000}}"), "sampleRate");
    let p = pick("{sampleRate: {exact: 48000}}");
    assert_eq!(
        (p.path, p.settings.echo_cancellation),
        (AudioPath::Dsp, true)
    );
}

// Chromium's SampleSize test.
#[test]
fn sample_size() {
    for ok in [
        "{sampleSize: {exact: 16}}",
        "{sampleSize: {min: 16}}",
        "{sampleSize: {max: 16}}",
        "{sampleSize: {min: 10, max: 20}}",
        "{sampleSize: 16}",
        "{sampleSize: 0}",
    ] {
        assert_eq!(pick(ok).settings.sample_size, 16, "{ok}");
    }
    for bad in [
        "{sampleSize: {exact: 0}}",
        "{sampleSize: {min: 17}}",
        "{sampleSize: {max: 15}}",
        "{sampleSize: {min: -10, max: 10}}",
        "{sampleSize: {min: 20, max: 30}}",
    ] {
        assert_eq!(fails(bad), "sampleSize", "{bad}");
    }
}

// Chromium's Channels and MultiChannelEchoCancellation tests.
#[test]
fn channel_count() {
    for n in 1..=8 {
        let c = format!("{{channelCount: {{exact: {n}}}}}");
        match n {
            1 | 2 => assert_eq!(device_of(&c), "default_device"),
            4 => assert_eq!(device_of(&c), "4_channels_device"),
            _ => assert_eq!(fails(&c), "channelCount"),
        }
    }
    assert_eq!(fails("{channelCount: {min: 33}}"), "channelCount");
    assert_eq!(device_of("{channelCount: {min: 1}}"), "default_device");
    assert_eq!(fails("{channelCount: {max: 0}}"), "channelCount");
    assert_eq!(device_of("{channelCount: {max: 1}}"), "default_device");
    assert_eq!(
        device_of("{channelCount: {min: 1, max: 32}}"),
        "default_device"
    );
    assert_eq!(fails("{channelCount: {min: 33, max: 42}}"), "channelCount");

    let p = pick("{channelCount: {exact: 2}}");
    assert_eq!(
        (p.path, p.channel_count, p.settings.echo_cancellation),
        (AudioPath::Dsp, 2, true)
    );
    // C6.6: an ideal of 2 keeps the DSP (tie on fitness, echo cancellation wins).
    let p = pick("{channelCount: 2}");
    assert_eq!(
        (p.path, p.channel_count, p.settings.echo_cancellation),
        (AudioPath::Dsp, 2, true)
    );
    assert_eq!(p.settings.device_id, "default_device");
    let p = pick("{channelCount: 4}");
    assert_eq!(p.settings.device_id, "4_channels_device");
    assert_eq!(
        (p.path, p.channel_count, p.native_channel_count),
        (AudioPath::Dsp, 4, 4)
    );
    let p = pick("{deviceId: {exact: '4_channels_device'}}");
    assert_eq!((p.channel_count, p.native_channel_count), (1, 4));
}

// Chromium's Latency test and CheckLatencyConstraint.
#[test]
fn latency() {
    assert_eq!(
        device_of("{latency: {exact: 0.125}}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(device_of("{latency: {exact: 0.01}}"), "default_device");
    assert_eq!(fails("{latency: {exact: 0}}"), "latency");
    assert_eq!(
        device_of("{latency: {min: 0.125}}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(fails("{latency: {min: 0.126}}"), "latency");
    assert_eq!(device_of("{latency: {max: 0.1}}"), "default_device");
    assert_eq!(fails("{latency: {max: 0.001}}"), "latency");
    assert_eq!(
        device_of("{latency: {min: 0.1, max: 0.125}}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(fails("{latency: {min: 0.0001, max: 0.001}}"), "latency");
    assert_eq!(fails("{latency: {min: 0.126, max: 0.2}}"), "latency");
    assert_eq!(device_of("{latency: 0.125}"), "8khz_sample_rate_device");
    assert_eq!(device_of("{latency: 0}"), "default_device");

    // The variable-latency device's unprocessed path spans its hardware buffer range.
    let (lo, hi) = (frames(128.0, 44100.0), frames(4096.0, 44100.0));
    let base = "deviceId: {exact: 'variable_latency_device'}, echoCancellation: {exact: false}";
    assert_eq!(
        fails(&format!("{{{base}, latency: {{exact: 0}}}}")),
        "latency"
    );
    assert_eq!(
        fails(&format!("{{{base}, latency: {{min: {}}}}}", hi + 0.001)),
        "latency"
    );
    assert_eq!(
        fails(&format!("{{{base}, latency: {{max: {}}}}}", lo - 0.001)),
        "latency"
    );
    for (ideal, expected) in [(0.001, lo), (1.0, hi), (0.05, 0.05)] {
        let p = pick(&format!("{{{base}, latency: {ideal}}}"));
        assert_eq!(
            (p.path, p.latency),
            (AudioPath::Unprocessed, expected),
            "{ideal}"
        );
    }
    // Without a latency constraint the device runs at its default buffer.
    let p = pick(&format!("{{{base}}}"));
    assert_eq!(
        (p.path, p.latency),
        (AudioPath::Unprocessed, frames(512.0, 44100.0))
    );
}

// C6.6.
#[test]
fn ideals_that_switch_processing_off() {
    // sampleRate 44100 ideal: native paths score 1.0, the DSP 1 - d(48000, 44100).
    let p = pick("{sampleRate: 44100}");
    assert_eq!(p.settings.device_id, "default_device");
    assert_eq!(p.path, AudioPath::ProcessedNoDsp);
    assert!(!p.settings.echo_cancellation);
    // latency 0.02 ideal: the variable-latency device's range holds it exactly.
    let p = pick("{latency: 0.02}");
    assert_eq!(p.settings.device_id, "variable_latency_device");
    assert_eq!((p.path, p.latency), (AudioPath::Unprocessed, 0.02));
    assert!(!p.settings.echo_cancellation);
}

#[test]
fn echo_cancellation() {
    // Off: the unprocessed path ranks first once processing is off by default (C6.4).
    for c in [
        "{echoCancellation: {exact: false}}",
        "{echoCancellation: false}",
    ] {
        let p = pick(c);
        assert_eq!(p.settings.device_id, "default_device", "{c}");
        assert_eq!(p.path, AudioPath::Unprocessed, "{c}");
        assert!(!p.settings.echo_cancellation && !p.settings.auto_gain_control);
        assert!(!p.settings.noise_suppression);
        assert_eq!(
            (p.sample_rate, p.channel_count, p.settings.sample_size),
            (44100, 2, 16)
        );
    }
    for c in [
        "{echoCancellation: {exact: true}}",
        "{echoCancellation: true}",
    ] {
        let p = pick(c);
        assert_eq!(
            (p.settings.device_id.as_str(), p.path),
            ("default_device", AudioPath::Dsp)
        );
        assert!(p.echo_cancellation && p.settings.echo_cancellation);
    }
    let p = pick("{echoCancellation: {exact: 'remote-only'}}");
    assert_eq!(
        (p.settings.device_id.as_str(), p.path),
        ("default_device", AudioPath::Dsp)
    );
    assert!(p.echo_cancellation);
    // "all" needs a canceller that sees all system output: the platform's.
    for c in [
        "{echoCancellation: {exact: 'all'}}",
        "{echoCancellation: 'all'}",
    ] {
        let p = pick(c);
        assert_eq!(p.settings.device_id, "system_echo_canceller_device", "{c}");
        assert_eq!(p.path, AudioPath::Dsp);
        assert!(p.settings.echo_cancellation);
        assert!(!p.echo_cancellation, "webrtcdsp must not cancel again");
        assert!(p.auto_gain_control && p.noise_suppression);
    }
    // Unknown modes: required fails, ideal is ignored (as Chromium).
    assert_eq!(
        fails("{echoCancellation: {exact: 'sometimes'}}"),
        "echoCancellation"
    );
    assert_eq!(
        device_of("{echoCancellation: 'sometimes'}"),
        "default_device"
    );
    // A device that cancels echo itself cannot stop, nor cancel only the remote side.
    let devices = chromium_devices();
    let system = &devices[2..3];
    for c in [
        "{echoCancellation: {exact: false}}",
        "{echoCancellation: {exact: 'remote-only'}}",
    ] {
        assert_eq!(fails_on(c, system, &CHROMIUM), "echoCancellation", "{c}");
    }
    let p = run("{echoCancellation: false}", system, &CHROMIUM).unwrap();
    assert!(p.settings.echo_cancellation);
    let default = &devices[1..2];
    let c = "{echoCancellation: {exact: 'all'}}";
    assert_eq!(fails_on(c, default, &CHROMIUM), "echoCancellation");
}

#[test]
fn echo_cancellation_modes_are_reported() {
    let mode =
        |c: &str| serde_json::to_value(&pick(c).settings).unwrap()["echoCancellation"].clone();
    assert_eq!(mode("true"), true);
    assert_eq!(mode("{echoCancellation: false}"), false);
    assert_eq!(mode("{echoCancellation: 'remote-only'}"), "remote-only");
    assert_eq!(
        mode("{echoCancellation: {exact: 'remote-only'}}"),
        "remote-only"
    );
    assert_eq!(mode("{echoCancellation: {exact: 'all'}}"), "all");
    // The mode in settings is what the processing does: webrtcdsp cancels for remote-only.
    let p = pick("{echoCancellation: {exact: 'remote-only'}}");
    assert_eq!(
        p.settings.echo_cancellation_mode,
        EchoMode::Str("remote-only".into())
    );
    assert!(p.echo_cancellation && p.settings.echo_cancellation);

    let devices = chromium_devices();
    let caps = |i: usize, env: &AudioEnvironment| {
        let Capture::Audio(c) = &devices[i].capture else {
            unreachable!()
        };
        serde_json::to_value(capabilities(&devices[i], c, env)).unwrap()
    };
    let modes = |v: serde_json::Value| v["echoCancellation"].clone();
    assert_eq!(
        modes(caps(1, &CHROMIUM)),
        serde_json::json!([true, false, "remote-only"])
    );
    assert_eq!(modes(caps(2, &CHROMIUM)), serde_json::json!([true, "all"]));
    assert_eq!(modes(caps(1, &NO_REFERENCE)), serde_json::json!([false]));
    assert_eq!(modes(caps(1, &NO_DSP)), serde_json::json!([false]));
    assert_eq!(modes(caps(2, &NO_DSP)), serde_json::json!([true, "all"]));
    // Every listed value can be required of that device alone, and no other can.
    for (i, env) in [(1, CHROMIUM), (2, CHROMIUM), (1, NO_REFERENCE)] {
        let listed = modes(caps(i, &env));
        for value in ["true", "false", "'all'", "'remote-only'"] {
            let v: serde_json::Value = json5::from_str(value).unwrap();
            let c = format!("{{echoCancellation: {{exact: {value}}}}}");
            let ok = run(&c, &devices[i..i + 1], &env).is_ok();
            let is_listed = listed.as_array().unwrap().contains(&v);
            assert_eq!(ok, is_listed, "device {i} {env:?}: {c}");
        }
    }
}

#[test]
fn voice_isolation_is_never_available() {
    assert_eq!(fails("{voiceIsolation: {exact: true}}"), "voiceIsolation");
    assert_eq!(pick("{voiceIsolation: true}"), pick("true"));
    assert_eq!(pick("{voiceIsolation: {exact: false}}"), pick("true"));
    let p = pick("true");
    assert_eq!(p.capabilities.voice_isolation, vec![false]);
    assert!(!p.settings.voice_isolation);
    // An advanced set requiring it is skipped like any unsatisfiable one.
    assert_eq!(pick("{advanced: [{voiceIsolation: true}]}"), pick("true"));
}

#[test]
fn without_echo_reference() {
    let devices = chromium_devices();
    // Default: the DSP still runs gain control and noise suppression.
    let p = run("true", &devices, &NO_REFERENCE).unwrap();
    assert_eq!(
        (p.settings.device_id.as_str(), p.path),
        ("default_device", AudioPath::Dsp)
    );
    assert!(!p.settings.echo_cancellation && !p.echo_cancellation);
    assert!(p.settings.auto_gain_control && p.settings.noise_suppression);
    assert_eq!(p.capabilities.echo_cancellation, vec![false]);
    // Required echo cancellation: only the self-cancelling device qualifies.
    let p = run("{echoCancellation: {exact: true}}", &devices, &NO_REFERENCE).unwrap();
    assert_eq!(p.settings.device_id, "system_echo_canceller_device");
    assert!(p.settings.echo_cancellation);
    let mut no_system = devices.clone();
    no_system.remove(2);
    assert_eq!(
        fails_on(
            "{echoCancellation: {exact: true}}",
            &no_system,
            &NO_REFERENCE
        ),
        "echoCancellation"
    );
    assert_eq!(
        fails_on(
            "{echoCancellation: {exact: 'remote-only'}}",
            &no_system,
            &NO_REFERENCE
        ),
        "echoCancellation"
    );
    // An ideal that cannot be met keeps processing on, with echo cancellation off.
    let p = run("{echoCancellation: true}", &no_system, &NO_REFERENCE).unwrap();
    assert_eq!(p.path, AudioPath::Dsp);
    assert!(!p.settings.echo_cancellation && p.settings.noise_suppression);
    // Asking for it off switches the rest off too.
    let p = run("{echoCancellation: false}", &no_system, &NO_REFERENCE).unwrap();
    assert_eq!(p.path, AudioPath::Unprocessed);
    assert!(!p.settings.auto_gain_control && !p.settings.noise_suppression);
}

#[test]
fn without_processing() {
    let devices = chromium_devices();
    let p = run("true", &devices, &NO_DSP).unwrap();
    assert_eq!(
        (p.settings.device_id.as_str(), p.path),
        ("default_device", AudioPath::ProcessedNoDsp)
    );
    assert_eq!((p.sample_rate, p.channel_count), (44100, 2));
    assert!(!p.settings.auto_gain_control && !p.settings.noise_suppression);
    assert!(!p.settings.echo_cancellation);
    assert_eq!(
        fails_on("{autoGainControl: {exact: true}}", &devices, &NO_DSP),
        "autoGainControl"
    );
    assert_eq!(
        fails_on("{noiseSuppression: {exact: true}}", &devices, &NO_DSP),
        "noiseSuppression"
    );
    // The self-cancelling device still cancels.
    let p = run("{echoCancellation: {exact: true}}", &devices, &NO_DSP).unwrap();
    assert_eq!(p.settings.device_id, "system_echo_canceller_device");
    assert_eq!(p.path, AudioPath::ProcessedNoDsp);
    let caps = &p.capabilities;
    assert_eq!(
        (
            caps.auto_gain_control.clone(),
            caps.echo_cancellation.clone()
        ),
        (vec![false], vec![true])
    );
}

// Chromium's SingleBoolConstraint, for the W3C members.
#[test]
fn auto_gain_control_and_noise_suppression() {
    for value in [true, false] {
        for form in ["{name: {exact: V}}", "{name: V}", "{advanced: [{name: V}]}"] {
            for name in ["autoGainControl", "noiseSuppression"] {
                let c = form.replace("name", name).replace('V', &value.to_string());
                let p = pick(&c);
                let (this, other) = if name == "autoGainControl" {
                    (p.settings.auto_gain_control, p.settings.noise_suppression)
                } else {
                    (p.settings.noise_suppression, p.settings.auto_gain_control)
                };
                assert_eq!(this, value, "{c}");
                // The other properties keep their defaults.
                assert!(other && p.settings.echo_cancellation, "{c}");
                assert_eq!(
                    (p.settings.device_id.as_str(), p.path),
                    ("default_device", AudioPath::Dsp),
                    "{c}"
                );
            }
        }
    }
    // Processing without echo cancellation: only the DSP path can, defaults follow EC.
    let p = pick("{echoCancellation: {exact: false}, noiseSuppression: {exact: true}}");
    assert_eq!(p.path, AudioPath::Dsp);
    assert!(p.noise_suppression && !p.auto_gain_control && !p.echo_cancellation);
    let p = pick("{echoCancellation: false, autoGainControl: true}");
    assert_eq!(p.path, AudioPath::Dsp);
    assert!(p.auto_gain_control && !p.noise_suppression && !p.settings.echo_cancellation);
}

#[test]
fn device_and_group_id() {
    assert_eq!(
        device_of("{deviceId: {exact: '4_channels_device'}}"),
        "4_channels_device"
    );
    assert_eq!(
        device_of("{deviceId: {exact: ['nope', '8khz_sample_rate_device']}}"),
        "8khz_sample_rate_device"
    );
    // A bare deviceId is only an ideal (S5.6): it beats the default device...
    assert_eq!(
        device_of("{deviceId: '8khz_sample_rate_device'}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(
        device_of("{deviceId: ['x', '4_channels_device']}"),
        "4_channels_device"
    );
    // ...and a missing one falls back without error.
    assert_eq!(device_of("{deviceId: 'unplugged'}"), "default_device");
    assert_eq!(fails("{deviceId: {exact: 'unplugged'}}"), "deviceId");
    assert_eq!(
        device_of("{groupId: {exact: 'fake_group3'}}"),
        "4_channels_device"
    );
    assert_eq!(
        device_of("{groupId: 'fake_group4'}"),
        "8khz_sample_rate_device"
    );
    assert_eq!(fails("{groupId: {exact: 'fake_group9'}}"), "groupId");
    // Chromium names the last device's failure: here the last device's deviceId.
    let c = "{deviceId: {exact: '4_channels_device'}, groupId: {exact: 'fake_group1'}}";
    assert_eq!(fails(c), "deviceId");
    let only = [simple_mic(
        "4_channels_device",
        "fake_group3",
        44100.0,
        4.0,
        1000.0,
    )];
    assert_eq!(fails_on(c, &only, &CHROMIUM), "groupId");
    // Camera ids are not microphone ids.
    assert_eq!(fails("{deviceId: {exact: 'cam'}}"), "deviceId");
}

#[test]
fn advanced_sets() {
    // Bare values are exact in advanced sets and narrow all candidates.
    assert_eq!(
        device_of("{advanced: [{sampleRate: 8000}]}"),
        "8khz_sample_rate_device"
    );
    // Unsatisfiable sets are skipped, later ones still apply.
    assert_eq!(
        device_of("{advanced: [{deviceId: 'nope'}, {channelCount: 4}, {sampleRate: 8000}]}"),
        "4_channels_device"
    );
    assert_eq!(
        device_of("{advanced: [{sampleRate: 11111}]}"),
        "default_device"
    );
    // They only choose among what the basic set allows.
    assert_eq!(
        device_of("{echoCancellation: {exact: true}, advanced: [{sampleRate: 8000}]}"),
        "default_device"
    );
    // Advanced sets narrow paths too: echo cancellation off for the default device.
    let p = pick("{advanced: [{echoCancellation: false}]}");
    assert_eq!(
        (p.settings.device_id.as_str(), p.path),
        ("default_device", AudioPath::Unprocessed)
    );
    // Fitness uses only the basic set's ideals; ideals in advanced sets are ignored.
    let tc = TrackConstraints {
        basic: ConstraintSet::default(),
        advanced: vec![ConstraintSet {
            sample_rate: Some(NumConstraint {
                ideal: Some(8000.0),
                ..Default::default()
            }),
            ..Default::default()
        }],
    };
    let p = select(&tc, &chromium_devices(), &CHROMIUM).unwrap();
    assert_eq!(p.settings.device_id, "default_device");
}

#[test]
fn failure_names_and_messages() {
    // The last path of the last device names the failure (C6.3): for
    // the variable-latency device the DSP path rejects the 8 kHz rate.
    assert_eq!(
        fails("{sampleRate: {exact: 8000}, channelCount: {exact: 1}}"),
        "sampleRate"
    );
    assert_eq!(
        fails("{channelCount: {exact: 3}, sampleRate: {exact: 8000}}"),
        "channelCount"
    );
    // Device-level checks come first for each device.
    assert_eq!(
        fails("{deviceId: {exact: 'default_device'}, channelCount: {exact: 3}}"),
        "deviceId"
    );
    let devices = chromium_devices();
    let Err(e) = run(
        "{sampleRate: {exact: 11111}, echoCancellation: {exact: true}}",
        &devices,
        &CHROMIUM,
    ) else {
        panic!("expected an error");
    };
    assert_eq!(e.name(), "OverconstrainedError");
    assert_eq!(e.constraint(), Some("sampleRate"));
    let m = e.message();
    for needle in [
        "sampleRate: {exact: 11111}",
        "echoCancellation: {exact: true}",
        "sampleRate cannot be met",
        "voice processing: webrtcdsp, with an echo reference",
        "\"default_device label\" (default_device)",
        "(8khz_sample_rate_device): sampleRate 8000 (48000 processed)",
        "channelCount 4 (1 processed)",
        "latency 0.002902-0.092879 s (default 0.011609; 0.01 processed)",
        "echoCancellation true/false",
        "(system_echo_canceller_device)",
    ] {
        assert!(m.contains(needle), "{m}\nlacks {needle:?}");
    }
    assert!(!m.contains("cam"), "{m}");
}

#[test]
fn not_found() {
    let tc = TrackConstraints::default();
    for devices in [vec![], vec![camera()]] {
        match select(&tc, &devices, &CHROMIUM) {
            Err(MediaError::NotFound { message }) => assert!(message.contains("microphone")),
            other => panic!("{other:?}"),
        }
    }
    // A microphone without usable modes is no microphone.
    let broken = mic("m", "g", vec![], ValueSet::Fixed(0.01), 0.01);
    assert!(matches!(
        select(&tc, &[broken], &CHROMIUM),
        Err(MediaError::NotFound { .. })
    ));
    let broken = mic(
        "m",
        "g",
        vec![mode(
            ValueSet::List(vec![]),
            ValueSet::Fixed(1.0),
            "S16LE",
            16,
        )],
        ValueSet::Fixed(0.01),
        0.01,
    );
    assert!(matches!(
        select(&tc, &[broken], &CHROMIUM),
        Err(MediaError::NotFound { .. })
    ));
}

#[test]
fn video_members_are_ignored() {
    // S1.7 removes them before S1.8: not even a required backgroundBlur is an error here.
    let p = pick(
        "{width: {exact: 1}, frameRate: {min: 1000}, facingMode: {exact: 'user'},
          resizeMode: {exact: 'none'}, backgroundBlur: {exact: true}, aspectRatio: {exact: 3}}",
    );
    assert_eq!(p.settings.device_id, "default_device");
}

/// What pulsesrc reports: every format with rate=[1, 384000], channels=[1, 32].
fn pulse_like() -> Device {
    let range = |min, max| ValueSet::Range {
        min,
        max,
        step: 0.0,
    };
    mic(
        "pulse",
        "pg",
        vec![
            mode(range(1.0, 384000.0), range(1.0, 32.0), "F32LE", 32),
            mode(range(1.0, 384000.0), range(1.0, 32.0), "S16LE", 16),
            mode(range(1.0, 384000.0), range(1.0, 32.0), "S24LE", 24),
        ],
        ValueSet::Range {
            min: 0.001,
            max: 2.0,
            step: 0.0,
        },
        0.02,
    )
}

#[test]
fn range_devices() {
    let devices = [pulse_like()];
    let go = |c: &str, env: &AudioEnvironment| {
        run(c, &devices, env).unwrap_or_else(|e| panic!("{c}: {e}"))
    };
    let p = go("true", &CHROMIUM);
    assert_eq!((p.path, p.mode), (AudioPath::Dsp, 1), "S16LE wins the tie");
    assert_eq!((p.native_sample_rate, p.native_channel_count), (48000, 1));
    let p = go("true", &NO_DSP);
    assert_eq!((p.path, p.mode), (AudioPath::ProcessedNoDsp, 1));
    assert_eq!(
        (p.sample_rate, p.channel_count, p.latency),
        (48000, 1, 0.02)
    );

    let p = go("{sampleRate: {exact: 8000}}", &CHROMIUM);
    assert_eq!(
        (p.path, p.mode, p.native_sample_rate, p.sample_rate),
        (AudioPath::ProcessedNoDsp, 1, 8000, 8000)
    );
    let p = go(
        "{sampleRate: {exact: 96000}, channelCount: {exact: 6}}",
        &CHROMIUM,
    );
    assert_eq!(
        (p.sample_rate, p.channel_count, p.native_channel_count),
        (96000, 6, 6)
    );
    let p = go("{sampleSize: {exact: 32}}", &CHROMIUM);
    assert_eq!(
        (p.path, p.mode, p.settings.sample_size),
        (AudioPath::ProcessedNoDsp, 0, 32)
    );
    let p = go("{sampleSize: 24}", &CHROMIUM);
    assert_eq!((p.mode, p.settings.sample_size), (2, 24));
    // An ideal rate opens the device at that rate, without the DSP (C6.6).
    let p = go("{sampleRate: 44100}", &CHROMIUM);
    assert_eq!(
        (p.path, p.native_sample_rate),
        (AudioPath::ProcessedNoDsp, 44100)
    );
    let p = go("{sampleRate: 1000000}", &CHROMIUM);
    assert_eq!(p.sample_rate, 384000);
    // Channel ideals: the DSP delivers any native count, so it keeps echo cancellation.
    let p = go("{channelCount: 2}", &CHROMIUM);
    assert_eq!(
        (p.path, p.channel_count, p.native_channel_count),
        (AudioPath::Dsp, 2, 2)
    );
    let p = go("{channelCount: 64}", &NO_REFERENCE);
    assert_eq!((p.path, p.channel_count), (AudioPath::Dsp, 32));
    // Latency is configurable on the unprocessed path.
    let p = go("{latency: {exact: 0.5}}", &CHROMIUM);
    assert_eq!((p.path, p.latency), (AudioPath::Unprocessed, 0.5));
    assert_eq!(
        fails_on("{latency: {max: 0.0005}}", &devices, &CHROMIUM),
        "latency"
    );
    let caps = go("true", &CHROMIUM).capabilities;
    assert_eq!(
        caps.sample_rate,
        Range {
            min: 1.0,
            max: 384000.0
        }
    );
    assert_eq!(
        caps.channel_count,
        Range {
            min: 1.0,
            max: 32.0
        }
    );
    assert_eq!(
        caps.sample_size,
        Range {
            min: 16.0,
            max: 32.0
        }
    );
    assert_eq!(
        caps.latency,
        Range {
            min: 0.001,
            max: 2.0
        }
    );
}

// Found by the select fuzz target: an unstepped rate range starting at -1e300 is a grid
// of integers anchored where f64 cannot count by one, and narrowing it to an exact rate
// used to leave 0, delivered as the "exact" 44100.
#[test]
fn far_anchored_grid_still_meets_the_constraint() {
    let devices = [mic(
        "far",
        "g",
        vec![mode(
            ValueSet::Range {
                min: -1e300,
                max: 48000.0,
                step: 0.0,
            },
            ValueSet::Fixed(2.0),
            "S16LE",
            16,
        )],
        ValueSet::Fixed(0.02),
        0.02,
    )];
    let p = run("{sampleRate: {exact: 44100}}", &devices, &CHROMIUM).unwrap();
    assert_eq!((p.sample_rate, p.native_sample_rate), (44100, 44100));
    // Contradictory bounds stay unsatisfiable however the grid is anchored.
    assert_eq!(
        fails_on(
            "{sampleRate: {min: 24940, exact: 14958}}",
            &devices,
            &CHROMIUM
        ),
        "sampleRate"
    );
    // A latency grid of 1e11 steps anchored at -1e300: `min + k * step` cannot land
    // between 0 and 1e289, so narrowing used to return 0 for a minimum of 0.5.
    let devices = [mic(
        "far",
        "g",
        vec![mode(
            ValueSet::Fixed(48000.0),
            ValueSet::Fixed(1.0),
            "S16LE",
            16,
        )],
        ValueSet::Range {
            min: -1e300,
            max: 1e4,
            step: 1e289,
        },
        0.02,
    )];
    match run("{latency: {min: 0.5}}", &devices, &NO_DSP) {
        Ok(p) => assert!(p.latency >= 0.5, "{}", p.latency),
        Err(e) => assert_eq!(e.constraint(), Some("latency"), "{e}"),
    }
}

#[test]
fn stepped_and_listed_values() {
    let devices = [mic(
        "m",
        "g",
        vec![mode(
            ValueSet::Range {
                min: 8000.0,
                max: 50000.0,
                step: 8000.0,
            },
            ValueSet::List(vec![2.0, 6.0]),
            "S16LE",
            16,
        )],
        ValueSet::List(vec![0.005, 0.02]),
        0.02,
    )];
    let go = |c: &str| run(c, &devices, &CHROMIUM).unwrap_or_else(|e| panic!("{c}: {e}"));
    assert_eq!(
        fails_on("{sampleRate: {exact: 12000}}", &devices, &CHROMIUM),
        "sampleRate"
    );
    assert_eq!(go("{sampleRate: {exact: 16000}}").sample_rate, 16000);
    assert_eq!(go("{sampleRate: {min: 41000}}").sample_rate, 48000);
    assert_eq!(
        fails_on("{sampleRate: {min: 48001}}", &devices, &CHROMIUM),
        "sampleRate"
    );
    assert_eq!(go("{sampleRate: {max: 12000}}").sample_rate, 8000);
    // Ideal between grid points: the nearer in fitness distance.
    assert_eq!(go("{sampleRate: 21000}").sample_rate, 24000);
    assert_eq!(
        go("{sampleRate: 19000, echoCancellation: false}").sample_rate,
        16000
    );
    // Default opening rate for the DSP: the grid point nearest 48 kHz.
    let p = go("true");
    assert_eq!(
        (p.path, p.native_sample_rate, p.native_channel_count),
        (AudioPath::Dsp, 48000, 2)
    );
    let p = go("{channelCount: {exact: 6}}");
    assert_eq!(
        (p.path, p.channel_count, p.native_channel_count),
        (AudioPath::Dsp, 6, 6)
    );
    assert_eq!(
        fails_on("{channelCount: {exact: 4}}", &devices, &CHROMIUM),
        "channelCount"
    );
    // The unprocessed path offers the listed latencies.
    let p = go("{latency: {exact: 0.005}}");
    assert_eq!((p.path, p.latency), (AudioPath::Unprocessed, 0.005));
    let p = go("{latency: 0.006, echoCancellation: false}");
    assert_eq!(p.latency, 0.005);
}

#[test]
fn format_and_mode_order() {
    // Equal modes: list order, S16LE preferred.
    let m = |f: &str, bits| mode(ValueSet::Fixed(48000.0), ValueSet::Fixed(2.0), f, bits);
    let devices = [mic(
        "m",
        "g",
        vec![m("F32LE", 32), m("S16LE", 16), m("S16LE", 16)],
        ValueSet::Fixed(0.01),
        0.01,
    )];
    for env in [&CHROMIUM, &NO_DSP] {
        assert_eq!(run("true", &devices, env).unwrap().mode, 1);
    }
    let p = run("{echoCancellation: false}", &devices, &CHROMIUM).unwrap();
    assert_eq!((p.mode, p.path), (1, AudioPath::Unprocessed));
    let devices = [mic(
        "m",
        "g",
        vec![m("F32LE", 32), m("S32LE", 32)],
        ValueSet::Fixed(0.01),
        0.01,
    )];
    assert_eq!(
        run("{echoCancellation: false}", &devices, &CHROMIUM)
            .unwrap()
            .mode,
        0
    );
    // A better fitting mode wins over the preferred format.
    let devices = [mic(
        "m",
        "g",
        vec![
            m("S16LE", 16),
            mode(ValueSet::Fixed(44100.0), ValueSet::Fixed(2.0), "F32LE", 32),
        ],
        ValueSet::Fixed(0.01),
        0.01,
    )];
    let p = run("{sampleRate: 44100}", &devices, &CHROMIUM).unwrap();
    assert_eq!((p.mode, p.settings.sample_size), (1, 32));
}

#[test]
fn capabilities_of_the_chosen_device() {
    let p = pick("true");
    let caps = &p.capabilities;
    assert_eq!(
        (caps.device_id.as_str(), caps.group_id.as_str()),
        ("default_device", "fake_group1")
    );
    assert_eq!(
        caps.sample_rate,
        Range {
            min: 44100.0,
            max: 48000.0
        }
    );
    assert_eq!(
        caps.sample_size,
        Range {
            min: 16.0,
            max: 16.0
        }
    );
    assert_eq!(caps.channel_count, Range { min: 1.0, max: 2.0 });
    assert_eq!(
        caps.latency,
        Range {
            min: 0.01,
            max: frames(1000.0, 44100.0)
        }
    );
    assert_eq!(caps.echo_cancellation, vec![true, false]);
    assert_eq!(caps.auto_gain_control, vec![true, false]);
    assert_eq!(caps.noise_suppression, vec![true, false]);
    let json = serde_json::to_value(caps).unwrap();
    assert_eq!(
        json["sampleRate"],
        serde_json::json!({"min": 44100, "max": 48000})
    );
    let p = pick("{sampleRate: {exact: 8000}}");
    assert_eq!(
        p.capabilities.sample_rate,
        Range {
            min: 8000.0,
            max: 48000.0
        }
    );
    assert_eq!(
        p.capabilities.latency,
        Range {
            min: 0.01,
            max: 0.125
        }
    );
}

#[test]
fn through_the_engine() {
    let devices = chromium_devices();
    let c = parse("{audio: {sampleRate: {exact: 8000}}, video: false}").unwrap();
    let s = crate::engine::select(&c, &devices, &CHROMIUM).unwrap();
    assert_eq!(
        s.audio.unwrap().settings.device_id,
        "8khz_sample_rate_device"
    );
    assert!(s.video.is_none());
}

// Property tests.

fn arb_values(common: &'static [f64], integral: bool, lo: f64, hi: f64) -> BoxedStrategy<ValueSet> {
    let v = move || {
        let any = if integral {
            (lo as i64..=hi as i64).prop_map(|v| v as f64).boxed()
        } else {
            (lo..hi).boxed()
        };
        prop_oneof![prop::sample::select(common), any].boxed()
    };
    prop_oneof![
        v().prop_map(ValueSet::Fixed),
        prop::collection::vec(v(), 0..4).prop_map(ValueSet::List),
        (v(), v(), prop_oneof![Just(0.0), v()]).prop_map(|(a, b, step)| ValueSet::Range {
            min: a.min(b),
            max: a.max(b),
            step,
        }),
    ]
    .boxed()
}

fn arb_mode() -> impl Strategy<Value = AudioMode> {
    (
        arb_values(&[8000.0, 16000.0, 44100.0, 48000.0], true, 1.0, 200_000.0),
        arb_values(&[1.0, 2.0], true, 1.0, 8.0),
        prop_oneof![Just(("S16LE", 16)), Just(("F32LE", 32)), Just(("U8", 8))],
    )
        .prop_map(|(rate, channels, (format, bits))| mode(rate, channels, format, bits))
}

fn arb_device(i: usize) -> impl Strategy<Value = Device> {
    (
        prop::collection::vec(arb_mode(), 1..3),
        arb_values(&[0.01, 0.02], false, 0.0, 0.2),
        0.0f64..0.2,
        any::<bool>(),
        0..3usize,
    )
        .prop_map(move |(modes, latency, default, system, group)| {
            let mut d = mic(
                &format!("m{i}"),
                &format!("g{group}"),
                modes,
                latency,
                default,
            );
            if let Capture::Audio(c) = &mut d.capture {
                c.system_echo_cancellation = system;
            }
            d
        })
}

pub(crate) fn arb_devices() -> impl Strategy<Value = Vec<Device>> {
    (1..4usize)
        .prop_flat_map(|n| (0..n).map(arb_device).collect::<Vec<_>>())
        .prop_map(|mut v| {
            v.insert(0, camera());
            v
        })
}

// Members are present with probability MEMBER, required parts with REQUIRED, so that a
// fair share of the generated requests can be met.
const MEMBER: f64 = 0.25;
const REQUIRED: f64 = 0.3;

fn arb_num(
    values: &'static [f64],
    lo: f64,
    hi: f64,
) -> impl Strategy<Value = Option<NumConstraint>> {
    let v = move |p| {
        prop::option::weighted(
            p,
            prop_oneof![
                prop::sample::select(values),
                lo..hi,
                (lo as i64..=hi as i64).prop_map(|v| v as f64)
            ],
        )
    };
    prop::option::weighted(
        MEMBER,
        (v(REQUIRED), v(REQUIRED), v(REQUIRED / 2.0), v(0.5)).prop_map(
            |(min, max, exact, ideal)| NumConstraint {
                min,
                max,
                exact,
                ideal,
            },
        ),
    )
}

fn arb_bool() -> impl Strategy<Value = Option<BoolConstraint>> {
    prop::option::weighted(
        MEMBER,
        (
            prop::option::weighted(REQUIRED, any::<bool>()),
            prop::option::of(any::<bool>()),
        )
            .prop_map(|(exact, ideal)| BoolConstraint { exact, ideal }),
    )
}

fn arb_ids(prefix: &'static str) -> impl Strategy<Value = Option<StrConstraint>> {
    let list = move |p| {
        prop::option::weighted(
            p,
            prop::collection::vec((0..5usize).prop_map(move |i| format!("{prefix}{i}")), 1..3),
        )
    };
    prop::option::weighted(
        MEMBER,
        (list(REQUIRED), list(0.5)).prop_map(|(exact, ideal)| StrConstraint { exact, ideal }),
    )
}

fn arb_echo() -> impl Strategy<Value = Option<EchoConstraint>> {
    let mode = |p| {
        prop::option::weighted(
            p,
            prop_oneof![
                4 => any::<bool>().prop_map(EchoMode::Bool),
                1 => Just(EchoMode::Str("all".into())),
                1 => Just(EchoMode::Str("remote-only".into())),
                1 => Just(EchoMode::Str("bogus".into())),
            ],
        )
    };
    prop::option::weighted(
        MEMBER,
        (mode(REQUIRED), mode(0.5)).prop_map(|(exact, ideal)| EchoConstraint { exact, ideal }),
    )
}

pub(crate) fn arb_set() -> impl Strategy<Value = ConstraintSet> {
    (
        arb_num(&[8000.0, 16000.0, 44100.0, 48000.0], 0.0, 100_000.0),
        arb_num(&[8.0, 16.0, 32.0], 0.0, 40.0),
        arb_num(&[1.0, 2.0], 0.0, 10.0),
        arb_num(&[0.01, 0.02], 0.0, 0.3),
        arb_echo(),
        arb_bool(),
        arb_bool(),
        arb_ids("m"),
        arb_ids("g"),
        arb_bool(),
    )
        .prop_map(
            |(
                sample_rate,
                sample_size,
                channel_count,
                latency,
                echo_cancellation,
                agc,
                ns,
                device_id,
                group_id,
                voice_isolation,
            )| {
                ConstraintSet {
                    sample_rate,
                    sample_size,
                    channel_count,
                    latency,
                    echo_cancellation,
                    auto_gain_control: agc,
                    noise_suppression: ns,
                    device_id,
                    group_id,
                    voice_isolation,
                    ..Default::default()
                }
            },
        )
}

pub(crate) fn arb_env() -> impl Strategy<Value = AudioEnvironment> {
    (any::<bool>(), any::<bool>()).prop_map(|(processing_available, echo_reference)| {
        AudioEnvironment {
            processing_available,
            echo_reference,
        }
    })
}

fn names(set: &ConstraintSet) -> Vec<&'static str> {
    let mut n = Vec::new();
    let num = |c: &Option<NumConstraint>| c.as_ref().is_some_and(|c| c.is_required());
    let s = |c: &Option<StrConstraint>| c.as_ref().is_some_and(|c| c.is_required());
    let b = |c: &Option<BoolConstraint>| c.as_ref().is_some_and(|c| c.is_required());
    for (name, required) in [
        ("sampleRate", num(&set.sample_rate)),
        ("sampleSize", num(&set.sample_size)),
        ("channelCount", num(&set.channel_count)),
        ("latency", num(&set.latency)),
        ("deviceId", s(&set.device_id)),
        ("groupId", s(&set.group_id)),
        ("autoGainControl", b(&set.auto_gain_control)),
        ("noiseSuppression", b(&set.noise_suppression)),
        ("voiceIsolation", b(&set.voice_isolation)),
        (
            "echoCancellation",
            set.echo_cancellation
                .as_ref()
                .is_some_and(|c| c.is_required()),
        ),
    ] {
        if required {
            n.push(name);
        }
    }
    n
}

fn hostile_f64() -> BoxedStrategy<f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        Just(1e300),
        -10.0..10.0f64,
    ]
    .boxed()
}

fn hostile_values() -> impl Strategy<Value = ValueSet> {
    prop_oneof![
        hostile_f64().prop_map(ValueSet::Fixed),
        prop::collection::vec(hostile_f64(), 0..4).prop_map(ValueSet::List),
        (hostile_f64(), hostile_f64(), hostile_f64())
            .prop_map(|(min, max, step)| ValueSet::Range { min, max, step }),
    ]
}

fn hostile_device() -> impl Strategy<Value = Device> {
    (
        prop::collection::vec(
            (
                hostile_values(),
                hostile_values(),
                any::<u32>(),
                "[A-Z0-9]{0,6}",
            )
                .prop_map(|(r, c, bits, f)| mode(r, c, &f, bits)),
            0..3,
        ),
        hostile_values(),
        hostile_f64(),
        any::<bool>(),
    )
        .prop_map(|(modes, latency, default, system)| {
            let mut d = mic("h", "g", modes, latency, default);
            if let Capture::Audio(c) = &mut d.capture {
                c.system_echo_cancellation = system;
            }
            d
        })
}

fn hostile_num() -> impl Strategy<Value = Option<NumConstraint>> {
    let v = || prop::option::of(hostile_f64());
    prop::option::of(
        (v(), v(), v(), v()).prop_map(|(min, max, exact, ideal)| NumConstraint {
            min,
            max,
            exact,
            ideal,
        }),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_hostile_input(
        devices in prop::collection::vec(hostile_device(), 0..3),
        rate in hostile_num(),
        channels in hostile_num(),
        latency in hostile_num(),
        size in hostile_num(),
        advanced in prop::collection::vec(arb_set(), 0..2),
        env in arb_env(),
    ) {
        let basic = ConstraintSet {
            sample_rate: rate,
            channel_count: channels,
            latency,
            sample_size: size,
            ..Default::default()
        };
        let _ = select(&TrackConstraints { basic, advanced }, &devices, &env);
    }

    #[test]
    fn results_satisfy_the_basic_set(
        basic in arb_set(),
        advanced in prop::collection::vec(arb_set(), 0..3),
        devices in arb_devices(),
        env in arb_env(),
    ) {
        let tc = TrackConstraints { basic, advanced };
        match select(&tc, &devices, &env) {
            Ok(p) => {
                let b = &tc.basic;
                let s = &p.settings;
                let device = &devices[p.device];
                let Capture::Audio(capture) = &device.capture else {
                    panic!("not a microphone");
                };
                prop_assert_eq!(&s.device_id, &device.device_id);
                prop_assert_eq!(&s.group_id, &device.group_id);
                crate::engine::tests::audio_settings_meet(b, s)?;
                // What is opened is a native value of the mode.
                let mode = &capture.modes[p.mode];
                prop_assert!(mode.sample_rate.contains(p.native_sample_rate as f64));
                prop_assert!(mode.channel_count.contains(p.native_channel_count as f64));
                match p.path {
                    AudioPath::Dsp => {
                        prop_assert!(env.processing_available);
                        prop_assert_eq!((s.sample_rate, s.sample_size), (48000, 16));
                        prop_assert!(s.channel_count == 1 || mode.channel_count.contains(s.channel_count as f64));
                    }
                    _ => {
                        prop_assert_eq!(s.sample_rate, p.native_sample_rate);
                        prop_assert_eq!(s.channel_count, p.native_channel_count);
                        prop_assert_eq!(s.sample_size, mode.sample_size);
                        prop_assert!(!s.auto_gain_control && !s.noise_suppression);
                        prop_assert!(!p.echo_cancellation);
                    }
                }
                prop_assert_eq!(s.echo_cancellation, capture.system_echo_cancellation || p.echo_cancellation);
                prop_assert!(!p.echo_cancellation || env.echo_reference);
                prop_assert!(p.capabilities.echo_cancellation.contains(&s.echo_cancellation));
                let within = |r: &Range, v: f64| v >= r.min - 1e-9 && v <= r.max + 1e-9;
                prop_assert!(within(&p.capabilities.sample_rate, s.sample_rate as f64));
                prop_assert!(within(&p.capabilities.channel_count, s.channel_count as f64));
                prop_assert!(within(&p.capabilities.latency, s.latency));
            }
            Err(MediaError::Overconstrained { constraint, message }) => {
                prop_assert!(names(&tc.basic).contains(&constraint.as_str()), "{} {}", constraint, message);
            }
            Err(MediaError::NotFound { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }
}
