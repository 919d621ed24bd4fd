// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Video selection: Chromium's SelectSettingsVideoDeviceCapture over native modes, with capture
//! ranges handled exactly.

use super::{Device, MediaError, TrackConstraints, VideoPlan};

pub fn select(tc: &TrackConstraints, devices: &[Device]) -> Result<VideoPlan, MediaError> {
    let _ = (tc, devices);
    Err(MediaError::NotFound {
        message: "video selection is not implemented".into(),
    })
}
