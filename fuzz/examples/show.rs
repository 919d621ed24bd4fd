// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Shows what a fuzz input means and what the engine answers, without the fuzzer:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example show -- select fuzz/artifacts/select/crash-…
//! cargo run --manifest-path fuzz/Cargo.toml --example show -- parse FILE…
//! ```

use gstusermedia::engine::{self, parse::parse};
use usermedia_fuzz::decode_select_input;

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("usage: show parse|select FILE...");
    for file in args {
        let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        println!("== {file}");
        match target.as_str() {
            "parse" => {
                let text = String::from_utf8_lossy(&data);
                println!("text: {text:?}");
                println!("parsed: {:#?}", parse(&text));
            }
            "select" => {
                let input = decode_select_input(&data);
                println!("environment: {:?}", input.env);
                for (i, d) in input.devices.iter().enumerate() {
                    println!("device {i}: {d:?}");
                }
                println!("constraints: {}", input.constraints);
                match parse(&input.constraints) {
                    Ok(c) => {
                        println!("parsed: {c:#?}");
                        println!(
                            "selected: {:#?}",
                            engine::select(&c, &input.devices, &input.env)
                        );
                    }
                    Err(e) => println!("parse error: {e}"),
                }
            }
            other => panic!("unknown target {other}"),
        }
    }
}
