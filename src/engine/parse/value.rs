// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Reading the text: json5 into a small JavaScript value tree, with the depth bound and syntax
//! errors placed at a line and column.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::MAX_DEPTH;
use crate::engine::MediaError;

pub(super) fn syntax_error(input: &str, e: &json5::Error) -> MediaError {
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
pub(super) fn char_at(input: &str, line: usize, column: usize) -> Option<char> {
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
pub(super) fn check_depth(input: &str) -> Result<(), MediaError> {
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
pub(super) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object (the last one if repeated).
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
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
pub(super) fn wrong_type(path: &str, expected: &str, found: &Value) -> MediaError {
    MediaError::type_error(format!("{path}: expected {expected}, found {found}"))
}
