// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! getDisplayMedia's selection (W3C Screen Capture §5, Chromium's content-capture choices):
//! which display surface to offer first, and the settings a chosen surface is delivered with.
//!
//! Unlike getUserMedia, constraints do not choose the device: the user (or the application
//! answering the permission prompt) picks a surface, and `displaySurface` only orders the
//! choices (SC1; the tags are those of docs/selection.md). The constraints then shape how the
//! chosen surface is delivered: `max` and `ideal` of width, height and frameRate are met by
//! aspect-preserving downscale and frame decimation, never by cropping, upscaling or inventing
//! frames (SC3, SC4). `min`, `exact` and `advanced` are a TypeError; a `max` below the floor is
//! OverconstrainedError (SC2).

use serde::Serialize;

use super::constraints::{
    BoolConstraint, ConstraintSet, NumConstraint, StrConstraint, TrackConstraints,
};
use super::error::MediaError;
use super::model::ValueSet;
use super::plan::Range;

/// Chromium's default frame rate for display capture, and its ceiling (SC4).
pub const DEFAULT_FRAME_RATE: f64 = 30.0;
pub const MAX_FRAME_RATE: f64 = 120.0;
/// The smallest width or height and frame rate a display track can be delivered with: a `max`
/// below is OverconstrainedError.
pub const MIN_DIMENSION: f64 = 1.0;
pub const MIN_FRAME_RATE: f64 = 1.0;

/// The kinds of display surface, in the spec's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SurfaceKind {
    Monitor,
    Window,
    Browser,
}

impl SurfaceKind {
    pub fn name(self) -> &'static str {
        match self {
            SurfaceKind::Monitor => "monitor",
            SurfaceKind::Window => "window",
            SurfaceKind::Browser => "browser",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "monitor" => Some(SurfaceKind::Monitor),
            "window" => Some(SurfaceKind::Window),
            "browser" => Some(SurfaceKind::Browser),
            _ => None,
        }
    }
}

/// One capturable surface: a monitor, a window, as a backend lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    pub id: String,
    pub label: String,
    pub kind: SurfaceKind,
    pub width: u32,
    pub height: u32,
    /// The rates the backend can capture at: a range when it paces capture itself (ximagesrc),
    /// a fixed rate when the surface delivers at its own pace (a PipeWire stream).
    pub frame_rate: ValueSet,
    /// Cursor modes the backend offers (`never`, `always`, `motion`), the default first.
    pub cursor: Vec<String>,
    /// Whether the whole surface is captured even where it is covered (MediaTrackSettings'
    /// logicalSurface).
    pub logical: bool,
}

/// The `video` member of `DisplayMediaStreamOptions`, once checked: only `max` and `ideal`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DisplayVideo {
    pub width: Option<NumConstraint>,
    pub height: Option<NumConstraint>,
    pub frame_rate: Option<NumConstraint>,
    /// `none` or `crop-and-scale` as an ideal.
    pub resize_mode: Option<String>,
    pub display_surface: Option<SurfaceKind>,
    pub cursor: Option<String>,
    pub logical_surface: Option<bool>,
}

impl DisplayVideo {
    /// Checks a constraint set as getDisplayMedia does (SC2) and keeps what it uses.
    /// `display_surface`, `cursor` and `logical_surface` are the display-only members.
    pub fn check(
        set: &ConstraintSet,
        advanced: usize,
        display_surface: Option<&StrConstraint>,
        cursor: Option<&StrConstraint>,
        logical_surface: Option<&BoolConstraint>,
    ) -> Result<DisplayVideo, MediaError> {
        if advanced > 0 {
            return Err(MediaError::type_error(
                "video.advanced: getDisplayMedia does not take advanced constraint sets",
            ));
        }
        let nums = [
            ("width", &set.width),
            ("height", &set.height),
            ("aspectRatio", &set.aspect_ratio),
            ("frameRate", &set.frame_rate),
        ];
        for (name, c) in nums {
            if let Some(c) = c
                && (c.min.is_some() || c.exact.is_some())
            {
                let which = if c.min.is_some() { "min" } else { "exact" };
                return Err(MediaError::type_error(format!(
                    "video.{name}.{which}: getDisplayMedia takes only max and ideal"
                )));
            }
        }
        let strs = [
            ("resizeMode", set.resize_mode.as_ref()),
            ("deviceId", set.device_id.as_ref()),
            ("groupId", set.group_id.as_ref()),
            ("facingMode", set.facing_mode.as_ref()),
            ("displaySurface", display_surface),
            ("cursor", cursor),
        ];
        for (name, c) in strs {
            if c.is_some_and(StrConstraint::is_required) {
                return Err(MediaError::type_error(format!(
                    "video.{name}.exact: getDisplayMedia takes only ideal values"
                )));
            }
        }
        if logical_surface.is_some_and(BoolConstraint::is_required) {
            return Err(MediaError::type_error(
                "video.logicalSurface.exact: getDisplayMedia takes only ideal values",
            ));
        }
        let floors = [
            ("width", &set.width, MIN_DIMENSION),
            ("height", &set.height, MIN_DIMENSION),
            ("frameRate", &set.frame_rate, MIN_FRAME_RATE),
        ];
        for (name, c, floor) in floors {
            if let Some(max) = c.as_ref().and_then(|c| c.max)
                && max < floor
            {
                return Err(MediaError::Overconstrained {
                    constraint: name.into(),
                    message: format!("{name}: max {max} is below the smallest value, {floor}"),
                });
            }
        }
        let first = |c: Option<&StrConstraint>| {
            c.and_then(|c| c.ideal.as_ref())
                .and_then(|v| v.first().cloned())
        };
        Ok(DisplayVideo {
            width: set.width.clone(),
            height: set.height.clone(),
            frame_rate: set.frame_rate.clone(),
            resize_mode: first(set.resize_mode.as_ref()),
            display_surface: first(display_surface)
                .as_deref()
                .and_then(SurfaceKind::parse),
            cursor: first(cursor),
            logical_surface: logical_surface.and_then(|c| c.ideal),
        })
    }
}

/// `DisplayMediaStreamOptions` once parsed and checked (`parse::parse_display`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DisplayOptions {
    /// The video track: always requested (an audio-only request is a TypeError).
    pub video: DisplayVideo,
    /// The audio constraints when audio is requested (`true` is an empty set).
    pub audio: Option<TrackConstraints>,
    /// `systemAudio`: `Some(true)` for `include`, `Some(false)` for `exclude`.
    pub system_audio: Option<bool>,
    /// A microphone beside the screen: only a legacy getUserMedia screen request
    /// (`parse::legacy_screen`) asks for one.
    pub microphone: Option<TrackConstraints>,
}

/// The order in which surfaces are offered: those of the preferred `displaySurface` first,
/// the rest after, each group in the backend's order (SC1: a preference, never a filter).
pub fn offer_order(video: &DisplayVideo, surfaces: &[Surface]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..surfaces.len()).collect();
    if let Some(kind) = video.display_surface {
        order.sort_by_key(|&i| surfaces[i].kind != kind);
    }
    order
}

/// `MediaTrackSettings` of a display track.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplaySettings {
    pub device_id: String,
    pub width: u32,
    pub height: u32,
    pub aspect_ratio: f64,
    pub frame_rate: f64,
    pub resize_mode: String,
    pub display_surface: SurfaceKind,
    pub logical_surface: bool,
    pub cursor: String,
}

/// `MediaTrackCapabilities` of a display track.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayCapabilities {
    pub device_id: String,
    pub width: Range,
    pub height: Range,
    pub aspect_ratio: Range,
    pub frame_rate: Range,
    pub resize_mode: Vec<String>,
    pub display_surface: SurfaceKind,
    pub logical_surface: bool,
    pub cursor: Vec<String>,
}

/// How a chosen surface is captured and delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayPlan {
    /// Index into the surfaces given to [`select`].
    pub surface: usize,
    /// The rate to capture at (inside the surface's rates).
    pub native_frame_rate: f64,
    /// Delivered size: the surface's, or an aspect-preserving downscale of it.
    pub width: u32,
    pub height: u32,
    /// Frames are dropped down to this rate; `None` delivers the capture rate.
    pub max_frame_rate: Option<f64>,
    pub settings: DisplaySettings,
    pub capabilities: DisplayCapabilities,
}

/// The settings for surface `chosen` (SC3, SC4).
pub fn select(
    video: &DisplayVideo,
    surfaces: &[Surface],
    chosen: usize,
) -> Result<DisplayPlan, MediaError> {
    let s = surfaces.get(chosen).ok_or_else(|| MediaError::NotFound {
        message: "no display surface to capture".into(),
    })?;
    let (w, h) = (f64::from(s.width.max(1)), f64::from(s.height.max(1)));
    let scale = scale(video, w, h);
    let (width, height) = delivered_size(video, s, scale);

    let (native_frame_rate, frame_rate) = frame_rate(video, &s.frame_rate);
    let decimated = frame_rate + 1e-6 < native_frame_rate;
    let resized = width != s.width || height != s.height || decimated;
    let cursor = video
        .cursor
        .clone()
        .filter(|c| s.cursor.contains(c))
        .or_else(|| s.cursor.first().cloned())
        .unwrap_or_else(|| "never".into());
    let aspect = (w / h * 1e10).round() / 1e10;
    Ok(DisplayPlan {
        surface: chosen,
        native_frame_rate,
        width,
        height,
        max_frame_rate: decimated.then_some(frame_rate),
        settings: DisplaySettings {
            device_id: s.id.clone(),
            width,
            height,
            aspect_ratio: (f64::from(width) / f64::from(height) * 1e10).round() / 1e10,
            frame_rate,
            resize_mode: if resized { "crop-and-scale" } else { "none" }.into(),
            display_surface: s.kind,
            logical_surface: s.logical,
            cursor,
        },
        capabilities: DisplayCapabilities {
            device_id: s.id.clone(),
            width: Range {
                min: MIN_DIMENSION,
                max: w,
            },
            height: Range {
                min: MIN_DIMENSION,
                max: h,
            },
            aspect_ratio: Range {
                min: aspect,
                max: aspect,
            },
            frame_rate: Range {
                min: MIN_FRAME_RATE,
                max: s.frame_rate.max().min(MAX_FRAME_RATE),
            },
            resize_mode: vec!["none".into(), "crop-and-scale".into()],
            display_surface: s.kind,
            logical_surface: s.logical,
            cursor: s.cursor.clone(),
        },
    })
}

/// `s` scaled by `scale` in whole pixels: one side scaled and rounded, the other derived from it
/// (rounding both independently could skew the aspect ratio by more than a pixel). The longer
/// side leads unless that would put the other above its `max` by more than rounding.
fn delivered_size(video: &DisplayVideo, s: &Surface, scale: f64) -> (u32, u32) {
    let (w, h) = (f64::from(s.width.max(1)), f64::from(s.height.max(1)));
    let derive = |lead: f64, other_per_lead: f64, lead_limit: u32, other_limit: u32| {
        let l = ((lead * scale).round() as u32).clamp(1, lead_limit.max(1));
        let o = ((f64::from(l) * other_per_lead).round() as u32).clamp(1, other_limit.max(1));
        (l, o)
    };
    let by_width = || derive(w, h / w, s.width, s.height);
    let by_height = || {
        let (hh, ww) = derive(h, w / h, s.height, s.width);
        (ww, hh)
    };
    let within = |(ww, hh): (u32, u32)| {
        let max = |c: &Option<NumConstraint>| c.as_ref().and_then(|c| c.max);
        max(&video.width).is_none_or(|m| f64::from(ww) <= m + 0.5)
            && max(&video.height).is_none_or(|m| f64::from(hh) <= m + 0.5)
    };
    let (first, second) = if w >= h {
        (by_width(), by_height())
    } else {
        (by_height(), by_width())
    };
    if within(first) { first } else { second }
}

/// The downscale factor (≤ 1, aspect preserved): the largest that fits every `max`, then the
/// one nearest the `ideal`s when they ask for less (Chromium: ScaleSizeToFitWithinTarget). An
/// ideal `resizeMode: 'none'` keeps the native size where no `max` forbids it.
fn scale(video: &DisplayVideo, w: f64, h: f64) -> f64 {
    let bound =
        |c: &Option<NumConstraint>, native: f64, pick: fn(&NumConstraint) -> Option<f64>| {
            c.as_ref().and_then(pick).map(|v| (v / native).min(1.0))
        };
    let max = [
        bound(&video.width, w, |c| c.max),
        bound(&video.height, h, |c| c.max),
    ]
    .into_iter()
    .flatten()
    .fold(1.0, f64::min);
    if video.resize_mode.as_deref() == Some("none") {
        return max;
    }
    let ideal = [
        bound(&video.width, w, |c| c.ideal),
        bound(&video.height, h, |c| c.ideal),
    ]
    .into_iter()
    .flatten()
    .fold(f64::INFINITY, f64::min);
    if ideal.is_finite() {
        ideal.min(max).max(MIN_DIMENSION / w.max(h))
    } else {
        max
    }
}

/// (capture rate, delivered rate). The target is the ideal, else 30, never above the max nor
/// the ceiling; a surface that paces capture itself captures at the target, one with its own
/// rate delivers the target by decimation, never above its own rate (no invented frames).
fn frame_rate(video: &DisplayVideo, rates: &ValueSet) -> (f64, f64) {
    let c = video.frame_rate.as_ref();
    let max = c
        .and_then(|c| c.max)
        .unwrap_or(MAX_FRAME_RATE)
        .min(MAX_FRAME_RATE);
    let target = c
        .and_then(|c| c.ideal)
        .unwrap_or(DEFAULT_FRAME_RATE)
        .clamp(MIN_FRAME_RATE, max);
    let target = if video.resize_mode.as_deref() == Some("none") && c.and_then(|c| c.max).is_none()
    {
        rates.max().clamp(MIN_FRAME_RATE, MAX_FRAME_RATE)
    } else {
        target
    };
    if rates.contains(target) {
        return (target, target);
    }
    // The surface's own rate nearest above the target (decimated down to it), else its fastest.
    let native = match rates {
        ValueSet::List(l) => l
            .iter()
            .copied()
            .filter(|r| *r >= target)
            .fold(None, |best: Option<f64>, r| {
                Some(best.map_or(r, |b| b.min(r)))
            })
            .unwrap_or_else(|| rates.max()),
        _ => rates.nearest(target).max(rates.min()),
    };
    (native, target.min(native))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn monitor(id: &str, w: u32, h: u32, rates: ValueSet) -> Surface {
        Surface {
            id: id.into(),
            label: format!("Monitor {id}"),
            kind: SurfaceKind::Monitor,
            width: w,
            height: h,
            frame_rate: rates,
            cursor: vec!["always".into(), "never".into()],
            logical: true,
        }
    }

    fn paced() -> ValueSet {
        ValueSet::Range {
            min: 1.0,
            max: 60.0,
            step: 0.0,
        }
    }

    fn num(max: Option<f64>, ideal: Option<f64>) -> Option<NumConstraint> {
        Some(NumConstraint {
            max,
            ideal,
            ..Default::default()
        })
    }

    #[test]
    fn defaults_are_native_size_at_thirty() {
        let p = select(
            &DisplayVideo::default(),
            &[monitor("m", 1920, 1080, paced())],
            0,
        )
        .unwrap();
        assert_eq!((p.width, p.height), (1920, 1080));
        assert_eq!(p.native_frame_rate, 30.0);
        assert_eq!(p.max_frame_rate, None);
        assert_eq!(p.settings.resize_mode, "none");
        assert_eq!(p.settings.cursor, "always");
    }

    #[test]
    fn max_downscales_keeping_the_aspect_ratio() {
        let v = DisplayVideo {
            width: num(Some(1280.0), None),
            height: num(Some(720.0), None),
            frame_rate: num(Some(15.0), None),
            ..Default::default()
        };
        let p = select(&v, &[monitor("m", 1920, 1080, paced())], 0).unwrap();
        assert_eq!((p.width, p.height), (1280, 720));
        // A surface that paces capture itself is captured at the rate wanted: nothing dropped.
        assert_eq!((p.native_frame_rate, p.max_frame_rate), (15.0, None));
        assert_eq!(p.settings.resize_mode, "crop-and-scale");
        // Only one dimension bounded: the other follows the surface's aspect ratio.
        let v = DisplayVideo {
            width: num(Some(960.0), None),
            ..Default::default()
        };
        let p = select(&v, &[monitor("m", 1920, 1200, paced())], 0).unwrap();
        assert_eq!((p.width, p.height), (960, 600));
    }

    #[test]
    fn never_upscales_nor_invents_frames() {
        let v = DisplayVideo {
            width: num(None, Some(4000.0)),
            frame_rate: num(None, Some(90.0)),
            ..Default::default()
        };
        let fixed = monitor("m", 1280, 720, ValueSet::Fixed(60.0));
        let p = select(&v, &[fixed], 0).unwrap();
        assert_eq!((p.width, p.height), (1280, 720));
        assert_eq!(p.settings.frame_rate, 60.0);
        assert_eq!(p.max_frame_rate, None);
    }

    #[test]
    fn a_fixed_rate_surface_is_decimated() {
        let v = DisplayVideo {
            frame_rate: num(Some(10.0), None),
            ..Default::default()
        };
        let p = select(&v, &[monitor("m", 640, 480, ValueSet::Fixed(60.0))], 0).unwrap();
        assert_eq!(p.native_frame_rate, 60.0);
        assert_eq!(p.max_frame_rate, Some(10.0));
        assert_eq!(p.settings.frame_rate, 10.0);
        assert_eq!(p.settings.resize_mode, "crop-and-scale");
    }

    #[test]
    fn min_exact_and_advanced_are_type_errors() {
        let mut set = ConstraintSet {
            width: Some(NumConstraint {
                min: Some(640.0),
                ..Default::default()
            }),
            ..Default::default()
        };
        let e = DisplayVideo::check(&set, 0, None, None, None).unwrap_err();
        assert_eq!(e.name(), "TypeError");
        assert!(e.message().contains("video.width.min"), "{e}");
        set.width = Some(NumConstraint {
            exact: Some(640.0),
            ..Default::default()
        });
        let e = DisplayVideo::check(&set, 0, None, None, None).unwrap_err();
        assert!(e.message().contains("video.width.exact"), "{e}");
        let e = DisplayVideo::check(&ConstraintSet::default(), 1, None, None, None).unwrap_err();
        assert!(e.message().contains("advanced"), "{e}");
        let surface = StrConstraint {
            exact: Some(vec!["window".into()]),
            ideal: None,
        };
        let e = DisplayVideo::check(&ConstraintSet::default(), 0, Some(&surface), None, None)
            .unwrap_err();
        assert!(e.message().contains("displaySurface"), "{e}");
    }

    #[test]
    fn a_max_below_the_floor_is_overconstrained() {
        let set = ConstraintSet {
            frame_rate: num(Some(0.5), None),
            ..Default::default()
        };
        let e = DisplayVideo::check(&set, 0, None, None, None).unwrap_err();
        assert_eq!(e.name(), "OverconstrainedError");
        assert_eq!(e.constraint(), Some("frameRate"));
    }

    #[test]
    fn display_surface_orders_but_never_filters() {
        let mut window = monitor("w", 800, 600, paced());
        window.kind = SurfaceKind::Window;
        let surfaces = [
            monitor("m0", 1920, 1080, paced()),
            window,
            monitor("m1", 1280, 1024, paced()),
        ];
        let ideal_window = StrConstraint {
            exact: None,
            ideal: Some(vec!["window".into()]),
        };
        let v = DisplayVideo::check(
            &ConstraintSet::default(),
            0,
            Some(&ideal_window),
            None,
            None,
        )
        .unwrap();
        assert_eq!(offer_order(&v, &surfaces), [1, 0, 2]);
        assert_eq!(offer_order(&DisplayVideo::default(), &surfaces), [0, 1, 2]);
        let browser = StrConstraint {
            exact: None,
            ideal: Some(vec!["browser".into()]),
        };
        let v =
            DisplayVideo::check(&ConstraintSet::default(), 0, Some(&browser), None, None).unwrap();
        assert_eq!(
            offer_order(&v, &surfaces),
            [0, 1, 2],
            "no browser surface: all still offered"
        );
    }

    #[test]
    fn cursor_ideal_is_met_where_offered() {
        let v = DisplayVideo {
            cursor: Some("never".into()),
            ..Default::default()
        };
        let p = select(&v, &[monitor("m", 640, 480, paced())], 0).unwrap();
        assert_eq!(p.settings.cursor, "never");
        let v = DisplayVideo {
            cursor: Some("motion".into()),
            ..Default::default()
        };
        let p = select(&v, &[monitor("m", 640, 480, paced())], 0).unwrap();
        assert_eq!(
            p.settings.cursor, "always",
            "not offered: the surface's default"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever max/ideal: no upscale, no crop (aspect kept within a pixel), every max met,
        /// no frame rate above the surface's.
        #[test]
        fn delivered_settings_obey_the_rules(
            w in 16u32..4000, h in 16u32..3000,
            max_w in proptest::option::of(1.0f64..5000.0),
            max_h in proptest::option::of(1.0f64..5000.0),
            ideal_w in proptest::option::of(1.0f64..5000.0),
            max_fps in proptest::option::of(1.0f64..200.0),
            ideal_fps in proptest::option::of(1.0f64..200.0),
            fixed in proptest::option::of(1.0f64..144.0),
        ) {
            let rates = fixed.map_or_else(paced, ValueSet::Fixed);
            let v = DisplayVideo {
                width: Some(NumConstraint { max: max_w, ideal: ideal_w, ..Default::default() }),
                height: Some(NumConstraint { max: max_h, ..Default::default() }),
                frame_rate: Some(NumConstraint { max: max_fps, ideal: ideal_fps, ..Default::default() }),
                ..Default::default()
            };
            let s = monitor("m", w, h, rates.clone());
            let p = select(&v, &[s], 0).unwrap();
            prop_assert!(p.width <= w && p.height <= h);
            // Whole pixels: a max is met to within rounding.
            if let Some(m) = max_w { prop_assert!(f64::from(p.width) <= m + 0.5); }
            if let Some(m) = max_h { prop_assert!(f64::from(p.height) <= m + 0.5); }
            let native = f64::from(w) / f64::from(h);
            let delivered = f64::from(p.width) / f64::from(p.height);
            // No crop: one side is the other scaled by the surface's aspect ratio, rounded to
            // a whole pixel (and at least one: a 16x65 surface at most 1 high is 1x1).
            let follows = |side: u32, exact: f64| {
                (f64::from(side) - exact).abs() <= 0.5 + 1e-6 || (side == 1 && exact < 1.0)
            };
            prop_assert!(
                follows(p.width, f64::from(p.height) * native)
                    || follows(p.height, f64::from(p.width) / native),
                "{}x{} from {w}x{h} ({delivered})", p.width, p.height
            );
            prop_assert!(p.settings.frame_rate <= rates.max() + 1e-6);
            if let Some(m) = max_fps { prop_assert!(p.settings.frame_rate <= m + 1e-6); }
            prop_assert!(rates.contains(p.native_frame_rate));
        }
    }
}
