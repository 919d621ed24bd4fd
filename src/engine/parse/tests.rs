// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Tests of the parser: MDN's examples, every member and form, WebIDL conversions, errors with
//! key paths, limits, legacy syntax and unknown-key warnings.

use super::*;
use crate::engine::{BoolConstraint, EchoConstraint, EchoMode, NumConstraint, StrConstraint};
use crate::engine::{ConstraintSet, MediaStreamConstraints, TrackConstraints};
use proptest::prelude::*;

fn ok(input: &str) -> MediaStreamConstraints {
    match parse(input) {
        Ok(c) => c,
        Err(e) => panic!("{input}: {e}"),
    }
}

fn type_error(input: &str) -> String {
    match parse(input) {
        Err(MediaError::TypeError { message }) => message,
        other => panic!("{input}: expected a TypeError, got {other:?}"),
    }
}

fn video(input: &str) -> TrackConstraints {
    ok(input).video.expect("video requested")
}

fn audio(input: &str) -> TrackConstraints {
    ok(input).audio.expect("audio requested")
}

fn ideal(v: f64) -> Option<NumConstraint> {
    Some(NumConstraint {
        ideal: Some(v),
        ..Default::default()
    })
}

fn strs(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

// Every constraint object in the MDN getUserMedia pages (/work/shared/seeds), verbatim.
#[test]
fn mdn_examples() {
    let c = ok("{ video: true, audio: true }");
    assert_eq!(c.video, Some(TrackConstraints::default()));
    assert_eq!(c.audio, Some(TrackConstraints::default()));

    let c = ok("{ audio: true, video: true }");
    assert!(c.video.is_some() && c.audio.is_some());

    let c = ok("{\n  audio: true,\n  video: { width: 1280, height: 720 }\n}");
    assert!(c.audio.is_some());
    let v = c.video.unwrap();
    assert_eq!(v.basic.width, ideal(1280.0));
    assert_eq!(v.basic.height, ideal(720.0));

    let v = video("{ audio: true, video: { width: 1280, height: 720 } }");
    assert_eq!(v.basic.width, ideal(1280.0));

    let v = video(
        "{\n  audio: true,\n  video: {\n    width: { min: 1280 },\n    height: { min: 720 }\n  }\n}",
    );
    assert_eq!(v.basic.width.unwrap().min, Some(1280.0));
    assert_eq!(v.basic.height.unwrap().min, Some(720.0));

    let v = video(
        "{\n  audio: true,\n  video: {\n    width: { min: 1024, ideal: 1280, max: 1920 },\n    height: { min: 576, ideal: 720, max: 1080 }\n  }\n}",
    );
    assert_eq!(
        v.basic.width,
        Some(NumConstraint {
            min: Some(1024.0),
            max: Some(1920.0),
            exact: None,
            ideal: Some(1280.0)
        })
    );
    assert_eq!(
        v.basic.height,
        Some(NumConstraint {
            min: Some(576.0),
            max: Some(1080.0),
            exact: None,
            ideal: Some(720.0)
        })
    );

    let v = video(
        "{\n  audio: true,\n  video: {\n    width: { ideal: 1280 },\n    height: { ideal: 720 }\n  }\n}",
    );
    assert_eq!(v.basic.width, ideal(1280.0));
    assert_eq!(v.basic.height, ideal(720.0));

    let v = video("{ audio: true, video: { facingMode: \"user\" } }");
    assert_eq!(v.basic.facing_mode.unwrap().ideal, strs(&["user"]));

    let v = video("{ audio: true, video: { facingMode: { exact: \"environment\" } } }");
    assert_eq!(v.basic.facing_mode.unwrap().exact, strs(&["environment"]));

    let v = video("{ video: { frameRate: { ideal: 10, max: 15 } } }");
    let fr = v.basic.frame_rate.unwrap();
    assert_eq!((fr.ideal, fr.max), (Some(10.0), Some(15.0)));

    // The deviceId examples use JavaScript variables; with the values filled in:
    let v = video("{ video: { deviceId: 'myPreferredCameraDeviceId' } }");
    assert_eq!(
        v.basic.device_id.unwrap().ideal,
        strs(&["myPreferredCameraDeviceId"])
    );
    let v = video("{ video: { deviceId: { exact: 'myExactCameraOrBustDeviceId' } } }");
    assert_eq!(
        v.basic.device_id.unwrap().exact,
        strs(&["myExactCameraOrBustDeviceId"])
    );
    // …and as written they are expressions, not literals: a syntax error with a position.
    let m = type_error("{ video: { deviceId: myPreferredCameraDeviceId } }");
    assert!(m.contains("line 1, column"), "{m}");
    let m = type_error("{ video: { facingMode: (front? \"user\" : \"environment\") } }");
    assert!(m.contains("malformed"), "{m}");

    // The RTCMultiConnection page's options object (with its declaration stripped).
    let c = ok("{\n    audio: true,\n    video: true\n}");
    assert!(c.audio.is_some() && c.video.is_some());
}

#[test]
fn json_and_json5_forms() {
    let a = ok(r#"{"audio": {"sampleRate": {"exact": 48000}}}"#);
    let b = ok("{audio: {sampleRate: {exact: 48000,},},}");
    let c = ok("// comment\n{ /* block */ 'audio': { sampleRate: { 'exact': 48000 } } }");
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(
        a.audio.unwrap().basic.sample_rate.unwrap().exact,
        Some(48000.0)
    );
    // Hexadecimal, leading and trailing decimal points, explicit plus.
    let v = video("{video: {width: 0x500, aspectRatio: .5, frameRate: +30.}}");
    assert_eq!(v.basic.width, ideal(1280.0));
    assert_eq!(v.basic.aspect_ratio, ideal(0.5));
    assert_eq!(v.basic.frame_rate, ideal(30.0));
}

#[test]
fn kinds_requested() {
    assert!(ok("{video: true}").audio.is_none());
    assert!(ok("{audio: true, video: false}").video.is_none());
    assert_eq!(ok("{audio: {}}").audio, Some(TrackConstraints::default()));
    // WebIDL turns null into the dictionary branch of (boolean or MediaTrackConstraints).
    assert_eq!(ok("{audio: null}").audio, Some(TrackConstraints::default()));
    for nothing in [
        "{}",
        "{video: false}",
        "{video: false, audio: false}",
        "{foo: 1}",
    ] {
        let m = type_error(nothing);
        assert!(m.contains("at least one of audio and video"), "{m}");
    }
}

#[test]
fn bare_values_ideal_in_basic_exact_in_advanced() {
    let v = video(
        "{video: {width: 640, facingMode: ['user', 'left'], backgroundBlur: true,
          advanced: [{width: 1280, facingMode: 'environment', backgroundBlur: false}]}}",
    );
    assert_eq!(v.basic.width, ideal(640.0));
    assert_eq!(
        v.basic.facing_mode.as_ref().unwrap().ideal,
        strs(&["user", "left"])
    );
    assert_eq!(v.basic.background_blur.as_ref().unwrap().ideal, Some(true));
    let adv = &v.advanced[0];
    assert_eq!(adv.width.as_ref().unwrap().exact, Some(1280.0));
    assert_eq!(
        adv.facing_mode.as_ref().unwrap().exact,
        strs(&["environment"])
    );
    assert_eq!(adv.background_blur.as_ref().unwrap().exact, Some(false));

    let a = audio(
        "{audio: {echoCancellation: 'remote-only', autoGainControl: false,
          advanced: [{echoCancellation: true, noiseSuppression: true}, {}]}}",
    );
    assert_eq!(
        a.basic.echo_cancellation.unwrap().ideal,
        Some(EchoMode::Str("remote-only".into()))
    );
    assert_eq!(a.basic.auto_gain_control.unwrap().ideal, Some(false));
    assert_eq!(a.advanced.len(), 2);
    assert_eq!(
        a.advanced[0].echo_cancellation.as_ref().unwrap().exact,
        Some(EchoMode::Bool(true))
    );
    assert_eq!(
        a.advanced[0].noise_suppression.as_ref().unwrap().exact,
        Some(true)
    );
    assert_eq!(a.advanced[1], ConstraintSet::default());
}

#[test]
fn every_member_and_form() {
    let v = video(
        "{video: {
            width: {min: 1, max: 2, exact: 3, ideal: 4},
            height: {exact: 480},
            aspectRatio: {min: 1.3333333333, max: 1.7777777778},
            frameRate: {exact: 29.97},
            facingMode: {exact: ['user'], ideal: 'left'},
            resizeMode: {ideal: ['none', 'crop-and-scale']},
            backgroundBlur: {exact: false, ideal: true},
            deviceId: {exact: 'cam0'},
            groupId: ['g1', 'g2'],
        }}",
    );
    let b = &v.basic;
    assert_eq!(
        b.width,
        Some(NumConstraint {
            min: Some(1.0),
            max: Some(2.0),
            exact: Some(3.0),
            ideal: Some(4.0)
        })
    );
    assert_eq!(b.height.as_ref().unwrap().exact, Some(480.0));
    assert_eq!(b.aspect_ratio.as_ref().unwrap().min, Some(1.3333333333));
    assert_eq!(b.frame_rate.as_ref().unwrap().exact, Some(29.97));
    assert_eq!(
        b.facing_mode,
        Some(StrConstraint {
            exact: strs(&["user"]),
            ideal: strs(&["left"])
        })
    );
    assert_eq!(
        b.resize_mode.as_ref().unwrap().ideal,
        strs(&["none", "crop-and-scale"])
    );
    assert_eq!(
        b.background_blur,
        Some(BoolConstraint {
            exact: Some(false),
            ideal: Some(true)
        })
    );
    assert_eq!(b.device_id.as_ref().unwrap().exact, strs(&["cam0"]));
    assert_eq!(b.group_id.as_ref().unwrap().ideal, strs(&["g1", "g2"]));

    let a = audio(
        "{audio: {
            sampleRate: {min: 8000, max: 48000},
            sampleSize: 16,
            channelCount: {ideal: 2},
            latency: {max: 0.02},
            echoCancellation: {exact: 'all', ideal: false},
            autoGainControl: {exact: true},
            noiseSuppression: {ideal: false},
        }}",
    );
    let b = &a.basic;
    assert_eq!(b.sample_rate.as_ref().unwrap().min, Some(8000.0));
    assert_eq!(b.sample_rate.as_ref().unwrap().max, Some(48000.0));
    assert_eq!(b.sample_size, ideal(16.0));
    assert_eq!(b.channel_count, ideal(2.0));
    assert_eq!(b.latency.as_ref().unwrap().max, Some(0.02));
    assert_eq!(
        b.echo_cancellation,
        Some(EchoConstraint {
            exact: Some(EchoMode::Str("all".into())),
            ideal: Some(EchoMode::Bool(false))
        })
    );
    assert_eq!(b.auto_gain_control.as_ref().unwrap().exact, Some(true));
    assert_eq!(b.noise_suppression.as_ref().unwrap().ideal, Some(false));
    // Members of the other kind are kept by the parser; selection ignores them (S1.7).
    let a = audio("{audio: {width: 640}}");
    assert_eq!(a.basic.width, ideal(640.0));
}

#[test]
fn ulong_clamping() {
    let w = |s: &str| {
        video(&format!("{{video: {{width: {s}}}}}"))
            .basic
            .width
            .unwrap()
            .ideal
            .unwrap()
    };
    assert_eq!(w("-5"), 0.0);
    assert!(w("-0").is_sign_positive());
    assert_eq!(w("4294967296"), 4_294_967_295.0);
    assert_eq!(w("1e300"), 4_294_967_295.0);
    assert_eq!(
        w("99999999999999999999999999999999999999999"),
        4_294_967_295.0
    );
    assert_eq!(w("640.4"), 640.0);
    assert_eq!(w("640.5"), 640.0); // half to even
    assert_eq!(w("641.5"), 642.0);
    assert_eq!(w("640.6"), 641.0);
    let c = video("{video: {height: {min: -1, max: 1e10}}}")
        .basic
        .height
        .unwrap();
    assert_eq!((c.min, c.max), (Some(0.0), Some(4_294_967_295.0)));
    // Doubles are kept as they are.
    let f = video("{video: {frameRate: -1.5}}")
        .basic
        .frame_rate
        .unwrap();
    assert_eq!(f.ideal, Some(-1.5));
}

#[test]
fn non_finite_numbers_are_type_errors() {
    for (input, path, found) in [
        ("{video: {frameRate: NaN}}", "video.frameRate", "NaN"),
        (
            "{video: {aspectRatio: Infinity}}",
            "video.aspectRatio",
            "Infinity",
        ),
        (
            "{audio: {latency: {max: -Infinity}}}",
            "audio.latency.max",
            "-Infinity",
        ),
        ("{video: {width: NaN}}", "video.width", "NaN"),
        (
            "{audio: {sampleRate: {exact: Infinity}}}",
            "audio.sampleRate.exact",
            "Infinity",
        ),
        ("{audio: {latency: 1e400}}", "audio.latency", "Infinity"),
    ] {
        let m = type_error(input);
        assert!(m.starts_with(path), "{m}");
        assert!(m.contains(found), "{m}");
    }
}

#[test]
fn empty_and_null_mean_not_specified() {
    let v = video(
        "{video: {deviceId: [], facingMode: {exact: [], ideal: 'user'}, width: {},
          height: null, groupId: {exact: []}, backgroundBlur: {}}}",
    );
    assert_eq!(v.basic.device_id, None);
    assert_eq!(
        v.basic.facing_mode,
        Some(StrConstraint {
            exact: None,
            ideal: strs(&["user"])
        })
    );
    assert_eq!(v.basic.width, None);
    assert_eq!(v.basic.height, None);
    assert_eq!(v.basic.group_id, None);
    assert_eq!(v.basic.background_blur, None);
    let v = video("{video: {advanced: [null, {}]}}");
    assert_eq!(v.advanced, vec![ConstraintSet::default(); 2]);
}

#[test]
fn unknown_keys_ignored_and_last_duplicate_wins() {
    let v = video(
        "{video: {width: {min: 1, step: 'x', foo: {}}, zoom: 'whatever', Width: 'x',
          torch: [1, 2]}, peerIdentity: 5, preferCurrentTab: true}",
    );
    assert_eq!(
        v.basic,
        ConstraintSet {
            width: Some(NumConstraint {
                min: Some(1.0),
                ..Default::default()
            }),
            ..Default::default()
        }
    );
    let v = video("{video: {width: 'big', width: 640}}");
    assert_eq!(v.basic.width, ideal(640.0));
    let c = ok("{video: true, video: false, audio: true}");
    assert!(c.video.is_none());
}

#[test]
fn wrong_types_name_the_path() {
    for (input, needles) in [
        (
            "{video: {width: 'big'}}",
            &["video.width", "non-negative integer", "string \"big\""][..],
        ),
        (
            "{video: {width: {min: 'x'}}}",
            &["video.width.min", "non-negative integer", "string \"x\""],
        ),
        (
            "{video: {facingMode: 5}}",
            &["video.facingMode", "a string", "number 5"],
        ),
        (
            "{video: 3}",
            &["video:", "boolean or a MediaTrackConstraints", "number 3"],
        ),
        ("{audio: 'yes'}", &["audio:", "string \"yes\""]),
        (
            "{video: {advanced: {}}}",
            &["video.advanced", "array", "an object"],
        ),
        (
            "{video: {advanced: null}}",
            &["video.advanced", "array", "null"],
        ),
        (
            "{video: {advanced: [true]}}",
            &["video.advanced[0]", "boolean true"],
        ),
        (
            "{video: {advanced: [{}, {height: [480]}]}}",
            &["video.advanced[1].height", "an array of 1 elements"],
        ),
        (
            "{video: {deviceId: ['a', 2]}}",
            &["video.deviceId[1]", "a string", "number 2"],
        ),
        (
            "{video: {deviceId: {exact: ['a', null]}}}",
            &["video.deviceId.exact[1]", "null"],
        ),
        (
            "{video: {resizeMode: true}}",
            &["video.resizeMode", "boolean true"],
        ),
        (
            "{audio: {autoGainControl: 'on'}}",
            &["audio.autoGainControl", "boolean", "string \"on\""],
        ),
        (
            "{audio: {noiseSuppression: {exact: 1}}}",
            &["audio.noiseSuppression.exact", "a boolean", "number 1"],
        ),
        (
            "{audio: {echoCancellation: 0}}",
            &["audio.echoCancellation", "boolean", "number 0"],
        ),
        (
            "{audio: {echoCancellation: {ideal: []}}}",
            &["audio.echoCancellation.ideal", "an array"],
        ),
        (
            "{audio: {latency: '10ms'}}",
            &["audio.latency", "finite number"],
        ),
        (
            "{audio: {sampleRate: {min: null}}}",
            &["audio.sampleRate.min", "null"],
        ),
        (
            "{video: {backgroundBlur: 'yes'}}",
            &["video.backgroundBlur", "boolean"],
        ),
        (
            "[1, 2]",
            &["constraints", "MediaStreamConstraints", "array"],
        ),
        ("'video'", &["constraints", "string"]),
        ("null", &["constraints", "null"]),
        ("true", &["constraints", "boolean true"]),
    ] {
        let m = type_error(input);
        for n in needles {
            assert!(m.contains(n), "{input}: {m:?} lacks {n:?}");
        }
    }
}

#[test]
fn syntax_errors_have_positions() {
    let m = type_error("{video: {width: 640,, height: 480}}");
    assert!(m.contains("malformed constraints"), "{m}");
    assert!(m.contains("line 1, column 21"), "{m}");
    let m = type_error("{\n  video: {\n    width: 640\n    height: 480\n  }\n}");
    assert!(m.contains("line 4"), "{m}");
    let m = type_error("{video: true");
    assert!(m.contains("end of input"), "{m}");
    let m = type_error("");
    assert!(m.contains("empty input"), "{m}");
    let m = type_error("{video: true} x");
    assert!(m.contains("trailing characters"), "{m}");
    let m = type_error("{video: 'unterminated}");
    assert!(m.contains("malformed"), "{m}");
    // The position json5 gives for an unfinished string, comment or value is that of the
    // object or array around it, and is named so.
    for (input, needle) in [
        (
            "{video: {deviceId: 'abc}}",
            "unfinished string inside the object that starts at line 1, column 9",
        ),
        (
            "{video: true /* never",
            "unfinished comment inside the object that starts at line 1, column 1",
        ),
        (
            "{audio: [1, ",
            "unfinished value inside the array that starts at line 1, column 9",
        ),
        (
            "{\r\n video: {\r\n  width: 640",
            "in the object that starts at line 2, column 9",
        ),
        ("{video: tr", "unfinished boolean inside the object"),
        ("'abc", "unexpected end of input in an unfinished string"),
    ] {
        let m = type_error(input);
        assert!(m.contains(needle), "{input:?}: {m}");
    }
}

fn overconstrained(input: &str) -> (String, String) {
    match parse(input) {
        Err(MediaError::Overconstrained {
            constraint,
            message,
        }) => (constraint, message),
        other => panic!("{input}: expected an OverconstrainedError, got {other:?}"),
    }
}

fn num(min: Option<f64>, max: Option<f64>) -> Option<NumConstraint> {
    Some(NumConstraint {
        min,
        max,
        ..Default::default()
    })
}

fn exact_bool(b: bool) -> Option<BoolConstraint> {
    Some(BoolConstraint {
        exact: Some(b),
        ideal: None,
    })
}

#[test]
fn legacy_mandatory_is_the_required_basic_set() {
    let v = video(
        "{video: {mandatory: {minWidth: 1280, maxWidth: '1920', minHeight: 720, maxHeight: 1080.4,
          minAspectRatio: 1.5, maxAspectRatio: '1.8', minFrameRate: 15, maxFrameRate: 30,
          sourceId: 'cam1', facingMode: 'user'}}}",
    );
    assert_eq!(
        v.basic,
        ConstraintSet {
            width: num(Some(1280.0), Some(1920.0)),
            // ULong members are converted as WebIDL does, whatever form the value takes.
            height: num(Some(720.0), Some(1080.0)),
            aspect_ratio: num(Some(1.5), Some(1.8)),
            frame_rate: num(Some(15.0), Some(30.0)),
            device_id: Some(StrConstraint {
                exact: strs(&["cam1"]),
                ideal: None,
            }),
            facing_mode: Some(StrConstraint {
                exact: strs(&["user"]),
                ideal: None,
            }),
            ..Default::default()
        }
    );
    assert!(v.advanced.is_empty());
}

#[test]
fn legacy_optional_entries_are_advanced_sets_in_order() {
    let v = video(
        "{video: {mandatory: {maxFrameRate: 30}, optional: [{sourceId: 'b'}, {minWidth: 640},
          {googNoReallyNotAThing: 1}, {maxFrameRate: 15}]}}",
    );
    assert_eq!(v.basic.frame_rate, num(None, Some(30.0)));
    assert_eq!(v.advanced.len(), 4);
    assert_eq!(
        v.advanced[0].device_id.as_ref().unwrap().exact,
        strs(&["b"])
    );
    assert_eq!(v.advanced[1].width, num(Some(640.0), None));
    // An unknown name in optional is ignored: its set is empty.
    assert_eq!(v.advanced[2], ConstraintSet::default());
    assert_eq!(v.advanced[3].frame_rate, num(None, Some(15.0)));
    // Only optional: a basic set without constraints.
    let v = video("{video: {optional: [{minWidth: 320}]}}");
    assert_eq!(v.basic, ConstraintSet::default());
    assert_eq!(v.advanced[0].width, num(Some(320.0), None));
}

#[test]
fn legacy_audio_names_with_and_without_goog() {
    for (name, value) in [
        ("googEchoCancellation", "false"),
        ("echoCancellation", "'false'"),
    ] {
        let a = audio(&format!("{{audio: {{mandatory: {{{name}: {value}}}}}}}"));
        assert_eq!(
            a.basic.echo_cancellation,
            Some(EchoConstraint {
                exact: Some(EchoMode::Bool(false)),
                ideal: None
            }),
            "{name}"
        );
    }
    let a = audio(
        "{audio: {mandatory: {googAutoGainControl: true, noiseSuppression: false},
          optional: [{autoGainControl: 'false'}, {googNoiseSuppression: true}]}}",
    );
    assert_eq!(a.basic.auto_gain_control, exact_bool(true));
    assert_eq!(a.basic.noise_suppression, exact_bool(false));
    assert_eq!(a.advanced[0].auto_gain_control, exact_bool(false));
    assert_eq!(a.advanced[1].noise_suppression, exact_bool(true));
}

#[test]
fn legacy_unknown_mandatory_name_is_overconstrained() {
    let (name, message) = overconstrained("{video: {mandatory: {minWidht: 640}}}");
    assert_eq!(name, "minWidht");
    assert!(message.contains("video.mandatory.minWidht"), "{message}");
    assert!(message.contains("did you mean minWidth?"), "{message}");
    let (name, _) = overconstrained("{audio: {mandatory: {googHighpassFilter: false}}}");
    assert_eq!(name, "googHighpassFilter");
}

#[test]
fn screen_capture_keys_are_overconstrained() {
    for (input, key) in [
        (
            "{video: {mandatory: {chromeMediaSource: 'desktop'}}}",
            "chromeMediaSource",
        ),
        (
            "{video: {mandatory: {chromeMediaSourceId: 'screen:0'}}}",
            "chromeMediaSourceId",
        ),
        (
            "{video: {optional: [{chromeMediaSource: 'tab'}]}}",
            "chromeMediaSource",
        ),
        ("{video: {mediaSource: 'screen'}}", "mediaSource"),
        (
            "{video: {advanced: [{}, {mediaSource: 'window'}]}}",
            "mediaSource",
        ),
    ] {
        let (name, message) = overconstrained(input);
        assert_eq!(name, key, "{input}");
        assert!(message.contains("screen capture"), "{message}");
    }
}

#[test]
fn legacy_mixed_or_malformed_is_a_type_error() {
    for (input, needles) in [
        (
            "{video: {mandatory: {minWidth: 640}, width: 1280}}",
            &["video.width", "mixed", "one form"][..],
        ),
        (
            "{audio: {optional: [{googEchoCancellation: false}], echoCancellation: true}}",
            &["audio.echoCancellation", "legacy"],
        ),
        (
            "{video: {mandatory: {}, advanced: []}}",
            &["video.advanced", "mixed"],
        ),
        ("{video: {mandatory: 5}}", &["video.mandatory", "number 5"]),
        ("{video: {mandatory: null}}", &["video.mandatory", "null"]),
        ("{video: {mandatory: [1]}}", &["video.mandatory", "array"]),
        (
            "{video: {optional: {minWidth: 1}}}",
            &["video.optional", "an array"],
        ),
        (
            "{video: {optional: [null]}}",
            &["video.optional[0]", "null"],
        ),
        (
            "{video: {optional: [{minWidth: 1, maxWidth: 2}]}}",
            &["video.optional[0]", "exactly one", "found 2"],
        ),
        (
            "{video: {optional: [{}]}}",
            &["video.optional[0]", "found 0"],
        ),
        (
            "{video: {mandatory: {minWidth: 'wide'}}}",
            &["video.mandatory.minWidth", "string \"wide\""],
        ),
        (
            "{video: {mandatory: {maxFrameRate: NaN}}}",
            &["video.mandatory.maxFrameRate", "NaN"],
        ),
        (
            "{video: {optional: [{minAspectRatio: 'Infinity'}]}}",
            &["video.optional[0].minAspectRatio"],
        ),
        (
            "{video: {mandatory: {sourceId: 7}}}",
            &["video.mandatory.sourceId", "a string"],
        ),
        (
            "{audio: {mandatory: {googEchoCancellation: 'yes'}}}",
            &["audio.mandatory.googEchoCancellation", "boolean"],
        ),
    ] {
        let m = type_error(input);
        for n in needles {
            assert!(m.contains(n), "{input}: {m:?} lacks {n:?}");
        }
    }
}

#[test]
fn unknown_keys_are_reported_with_suggestions() {
    let warnings = |input: &str| parse_with_warnings(input).unwrap().1;
    let w = warnings("{video: {widht: 640, frameRate: {mn: 5, max: 30}}, audio: true}");
    assert_eq!(
        w,
        vec![
            ParseWarning {
                key: "video.widht".into(),
                suggestion: Some("width".into()),
                message: "video.widht is not a constraint this element knows; did you mean width?"
                    .into(),
            },
            ParseWarning {
                key: "video.frameRate.mn".into(),
                suggestion: Some("min".into()),
                message: "video.frameRate.mn is not one of min, max, exact, ideal; did you mean \
                          min?"
                    .into(),
            },
        ]
    );
    // Spec constraints no device here offers are named as such, not as typos.
    let w = warnings("{video: {zoom: 2, torch: true, advanced: [{pan: 1}]}, peerIdentity: 'x'}");
    let keys: Vec<&str> = w.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "peerIdentity",
            "video.zoom",
            "video.torch",
            "video.advanced[0].pan"
        ]
    );
    assert!(w.iter().all(|w| w.suggestion.is_none()), "{w:?}");
    assert!(
        w.iter().all(|w| w.message.contains("does not support")),
        "{w:?}"
    );
    // Case slips and nothing close.
    let w = warnings("{video: {framerate: 30, qqqqqqq: 1, advanced: [{facingmode: 'user'}]}}");
    let got: Vec<(&str, Option<&str>)> = w
        .iter()
        .map(|w| (w.key.as_str(), w.suggestion.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("video.framerate", Some("frameRate")),
            ("video.qqqqqqq", None),
            ("video.advanced[0].facingmode", Some("facingMode")),
        ]
    );
    // Known members, audio members on a video track included, raise nothing.
    assert!(
        warnings("{video: {width: {min: 1}, sampleRate: 8000, advanced: [{height: 2}]}}")
            .is_empty()
    );
    // A key far longer than any known name gets no suggestion (and costs no distance).
    let long = "widthwidth".repeat(100);
    let w = warnings(&format!("{{video: {{{long}: 1}}}}"));
    assert_eq!((w.len(), w[0].suggestion.as_ref()), (1, None));
    // Ignored legacy optional names are reported too.
    let w = warnings("{video: {optional: [{minWidht: 640}]}}");
    assert_eq!(w[0].key, "video.optional[0].minWidht");
    assert_eq!(w[0].suggestion.as_deref(), Some("minWidth"));
    // parse() keeps its answer.
    assert_eq!(
        parse("{video: {widht: 640}}").unwrap(),
        parse("{video: {}}").unwrap()
    );
}

#[test]
fn misspelt_kind_names_the_suggestion() {
    let m = type_error("{vidoe: true}");
    assert!(m.contains("at least one of audio and video"), "{m}");
    assert!(
        m.contains("vidoe is not a constraint this element knows; did you mean video?"),
        "{m}"
    );
    let m = type_error("{Audio: true, foo: 1}");
    assert!(m.contains("did you mean audio?"), "{m}");
    assert!(
        m.contains("foo is not a constraint this element knows; ignored"),
        "{m}"
    );
}

#[test]
fn limits() {
    let long = "x".repeat(MAX_STRING_LEN);
    ok(&format!("{{video: {{deviceId: '{long}'}}}}"));
    let m = type_error(&format!("{{video: {{deviceId: '{long}y'}}}}"));
    assert!(m.contains("video.deviceId") && m.contains("501"), "{m}");
    let m = type_error(&format!(
        "{{video: {{groupId: {{ideal: ['a', '{long}y']}}}}}}"
    ));
    assert!(m.contains("video.groupId.ideal[1]"), "{m}");
    // UTF-16 length, as in Chromium: 300 astral characters are 600 code units.
    let astral = "😀".repeat(300);
    let m = type_error(&format!("{{audio: {{echoCancellation: '{astral}'}}}}"));
    assert!(
        m.contains("audio.echoCancellation") && m.contains("600"),
        "{m}"
    );

    let list = |n: usize| vec!["'a'"; n].join(",");
    ok(&format!(
        "{{video: {{facingMode: [{}]}}}}",
        list(MAX_STRING_LIST_LEN)
    ));
    let m = type_error(&format!(
        "{{video: {{facingMode: {{exact: [{}]}}}}}}",
        list(MAX_STRING_LIST_LEN + 1)
    ));
    assert!(
        m.contains("video.facingMode.exact") && m.contains("101"),
        "{m}"
    );

    let big = format!("{{video: true, pad: '{}'}}", "p".repeat(MAX_INPUT_LEN));
    let m = type_error(&big);
    assert!(m.contains("65536"), "{m}");

    // Depth: 32 levels pass, 33 fail before json5 sees them.
    let nested = |n: usize| {
        format!(
            "{{video: true, x: {}{}}}",
            "[".repeat(n - 1),
            "]".repeat(n - 1)
        )
    };
    ok(&nested(MAX_DEPTH));
    let m = type_error(&nested(MAX_DEPTH + 1));
    assert!(m.contains("deeper than 32"), "{m}");
    // Deep enough to overflow a recursive parser's stack, within the size limit.
    let m = type_error(&"[".repeat(60_000));
    assert!(m.contains("deeper"), "{m}");
    let m = type_error(&format!("{}{}", "{a:".repeat(10_000), "}".repeat(10_000)));
    assert!(m.contains("deeper"), "{m}");
    // Brackets in strings and comments do not count.
    let s = "[".repeat(100);
    ok(&format!(
        "{{video: {{deviceId: '{s}'}}, /* {s} */ audio: true // {s}\n}}"
    ));
    ok(&format!("{{video: {{deviceId: \"\\\"{s}\"}}}}"));
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        "[a-z\"'\\\\ ]{0,8}".prop_map(serde_json::Value::String),
    ];
    let keys = prop_oneof![
        Just("video".to_string()),
        Just("audio".to_string()),
        Just("advanced".to_string()),
        Just("width".to_string()),
        Just("sampleRate".to_string()),
        Just("deviceId".to_string()),
        Just("echoCancellation".to_string()),
        Just("autoGainControl".to_string()),
        Just("min".to_string()),
        Just("exact".to_string()),
        Just("ideal".to_string()),
        "[a-zA-Z]{1,6}",
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn arb_num(ulong: bool) -> BoxedStrategy<serde_json::Value> {
    let n = if ulong {
        (-10i64..100_000).prop_map(|n| serde_json::json!(n)).boxed()
    } else {
        (-10.0f64..1000.0)
            .prop_map(|f| serde_json::json!(f))
            .boxed()
    };
    prop_oneof![
        n.clone(),
        (
            prop::option::of(n.clone()),
            prop::option::of(n.clone()),
            prop::option::of(n.clone()),
            prop::option::of(n)
        )
            .prop_map(|(min, max, exact, ideal)| {
                let mut m = serde_json::Map::new();
                for (k, v) in [
                    ("min", min),
                    ("max", max),
                    ("exact", exact),
                    ("ideal", ideal),
                ] {
                    if let Some(v) = v {
                        m.insert(k.into(), v);
                    }
                }
                serde_json::Value::Object(m)
            }),
    ]
    .boxed()
}

fn arb_strs() -> BoxedStrategy<serde_json::Value> {
    let s = "[a-z0-9-]{0,12}".prop_map(serde_json::Value::String);
    let list = prop::collection::vec(s.clone(), 0..4).prop_map(serde_json::Value::Array);
    let either = prop_oneof![s, list];
    prop_oneof![
        either.clone(),
        (prop::option::of(either.clone()), prop::option::of(either)).prop_map(|(e, i)| {
            let mut m = serde_json::Map::new();
            if let Some(e) = e {
                m.insert("exact".into(), e);
            }
            if let Some(i) = i {
                m.insert("ideal".into(), i);
            }
            serde_json::Value::Object(m)
        }),
    ]
    .boxed()
}

fn arb_bool() -> BoxedStrategy<serde_json::Value> {
    prop_oneof![
        any::<bool>().prop_map(serde_json::Value::Bool),
        (any::<bool>(), any::<bool>())
            .prop_map(|(e, i)| serde_json::json!({"exact": e, "ideal": i})),
    ]
    .boxed()
}

fn arb_set() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    let members: Vec<(&'static str, BoxedStrategy<serde_json::Value>)> = vec![
        ("width", arb_num(true)),
        ("height", arb_num(true)),
        ("aspectRatio", arb_num(false)),
        ("frameRate", arb_num(false)),
        ("facingMode", arb_strs()),
        ("resizeMode", arb_strs()),
        ("sampleRate", arb_num(true)),
        ("sampleSize", arb_num(true)),
        (
            "echoCancellation",
            prop_oneof![
                arb_bool(),
                prop_oneof![Just("all"), Just("remote-only")].prop_map(|s| serde_json::json!(s))
            ]
            .boxed(),
        ),
        ("autoGainControl", arb_bool()),
        ("noiseSuppression", arb_bool()),
        ("latency", arb_num(false)),
        ("channelCount", arb_num(true)),
        ("deviceId", arb_strs()),
        ("groupId", arb_strs()),
        ("backgroundBlur", arb_bool()),
    ];
    members
        .into_iter()
        .map(|(k, s)| prop::option::of(s).prop_map(move |v| (k, v)))
        .collect::<Vec<_>>()
        .prop_map(|kvs| {
            kvs.into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect()
        })
}

fn arb_track() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Bool(true)),
        (arb_set(), prop::collection::vec(arb_set(), 0..3)).prop_map(|(mut basic, adv)| {
            if !adv.is_empty() {
                basic.insert(
                    "advanced".into(),
                    serde_json::Value::Array(
                        adv.into_iter().map(serde_json::Value::Object).collect(),
                    ),
                );
            }
            serde_json::Value::Object(basic)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let _ = parse(&s);
    }

    #[test]
    fn never_panics_on_bracket_soup(s in "[\\[\\]{}'\"/*\\\\:,a-z0-9 \n]{0,300}") {
        let _ = parse(&s);
    }

    #[test]
    fn never_panics_on_json_values(v in arb_json()) {
        let _ = parse(&v.to_string());
        let _ = parse(&serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn valid_constraints_parse(video in prop::option::of(arb_track()), audio in arb_track()) {
        let mut top = serde_json::Map::new();
        if let Some(v) = video.clone() {
            top.insert("video".into(), v);
        }
        top.insert("audio".into(), audio.clone());
        let text = serde_json::Value::Object(top).to_string();
        let parsed = parse(&text);
        prop_assert!(parsed.is_ok(), "{}: {:?}", text, parsed);
        let parsed = parsed.unwrap();
        prop_assert!(parsed.audio.is_some());
        prop_assert_eq!(parsed.video.is_some(), video.is_some());
        if let Some(n) = audio.get("advanced").and_then(|a| a.as_array()).map(|a| a.len()) {
            prop_assert_eq!(parsed.audio.unwrap().advanced.len(), n);
        }
    }
}
