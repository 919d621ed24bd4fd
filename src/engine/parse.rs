// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Parsing `MediaStreamConstraints` from JSON or a JavaScript object literal.
//!
//! The text is read with `json5` (unquoted keys, single quotes, trailing commas, comments, as MDN
//! writes constraints) into a small value tree, which is then walked by hand so that every error
//! names the offending key path. The walk follows WebIDL where it matters (S1): unknown members
//! are dropped, duplicate keys keep the last value, `null` where a dictionary is accepted is an
//! empty dictionary, ULong members are clamped. It is stricter than WebIDL about types: a value of
//! the wrong type (`width: "640"`) is a TypeError rather than a silent conversion, because a
//! constraint string in a pipeline description is more likely a typo than intended coercion.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{
    BoolConstraint, ConstraintSet, EchoConstraint, EchoMode, MediaError, MediaStreamConstraints,
    NumConstraint, StrConstraint, TrackConstraints,
};

/// Longest accepted input, in bytes.
pub const MAX_INPUT_LEN: usize = 64 * 1024;
/// Deepest accepted nesting of objects and arrays. Real constraints need 6.
pub const MAX_DEPTH: usize = 32;
/// Longest accepted string value, in UTF-16 code units (Chromium's kMaxConstraintStringLength).
pub const MAX_STRING_LEN: usize = 500;
/// Longest accepted string list (Chromium's kMaxConstraintStringSeqLength).
pub const MAX_STRING_LIST_LEN: usize = 100;

/// Upper bound of WebIDL `unsigned long`.
const ULONG_MAX: f64 = 4_294_967_295.0;

/// Parse a constraints string (JSON, or JSON5 as MDN writes object literals).
pub fn parse(input: &str) -> Result<MediaStreamConstraints, MediaError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(MediaError::type_error(format!(
            "constraints are {} bytes long, more than the {MAX_INPUT_LEN} accepted",
            input.len()
        )));
    }
    // json5 parses recursively: bound the depth before it sees the text.
    check_depth(input)?;
    let value: Value = json5::from_str(input).map_err(|e| syntax_error(input, &e))?;
    media_stream_constraints(&value)
}

fn syntax_error(input: &str, e: &json5::Error) -> MediaError {
    let what = match e.code() {
        Some(code) => code.to_string(),
        None => e.to_string(),
    };
    // json5 says "EOF parsing <thing>" and places it at the start of the innermost object or
    // array being read, which is where <thing> starts only when <thing> is that container.
    let unfinished = what.strip_prefix("EOF parsing ").map(|thing| match thing {
        "bool" => "boolean",
        "identifier" => "key",
        other => other,
    });
    let msg = match (e.position(), unfinished) {
        (Some(p), Some(thing)) => {
            let container = match char_at(input, p.line, p.column) {
                Some('{') => "object",
                Some('[') => "array",
                _ => "value",
            };
            let (line, column) = (p.line + 1, p.column + 1);
            if thing == container {
                format!(
                    "unexpected end of input in the {thing} that starts at line {line}, column {column}"
                )
            } else {
                format!(
                    "unexpected end of input in an unfinished {thing} inside the {container} \
                     that starts at line {line}, column {column}"
                )
            }
        }
        (Some(p), None) => format!("{what} at line {}, column {}", p.line + 1, p.column + 1),
        (None, _) if input.trim().is_empty() => "empty input".to_string(),
        (None, Some(thing)) => format!("unexpected end of input in an unfinished {thing}"),
        (None, None) => format!("unexpected end of input ({what})"),
    };
    MediaError::type_error(format!("malformed constraints: {msg}"))
}

/// The character at a json5 position (line and column from 0, CR LF one line break).
fn char_at(input: &str, line: usize, column: usize) -> Option<char> {
    let (mut l, mut c) = (0, 0);
    let mut chars = input.chars().peekable();
    while let Some(ch) = chars.next() {
        if (l, c) == (line, column) {
            return Some(ch);
        }
        if matches!(ch, '\n' | '\r' | '\u{2028}' | '\u{2029}') {
            if ch == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            l += 1;
            c = 0;
        } else {
            c += 1;
        }
    }
    None
}

/// Rejects nesting deeper than [`MAX_DEPTH`] by counting brackets outside strings and comments.
/// Where this scan and json5 could disagree (a quote or comment json5 would reject), json5 stops
/// with a syntax error before reaching the brackets the scan skipped, so the bound holds.
fn check_depth(input: &str) -> Result<(), MediaError> {
    enum State {
        Code,
        Str(char),
        StrEscape(char),
        LineComment,
        BlockComment,
        BlockCommentStar,
    }
    let mut state = State::Code;
    let mut depth = 0usize;
    let (mut line, mut column) = (1usize, 0usize);
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        state = match state {
            State::Code => match c {
                '{' | '[' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(MediaError::type_error(format!(
                            "constraints nest deeper than {MAX_DEPTH} levels (line {line}, column {column})"
                        )));
                    }
                    State::Code
                }
                '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    State::Code
                }
                '"' | '\'' => State::Str(c),
                '/' if chars.peek() == Some(&'/') => {
                    chars.next();
                    column += 1;
                    State::LineComment
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    column += 1;
                    State::BlockComment
                }
                _ => State::Code,
            },
            State::Str(q) => match c {
                '\\' => State::StrEscape(q),
                _ if c == q => State::Code,
                _ => State::Str(q),
            },
            State::StrEscape(q) => State::Str(q),
            State::LineComment => match c {
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => State::Code,
                _ => State::LineComment,
            },
            State::BlockComment | State::BlockCommentStar => match c {
                '/' if matches!(state, State::BlockCommentStar) => State::Code,
                '*' => State::BlockCommentStar,
                _ => State::BlockComment,
            },
        };
    }
    Ok(())
}

/// The JavaScript values a constraints literal can hold. Unlike `serde_json::Value` it keeps
/// NaN and ±Infinity (JSON5 allows them) apart from `null`, and keeps duplicate keys so that the
/// last one wins as in JavaScript.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object (the last one if repeated).
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// How a found value is named in error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "boolean {b}"),
            Value::Number(n) if n.is_nan() => f.write_str("NaN"),
            Value::Number(n) if n.is_infinite() => {
                f.write_str(if *n > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Value::Number(n) => write!(f, "number {n}"),
            Value::String(s) => {
                const SHOWN: usize = 40;
                if s.chars().count() > SHOWN {
                    let head: String = s.chars().take(SHOWN).collect();
                    write!(f, "string {:?}…", head)
                } else {
                    write!(f, "string {s:?}")
                }
            }
            Value::Array(a) => write!(f, "an array of {} elements", a.len()),
            Value::Object(_) => f.write_str("an object"),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;

        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON5 value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
                Ok(Value::String(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Value::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    members.push((k, v));
                }
                Ok(Value::Object(members))
            }
        }

        deserializer.deserialize_any(ValueVisitor)
    }
}

/// A TypeError for `path`: what was expected and what was found.
fn wrong_type(path: &str, expected: &str, found: &Value) -> MediaError {
    MediaError::type_error(format!("{path}: expected {expected}, found {found}"))
}

fn media_stream_constraints(v: &Value) -> Result<MediaStreamConstraints, MediaError> {
    if !matches!(v, Value::Object(_)) {
        return Err(wrong_type(
            "constraints",
            "a MediaStreamConstraints object such as {video: true}",
            v,
        ));
    }
    let video = track(v.get("video"), "video")?;
    let audio = track(v.get("audio"), "audio")?;
    if video.is_none() && audio.is_none() {
        return Err(MediaError::type_error(
            "at least one of audio and video must be requested",
        ));
    }
    Ok(MediaStreamConstraints { video, audio })
}

/// `(boolean or MediaTrackConstraints) kind = false`.
fn track(v: Option<&Value>, path: &str) -> Result<Option<TrackConstraints>, MediaError> {
    match v {
        None | Some(Value::Bool(false)) => Ok(None),
        // WebIDL converts null to the dictionary member of the union: an empty constraint set.
        Some(Value::Bool(true)) | Some(Value::Null) => Ok(Some(TrackConstraints::default())),
        Some(obj @ Value::Object(_)) => track_constraints(obj, path).map(Some),
        Some(other) => Err(wrong_type(
            path,
            "a boolean or a MediaTrackConstraints object",
            other,
        )),
    }
}

fn track_constraints(v: &Value, path: &str) -> Result<TrackConstraints, MediaError> {
    // C1.5: the legacy goog syntax is rejected, not silently half-understood.
    for legacy in ["mandatory", "optional"] {
        if v.get(legacy).is_some() {
            return Err(MediaError::type_error(format!(
                "{path}.{legacy}: malformed constraints object: the legacy \
                 mandatory/optional syntax is not supported; use min/max/exact/ideal and advanced"
            )));
        }
    }
    let basic = constraint_set(v, path, false)?;
    let advanced = match v.get("advanced") {
        None => Vec::new(),
        Some(Value::Array(sets)) => sets
            .iter()
            .enumerate()
            .map(|(i, set)| {
                let p = format!("{path}.advanced[{i}]");
                match set {
                    Value::Object(_) => constraint_set(set, &p, true),
                    Value::Null => Ok(ConstraintSet::default()),
                    other => Err(wrong_type(&p, "a constraint set object", other)),
                }
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(wrong_type(
                &format!("{path}.advanced"),
                "an array of constraint set objects",
                other,
            ));
        }
    };
    Ok(TrackConstraints { basic, advanced })
}

/// One `MediaTrackConstraintSet`. In an advanced set a bare value means `exact` (S1.5).
fn constraint_set(v: &Value, path: &str, advanced: bool) -> Result<ConstraintSet, MediaError> {
    let p = |key: &str| format!("{path}.{key}");
    let num = |key: &str, kind: NumKind| match v.get(key) {
        Some(m) => num_constraint(m, &p(key), kind, advanced),
        None => Ok(None),
    };
    let string = |key: &str| match v.get(key) {
        Some(m) => str_constraint(m, &p(key), advanced),
        None => Ok(None),
    };
    let boolean = |key: &str| match v.get(key) {
        Some(m) => bool_constraint(m, &p(key), advanced),
        None => Ok(None),
    };
    Ok(ConstraintSet {
        width: num("width", NumKind::ULong)?,
        height: num("height", NumKind::ULong)?,
        aspect_ratio: num("aspectRatio", NumKind::Double)?,
        frame_rate: num("frameRate", NumKind::Double)?,
        facing_mode: string("facingMode")?,
        resize_mode: string("resizeMode")?,
        sample_rate: num("sampleRate", NumKind::ULong)?,
        sample_size: num("sampleSize", NumKind::ULong)?,
        echo_cancellation: match v.get("echoCancellation") {
            Some(m) => echo_constraint(m, &p("echoCancellation"), advanced)?,
            None => None,
        },
        auto_gain_control: boolean("autoGainControl")?,
        noise_suppression: boolean("noiseSuppression")?,
        voice_isolation: boolean("voiceIsolation")?,
        latency: num("latency", NumKind::Double)?,
        channel_count: num("channelCount", NumKind::ULong)?,
        device_id: string("deviceId")?,
        group_id: string("groupId")?,
        background_blur: boolean("backgroundBlur")?,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum NumKind {
    /// `[Clamp] unsigned long`.
    ULong,
    /// `double` (finite).
    Double,
}

impl NumKind {
    fn expected(self) -> &'static str {
        match self {
            NumKind::ULong => "a non-negative integer",
            NumKind::Double => "a finite number",
        }
    }
}

/// A number as WebIDL converts it: ULong clamped to `[0, 2^32 - 1]` and rounded half to even
/// (`[Clamp]`), doubles kept. Non-finite values are rejected for both (stricter than `[Clamp]`,
/// which would map NaN to 0: a NaN in a constraint string is a mistake worth reporting).
fn number(v: &Value, path: &str, kind: NumKind) -> Result<f64, MediaError> {
    match v {
        Value::Number(n) if n.is_finite() => Ok(match kind {
            // `+ 0.0` turns -0 into +0, as WebIDL does.
            NumKind::ULong => n.clamp(0.0, ULONG_MAX).round_ties_even() + 0.0,
            NumKind::Double => *n,
        }),
        other => Err(wrong_type(path, kind.expected(), other)),
    }
}

fn num_constraint(
    v: &Value,
    path: &str,
    kind: NumKind,
    advanced: bool,
) -> Result<Option<NumConstraint>, MediaError> {
    let c = match v {
        Value::Number(_) => {
            let n = number(v, path, kind)?;
            if advanced {
                NumConstraint {
                    exact: Some(n),
                    ..Default::default()
                }
            } else {
                NumConstraint {
                    ideal: Some(n),
                    ..Default::default()
                }
            }
        }
        Value::Object(_) => {
            let field = |key: &str| match v.get(key) {
                Some(m) => number(m, &format!("{path}.{key}"), kind).map(Some),
                None => Ok(None),
            };
            NumConstraint {
                min: field("min")?,
                max: field("max")?,
                exact: field("exact")?,
                ideal: field("ideal")?,
            }
        }
        Value::Null => NumConstraint::default(),
        other => {
            let expected = format!("{} or a {{min, max, exact, ideal}} object", kind.expected());
            return Err(wrong_type(path, &expected, other));
        }
    };
    Ok((c != NumConstraint::default()).then_some(c))
}

fn string_value(v: &Value, path: &str) -> Result<String, MediaError> {
    match v {
        Value::String(s) => {
            let len = s.encode_utf16().count();
            if len > MAX_STRING_LEN {
                return Err(MediaError::type_error(format!(
                    "{path}: string of {len} characters is longer than the {MAX_STRING_LEN} accepted"
                )));
            }
            Ok(s.clone())
        }
        other => Err(wrong_type(path, "a string", other)),
    }
}

/// `DOMString or sequence<DOMString>`; an empty list is "not specified" (S1.6) → `None`.
fn string_list(v: &Value, path: &str) -> Result<Option<Vec<String>>, MediaError> {
    match v {
        Value::String(_) => Ok(Some(vec![string_value(v, path)?])),
        Value::Array(items) => {
            if items.len() > MAX_STRING_LIST_LEN {
                return Err(MediaError::type_error(format!(
                    "{path}: list of {} strings is longer than the {MAX_STRING_LIST_LEN} accepted",
                    items.len()
                )));
            }
            let list = items
                .iter()
                .enumerate()
                .map(|(i, item)| string_value(item, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((!list.is_empty()).then_some(list))
        }
        other => Err(wrong_type(path, "a string or a list of strings", other)),
    }
}

fn str_constraint(
    v: &Value,
    path: &str,
    advanced: bool,
) -> Result<Option<StrConstraint>, MediaError> {
    let c = match v {
        Value::String(_) | Value::Array(_) => {
            let list = string_list(v, path)?;
            if advanced {
                StrConstraint {
                    exact: list,
                    ideal: None,
                }
            } else {
                StrConstraint {
                    exact: None,
                    ideal: list,
                }
            }
        }
        Value::Object(_) => {
            let field = |key: &str| match v.get(key) {
                Some(m) => string_list(m, &format!("{path}.{key}")),
                None => Ok(None),
            };
            StrConstraint {
                exact: field("exact")?,
                ideal: field("ideal")?,
            }
        }
        Value::Null => StrConstraint::default(),
        other => {
            return Err(wrong_type(
                path,
                "a string, a list of strings or an {exact, ideal} object",
                other,
            ));
        }
    };
    Ok((c != StrConstraint::default()).then_some(c))
}

fn bool_constraint(
    v: &Value,
    path: &str,
    advanced: bool,
) -> Result<Option<BoolConstraint>, MediaError> {
    let c = match v {
        Value::Bool(b) => {
            if advanced {
                BoolConstraint {
                    exact: Some(*b),
                    ideal: None,
                }
            } else {
                BoolConstraint {
                    exact: None,
                    ideal: Some(*b),
                }
            }
        }
        Value::Object(_) => {
            let field = |key: &str| match v.get(key) {
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(other) => Err(wrong_type(&format!("{path}.{key}"), "a boolean", other)),
                None => Ok(None),
            };
            BoolConstraint {
                exact: field("exact")?,
                ideal: field("ideal")?,
            }
        }
        Value::Null => BoolConstraint::default(),
        other => {
            return Err(wrong_type(
                path,
                "a boolean or an {exact, ideal} object",
                other,
            ));
        }
    };
    Ok((c != BoolConstraint::default()).then_some(c))
}

/// `boolean or DOMString`. Any string passes WebIDL; unknown modes fail (exact) or are ignored
/// (ideal) during selection, as in Chromium.
fn echo_mode(v: &Value, path: &str) -> Result<EchoMode, MediaError> {
    match v {
        Value::Bool(b) => Ok(EchoMode::Bool(*b)),
        Value::String(_) => Ok(EchoMode::Str(string_value(v, path)?)),
        other => Err(wrong_type(
            path,
            "a boolean or a string (\"all\", \"remote-only\")",
            other,
        )),
    }
}

fn echo_constraint(
    v: &Value,
    path: &str,
    advanced: bool,
) -> Result<Option<EchoConstraint>, MediaError> {
    let c = match v {
        Value::Bool(_) | Value::String(_) => {
            let m = echo_mode(v, path)?;
            if advanced {
                EchoConstraint {
                    exact: Some(m),
                    ideal: None,
                }
            } else {
                EchoConstraint {
                    exact: None,
                    ideal: Some(m),
                }
            }
        }
        Value::Object(_) => {
            let field = |key: &str| match v.get(key) {
                Some(m) => echo_mode(m, &format!("{path}.{key}")).map(Some),
                None => Ok(None),
            };
            EchoConstraint {
                exact: field("exact")?,
                ideal: field("ideal")?,
            }
        }
        Value::Null => EchoConstraint::default(),
        other => {
            return Err(wrong_type(
                path,
                "a boolean, a string or an {exact, ideal} object",
                other,
            ));
        }
    };
    Ok((c != EchoConstraint::default()).then_some(c))
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn legacy_syntax_rejected() {
        let m = type_error("{video: {mandatory: {minWidth: 640}}}");
        assert!(m.contains("video.mandatory"), "{m}");
        assert!(m.contains("legacy"), "{m}");
        let m = type_error(
            "{audio: {optional: [{googEchoCancellation: false}], echoCancellation: true}}",
        );
        assert!(m.contains("audio.optional"), "{m}");
        assert!(
            m.contains("Malformed constraints object")
                || m.contains("malformed constraints object")
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
                    prop_oneof![Just("all"), Just("remote-only")]
                        .prop_map(|s| serde_json::json!(s))
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
}
