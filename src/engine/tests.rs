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

/// The audio settings meet every required member of the basic set `b`.
pub(crate) fn audio_settings_meet(
    b: &ConstraintSet,
    s: &AudioSettings,
) -> Result<(), TestCaseError> {
    match fixtures::unmet_audio(b, s) {
        None => Ok(()),
        Some(name) => Err(TestCaseError::fail(format!("{name}: {s:?} vs {b:?}"))),
    }
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
            let unmet = fixtures::unmet_video(&tc.basic, &p.settings);
            prop_assert!(unmet.is_none(), "{:?}: {:?} vs {:?}", unmet, p.settings, tc.basic);
        }
        if let (Some(tc), Some(p)) = (&constraints.audio, &selection.audio) {
            audio_settings_meet(&tc.basic, &p.settings)?;
        }
        prop_assert_eq!(selection.video.is_some(), constraints.video.is_some());
        prop_assert_eq!(selection.audio.is_some(), constraints.audio.is_some());
    }
}
