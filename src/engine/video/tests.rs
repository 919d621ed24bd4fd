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
use crate::engine::fixtures::{self, mjpeg, range, raw};
use crate::engine::{
    BoolConstraint, Capture, ConstraintSet, Crop, Device, MediaError, NumConstraint, StrConstraint,
    TrackConstraints, ValueSet, VideoMode, VideoPlan,
};

// ---------------------------------------------------------------------------------------------
// Builders

/// A camera in a group of its own.
fn camera(id: &str, facing: Option<&str>, modes: Vec<VideoMode>) -> Device {
    fixtures::camera(id, &format!("{id}_group"), facing, modes)
}

fn microphone(id: &str) -> Device {
    fixtures::simple_microphone(id, &format!("{id}_group"), 48000.0, 2.0, 480.0)
}

/// The fixture devices of section E, in enumeration order.
fn fixtures() -> Vec<Device> {
    fixtures::section_e_cameras()
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

// ---------------------------------------------------------------------------------------------
// Each constrainable property

fn native_of(cs: ConstraintSet) -> (String, (u32, u32, f64), (u32, u32)) {
    let devices = fixtures();
    let p = select(&basic(cs), &devices).expect("selection succeeds");
    let (d, n) = chosen(&p, &devices);
    (d, n, (p.width, p.height))
}

#[test]
fn width_exact_crops_the_closest_native_width() {
    // Native fitness d(W, 321): 480 wide is closest; the target keeps its 3:4 ratio.
    let (d, n, out) = native_of(ConstraintSet {
        width: exact(321.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_3", (480, 640, 30.0), (321, 428))
    );
}

#[test]
fn width_min_and_max() {
    // Only 1920 and 2304 reach 1500; 1920x1080 is nearer 640x480.
    let (d, n, out) = native_of(ConstraintSet {
        width: min(1500.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_3", (1920, 1080, 60.0), (1920, 1080))
    );

    // Native widths within the maximum score 0 natively: the default device's 200x200.
    let (d, n, out) = native_of(ConstraintSet {
        width: max(400.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_1", (200, 200, 40.0), (200, 200))
    );
}

#[test]
fn height_exact_min_max() {
    // d(H, 700) is smallest for 720; crop 1280x720 to 700 high at its ratio.
    let (d, n, out) = native_of(ConstraintSet {
        height: exact(700.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_3", (1280, 720, 60.0), (1244, 700))
    );

    let (d, n, out) = native_of(ConstraintSet {
        height: min(1000.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_1", (1000, 1000, 20.0), (1000, 1000))
    );

    let (d, n, out) = native_of(ConstraintSet {
        height: max(100.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_2", (40, 30, 20.0), (40, 30))
    );
}

#[test]
fn aspect_ratio_exact_min_max_crop_centred() {
    let p = pick(&basic(ConstraintSet {
        aspect_ratio: exact(0.75),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (0, 1));
    assert_eq!((p.width, p.height), (375, 500));
    assert_eq!(
        p.crop,
        Some(Crop {
            left: 62,
            top: 0,
            width: 375,
            height: 500
        })
    );

    let p = pick(&basic(ConstraintSet {
        aspect_ratio: min(1.7),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (0, 1));
    assert_eq!((p.width, p.height), (500, 294));
    assert_eq!(
        p.crop,
        Some(Crop {
            left: 0,
            top: 103,
            width: 500,
            height: 294
        })
    );

    let p = pick(&basic(ConstraintSet {
        aspect_ratio: max(0.6),
        ..Default::default()
    }));
    assert_eq!((p.width, p.height), (300, 500));
    assert_eq!(
        p.crop,
        Some(Crop {
            left: 100,
            top: 0,
            width: 300,
            height: 500
        })
    );
}

#[test]
fn frame_rate_exact_decimates_unless_resize_mode_is_none() {
    // 1000x1000@20 is closest natively to 19 and is dropped to 19: crop-and-scale.
    let p = pick(&basic(ConstraintSet {
        frame_rate: exact(19.0),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (0, 2));
    assert_eq!((p.width, p.height), (1000, 1000));
    assert_eq!(p.max_frame_rate, Some(19.0));
    assert_eq!(p.settings.frame_rate, 19.0);
    assert_eq!(p.settings.resize_mode, "crop-and-scale");
    // C2.12: dropping frames is crop-and-scale, so a required none allows native rates only.
    let (name, _) = failure(
        &basic(ConstraintSet {
            frame_rate: exact(19.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        }),
        &fixtures(),
    );
    assert_eq!(name, "frameRate");
}

#[test]
fn required_resize_mode_none_keeps_native_rates() {
    let twenty = [camera("twenty", None, vec![raw(640.0, 480.0, 20.0)])];
    for fr in [exact(10.0), max(10.0)] {
        let tc = basic(ConstraintSet {
            frame_rate: fr.clone(),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        });
        assert_eq!(failure(&tc, &twenty).0, "frameRate", "{fr:?}");
        // Without the required none the same request decimates.
        let tc = basic(ConstraintSet {
            frame_rate: fr,
            ..Default::default()
        });
        let p = select(&tc, &twenty).unwrap();
        assert_eq!(p.settings.frame_rate, 10.0);
        assert_eq!(p.settings.resize_mode, "crop-and-scale");
    }
    // A maximum the native rate meets, and ideals, stay native.
    for cs in [
        ConstraintSet {
            frame_rate: max(25.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        },
        ConstraintSet {
            frame_rate: ideal(10.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        },
    ] {
        let p = select(&basic(cs), &twenty).unwrap();
        assert_eq!(p.max_frame_rate, None);
        assert_eq!(p.settings.frame_rate, 20.0);
        assert_eq!(p.settings.resize_mode, "none");
    }
    // On the fixtures an ideal rate under a required none picks the native rate closest to it
    // (fake_device_3's 10 fps modes for an ideal of 9) instead of decimating a faster mode.
    let p = pick(&basic(ConstraintSet {
        frame_rate: ideal(9.0),
        resize_mode: s_exact(&["none"]),
        ..Default::default()
    }));
    assert_eq!(p.settings.frame_rate, 10.0);
    assert_eq!(p.max_frame_rate, None);
    assert_eq!(p.settings.resize_mode, "none");
}

#[test]
fn frame_rate_min_and_max() {
    let (d, n, out) = native_of(ConstraintSet {
        frame_rate: min(50.0),
        ..Default::default()
    });
    assert_eq!(
        (d.as_str(), n, out),
        ("fake_device_3", (1280, 720, 60.0), (1280, 720))
    );

    // Rates at or below 15 score 0 natively; 640x480@10 is the first nearest 640x480.
    let p = pick(&basic(ConstraintSet {
        frame_rate: max(15.0),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (2, 1));
    assert_eq!(p.max_frame_rate, None);
    assert_eq!(p.settings.frame_rate, 10.0);

    // A maximum below the native rate is the delivered rate.
    let p = pick(&basic(ConstraintSet {
        frame_rate: max(25.0),
        device_id: s_exact(&["fake_device_4"]),
        ..Default::default()
    }));
    assert_eq!(p.max_frame_rate, Some(25.0));
    assert_eq!(p.settings.frame_rate, 25.0);
}

#[test]
fn facing_mode_ideal_and_exact() {
    let (d, n, _) = native_of(ConstraintSet {
        facing_mode: s_ideal(&["environment"]),
        ..Default::default()
    });
    assert_eq!((d.as_str(), n), ("fake_device_2", (640, 480, 30.0)));

    let (d, n, _) = native_of(ConstraintSet {
        facing_mode: s_exact(&["user"]),
        ..Default::default()
    });
    assert_eq!((d.as_str(), n), ("fake_device_3", (640, 480, 30.0)));

    // A device without a facing mode fails any exact list, even [""].
    let (name, _) = failure(
        &basic(ConstraintSet {
            facing_mode: s_exact(&[""]),
            ..Default::default()
        }),
        &fixtures(),
    );
    assert_eq!(name, "facingMode");
}

#[test]
fn resize_mode_exact_and_ideal() {
    // Native only: 320 is the closest native width to 321.
    let p = pick(&basic(ConstraintSet {
        width: ideal(321.0),
        resize_mode: s_exact(&["none"]),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (1, 1));
    assert_eq!((p.width, p.height), (320, 240));

    // Rescale only, without ideals: the target is the native size.
    let p = pick(&basic(ConstraintSet {
        resize_mode: s_exact(&["crop-and-scale"]),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode, p.width, p.height), (0, 1, 500, 500));

    // Neither value → C2.2 empty set.
    let (name, _) = failure(
        &basic(ConstraintSet {
            resize_mode: s_exact(&["invalid"]),
            ..Default::default()
        }),
        &fixtures(),
    );
    assert_eq!(name, "resizeMode");

    // Ideal crop-and-scale: the native option costs 1 more, so E7's native 40x30 is now
    // scaled to 1x1.
    let p = pick(&basic(ConstraintSet {
        width: ideal(1.0),
        resize_mode: s_ideal(&["crop-and-scale"]),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode), (1, 0));
    assert_eq!((p.width, p.height), (1, 1));
    // An ideal met by the native size keeps it even when rescaling is preferred.
    let p = pick(&basic(ConstraintSet {
        width: ideal(600.0),
        resize_mode: s_ideal(&["crop-and-scale"]),
        ..Default::default()
    }));
    assert_eq!((p.device, p.mode, p.width, p.height), (2, 0, 600, 400));
}

#[test]
fn device_id_and_group_id() {
    let devices = fixtures();
    for (cs, want) in [
        (
            ConstraintSet {
                device_id: s_exact(&["fake_device_4"]),
                ..Default::default()
            },
            "fake_device_4",
        ),
        (
            ConstraintSet {
                device_id: s_ideal(&["fake_device_4"]),
                ..Default::default()
            },
            "fake_device_4",
        ),
        (
            // An ideal that matches nothing costs every device 1: the default wins.
            ConstraintSet {
                device_id: s_ideal(&["missing"]),
                ..Default::default()
            },
            "fake_device_1",
        ),
        (
            ConstraintSet {
                group_id: s_exact(&["fake_group5"]),
                ..Default::default()
            },
            "fake_device_5",
        ),
        (
            ConstraintSet {
                group_id: s_ideal(&["fake_group2", "fake_group3"]),
                ..Default::default()
            },
            "fake_device_2",
        ),
    ] {
        let p = select(&basic(cs), &devices).unwrap();
        assert_eq!(devices[p.device].device_id, want);
    }
    let (name, _) = failure(
        &basic(ConstraintSet {
            device_id: s_exact(&["missing"]),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "deviceId");
    let (name, _) = failure(
        &basic(ConstraintSet {
            group_id: s_exact(&["missing"]),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "groupId");
}

// ---------------------------------------------------------------------------------------------
// Advanced sets (C2.7)

#[test]
fn unsatisfiable_advanced_set_is_skipped() {
    let tc = TrackConstraints {
        basic: ConstraintSet::default(),
        advanced: vec![ConstraintSet {
            width: min(5000.0),
            ..Default::default()
        }],
    };
    let p = pick(&tc);
    assert_eq!((p.device, p.mode), (0, 1));
}

#[test]
fn satisfiable_advanced_sets_narrow_in_order() {
    // The first set moves the choice to the user-facing camera.
    let tc = TrackConstraints {
        basic: ConstraintSet::default(),
        advanced: vec![ConstraintSet {
            facing_mode: s_exact(&["user"]),
            ..Default::default()
        }],
    };
    let p = pick(&tc);
    assert_eq!((p.device, p.mode), (2, 3));

    // The second set contradicts the first once the first narrowed the width; the first
    // still applies and fixes the output at 1280x720.
    let tc = TrackConstraints {
        basic: ConstraintSet::default(),
        advanced: vec![
            ConstraintSet {
                width: exact(1280.0),
                height: exact(720.0),
                ..Default::default()
            },
            ConstraintSet {
                width: min(1920.0),
                ..Default::default()
            },
        ],
    };
    let p = pick(&tc);
    assert_eq!((p.device, p.mode), (2, 4));
    assert_eq!((p.width, p.height), (1280, 720));

    // An advanced set beats the basic ideal: 16:9 first, then the ideal width picks 1920.
    let tc = TrackConstraints {
        basic: ConstraintSet {
            width: ideal(2304.0),
            ..Default::default()
        },
        advanced: vec![ConstraintSet {
            aspect_ratio: exact(16.0 / 9.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        }],
    };
    let p = pick(&tc);
    assert_eq!((p.device, p.mode), (2, 5));
    assert_eq!((p.width, p.height), (1920, 1080));
}

// ---------------------------------------------------------------------------------------------
// Capture ranges (D3)

fn range_camera(step: f64, fps: ValueSet) -> Vec<Device> {
    vec![camera(
        "range_cam",
        None,
        vec![VideoMode {
            width: range(160.0, 1920.0, step),
            height: range(120.0, 1080.0, step),
            frame_rate: fps,
            format: "YUY2".into(),
            compressed: false,
        }],
    )]
}

fn select_on(devices: &[Device], cs: ConstraintSet) -> VideoPlan {
    select(&basic(cs), devices).expect("selection succeeds")
}

#[test]
fn ideal_inside_a_range_is_met_natively() {
    let devices = range_camera(0.0, range(1.0, 30.0, 0.0));
    let p = select_on(
        &devices,
        ConstraintSet {
            width: ideal(1000.0),
            height: ideal(700.0),
            frame_rate: ideal(15.0),
            ..Default::default()
        },
    );
    assert_eq!((p.native_width, p.native_height), (1000, 700));
    assert_eq!(p.native_frame_rate, 15.0);
    assert_eq!((p.width, p.height), (1000, 700));
    assert_eq!(p.max_frame_rate, None);
    assert_eq!(p.crop, None);
    assert_eq!(p.settings.resize_mode, "none");
}

#[test]
fn ideal_outside_a_range_is_clamped_or_rescaled() {
    let devices = range_camera(0.0, range(1.0, 30.0, 0.0));
    // Above the range: the widest native width, the height nearest 480, 30 fps.
    let p = select_on(
        &devices,
        ConstraintSet {
            width: ideal(3000.0),
            ..Default::default()
        },
    );
    assert_eq!(
        (p.native_width, p.native_height, p.width),
        (1920, 480, 1920)
    );
    assert_eq!(p.native_frame_rate, 30.0);

    // Below the range: open the narrowest width and scale down, keeping its ratio.
    let p = select_on(
        &devices,
        ConstraintSet {
            width: exact(100.0),
            ..Default::default()
        },
    );
    assert_eq!((p.native_width, p.native_height), (160, 480));
    assert_eq!((p.width, p.height), (100, 300));
}

#[test]
fn stepped_range_values_are_snapped_to_the_grid() {
    let devices = range_camera(16.0, ValueSet::Fixed(30.0));
    // 1000 is between 992 and 1008 on the grid 160 + 16k: 1008 is scaled to 1000.
    let p = select_on(
        &devices,
        ConstraintSet {
            width: ideal(1000.0),
            ..Default::default()
        },
    );
    assert_eq!(p.native_width, 1008);
    assert_eq!((p.native_width - 160) % 16, 0);
    assert_eq!(p.width, 1000);

    // A minimum between grid points opens the next grid point up natively.
    let p = select_on(
        &devices,
        ConstraintSet {
            width: min(1001.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        },
    );
    assert_eq!(p.native_width, 1008);
    assert_eq!(p.width, 1008);
    assert_eq!((p.native_height - 120) % 16, 0);
}

#[test]
fn aspect_ratio_ideal_in_a_range() {
    let devices = range_camera(0.0, ValueSet::Fixed(30.0));
    // Alone, every size can be cropped to 16:9 with fitness 0, and the default-resolution
    // tie-break prefers opening 640x480 (as Chromium does with discrete modes).
    let p = select_on(
        &devices,
        ConstraintSet {
            aspect_ratio: ideal(16.0 / 9.0),
            ..Default::default()
        },
    );
    assert_eq!((p.native_width, p.native_height), (640, 480));
    assert_eq!((p.width, p.height), (640, 360));
    // With an ideal width the partner height 1280 / (16/9) = 720 is opened natively.
    let p = select_on(
        &devices,
        ConstraintSet {
            width: ideal(1280.0),
            aspect_ratio: ideal(16.0 / 9.0),
            ..Default::default()
        },
    );
    assert_eq!((p.native_width, p.native_height), (1280, 720));
    assert_eq!((p.width, p.height), (1280, 720));
    assert_eq!(p.crop, None);
    // A required ratio inside the range is also met natively with resizeMode none.
    let p = select_on(
        &devices,
        ConstraintSet {
            aspect_ratio: exact(4.0 / 3.0),
            height: ideal(600.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        },
    );
    assert_eq!((p.native_width, p.native_height), (800, 600));
}

#[test]
fn fractional_frame_rates() {
    let ntsc = 30000.0 / 1001.0;
    let devices = vec![camera(
        "ntsc",
        None,
        vec![
            VideoMode {
                frame_rate: ValueSet::List(vec![25.0, ntsc]),
                ..raw(640.0, 480.0, 0.0)
            },
            raw(640.0, 480.0, 30.0),
        ],
    )];
    let p = select_on(
        &devices,
        ConstraintSet {
            frame_rate: ideal(29.97),
            ..Default::default()
        },
    );
    assert_eq!(p.mode, 0);
    assert_eq!(p.native_frame_rate, ntsc);
    // 29.97 is the native 30000/1001 within tolerance: nothing is dropped.
    assert_eq!(p.max_frame_rate, None);
    assert_eq!(p.settings.frame_rate, ntsc);
    assert_eq!(p.settings.resize_mode, "none");

    let p = select_on(
        &devices,
        ConstraintSet {
            frame_rate: exact(30.0),
            ..Default::default()
        },
    );
    assert_eq!((p.mode, p.native_frame_rate), (1, 30.0));

    // A continuous fraction range holds 15 natively.
    let devices = range_camera(0.0, range(1.0, ntsc, 0.0));
    let p = select_on(
        &devices,
        ConstraintSet {
            frame_rate: ideal(15.0),
            ..Default::default()
        },
    );
    assert_eq!(p.native_frame_rate, 15.0);
    assert_eq!(p.max_frame_rate, None);
}

#[test]
fn lists_are_discrete_values() {
    let devices = vec![camera(
        "lists",
        None,
        vec![VideoMode {
            width: ValueSet::List(vec![320.0, 1280.0]),
            height: ValueSet::List(vec![240.0, 720.0]),
            frame_rate: ValueSet::List(vec![15.0, 30.0]),
            format: "NV12".into(),
            compressed: false,
        }],
    )];
    let p = select_on(
        &devices,
        ConstraintSet {
            width: ideal(1280.0),
            height: ideal(720.0),
            ..Default::default()
        },
    );
    assert_eq!(
        (p.native_width, p.native_height, p.native_frame_rate),
        (1280, 720, 30.0)
    );
    // 1000 is not in the list: the next bigger width is scaled down, natively it fails.
    let p = select_on(
        &devices,
        ConstraintSet {
            width: exact(1000.0),
            ..Default::default()
        },
    );
    assert_eq!((p.native_width, p.width), (1280, 1000));
    let (name, _) = failure(
        &basic(ConstraintSet {
            width: exact(1000.0),
            resize_mode: s_exact(&["none"]),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "width");
}

// ---------------------------------------------------------------------------------------------
// Compressed modes, unknown frame rates

#[test]
fn raw_wins_a_tie_with_the_same_mjpeg_mode() {
    let devices = vec![camera(
        "uvc",
        None,
        vec![mjpeg(1280.0, 720.0, 30.0), raw(1280.0, 720.0, 30.0)],
    )];
    let p = select_on(
        &devices,
        ConstraintSet {
            width: ideal(1280.0),
            ..Default::default()
        },
    );
    assert_eq!(p.mode, 1);
}

#[test]
fn mjpeg_only_mode_is_chosen_when_it_fits_better() {
    let devices = vec![camera(
        "uvc",
        None,
        vec![raw(640.0, 480.0, 30.0), mjpeg(1920.0, 1080.0, 30.0)],
    )];
    let p = select_on(
        &devices,
        ConstraintSet {
            width: min(1920.0),
            ..Default::default()
        },
    );
    assert_eq!((p.mode, p.native_width, p.native_height), (1, 1920, 1080));
    // Without constraints the raw 640x480 is nearer the default.
    let p = select_on(&devices, ConstraintSet::default());
    assert_eq!(p.mode, 0);
}

#[test]
fn unknown_frame_rate_device() {
    let devices = vec![camera(
        "norate",
        None,
        vec![raw(640.0, 480.0, 0.0), raw(320.0, 240.0, 0.0)],
    )];
    // Selectable, delivered at the unknown rate 0, without decimation.
    let p = select_on(
        &devices,
        ConstraintSet {
            frame_rate: ideal(30.0),
            ..Default::default()
        },
    );
    assert_eq!(
        (p.mode, p.native_frame_rate, p.max_frame_rate),
        (0, 0.0, None)
    );
    assert_eq!(p.settings.frame_rate, 0.0);
    assert_eq!(p.capabilities.frame_rate.max, 0.0);
    // A maximum is satisfiable, a positive minimum is not (D4).
    assert!(
        select(
            &basic(ConstraintSet {
                frame_rate: max(10.0),
                ..Default::default()
            }),
            &devices
        )
        .is_ok()
    );
    let (name, _) = failure(
        &basic(ConstraintSet {
            frame_rate: min(1.0),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "frameRate");
    // Among the fixtures, 0.1 fps is closer to the ideal than an unknown rate.
    let only5 = vec![fixtures().remove(4)];
    let p = select_on(
        &only5,
        ConstraintSet {
            frame_rate: ideal(30.0),
            ..Default::default()
        },
    );
    assert_eq!((p.mode, p.native_frame_rate), (1, 0.1));
}

#[test]
fn a_rate_above_the_ceiling_is_unknown() {
    // 54180 fps is no valid capture format; a maximum above the 1000 fps ceiling is ignored,
    // so reporting the rate would break a required maximum that no dropping can honour.
    let devices = vec![camera("fast", None, vec![raw(640.0, 480.0, 54180.0)])];
    let p = select_on(
        &devices,
        ConstraintSet {
            frame_rate: max(24040.0),
            ..Default::default()
        },
    );
    assert_eq!((p.native_frame_rate, p.settings.frame_rate), (0.0, 0.0));
    assert_eq!(p.max_frame_rate, None);
    // 1000 itself is a rate.
    let devices = vec![camera("fast", None, vec![raw(640.0, 480.0, 1000.0)])];
    let p = select_on(&devices, ConstraintSet::default());
    assert_eq!(p.settings.frame_rate, 1000.0);
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn no_camera_is_not_found() {
    let tc = TrackConstraints::default();
    assert!(matches!(select(&tc, &[]), Err(MediaError::NotFound { .. })));
    assert!(matches!(
        select(&tc, &[microphone("mic")]),
        Err(MediaError::NotFound { .. })
    ));
    // Cameras without modes reject nothing by name: C1.3 maps the empty name to NotFound.
    assert!(matches!(
        select(&tc, &[camera("empty", None, vec![])]),
        Err(MediaError::NotFound { .. })
    ));
}

#[test]
fn audio_devices_do_not_count_as_camera_indices() {
    let mut devices = fixtures();
    devices.insert(0, microphone("mic"));
    let p = select(&TrackConstraints::default(), &devices).unwrap();
    assert_eq!((p.device, p.mode), (1, 1));
    assert_eq!(p.settings.device_id, "fake_device_1");
}

#[test]
fn required_background_blur_is_a_type_error() {
    let tc = basic(ConstraintSet {
        background_blur: Some(BoolConstraint {
            exact: Some(true),
            ideal: None,
        }),
        ..Default::default()
    });
    assert!(matches!(
        select(&tc, &fixtures()),
        Err(MediaError::TypeError { .. })
    ));

    // Ideal in the basic set, or exact in an advanced set, is accepted.
    let tc = TrackConstraints {
        basic: ConstraintSet {
            background_blur: Some(BoolConstraint {
                exact: None,
                ideal: Some(true),
            }),
            ..Default::default()
        },
        advanced: vec![ConstraintSet {
            background_blur: Some(BoolConstraint {
                exact: Some(false),
                ideal: None,
            }),
            ..Default::default()
        }],
    };
    let p = pick(&tc);
    assert_eq!((p.device, p.mode), (0, 1));
}

#[test]
fn audio_members_are_ignored() {
    let tc = basic(ConstraintSet {
        sample_rate: exact(8000.0),
        channel_count: exact(7.0),
        latency: exact(0.5),
        ..Default::default()
    });
    let p = pick(&tc);
    assert_eq!((p.device, p.mode), (0, 1));
}

#[test]
fn non_finite_doubles_are_type_errors() {
    for v in [f64::NAN, f64::INFINITY] {
        let tc = basic(ConstraintSet {
            frame_rate: ideal(v),
            ..Default::default()
        });
        assert!(matches!(
            select(&tc, &fixtures()),
            Err(MediaError::TypeError { .. })
        ));
    }
}

#[test]
fn overconstrained_message_describes_request_and_each_camera() {
    let devices = fixtures();
    let (name, message) = failure(
        &basic(ConstraintSet {
            width: min(5000.0),
            ..Default::default()
        }),
        &devices,
    );
    assert_eq!(name, "width");
    assert!(message.contains("width {min: 5000}"), "{message}");
    for d in &devices {
        assert!(message.contains(&d.device_id), "{message}");
        assert!(message.contains(&d.label), "{message}");
    }
    assert!(
        message.contains(
            "fake_device_3 \"fake_device_3 label\": up to 2304x1536, 10-60 fps, facingMode user"
        ),
        "{message}"
    );
    assert!(message.contains("facingMode none"), "{message}");
    assert_eq!(message.matches("; ").count(), devices.len());
}

// ---------------------------------------------------------------------------------------------
// Settings and capabilities

#[test]
fn settings_json_keys_and_values() {
    let p = pick(&basic(ConstraintSet {
        width: ideal(321.0),
        ..Default::default()
    }));
    let v = serde_json::to_value(&p.settings).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut want = vec![
        "aspectRatio",
        "deviceId",
        "facingMode",
        "frameRate",
        "groupId",
        "height",
        "resizeMode",
        "width",
    ];
    want.sort();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, want);
    assert_eq!(v["deviceId"], "fake_device_3");
    assert_eq!(v["groupId"], "fake_group3");
    assert_eq!(v["width"], 321);
    assert_eq!(v["height"], 428);
    assert_eq!(v["aspectRatio"], 0.75);
    assert_eq!(v["frameRate"], 30.0);
    assert_eq!(v["facingMode"], "user");
    assert_eq!(v["resizeMode"], "crop-and-scale");

    // No facing mode: the key is omitted.
    let p = pick(&TrackConstraints::default());
    let v = serde_json::to_value(&p.settings).unwrap();
    assert!(v.get("facingMode").is_none());
}

#[test]
fn capabilities_cover_all_modes() {
    let p = pick(&basic(ConstraintSet {
        device_id: s_exact(&["fake_device_3"]),
        ..Default::default()
    }));
    let v = serde_json::to_value(&p.capabilities).unwrap();
    assert_eq!(v["deviceId"], "fake_device_3");
    assert_eq!(v["groupId"], "fake_group3");
    assert_eq!(v["width"], serde_json::json!({"min": 1, "max": 2304}));
    assert_eq!(v["height"], serde_json::json!({"min": 1, "max": 1536}));
    assert_eq!(v["aspectRatio"]["min"], 1.0 / 1536.0);
    assert_eq!(v["aspectRatio"]["max"], 2304.0);
    assert_eq!(v["frameRate"], serde_json::json!({"min": 0, "max": 60}));
    assert_eq!(v["facingMode"], serde_json::json!(["user"]));
    assert_eq!(
        v["resizeMode"],
        serde_json::json!(["none", "crop-and-scale"])
    );

    let p = pick(&TrackConstraints::default());
    assert!(p.capabilities.facing_mode.is_empty());
    // Ranges count with their maximum.
    let p = select(
        &TrackConstraints::default(),
        &range_camera(0.0, range(1.0, 60.0, 0.0)),
    )
    .unwrap();
    assert_eq!(
        (p.capabilities.width.max, p.capabilities.height.max),
        (1920.0, 1080.0)
    );
    assert_eq!(p.capabilities.frame_rate.max, 60.0);
}

// ---------------------------------------------------------------------------------------------
// C3 target point and C4 delivered frames

#[test]
fn target_point_cases() {
    let r = ResolutionSet::for_native(640, 480);
    // 0 ideals: the native size.
    let p = r.closest_point_to_ideal(None, None, None, 480, 640);
    assert_eq!((p.h, p.w), (480.0, 640.0));
    // Height only: keep the native ratio.
    let p = r.closest_point_to_ideal(Some(300.0), None, None, 480, 640);
    assert_eq!((p.h, p.w), (300.0, 400.0));
    // Height above the set: the top side, at the native ratio.
    let p = r.closest_point_to_ideal(Some(1000.0), None, None, 480, 640);
    assert_eq!((p.h, p.w), (480.0, 640.0));
    // Aspect ratio only: the larger of the two candidate points.
    let p = r.closest_point_to_ideal(None, None, Some(1.0), 480, 640);
    assert_eq!((p.h, p.w), (480.0, 480.0));
    // Two ideals: Euclidean projection onto the set.
    let p = r.closest_point_to_ideal(Some(500.0), Some(700.0), None, 480, 640);
    assert_eq!((p.h, p.w), (480.0, 640.0));
    let p = r.closest_point_to_ideal(Some(100.0), None, Some(2.0), 480, 640);
    assert_eq!((p.h, p.w), (100.0, 200.0));
    // Three ideals: the aspect ratio is ignored.
    let p = r.closest_point_to_ideal(Some(100.0), Some(100.0), Some(2.0), 480, 640);
    assert_eq!((p.h, p.w), (100.0, 100.0));
}

#[test]
fn delivered_size_clamps_aspect_ratio_with_even_rounding() {
    use super::candidate::Native;
    use super::output::{crop, delivered_size};
    let n = Native {
        w: 640,
        h: 480,
        f: 30.0,
    };
    // Target ratio below the band: the height shrinks, rounded up to even.
    let res = ResolutionSet {
        min_ar: 1.5,
        max_ar: 1.5,
        ..ResolutionSet::for_native(640, 480)
    };
    assert_eq!(delivered_size(&n, Some((301, 201)), &res), (301, 200));
    // Target above the native size: never upscale.
    let res = ResolutionSet::for_native(640, 480);
    assert_eq!(delivered_size(&n, Some((800, 600)), &res), (640, 480));
    assert_eq!(delivered_size(&n, None, &res), (640, 480));
    // Centred letterbox crops.
    assert_eq!(crop(&n, 320, 240), None);
    assert_eq!(
        crop(&n, 480, 480),
        Some(Crop {
            left: 80,
            top: 0,
            width: 480,
            height: 480
        })
    );
    assert_eq!(
        crop(&n, 1280 / 4, 720 / 4),
        Some(Crop {
            left: 0,
            top: 60,
            width: 640,
            height: 360
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Expectations of Chromium's own tests on the same fixtures (CR-VIDEO-TEST); the name of each
// row is the Chromium test it comes from.

fn between(min: f64, max: f64) -> Option<NumConstraint> {
    Some(NumConstraint {
        min: Some(min),
        max: Some(max),
        ..Default::default()
    })
}

fn with_advanced(basic: ConstraintSet, advanced: Vec<ConstraintSet>) -> TrackConstraints {
    TrackConstraints { basic, advanced }
}

/// One expectation: device, native W×H@F, delivered size, frame-rate limit.
type Expect = (&'static str, (u32, u32, f64), (u32, u32), Option<f64>);

fn expect(name: &str, tc: TrackConstraints, want: Expect) {
    let devices = fixtures();
    let p = select(&tc, &devices).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let got: Expect = (
        "",
        (p.native_width, p.native_height, p.native_frame_rate),
        (p.width, p.height),
        p.max_frame_rate,
    );
    assert_eq!(devices[p.device].device_id, want.0, "{name}");
    assert_eq!((got.1, got.2, got.3), (want.1, want.2, want.3), "{name}");
}

const D1: &str = "fake_device_1";
const D2: &str = "fake_device_2";
const D3: &str = "fake_device_3";
const D5: &str = "fake_device_5";

fn cs() -> ConstraintSet {
    ConstraintSet::default()
}

#[test]
fn chromium_basic_set_expectations() {
    let rows: Vec<(&str, ConstraintSet, Expect)> = vec![
        (
            "Unconstrained",
            cs(),
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryGroupID",
            ConstraintSet {
                group_id: s_exact(&["fake_group2"]),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryFacingMode",
            ConstraintSet {
                facing_mode: s_exact(&["environment"]),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryExactHeight",
            ConstraintSet {
                height: exact(480.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryExactHeight large",
            ConstraintSet {
                height: exact(1500.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (2250, 1500), None),
        ),
        (
            "MandatoryMinHeight",
            ConstraintSet {
                height: min(480.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryMinHeight large",
            ConstraintSet {
                height: min(1500.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (2304, 1536), None),
        ),
        (
            "MandatoryMaxHeight",
            ConstraintSet {
                height: max(20.0),
                ..cs()
            },
            (D2, (40, 30, 20.0), (27, 20), None),
        ),
        (
            "MandatoryHeightRange 480-720",
            ConstraintSet {
                height: between(480.0, 720.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryHeightRange 550-650",
            ConstraintSet {
                height: between(550.0, 650.0),
                ..cs()
            },
            (D2, (800, 600, 20.0), (800, 600), None),
        ),
        (
            "MandatoryHeightRange 700-800",
            ConstraintSet {
                height: between(700.0, 800.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 720), None),
        ),
        (
            "IdealHeight 480",
            ConstraintSet {
                height: ideal(480.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "IdealHeight 1079",
            ConstraintSet {
                height: ideal(1079.0),
                ..cs()
            },
            (D3, (1920, 1080, 60.0), (1918, 1079), None),
        ),
        (
            "IdealHeight 1200",
            ConstraintSet {
                height: ideal(1200.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (1800, 1200), None),
        ),
        (
            "MandatoryExactWidth",
            ConstraintSet {
                width: exact(640.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryExactWidth large",
            ConstraintSet {
                width: exact(2000.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (2000, 1333), None),
        ),
        (
            "MandatoryMinWidth",
            ConstraintSet {
                width: min(640.0),
                ..cs()
            },
            (D1, (1000, 1000, 20.0), (1000, 1000), None),
        ),
        (
            "MandatoryMaxWidth",
            ConstraintSet {
                width: max(30.0),
                ..cs()
            },
            (D2, (40, 30, 20.0), (30, 23), None),
        ),
        (
            "MandatoryWidthRange 640-1280",
            ConstraintSet {
                width: between(640.0, 1280.0),
                ..cs()
            },
            (D1, (1000, 1000, 20.0), (1000, 1000), None),
        ),
        (
            "MandatoryWidthRange 750-850",
            ConstraintSet {
                width: between(750.0, 850.0),
                ..cs()
            },
            (D2, (800, 600, 20.0), (800, 600), None),
        ),
        (
            "MandatoryWidthRange 1900-2000",
            ConstraintSet {
                width: between(1900.0, 2000.0),
                ..cs()
            },
            (D3, (1920, 1080, 60.0), (1920, 1080), None),
        ),
        (
            "IdealWidth 320",
            ConstraintSet {
                width: ideal(320.0),
                ..cs()
            },
            (D2, (320, 240, 30.0), (320, 240), None),
        ),
        (
            "IdealWidth 2000",
            ConstraintSet {
                width: ideal(2000.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (2000, 1333), None),
        ),
        (
            "IdealWidth 3000",
            ConstraintSet {
                width: ideal(3000.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (2304, 1536), None),
        ),
        (
            "MandatoryExactFrameRate 30",
            ConstraintSet {
                frame_rate: exact(30.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryExactFrameRate 50",
            ConstraintSet {
                frame_rate: exact(50.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 720), Some(50.0)),
        ),
        (
            "MandatoryMinFrameRate 50",
            ConstraintSet {
                frame_rate: min(50.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 720), None),
        ),
        (
            "MandatoryMinFrameRate below the valid range",
            ConstraintSet {
                frame_rate: min(-0.01),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryMaxFrameRate 10",
            ConstraintSet {
                frame_rate: max(10.0),
                ..cs()
            },
            (D3, (640, 480, 10.0), (640, 480), None),
        ),
        (
            "MandatoryMaxFrameRate above the valid range",
            ConstraintSet {
                frame_rate: max(1000.1),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryFrameRateRange 10-40",
            ConstraintSet {
                frame_rate: between(10.0, 40.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryFrameRateRange 25-35",
            ConstraintSet {
                frame_rate: between(25.0, 35.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryFrameRateRange 50-70",
            ConstraintSet {
                frame_rate: between(50.0, 70.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 720), None),
        ),
        (
            "IdealFrameRate 30",
            ConstraintSet {
                frame_rate: ideal(30.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "IdealFrameRate 55",
            ConstraintSet {
                frame_rate: ideal(55.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 720), Some(55.0)),
        ),
        (
            "IdealFrameRate 100",
            ConstraintSet {
                frame_rate: ideal(100.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 720), None),
        ),
        (
            "MandatoryExactAspectRatio",
            ConstraintSet {
                aspect_ratio: exact(4.0 / 3.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 375), None),
        ),
        (
            "MandatoryExactAspectRatio with width range and max height",
            ConstraintSet {
                aspect_ratio: exact(4.0 / 3.0),
                width: between(500.0, 1000.0),
                height: max(500.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 375), None),
        ),
        (
            "MandatoryExactAspectRatio with width and height ranges",
            ConstraintSet {
                aspect_ratio: exact(4.0 / 3.0),
                width: between(500.0, 1000.0),
                height: between(480.0, 500.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryMinAspectRatio",
            ConstraintSet {
                aspect_ratio: min(4.0 / 3.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 375), None),
        ),
        (
            "MandatoryMinAspectRatio with ranges",
            ConstraintSet {
                aspect_ratio: min(4.0 / 3.0),
                width: between(500.0, 1000.0),
                height: between(480.0, 500.0),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryMaxAspectRatio",
            ConstraintSet {
                aspect_ratio: max(0.5),
                ..cs()
            },
            (D1, (500, 500, 40.0), (250, 500), None),
        ),
        (
            "MandatoryMaxAspectRatio with exact width",
            ConstraintSet {
                aspect_ratio: max(0.5),
                width: exact(360.0),
                height: between(360.0, 720.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (360, 720), None),
        ),
        (
            "MandatoryAspectRatioRange 0.5-1",
            ConstraintSet {
                aspect_ratio: between(0.5, 1.0),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "MandatoryAspectRatioRange 3-4 with min height",
            ConstraintSet {
                aspect_ratio: between(3.0, 4.0),
                height: min(600.0),
                ..cs()
            },
            (D3, (1920, 1080, 60.0), (1920, 640), None),
        ),
        (
            "IdealAspectRatio 0.5",
            ConstraintSet {
                aspect_ratio: ideal(0.5),
                ..cs()
            },
            (D1, (500, 500, 40.0), (250, 500), None),
        ),
        (
            "IdealAspectRatio 1500",
            ConstraintSet {
                aspect_ratio: ideal(1500.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1280, 1), None),
        ),
        (
            "IdealAspectRatio 2000",
            ConstraintSet {
                aspect_ratio: ideal(2000.0),
                ..cs()
            },
            (D3, (1920, 1080, 60.0), (1920, 1), None),
        ),
        (
            "IdealAspectRatio 4000",
            ConstraintSet {
                aspect_ratio: ideal(4000.0),
                ..cs()
            },
            (D3, (2304, 1536, 10.0), (2304, 1), None),
        ),
        (
            "IdealAspectRatio 2 with exact height",
            ConstraintSet {
                aspect_ratio: ideal(2.0),
                height: exact(400.0),
                ..cs()
            },
            (D2, (800, 600, 20.0), (800, 400), None),
        ),
        (
            "IdealAspectRatio 3 with exact height",
            ConstraintSet {
                aspect_ratio: ideal(3.0),
                height: exact(400.0),
                ..cs()
            },
            (D3, (1280, 720, 60.0), (1200, 400), None),
        ),
        (
            "MandatoryResizeMode none",
            ConstraintSet {
                width: ideal(641.0),
                height: ideal(480.0),
                resize_mode: s_exact(&["none"]),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "MandatoryResizeMode crop-and-scale",
            ConstraintSet {
                width: ideal(641.0),
                height: ideal(480.0),
                resize_mode: s_exact(&["crop-and-scale"]),
                ..cs()
            },
            (D2, (800, 600, 20.0), (641, 480), None),
        ),
        (
            "IdealResizeMode",
            ConstraintSet {
                resize_mode: s_ideal(&["crop-and-scale"]),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "IdealResizeModeResolutionGreaterThanNative none",
            ConstraintSet {
                width: ideal(641.0),
                height: ideal(480.0),
                resize_mode: s_ideal(&["none"]),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "IdealResizeModeResolutionGreaterThanNative crop-and-scale",
            ConstraintSet {
                width: ideal(641.0),
                height: ideal(480.0),
                resize_mode: s_ideal(&["crop-and-scale"]),
                ..cs()
            },
            (D2, (800, 600, 20.0), (641, 480), None),
        ),
        (
            "IdealResizeModeResolutionLessThanNative none",
            ConstraintSet {
                width: ideal(639.0),
                height: ideal(479.0),
                resize_mode: s_ideal(&["none"]),
                ..cs()
            },
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "IdealResizeModeResolutionLessThanNative crop-and-scale",
            ConstraintSet {
                width: ideal(639.0),
                height: ideal(479.0),
                resize_mode: s_ideal(&["crop-and-scale"]),
                ..cs()
            },
            (D2, (640, 480, 30.0), (639, 479), None),
        ),
        (
            "TwoIdealResizeValues with resolution",
            ConstraintSet {
                width: ideal(641.0),
                height: ideal(481.0),
                resize_mode: s_ideal(&["none", "crop-and-scale"]),
                ..cs()
            },
            (D2, (800, 600, 20.0), (641, 481), None),
        ),
        (
            "TwoIdealResizeValues alone",
            ConstraintSet {
                resize_mode: s_ideal(&["none", "crop-and-scale"]),
                ..cs()
            },
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "InvalidFrameRateDevice",
            ConstraintSet {
                device_id: s_exact(&[D5]),
                ..cs()
            },
            (D5, (640, 480, 0.0), (640, 480), None),
        ),
        (
            "InvalidFrameRateDevice exact width",
            ConstraintSet {
                device_id: s_exact(&[D5]),
                width: exact(500.0),
                ..cs()
            },
            (D5, (500, 500, 0.1), (500, 500), None),
        ),
        (
            "InvertedDefaultResolution",
            ConstraintSet {
                device_id: s_exact(&[D3]),
                ..cs()
            },
            (D3, (640, 480, 30.0), (640, 480), None),
        ),
    ];
    for (name, set, want) in rows {
        expect(name, basic(set), want);
    }
}

#[test]
fn chromium_advanced_set_expectations() {
    let res = |w: (f64, f64), h: (f64, f64)| ConstraintSet {
        width: between(w.0, w.1),
        height: between(h.0, h.1),
        ..cs()
    };
    let huge = ConstraintSet {
        width: min(4000.0),
        height: min(4000.0),
        ..cs()
    };
    let vga_box = res((320.0, 640.0), (240.0, 480.0));
    let slow = ConstraintSet {
        frame_rate: max(10.0),
        ..cs()
    };
    let small = ConstraintSet {
        width: max(1000.0),
        height: max(1000.0),
        ..cs()
    };
    let exact_size = |w: f64, h: f64| ConstraintSet {
        width: exact(w),
        height: exact(h),
        ..cs()
    };
    let rows: Vec<(&str, TrackConstraints, Expect)> = vec![
        (
            "AdvancedMinMaxResolutionFrameRate 1",
            with_advanced(cs(), vec![huge.clone()]),
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "AdvancedMinMaxResolutionFrameRate 2",
            with_advanced(cs(), vec![huge.clone(), vga_box.clone()]),
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "AdvancedMinMaxResolutionFrameRate 3",
            with_advanced(cs(), vec![huge.clone(), vga_box.clone(), slow.clone()]),
            (D3, (640, 480, 10.0), (640, 480), None),
        ),
        (
            "AdvancedMinMaxResolutionFrameRate 4",
            with_advanced(
                cs(),
                vec![huge.clone(), vga_box.clone(), slow.clone(), small.clone()],
            ),
            (D3, (640, 480, 10.0), (640, 480), None),
        ),
        (
            "AdvancedMinMaxResolutionFrameRate 5",
            with_advanced(
                ConstraintSet {
                    width: ideal(100.0),
                    height: ideal(100.0),
                    ..cs()
                },
                vec![huge.clone(), vga_box.clone(), slow.clone(), small.clone()],
            ),
            (D2, (320, 240, 30.0), (320, 240), Some(10.0)),
        ),
        (
            "AdvancedMinMaxResolutionFrameRate 6",
            with_advanced(
                ConstraintSet {
                    width: ideal(2000.0),
                    height: ideal(1500.0),
                    ..cs()
                },
                vec![huge, vga_box, slow, small],
            ),
            (D3, (640, 480, 10.0), (640, 480), None),
        ),
        (
            "AdvancedResolutionAndFrameRate",
            with_advanced(
                cs(),
                vec![
                    exact_size(1920.0, 1080.0),
                    ConstraintSet {
                        frame_rate: exact(60.0),
                        ..cs()
                    },
                    exact_size(2304.0, 1536.0),
                ],
            ),
            (D3, (1920, 1080, 60.0), (1920, 1080), None),
        ),
        (
            "AdvancedContradictoryExactResolution",
            with_advanced(
                cs(),
                vec![exact_size(640.0, 480.0), exact_size(1920.0, 1080.0)],
            ),
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "AdvancedContradictoryMaxMinResolutionFrameRate",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        width: max(640.0),
                        height: max(480.0),
                        ..cs()
                    },
                    ConstraintSet {
                        width: min(1920.0),
                        height: min(1080.0),
                        frame_rate: exact(60.0),
                        ..cs()
                    },
                ],
            ),
            (D1, (200, 200, 40.0), (200, 200), None),
        ),
        (
            "AdvancedContradictoryMinMaxResolutionFrameRate",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        width: min(800.0),
                        height: min(600.0),
                        ..cs()
                    },
                    ConstraintSet {
                        width: max(640.0),
                        height: max(480.0),
                        frame_rate: exact(60.0),
                        ..cs()
                    },
                ],
            ),
            (D1, (1000, 1000, 20.0), (1000, 1000), None),
        ),
        (
            "AdvancedContradictoryExactAspectRatio",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        aspect_ratio: exact(2300.0),
                        ..cs()
                    },
                    ConstraintSet {
                        aspect_ratio: exact(3.0),
                        ..cs()
                    },
                ],
            ),
            // Target 2304x1 (as in Chromium); the track adapter then clamps the ratio to
            // 2300 (C4.1).
            (D3, (2304, 1536, 10.0), (2300, 1), None),
        ),
        (
            "AdvancedContradictoryAspectRatioRange",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        aspect_ratio: min(2300.0),
                        ..cs()
                    },
                    ConstraintSet {
                        aspect_ratio: max(3.0),
                        ..cs()
                    },
                ],
            ),
            (D3, (2304, 1536, 10.0), (2304, 1), None),
        ),
        (
            "AdvancedContradictoryExactFrameRate",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        frame_rate: exact(40.0),
                        ..cs()
                    },
                    ConstraintSet {
                        frame_rate: exact(45.0),
                        ..cs()
                    },
                ],
            ),
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "AdvancedContradictoryWidthFrameRate",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        width: max(1920.0),
                        ..cs()
                    },
                    ConstraintSet {
                        width: min(2000.0),
                        frame_rate: exact(10.0),
                        ..cs()
                    },
                    ConstraintSet {
                        frame_rate: exact(30.0),
                        ..cs()
                    },
                ],
            ),
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "AdvancedContradictoryHeightFrameRate",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        height: max(1080.0),
                        ..cs()
                    },
                    ConstraintSet {
                        height: min(1500.0),
                        frame_rate: exact(10.0),
                        ..cs()
                    },
                    ConstraintSet {
                        frame_rate: exact(60.0),
                        ..cs()
                    },
                ],
            ),
            (D3, (1280, 720, 60.0), (1280, 720), None),
        ),
        (
            "AdvancedDeviceID",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        device_id: s_exact(&[D1, D2]),
                        ..cs()
                    },
                    ConstraintSet {
                        device_id: s_exact(&[D2, D3]),
                        ..cs()
                    },
                ],
            ),
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "AdvancedGroupID",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        group_id: s_exact(&["fake_group1", "fake_group2"]),
                        ..cs()
                    },
                    ConstraintSet {
                        group_id: s_exact(&["fake_group2", "fake_group3"]),
                        ..cs()
                    },
                ],
            ),
            (D2, (640, 480, 30.0), (640, 480), None),
        ),
        (
            "AdvancedContradictoryDeviceID",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        device_id: s_exact(&[D1, D2]),
                        ..cs()
                    },
                    ConstraintSet {
                        device_id: s_exact(&[D3, "fake_device_4"]),
                        ..cs()
                    },
                ],
            ),
            (D1, (500, 500, 40.0), (500, 500), None),
        ),
        (
            "AdvancedContradictoryDeviceIDAndResolution",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        device_id: s_exact(&[D2]),
                        ..cs()
                    },
                    ConstraintSet {
                        device_id: s_exact(&[D3]),
                        width: max(50.0),
                        height: max(50.0),
                        ..cs()
                    },
                    exact_size(800.0, 600.0),
                ],
            ),
            (D2, (800, 600, 20.0), (800, 600), None),
        ),
        (
            "AdvancedContradictoryAspectRatioWidth",
            with_advanced(
                cs(),
                vec![
                    ConstraintSet {
                        aspect_ratio: min(17.0),
                        ..cs()
                    },
                    ConstraintSet {
                        width: max(1.0),
                        ..cs()
                    },
                ],
            ),
            (D1, (500, 500, 40.0), (500, 29), None),
        ),
        (
            "AdvancedResize",
            with_advanced(
                ConstraintSet {
                    width: ideal(1.0),
                    height: ideal(1.0),
                    ..cs()
                },
                vec![ConstraintSet {
                    resize_mode: s_exact(&["none"]),
                    ..cs()
                }],
            ),
            (D2, (40, 30, 20.0), (40, 30), None),
        ),
        (
            "AdvancedResolutionResizeFrameRate",
            with_advanced(
                ConstraintSet {
                    width: exact(639.0),
                    ..cs()
                },
                vec![ConstraintSet {
                    resize_mode: s_exact(&["none"]),
                    frame_rate: exact(19.0),
                    ..cs()
                }],
            ),
            (D2, (640, 480, 30.0), (639, 479), None),
        ),
    ];
    for (name, tc, want) in rows {
        expect(name, tc, want);
    }
}

#[test]
fn chromium_failure_expectations() {
    for (name, set, want) in [
        (
            "OverconstrainedOnFacingMode",
            ConstraintSet {
                facing_mode: s_exact(&["left"]),
                ..cs()
            },
            "facingMode",
        ),
        (
            "OverconstrainedOnEmptyResizeMode",
            ConstraintSet {
                resize_mode: s_exact(&[""]),
                ..cs()
            },
            "resizeMode",
        ),
        (
            "OverconstrainedOnHeight exact",
            ConstraintSet {
                height: exact(123467890.0),
                ..cs()
            },
            "height",
        ),
        (
            "OverconstrainedOnHeight max",
            ConstraintSet {
                height: max(0.0),
                ..cs()
            },
            "height",
        ),
        (
            "OverconstrainedOnWidth min",
            ConstraintSet {
                width: min(123467890.0),
                ..cs()
            },
            "width",
        ),
        (
            "OverconstrainedOnWidth max",
            ConstraintSet {
                width: max(0.0),
                ..cs()
            },
            "width",
        ),
        (
            "OverconstrainedOnAspectRatio exact",
            ConstraintSet {
                aspect_ratio: exact(123467890.0),
                ..cs()
            },
            "aspectRatio",
        ),
        (
            "OverconstrainedOnAspectRatio max",
            ConstraintSet {
                aspect_ratio: max(0.00001),
                ..cs()
            },
            "aspectRatio",
        ),
        (
            "OverconstrainedOnFrameRate exact",
            ConstraintSet {
                frame_rate: exact(123467890.0),
                ..cs()
            },
            "frameRate",
        ),
        (
            "OverconstrainedOnFrameRate max",
            ConstraintSet {
                frame_rate: max(0.0),
                ..cs()
            },
            "frameRate",
        ),
        (
            "BasicContradictoryWidth",
            ConstraintSet {
                width: between(10.0, 9.0),
                ..cs()
            },
            "width",
        ),
    ] {
        let (got, _) = failure(&basic(set), &fixtures());
        assert_eq!(got, want, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

pub(crate) mod properties {
    use super::super::sets::MAX_DIMENSION;
    use super::*;
    use crate::engine::fitness;
    use proptest::prelude::*;

    const FACINGS: [Option<&str>; 3] = [None, Some("user"), Some("environment")];
    const RATES: [f64; 8] = [0.0, 5.0, 10.0, 15.0, 24.0, 30000.0 / 1001.0, 30.0, 60.0];

    fn dimension(common: &'static [u32], max: u32) -> impl Strategy<Value = f64> {
        prop_oneof![prop::sample::select(common), 1..max].prop_map(f64::from)
    }

    fn fixed_mode() -> impl Strategy<Value = VideoMode> {
        (
            dimension(&[160, 320, 640, 1280, 1920], 2500),
            dimension(&[120, 240, 480, 720, 1080], 2000),
            prop::sample::select(&RATES[..]),
            prop::bool::weighted(0.3),
        )
            .prop_map(|(w, h, f, c)| if c { mjpeg(w, h, f) } else { raw(w, h, f) })
    }

    fn value_set(common: &'static [u32], max: u32) -> impl Strategy<Value = ValueSet> {
        prop_oneof![
            3 => dimension(common, max).prop_map(ValueSet::Fixed),
            1 => prop::collection::vec(dimension(common, max), 1..3).prop_map(ValueSet::List),
            1 => (dimension(common, max), dimension(common, max), prop::sample::select(&[0.0, 2.0, 16.0][..]))
                .prop_map(|(a, b, step)| ValueSet::Range { min: a.min(b), max: a.max(b), step }),
        ]
    }

    pub(crate) fn any_mode() -> impl Strategy<Value = VideoMode> {
        (
            value_set(&[160, 320, 640, 1280, 1920], 2500),
            value_set(&[120, 240, 480, 720, 1080], 2000),
            prop_oneof![
                3 => prop::sample::select(&RATES[..]).prop_map(ValueSet::Fixed),
                1 => prop::collection::vec(prop::sample::select(&RATES[..]), 1..3).prop_map(ValueSet::List),
                1 => (0.0..60.0f64, 0.0..60.0f64).prop_map(|(a, b)| ValueSet::Range { min: a.min(b), max: a.max(b), step: 0.0 }),
            ],
            prop::bool::weighted(0.3),
        )
            .prop_map(|(width, height, frame_rate, compressed)| VideoMode {
                width,
                height,
                frame_rate,
                format: if compressed { "image/jpeg" } else { "NV12" }.into(),
                compressed,
            })
    }

    pub(crate) fn cameras(
        mode: impl Strategy<Value = VideoMode>,
    ) -> impl Strategy<Value = Vec<Device>> {
        prop::collection::vec((0..FACINGS.len(), prop::collection::vec(mode, 0..5)), 0..4).prop_map(
            |v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (f, m))| camera(&format!("cam{i}"), FACINGS[f], m))
                    .collect()
            },
        )
    }

    fn num(lo: f64, hi: f64, integer: bool) -> impl Strategy<Value = Option<NumConstraint>> {
        let v = move || {
            prop::option::weighted(
                0.3,
                (lo..hi).prop_map(move |x| if integer { x.round() } else { x }),
            )
        };
        prop::option::weighted(0.4, (v(), v(), v(), v())).prop_map(|o| {
            o.map(|(min, max, exact, ideal)| NumConstraint {
                min,
                max,
                exact,
                ideal,
            })
        })
    }

    fn strs(values: &'static [&'static str]) -> impl Strategy<Value = Option<StrConstraint>> {
        let list = move || {
            prop::option::weighted(
                0.4,
                prop::sample::subsequence(values, 1..=2)
                    .prop_map(|l| l.into_iter().map(String::from).collect::<Vec<_>>()),
            )
        };
        prop::option::weighted(0.4, (list(), list()))
            .prop_map(|o| o.map(|(exact, ideal)| StrConstraint { exact, ideal }))
    }

    fn constraint_set() -> impl Strategy<Value = ConstraintSet> {
        (
            num(0.0, 2600.0, true),
            num(0.0, 2100.0, true),
            num(0.2, 3.0, false),
            num(0.0, 70.0, false),
            strs(&["user", "environment", "left"]),
            strs(&["none", "crop-and-scale", "invalid"]),
            strs(&["cam0", "cam1", "cam2", "nope"]),
        )
            .prop_map(
                |(width, height, aspect_ratio, frame_rate, facing_mode, resize_mode, device_id)| {
                    ConstraintSet {
                        width,
                        height,
                        aspect_ratio,
                        frame_rate,
                        facing_mode,
                        resize_mode,
                        device_id,
                        ..Default::default()
                    }
                },
            )
    }

    pub(crate) fn track_constraints() -> impl Strategy<Value = TrackConstraints> {
        (
            constraint_set(),
            prop::collection::vec(constraint_set(), 0..3),
        )
            .prop_map(|(basic, advanced)| TrackConstraints { basic, advanced })
    }

    /// Values no parser should let through, and a few that are merely odd.
    fn wild() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-1.0),
            Just(0.0),
            Just(f64::MIN_POSITIVE),
            Just(1e300),
            Just(4294967295.0),
            -1e4..1e4f64,
            any::<f64>(),
        ]
    }

    fn wild_num() -> impl Strategy<Value = Option<NumConstraint>> {
        let v = || prop::option::of(wild());
        prop::option::of((v(), v(), v(), v())).prop_map(|o| {
            o.map(|(min, max, exact, ideal)| NumConstraint {
                min,
                max,
                exact,
                ideal,
            })
        })
    }

    fn wild_set() -> impl Strategy<Value = ConstraintSet> {
        (
            wild_num(),
            wild_num(),
            wild_num(),
            wild_num(),
            strs(&["none", "crop-and-scale", ""]),
        )
            .prop_map(|(width, height, aspect_ratio, frame_rate, resize_mode)| {
                ConstraintSet {
                    width,
                    height,
                    aspect_ratio,
                    frame_rate,
                    resize_mode,
                    ..Default::default()
                }
            })
    }

    fn wild_value_set() -> impl Strategy<Value = ValueSet> {
        prop_oneof![
            wild().prop_map(ValueSet::Fixed),
            prop::collection::vec(wild(), 0..3).prop_map(ValueSet::List),
            (wild(), wild(), wild()).prop_map(|(min, max, step)| ValueSet::Range {
                min,
                max,
                step
            }),
        ]
    }

    fn wild_cameras() -> impl Strategy<Value = Vec<Device>> {
        let mode = (
            wild_value_set(),
            wild_value_set(),
            wild_value_set(),
            any::<bool>(),
        )
            .prop_map(|(width, height, frame_rate, compressed)| VideoMode {
                width,
                height,
                frame_rate,
                format: "YUY2".into(),
                compressed,
            });
        prop::collection::vec(prop::collection::vec(mode, 0..3), 0..3).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, m)| camera(&format!("cam{i}"), None, m))
                .collect()
        })
    }

    // -----------------------------------------------------------------------------------------
    // (a) required constraints hold

    fn bounds(c: &Option<NumConstraint>) -> Vec<(&'static str, f64)> {
        let Some(c) = c else { return vec![] };
        [("min", c.min), ("max", c.max), ("exact", c.exact)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect()
    }

    fn check(
        member: &str,
        v: f64,
        c: &Option<NumConstraint>,
        tol: f64,
    ) -> Result<(), TestCaseError> {
        for (kind, b) in bounds(c) {
            let ok = match kind {
                "min" => v >= b - tol,
                "max" => v <= b + tol,
                _ => (v - b).abs() <= tol,
            };
            prop_assert!(ok, "{member} {v} violates {kind} {b}");
        }
        Ok(())
    }

    fn check_required(
        cs: &ConstraintSet,
        p: &VideoPlan,
        devices: &[Device],
    ) -> Result<(), TestCaseError> {
        let (w, h) = (p.width as f64, p.height as f64);
        let rel = |v: f64| 1e-5 * v.abs().max(1.0);
        check("width", w, &cs.width, rel(w))?;
        check("height", h, &cs.height, rel(h))?;
        let fr = p.settings.frame_rate;
        check("frameRate", fr, &cs.frame_rate, rel(fr))?;
        // Integer frames cannot hit every ratio: allow the rounding of C3/C4 (a few pixels).
        let ar = w / h;
        check(
            "aspectRatio",
            ar,
            &cs.aspect_ratio,
            rel(ar) + ar * (3.0 / w + 3.0 / h),
        )?;
        let dev = &devices[p.device];
        if let Some(l) = cs.device_id.as_ref().and_then(|c| c.exact.as_ref()) {
            prop_assert!(l.contains(&dev.device_id));
        }
        if let Some(l) = cs.facing_mode.as_ref().and_then(|c| c.exact.as_ref()) {
            prop_assert!(dev.facing_mode.as_ref().is_some_and(|f| l.contains(f)));
        }
        prop_assert!(p.width <= p.native_width && p.height <= p.native_height);
        prop_assert!(p.settings.frame_rate <= p.native_frame_rate + 1e-9);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // (b) brute-force reference: every camera × fixed mode × option, vectors as Vec<f64>

    type Bounds = (Option<f64>, Option<f64>);

    fn lower(c: &Option<NumConstraint>) -> Option<f64> {
        let c = c.as_ref()?;
        match (c.exact, c.min) {
            (Some(e), Some(m)) => Some(e.max(m)),
            (e, m) => e.or(m),
        }
    }

    fn upper(c: &Option<NumConstraint>) -> Option<f64> {
        let c = c.as_ref()?;
        match (c.exact, c.max) {
            (Some(e), Some(m)) => Some(e.min(m)),
            (e, m) => e.or(m),
        }
    }

    fn valid(lo: Option<f64>, hi: Option<f64>, vmin: f64, vmax: f64) -> Bounds {
        if hi.is_some_and(|h| h < vmin) || lo.is_some_and(|l| l > vmax) {
            return (Some(1.0), Some(0.0));
        }
        (lo.filter(|&l| l >= vmin), hi.filter(|&h| h <= vmax))
    }

    fn meet(a: Bounds, b: Bounds) -> Bounds {
        let pick = |x: Option<f64>, y: Option<f64>, f: fn(f64, f64) -> f64| match (x, y) {
            (Some(x), Some(y)) => Some(f(x, y)),
            (x, y) => x.or(y),
        };
        (pick(a.0, b.0, f64::max), pick(a.1, b.1, f64::min))
    }

    fn inside(b: Bounds, v: f64) -> bool {
        b.0.is_none_or(|m| v >= m) && b.1.is_none_or(|m| v <= m)
    }

    fn list_of(c: &Option<StrConstraint>, exact: bool) -> Option<&Vec<String>> {
        c.as_ref()
            .and_then(|c| {
                if exact {
                    c.exact.as_ref()
                } else {
                    c.ideal.as_ref()
                }
            })
            .filter(|l| !l.is_empty())
    }

    fn device_ok(cs: &ConstraintSet, d: &Device) -> bool {
        let ok = |c: &Option<StrConstraint>, v: Option<&str>| match list_of(c, true) {
            None => true,
            Some(l) => v.is_some_and(|v| l.iter().any(|x| x == v)),
        };
        ok(&cs.device_id, Some(&d.device_id))
            && ok(&cs.group_id, Some(&d.group_id))
            && ok(&cs.facing_mode, d.facing_mode.as_deref())
    }

    #[derive(Clone)]
    struct State {
        native: bool,
        rescale: bool,
        res: ResolutionSet,
        fr: Bounds,
        w: Bounds,
        h: Bounds,
        ar: Bounds,
    }

    fn apply(s: &State, cs: &ConstraintSet, w: i64, h: i64, f: f64) -> Option<State> {
        let (mut native, mut rescale) = (s.native, s.rescale);
        if let Some(l) = list_of(&cs.resize_mode, true) {
            let has_none = l.iter().any(|x| x == "none");
            let has_rescale = l.iter().any(|x| x == "crop-and-scale");
            if !(has_none && has_rescale) {
                native &= has_none;
                rescale &= has_rescale;
            }
        }
        if !native && !rescale {
            return None;
        }
        let dim = |v: f64| (v as i64).clamp(0, MAX_DIMENSION);
        let ratio = |v: f64| v.max(0.0);
        let wanted = ResolutionSet {
            min_h: lower(&cs.height).map_or(0, dim),
            max_h: upper(&cs.height).map_or(MAX_DIMENSION, dim),
            min_w: lower(&cs.width).map_or(0, dim),
            max_w: upper(&cs.width).map_or(MAX_DIMENSION, dim),
            min_ar: lower(&cs.aspect_ratio).map_or(0.0, ratio),
            max_ar: upper(&cs.aspect_ratio).map_or(f64::INFINITY, ratio),
        };
        let mut res = s.res.intersect(&wanted);
        if !rescale {
            res = res.intersect(&ResolutionSet::exact_resolution(w, h));
        }
        if res.is_empty() {
            return None;
        }
        let flo = lower(&cs.frame_rate).unwrap_or(-1.0);
        let fhi = upper(&cs.frame_rate).unwrap_or(1000.0);
        if flo > f
            || flo > s.fr.1.unwrap_or(1000.0) + 1e-5
            || fhi < f64::MIN_POSITIVE
            || fhi < s.fr.0.unwrap_or(0.0) - 1e-5
            || flo > fhi
        {
            return None;
        }
        // Without rescaling no frame is dropped either: the native rate meets every maximum.
        let native_hi = fhi.min(s.fr.1.unwrap_or(1000.0));
        if !rescale && f > native_hi && !crate::engine::num::approx_eq(f, native_hi) {
            return None;
        }
        Some(State {
            native,
            rescale,
            res,
            fr: meet(
                s.fr,
                valid(lower(&cs.frame_rate), upper(&cs.frame_rate), 0.0, 1000.0),
            ),
            w: meet(
                s.w,
                valid(
                    lower(&cs.width),
                    upper(&cs.width),
                    1.0,
                    MAX_DIMENSION as f64,
                ),
            ),
            h: meet(
                s.h,
                valid(
                    lower(&cs.height),
                    upper(&cs.height),
                    1.0,
                    MAX_DIMENSION as f64,
                ),
            ),
            ar: meet(
                s.ar,
                valid(
                    lower(&cs.aspect_ratio),
                    upper(&cs.aspect_ratio),
                    0.0,
                    f64::INFINITY,
                ),
            ),
        })
    }

    struct Scored {
        vector: Vec<f64>,
        device: usize,
        mode: usize,
    }

    fn fixed(v: &ValueSet) -> f64 {
        match v {
            ValueSet::Fixed(x) => *x,
            _ => unreachable!("the reference only scores fixed modes"),
        }
    }

    fn reference(tc: &TrackConstraints, devices: &[Device]) -> Vec<Scored> {
        let b = &tc.basic;
        let d = |v: f64, ideal: Option<f64>| ideal.map_or(0.0, |i| fitness::numeric(v, i));
        let ideal = |c: &Option<NumConstraint>| c.as_ref().and_then(|c| c.ideal);
        let (iw, ih, iar, ifr) = (
            ideal(&b.width),
            ideal(&b.height),
            ideal(&b.aspect_ratio),
            ideal(&b.frame_rate),
        );
        let mut out = vec![];
        let cams = devices
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match &d.capture {
                Capture::Video(m) => Some((i, d, m)),
                _ => None,
            });
        for (ordinal, (index, dev, modes)) in cams.enumerate() {
            if !device_ok(b, dev) {
                continue;
            }
            let dev_fit = [
                (&b.device_id, Some(dev.device_id.as_str())),
                (&b.group_id, Some(dev.group_id.as_str())),
                (&b.facing_mode, dev.facing_mode.as_deref()),
            ]
            .into_iter()
            .map(|(c, v)| match list_of(c, false) {
                Some(l) if v.is_some_and(|v| l.iter().any(|x| x == v)) => 0.0,
                Some(_) => 1.0,
                None => 0.0,
            })
            .sum::<f64>();
            for (mi, m) in modes.iter().enumerate() {
                let (w, h, f) = (
                    fixed(&m.width) as i64,
                    fixed(&m.height) as i64,
                    fixed(&m.frame_rate),
                );
                let start = State {
                    native: true,
                    rescale: true,
                    res: ResolutionSet::for_native(w, h),
                    fr: (None, None),
                    w: (None, None),
                    h: (None, None),
                    ar: (None, None),
                };
                let Some(mut s) = apply(&start, b, w, h, f) else {
                    continue;
                };
                let mut prefix = vec![];
                for a in &tc.advanced {
                    match apply(&s, a, w, h, f).filter(|_| device_ok(a, dev)) {
                        Some(n) => {
                            s = n;
                            prefix.push(0.0);
                        }
                        None => prefix.push(f64::INFINITY),
                    }
                }
                let fr_t = match ifr {
                    Some(i) => {
                        let mut v = i.max(f64::MIN_POSITIVE);
                        if let Some(lo) = s.fr.0 {
                            v = v.max(lo);
                        }
                        if let Some(hi) = s.fr.1 {
                            v = v.min(hi);
                        }
                        Some(v)
                    }
                    None => s.fr.1,
                };
                let rate = fr_t.filter(|&r| r <= f && s.rescale).unwrap_or(f);
                let resize = list_of(&b.resize_mode, false);
                let penalty = |v: &str| {
                    resize.map_or(0.0, |l| if l.iter().any(|x| x == v) { 0.0 } else { 1.0 })
                };
                let mut options = vec![];
                let war = w as f64 / h as f64;
                if s.native && inside(s.w, w as f64) && inside(s.h, h as f64) && inside(s.ar, war) {
                    options.push(
                        d(war, iar)
                            + d(h as f64, ih)
                            + d(w as f64, iw)
                            + d(rate, ifr)
                            + penalty("none"),
                    );
                }
                if s.rescale {
                    let p = s.res.closest_point_to_ideal(ih, iw, iar, h, w);
                    let (tw, th) = (p.w.round(), p.h.round());
                    options.push(
                        d(tw / th, iar)
                            + d(th, ih)
                            + d(tw, iw)
                            + d(rate, ifr)
                            + penalty("crop-and-scale"),
                    );
                }
                let rf =
                    |ideal: Option<f64>, lo: f64, hi: f64| ideal.map_or(hi, |i| i.min(hi).max(lo));
                let min_f =
                    s.fr.0
                        .map_or(f64::MIN_POSITIVE, |m| m.max(f64::MIN_POSITIVE));
                let max_f = s.fr.1.map_or(f, |m| m.min(f));
                let nf = fitness::numeric(w as f64, rf(iw, s.res.min_w as f64, s.res.max_w as f64))
                    + fitness::numeric(h as f64, rf(ih, s.res.min_h as f64, s.res.max_h as f64))
                    + fitness::numeric(f, rf(ifr, min_f, max_f));
                for fit in options {
                    let mut vector = prefix.clone();
                    vector.extend([
                        dev_fit + fit,
                        nf,
                        ordinal as f64,
                        ((h - 480) * (h - 480) + (w - 640) * (w - 640)) as f64,
                        fitness::numeric(f, 30.0),
                        if m.compressed { 1.0 } else { 0.0 },
                    ]);
                    out.push(Scored {
                        vector,
                        device: index,
                        mode: mi,
                    });
                }
            }
        }
        out
    }

    /// Lexicographic `a < b`, entries closer than a rounding error counting as equal.
    fn less(a: &[f64], b: &[f64]) -> bool {
        for (x, y) in a.iter().zip(b) {
            let tol = 1e-9 * x.abs().max(y.abs()).max(1.0);
            if x.is_finite() && y.is_finite() && (x - y).abs() <= tol {
                continue;
            }
            if x < y {
                return true;
            }
            if y < x {
                return false;
            }
        }
        false
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn required_constraints_hold(devices in cameras(any_mode()), tc in track_constraints()) {
            if let Ok(p) = select(&tc, &devices) {
                check_required(&tc.basic, &p, &devices)?;
            }
        }

        #[test]
        fn choice_is_optimal_against_brute_force(devices in cameras(fixed_mode()), tc in track_constraints()) {
            let all = reference(&tc, &devices);
            match select(&tc, &devices) {
                Ok(p) => {
                    let mine: Vec<&Scored> = all.iter().filter(|s| s.device == p.device && s.mode == p.mode).collect();
                    prop_assert!(!mine.is_empty(), "chosen candidate is invalid for the reference");
                    let best_mine = mine.iter().map(|s| &s.vector).fold(None::<&Vec<f64>>, |acc, v| match acc {
                        Some(a) if !less(v, a) => Some(a),
                        _ => Some(v),
                    }).unwrap();
                    for s in &all {
                        prop_assert!(!less(&s.vector, best_mine),
                            "camera {} mode {} {:?} beats the choice {} {} {:?}",
                            s.device, s.mode, s.vector, p.device, p.mode, best_mine);
                    }
                }
                Err(e) => {
                    prop_assert!(all.is_empty(), "reference found candidates, engine said {e:?}");
                }
            }
        }

        #[test]
        fn adding_a_camera_keeps_a_request_satisfiable(
            devices in cameras(any_mode()),
            extra in cameras(any_mode()),
            front in any::<bool>(),
            tc in track_constraints(),
        ) {
            if select(&tc, &devices).is_ok() {
                let mut more = devices.clone();
                for (i, mut d) in extra.into_iter().enumerate() {
                    d.device_id = format!("extra{i}");
                    if front { more.insert(0, d) } else { more.push(d) }
                }
                prop_assert!(select(&tc, &more).is_ok());
            }
        }

        #[test]
        fn never_panics(
            devices in wild_cameras(),
            basic in wild_set(),
            advanced in prop::collection::vec(wild_set(), 0..3),
        ) {
            let tc = TrackConstraints { basic, advanced };
            if let Ok(p) = select(&tc, &devices) {
                prop_assert!(p.device < devices.len());
            }
        }
    }
}

#[test]
fn trace_reports_every_candidate_without_changing_the_choice() {
    let devices = fixtures();
    let candidates: usize = devices
        .iter()
        .map(|d| match &d.capture {
            Capture::Video(m) => m.len(),
            Capture::Audio(_) => 0,
        })
        .sum();
    for cs in [
        ConstraintSet::default(),
        ConstraintSet {
            width: ideal(321.0),
            ..Default::default()
        },
        ConstraintSet {
            height: min(700.0),
            frame_rate: ideal(31.0),
            ..Default::default()
        },
    ] {
        let tc = basic(cs);
        let mut lines = Vec::new();
        let traced = super::select_traced(
            &tc,
            &devices,
            Some(&mut |l: &str| lines.push(l.to_string())),
        );
        assert_eq!(traced, super::select(&tc, &devices));
        assert_eq!(lines.len(), candidates, "{lines:#?}");
        assert!(lines.iter().all(|l| l.starts_with("device ")), "{lines:#?}");
    }
    let tc = basic(ConstraintSet {
        height: min(700.0),
        ..Default::default()
    });
    let mut lines = Vec::new();
    let _ = super::select_traced(
        &tc,
        &devices,
        Some(&mut |l: &str| lines.push(l.to_string())),
    );
    assert!(
        lines.iter().any(|l| l.contains("rejected by height")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("fitness 0.000000")),
        "{lines:#?}"
    );
}

#[test]
fn required_crop_and_scale_is_reported_even_at_the_native_size() {
    let p = pick(&basic(ConstraintSet {
        resize_mode: s_exact(&["crop-and-scale"]),
        ..Default::default()
    }));
    assert_eq!(p.settings.resize_mode, "crop-and-scale");
}
