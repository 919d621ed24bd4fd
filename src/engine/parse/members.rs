// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! One member of a constraint set: numbers, strings, booleans and echoCancellation, in their
//! bare and `{min, max, exact, ideal}` forms, converted as WebIDL does.

use super::value::{Value, wrong_type};
use super::{MAX_STRING_LEN, MAX_STRING_LIST_LEN, ULONG_MAX};
use crate::engine::{
    BoolConstraint, EchoConstraint, EchoMode, MediaError, NumConstraint, StrConstraint,
};

#[derive(Clone, Copy, PartialEq)]
pub(super) enum NumKind {
    /// `[Clamp] unsigned long`.
    ULong,
    /// `double` (finite).
    Double,
}

impl NumKind {
    pub(super) fn expected(self) -> &'static str {
        match self {
            NumKind::ULong => "a non-negative integer",
            NumKind::Double => "a finite number",
        }
    }
}

/// A number as WebIDL converts it: ULong clamped to `[0, 2^32 - 1]` and rounded half to even
/// (`[Clamp]`), doubles kept. Non-finite values are rejected for both (stricter than `[Clamp]`,
/// which would map NaN to 0: a NaN in a constraint string is a mistake worth reporting).
pub(super) fn number(v: &Value, path: &str, kind: NumKind) -> Result<f64, MediaError> {
    match v {
        Value::Number(n) if n.is_finite() => Ok(match kind {
            // `+ 0.0` turns -0 into +0, as WebIDL does.
            NumKind::ULong => n.clamp(0.0, ULONG_MAX).round_ties_even() + 0.0,
            NumKind::Double => *n,
        }),
        other => Err(wrong_type(path, kind.expected(), other)),
    }
}

pub(super) fn num_constraint(
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

pub(super) fn string_value(v: &Value, path: &str) -> Result<String, MediaError> {
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
pub(super) fn string_list(v: &Value, path: &str) -> Result<Option<Vec<String>>, MediaError> {
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

pub(super) fn str_constraint(
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

pub(super) fn bool_constraint(
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
pub(super) fn echo_mode(v: &Value, path: &str) -> Result<EchoMode, MediaError> {
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

pub(super) fn echo_constraint(
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
