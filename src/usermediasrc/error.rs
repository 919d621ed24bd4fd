// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The errors the element reports, one variant per DOMException name, each with its GStreamer
//! error domain and code. They reach the bus as `ERROR` (getUserMedia, a failing track) or
//! `WARNING` (a failed applyConstraints) with a `usermedia-error` details structure
//! { `name`, `message`, `constraint` }.

use gst::prelude::*;
use gst::subclass::prelude::*;

use crate::engine::MediaError;
use crate::engine::parse::ParseWarning;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UserMediaError {
    /// Malformed constraints, or a request the element cannot take (e.g. adding a track).
    Type(String),
    /// No device of a requested kind.
    NotFound(String),
    /// No device satisfies the required constraints; `constraint` names the one that failed.
    Overconstrained { constraint: String, message: String },
    /// Permission refused (by the application or the OS).
    NotAllowed(String),
    /// The device is busy or could not be read.
    NotReadable(String),
    /// Anything else that stopped capture (missing plugin, failing source, timeout).
    Abort(String),
}

/// Whether a report ends getUserMedia (or a track) or only a change that left the old state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Severity {
    Error,
    Warning,
}

impl UserMediaError {
    /// The DOMException name.
    pub fn name(&self) -> &'static str {
        match self {
            UserMediaError::Type(_) => "TypeError",
            UserMediaError::NotFound(_) => "NotFoundError",
            UserMediaError::Overconstrained { .. } => "OverconstrainedError",
            UserMediaError::NotAllowed(_) => "NotAllowedError",
            UserMediaError::NotReadable(_) => "NotReadableError",
            UserMediaError::Abort(_) => "AbortError",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            UserMediaError::Type(m)
            | UserMediaError::NotFound(m)
            | UserMediaError::NotAllowed(m)
            | UserMediaError::NotReadable(m)
            | UserMediaError::Abort(m)
            | UserMediaError::Overconstrained { message: m, .. } => m,
        }
    }

    pub fn constraint(&self) -> Option<&str> {
        match self {
            UserMediaError::Overconstrained { constraint, .. } => Some(constraint),
            _ => None,
        }
    }

    /// The `usermedia-error` details structure.
    pub fn details(&self) -> gst::Structure {
        let mut b = gst::Structure::builder("usermedia-error")
            .field("name", self.name())
            .field("message", self.message());
        if let Some(c) = self.constraint() {
            b = b.field("constraint", c);
        }
        b.build()
    }

    /// Posts the error on `imp`'s element as an ERROR or WARNING message.
    pub fn post<T>(&self, imp: &T, severity: Severity)
    where
        T: ObjectSubclass,
        T::Type: IsA<gst::Element>,
    {
        gst::warning!(
            super::debug::CAT,
            imp = imp,
            "{}: {}",
            self.name(),
            self.message()
        );
        let text = format!("{}: {}", self.name(), self.message());
        let details = self.details();
        macro_rules! post {
            ($code:expr) => {
                match severity {
                    Severity::Error => {
                        gst::element_imp_error!(imp, $code, ("{}", text), details: details)
                    }
                    Severity::Warning => {
                        gst::element_imp_warning!(imp, $code, ("{}", text), details: details)
                    }
                }
            };
        }
        match self {
            UserMediaError::Type(_) => post!(gst::LibraryError::Settings),
            UserMediaError::NotFound(_) => post!(gst::ResourceError::NotFound),
            UserMediaError::Overconstrained { .. } => post!(gst::ResourceError::Settings),
            UserMediaError::NotAllowed(_) => post!(gst::ResourceError::NotAuthorized),
            UserMediaError::NotReadable(_) => post!(gst::ResourceError::Busy),
            UserMediaError::Abort(_) => post!(gst::ResourceError::Failed),
        }
    }

    /// What a child's error means for getUserMedia: NotReadable for a busy device,
    /// NotAllowed for an OS refusal, Abort otherwise.
    pub fn from_child(err: &gst::message::Error) -> Self {
        let src_name = err.src().map(|s| s.name().to_string()).unwrap_or_default();
        let e = err.error();
        let debug = err.debug().map(|d| d.to_string()).unwrap_or_default();
        let text = if debug.is_empty() {
            format!("{src_name}: {}", e.message())
        } else {
            format!("{src_name}: {} ({debug})", e.message())
        };
        let denied = e.matches(gst::ResourceError::NotAuthorized)
            || ((e.matches(gst::ResourceError::OpenRead)
                || e.matches(gst::ResourceError::OpenReadWrite))
                && (debug.contains("Permission denied") || debug.contains("EACCES")));
        if denied {
            UserMediaError::NotAllowed(text)
        } else if e.matches(gst::ResourceError::Busy) {
            UserMediaError::NotReadable(text)
        } else {
            UserMediaError::Abort(text)
        }
    }
}

/// Posts a constraint key the element does not know (ignored, as a browser ignores it) as a
/// WARNING with `usermedia-warning` { `key`, `suggestion` } details.
pub(super) fn post_unknown_key<T>(imp: &T, w: &ParseWarning)
where
    T: ObjectSubclass,
    T::Type: IsA<gst::Element>,
{
    let mut details = gst::Structure::builder("usermedia-warning").field("key", &w.key);
    if let Some(s) = &w.suggestion {
        details = details.field("suggestion", s);
    }
    gst::element_imp_warning!(
        imp,
        gst::LibraryError::Settings,
        ("{}", w.message),
        details: details.build()
    );
}

impl From<MediaError> for UserMediaError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::TypeError { message } => UserMediaError::Type(message),
            MediaError::NotFound { message } => UserMediaError::NotFound(message),
            MediaError::Overconstrained {
                constraint,
                message,
            } => UserMediaError::Overconstrained {
                constraint,
                message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_carry_name_message_and_constraint() {
        gst::init().unwrap();
        let e = UserMediaError::from(MediaError::Overconstrained {
            constraint: "width".into(),
            message: "no camera is that wide".into(),
        });
        let d = e.details();
        assert_eq!(d.name(), "usermedia-error");
        assert_eq!(d.get::<&str>("name").unwrap(), "OverconstrainedError");
        assert_eq!(d.get::<&str>("constraint").unwrap(), "width");
        let d = UserMediaError::NotAllowed("no".into()).details();
        assert_eq!(d.get::<&str>("name").unwrap(), "NotAllowedError");
        assert!(!d.has_field("constraint"));
    }
}
