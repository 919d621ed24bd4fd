// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The errors getUserMedia rejects with, as far as selection decides them.

/// A selection failure. The element adds NotAllowedError, NotReadableError and AbortError,
/// which only opening a device can produce.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MediaError {
    /// Malformed constraints, nothing requested, or a required constraint that may not be used
    /// for device selection.
    #[error("TypeError: {message}")]
    TypeError { message: String },
    /// No device of a requested kind.
    #[error("NotFoundError: {message}")]
    NotFound { message: String },
    /// No device satisfies the required constraints. `constraint` is the W3C name of the
    /// constraint that failed (may be empty), `message` says what each device offers.
    #[error("OverconstrainedError: {message}")]
    Overconstrained { constraint: String, message: String },
}

impl MediaError {
    /// The DOMException name.
    pub fn name(&self) -> &'static str {
        match self {
            MediaError::TypeError { .. } => "TypeError",
            MediaError::NotFound { .. } => "NotFoundError",
            MediaError::Overconstrained { .. } => "OverconstrainedError",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            MediaError::TypeError { message }
            | MediaError::NotFound { message }
            | MediaError::Overconstrained { message, .. } => message,
        }
    }

    /// The failed constraint of an OverconstrainedError.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            MediaError::Overconstrained { constraint, .. } => Some(constraint),
            _ => None,
        }
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        MediaError::TypeError {
            message: message.into(),
        }
    }
}
