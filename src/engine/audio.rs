// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Audio selection: Chromium's processing-path model, with webrtcdsp as the voice processor.

use super::{AudioEnvironment, AudioPlan, Device, MediaError, TrackConstraints};

pub fn select(
    tc: &TrackConstraints,
    devices: &[Device],
    env: &AudioEnvironment,
) -> Result<AudioPlan, MediaError> {
    let _ = (tc, devices, env);
    Err(MediaError::NotFound {
        message: "audio selection is not implemented".into(),
    })
}
