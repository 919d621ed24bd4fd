// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Screen capture: `displaymediasrc` against the hand-written `ximagesrc ! videoscale !
//! capsfilter` pipeline on the X server of `$DISPLAY` (scripts/bench.sh starts a 1920x1080
//! Xvfb), delivering at most 1280x720 at 15 fps. CPU time is this process's: the X server's
//! share of each capture is the same for both.

use std::time::Duration;

use super::{
    ChildEnv, Goal, Options, Row, SETUP_MS, Variant, after_setup_row, cpu_per_frame, median,
    progress, result, run_child, sink, ttfb_from_creation, values,
};

const CONSTRAINTS: &str = "{video: {width: {max: 1280}, height: {max: 720}, frameRate: {max: 15}}}";

fn pipeline(v: Variant) -> String {
    match v {
        Variant::A => format!(
            "displaymediasrc name=um constraints=\"{CONSTRAINTS}\" ! {}",
            sink()
        ),
        Variant::B => format!(
            "ximagesrc use-damage=false ! videoscale ! \
             video/x-raw,width=1280,height=720,framerate=15/1 ! {}",
            sink()
        ),
    }
}

/// The measurements of one child process: `display-cpu <A|B> <seconds>` or
/// `display-ttfb <A|B> [setup ms]` (the first element of the process).
pub fn child(what: &str, args: &[String]) {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let v = Variant::parse(arg(0));
    match what {
        "display-cpu" => {
            let seconds: f64 = arg(1).parse().expect("seconds");
            cpu_per_frame(&pipeline(v), Duration::from_secs_f64(seconds));
        }
        "display-ttfb" => {
            let setup = Duration::from_millis(arg(1).parse().unwrap_or(0));
            let (t, from_creation) = ttfb_from_creation(&pipeline(v), setup);
            result("ttfb", t.as_secs_f64());
            result("ttfb_from_creation", from_creation.as_secs_f64());
        }
        other => panic!("unknown display measurement {other}"),
    }
}

/// The rows of the display group, or a note saying why there are none.
pub fn rows(o: &Options) -> Result<Vec<Row>, String> {
    let display = std::env::var("DISPLAY")
        .map_err(|_| "Screen capture: skipped (DISPLAY is not set; `scripts/bench.sh` starts Xvfb when it is installed).".to_string())?;
    let device = format!("Xvfb `{display}` 1920x1080");
    let env = ChildEnv::Real;
    progress("display: CPU per delivered frame");
    let secs = o.cpu_seconds.to_string();
    let mut cpu = Row::new(
        "CPU time per delivered frame, 1920x1080 screen → ≤1280x720 ≤15 fps",
        &device,
        "µs",
        Goal::Ratio(1.0),
    );
    let (mut fps, mut caps) = ((Vec::new(), Vec::new()), Vec::new());
    for round in 0..o.cpu_rounds {
        for v in Variant::order(round) {
            let r = run_child(&env, &["display-cpu", v.name(), &secs]);
            cpu.pairs.push(v, r["cpu_per_frame"][0]);
            match v {
                Variant::A => fps.0.push(r["fps"][0]),
                Variant::B => fps.1.push(r["fps"][0]),
            }
            caps.extend(
                r.keys()
                    .filter_map(|k| k.strip_prefix("caps:"))
                    .map(String::from),
            );
        }
    }
    caps.sort();
    caps.dedup();
    cpu.note = format!(
        "{:.1} / {:.1} fps; round ratios {}; caps {}",
        median(&fps.0),
        median(&fps.1),
        cpu.pairs.spread(),
        caps.join(" / ")
    );

    progress("display: time to first buffer, fresh processes");
    let mut ttfb = Row::new(
        "time to first buffer, first element in a process, same capture",
        &device,
        "ms",
        Goal::Ratio(1.2),
    );
    let mut created = Row::new(
        "… the same, from building the pipeline (B loads its plugins and opens its X display there)",
        &device,
        "ms",
        Goal::None,
    );
    let mut after_setup = after_setup_row(&device);
    let setup = SETUP_MS.to_string();
    for round in 0..o.rounds {
        for v in Variant::order(round) {
            let r = run_child(&env, &["display-ttfb", v.name()]);
            ttfb.pairs.push(v, r["ttfb"][0]);
            created.pairs.push(v, r["ttfb_from_creation"][0]);
            let r = run_child(&env, &["display-ttfb", v.name(), &setup]);
            after_setup.pairs.push(v, values(&[r], "ttfb")[0]);
        }
    }
    Ok(vec![cpu, ttfb, created, after_setup])
}
