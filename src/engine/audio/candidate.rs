// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! One (device, mode, path) candidate: the values its path allows (C6.2), narrowing by a
//! constraint set (C6.3), Chromium's score (C6.4) and the settings it delivers (C6.5).

use super::sets::{BoolSet, EcMode, EcSet, NumSet, Piece};
use super::{
    DEFAULT_CHANNEL_COUNT, DEFAULT_SAMPLE_RATE, DEFAULT_SAMPLE_SIZE, DSP_LATENCY, DSP_SAMPLE_RATE,
    DSP_SAMPLE_SIZE, capabilities,
};
use crate::engine::fitness;
use crate::engine::{
    AudioCapture, AudioEnvironment, AudioMode, AudioPath, AudioPlan, AudioSettings, BoolConstraint,
    Capture, ConstraintSet, Device, EchoMode, NumConstraint, StrConstraint,
};

/// Chromium's score, maximized and compared in field order (C6.4), then our S16 preference.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub(super) struct Score {
    pub(super) fitness: f64,
    pub(super) is_default: bool,
    pub(super) ec_mode: EcMode,
    pub(super) processing_priority: u8,
    pub(super) s16: bool,
}

/// The settings a candidate would deliver.
#[derive(Clone, Copy, Debug)]
pub(super) struct Choice {
    pub(super) ec_mode: EcMode,
    pub(super) auto_gain_control: bool,
    pub(super) noise_suppression: bool,
    pub(super) sample_size: f64,
    pub(super) channel_count: f64,
    pub(super) sample_rate: f64,
    pub(super) latency: f64,
}

/// One (device, mode, path) and the values it still allows.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    /// Index in the full device slice.
    pub(super) device: usize,
    /// Position among microphones (0 = system default).
    pub(super) rank: usize,
    pub(super) mode: usize,
    pub(super) path: AudioPath,
    pub(super) native_rates: NumSet,
    pub(super) native_channels: NumSet,
    pub(super) s16: bool,
    pub(super) system_echo_cancellation: bool,
    pub(super) default_latency: f64,
    pub(super) echo: EcSet,
    /// Whether the constraints applied so far let echo cancellation be on / off, whatever the
    /// path can do: Chromium's `ec_allowed_values_`, which sets the processing default (C6.5).
    pub(super) echo_wanted: BoolSet,
    pub(super) auto_gain_control: BoolSet,
    pub(super) noise_suppression: BoolSet,
    pub(super) sample_size: NumSet,
    pub(super) channel_count: NumSet,
    pub(super) sample_rate: NumSet,
    pub(super) latency: NumSet,
}

impl Candidate {
    /// The values `path` allows on `mode` (C6.2).
    pub(super) fn new(
        device: usize,
        rank: usize,
        mode_index: usize,
        mode: &AudioMode,
        capture: &AudioCapture,
        path: AudioPath,
        env: &AudioEnvironment,
    ) -> Candidate {
        let native_rates = NumSet::from_values(&mode.sample_rate, true);
        let native_channels = NumSet::from_values(&mode.channel_count, true);
        let system = capture.system_echo_cancellation;
        let echo = EcSet::offered(system, path == AudioPath::Dsp && env.echo_reference);
        let (processing, sample_size, channel_count, sample_rate, latency) = match path {
            AudioPath::Unprocessed => (
                BoolSet::FALSE,
                NumSet::point(mode.sample_size as f64),
                native_channels.clone(),
                native_rates.clone(),
                NumSet::from_values(&capture.latency, false),
            ),
            AudioPath::ProcessedNoDsp => (
                BoolSet::FALSE,
                NumSet::point(mode.sample_size as f64),
                native_channels.clone(),
                native_rates.clone(),
                NumSet::point(capture.default_latency),
            ),
            AudioPath::Dsp => {
                // Mono, or any native count above one.
                let mut channels = native_channels.clone();
                channels.narrow(2.0, f64::INFINITY);
                channels.0.insert(0, Piece::Point(1.0));
                (
                    BoolSet::ANY,
                    NumSet::point(DSP_SAMPLE_SIZE as f64),
                    channels,
                    NumSet::point(DSP_SAMPLE_RATE as f64),
                    NumSet::point(DSP_LATENCY),
                )
            }
        };
        Candidate {
            device,
            rank,
            mode: mode_index,
            path,
            native_rates,
            native_channels,
            s16: mode.format.eq_ignore_ascii_case("S16LE"),
            system_echo_cancellation: system,
            default_latency: capture.default_latency,
            echo,
            echo_wanted: BoolSet::ANY,
            auto_gain_control: processing,
            noise_suppression: processing,
            sample_size,
            channel_count,
            sample_rate,
            latency,
        }
    }

    /// False when the device description leaves some property without any value.
    pub(super) fn is_viable(&self) -> bool {
        ![
            &self.native_rates,
            &self.native_channels,
            &self.sample_size,
            &self.channel_count,
            &self.sample_rate,
            &self.latency,
        ]
        .iter()
        .any(|s| s.is_empty())
    }

    /// Narrow by one constraint set, in Chromium's order (C6.3); the error is the W3C name of
    /// the first constraint that leaves nothing.
    pub(super) fn apply(
        &mut self,
        set: &ConstraintSet,
        device: &Device,
    ) -> Result<(), &'static str> {
        if let Some(exact) = set.device_id.as_ref().and_then(|c| c.exact.as_ref())
            && !fitness::string_satisfies(Some(&device.device_id), exact)
        {
            return Err("deviceId");
        }
        if let Some(exact) = set.group_id.as_ref().and_then(|c| c.exact.as_ref())
            && !fitness::string_satisfies(Some(&device.group_id), exact)
        {
            return Err("groupId");
        }
        if let Some(exact) = set
            .echo_cancellation
            .as_ref()
            .and_then(|c| c.exact.as_ref())
        {
            // An unknown mode string matches nothing.
            let allowed = EcMode::from_constraint(exact).map_or(EcSet(0), |m| EcSet::of(&[m]));
            self.echo = EcSet(self.echo.0 & allowed.0);
            self.echo_wanted
                .keep(!matches!(exact, EchoMode::Bool(false)));
            if self.echo.is_empty() {
                return Err("echoCancellation");
            }
        }
        narrow_bool(
            &mut self.auto_gain_control,
            &set.auto_gain_control,
            "autoGainControl",
        )?;
        narrow_num(&mut self.sample_size, &set.sample_size, "sampleSize")?;
        narrow_num(&mut self.channel_count, &set.channel_count, "channelCount")?;
        narrow_num(&mut self.sample_rate, &set.sample_rate, "sampleRate")?;
        narrow_num(&mut self.latency, &set.latency, "latency")?;
        narrow_bool(
            &mut self.noise_suppression,
            &set.noise_suppression,
            "noiseSuppression",
        )?;
        // No processor isolates voices: only `false` can be required; an ideal is ignored.
        let mut voice_isolation = BoolSet::FALSE;
        narrow_bool(&mut voice_isolation, &set.voice_isolation, "voiceIsolation")?;
        Ok(())
    }

    /// Score against the basic set's ideals and pick the settings (C6.4, C6.5).
    pub(super) fn evaluate(&self, basic: &ConstraintSet, device: &Device) -> (Score, Choice) {
        let mut fit = 0.0;
        fit += id_fitness(&basic.device_id, &device.device_id);
        fit += id_fitness(&basic.group_id, &device.group_id);

        let (f, sample_size) = select_num(
            &self.sample_size,
            basic.sample_size.as_ref(),
            DEFAULT_SAMPLE_SIZE,
        );
        fit += f;
        let (f, channel_count) = select_num(
            &self.channel_count,
            basic.channel_count.as_ref(),
            DEFAULT_CHANNEL_COUNT,
        );
        fit += f;
        let (f, sample_rate) = select_num(
            &self.sample_rate,
            basic.sample_rate.as_ref(),
            DEFAULT_SAMPLE_RATE,
        );
        fit += f;
        let default_latency = match self.path {
            AudioPath::Dsp => DSP_LATENCY,
            _ => self.default_latency,
        };
        let (f, latency) = select_num(&self.latency, basic.latency.as_ref(), default_latency);
        fit += f;

        let ideal_echo = basic
            .echo_cancellation
            .as_ref()
            .and_then(|c| c.ideal.as_ref())
            .and_then(EcMode::from_constraint);
        let ec_mode = self.best_echo_mode(ideal_echo);
        fit += match ideal_echo {
            None => 1.0,
            Some(EcMode::BrowserDecides) => f64::from(u8::from(ec_mode.enabled())),
            Some(m) => f64::from(u8::from(ec_mode == m)),
        };

        let processing = self.processing_by_default(ideal_echo);
        let (f, auto_gain_control) =
            select_bool(self.auto_gain_control, &basic.auto_gain_control, processing);
        fit += f;
        let (f, noise_suppression) =
            select_bool(self.noise_suppression, &basic.noise_suppression, processing);
        fit += f;

        let processing_priority = match (self.path, processing) {
            (AudioPath::Dsp, true) | (AudioPath::Unprocessed, false) => 3,
            (AudioPath::ProcessedNoDsp, _) => 2,
            (AudioPath::Dsp, false) | (AudioPath::Unprocessed, true) => 1,
        };
        let score = Score {
            fitness: fit,
            is_default: self.rank == 0,
            ec_mode,
            processing_priority,
            s16: self.s16,
        };
        let choice = Choice {
            ec_mode,
            auto_gain_control,
            noise_suppression,
            sample_size,
            channel_count,
            sample_rate,
            latency,
        };
        (score, choice)
    }

    /// Chromium's SelectBestEcMode: the ideal if allowed, the only mode, else the best enabled.
    pub(super) fn best_echo_mode(&self, ideal: Option<EcMode>) -> EcMode {
        if let Some(m) = ideal.filter(|m| self.echo.contains(*m)) {
            return m;
        }
        if self.echo.len() == 1 {
            return self.echo.first();
        }
        [
            EcMode::BrowserDecides,
            EcMode::All,
            EcMode::RemoteOnly,
            EcMode::Disabled,
        ]
        .into_iter()
        .find(|m| self.echo.contains(*m))
        .expect("echo set is not empty")
    }

    /// C6.5: processing defaults to on unless the constraints ask for echo cancellation off
    /// (the tested Chromium's `GetDefaultValueForAudioProperties`). It looks at what the
    /// constraints allow, not at what the path offers, so an unprocessed path still ranks below
    /// the no-DSP one (E9) and the DSP path without an echo reference keeps AGC and NS on.
    pub(super) fn processing_by_default(&self, ideal: Option<EcMode>) -> bool {
        if let Some(on) = ideal.map(EcMode::enabled)
            && self.echo_wanted.contains(on)
        {
            return on;
        }
        self.echo_wanted.contains(true)
    }

    pub(super) fn plan(
        &self,
        choice: &Choice,
        device: &Device,
        env: &AudioEnvironment,
    ) -> AudioPlan {
        let Capture::Audio(capture) = &device.capture else {
            unreachable!("candidates are microphones");
        };
        let as_u32 = |v: f64| v.round().clamp(0.0, u32::MAX as f64) as u32;
        let (native_rate, native_channels) = match self.path {
            // Open the mode as close as possible to what webrtcdsp wants; convert the rest.
            AudioPath::Dsp => (
                self.native_rates.closest(DSP_SAMPLE_RATE as f64),
                self.native_channels.closest(choice.channel_count),
            ),
            _ => (choice.sample_rate, choice.channel_count),
        };
        let echo_cancellation = choice.ec_mode.enabled();
        let settings = AudioSettings {
            device_id: device.device_id.clone(),
            group_id: device.group_id.clone(),
            sample_rate: as_u32(choice.sample_rate),
            sample_size: as_u32(choice.sample_size),
            channel_count: as_u32(choice.channel_count),
            latency: choice.latency,
            echo_cancellation,
            echo_cancellation_mode: choice.ec_mode.value(),
            auto_gain_control: choice.auto_gain_control,
            noise_suppression: choice.noise_suppression,
            voice_isolation: false,
        };
        let dsp = self.path == AudioPath::Dsp;
        AudioPlan {
            device: self.device,
            mode: self.mode,
            native_sample_rate: as_u32(native_rate),
            native_channel_count: as_u32(native_channels),
            path: self.path,
            sample_rate: settings.sample_rate,
            channel_count: settings.channel_count,
            latency: choice.latency,
            // What webrtcdsp has to do: a device that cancels echo itself needs no canceller.
            echo_cancellation: dsp && echo_cancellation && !self.system_echo_cancellation,
            auto_gain_control: dsp && choice.auto_gain_control,
            noise_suppression: dsp && choice.noise_suppression,
            settings,
            capabilities: capabilities(device, capture, env),
        }
    }
}

pub(super) fn narrow_num(
    set: &mut NumSet,
    c: &Option<NumConstraint>,
    name: &'static str,
) -> Result<(), &'static str> {
    if let Some((lo, hi)) = c.as_ref().and_then(NumConstraint::required_bounds) {
        set.narrow(lo, hi);
        if set.is_empty() {
            return Err(name);
        }
    }
    Ok(())
}

pub(super) fn narrow_bool(
    set: &mut BoolSet,
    c: &Option<BoolConstraint>,
    name: &'static str,
) -> Result<(), &'static str> {
    if let Some(exact) = c.as_ref().and_then(|c| c.exact) {
        set.keep(exact);
        if set.is_empty() {
            return Err(name);
        }
    }
    Ok(())
}

/// Chromium's numeric containers: fitness 1 if the ideal is allowed, else `1 − d(closest,
/// ideal)`; without an ideal, fitness 0 and the member closest to `default`.
pub(super) fn select_num(set: &NumSet, c: Option<&NumConstraint>, default: f64) -> (f64, f64) {
    match c.and_then(|c| c.ideal) {
        Some(ideal) => {
            let v = set.closest(ideal);
            let fit = if set.contains(ideal) {
                1.0
            } else {
                1.0 - fitness::numeric(v, ideal)
            };
            (fit, v)
        }
        None => (0.0, set.closest(default)),
    }
}

/// Chromium's boolean containers: the ideal if allowed (fitness 1), else the default when both
/// values are allowed, else the only value.
pub(super) fn select_bool(set: BoolSet, c: &Option<BoolConstraint>, default: bool) -> (f64, bool) {
    if let Some(ideal) = c.as_ref().and_then(|c| c.ideal)
        && set.contains(ideal)
    {
        return (1.0, ideal);
    }
    if set == BoolSet::ANY {
        (0.0, default)
    } else {
        (0.0, set.yes)
    }
}

/// deviceId / groupId ideal: 1 if the device's value is listed.
pub(super) fn id_fitness(c: &Option<StrConstraint>, value: &str) -> f64 {
    match c.as_ref().and_then(|c| c.ideal.as_ref()) {
        Some(ideal) => 1.0 - fitness::string(Some(value), ideal),
        None => 0.0,
    }
}
