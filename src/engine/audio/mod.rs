// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Audio selection: Chromium's processing-path model (C6), with webrtcdsp as the voice processor.
//!
//! A candidate is (device, native mode, path). Each starts with the values its path allows
//! (C6.2), is narrowed by the basic set and then by each advanced set (C6.3), and the survivors
//! are scored with Chromium's tuple (C6.4); the winner's settings follow C6.5.
//!
//! Mapping of Chromium's model onto GStreamer, and the choices it needs:
//! - Chromium has one parameter set per device; a GStreamer device has several modes (one per
//!   caps structure and format), each with fixed values, lists or ranges (pulsesrc reports
//!   `rate=[1, 384000], channels=[1, 32]` for every format). The unprocessed and no-DSP paths
//!   allow every native value of the mode; the one opened is the one closest to the ideal, else
//!   to the default (48000 Hz, 1 channel: C6.5's mono default), so a range mode opens at 48 kHz
//!   mono unless asked otherwise. Modes are preferred in list order, except that S16LE wins an
//!   otherwise exact tie (it is what webrtcdsp consumes, and Chromium's sampleSize is 16).
//! - The DSP path exists when webrtcdsp is installed. It runs at 48 kHz, 16 bit, 10 ms frames,
//!   and delivers mono or any native channel count above 1, converting and resampling from the
//!   mode opened (the one closest to 48 kHz and to the delivered channel count).
//! - webrtcdsp can only cancel echo with a far-end reference (webrtcechoprobe on the playback
//!   path). Without one the DSP path still does gain control and noise suppression, and
//!   `echoCancellation: {exact: true}` fails unless a device cancels echo itself. The reference is
//!   the application's own playback, hence the DSP canceller is "remote-only", never "all" (C6.7).
//! - A device that cancels echo itself (`system_echo_cancellation`: in GStreamer an echo-cancel
//!   source node of PipeWire or PulseAudio) cannot turn that off, unlike Chromium's platform
//!   effect: every path of it reports echoCancellation true and satisfies `true` and "all", never
//!   `false`. Reporting false there would misdescribe what flows.
//! - Processing is "on by default" as on Chromium desktop: AGC and NS follow the echo
//!   cancellation the constraints ask for (C6.5), not what the path can do, so a host without an
//!   echo reference still gets gain control and noise suppression for `{audio: true}`.

mod candidate;
mod output;
mod sets;

#[cfg(test)]
pub(crate) mod tests;

use super::{
    AudioEnvironment, AudioPath, AudioPlan, Capture, Device, MediaError, TrackConstraints,
};
use candidate::{Candidate, Choice, Score};
pub(crate) use output::capabilities;
use output::overconstrained;

/// The sample rate webrtcdsp processes at (C6.2's APM row: 48 kHz off Android).
pub const DSP_SAMPLE_RATE: u32 = 48_000;
/// webrtcdsp consumes S16 samples.
pub const DSP_SAMPLE_SIZE: u32 = 16;
/// webrtcdsp works on 10 ms frames (Chromium's kFallbackAudioLatencyMs off Android).
pub const DSP_LATENCY: f64 = 0.010;
/// Rate a mode with several native rates is opened at when nothing asks for another.
pub const DEFAULT_SAMPLE_RATE: f64 = 48_000.0;
/// C6.5: mono unless asked otherwise.
pub(crate) const DEFAULT_CHANNEL_COUNT: f64 = 1.0;
/// Chromium's sampleSize, always 16 (C6.2).
pub(crate) const DEFAULT_SAMPLE_SIZE: f64 = 16.0;

/// Select the microphone, mode and processing path for `tc` (getUserMedia's audio half).
/// `devices` may hold cameras too; they are skipped, and plan indices refer to this slice.
pub fn select(
    tc: &TrackConstraints,
    devices: &[Device],
    env: &AudioEnvironment,
) -> Result<AudioPlan, MediaError> {
    select_traced(tc, devices, env, None)
}

/// [`select`], reporting every candidate (device, mode, path) and its score or the constraint
/// that rejected it to `trace`, one line each.
pub fn select_traced(
    tc: &TrackConstraints,
    devices: &[Device],
    env: &AudioEnvironment,
    mut trace: Option<&mut dyn FnMut(&str)>,
) -> Result<AudioPlan, MediaError> {
    // S1.7: video members (width, facingMode, backgroundBlur, …) are removed for an audio
    // track before S1.8 is checked, and every audio member may be required, so no TypeError
    // can arise here.
    let mut candidates = Vec::new();
    let mut microphones = 0usize;
    for (index, device) in devices.iter().enumerate() {
        let Capture::Audio(capture) = &device.capture else {
            continue;
        };
        for (mode_index, mode) in capture.modes.iter().enumerate() {
            for path in [
                AudioPath::Unprocessed,
                AudioPath::ProcessedNoDsp,
                AudioPath::Dsp,
            ] {
                if path == AudioPath::Dsp && !env.processing_available {
                    continue;
                }
                let candidate =
                    Candidate::new(index, microphones, mode_index, mode, capture, path, env);
                if candidate.is_viable() {
                    candidates.push(candidate);
                }
            }
        }
        microphones += 1;
    }
    if microphones == 0 {
        return Err(MediaError::NotFound {
            message: "no microphone (audioinput device) found".into(),
        });
    }
    if candidates.is_empty() {
        return Err(MediaError::NotFound {
            message: "no microphone offers a usable capture mode".into(),
        });
    }

    // C6.3: the basic set must hold; the name reported is the last rejection, i.e. that of the
    // last path of the last device (C6.3).
    let mut failed = "";
    candidates.retain_mut(|c| match c.apply(&tc.basic, &devices[c.device]) {
        Ok(()) => true,
        Err(name) => {
            failed = name;
            if let Some(t) = trace.as_mut() {
                t(&format!(
                    "device {} mode {} {:?}: rejected by {name}",
                    c.device, c.mode, c.path
                ));
            }
            false
        }
    });
    if candidates.is_empty() {
        return Err(overconstrained(failed, tc, devices, env));
    }
    // Advanced sets narrow all survivors at once, or are ignored when nobody survives them.
    for set in &tc.advanced {
        let mut narrowed = candidates.clone();
        narrowed.retain_mut(|c| c.apply(set, &devices[c.device]).is_ok());
        if !narrowed.is_empty() {
            candidates = narrowed;
        }
    }

    // C6.4: the highest score wins; the first candidate wins exact ties.
    let mut best: Option<(Score, Choice, &Candidate)> = None;
    for c in &candidates {
        let (score, choice) = c.evaluate(&tc.basic, &devices[c.device]);
        if let Some(t) = trace.as_mut() {
            t(&format!(
                "device {} mode {} {:?}: {score:?}",
                c.device, c.mode, c.path
            ));
        }
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, choice, c));
        }
    }
    let (_, choice, winner) = best.expect("candidates is not empty");
    Ok(winner.plan(&choice, &devices[winner.device], env))
}
