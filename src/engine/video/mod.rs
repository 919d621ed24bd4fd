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
pub(crate) mod tests;

use std::cmp::Ordering;

use super::fitness;
use super::{
    Capture, Device, MediaError, TrackConstraints, ValueSet, VideoMode, VideoPlan, VideoSettings,
};
use candidate::{Candidate, Fit, Ideals, Native, Nums, SetSpec, device_fitness};
use expand::{
    DEFAULT_FRAME_RATE, DEFAULT_HEIGHT, DEFAULT_WIDTH, Expansion, Refs, native_dimension,
    native_rate,
};

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

/// Where a candidate comes from, and its terms that do not depend on the native values.
#[derive(Clone, Copy)]
struct Origin {
    ordinal: usize,
    device: usize,
    mode: usize,
    device_fitness: f64,
    compressed: f64,
}

/// Chromium's main loop (C2.7–C2.9): every camera × mode × concrete native value, the
/// advanced sets as a 0/∞ prefix of the distance vector, then the [`Score`].
struct Search<'a, 't> {
    basic: &'a SetSpec<'a>,
    advanced: &'a [SetSpec<'a>],
    ideals: &'a Ideals,
    /// Advanced-set failures as bits, the first set most significant: comparing the words
    /// as integers compares the 0/∞ prefix lexicographically.
    bits: Vec<u64>,
    best_bits: Vec<u64>,
    /// Whether the current camera passes each advanced set's device checks (C2.4).
    device_ok: Vec<bool>,
    /// The reason of the last rejection (C2.9).
    failed: &'static str,
    best: Option<Best>,
    /// Receives one line per candidate (for debug logs); also turns off pruning.
    trace: Option<&'t mut dyn FnMut(&str)>,
}

impl<'a, 't> Search<'a, 't> {
    fn new(basic: &'a SetSpec<'a>, advanced: &'a [SetSpec<'a>], ideals: &'a Ideals) -> Self {
        let words = advanced.len().div_ceil(64);
        Search {
            basic,
            advanced,
            ideals,
            bits: vec![0; words],
            best_bits: vec![0; words],
            device_ok: vec![false; advanced.len()],
            failed: "",
            best: None,
            trace: None,
        }
    }

    /// The winner, or the name of the last rejection.
    fn run(
        mut self,
        cameras: &[Camera],
        basic_cs: &super::ConstraintSet,
        refs: &Refs,
    ) -> Result<Best, &'static str> {
        let mut exp = Expansion::default();
        for (ordinal, &(device, dev, modes)) in cameras.iter().enumerate() {
            if let Err(e) = self.basic.check_device(dev) {
                self.failed = e;
                continue;
            }
            for (ok, set) in self.device_ok.iter_mut().zip(self.advanced) {
                *ok = set.check_device(dev).is_ok();
            }
            let device_fitness = device_fitness(basic_cs, dev);
            for (mode, m) in modes.iter().enumerate() {
                let at = Origin {
                    ordinal,
                    device,
                    mode,
                    device_fitness,
                    compressed: if m.compressed { 1.0 } else { 0.0 },
                };
                if let (ValueSet::Fixed(w), ValueSet::Fixed(h), ValueSet::Fixed(f)) =
                    (&m.width, &m.height, &m.frame_rate)
                {
                    let (w, h) = (native_dimension(*w), native_dimension(*h));
                    self.consider(
                        at,
                        Native {
                            w,
                            h,
                            f: native_rate(*f),
                        },
                    );
                    continue;
                }
                exp.fill(m, refs);
                for &w in &exp.widths {
                    for &h in &exp.heights {
                        for &f in &exp.rates {
                            self.consider(at, Native { w, h, f });
                        }
                    }
                }
            }
        }
        self.best.ok_or(self.failed)
    }

    fn consider(&mut self, at: Origin, n: Native) {
        let ideals = self.ideals;
        let mut c = Candidate::new(&n);
        if let Err(e) = c.apply(self.basic, &n) {
            self.failed = e;
            if let Some(t) = self.trace.as_mut() {
                t(&format!(
                    "device {} mode {} {}x{}@{}: rejected by {e}",
                    at.device, at.mode, n.w, n.h, n.f
                ));
            }
            return;
        }
        self.bits.fill(0);
        for (k, set) in self.advanced.iter().enumerate() {
            if !(self.device_ok[k] && c.apply(set, &n).is_ok()) {
                self.bits[k / 64] |= 1 << (63 - k % 64);
            }
        }
        let prefix = match &self.best {
            None => Ordering::Less,
            Some(_) => self.bits.as_slice().cmp(&self.best_bits),
        };
        let tracing = self.trace.is_some();
        if prefix == Ordering::Greater && !tracing {
            return;
        }
        let blur = c.blur_fitness(ideals);
        if let Some(b) = &self.best
            && !tracing
            && prefix == Ordering::Equal
            && at.device_fitness + c.fitness_lower_bound(ideals, &n) + blur > b.score.fitness
        {
            return;
        }
        let fit = c.fitness(ideals, &n);
        let score = Score {
            fitness: at.device_fitness + fit.fitness + blur,
            native_fitness: c.native_fitness(ideals, &n),
            device: at.ordinal as f64,
            resolution: (n.h as f64 - DEFAULT_HEIGHT).powi(2)
                + (n.w as f64 - DEFAULT_WIDTH).powi(2),
            frame_rate: fitness::numeric(n.f, DEFAULT_FRAME_RATE),
            compressed: at.compressed,
        };
        if let Some(t) = self.trace.as_mut() {
            let failed_sets: Vec<usize> = (0..self.advanced.len())
                .filter(|k| self.bits[k / 64] & (1 << (63 - k % 64)) != 0)
                .collect();
            t(&format!(
                "device {} mode {} {}x{}@{}: advanced sets failed {failed_sets:?}, fitness {:.6} ({}), native fitness {:.6}, default-resolution {}, default-rate {:.6}, compressed {}",
                at.device,
                at.mode,
                n.w,
                n.h,
                n.f,
                score.fitness,
                if fit.rescaled {
                    "crop-and-scale"
                } else {
                    "native"
                },
                score.native_fitness,
                score.resolution,
                score.frame_rate,
                score.compressed,
            ));
        }
        let better = match &self.best {
            None => true,
            Some(b) => {
                prefix == Ordering::Less || (prefix == Ordering::Equal && score.less(&b.score))
            }
        };
        if better {
            self.best = Some(Best {
                device: at.device,
                mode: at.mode,
                native: n,
                candidate: c,
                fit,
                score,
            });
            self.best_bits.copy_from_slice(&self.bits);
        }
    }
}

/// `MediaTrackCapabilities` of a camera over all its modes (C5).
pub(crate) fn capabilities(dev: &Device, modes: &[VideoMode]) -> super::VideoCapabilities {
    output::capabilities(dev, modes)
}

/// Select the camera, native mode and delivered settings for `tc` among the video devices of
/// `devices` (Chromium's SelectSettingsVideoDeviceCapture, C2; capture ranges per D3).
///
/// Errors: TypeError for a required backgroundBlur (S1.8) or a non-finite double; NotFound
/// without cameras (or when nothing was rejected by a named constraint, C1.3);
/// Overconstrained naming the last rejection (C2.9) otherwise.
pub fn select(tc: &TrackConstraints, devices: &[Device]) -> Result<VideoPlan, MediaError> {
    select_traced(tc, devices, None)
}

/// [`select`], reporting every candidate and its distance vector to `trace` (one line each).
pub fn select_traced(
    tc: &TrackConstraints,
    devices: &[Device],
    trace: Option<&mut dyn FnMut(&str)>,
) -> Result<VideoPlan, MediaError> {
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

    let mut search = Search::new(&basic, &advanced, &ideals);
    search.trace = trace;
    let best = match search.run(&cameras, &tc.basic, &refs) {
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
    // A limit equal to the native rate within Chromium's tolerance drops nothing (29.97 on a
    // 30000/1001 mode): deliver, and report, the native rate.
    let max_frame_rate = c
        .track_max_frame_rate(ideals)
        .filter(|&r| r < n.f && !super::num::approx_eq(r, n.f));
    let frame_rate = max_frame_rate.unwrap_or(n.f);
    // The rescale option winning makes the track crop-and-scale even when its target happens
    // to be the native size (a required crop-and-scale must not read back as none).
    let resize_mode = if !best.fit.rescaled && (w, h) == (n.w, n.h) && max_frame_rate.is_none() {
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
