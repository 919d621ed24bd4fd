// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! The spec's fitness distance building blocks (SPEC "fitness distance").

use super::num::TOLERANCE;

/// Numeric fitness distance: `0` if equal (within [`TOLERANCE`], as Chromium's
/// `NumericConstraintFitnessDistance`), else `|a - b| / max(|a|, |b|)`.
pub fn numeric(actual: f64, ideal: f64) -> f64 {
    if (actual - ideal).abs() <= TOLERANCE {
        0.0
    } else {
        (actual - ideal).abs() / actual.abs().max(ideal.abs())
    }
}

/// String fitness distance against a disjunctive ideal list: 0 if any element matches, else 1.
pub fn string(actual: Option<&str>, ideal: &[String]) -> f64 {
    match actual {
        Some(a) if ideal.iter().any(|i| i == a) => 0.0,
        _ => 1.0,
    }
}

/// Whether `actual` satisfies an exact string list (a disjunction).
pub fn string_satisfies(actual: Option<&str>, exact: &[String]) -> bool {
    matches!(actual, Some(a) if exact.iter().any(|e| e == a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_distance() {
        assert_eq!(numeric(480.0, 480.0), 0.0);
        assert!((numeric(480.0, 481.0) - 1.0 / 481.0).abs() < 1e-12);
        assert_eq!(numeric(0.0, 30.0), 1.0);
        assert_eq!(numeric(30.0, 30.000001), 0.0);
    }

    #[test]
    fn string_distance() {
        let ideal = vec!["user".to_string(), "left".to_string()];
        assert_eq!(string(Some("left"), &ideal), 0.0);
        assert_eq!(string(Some("environment"), &ideal), 1.0);
        assert_eq!(string(None, &ideal), 1.0);
        assert!(string_satisfies(Some("user"), &ideal));
        assert!(!string_satisfies(None, &ideal));
    }
}
