// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `displaymediasrc` with nothing to capture: NotFoundError naming the backends tried, and a
//! camera is never a display.

mod common;

use std::time::Duration;

#[test]
fn no_surface_is_not_found_naming_the_backends() {
    common::init(Some(
        r#"[{"kind": "videoinput", "deviceId": "cam0",
             "caps": "video/x-raw,format=I420,width=320,height=240,framerate=30/1"}]"#,
    ));
    let o = common::run_factory(
        "displaymediasrc",
        "{video: true}",
        |_| {},
        1,
        Duration::from_secs(5),
    );
    let e = o.error.expect("an error");
    assert_eq!(e.name, "NotFoundError");
    assert!(e.message.contains("fake displays"), "{}", e.message);
    assert!(e.message.contains("\"kind\": \"display\""), "{}", e.message);
    assert!(o.pads.is_empty());
    // The camera is still usermediasrc's.
    let o = common::run_src("{video: true}", |_| {}, 2, Duration::from_secs(5));
    assert_eq!(o.error_name(), None, "{:?}", o.error);
}

#[test]
fn gst_inspect_documents_displaymediasrc() {
    let out = common::run_tool("gst-inspect-1.0", &["displaymediasrc"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "gst-inspect failed: {text}");
    for needle in [
        "Source/Video/Audio",
        "DisplayMediaStreamOptions",
        "displaySurface",
        "settings",
        "capabilities",
        "permission-timeout",
        "request-permission",
        "restore-token",
        "video_%u",
    ] {
        assert!(
            text.contains(needle),
            "gst-inspect output lacks {needle:?}:\n{text}"
        );
    }
}
