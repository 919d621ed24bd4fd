// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The element's debug category: `GST_DEBUG=usermediasrc:6` shows every candidate and its
//! distance, `usermediasrc:4` every getUserMedia, applyConstraints, swap, unplug and failover.

use std::sync::LazyLock;

pub(super) static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "usermediasrc",
        gst::DebugColorFlags::empty(),
        Some("getUserMedia source bin"),
    )
});
