// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! What an operation tells the application once it is over.

use super::error::{Severity, UserMediaError};
use crate::engine::Kind;
use crate::engine::parse::ParseWarning;

/// Posted by the element after the operation released its lock, in this order: constraint
/// keys the element does not know (`usermedia-warning`), errors, element messages, EOS on ended pads, LATENCY, `notify::settings` / `notify::capabilities`.
#[derive(Default)]
pub(super) struct Outcome {
    pub warnings: Vec<ParseWarning>,
    pub errors: Vec<(UserMediaError, Severity)>,
    pub messages: Vec<gst::Structure>,
    pub eos: Vec<gst::GhostPad>,
    pub latency: bool,
    pub notify: bool,
    /// A grant's new restore token (`restore-token`).
    pub restore_token: Option<String>,
}

impl Outcome {
    pub fn warning(e: UserMediaError) -> Self {
        Outcome {
            errors: vec![(e, Severity::Warning)],
            ..Outcome::default()
        }
    }

    pub fn append(&mut self, other: Outcome) {
        self.warnings.extend(other.warnings);
        self.errors.extend(other.errors);
        self.messages.extend(other.messages);
        self.eos.extend(other.eos);
        self.latency |= other.latency;
        self.notify |= other.notify;
        if other.restore_token.is_some() {
            self.restore_token = other.restore_token;
        }
    }

    /// `usermedia-capture` { `kind`, `deviceId`, `active` }: the in-use indicator.
    pub fn capture(&mut self, kind: Kind, device_id: &str, active: bool) {
        self.messages.push(
            gst::Structure::builder("usermedia-capture")
                .field("kind", kind.device_kind())
                .field("deviceId", device_id)
                .field("active", active)
                .build(),
        );
    }
}
