// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! An application embedding displaymediasrc: getDisplayMedia() with options, the settings of
//! the surface captured, and unattended capture: with `--token-file`, the desktop portal's
//! restore token of the user's choice is kept in a file, and the next run captures the same
//! surface without a dialog.
//!
//! ```sh
//! cargo run --example screen -- --constraints "{video: {width: {max: 1280}, frameRate: {max: 15}}}"
//! cargo run --example screen -- --token-file ~/.cache/screen-token --seconds 10 --display
//! cargo run --example screen -- --permission prompt     # X11: asks on the terminal
//! ```
//!
//! Exit status: 0 captured; 2 TypeError; 3 NotFoundError; 4 OverconstrainedError;
//! 5 NotAllowedError; 6 NotReadableError; 7 AbortError; 1 anything else.

use gst::prelude::*;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Options {
    constraints: String,
    permission: String,
    answer: Option<bool>,
    token_file: Option<PathBuf>,
    seconds: f64,
    display: bool,
}

fn options() -> Options {
    let mut o = Options {
        constraints: "{video: true}".into(),
        permission: "granted".into(),
        answer: None,
        token_file: None,
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
            "--token-file" => o.token_file = Some(value().into()),
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
        "usage: screen [--constraints JSON] [--permission granted|denied|prompt] [--answer yes|no] [--token-file PATH] [--seconds N] [--display]"
    );
    std::process::exit(1)
}

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
    if gst::ElementFactory::find("displaymediasrc").is_none() {
        gstusermedia::plugin_register_static().expect("usermedia plugin registers");
    }

    let src = gst::ElementFactory::make("displaymediasrc")
        .property("constraints", &opts.constraints)
        .build()
        .expect("displaymediasrc exists")
        .downcast::<gstusermedia::DisplayMediaSrc>()
        .expect("displaymediasrc is a DisplayMediaSrc");
    src.set_property_from_str("permission", &opts.permission);
    // The portal's dialog, or the terminal prompt below, may take a while.
    src.set_property("permission-timeout", 0u32);
    // The last grant's token: the portal restores that choice without a dialog.
    let token = opts
        .token_file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if token.is_some() {
        println!("restoring the previous choice");
    }
    src.set_property("restore-token", token);
    if let Some(file) = opts.token_file.clone() {
        // Tokens are single-use: keep the newest.
        src.connect_notify(Some("restore-token"), move |src, _| {
            if let Some(token) = src.property::<Option<String>>("restore-token") {
                match std::fs::write(&file, token) {
                    Ok(()) => println!("restore token saved to {}", file.display()),
                    Err(e) => eprintln!("cannot save the restore token: {e}"),
                }
            }
        });
    }

    // Backends without a dialog of their own (X11) ask through request-permission.
    let answer = opts.answer;
    src.connect_request_permission(move |_, request| {
        let label = request.get::<String>("video-label").unwrap_or_default();
        let granted = answer.unwrap_or_else(|| {
            print!("Allow capturing \"{label}\"? [y/N] ");
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            matches!(line.trim(), "y" | "Y" | "yes")
        });
        println!(
            "permission for \"{label}\": {}",
            if granted { "granted" } else { "denied" }
        );
        granted
    });

    let pipeline = gst::Pipeline::new();
    pipeline.add(&src).expect("add");
    let display = opts.display;
    let pipeline_weak = pipeline.downgrade();
    src.connect_pad_added(move |_, pad| {
        let Some(pipeline) = pipeline_weak.upgrade() else {
            return;
        };
        let desc = match (pad.name().starts_with("video"), display) {
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
            println!("settings: {}", src.property::<String>("settings"));
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
                        eprintln!("{name}: {}", field("message").unwrap_or_default());
                        status = exit_code(&name);
                    }
                    None => {
                        eprintln!("error: {}", err.error());
                        status = 1;
                    }
                }
                break;
            }
            gst::MessageView::Element(e) => {
                if let Some(s) = e.structure()
                    && s.name().starts_with("usermedia-")
                {
                    println!("{s}");
                }
            }
            // The surface went away (the user stopped sharing, a window closed).
            gst::MessageView::Eos(_) => break,
            _ => (),
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    std::process::exit(status);
}
