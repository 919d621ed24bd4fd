// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Selection cost: cameras × discrete modes with a realistic request (5 basic constraints and
//! 3 advanced sets), the same over capture ranges, and how it scales with the number of modes and
//! with the number of cameras.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gstusermedia::engine::fixtures::{camera, mjpeg, range, raw};
use gstusermedia::engine::{
    ConstraintSet, Device, NumConstraint, StrConstraint, TrackConstraints, VideoMode, video,
};

const SIZES: [(f64, f64); 12] = [
    (160.0, 120.0),
    (320.0, 180.0),
    (320.0, 240.0),
    (424.0, 240.0),
    (640.0, 360.0),
    (640.0, 480.0),
    (800.0, 600.0),
    (960.0, 540.0),
    (1024.0, 768.0),
    (1280.0, 720.0),
    (1600.0, 1200.0),
    (1920.0, 1080.0),
];
const RATES: [f64; 5] = [5.0, 10.0, 15.0, 30.0, 60.0];

/// `n` discrete modes per camera, cycling through common sizes, rates and raw/MJPEG.
fn cameras(count: usize, modes: usize) -> Vec<Device> {
    (0..count)
        .map(|d| {
            let modes = (0..modes)
                .map(|i| {
                    let (w, h) = SIZES[(i + d) % SIZES.len()];
                    // Vary sizes slightly so modes are distinct.
                    let bump = ((i / SIZES.len()) % 8) as f64 * 8.0;
                    let rate = RATES[(i / 3) % RATES.len()];
                    let mode = if i % 2 == 1 { mjpeg } else { raw };
                    mode(w + bump, h, rate)
                })
                .collect();
            let facing = [None, Some("user"), Some("environment")][d % 3];
            camera(&format!("camera{d}"), &format!("group{d}"), facing, modes)
        })
        .collect()
}

/// Cameras whose modes are capture ranges (stepwise sizes, continuous rates).
fn range_cameras(count: usize, modes: usize) -> Vec<Device> {
    (0..count)
        .map(|d| {
            let modes = (0..modes)
                .map(|i| VideoMode {
                    width: range(160.0, 1920.0 + 64.0 * i as f64, 8.0),
                    height: range(120.0, 1080.0 + 32.0 * i as f64, 8.0),
                    frame_rate: range(5.0, 30.0 * (1 + i % 2) as f64, 0.0),
                    format: if i % 2 == 1 { "image/jpeg" } else { "NV12" }.into(),
                    compressed: i % 2 == 1,
                })
                .collect();
            camera(&format!("camera{d}"), &format!("group{d}"), None, modes)
        })
        .collect()
}

fn num(
    min: Option<f64>,
    max: Option<f64>,
    exact: Option<f64>,
    ideal: Option<f64>,
) -> Option<NumConstraint> {
    Some(NumConstraint {
        min,
        max,
        exact,
        ideal,
    })
}

/// Five basic constraints and three advanced sets.
fn request() -> TrackConstraints {
    TrackConstraints {
        basic: ConstraintSet {
            width: num(Some(320.0), None, None, Some(1280.0)),
            height: num(None, Some(1080.0), None, Some(720.0)),
            aspect_ratio: num(None, None, None, Some(16.0 / 9.0)),
            frame_rate: num(None, Some(60.0), None, Some(30.0)),
            facing_mode: Some(StrConstraint {
                exact: None,
                ideal: Some(vec!["user".into()]),
            }),
            ..Default::default()
        },
        advanced: vec![
            ConstraintSet {
                width: num(Some(640.0), None, None, None),
                ..Default::default()
            },
            ConstraintSet {
                frame_rate: num(Some(25.0), None, None, None),
                ..Default::default()
            },
            ConstraintSet {
                aspect_ratio: num(None, None, Some(1.7777), None),
                ..Default::default()
            },
        ],
    }
}

fn bench(c: &mut Criterion) {
    let tc = request();

    let devices = cameras(10, 1000);
    let mut group = c.benchmark_group("select_video");
    group.throughput(Throughput::Elements(10 * 1000));
    group.bench_function("10x1000", |b| {
        b.iter(|| video::select(black_box(&tc), black_box(&devices)))
    });
    group.finish();

    let devices = range_cameras(10, 4);
    let mut group = c.benchmark_group("select_video_ranges");
    group.bench_function("10x4", |b| {
        b.iter(|| video::select(black_box(&tc), black_box(&devices)))
    });
    group.finish();

    let mut group = c.benchmark_group("select_video_scaling");
    for modes in [10, 100, 1000, 10000] {
        let devices = cameras(10, modes);
        group.throughput(Throughput::Elements(10 * modes as u64));
        group.bench_with_input(BenchmarkId::from_parameter(modes), &devices, |b, d| {
            b.iter(|| video::select(black_box(&tc), black_box(d)))
        });
    }
    group.finish();

    // The same curve along the other axis: more cameras of 20 modes each (a typical UVC camera
    // lists 10 to 40).
    let mut group = c.benchmark_group("select_video_devices");
    for count in [1, 4, 16, 64] {
        let devices = cameras(count, 20);
        group.throughput(Throughput::Elements(count as u64 * 20));
        group.bench_with_input(BenchmarkId::from_parameter(count), &devices, |b, d| {
            b.iter(|| video::select(black_box(&tc), black_box(d)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
