// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Parsing `MediaStreamConstraints` from JSON or a JavaScript object literal.

use super::{MediaError, MediaStreamConstraints};

/// Parse a constraints string (JSON, or JSON5 as MDN writes object literals).
pub fn parse(input: &str) -> Result<MediaStreamConstraints, MediaError> {
    let _ = input;
    Err(MediaError::type_error("constraint parsing is not implemented"))
}
