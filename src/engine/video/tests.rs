// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Tests of video selection: the worked examples of the selection rules (section E), each
//! constrainable property, capture ranges, and properties checked against a brute-force
//! reference.

use super::select;
use super::sets::ResolutionSet;
use crate::engine::{
    AudioCapture, AudioMode, BoolConstraint, Capture, ConstraintSet, Crop, Device, MediaError,
    NumConstraint, StrConstraint, TrackConstraints, ValueSet, VideoMode, VideoPlan,
};

// ---------------------------------------------------------------------------------------------
// Builders

fn raw(w: f64, h: f64, f: f64) -> VideoMode {
    VideoMode {
        width: ValueSet::Fixed(w),
        height: ValueSet::Fixed(h),
        frame_rate: ValueSet::Fixed(f),
        format: "YUY2".into(),
        compressed: false,
    }
}

fn mjpeg(w: f64, h: f64, f: f64) -> VideoMode {
    VideoMode {
        format: "image/jpeg".into(),
        compressed: true,
        ..raw(w, h, f)
    }
}

fn camera(id: &str, facing: Option<&str>, modes: Vec<VideoMode>) -> Device {
    Device {
        device_id: id.into(),
        group_id: format!("{id}_group"),
        label: format!("{id} label"),
        facing_mode: facing.map(Into::into),
        capture: Capture::Video(modes),
    }
}

fn microphone(id: &str) -> Device {
    Device {
        device_id: id.into(),
        group_id: format!("{id}_group"),
        label: format!("{id} label"),
        facing_mode: None,
        capture: Capture::Audio(AudioCapture {
            modes: vec![AudioMode {
                sample_rate: ValueSet::Fixed(48000.0),
                channel_count: ValueSet::Fixed(2.0),
                sample_size: 16,
                format: "S16LE".into(),
            }],
            latency: ValueSet::Fixed(0.01),
            default_latency: 0.01,
            system_echo_cancellation: false,
        }),
    }
}

/// The fixture devices of section E, in enumeration order.
fn fixtures() -> Vec<Device> {
    let mut y16 = raw(640.0, 480.0, 30.0);
    y16.format = "Y16".into();
    vec![
        camera(
            "fake_device_1",
            None,
            vec![
                raw(200.0, 200.0, 40.0),
                raw(500.0, 500.0, 40.0),
                raw(1000.0, 1000.0, 20.0),
            ],
        ),
        camera(
            "fake_device_2",
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
        camera("fake_device_4", Some("environment"), vec![y16]),
        camera(
            "fake_device_5",
            None,
            vec![raw(640.0, 480.0, 0.0), raw(500.0, 500.0, 0.1)],
        ),
    ]
}

fn ideal(v: f64) -> Option<NumConstraint> {
    Some(NumConstraint {
        ideal: Some(v),
        ..Default::default()
    })
}

fn exact(v: f64) -> Option<NumConstraint> {
    Some(NumConstraint {
        exact: Some(v),
        ..Default::default()
    })
}

fn min(v: f64) -> Option<NumConstraint> {
    Some(NumConstraint {
        min: Some(v),
        ..Default::default()
    })
}

fn max(v: f64) -> Option<NumConstraint> {
    Some(NumConstraint {
        max: Some(v),
        ..Default::default()
    })
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn s_exact(v: &[&str]) -> Option<StrConstraint> {
    Some(StrConstraint {
        exact: Some(strings(v)),
        ideal: None,
    })
}

fn s_ideal(v: &[&str]) -> Option<StrConstraint> {
    Some(StrConstraint {
        exact: None,
        ideal: Some(strings(v)),
    })
}

fn basic(cs: ConstraintSet) -> TrackConstraints {
    TrackConstraints {
        basic: cs,
        advanced: vec![],
    }
}

fn pick(tc: &TrackConstraints) -> VideoPlan {
    select(tc, &fixtures()).expect("selection succeeds")
}

fn failure(tc: &TrackConstraints, devices: &[Device]) -> (String, String) {
    match select(tc, devices) {
        Err(MediaError::Overconstrained {
            constraint,
            message,
        }) => (constraint, message),
        other => panic!("expected OverconstrainedError, got {other:?}"),
    }
}

/// Device id and the native mode as `W×H@F`.
fn chosen(p: &VideoPlan, devices: &[Device]) -> (String, (u32, u32, f64)) {
    (
        devices[p.device].device_id.clone(),
        (p.native_width, p.native_height, p.native_frame_rate),
    )
}

// ---------------------------------------------------------------------------------------------
// Worked examples (section E)

#[test]
fn e1_unconstrained_picks_default_device_closest_to_640x480() {
    let p = pick(&TrackConstraints::default());
    assert_eq!((p.device, p.mode), (0, 1));
    assert_eq!((p.native_width, p.native_height), (500, 500));
    assert_eq!((p.width, p.height), (500, 500));
    assert_eq!(p.native_frame_rate, 40.0);
    assert_eq!(p.max_frame_rate, None);
    assert_eq!(p.crop, None);
    assert_eq!(p.settings.frame_rate, 40.0);
    assert_eq!(p.settings.resize_mode, "none");
}

#[test]
fn e2_ideal_height_481_crops_500x500() {
    let p = pick(&basic(ConstraintSet {
        height: ideal(481.0),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (0, 1));
    assert_eq!((p.width, p.height), (481, 481));
    assert_eq!(p.crop, None);
    assert_eq!(p.settings.frame_rate, 40.0);
    assert_eq!(p.settings.resize_mode, "crop-and-scale");
}

#[test]
fn e3_ideal_width_321_scales_portrait_480x640() {
    let p = pick(&basic(ConstraintSet {
        width: ideal(321.0),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (2, 2));
    assert_eq!((p.native_width, p.native_height), (480, 640));
    assert_eq!((p.width, p.height), (321, 428));
    assert_eq!(p.crop, None);
}

#[test]
fn e4_ideal_frame_rate_31_decimates_40() {
    let p = pick(&basic(ConstraintSet {
        frame_rate: ideal(31.0),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (0, 1));
    assert_eq!((p.width, p.height), (500, 500));
    assert_eq!(p.max_frame_rate, Some(31.0));
    assert_eq!(p.settings.frame_rate, 31.0);
    assert_eq!(p.settings.resize_mode, "crop-and-scale");
}

#[test]
fn e5_failure_names_follow_the_last_rejection() {
    let devices = fixtures();
    let (name, _) = failure(
        &basic(ConstraintSet {
            width: min(2000.0),
            facing_mode: s_exact(&["environment"]),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "facingMode");

    let (name, _) = failure(
        &basic(ConstraintSet {
            height: exact(1500.0),
            frame_rate: min(30.0),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "height");

    let (name, _) = failure(
        &basic(ConstraintSet {
            width: max(1.0),
            aspect_ratio: exact(100.0),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "aspectRatio");
}

#[test]
fn e6_ideal_aspect_ratio_rounding_moves_device_choice() {
    let p = pick(&basic(ConstraintSet {
        aspect_ratio: ideal(16.0 / 9.0),
        ..Default::default()
    }));
    let devices = fixtures();
    assert_eq!(
        chosen(&p, &devices),
        ("fake_device_2".into(), (640, 480, 30.0))
    );
    assert_eq!((p.width, p.height), (640, 360));
    assert_eq!(
        p.crop,
        Some(Crop {
            left: 0,
            top: 60,
            width: 640,
            height: 360
        })
    );
    assert_eq!(p.settings.aspect_ratio, 1.7777777778);
}

#[test]
fn e7_resize_mode_ideal_none_against_rescale() {
    let both = pick(&basic(ConstraintSet {
        width: ideal(1.0),
        height: ideal(1.0),
        resize_mode: s_ideal(&["none"]),
        ..Default::default()
    }));
    assert_eq!((both.device, both.mode), (1, 0));
    assert_eq!((both.width, both.height), (1, 1));
    assert_eq!(
        both.crop,
        Some(Crop {
            left: 5,
            top: 0,
            width: 30,
            height: 30
        })
    );

    let width_only = pick(&basic(ConstraintSet {
        width: ideal(1.0),
        resize_mode: s_ideal(&["none"]),
        ..Default::default()
    }));
    assert_eq!((width_only.device, width_only.mode), (1, 0));
    assert_eq!((width_only.width, width_only.height), (40, 30));
    assert_eq!(width_only.crop, None);
    assert_eq!(width_only.settings.resize_mode, "none");
}

#[test]
fn e8_spec_example_picks_native_1280x720() {
    let p = pick(&basic(ConstraintSet {
        width: Some(NumConstraint {
            min: Some(640.0),
            ideal: Some(1280.0),
            ..Default::default()
        }),
        height: Some(NumConstraint {
            min: Some(480.0),
            ideal: Some(720.0),
            ..Default::default()
        }),
        frame_rate: min(20.0),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (2, 4));
    assert_eq!((p.width, p.height), (1280, 720));
    assert_eq!(p.crop, None);
    assert_eq!(p.max_frame_rate, None);
    assert_eq!(p.settings.frame_rate, 60.0);
    assert_eq!(p.settings.resize_mode, "none");
}
