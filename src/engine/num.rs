// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Numeric helpers shared by audio and video selection: one tolerance, one approximate
//! comparison, one way of writing a number in a message.

/// Chromium's `kCompareEpsilon`: numbers this close are equal in fitness distances and in the
/// approximate comparisons of C2.3.2.
pub const TOLERANCE: f64 = 1e-5;

/// Slack when asking whether a value is a member of a device's value set (a caps list or a
/// stepped range). Tighter than [`TOLERANCE`] because latencies are a few milliseconds: it only
/// absorbs the rounding of `min + k * step`.
pub const MEMBER_SLACK: f64 = 1e-6;

/// Chromium's `AreApproximatelyEqual`: equal within [`TOLERANCE`] absolutely, or relatively
/// to both values (C2.3.2).
pub fn approx_eq(a: f64, b: f64) -> bool {
    if (a - b).abs() <= TOLERANCE {
        return true;
    }
    a == b || (((a - b) / a).abs() <= TOLERANCE && ((a - b) / b).abs() <= TOLERANCE)
}

/// A number as people write it in a message: integers without a fraction, others with at most
/// six decimals and no trailing zeros (latencies are fractions of a millisecond).
pub fn text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approx_eq_is_absolute_near_zero_and_relative_far_from_it() {
        assert!(approx_eq(0.0, 9e-6));
        assert!(!approx_eq(0.0, 2e-5));
        assert!(approx_eq(1e6, 1e6 + 5.0));
        assert!(!approx_eq(1e6, 1e6 + 20.0));
        assert!(!approx_eq(30.0, 30000.0 / 1001.0));
    }

    #[test]
    fn text_trims() {
        assert_eq!(text(44100.0), "44100");
        assert_eq!(text(0.0029024943), "0.002902");
        assert_eq!(text(29.97), "29.97");
        assert_eq!(text(-0.0000001), "0");
        assert_eq!(text(1.5), "1.5");
    }
}
