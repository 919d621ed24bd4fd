// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Tests of the engine as a whole: both kinds together, and the device-choice rule.

use super::parse::parse;
use super::*;

fn track(text: &str) -> TrackConstraints {
    parse(&format!("{{video: {text}}}")).unwrap().video.unwrap()
}

#[test]
fn audio_is_selected_before_video() {
    let mut devices = fixtures::section_e_cameras();
    devices.extend(fixtures::chromium_microphones());
    let env = AudioEnvironment::default();
    let both = parse("{video: {width: {min: 5000}}, audio: {channelCount: {exact: 6}}}").unwrap();
    let e = select(&both, &devices, &env).unwrap_err();
    assert_eq!(e.constraint(), Some("channelCount"), "{e}");
    // Each alone fails on its own constraint, so the order alone decides the name.
    let video = parse("{video: {width: {min: 5000}}}").unwrap();
    let e = select(&video, &devices, &env).unwrap_err();
    assert_eq!(e.constraint(), Some("width"));
    // The trace lists every audio candidate before the first video one.
    let ok = parse("{video: true, audio: true}").unwrap();
    let mut lines = Vec::new();
    select_traced(
        &ok,
        &devices,
        &env,
        Some(&mut |l: &str| lines.push(l.to_string())),
    )
    .unwrap();
    let is_audio = |l: &String| l.contains("Unprocessed") || l.contains("Dsp");
    let audio = lines.iter().filter(|l| is_audio(l)).count();
    assert!(audio > 0 && audio < lines.len(), "{lines:#?}");
    assert!(lines[..audio].iter().all(is_audio), "{lines:#?}");
}

#[test]
fn device_choice_changes_with_device_id_group_id_and_facing_mode() {
    let base = track("{width: 640, deviceId: 'a', advanced: [{facingMode: 'user'}]}");
    for (text, changed) in [
        (
            "{width: 1280, deviceId: 'a', advanced: [{facingMode: 'user'}]}",
            false,
        ),
        (
            "{width: 640, deviceId: 'a', advanced: [{facingMode: 'user'}, {width: 320}]}",
            false,
        ),
        (
            "{width: 640, deviceId: 'b', advanced: [{facingMode: 'user'}]}",
            true,
        ),
        (
            "{width: 640, deviceId: {exact: 'a'}, advanced: [{facingMode: 'user'}]}",
            true,
        ),
        ("{width: 640, advanced: [{facingMode: 'user'}]}", true),
        (
            "{width: 640, deviceId: 'a', groupId: 'g', advanced: [{facingMode: 'user'}]}",
            true,
        ),
        (
            "{width: 640, deviceId: 'a', advanced: [{facingMode: 'environment'}]}",
            true,
        ),
        ("{width: 640, deviceId: 'a'}", true),
        (
            "{width: 640, deviceId: 'a', advanced: [{width: 1}, {facingMode: 'user'}]}",
            true,
        ),
        (
            "{width: 640, deviceId: 'a', facingMode: 'user', advanced: [{}]}",
            true,
        ),
    ] {
        assert_eq!(
            device_choice_changed(&base, &track(text)),
            changed,
            "{text}"
        );
        assert_eq!(
            device_choice_changed(&track(text), &base),
            changed,
            "{text} (reversed)"
        );
    }
    assert!(!device_choice_changed(&base, &base));
}

// ---------------------------------------------------------------------------------------------
// Settings never contradict a required constraint of the request that produced them.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Whether `v` meets the required bounds of `c`, within `slack`.
fn meets(c: &Option<NumConstraint>, v: f64, slack: f64) -> bool {
    let Some(c) = c else { return true };
    let lo = [c.min, c.exact]
        .into_iter()
        .flatten()
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = [c.max, c.exact]
        .into_iter()
        .flatten()
        .fold(f64::INFINITY, f64::min);
    v >= lo - slack && v <= hi + slack
}

/// Whether `v` is in the exact list of `c` (a required string constraint), if any.
fn listed(c: &Option<StrConstraint>, v: Option<&str>) -> bool {
    match c.as_ref().and_then(|c| c.exact.as_ref()) {
        Some(l) => v.is_some_and(|v| l.iter().any(|e| e == v)),
        None => true,
    }
}

fn exact_bool(c: &Option<BoolConstraint>, v: bool) -> bool {
    c.as_ref().and_then(|c| c.exact).is_none_or(|e| e == v)
}

/// The audio settings meet every required member of the basic set `b`.
pub(crate) fn audio_settings_meet(
    b: &ConstraintSet,
    s: &AudioSettings,
) -> Result<(), TestCaseError> {
    prop_assert!(
        listed(&b.device_id, Some(&s.device_id)),
        "deviceId {}",
        s.device_id
    );
    prop_assert!(
        listed(&b.group_id, Some(&s.group_id)),
        "groupId {}",
        s.group_id
    );
    prop_assert!(
        meets(&b.sample_rate, s.sample_rate as f64, 1e-6),
        "sampleRate {}",
        s.sample_rate
    );
    prop_assert!(
        meets(&b.sample_size, s.sample_size as f64, 1e-6),
        "sampleSize {}",
        s.sample_size
    );
    prop_assert!(
        meets(&b.channel_count, s.channel_count as f64, 1e-6),
        "channelCount {}",
        s.channel_count
    );
    prop_assert!(meets(&b.latency, s.latency, 1e-6), "latency {}", s.latency);
    prop_assert!(exact_bool(&b.auto_gain_control, s.auto_gain_control));
    prop_assert!(exact_bool(&b.noise_suppression, s.noise_suppression));
    prop_assert!(exact_bool(&b.voice_isolation, s.voice_isolation));
    prop_assert_eq!(s.echo_cancellation, s.echo_cancellation_mode.is_on());
    match b.echo_cancellation.as_ref().and_then(|c| c.exact.as_ref()) {
        // `true` is met by any mode that cancels echo; a named mode only by itself.
        Some(EchoMode::Bool(on)) => prop_assert_eq!(*on, s.echo_cancellation),
        Some(mode) => prop_assert_eq!(mode, &s.echo_cancellation_mode),
        None => {}
    }
    Ok(())
}

/// The video settings meet every required member of the basic set `b`.
fn video_settings_meet(b: &ConstraintSet, s: &VideoSettings) -> Result<(), TestCaseError> {
    let (w, h) = (s.width as f64, s.height as f64);
    let rel = |v: f64| 1e-5 * v.abs().max(1.0);
    prop_assert!(meets(&b.width, w, rel(w)), "width {w}");
    prop_assert!(meets(&b.height, h, rel(h)), "height {h}");
    prop_assert!(
        meets(&b.frame_rate, s.frame_rate, rel(s.frame_rate)),
        "frameRate {}",
        s.frame_rate
    );
    // Whole pixels cannot hit every ratio: allow the rounding of C3/C4 (a few pixels).
    let ar = w / h;
    let slack = rel(ar) + ar * (3.0 / w + 3.0 / h);
    prop_assert!(
        meets(&b.aspect_ratio, s.aspect_ratio, slack),
        "aspectRatio {ar}"
    );
    prop_assert!(
        listed(&b.resize_mode, Some(&s.resize_mode)),
        "resizeMode {}",
        s.resize_mode
    );
    prop_assert!(
        listed(&b.facing_mode, s.facing_mode.as_deref()),
        "facingMode {:?}",
        s.facing_mode
    );
    prop_assert!(
        listed(&b.device_id, Some(&s.device_id)),
        "deviceId {}",
        s.device_id
    );
    prop_assert!(
        listed(&b.group_id, Some(&s.group_id)),
        "groupId {}",
        s.group_id
    );
    Ok(())
}

/// A request of either kind or both, over the generators of the audio and video tests.
fn requests() -> impl Strategy<Value = MediaStreamConstraints> {
    let audio = (
        audio::tests::arb_set(),
        prop::collection::vec(audio::tests::arb_set(), 0..3),
    )
        .prop_map(|(basic, advanced)| TrackConstraints { basic, advanced });
    let video = video::tests::properties::track_constraints();
    (prop::option::of(video), prop::option::of(audio))
        .prop_filter("a kind is requested", |(v, a)| v.is_some() || a.is_some())
        .prop_map(|(video, audio)| MediaStreamConstraints { video, audio })
}

fn devices() -> impl Strategy<Value = Vec<Device>> {
    let cameras = video::tests::properties::cameras(video::tests::properties::any_mode());
    (cameras, audio::tests::arb_devices()).prop_map(|(mut cameras, mics)| {
        cameras.extend(mics);
        cameras
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn settings_satisfy_every_required_constraint(
        constraints in requests(),
        devices in devices(),
        env in audio::tests::arb_env(),
    ) {
        let Ok(selection) = select(&constraints, &devices, &env) else {
            return Ok(());
        };
        if let (Some(tc), Some(p)) = (&constraints.video, &selection.video) {
            video_settings_meet(&tc.basic, &p.settings)?;
        }
        if let (Some(tc), Some(p)) = (&constraints.audio, &selection.audio) {
            audio_settings_meet(&tc.basic, &p.settings)?;
        }
        prop_assert_eq!(selection.video.is_some(), constraints.video.is_some());
        prop_assert_eq!(selection.audio.is_some(), constraints.audio.is_some());
    }
}
