// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! How fast hostile constraint strings are answered. Over-long and over-deep input (a 1 MB
//! string, 10,000 nested arrays or objects, a 100,000-element array) is rejected before it is
//! parsed, in well under a microsecond; the most expensive input within the limits (64 KiB of
//! 32-deep nesting or of advanced sets) is parsed in full, in a few milliseconds.
//! tests/hostile_constraints.rs checks the answers themselves.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gstusermedia::engine::parse::{parse, parse_with_warnings};

fn hostile(c: &mut Criterion) {
    let hostile = [
        (
            "1 MB string",
            format!("{{video: {{deviceId: '{}'}}}}", "a".repeat(1 << 20)),
        ),
        (
            "10,000 nested arrays",
            format!(
                "{{video: true, x: {}{}}}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        (
            "10,000 nested objects",
            format!("{}{}", "{a:".repeat(10_000), "}".repeat(10_000)),
        ),
        ("60,000 unclosed brackets", "[".repeat(60_000)),
        (
            "100,000-element array",
            format!(
                "{{video: {{deviceId: [{}]}}}}",
                vec!["'a'"; 100_000].join(",")
            ),
        ),
        (
            "20,000-element array within the size limit",
            format!("{{video: {{deviceId: [{}]}}}}", vec!["1"; 20_000].join(",")),
        ),
        (
            "10,000-digit number",
            format!("{{video: {{width: {{exact: 1{}}}}}}}", "0".repeat(10_000)),
        ),
    ];
    // Accepted, but as large as the limits allow.
    let nest = format!("{}{}", "[".repeat(30), "]".repeat(30));
    let worst = [
        (
            "64 KiB of 32-deep arrays",
            format!("{{video: true, x: [{}]}}", vec![nest; 1070].join(",")),
        ),
        (
            "64 KiB of advanced sets",
            format!(
                "{{video: {{advanced: [{}]}}}}",
                vec!["{width: {min: 1, max: 2}}"; 2500].join(",")
            ),
        ),
        (
            "64 KiB of legacy optional entries",
            format!(
                "{{video: {{optional: [{}]}}}}",
                vec!["{minWidth: 1}"; 4500].join(",")
            ),
        ),
    ];
    // Every key unknown: the cost of naming them (suggestions against every known name).
    let unknown = format!(
        "{{video: {{{}}}}}",
        (0..5000)
            .map(|i| format!("k{i}x: 1"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut group = c.benchmark_group("hostile");
    for (name, input) in &hostile {
        assert!(parse(input).is_err(), "{name} must be rejected");
        group.bench_function(*name, |b| b.iter(|| parse(black_box(input))));
    }
    for (name, input) in &worst {
        assert!(input.len() <= 64 * 1024, "{name} is {} bytes", input.len());
        assert!(parse(input).is_ok(), "{name} must be accepted");
        group.bench_function(*name, |b| b.iter(|| parse(black_box(input))));
    }
    assert!(unknown.len() <= 64 * 1024);
    assert_eq!(parse_with_warnings(&unknown).unwrap().1.len(), 5000);
    group.bench_function("64 KiB of unknown keys, with warnings", |b| {
        b.iter(|| parse_with_warnings(black_box(&unknown)))
    });
    group.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
