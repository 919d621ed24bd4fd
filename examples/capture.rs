// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! An application embedding usermediasrc: getUserMedia() with constraints, a permission prompt
//! answered on the terminal (or by a flag), every getUserMedia error handled from the bus, and
//! the chosen settings printed.
//!
//! ```sh
//! cargo run --example capture -- --constraints "{video: {width: {ideal: 1280}}, audio: true}"
//! cargo run --example capture -- --permission prompt          # asks on the terminal
//! cargo run --example capture -- --permission prompt --answer no
//! cargo run --example capture -- --display                    # show video, play audio
//! ```
//!
//! Exit status: 0 captured; 2 TypeError; 3 NotFoundError; 4 OverconstrainedError;
//! 5 NotAllowedError; 6 NotReadableError; 7 AbortError; 1 anything else.

use gst::prelude::*;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

struct Options {
    constraints: String,
    permission: String,
    answer: Option<bool>,
    seconds: f64,
    display: bool,
}

fn options() -> Options {
    let mut o = Options {
        constraints: "{video: true, audio: true}".into(),
        permission: "granted".into(),
        answer: None,
        seconds: 2.0,
        display: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--constraints" => o.constraints = value(),
            "--permission" => o.permission = value(),
            "--answer" => o.answer = Some(matches!(value().as_str(), "yes" | "y" | "true")),
            "--seconds" => o.seconds = value().parse().unwrap_or_else(|_| usage("bad --seconds")),
            "--display" => o.display = true,
            "-h" | "--help" => usage(""),
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    o
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("{problem}");
    }
    eprintln!(
        "usage: capture [--constraints JSON] [--permission granted|denied|prompt] [--answer yes|no] [--seconds N] [--display]"
    );
    std::process::exit(1)
}

/// The exit status for each getUserMedia error name.
fn exit_code(name: &str) -> i32 {
    match name {
        "TypeError" => 2,
        "NotFoundError" => 3,
        "OverconstrainedError" => 4,
        "NotAllowedError" => 5,
        "NotReadableError" => 6,
        "AbortError" => 7,
        _ => 1,
    }
}

fn main() {
    let opts = options();
    gst::init().expect("GStreamer initialises");
    // Use the plugin from GST_PLUGIN_PATH or the system if it is there, else the linked copy.
    if gst::ElementFactory::find("usermediasrc").is_none() {
        gstusermedia::plugin_register_static().expect("usermedia plugin registers");
    }

    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("usermediasrc")
        .property("constraints", &opts.constraints)
        .build()
        .expect("usermediasrc exists");
    src.set_property_from_str("permission", &opts.permission);
    // An interactive answer may take a while.
    src.set_property("permission-timeout", 0u32);
    pipeline.add(&src).expect("add");

    // The permission prompt: a browser's "Allow camera and microphone?" dialog.
    let answer = opts.answer;
    let src = src
        .downcast::<gstusermedia::UserMediaSrc>()
        .expect("usermediasrc is a UserMediaSrc");
    src.connect_request_permission(move |_, request| {
        let mut what = Vec::new();
        if let Ok(label) = request.get::<String>("video-label") {
            what.push(format!("camera \"{label}\""));
        }
        if let Ok(label) = request.get::<String>("audio-label") {
            what.push(format!("microphone \"{label}\""));
        }
        let granted = answer.unwrap_or_else(|| {
            print!("Allow access to {}? [y/N] ", what.join(" and "));
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            matches!(line.trim(), "y" | "Y" | "yes")
        });
        println!(
            "permission for {}: {}",
            what.join(" and "),
            if granted { "granted" } else { "denied" }
        );
        granted
    });

    // Each track's pad: show/play it, or just consume it.
    let display = opts.display;
    let pipeline_weak = pipeline.downgrade();
    src.connect_pad_added(move |_, pad| {
        let Some(pipeline) = pipeline_weak.upgrade() else {
            return;
        };
        let video = pad.name().starts_with("video");
        let desc = match (video, display) {
            (true, true) => "queue ! videoconvert ! autovideosink",
            (false, true) => "queue ! audioconvert ! audioresample ! autoaudiosink",
            _ => "queue ! fakesink",
        };
        let sink = gst::parse::bin_from_description(desc, true).expect("sink bin");
        pipeline.add(&sink).expect("add sink");
        sink.sync_state_with_parent().expect("sink state");
        pad.link(&sink.static_pad("sink").expect("ghost sink pad"))
            .expect("link");
    });
    let src_weak = src.downgrade();
    src.connect_no_more_pads(move |_| {
        if let Some(src) = src_weak.upgrade() {
            let settings: String = src.property("settings");
            let pretty = serde_json::from_str::<serde_json::Value>(&settings)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(settings);
            println!("settings: {pretty}");
        }
    });

    let bus = pipeline.bus().expect("pipeline bus");
    let _ = pipeline.set_state(gst::State::Playing);
    let deadline = Instant::now() + Duration::from_secs_f64(opts.seconds);
    let mut status = 0;
    while Instant::now() < deadline {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(50)) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::Error(err) => {
                let details = err.details();
                let field = |k: &str| details.and_then(|d| d.get::<String>(k).ok());
                match field("name") {
                    Some(name) => {
                        let message = field("message").unwrap_or_default();
                        match name.as_str() {
                            "OverconstrainedError" => eprintln!(
                                "OverconstrainedError: no device satisfies '{}'. {message}",
                                field("constraint").unwrap_or_default()
                            ),
                            "NotFoundError" => {
                                eprintln!("NotFoundError: no such device. {message}")
                            }
                            "NotAllowedError" => {
                                eprintln!("NotAllowedError: access refused. {message}")
                            }
                            "NotReadableError" => {
                                eprintln!(
                                    "NotReadableError: the device is busy or broken. {message}"
                                )
                            }
                            "TypeError" => eprintln!("TypeError: bad constraints. {message}"),
                            _ => eprintln!("{name}: {message}"),
                        }
                        status = exit_code(&name);
                    }
                    None => {
                        eprintln!(
                            "error from {:?}: {}",
                            err.src().map(|s| s.name()),
                            err.error()
                        );
                        status = 1;
                    }
                }
                break;
            }
            gst::MessageView::Warning(w) => eprintln!("warning: {}", w.error()),
            gst::MessageView::Element(e) => {
                if let Some(s) = e.structure()
                    && s.name().starts_with("usermedia-")
                {
                    println!("{s}");
                }
            }
            gst::MessageView::Eos(_) => break,
            _ => (),
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    std::process::exit(status);
}
