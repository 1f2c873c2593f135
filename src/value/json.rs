//! cty's JSON value encoding, for `UpgradeResourceState`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::decode_error::{deeper, DecodeError, MAX_DEPTH};
use super::json_text::{is_json_number, parse_json, write_string, Json};
use super::number_text::exact_decimal;
use super::path::PathStep;
use super::type_json::{type_from_tree, write_type};
use super::types::{Number, Type, Value};

/// Decodes cty JSON as a value of `ty`. As in cty, missing object attributes are null and
/// primitives convert from other primitives (`"12"` is a number, `12` a string). Numbers keep
/// their exact text: `0.1` is `Decimal("0.1")`, not the float nearest to it.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    from_json(parse_json(bytes)?, ty, MAX_DEPTH)
}

/// Encodes a value of `ty` as cty JSON. JSON cannot express unknowns: they are written as null,
/// so encode only wholly known values. Floats are written as their exact decimal expansion, as
/// cty does; infinities as the strings `"+Inf"` and `"-Inf"`.
pub fn encode_json(value: &Value, ty: &Type) -> Vec<u8> {
    let mut out = String::new();
    write_value(&mut out, value, ty);
    out.into_bytes()
}

fn from_json(json: Json, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
    match (ty, json) {
        (_, Json::Null) => Ok(Value::Null),
        (Type::Dynamic, json) => dynamic_from_json(json, deeper(depth)?),
        (Type::String, Json::String(s) | Json::Number(s)) => Ok(Value::String(s)),
        (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::Number, Json::Number(text) | Json::String(text)) => Number::parse(&text)
            .map(Value::Number)
            .ok_or_else(|| DecodeError::mismatch(format!("{text:?} is not a number"))),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(b)),
        (Type::Bool, Json::String(s)) => bool_from_text(&s).map(Value::Bool),
        (Type::List(element), Json::Array(items)) => {
            elements_from_json(items, |_| element, deeper(depth)?).map(Value::List)
        }
        (Type::Set(element), Json::Array(items)) => {
            elements_from_json(items, |_| element, deeper(depth)?).map(Value::Set)
        }
        (Type::Tuple(types), Json::Array(items)) => {
            tuple_from_json(items, types, deeper(depth)?).map(Value::Tuple)
        }
        (Type::Map(element), Json::Object(entries)) => {
            map_from_json(entries, element, deeper(depth)?).map(Value::Map)
        }
        (Type::Object(types), Json::Object(entries)) => {
            object_from_json(entries, types, deeper(depth)?).map(Value::Object)
        }
        (ty, json) => Err(DecodeError::mismatch(format!(
            "expected {}, found {}",
            describe_type(ty),
            json.describe()
        ))),
    }
}

fn bool_from_text(text: &str) -> Result<bool, DecodeError> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(DecodeError::mismatch(format!("{text:?} is not a bool"))),
    }
}

fn elements_from_json<'t>(
    items: Vec<Json>,
    element_type: impl Fn(usize) -> &'t Type,
    depth: usize,
) -> Result<Vec<Value>, DecodeError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            from_json(item, element_type(i), depth).map_err(|e| e.within(index_step(i)))
        })
        .collect()
}

fn tuple_from_json(
    items: Vec<Json>,
    types: &[Type],
    depth: usize,
) -> Result<Vec<Value>, DecodeError> {
    if items.len() != types.len() {
        return Err(DecodeError::mismatch(format!(
            "expected a tuple of {} elements, found {}",
            types.len(),
            items.len()
        )));
    }
    elements_from_json(items, |i| &types[i], depth)
}

fn map_from_json(
    entries: Vec<(String, Json)>,
    element_type: &Type,
    depth: usize,
) -> Result<BTreeMap<String, Value>, DecodeError> {
    unique_keys(entries, PathStep::ElementKeyString)?
        .into_iter()
        .map(|(key, item)| match from_json(item, element_type, depth) {
            Ok(value) => Ok((key, value)),
            Err(e) => Err(e.within(PathStep::ElementKeyString(key))),
        })
        .collect()
}

fn object_from_json(
    entries: Vec<(String, Json)>,
    types: &BTreeMap<String, Type>,
    depth: usize,
) -> Result<BTreeMap<String, Value>, DecodeError> {
    let mut entries = unique_keys(entries, PathStep::Attribute)?;
    if let Some(extra) = entries.keys().find(|name| !types.contains_key(*name)) {
        let step = PathStep::Attribute(extra.clone());
        return Err(DecodeError::mismatch("attribute is not in the schema").within(step));
    }
    types
        .iter()
        .map(|(name, ty)| {
            let value = match entries.remove(name) {
                Some(json) => from_json(json, ty, depth)
                    .map_err(|e| e.within(PathStep::Attribute(name.clone())))?,
                None => Value::Null,
            };
            Ok((name.clone(), value))
        })
        .collect()
}

fn unique_keys(
    entries: Vec<(String, Json)>,
    step: fn(String) -> PathStep,
) -> Result<BTreeMap<String, Json>, DecodeError> {
    let mut unique = BTreeMap::new();
    for (key, json) in entries {
        if unique.contains_key(&key) {
            return Err(DecodeError::mismatch("duplicate key").within(step(key)));
        }
        unique.insert(key, json);
    }
    Ok(unique)
}

/// `{"value": ..., "type": ...}`; both keys are required and no others are allowed.
fn dynamic_from_json(json: Json, depth: usize) -> Result<Value, DecodeError> {
    let Json::Object(entries) = json else {
        return Err(DecodeError::mismatch(format!(
            "expected a {{\"value\", \"type\"}} object for a dynamic value, found {}",
            json.describe()
        )));
    };
    let mut entries = unique_keys(entries, PathStep::Attribute)?;
    if let Some(extra) = entries.keys().find(|k| *k != "value" && *k != "type") {
        return Err(DecodeError::mismatch(format!(
            "unexpected key {extra:?} in a dynamic value"
        )));
    }
    let ty = match entries.get("type") {
        Some(ty) => type_from_tree(ty)?,
        None => return Err(DecodeError::mismatch("dynamic value has no \"type\"")),
    };
    let inner = match entries.remove("value") {
        Some(json) => from_json(json, &ty, depth)?,
        None => return Err(DecodeError::mismatch("dynamic value has no \"value\"")),
    };
    Ok(match ty {
        Type::Dynamic => inner,
        ty => Value::Dynamic(ty, Box::new(inner)),
    })
}

pub(super) fn index_step(i: usize) -> PathStep {
    PathStep::ElementKeyInt(i64::try_from(i).unwrap_or(i64::MAX))
}

/// "a string", "an object", … for error messages.
pub(super) fn describe_type(ty: &Type) -> &'static str {
    match ty {
        Type::String => "a string",
        Type::Number => "a number",
        Type::Bool => "a bool",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Object(_) => "an object",
        Type::Tuple(_) => "a tuple",
        Type::Dynamic => "a dynamic value",
    }
}

fn write_value(out: &mut String, value: &Value, ty: &Type) {
    if *ty == Type::Dynamic {
        return write_dynamic(out, value);
    }
    match value {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Dynamic(_, inner) => write_value(out, inner, ty),
        Value::String(s) => write_string(out, s),
        Value::Number(n) => write_number(out, n),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, &element_type(ty, i, item));
            }
            out.push(']');
        }
        Value::Map(entries) | Value::Object(entries) => write_keyed(out, entries, ty),
    }
}

/// The type an element is written with; the value's own type where `ty` does not say.
pub(super) fn element_type<'t>(ty: &'t Type, index: usize, item: &Value) -> Cow<'t, Type> {
    match ty {
        Type::List(element) | Type::Set(element) | Type::Map(element) => Cow::Borrowed(element),
        Type::Tuple(types) => types
            .get(index)
            .map_or_else(|| Cow::Owned(item.implied_type()), Cow::Borrowed),
        _ => Cow::Owned(item.implied_type()),
    }
}

fn write_keyed(out: &mut String, entries: &BTreeMap<String, Value>, ty: &Type) {
    out.push('{');
    let mut first = true;
    let mut entry = |out: &mut String, key: &str, item: &Value, item_type: &Type| {
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, item, item_type);
    };
    match ty {
        Type::Object(types) => {
            for (name, aty) in types {
                entry(out, name, entries.get(name).unwrap_or(&Value::Null), aty);
            }
        }
        _ => {
            for (key, item) in entries {
                entry(out, key, item, &element_type(ty, 0, item));
            }
        }
    }
    out.push('}');
}

fn write_dynamic(out: &mut String, value: &Value) {
    let (ty, inner) = match value {
        Value::Null | Value::Unknown => return out.push_str("null"),
        Value::Dynamic(Type::Dynamic, inner) => return write_dynamic(out, inner),
        Value::Dynamic(ty, inner) => (ty.clone(), &**inner),
        other => (other.implied_type(), other),
    };
    out.push_str("{\"value\":");
    write_value(out, inner, &ty);
    out.push_str(",\"type\":");
    write_type(out, &ty);
    out.push('}');
}

fn write_number(out: &mut String, n: &Number) {
    match n {
        Number::Int(i) => out.push_str(&i.to_string()),
        Number::Float(f) if f.is_finite() => out.push_str(&exact_decimal(*f)),
        Number::Float(f) if f.is_nan() => out.push_str("null"),
        Number::Float(f) => out.push_str(if *f > 0.0 { "\"+Inf\"" } else { "\"-Inf\"" }),
        Number::Decimal(text) if is_json_number(text) => out.push_str(text),
        Number::Decimal(text) => write_string(out, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::msgpack::tests::typed_value;
    use proptest::prelude::*;

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::Object(
            attrs
                .iter()
                .map(|(k, t)| ((*k).to_owned(), t.clone()))
                .collect(),
        )
    }

    fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    fn decode(text: &str, ty: &Type) -> Result<Value, DecodeError> {
        decode_json(text.as_bytes(), ty)
    }

    fn encode(value: &Value, ty: &Type) -> String {
        String::from_utf8(encode_json(value, ty)).expect("JSON is UTF-8")
    }

    fn number(n: Number) -> Value {
        Value::Number(n)
    }

    fn privileges_type() -> Type {
        obj(&[
            ("id", Type::String),
            ("port", Type::Number),
            ("enabled", Type::Bool),
            (
                "grants",
                set(obj(&[
                    ("db", Type::String),
                    ("privileges", list(Type::String)),
                ])),
            ),
            ("labels", map(Type::String)),
            ("extra", Type::Dynamic),
        ])
    }

    #[test]
    fn a_nested_object_decodes_from_cty_json() {
        let text = r#"{
            "id": "acc-1",
            "port": 3306,
            "enabled": true,
            "grants": [{"db": "shop", "privileges": ["SELECT", "INSERT"]}],
            "labels": {"team": "data"},
            "extra": {"value": ["a", 1], "type": ["tuple", ["string", "number"]]}
        }"#;
        let expected = Value::object([
            ("id", Value::string("acc-1")),
            ("port", number(Number::Int(3306))),
            ("enabled", Value::Bool(true)),
            (
                "grants",
                Value::Set(vec![Value::object([
                    ("db", Value::string("shop")),
                    (
                        "privileges",
                        Value::List(vec![Value::string("SELECT"), Value::string("INSERT")]),
                    ),
                ])]),
            ),
            (
                "labels",
                Value::Map([("team".to_owned(), Value::string("data"))].into()),
            ),
            (
                "extra",
                Value::Dynamic(
                    Type::Tuple(vec![Type::String, Type::Number]),
                    Box::new(Value::Tuple(vec![
                        Value::string("a"),
                        number(Number::Int(1)),
                    ])),
                ),
            ),
        ]);
        assert_eq!(decode(text, &privileges_type()).ok(), Some(expected));
    }

    #[test]
    fn json_null_is_null_for_every_type() {
        for ty in [
            Type::String,
            list(Type::Bool),
            privileges_type(),
            Type::Dynamic,
        ] {
            assert_eq!(decode(" null ", &ty).ok(), Some(Value::Null));
        }
    }

    #[test]
    fn a_missing_object_attribute_is_null_as_in_cty() {
        let ty = obj(&[("a", Type::String), ("b", Type::Number)]);
        assert_eq!(
            decode(r#"{"a": "x"}"#, &ty).ok(),
            Some(Value::object([
                ("a", Value::string("x")),
                ("b", Value::Null)
            ]))
        );
    }

    #[test]
    fn an_extra_object_attribute_is_an_error_naming_its_path() {
        let ty = obj(&[("outer", list(obj(&[("a", Type::String)])))]);
        let err = decode(r#"{"outer": [{"a": "x", "zz": 1}]}"#, &ty).expect_err("rejected");
        assert_eq!(err.path().to_string(), "outer[0].zz");
        assert_eq!(
            err.to_string(),
            "outer[0].zz: attribute is not in the schema"
        );
    }

    #[test]
    fn a_duplicate_key_is_an_error() {
        let ty = obj(&[("a", Type::String)]);
        assert!(decode(r#"{"a": "x", "a": "y"}"#, &ty).is_err());
        assert!(decode(r#"{"k": 1, "k": 2}"#, &map(Type::Number)).is_err());
    }

    #[test]
    fn a_wrong_kind_of_value_is_an_error_naming_its_path() {
        let ty = obj(&[("labels", map(Type::Number))]);
        let err = decode(r#"{"labels": {"k": [1]}}"#, &ty).expect_err("rejected");
        assert_eq!(
            err.to_string(),
            r#"labels["k"]: expected a number, found a JSON array"#
        );
    }

    #[test]
    fn primitives_convert_from_other_primitives_as_cty_does() {
        assert_eq!(
            decode("12.50", &Type::String).ok(),
            Some(Value::string("12.50"))
        );
        assert_eq!(
            decode("true", &Type::String).ok(),
            Some(Value::string("true"))
        );
        assert_eq!(
            decode(r#""-7""#, &Type::Number).ok(),
            Some(number(Number::Int(-7)))
        );
        assert_eq!(
            decode(r#""false""#, &Type::Bool).ok(),
            Some(Value::Bool(false))
        );
        assert!(decode(r#""yes""#, &Type::Bool).is_err());
        assert!(decode(r#""twelve""#, &Type::Number).is_err());
        assert!(decode("1", &Type::Bool).is_err());
    }

    #[test]
    fn numbers_keep_their_exact_value() {
        let cases = [
            ("9223372036854775807", Number::Int(i64::MAX)),
            ("-9223372036854775808", Number::Int(i64::MIN)),
            (
                "18446744073709551615",
                Number::Decimal("18446744073709551615".into()),
            ),
            (
                "9223372036854775808",
                Number::Float(9_223_372_036_854_775_808.0),
            ),
            ("1.5", Number::Float(1.5)),
            ("2.0", Number::Int(2)),
            ("1e2", Number::Int(100)),
            ("0.1", Number::Decimal("0.1".into())),
            ("1e300", Number::Decimal("1e300".into())),
            (
                "123456789012345678901234567890",
                Number::Decimal("123456789012345678901234567890".into()),
            ),
            (
                r#""123456789012345678901234567890""#,
                Number::Decimal("123456789012345678901234567890".into()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                decode(text, &Type::Number).ok(),
                Some(number(expected)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_float_is_written_as_its_exact_expansion_and_read_back_unchanged() {
        assert_eq!(encode(&number(Number::Float(1.5)), &Type::Number), "1.5e0");
        let f = number(Number::Float(1e300));
        let text = encode(&f, &Type::Number);
        // The float nearest 10^300 is not 10^300: its expansion has hundreds of digits.
        assert!(
            text.starts_with("1.00000000000000005250476025520442"),
            "{text}"
        );
        assert!(text.ends_with("e300") && text.len() > 200, "{text}");
        assert_eq!(decode(&text, &Type::Number).ok(), Some(f));
    }

    #[test]
    fn number_text_follows_the_decimal_grammar() {
        assert_eq!(Number::parse("+5"), Some(Number::Int(5)));
        assert_eq!(
            Number::parse("-1.25e-3"),
            Some(Number::Decimal("-1.25e-3".into()))
        );
        assert_eq!(Number::parse("-0.25"), Some(Number::Float(-0.25)));
        assert_eq!(Number::parse("-0.0"), Some(Number::Int(0)));
        assert_eq!(Number::parse(".5"), Some(Number::Float(0.5)));
        let huge = "1e99999999999999999999";
        assert_eq!(Number::parse(huge), Some(Number::Decimal(huge.into())));
        assert_eq!(
            Number::parse("-Inf"),
            Some(Number::Float(f64::NEG_INFINITY))
        );
        for bad in [
            "", "-", ".", "1e", "1.2.3", " 1", "0x10", "1_000", "NaN", "e5",
        ] {
            assert_eq!(Number::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn strings_unescape_as_json_says() {
        let text = r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00é""#;
        assert_eq!(
            decode(text, &Type::String).ok(),
            Some(Value::string("a\"b\\c/d\u{8}\u{c}\n\r\té😀é"))
        );
        for bad in [
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\x""#,
            "\"a\u{1}\"",
            r#""abc"#,
            r#""\u12""#,
        ] {
            assert!(decode(bad, &Type::String).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn strings_are_escaped_when_written() {
        let value = Value::string("q\"b\\n\nc\u{1}é");
        assert_eq!(encode(&value, &Type::String), r#""q\"b\\n\nc\u0001é""#);
        assert_eq!(
            decode(&encode(&value, &Type::String), &Type::String).ok(),
            Some(value)
        );
    }

    #[test]
    fn a_dynamic_value_needs_both_type_and_value() {
        assert!(decode(r#"{"value": "x"}"#, &Type::Dynamic).is_err());
        assert!(decode(r#"{"type": "string"}"#, &Type::Dynamic).is_err());
        assert!(decode(
            r#"{"type": "string", "value": "x", "x": 1}"#,
            &Type::Dynamic
        )
        .is_err());
        assert!(decode(r#"{"type": "strin", "value": "x"}"#, &Type::Dynamic).is_err());
        assert!(decode(r#""x""#, &Type::Dynamic).is_err());
        assert_eq!(
            decode(r#"{"type": "string", "value": null}"#, &Type::Dynamic).ok(),
            Some(Value::Dynamic(Type::String, Box::new(Value::Null)))
        );
    }

    #[test]
    fn a_tuple_needs_exactly_its_elements() {
        let ty = Type::Tuple(vec![Type::String, Type::Bool]);
        assert!(decode(r#"["a"]"#, &ty).is_err());
        assert!(decode(r#"["a", true, 1]"#, &ty).is_err());
        assert!(decode(r#"["a", true]"#, &ty).is_ok());
    }

    #[test]
    fn malformed_and_trailing_input_is_an_error() {
        let cases = [
            "",
            " ",
            "{",
            "[1,]",
            "[,1]",
            "{\"a\":1,}",
            "\"a\" \"b\"",
            "nul",
            "nullx",
            "01",
            "1.",
            "-",
            "1e",
            "+1",
            "[1 2]",
            "{\"a\" 1}",
            "{1:2}",
            "\u{feff}1",
        ];
        for bad in cases {
            let err = decode(bad, &Type::Dynamic).expect_err(bad);
            assert!(
                matches!(err, DecodeError::Malformed { .. }),
                "{bad:?}: {err}"
            );
        }
        assert!(decode_json(&[b'"', 0xff, b'"'], &Type::String).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(decode(&deep, &list(list(Type::String))).is_err());
        let mut ty = Type::String;
        for _ in 0..200 {
            ty = list(ty);
        }
        let nested = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(matches!(
            decode(&nested, &ty),
            Err(DecodeError::TooDeep { .. })
        ));
    }

    #[test]
    fn encoding_writes_every_attribute_and_wraps_dynamic_values() {
        let ty = obj(&[
            ("a", Type::String),
            ("b", Type::Dynamic),
            ("c", list(Type::Number)),
        ]);
        let value = Value::object([("b", Value::string("x")), ("c", Value::List(vec![]))]);
        assert_eq!(
            encode(&value, &ty),
            r#"{"a":null,"b":{"value":"x","type":"string"},"c":[]}"#
        );
    }

    #[test]
    fn big_numbers_are_written_as_json_numbers_with_their_digits() {
        let n = Number::Decimal("123456789012345678901234567890".into());
        let text = encode(&number(n.clone()), &Type::Number);
        assert_eq!(text, "123456789012345678901234567890");
        assert_eq!(decode(&text, &Type::Number).ok(), Some(number(n)));
    }

    #[test]
    fn a_wholly_known_value_round_trips() {
        let value = Value::object([
            ("id", Value::string("acc-1")),
            ("port", number(Number::Float(0.25))),
            ("enabled", Value::Null),
            ("grants", Value::Set(vec![])),
            ("labels", Value::Map(BTreeMap::new())),
            (
                "extra",
                Value::Dynamic(
                    map(Type::Number),
                    Box::new(Value::Map(
                        [("k".to_owned(), number(Number::Int(-1)))].into(),
                    )),
                ),
            ),
        ]);
        let ty = privileges_type();
        assert_eq!(
            decode_json(&encode_json(&value, &ty), &ty).ok(),
            Some(value)
        );
    }

    proptest! {
        #[test]
        fn every_wholly_known_value_round_trips((ty, value) in typed_value(false)) {
            let bytes = encode_json(&value, &ty);
            prop_assert_eq!(decode_json(&bytes, &ty).ok(), Some(value));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            for ty in [Type::Dynamic, privileges_type(), list(Type::Dynamic)] {
                let _ = decode_json(&bytes, &ty);
            }
        }

        #[test]
        fn arbitrary_json_text_never_panics(text in r#"[\[\]{}",:0-9a-z.eE+\\\- é]{0,64}"#) {
            for ty in [Type::Dynamic, privileges_type(), map(Type::Dynamic)] {
                let _ = decode_json(text.as_bytes(), &ty);
            }
        }

        #[test]
        fn mutated_encodings_never_panic(
            (ty, value) in typed_value(false),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = encode_json(&value, &ty);
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let _ = decode_json(&bytes, &ty);
        }
    }
}
