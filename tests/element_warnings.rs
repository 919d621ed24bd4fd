// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Constraint keys the element does not know are ignored, as a browser ignores them, but named
//! on the bus: a WARNING with `usermedia-warning` { key, suggestion } per key.

mod common;

use std::time::Duration;

use gst::prelude::*;

const DEVICES: &str = r#"[{"kind": "videoinput", "deviceId": "cam0", "label": "Camera",
    "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}]"#;

/// The `usermedia-warning` details of the warnings posted while reaching PLAYING (and whether
/// buffers flowed).
fn warnings(constraints: &str) -> (Vec<gst::Structure>, Vec<String>, bool) {
    common::init_with_fake_devices(DEVICES);
    let pipeline = gst::Pipeline::new();
    let src = common::usermediasrc(constraints);
    pipeline.add(&src).unwrap();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    common::link_new_pads(&pipeline, &src, "fakesink async=false", move |pad, _| {
        let tx = tx.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            let _ = tx.try_send(());
            gst::PadProbeReturn::Remove
        });
    });
    pipeline.set_state(gst::State::Playing).unwrap();
    let flowed = rx.recv_timeout(Duration::from_secs(10)).is_ok();
    let bus = pipeline.bus().unwrap();
    let mut details = Vec::new();
    let mut texts = Vec::new();
    while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Warning]) {
        if let gst::MessageView::Warning(w) = msg.view()
            && let Some(d) = w.details()
            && d.name() == "usermedia-warning"
        {
            details.push(d.to_owned());
            texts.push(w.error().message().to_string());
        }
    }
    pipeline.set_state(gst::State::Null).unwrap();
    (details, texts, flowed)
}

#[test]
fn a_misspelt_key_is_named_with_a_suggestion_and_ignored() {
    let (details, texts, flowed) = warnings("{video: {widht: 640}}");
    assert!(flowed, "the request still succeeds");
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(details[0].get::<&str>("key").unwrap(), "video.widht");
    assert_eq!(details[0].get::<&str>("suggestion").unwrap(), "width");
    assert!(texts[0].contains("did you mean width?"), "{texts:?}");
}

#[test]
fn known_keys_give_no_warning() {
    let (details, _, flowed) = warnings("{video: {width: 320, frameRate: {max: 30}}}");
    assert!(flowed);
    assert!(details.is_empty(), "{details:?}");
}
