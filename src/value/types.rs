//! The value model: cty types, numbers, and values that are known, null or unknown.

use std::collections::BTreeMap;

use super::number_text::{is_decimal_literal, DecimalDigits};

/// A Terraform (cty) type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
    /// `dynamic`: the concrete type travels with the value.
    Dynamic,
}

/// A number as Terraform sends it: an exact integer, a float, or a decimal string too big for either.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
    Decimal(String),
}

/// Numbers from the codecs are canonical, as go-cty chooses its msgpack encoding: `Int` when the
/// number is exactly an int64, else `Float` when it is exactly a float64 (or infinite), else
/// `Decimal`. So a number compares equal however it arrived, unless two decimals are spelled
/// differently (`0.10`, `0.1`).
impl Number {
    /// The number a float stands for; `None` for NaN.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        // 2^63 is exact in f64; every integral float in [-2^63, 2^63) converts exactly.
        let in_i64_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f);
        Some(if f.fract() == 0.0 && in_i64_range {
            Number::Int(f as i64)
        } else {
            Number::Float(f)
        })
    }

    /// The number an unsigned integer stands for.
    pub fn from_u64(u: u64) -> Number {
        if let Ok(i) = i64::try_from(u) {
            return Number::Int(i);
        }
        let f = u as f64;
        // 2^64 itself is out of range, so the saturating cast back cannot fake a match.
        if f < 18_446_744_073_709_551_616.0 && f as u64 == u {
            Number::Float(f)
        } else {
            Number::Decimal(u.to_string())
        }
    }

    /// Parses a number written as text the way Terraform accepts it (`-12`, `1.5e3`, `+Inf`).
    pub fn parse(text: &str) -> Option<Number> {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Number::Int(i));
        }
        match text {
            "Inf" | "+Inf" | "inf" | "+inf" => return Some(Number::Float(f64::INFINITY)),
            "-Inf" | "-inf" => return Some(Number::Float(f64::NEG_INFINITY)),
            _ => {}
        }
        if !is_decimal_literal(text) {
            return None;
        }
        let exact_float = text.parse::<f64>().ok().filter(|f| {
            f.is_finite() && DecimalDigits::parse(text).is_some_and(|d| d.is_exactly(*f))
        });
        Some(match exact_float.and_then(Number::from_f64) {
            Some(n) => n,
            None => Number::Decimal(text.to_owned()),
        })
    }
}

/// A Terraform value. `Null` and `Unknown` may stand wherever a known value could.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Unknown,
    String(String),
    Number(Number),
    Bool(bool),
    List(Vec<Value>),
    /// Order carries no meaning; duplicates are not expected.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value of a `dynamic` attribute together with the concrete type it was sent with.
    Dynamic(Type, Box<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An attribute of an object value; `None` for anything that is not a known object.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(attrs) => attrs.get(name),
            _ => None,
        }
    }

    /// The elements of a known list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a known map or object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A known string, or null for `None`.
    pub fn optional_string(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Null, Value::string)
    }

    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The type this value has on its own, as written for a `dynamic` attribute that was given a
    /// plain value. Null and unknown imply `dynamic`; a collection takes the first element type
    /// that is not `dynamic`.
    pub fn implied_type(&self) -> Type {
        let element_type = |items: &mut dyn Iterator<Item = &Value>| {
            items
                .map(Value::implied_type)
                .find(|t| *t != Type::Dynamic)
                .unwrap_or(Type::Dynamic)
        };
        match self {
            Value::Null | Value::Unknown => Type::Dynamic,
            Value::String(_) => Type::String,
            Value::Number(_) => Type::Number,
            Value::Bool(_) => Type::Bool,
            Value::List(items) => Type::List(Box::new(element_type(&mut items.iter()))),
            Value::Set(items) => Type::Set(Box::new(element_type(&mut items.iter()))),
            Value::Map(entries) => Type::Map(Box::new(element_type(&mut entries.values()))),
            Value::Object(attrs) => Type::Object(
                attrs
                    .iter()
                    .map(|(name, v)| (name.clone(), v.implied_type()))
                    .collect(),
            ),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::implied_type).collect()),
            Value::Dynamic(ty, _) => ty.clone(),
        }
    }
}

/// Two values are equal as Terraform sees them: sets compare without regard to order.
pub fn semantically_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| y.iter().any(|f| semantically_equal(e, f)))
                && y.iter().all(|f| x.iter().any(|e| semantically_equal(e, f)))
        }
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(e, f)| semantically_equal(e, f))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| semantically_equal(v, w)))
        }
        (Value::Dynamic(t, x), Value::Dynamic(u, y)) => t == u && semantically_equal(x, y),
        _ => a == b,
    }
}
