// SPDX-License-Identifier: MPL-2.0
//! Live tracks on real device providers: the PipeWire virtual cameras of `tests/vdev`. Stopping
//! a camera's process unplugs it, as pulling a USB camera does; `pipewiresrc` then fails, and
//! usermediasrc must turn that into `usermedia-track-ended` and EOS (or a failover), not an
//! error.
//!
//! Skipped with a message when the harness cannot run here, unless `CI=true`.

mod common;

use common::live as harness;
use common::vdev;

use gst::prelude::*;
use harness::{Live, str_field};
use std::time::{Duration, Instant};

/// The camera these tests unplug (and plug back in afterwards).
const CAMERA: &str = "vdev-cam-vga";

fn camera_id(node: &str) -> String {
    format!("pipewire:{node}")
}

/// Plugs the camera back in, also when a test fails halfway.
struct Replug<'a>(&'a vdev::Instance);

impl Drop for Replug<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.command(&["start-camera", CAMERA]) {
            eprintln!("{e}");
        }
    }
}

/// Unplugs the camera; returns when `kill-camera` started and when it returned (it waits until
/// the node is gone).
fn unplug(instance: &vdev::Instance) -> (Instant, Instant) {
    let t0 = Instant::now();
    instance
        .command(&["kill-camera", CAMERA])
        .unwrap_or_else(|e| panic!("{e}"));
    (t0, Instant::now())
}

#[test]
fn unplugging_a_virtual_camera_ends_its_track() {
    let Some(instance) = vdev::shared() else {
        return;
    };
    let _lock = vdev::exclusive();
    let id = camera_id(CAMERA);
    let live = Live::start(
        &format!("{{video: {{deviceId: {{exact: '{id}'}}}}}}"),
        |_| (),
        false,
    );
    live.more("video_0", 5);
    assert_eq!(live.settings()["video"]["deviceId"], id.as_str());

    let _replug = Replug(instance);
    let (killed, returned) = unplug(instance);
    let (ended_at, ended) = live
        .wait_element_message("usermedia-track-ended", Duration::from_secs(5), |_| true)
        .expect("usermedia-track-ended after the camera went away");
    eprintln!(
        "vdev unplug: kill-camera took {:?}; track-ended {:?} after it started",
        returned - killed,
        ended_at.saturating_duration_since(killed)
    );
    assert!(
        ended_at < returned + Duration::from_secs(1),
        "track-ended {:?} after kill-camera returned",
        ended_at.saturating_duration_since(returned)
    );
    live.assert_unplug_ended_video(&ended, ended_at, &id);
    // The sink's last frame came from the camera that is gone: still readable.
    let sink = live
        .pipeline
        .iterate_sinks()
        .into_iter()
        .flatten()
        .next()
        .expect("a sink");
    let sample = sink
        .property::<Option<gst::Sample>>("last-sample")
        .expect("last sample");
    let buffer = sample.buffer().expect("buffer");
    let map = buffer.map_readable().expect("readable");
    let sum: u64 = map.iter().map(|&b| b as u64).sum();
    assert!(sum > 0, "{} bytes", map.len());
    drop(map);
    // The dying source's errors never reach the application.
    std::thread::sleep(Duration::from_millis(2000));
    live.assert_no_problems();
    assert!(live.settings().get("video").is_none());
    live.stop();
}

#[test]
fn an_unplugged_virtual_camera_fails_over_to_another() {
    let Some(instance) = vdev::shared() else {
        return;
    };
    let _lock = vdev::exclusive();
    let id = camera_id(CAMERA);
    let live = Live::start(
        &format!("{{video: {{deviceId: '{id}'}}}}"),
        |e| e.set_property("failover", true),
        false,
    );
    live.more("video_0", 5);
    assert_eq!(live.settings()["video"]["deviceId"], id.as_str());

    let _replug = Replug(instance);
    let (killed, returned) = unplug(instance);
    let (at, fo) = live
        .wait_element_message("usermedia-failover", Duration::from_secs(5), |_| true)
        .expect("usermedia-failover");
    eprintln!(
        "vdev failover: {:?} after kill-camera started ({:?} after it returned) to {}",
        at.saturating_duration_since(killed),
        at.saturating_duration_since(returned),
        str_field(&fo, "to")
    );
    assert_eq!(str_field(&fo, "from"), id);
    let to = str_field(&fo, "to");
    assert_ne!(to, id);
    assert_eq!(live.settings()["video"]["deviceId"], to.as_str());
    let after = live.more("video_0", 5);
    assert!(after.iter().all(|b| b.pts.is_some()));
    assert!(live.element_messages("usermedia-track-ended").is_empty());
    assert!(live.with(|r| r.eos.is_empty()));
    assert_eq!(live.with(|r| r.pads.clone()), ["video_0"]);
    std::thread::sleep(Duration::from_millis(2000));
    live.assert_no_problems();
    live.stop();
}
