// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Selection over arbitrary devices (cameras and microphones with fixed, list and range
//! values, NaN, infinities, zero, negative, huge and empty lists included) and arbitrary
//! constraints: it must answer, never panic, and a plan must meet the required constraints.
//! The input layout is described in `usermedia_fuzz` (fuzz/src/lib.rs).

#![no_main]

use gstusermedia::engine::{self, parse::parse};
use libfuzzer_sys::fuzz_target;
use usermedia_fuzz::{check_parsed, check_selection, decode_select_input};

fuzz_target!(|data: &[u8]| {
    let input = decode_select_input(data);
    let parsed = parse(&input.constraints);
    check_parsed(&input.constraints, &parsed);
    if let Ok(constraints) = parsed {
        let result = engine::select(&constraints, &input.devices, &input.env);
        check_selection(&constraints, &input.devices, &result);
    }
});
