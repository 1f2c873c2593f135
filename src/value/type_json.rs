//! cty's JSON type encoding (`"string"`, `["list", T]`, `["object", {…}]`…) for `dynamic` values.

use std::collections::BTreeMap;

use super::decode_error::{DecodeError, MAX_DEPTH};
use super::json_text::{parse_json, write_string, Json};
use super::types::Type;

/// Parses cty's JSON description of a type.
pub fn type_from_json(bytes: &[u8]) -> Result<Type, DecodeError> {
    let json = parse_json(bytes).map_err(|e| DecodeError::invalid_type(e.to_string()))?;
    type_from_tree(&json)
}

/// Writes cty's compact JSON description of a type, attributes in name order.
pub fn type_to_json(ty: &Type) -> Vec<u8> {
    let mut out = String::new();
    write_type(&mut out, ty);
    out.into_bytes()
}

pub(super) fn type_from_tree(json: &Json) -> Result<Type, DecodeError> {
    parse(json, MAX_DEPTH)
}

fn parse(json: &Json, depth: usize) -> Result<Type, DecodeError> {
    match json {
        Json::String(name) => primitive(name),
        Json::Array(parts) => match parts.split_first() {
            Some((Json::String(kind), rest)) => {
                let depth = depth.checked_sub(1).ok_or_else(DecodeError::too_deep)?;
                structural(kind, rest, depth)
            }
            _ => Err(DecodeError::invalid_type(
                "a structural type is an array starting with its kind",
            )),
        },
        _ => Err(DecodeError::invalid_type("expected a type name or array")),
    }
}

fn primitive(name: &str) -> Result<Type, DecodeError> {
    match name {
        "string" => Ok(Type::String),
        "number" => Ok(Type::Number),
        "bool" => Ok(Type::Bool),
        "dynamic" => Ok(Type::Dynamic),
        other => Err(DecodeError::invalid_type(format!("unknown type {other:?}"))),
    }
}

fn structural(kind: &str, rest: &[Json], depth: usize) -> Result<Type, DecodeError> {
    match (kind, rest) {
        ("list", [element]) => Ok(Type::List(Box::new(parse(element, depth)?))),
        ("set", [element]) => Ok(Type::Set(Box::new(parse(element, depth)?))),
        ("map", [element]) => Ok(Type::Map(Box::new(parse(element, depth)?))),
        // The optional third element names optional attributes, which only matter to conversion.
        ("object", [Json::Object(attrs)]) | ("object", [Json::Object(attrs), Json::Array(_)]) => {
            object(attrs, depth)
        }
        ("tuple", [Json::Array(elements)]) => elements
            .iter()
            .map(|t| parse(t, depth))
            .collect::<Result<_, _>>()
            .map(Type::Tuple),
        (kind, _) => Err(DecodeError::invalid_type(format!(
            "malformed {kind:?} type description"
        ))),
    }
}

fn object(attrs: &[(String, Json)], depth: usize) -> Result<Type, DecodeError> {
    let mut types = BTreeMap::new();
    for (name, json) in attrs {
        if types.insert(name.clone(), parse(json, depth)?).is_some() {
            return Err(DecodeError::invalid_type(format!(
                "duplicate attribute {name:?}"
            )));
        }
    }
    Ok(Type::Object(types))
}

pub(super) fn write_type(out: &mut String, ty: &Type) {
    match ty {
        Type::String => out.push_str("\"string\""),
        Type::Number => out.push_str("\"number\""),
        Type::Bool => out.push_str("\"bool\""),
        Type::Dynamic => out.push_str("\"dynamic\""),
        Type::List(element) => write_collection(out, "list", element),
        Type::Set(element) => write_collection(out, "set", element),
        Type::Map(element) => write_collection(out, "map", element),
        Type::Object(attrs) => {
            out.push_str("[\"object\",{");
            for (i, (name, t)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_type(out, t);
            }
            out.push_str("}]");
        }
        Type::Tuple(elements) => {
            out.push_str("[\"tuple\",[");
            for (i, t) in elements.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_type(out, t);
            }
            out.push_str("]]");
        }
    }
}

fn write_collection(out: &mut String, kind: &str, element: &Type) {
    out.push_str("[\"");
    out.push_str(kind);
    out.push_str("\",");
    write_type(out, element);
    out.push(']');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any type, nested a few levels, with attribute names from a small alphabet.
    pub(crate) fn any_type() -> BoxedStrategy<Type> {
        types(true)
    }

    /// Any type; `dynamic` only where `with_dynamic` says so.
    pub(crate) fn types(with_dynamic: bool) -> BoxedStrategy<Type> {
        let primitive = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
        let leaf = if with_dynamic {
            prop_oneof![3 => primitive, 1 => Just(Type::Dynamic)].boxed()
        } else {
            primitive.boxed()
        };
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| Type::List(Box::new(t))),
                inner.clone().prop_map(|t| Type::Set(Box::new(t))),
                inner.clone().prop_map(|t| Type::Map(Box::new(t))),
                proptest::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4)
                    .prop_map(Type::Object),
                proptest::collection::vec(inner, 0..3).prop_map(Type::Tuple),
            ]
        })
        .boxed()
    }

    fn parse_str(text: &str) -> Result<Type, DecodeError> {
        type_from_json(text.as_bytes())
    }

    #[test]
    fn primitive_types_are_bare_names() {
        assert_eq!(parse_str(r#""string""#).ok(), Some(Type::String));
        assert_eq!(parse_str(r#""number""#).ok(), Some(Type::Number));
        assert_eq!(parse_str(r#""bool""#).ok(), Some(Type::Bool));
        assert_eq!(parse_str(r#""dynamic""#).ok(), Some(Type::Dynamic));
    }

    #[test]
    fn structural_types_are_arrays_led_by_their_kind() {
        let ty = parse_str(
            r#"["object",{"grants":["set",["object",{"db":"string","p":["list","string"]}]],
                "labels":["map","bool"],"pair":["tuple",["string","number"]]}]"#,
        )
        .expect("parses");
        let grant = Type::Object(
            [
                ("db".to_owned(), Type::String),
                ("p".to_owned(), Type::List(Box::new(Type::String))),
            ]
            .into(),
        );
        let expected = Type::Object(
            [
                ("grants".to_owned(), Type::Set(Box::new(grant))),
                ("labels".to_owned(), Type::Map(Box::new(Type::Bool))),
                (
                    "pair".to_owned(),
                    Type::Tuple(vec![Type::String, Type::Number]),
                ),
            ]
            .into(),
        );
        assert_eq!(ty, expected);
    }

    #[test]
    fn optional_attribute_names_are_accepted_and_ignored() {
        let ty = parse_str(r#"["object",{"a":"string"},["a"]]"#).expect("parses");
        assert_eq!(ty, Type::Object([("a".to_owned(), Type::String)].into()));
    }

    #[test]
    fn types_are_written_compactly_with_sorted_attributes() {
        let ty = Type::Object(
            [
                ("z".to_owned(), Type::List(Box::new(Type::Number))),
                ("a".to_owned(), Type::Tuple(vec![Type::Bool, Type::Dynamic])),
            ]
            .into(),
        );
        assert_eq!(
            String::from_utf8(type_to_json(&ty)).ok().as_deref(),
            Some(r#"["object",{"a":["tuple",["bool","dynamic"]],"z":["list","number"]}]"#)
        );
        assert_eq!(type_to_json(&Type::String), br#""string""#);
    }

    #[test]
    fn malformed_type_descriptions_are_errors() {
        for bad in [
            "",
            "1",
            r#""str""#,
            "[]",
            r#"["list"]"#,
            r#"["list","string","string"]"#,
            r#"["object",["a"]]"#,
            r#"["tuple","string"]"#,
            r#"["capsule","x"]"#,
            r#"["object",{"a":"string","a":"bool"}]"#,
            r#""string" 1"#,
        ] {
            assert!(
                matches!(parse_str(bad), Err(DecodeError::InvalidType { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn deeply_nested_types_are_errors_not_stack_overflows() {
        let deep = format!("{}\"string\"{}", r#"["list","#.repeat(65), "]".repeat(65));
        assert!(matches!(parse_str(&deep), Err(DecodeError::TooDeep { .. })));
        let very_deep = r#"["list","#.repeat(100_000);
        assert!(parse_str(&very_deep).is_err());
    }

    proptest! {
        #[test]
        fn every_type_round_trips(ty in any_type()) {
            prop_assert_eq!(type_from_json(&type_to_json(&ty)).ok(), Some(ty));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = type_from_json(&bytes);
        }

        #[test]
        fn arbitrary_type_like_text_never_panics(text in r#"[\[\]{}",:a-z ]{0,64}"#) {
            let _ = type_from_json(text.as_bytes());
        }
    }
}
