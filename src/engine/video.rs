// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Video selection: Chromium's SelectSettingsVideoDeviceCapture over native modes, with capture
//! ranges handled exactly.

mod candidate;
mod expand;
mod output;
pub(crate) mod sets;

#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use super::fitness;
use super::{Capture, Device, MediaError, TrackConstraints, VideoMode, VideoPlan, VideoSettings};
use candidate::{Candidate, Fit, Ideals, Native, Nums, SetSpec, device_fitness};
use expand::{DEFAULT_FRAME_RATE, DEFAULT_HEIGHT, DEFAULT_WIDTH, Expansion, Refs};

/// The tie-breaking entries of the distance vector after the advanced sets (C2.8), compared
/// lexicographically, smaller first.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Score {
    /// C2.5.
    fitness: f64,
    /// C2.6.
    native_fitness: f64,
    /// Position among the cameras (the default one first).
    device: f64,
    /// Squared distance of the native size to 640×480.
    resolution: f64,
    /// Distance of the native rate to 30.
    frame_rate: f64,
    /// Decoding costs: raw wins over an otherwise equal compressed mode.
    compressed: f64,
}

impl Score {
    fn less(&self, o: &Score) -> bool {
        let a = [
            self.fitness,
            self.native_fitness,
            self.device,
            self.resolution,
            self.frame_rate,
            self.compressed,
        ];
        let b = [
            o.fitness,
            o.native_fitness,
            o.device,
            o.resolution,
            o.frame_rate,
            o.compressed,
        ];
        for (x, y) in a.iter().zip(&b) {
            if x < y {
                return true;
            }
            if y < x {
                return false;
            }
        }
        false
    }
}

/// The best candidate so far.
struct Best {
    device: usize,
    mode: usize,
    native: Native,
    candidate: Candidate,
    fit: Fit,
    score: Score,
}

/// A camera: slice index, device, modes.
type Camera<'a> = (usize, &'a Device, &'a [VideoMode]);

/// Chromium's main loop (C2.7–C2.9): every camera × mode × concrete native value, the
/// advanced sets as a 0/∞ prefix of the distance vector, then the [`Score`]. Returns the
/// winner, or the name of the last rejection.
fn search(
    cameras: &[Camera],
    basic_cs: &super::ConstraintSet,
    basic: &SetSpec,
    advanced: &[SetSpec],
    ideals: &Ideals,
    refs: &Refs,
) -> Result<Best, &'static str> {
    // Advanced-set failures as bits, the first set most significant: comparing the words as
    // integers is comparing the 0/∞ prefix lexicographically.
    let words = advanced.len().div_ceil(64);
    let mut bits = vec![0u64; words];
    let mut best_bits = vec![0u64; words];
    let mut device_ok = vec![false; advanced.len()];
    let mut exp = Expansion::default();
    let mut failed = "";
    let mut best: Option<Best> = None;

    for (ordinal, &(index, dev, modes)) in cameras.iter().enumerate() {
        if let Err(e) = basic.check_device(dev) {
            failed = e;
            continue;
        }
        for (ok, set) in device_ok.iter_mut().zip(advanced) {
            *ok = set.check_device(dev).is_ok();
        }
        let dev_fitness = device_fitness(basic_cs, dev);

        for (mode_index, mode) in modes.iter().enumerate() {
            exp.fill(mode, refs);
            let compressed = if mode.compressed { 1.0 } else { 0.0 };
            for &w in &exp.widths {
                for &h in &exp.heights {
                    for &f in &exp.rates {
                        let n = Native { w, h, f };
                        let mut c = match Candidate::new(&n).try_apply(basic, &n) {
                            Ok(c) => c,
                            Err(e) => {
                                failed = e;
                                continue;
                            }
                        };
                        bits.fill(0);
                        for (k, set) in advanced.iter().enumerate() {
                            match device_ok[k].then(|| c.try_apply(set, &n)) {
                                Some(Ok(narrowed)) => c = narrowed,
                                _ => bits[k / 64] |= 1 << (63 - k % 64),
                            }
                        }
                        let prefix = match &best {
                            None => Ordering::Less,
                            Some(_) => bits.as_slice().cmp(&best_bits),
                        };
                        if prefix == Ordering::Greater {
                            continue;
                        }
                        let fit = c.fitness(ideals, &n);
                        let score = Score {
                            fitness: dev_fitness + fit.fitness + c.blur_fitness(ideals),
                            native_fitness: c.native_fitness(ideals, &n),
                            device: ordinal as f64,
                            resolution: (h as f64 - DEFAULT_HEIGHT).powi(2)
                                + (w as f64 - DEFAULT_WIDTH).powi(2),
                            frame_rate: fitness::numeric(f, DEFAULT_FRAME_RATE),
                            compressed,
                        };
                        let better = match &best {
                            None => true,
                            Some(b) => prefix == Ordering::Less || score.less(&b.score),
                        };
                        if better {
                            best = Some(Best {
                                device: index,
                                mode: mode_index,
                                native: n,
                                candidate: c,
                                fit,
                                score,
                            });
                            best_bits.copy_from_slice(&bits);
                        }
                    }
                }
            }
        }
    }
    best.ok_or(failed)
}

/// Select the camera, native mode and delivered settings for `tc` among the video devices of
/// `devices` (Chromium's SelectSettingsVideoDeviceCapture, C2; capture ranges per D3).
///
/// Errors: TypeError for a required backgroundBlur (S1.8) or a non-finite double; NotFound
/// without cameras (or when nothing was rejected by a named constraint, C1.3);
/// Overconstrained naming the last rejection (C2.9) otherwise.
pub fn select(tc: &TrackConstraints, devices: &[Device]) -> Result<VideoPlan, MediaError> {
    if tc
        .basic
        .background_blur
        .as_ref()
        .is_some_and(|b| b.is_required())
    {
        return Err(MediaError::type_error(
            "backgroundBlur cannot be required for device selection",
        ));
    }
    let basic_nums = Nums::new(&tc.basic)?;
    let advanced_nums = tc
        .advanced
        .iter()
        .map(Nums::new)
        .collect::<Result<Vec<_>, _>>()?;

    let cameras: Vec<Camera> = devices
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match &d.capture {
            Capture::Video(modes) => Some((i, d, modes.as_slice())),
            Capture::Audio(_) => None,
        })
        .collect();
    if cameras.is_empty() {
        return Err(MediaError::NotFound {
            message: "no camera found".into(),
        });
    }

    let basic = SetSpec::new(&tc.basic, &basic_nums);
    let advanced: Vec<SetSpec> = tc
        .advanced
        .iter()
        .zip(&advanced_nums)
        .map(|(cs, n)| SetSpec::new(cs, n))
        .collect();
    let ideals = Ideals::new(&tc.basic, &basic_nums);
    let refs = Refs::new(std::iter::once(&basic_nums).chain(&advanced_nums));

    let best = match search(&cameras, &tc.basic, &basic, &advanced, &ideals, &refs) {
        Ok(b) => b,
        Err("") => {
            return Err(MediaError::NotFound {
                message: "no camera offers any capture mode".into(),
            });
        }
        Err(name) => return Err(output::overconstrained(name, &tc.basic, &cameras)),
    };
    Ok(plan(&best, devices, &ideals))
}

/// C2.10 and C4: what to open and what to deliver.
fn plan(best: &Best, devices: &[Device], ideals: &Ideals) -> VideoPlan {
    let dev = &devices[best.device];
    let modes = match &dev.capture {
        Capture::Video(m) => m.as_slice(),
        Capture::Audio(_) => &[],
    };
    let (n, c) = (&best.native, &best.candidate);
    let target = best.fit.rescaled.then(|| c.target(ideals, n));
    let (w, h) = output::delivered_size(n, target, &c.res);
    let max_frame_rate = c.track_max_frame_rate(ideals).filter(|&r| r < n.f);
    let frame_rate = max_frame_rate.unwrap_or(n.f);
    let resize_mode = if (w, h) == (n.w, n.h) && max_frame_rate.is_none() {
        "none"
    } else {
        "crop-and-scale"
    };
    VideoPlan {
        device: best.device,
        mode: best.mode,
        native_width: n.w as u32,
        native_height: n.h as u32,
        native_frame_rate: n.f,
        crop: output::crop(n, w, h),
        width: w as u32,
        height: h as u32,
        max_frame_rate,
        settings: VideoSettings {
            device_id: dev.device_id.clone(),
            group_id: dev.group_id.clone(),
            width: w as u32,
            height: h as u32,
            aspect_ratio: (w as f64 / h as f64 * 1e10).round() / 1e10,
            frame_rate,
            facing_mode: dev.facing_mode.clone(),
            resize_mode: resize_mode.into(),
        },
        capabilities: output::capabilities(dev, modes),
    }
}
