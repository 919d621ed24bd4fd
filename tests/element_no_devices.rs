// SPDX-License-Identifier: MPL-2.0
//! With no devices at all, a request is NotFoundError, and permission=denied still wins.

mod common;

use std::time::Duration;

fn init() {
    common::init_with_fake_devices("[]");
}

#[test]
fn no_camera_is_not_found() {
    init();
    let o = common::run_src("{video: true}", |_| (), 1, Duration::from_secs(5));
    let e = o.error.expect("error");
    assert_eq!(e.name, "NotFoundError", "{e:?}");
    assert!(e.gerror.matches(gst::ResourceError::NotFound));
    assert!(e.constraint.is_none());
}

#[test]
fn no_microphone_is_not_found() {
    init();
    let o = common::run_src("{audio: true}", |_| (), 1, Duration::from_secs(5));
    assert_eq!(o.error_name(), Some("NotFoundError"));
}

#[test]
fn denied_permission_hides_that_nothing_exists() {
    init();
    use gst::prelude::*;
    let o = common::run_src(
        "{video: true}",
        |e| e.set_property_from_str("permission", "denied"),
        1,
        Duration::from_secs(5),
    );
    assert_eq!(o.error_name(), Some("NotAllowedError"));
}
