// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Malformed and hostile constraint strings, each with the answer getUserMedia gives and a
//! piece of the message that names the problem (key path, position or limit).
//!
//! The answers follow docs/selection.md S1, L and K and the parser's documented choices
//! (src/engine/parse/): malformed text, values of the wrong type and non-finite numbers are
//! a TypeError; ULong members are clamped (a negative width is 0, a huge one 2^32 - 1), so
//! they parse and fail or succeed in selection; `min > max` parses and fails selection with
//! an OverconstrainedError naming the constraint (C1.5); empty lists mean "not specified"
//! (S1.6); unknown members are dropped and the last duplicate key wins (S1.7, JavaScript).
//! Two answers are the parser's, stricter than WebIDL: a non-finite number is a TypeError even
//! for a ULong member (where `[Clamp]` would turn Infinity into 2^32 - 1 and NaN into 0; for
//! the double members WebIDL throws the TypeError too), and a lone surrogate escape is a
//! TypeError naming the escape (a DOMString may hold one, but a Rust string cannot, and no
//! device id contains one).
//! Chrome's legacy `{mandatory, optional}` form is translated (L); malformed legacy objects
//! are TypeErrors with key paths, unknown mandatory names and screen-capture keys
//! OverconstrainedErrors naming the key. Inputs that parse are run through selection on a small
//! fixed set of cameras and microphones (the engine's fixtures).

use std::time::{Duration, Instant};

use gstusermedia::engine::{self, AudioEnvironment, Device, MediaError, fixtures, parse};

/// The answer a case must get.
enum Expect {
    /// A TypeError whose message contains every one of these.
    TypeError(&'static [&'static str]),
    /// An OverconstrainedError naming this constraint, its message containing these.
    Overconstrained(&'static str, &'static [&'static str]),
    /// Accepted, and selection succeeds.
    Selected,
}

struct Case {
    name: &'static str,
    input: String,
    expect: Expect,
}

fn type_error(name: &'static str, input: impl Into<String>, needles: &'static [&str]) -> Case {
    Case {
        name,
        input: input.into(),
        expect: Expect::TypeError(needles),
    }
}

fn overconstrained(
    name: &'static str,
    input: impl Into<String>,
    constraint: &'static str,
    needles: &'static [&str],
) -> Case {
    Case {
        name,
        input: input.into(),
        expect: Expect::Overconstrained(constraint, needles),
    }
}

fn selected(name: &'static str, input: impl Into<String>) -> Case {
    Case {
        name,
        input: input.into(),
        expect: Expect::Selected,
    }
}

fn cases() -> Vec<Case> {
    let limit = parse::MAX_INPUT_LEN;
    vec![
        // Syntax errors at various positions: the message gives line and column.
        type_error("empty input", "", &["malformed constraints", "empty input"]),
        type_error(
            "only whitespace",
            " \n\t ",
            &["malformed constraints", "empty input"],
        ),
        type_error(
            "double comma",
            "{video: {width: 640,, height: 480}}",
            &["malformed constraints", "line 1, column 21"],
        ),
        type_error(
            "missing comma on a later line",
            "{\n  video: {\n    width: 640\n    height: 480\n  }\n}",
            &["malformed constraints", "line 4"],
        ),
        type_error(
            "unclosed object",
            "{video: {width: 640, height: 480",
            &["end of input", "line 1, column 9"],
        ),
        type_error(
            "unclosed string",
            "{video: {deviceId: 'abc}}",
            &["end of input", "unfinished string", "line 1, column 9"],
        ),
        type_error(
            "unclosed comment",
            "{video: true /* never closed",
            &["end of input", "unfinished comment", "line 1, column 1"],
        ),
        type_error(
            "trailing characters",
            "{video: true} x",
            &["malformed constraints", "trailing characters", "column 15"],
        ),
        type_error(
            "two objects",
            "{video: true}{audio: true}",
            &["malformed constraints", "column 14"],
        ),
        type_error(
            "missing colon",
            "{video true}",
            &["malformed constraints", "line 1, column 8"],
        ),
        type_error(
            "leading zero",
            "{video: {width: 0640}}",
            &["malformed constraints", "line 1, column 17"],
        ),
        type_error(
            "lone closing brace",
            "}",
            &["malformed constraints", "line 1, column 1"],
        ),
        // Unquoted garbage.
        type_error(
            "bare word value",
            "{video: yes}",
            &["malformed constraints", "line 1, column 9"],
        ),
        type_error(
            "undefined",
            "{video: undefined}",
            &["malformed constraints", "column 9"],
        ),
        type_error("plain text", "video please", &["malformed constraints"]),
        type_error(
            "JavaScript call",
            "{video: {width: Math.max(640, 480)}}",
            &["malformed constraints", "column 17"],
        ),
        type_error(
            "key with a space",
            "{vid eo: true}",
            &["malformed constraints", "column 6"],
        ),
        // Wrong top-level shapes.
        type_error(
            "top-level array",
            "[{video: true}]",
            &[
                "constraints",
                "expected a MediaStreamConstraints",
                "array of 1",
            ],
        ),
        type_error(
            "top-level string",
            "'video'",
            &["constraints", "string \"video\""],
        ),
        type_error("top-level null", "null", &["constraints", "found null"]),
        type_error("top-level number", "42", &["constraints", "number 42"]),
        type_error(
            "empty object",
            "{}",
            &["at least one of audio and video must be requested"],
        ),
        type_error(
            "both false",
            "{video: false, audio: false}",
            &["at least one of audio and video"],
        ),
        type_error(
            "wrapped one level too deep",
            "{constraints: {video: true}}",
            &["at least one of audio and video"],
        ),
        // Wrong types for every member kind.
        type_error("video as a number", "{video: 1}", &["video:", "number 1"]),
        type_error(
            "audio as a string",
            "{audio: 'yes'}",
            &["audio:", "string \"yes\""],
        ),
        type_error(
            "video as an array",
            "{video: [{width: 640}]}",
            &["video:", "an array of 1 elements"],
        ),
        type_error(
            "ULong as a string",
            "{video: {width: '640'}}",
            &["video.width", "non-negative integer", "string \"640\""],
        ),
        type_error(
            "ULong member as a boolean",
            "{video: {height: {min: true}}}",
            &["video.height.min", "boolean true"],
        ),
        type_error(
            "ULong as an array",
            "{audio: {sampleRate: [48000]}}",
            &["audio.sampleRate", "an array of 1 elements"],
        ),
        type_error(
            "ULong ideal as an object",
            "{audio: {channelCount: {ideal: {exact: 2}}}}",
            &["audio.channelCount.ideal", "an object"],
        ),
        type_error(
            "ULong member null",
            "{audio: {sampleSize: {exact: null}}}",
            &["audio.sampleSize.exact", "null"],
        ),
        type_error(
            "double as a string",
            "{video: {aspectRatio: '16:9'}}",
            &["video.aspectRatio", "finite number", "string \"16:9\""],
        ),
        type_error(
            "double as a boolean",
            "{video: {frameRate: true}}",
            &["video.frameRate", "boolean true"],
        ),
        type_error(
            "double with a unit",
            "{audio: {latency: {max: '10ms'}}}",
            &["audio.latency.max", "string \"10ms\""],
        ),
        type_error(
            "string as a number",
            "{video: {facingMode: 5}}",
            &["video.facingMode", "a string", "number 5"],
        ),
        type_error(
            "string list with a number",
            "{video: {deviceId: ['a', 2]}}",
            &["video.deviceId[1]", "a string", "number 2"],
        ),
        type_error(
            "string exact as a boolean",
            "{video: {resizeMode: {exact: false}}}",
            &["video.resizeMode.exact", "boolean false"],
        ),
        type_error(
            "string ideal list with null",
            "{audio: {groupId: {ideal: ['g', null]}}}",
            &["audio.groupId.ideal[1]", "null"],
        ),
        type_error(
            "boolean as a string",
            "{audio: {autoGainControl: 'on'}}",
            &["audio.autoGainControl", "a boolean", "string \"on\""],
        ),
        type_error(
            "boolean as a number",
            "{audio: {noiseSuppression: {exact: 1}}}",
            &["audio.noiseSuppression.exact", "a boolean", "number 1"],
        ),
        type_error(
            "boolean as an array",
            "{video: {backgroundBlur: [true]}}",
            &["video.backgroundBlur", "an array of 1 elements"],
        ),
        type_error(
            "boolean-or-string as a number",
            "{audio: {echoCancellation: 0}}",
            &["audio.echoCancellation", "boolean", "number 0"],
        ),
        type_error(
            "boolean-or-string ideal as a list",
            "{audio: {echoCancellation: {ideal: ['all']}}}",
            &["audio.echoCancellation.ideal", "an array of 1 elements"],
        ),
        // Wrong nesting.
        type_error(
            "advanced as an object",
            "{video: {advanced: {width: 640}}}",
            &[
                "video.advanced",
                "an array of constraint set objects",
                "an object",
            ],
        ),
        type_error(
            "advanced holding numbers",
            "{video: {advanced: [640, 480]}}",
            &["video.advanced[0]", "a constraint set object", "number 640"],
        ),
        type_error(
            "advanced holding a list",
            "{audio: {advanced: [{}, [{sampleRate: 8000}]]}}",
            &["audio.advanced[1]", "an array of 1 elements"],
        ),
        type_error(
            "wrong type inside an advanced set",
            "{video: {advanced: [{}, {}, {height: {min: 'tall'}}]}}",
            &["video.advanced[2].height.min", "string \"tall\""],
        ),
        type_error(
            "min holding a constraint object",
            "{video: {width: {min: {exact: 640}}}}",
            &["video.width.min", "an object"],
        ),
        // Chrome's legacy {mandatory, optional} form: translated as Chromium did.
        selected("legacy mandatory", "{video: {mandatory: {minWidth: 640}}}"),
        selected(
            "legacy optional",
            "{audio: {optional: [{googEchoCancellation: false}]}}",
        ),
        selected(
            "legacy values as strings",
            "{video: {mandatory: {minWidth: '320', maxFrameRate: ' 30 '}}, \
             audio: {mandatory: {echoCancellation: 'false'}}}",
        ),
        selected(
            "legacy unknown optional name ignored",
            "{video: {optional: [{googLeakyBucket: true}, {minWidth: 99999}]}}",
        ),
        selected(
            "four thousand legacy optional entries",
            format!(
                "{{video: {{optional: [{}]}}}}",
                ["{minWidth: 1}"; 4_000].join(",")
            ),
        ),
        overconstrained(
            "legacy mandatory out of reach",
            "{video: {mandatory: {minWidth: 5000}}}",
            "width",
            &["width {min: 5000}"],
        ),
        overconstrained(
            "legacy unknown mandatory name",
            "{video: {mandatory: {minWidht: 640}}}",
            "minWidht",
            &["video.mandatory.minWidht", "did you mean minWidth?"],
        ),
        overconstrained(
            "legacy screen capture",
            "{video: {mandatory: {chromeMediaSource: 'desktop'}}}",
            "chromeMediaSource",
            &["screen capture"],
        ),
        overconstrained(
            "firefox screen capture",
            "{video: {mediaSource: 'screen'}}",
            "mediaSource",
            &["video.mediaSource", "screen capture"],
        ),
        type_error(
            "legacy mixed with standard members",
            "{video: {mandatory: {minWidth: 640}, height: 480}}",
            &["video.height", "legacy", "mixed"],
        ),
        type_error(
            "legacy mixed with advanced",
            "{video: {optional: [], advanced: [{width: 640}]}}",
            &["video.advanced", "mixed"],
        ),
        type_error(
            "legacy mandatory not an object",
            "{video: {mandatory: 'minWidth=640'}}",
            &["video.mandatory", "string \"minWidth=640\""],
        ),
        type_error(
            "legacy mandatory null",
            "{video: {mandatory: null}}",
            &["video.mandatory", "found null"],
        ),
        type_error(
            "legacy optional not an array",
            "{video: {optional: {sourceId: 'a'}}}",
            &["video.optional", "an array", "an object"],
        ),
        type_error(
            "legacy optional entry with two names",
            "{video: {optional: [{sourceId: 'a'}, {minWidth: 1, maxWidth: 2}]}}",
            &["video.optional[1]", "exactly one", "found 2"],
        ),
        type_error(
            "legacy optional entry not an object",
            "{video: {optional: [{sourceId: 'a'}, 'minWidth']}}",
            &["video.optional[1]", "string \"minWidth\""],
        ),
        type_error(
            "legacy value holding a constraint object",
            "{video: {mandatory: {minWidth: {exact: 640}}}}",
            &["video.mandatory.minWidth", "an object"],
        ),
        type_error(
            "legacy NaN",
            "{video: {optional: [{maxFrameRate: NaN}]}}",
            &["video.optional[0].maxFrameRate", "NaN"],
        ),
        type_error(
            "legacy boolean as a word",
            "{audio: {mandatory: {googNoiseSuppression: 'off'}}}",
            &["audio.mandatory.googNoiseSuppression", "boolean"],
        ),
        type_error(
            "legacy over-long source id",
            format!(
                "{{video: {{mandatory: {{sourceId: '{}'}}}}}}",
                "x".repeat(501)
            ),
            &["video.mandatory.sourceId", "longer than the 500"],
        ),
        // NaN and the infinities (JSON5 literals): rejected, not clamped.
        type_error(
            "NaN width",
            "{video: {width: NaN}}",
            &["video.width", "found NaN"],
        ),
        type_error(
            "Infinity frame rate",
            "{video: {frameRate: {max: Infinity}}}",
            &["video.frameRate.max", "finite number", "found Infinity"],
        ),
        type_error(
            "-Infinity latency",
            "{audio: {latency: -Infinity}}",
            &["audio.latency", "found -Infinity"],
        ),
        type_error(
            "NaN in an advanced set",
            "{audio: {advanced: [{sampleRate: NaN}]}}",
            &["audio.advanced[0].sampleRate", "NaN"],
        ),
        type_error(
            "+Infinity ULong",
            "{video: {height: {ideal: +Infinity}}}",
            &["video.height.ideal", "Infinity"],
        ),
        // Negative and huge numbers: ULongs clamp to [0, 2^32 - 1] ([Clamp], S1.4), doubles
        // are kept as they are.
        selected("negative ULong ideal clamps to 0", "{video: {width: -640}}"),
        overconstrained(
            "negative ULong exact clamps to 0",
            "{video: {width: {exact: -640}}}",
            "width",
            &["width"],
        ),
        overconstrained(
            "negative channel maximum clamps to 0",
            "{audio: {channelCount: {max: -1}}}",
            "channelCount",
            &["channelCount"],
        ),
        selected("negative double ideal", "{video: {frameRate: -30}}"),
        selected("negative double minimum", "{audio: {latency: {min: -1}}}"),
        overconstrained(
            "negative double maximum",
            "{audio: {latency: {max: -0.5}}}",
            "latency",
            &["latency"],
        ),
        selected(
            "huge ULong ideal clamps",
            "{video: {width: 1e300, height: 1e300}}",
        ),
        overconstrained(
            "huge ULong minimum",
            "{video: {width: {min: 1e300}}}",
            "width",
            &["width"],
        ),
        overconstrained(
            "2^53 + 1 exact",
            "{video: {height: {exact: 9007199254740993}}}",
            "height",
            &["height"],
        ),
        overconstrained(
            "huge sample rate",
            "{audio: {sampleRate: {exact: 1e300}}}",
            "sampleRate",
            &["sampleRate"],
        ),
        overconstrained(
            "huge aspect ratio",
            "{video: {aspectRatio: {min: 1e300}}}",
            "aspectRatio",
            &["aspectRatio"],
        ),
        selected(
            "smallest subnormal frame rate",
            "{video: {frameRate: {min: 5e-324}}}",
        ),
        // min > max parses and is unsatisfiable (C1.5, BasicContradictoryWidth).
        overconstrained(
            "width min above max",
            "{video: {width: {min: 1280, max: 640}}}",
            "width",
            &["width"],
        ),
        overconstrained(
            "sample rate min above max",
            "{audio: {sampleRate: {min: 48000, max: 8000}}}",
            "sampleRate",
            &["sampleRate"],
        ),
        overconstrained(
            "exact outside min",
            "{audio: {channelCount: {min: 2, exact: 1}}}",
            "channelCount",
            &["channelCount"],
        ),
        // Empty strings and lists.
        selected("empty deviceId ideal", "{video: {deviceId: ''}}"),
        overconstrained(
            "empty deviceId exact",
            "{audio: {deviceId: {exact: ''}}}",
            "deviceId",
            &["deviceId"],
        ),
        selected("empty list is not specified", "{video: {deviceId: []}}"),
        selected(
            "empty exact list is not specified",
            "{video: {facingMode: {exact: []}}, audio: {groupId: {exact: []}}}",
        ),
        selected("empty advanced", "{video: {advanced: []}}"),
        selected("empty constraint set", "{video: {}, audio: {}}"),
        overconstrained(
            "unknown echo mode required",
            "{audio: {echoCancellation: {exact: ''}}}",
            "echoCancellation",
            &["echoCancellation"],
        ),
        // Duplicate keys: the last one wins, as in JavaScript.
        selected("duplicate kind, last true", "{video: false, video: true}"),
        type_error(
            "duplicate kind, last malformed",
            "{video: true, video: 5}",
            &["video:", "number 5"],
        ),
        selected(
            "duplicate member, earlier malformed",
            "{video: {width: 'x', width: 640}}",
        ),
        type_error(
            "duplicate member, last malformed",
            "{video: {width: 640, width: 'x'}}",
            &["video.width", "string \"x\""],
        ),
        overconstrained(
            "duplicate inner key",
            "{video: {width: {min: 1, min: 100000}}}",
            "width",
            &["width"],
        ),
        // S1.8: backgroundBlur may not be required for device selection.
        type_error(
            "required backgroundBlur",
            "{video: {backgroundBlur: {exact: true}}}",
            &["backgroundBlur"],
        ),
        // Limits: string length, list length, size, depth.
        type_error(
            "501-character deviceId",
            format!("{{video: {{deviceId: '{}'}}}}", "x".repeat(501)),
            &["video.deviceId", "501", "500 accepted"],
        ),
        type_error(
            "101 facing modes",
            format!(
                "{{video: {{facingMode: [{}]}}}}",
                vec!["'user'"; 101].join(",")
            ),
            &["video.facingMode", "101", "100 accepted"],
        ),
        type_error(
            "1 MB string",
            format!("{{video: {{deviceId: '{}'}}}}", "a".repeat(1 << 20)),
            &["1048599 bytes", "65536"],
        ),
        type_error(
            "100,000-element array",
            format!(
                "{{video: {{deviceId: [{}]}}}}",
                vec!["'a'"; 100_000].join(",")
            ),
            &["bytes long", "65536"],
        ),
        type_error(
            "20,000-element array within the size limit",
            format!("{{video: {{deviceId: [{}]}}}}", vec!["1"; 20_000].join(",")),
            &["video.deviceId", "20000 strings", "100 accepted"],
        ),
        type_error(
            "10,000 nested arrays",
            format!(
                "{{video: true, x: {}{}}}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
            &["deeper than 32", "line 1, column 49"],
        ),
        type_error(
            "10,000 nested objects",
            format!("{}{}", "{a:".repeat(10_000), "}".repeat(10_000)),
            &["deeper than 32", "column 97"],
        ),
        type_error(
            "deep nesting inside advanced",
            format!(
                "{{video: {{advanced: [{}{}]}}}}",
                "{advanced: [".repeat(40),
                "]}".repeat(40)
            ),
            &["deeper than 32"],
        ),
        type_error(
            "unclosed deep nesting",
            "[".repeat(60_000),
            &["deeper than 32"],
        ),
        selected(
            "brackets inside strings and comments do not nest",
            format!(
                "{{video: {{deviceId: '{0}'}}, /* {0} */ audio: true // {0}\n}}",
                "[{".repeat(200)
            ),
        ),
        type_error(
            "just over the size limit",
            format!("{{video: true, pad: '{}'}}", "p".repeat(limit)),
            &["65536"],
        ),
        // Number literals with 10,000 digits.
        type_error(
            "10,000-digit integer",
            format!("{{video: {{width: {{exact: 1{}}}}}}}", "0".repeat(10_000)),
            &["video.width.exact", "Infinity"],
        ),
        selected(
            "10,000-digit fraction",
            format!(
                "{{video: {{frameRate: {{min: 0.{}1}}}}}}",
                "0".repeat(10_000)
            ),
        ),
        overconstrained(
            "301-digit number clamps to 2^32 - 1",
            format!("{{video: {{width: {{min: 1{}.5}}}}}}", "0".repeat(300)),
            "width",
            &["width"],
        ),
        // Unicode escapes, lone surrogates, NUL bytes, byte order mark.
        selected(
            "escaped key and value",
            "{vid\\u0065o: {facingMode: '\\u0075ser'}}",
        ),
        type_error(
            "lone high surrogate",
            "{video: {deviceId: '\\uD800'}}",
            &[
                "malformed constraints",
                "invalid escape sequence",
                "line 1, column 27",
            ],
        ),
        type_error(
            "lone low surrogate",
            "{video: {deviceId: {exact: '\\uDC00x'}}}",
            &["invalid escape sequence", "line 1, column 35"],
        ),
        overconstrained(
            "paired surrogates escape",
            "{audio: {deviceId: {exact: '\\uD83D\\uDE00'}}}",
            "deviceId",
            &["deviceId"],
        ),
        type_error(
            "NUL byte after the object",
            "{video: true}\0",
            &["malformed constraints", "column 14"],
        ),
        type_error(
            "NUL byte in a key",
            "{\"vid\0eo\": true}",
            &["at least one of audio and video"],
        ),
        overconstrained(
            "NUL byte in an exact deviceId",
            "{video: {deviceId: {exact: 'fake_device_1\\u0000'}}}",
            "deviceId",
            &["deviceId"],
        ),
        selected("byte order mark", "\u{feff}{video: true}"),
        type_error(
            "byte order mark inside a key",
            "{vi\u{feff}deo: true}",
            &["malformed constraints"],
        ),
    ]
}

/// Two cameras and two microphones of docs/selection.md section E (the engine's fixtures).
fn devices() -> Vec<Device> {
    let cameras = fixtures::section_e_cameras();
    let mics = fixtures::chromium_microphones();
    vec![
        cameras[0].clone(),
        mics[0].clone(),
        cameras[1].clone(),
        mics[3].clone(),
    ]
}

/// Parse, then select when the text parses.
fn answer(input: &str, devices: &[Device]) -> Result<(), MediaError> {
    let constraints = parse::parse(input)?;
    engine::select(&constraints, devices, &AudioEnvironment::default()).map(|_| ())
}

fn check(case: &Case, result: &Result<(), MediaError>) -> Result<(), String> {
    match (&case.expect, result) {
        (Expect::Selected, Ok(())) => Ok(()),
        (Expect::TypeError(needles), Err(e @ MediaError::TypeError { .. }))
        | (Expect::Overconstrained(_, needles), Err(e @ MediaError::Overconstrained { .. })) => {
            if let Expect::Overconstrained(name, _) = case.expect
                && e.constraint() != Some(name)
            {
                return Err(format!("names {:?}, not {name:?}: {e}", e.constraint()));
            }
            let missing: Vec<_> = needles
                .iter()
                .filter(|n| !e.message().contains(**n))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("message {:?} lacks {missing:?}", e.message()))
            }
        }
        (expect, got) => {
            let wanted = match expect {
                Expect::TypeError(_) => "TypeError".to_string(),
                Expect::Overconstrained(name, _) => format!("OverconstrainedError({name})"),
                Expect::Selected => "a selection".to_string(),
            };
            let got = match got {
                Ok(()) => "a selection".to_string(),
                Err(e) => e.to_string(),
            };
            let got: String = got.chars().take(300).collect();
            Err(format!("expected {wanted}, got {got}"))
        }
    }
}

#[test]
fn hostile_constraint_strings() {
    let devices = devices();
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let start = Instant::now();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let result = answer(&case.input, &devices);
            check(case, &result)
                .err()
                .map(|why| format!("{}: {why}", case.name))
        })
        .collect();
    let elapsed = start.elapsed();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // Nothing hangs: the whole table, megabyte inputs included, is answered at once. (How fast
    // each hostile input is answered is measured by benches/hostile.rs.)
    assert!(
        elapsed < Duration::from_secs(20),
        "the table took {elapsed:?}"
    );
}

#[test]
fn case_names_are_unique() {
    let cases = cases();
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len());
}
