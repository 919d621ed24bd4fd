// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The constraints parser on arbitrary text: it must answer (a value or a TypeError), never
//! panic, hang or blow up, and what it accepts must keep the parser's promises.

#![no_main]

use gstusermedia::engine::parse::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let result = parse(&text);
    usermedia_fuzz::check_parsed(&text, &result);
});
