//! Terraform's msgpack value encoding (`DynamicValue.msgpack`), directed by the schema type.

use std::collections::BTreeMap;

use rmp::encode::{self as enc, ByteBuf};
use rmp::Marker;

use super::decode_error::{DecodeError, MAX_DEPTH};
use super::json::{element_type, index_step};
use super::path::PathStep;
use super::type_json::{type_from_json, type_to_json};
use super::types::{Number, Type, Value};

/// Elements reserved up front at most, whatever a length prefix claims.
const PREALLOCATE_AT_MOST: usize = 64;

/// Unknown, as Terraform writes it: fixext1, extension type 0, one zero byte.
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Decodes msgpack bytes as a value of `ty`, as go-cty does. Any extension is an unknown;
/// trailing bytes are an error.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut reader = Reader { rest: bytes };
    let value = reader.value(ty, MAX_DEPTH)?;
    if !reader.rest.is_empty() {
        return Err(DecodeError::malformed(format!(
            "{} unexpected bytes after the value",
            reader.rest.len()
        )));
    }
    Ok(value)
}

/// Encodes a value of `ty`. Objects are written with every attribute of `ty` (absent ones as nil);
/// where the value does not match `ty`, its own implied type is used.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Vec<u8> {
    let mut out = ByteBuf::new();
    write_value(&mut out, value, ty);
    out.into_vec()
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        let marker = self.peek()?;
        if is_extension(marker) {
            self.skip_extension()?;
            return Ok(Value::Unknown);
        }
        if marker == Marker::Null {
            self.marker()?;
            return Ok(Value::Null);
        }
        match ty {
            Type::String => Ok(Value::String(self.str("a string")?.to_owned())),
            Type::Number => self.number().map(Value::Number),
            Type::Bool => self.bool().map(Value::Bool),
            Type::List(element) => {
                let len = self.array_len("a list")?;
                self.elements(len, element, deeper(depth)?).map(Value::List)
            }
            Type::Set(element) => {
                let len = self.array_len("a set")?;
                self.elements(len, element, deeper(depth)?).map(Value::Set)
            }
            Type::Tuple(types) => self.tuple(types, deeper(depth)?).map(Value::Tuple),
            Type::Map(element) => self.map(element, deeper(depth)?).map(Value::Map),
            Type::Object(types) => self.object(types, deeper(depth)?).map(Value::Object),
            Type::Dynamic => self.dynamic(depth),
        }
    }

    /// A `[type-json, value]` pair.
    fn dynamic(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let depth = deeper(depth)?;
        let len = self.array_len("a [type, value] pair for a dynamic value")?;
        if len != 2 {
            return Err(DecodeError::mismatch(format!(
                "a dynamic value must be a [type, value] pair, found an array of {len}"
            )));
        }
        let ty = type_from_json(self.bytes()?)?;
        let inner = self.value(&ty, depth)?;
        Ok(match ty {
            Type::Dynamic => inner,
            ty => Value::Dynamic(ty, Box::new(inner)),
        })
    }

    fn tuple(&mut self, types: &[Type], depth: usize) -> Result<Vec<Value>, DecodeError> {
        let len = self.array_len("a tuple")?;
        if len != types.len() {
            return Err(DecodeError::mismatch(format!(
                "expected a tuple of {} elements, found {len}",
                types.len()
            )));
        }
        types
            .iter()
            .enumerate()
            .map(|(i, ty)| self.value(ty, depth).map_err(|e| e.within(index_step(i))))
            .collect()
    }

    fn elements(&mut self, len: usize, ty: &Type, depth: usize) -> Result<Vec<Value>, DecodeError> {
        let mut items = Vec::with_capacity(len.min(PREALLOCATE_AT_MOST));
        for i in 0..len {
            let item = self.value(ty, depth).map_err(|e| e.within(index_step(i)))?;
            items.push(item);
        }
        Ok(items)
    }

    fn map(
        &mut self,
        element: &Type,
        depth: usize,
    ) -> Result<BTreeMap<String, Value>, DecodeError> {
        let len = self.map_len("a map")?;
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key = self.str("a string map key")?;
            if entries.contains_key(key) {
                let step = PathStep::ElementKeyString(key.to_owned());
                return Err(DecodeError::mismatch("duplicate map key").within(step));
            }
            let item = self
                .value(element, depth)
                .map_err(|e| e.within(PathStep::ElementKeyString(key.to_owned())))?;
            entries.insert(key.to_owned(), item);
        }
        Ok(entries)
    }

    fn object(
        &mut self,
        types: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<BTreeMap<String, Value>, DecodeError> {
        let len = self.map_len("an object")?;
        let mut attrs = BTreeMap::new();
        for _ in 0..len {
            let name = self.str("a string attribute name")?;
            let attribute = || PathStep::Attribute(name.to_owned());
            let Some(ty) = types.get(name) else {
                return Err(
                    DecodeError::mismatch("attribute is not in the schema").within(attribute())
                );
            };
            if attrs.contains_key(name) {
                return Err(DecodeError::mismatch("duplicate attribute").within(attribute()));
            }
            let item = self.value(ty, depth).map_err(|e| e.within(attribute()))?;
            attrs.insert(name.to_owned(), item);
        }
        match types.keys().find(|name| !attrs.contains_key(*name)) {
            Some(missing) => Err(DecodeError::mismatch(
                "attribute is missing: an object must hold every attribute of its type",
            )
            .within(PathStep::Attribute(missing.clone()))),
            None => Ok(attrs),
        }
    }

    fn number(&mut self) -> Result<Number, DecodeError> {
        if is_str(self.peek()?) {
            let text = self.str("a number")?;
            return Number::parse(text)
                .ok_or_else(|| DecodeError::mismatch(format!("{text:?} is not a number")));
        }
        let float = |f: f64| {
            Number::from_f64(f).ok_or_else(|| DecodeError::mismatch("NaN is not a number"))
        };
        match self.marker()? {
            Marker::FixPos(n) => Ok(Number::Int(n.into())),
            Marker::FixNeg(n) => Ok(Number::Int(n.into())),
            Marker::U8 => Ok(Number::Int(u8::from_be_bytes(self.array()?).into())),
            Marker::U16 => Ok(Number::Int(u16::from_be_bytes(self.array()?).into())),
            Marker::U32 => Ok(Number::Int(u32::from_be_bytes(self.array()?).into())),
            Marker::U64 => Ok(Number::from_u64(u64::from_be_bytes(self.array()?))),
            Marker::I8 => Ok(Number::Int(i8::from_be_bytes(self.array()?).into())),
            Marker::I16 => Ok(Number::Int(i16::from_be_bytes(self.array()?).into())),
            Marker::I32 => Ok(Number::Int(i32::from_be_bytes(self.array()?).into())),
            Marker::I64 => Ok(Number::Int(i64::from_be_bytes(self.array()?))),
            Marker::F32 => float(f32::from_be_bytes(self.array()?).into()),
            Marker::F64 => float(f64::from_be_bytes(self.array()?)),
            other => Err(unexpected("a number", other)),
        }
    }

    fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.marker()? {
            Marker::True => Ok(true),
            Marker::False => Ok(false),
            other => Err(unexpected("a bool", other)),
        }
    }

    fn str(&mut self, expected: &str) -> Result<&'a str, DecodeError> {
        let len = match self.marker()? {
            Marker::FixStr(n) => n.into(),
            Marker::Str8 => self.len8()?,
            Marker::Str16 => self.len16()?,
            Marker::Str32 => self.len32()?,
            other => return Err(unexpected(expected, other)),
        };
        std::str::from_utf8(self.take(len)?)
            .map_err(|_| DecodeError::malformed("a string is not valid UTF-8"))
    }

    /// Bin or str, as go-cty reads a dynamic value's type.
    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = match self.marker()? {
            Marker::Bin8 | Marker::Str8 => self.len8()?,
            Marker::Bin16 | Marker::Str16 => self.len16()?,
            Marker::Bin32 | Marker::Str32 => self.len32()?,
            Marker::FixStr(n) => n.into(),
            other => return Err(unexpected("the bytes of a type description", other)),
        };
        self.take(len)
    }

    fn array_len(&mut self, expected: &str) -> Result<usize, DecodeError> {
        match self.marker()? {
            Marker::FixArray(n) => Ok(n.into()),
            Marker::Array16 => self.len16(),
            Marker::Array32 => self.len32(),
            other => Err(unexpected(expected, other)),
        }
    }

    fn map_len(&mut self, expected: &str) -> Result<usize, DecodeError> {
        match self.marker()? {
            Marker::FixMap(n) => Ok(n.into()),
            Marker::Map16 => self.len16(),
            Marker::Map32 => self.len32(),
            other => Err(unexpected(expected, other)),
        }
    }

    fn skip_extension(&mut self) -> Result<(), DecodeError> {
        let len = match self.marker()? {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => self.len8()?,
            Marker::Ext16 => self.len16()?,
            Marker::Ext32 => self.len32()?,
            other => return Err(unexpected("an extension", other)),
        };
        // The extension type byte, then the payload (a refinement map we do not need).
        self.take(1)?;
        self.take(len).map(drop)
    }

    fn len8(&mut self) -> Result<usize, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?).into())
    }

    fn len16(&mut self) -> Result<usize, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?).into())
    }

    fn len32(&mut self) -> Result<usize, DecodeError> {
        let len = u32::from_be_bytes(self.array()?);
        usize::try_from(len).map_err(|_| DecodeError::malformed("length does not fit in memory"))
    }

    fn peek(&self) -> Result<Marker, DecodeError> {
        self.rest
            .first()
            .map(|&b| Marker::from_u8(b))
            .ok_or_else(end_of_input)
    }

    fn marker(&mut self) -> Result<Marker, DecodeError> {
        let [byte] = self.array()?;
        Ok(Marker::from_u8(byte))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(end_of_input());
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }
}

fn deeper(depth: usize) -> Result<usize, DecodeError> {
    depth.checked_sub(1).ok_or_else(DecodeError::too_deep)
}

fn end_of_input() -> DecodeError {
    DecodeError::malformed("unexpected end of input")
}

fn unexpected(expected: &str, found: Marker) -> DecodeError {
    DecodeError::mismatch(format!(
        "expected {expected}, found {}",
        describe_marker(found)
    ))
}

fn is_extension(marker: Marker) -> bool {
    matches!(
        marker,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

fn is_str(marker: Marker) -> bool {
    matches!(
        marker,
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32
    )
}

fn describe_marker(marker: Marker) -> &'static str {
    match marker {
        Marker::Null => "nil",
        Marker::True | Marker::False => "a msgpack bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "a msgpack integer",
        Marker::F32 | Marker::F64 => "a msgpack float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "a msgpack string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "msgpack binary data",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "a msgpack array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "a msgpack map",
        Marker::Reserved => "the reserved byte 0xc1",
        _ => "a msgpack extension",
    }
}

fn write_value(out: &mut ByteBuf, value: &Value, ty: &Type) {
    if *ty == Type::Dynamic {
        return write_dynamic(out, value);
    }
    match value {
        Value::Null => write_nil(out),
        Value::Unknown => out.as_mut_vec().extend_from_slice(&UNKNOWN),
        Value::Dynamic(_, inner) => write_value(out, inner, ty),
        Value::String(s) => write_str(out, s),
        Value::Number(n) => write_number(out, n),
        Value::Bool(b) => {
            let Ok(()) = enc::write_bool(out, *b);
        }
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            write_array_len(out, items.len());
            for (i, item) in items.iter().enumerate() {
                write_value(out, item, &element_type(ty, i, item));
            }
        }
        Value::Map(entries) | Value::Object(entries) => write_keyed(out, entries, ty),
    }
}

/// Nil or unknown bare, anything else as a `[type-json, value]` pair.
fn write_dynamic(out: &mut ByteBuf, value: &Value) {
    let (ty, inner) = match value {
        Value::Null => return write_nil(out),
        Value::Unknown => return out.as_mut_vec().extend_from_slice(&UNKNOWN),
        Value::Dynamic(Type::Dynamic, inner) => return write_dynamic(out, inner),
        Value::Dynamic(ty, inner) => (ty.clone(), &**inner),
        other => (other.implied_type(), other),
    };
    write_array_len(out, 2);
    let Ok(()) = enc::write_bin(out, &type_to_json(&ty));
    write_value(out, inner, &ty);
}

fn write_keyed(out: &mut ByteBuf, entries: &BTreeMap<String, Value>, ty: &Type) {
    match ty {
        Type::Object(types) => {
            write_map_len(out, types.len());
            for (name, aty) in types {
                write_str(out, name);
                write_value(out, entries.get(name).unwrap_or(&Value::Null), aty);
            }
        }
        _ => {
            write_map_len(out, entries.len());
            for (key, item) in entries {
                write_str(out, key);
                write_value(out, item, &element_type(ty, 0, item));
            }
        }
    }
}

/// An int when the number is exactly an int64, a float64 when it is a float, else a string.
fn write_number(out: &mut ByteBuf, n: &Number) {
    let exact = match n {
        Number::Float(f) => Number::from_f64(*f).unwrap_or(Number::Float(*f)),
        Number::Decimal(text) => Number::parse(text).unwrap_or_else(|| n.clone()),
        Number::Int(_) => n.clone(),
    };
    match exact {
        Number::Int(i) => {
            let Ok(_) = enc::write_sint(out, i);
        }
        Number::Float(f) => {
            let Ok(()) = enc::write_f64(out, f);
        }
        Number::Decimal(text) => write_str(out, &text),
    }
}

fn write_nil(out: &mut ByteBuf) {
    let Ok(()) = enc::write_nil(out);
}

fn write_str(out: &mut ByteBuf, s: &str) {
    let Ok(()) = enc::write_str(out, s);
}

fn write_array_len(out: &mut ByteBuf, len: usize) {
    let Ok(_) = enc::write_array_len(out, len32(len));
}

fn write_map_len(out: &mut ByteBuf, len: usize) {
    let Ok(_) = enc::write_map_len(out, len32(len));
}

/// msgpack cannot express more than 2^32-1 elements; no value that large fits a gRPC message.
fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::value::type_json::tests::types;
    use proptest::collection::{btree_map, vec};
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

    fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    fn round_trip(value: &Value, ty: &Type) -> Value {
        decode_msgpack(&encode_msgpack(value, ty), ty).expect("decodes")
    }

    /// An account resource: nested blocks as lists, sets and maps of objects.
    fn account_type() -> Type {
        let privilege = obj(&[("table", Type::String), ("privileges", set(Type::String))]);
        obj(&[
            ("id", Type::String),
            ("port", Type::Number),
            ("locked", Type::Bool),
            (
                "database_privileges",
                map(obj(&[("privileges", list(Type::String))])),
            ),
            ("table", list(privilege.clone())),
            ("grants", set(privilege)),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
            ("extra", Type::Dynamic),
        ])
    }

    fn account() -> Value {
        let privilege = |table: &str, privileges: Vec<Value>| {
            Value::object([
                ("table", Value::string(table)),
                ("privileges", Value::Set(privileges)),
            ])
        };
        Value::object([
            ("id", Value::string("acc-1")),
            ("port", int(3306)),
            ("locked", Value::Bool(false)),
            (
                "database_privileges",
                Value::Map(
                    [(
                        "shop".to_owned(),
                        Value::object([(
                            "privileges",
                            Value::List(vec![Value::string("SELECT"), Value::Unknown]),
                        )]),
                    )]
                    .into(),
                ),
            ),
            (
                "table",
                Value::List(vec![
                    privilege("orders", vec![Value::string("INSERT")]),
                    Value::Null,
                ]),
            ),
            (
                "grants",
                Value::Set(vec![privilege("t", vec![]), Value::Unknown]),
            ),
            ("pair", Value::Tuple(vec![Value::Null, int(-1)])),
            (
                "extra",
                Value::Dynamic(
                    list(obj(&[("a", Type::String)])),
                    Box::new(Value::List(vec![Value::object([(
                        "a",
                        Value::string("x"),
                    )])])),
                ),
            ),
        ])
    }

    #[test]
    fn a_small_object_has_the_bytes_the_msgpack_spec_gives() {
        let ty = obj(&[("a", Type::String)]);
        let value = Value::object([("a", Value::string("x"))]);
        let bytes = [0x81, 0xa1, b'a', 0xa1, b'x'];
        assert_eq!(encode_msgpack(&value, &ty), bytes);
        assert_eq!(decode_msgpack(&bytes, &ty).ok(), Some(value));
    }

    #[test]
    fn unknown_is_written_as_fixext1_type_0() {
        assert_eq!(encode_msgpack(&Value::Unknown, &Type::String), [0xd4, 0, 0]);
        assert_eq!(
            encode_msgpack(&Value::Unknown, &Type::Dynamic),
            [0xd4, 0, 0]
        );
    }

    #[test]
    fn null_is_written_as_nil() {
        assert_eq!(encode_msgpack(&Value::Null, &account_type()), [0xc0]);
        assert_eq!(encode_msgpack(&Value::Null, &Type::Dynamic), [0xc0]);
    }

    #[test]
    fn every_extension_is_an_unknown() {
        let extensions: [&[u8]; 8] = [
            &[0xd4, 0x00, 0x00],
            &[0xd5, 0x01, 0, 0],
            &[0xd6, 0x7f, 0, 0, 0, 0],
            &[0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0xd8, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0xc7, 0x00, 0x03],
            &[0xc8, 0x00, 0x01, 0x0c, 0x00],
            &[0xc9, 0x00, 0x00, 0x00, 0x01, 0x0c, 0xc0],
        ];
        for bytes in extensions {
            for ty in [Type::String, Type::Dynamic, account_type()] {
                assert_eq!(
                    decode_msgpack(bytes, &ty).ok(),
                    Some(Value::Unknown),
                    "{bytes:x?}"
                );
            }
        }
    }

    #[test]
    fn a_refined_unknown_from_terraform_is_an_unknown() {
        // Extension type 12 carrying a refinement map: {1 (nullness): false, 2 (prefix): "ab"}.
        let payload = [0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
        let mut bytes = vec![0xc7, payload.len() as u8, 0x0c];
        bytes.extend_from_slice(&payload);
        let ty = obj(&[("name", Type::String)]);
        let mut object = vec![0x81, 0xa4];
        object.extend_from_slice(b"name");
        object.extend_from_slice(&bytes);
        assert_eq!(
            decode_msgpack(&bytes, &Type::String).ok(),
            Some(Value::Unknown)
        );
        assert_eq!(
            decode_msgpack(&object, &ty).ok(),
            Some(Value::object([("name", Value::Unknown)]))
        );
    }

    #[test]
    fn nested_objects_with_collections_round_trip() {
        assert_eq!(round_trip(&account(), &account_type()), account());
    }

    #[test]
    fn nulls_and_unknowns_round_trip_at_every_level() {
        let ty = account_type();
        for attr in [
            "id",
            "port",
            "locked",
            "database_privileges",
            "table",
            "grants",
            "pair",
            "extra",
        ] {
            for special in [Value::Null, Value::Unknown] {
                let Value::Object(mut attrs) = account() else {
                    unreachable!("account() is an object")
                };
                attrs.insert(attr.to_owned(), special);
                let value = Value::Object(attrs);
                assert_eq!(round_trip(&value, &ty), value, "{attr}");
            }
        }
        assert_eq!(round_trip(&Value::Unknown, &ty), Value::Unknown);
        assert_eq!(round_trip(&Value::Null, &ty), Value::Null);
    }

    #[test]
    fn an_attribute_absent_from_the_value_is_written_as_nil() {
        let ty = obj(&[("a", Type::String), ("b", Type::Bool)]);
        let bytes = encode_msgpack(&Value::object([("b", Value::Bool(true))]), &ty);
        assert_eq!(bytes, [0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xc3]);
    }

    #[test]
    fn integers_are_written_in_their_smallest_form() {
        let cases: [(i64, &[u8]); 7] = [
            (1, &[0x01]),
            (-1, &[0xff]),
            (200, &[0xcc, 0xc8]),
            (-100, &[0xd0, 0x9c]),
            (65_536, &[0xce, 0x00, 0x01, 0x00, 0x00]),
            (
                i64::MAX,
                &[0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            (i64::MIN, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (i, bytes) in cases {
            assert_eq!(encode_msgpack(&int(i), &Type::Number), bytes, "{i}");
            assert_eq!(
                decode_msgpack(bytes, &Type::Number).ok(),
                Some(int(i)),
                "{i}"
            );
        }
    }

    #[test]
    fn floats_are_float64_unless_exactly_an_integer() {
        let mut one_and_a_half = vec![0xcb];
        one_and_a_half.extend_from_slice(&1.5f64.to_be_bytes());
        let number = |n| Value::Number(n);
        assert_eq!(
            encode_msgpack(&number(Number::Float(1.5)), &Type::Number),
            one_and_a_half
        );
        assert_eq!(
            encode_msgpack(&number(Number::Float(3.0)), &Type::Number),
            [0x03]
        );
        assert_eq!(
            round_trip(&number(Number::Float(1e300)), &Type::Number),
            number(Number::Float(1e300))
        );
        assert_eq!(
            decode_msgpack(&[0xca, 0x40, 0x20, 0x00, 0x00], &Type::Number).ok(),
            Some(number(Number::Float(2.5)))
        );
        assert_eq!(
            decode_msgpack(&[0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0], &Type::Number).ok(),
            Some(int(5))
        );
    }

    #[test]
    fn big_numbers_stay_exact() {
        let max_u64 = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            decode_msgpack(&max_u64, &Type::Number).ok(),
            Some(Value::Number(Number::Decimal(
                "18446744073709551615".into()
            )))
        );
        // 2^63 is beyond i64 but exactly a float64, which is how go-cty would send it.
        let two_to_the_63 = [0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode_msgpack(&two_to_the_63, &Type::Number).ok(),
            Some(Value::Number(Number::Float(9_223_372_036_854_775_808.0)))
        );
        let digits = "123456789012345678901234567890";
        let decimal = Value::Number(Number::Decimal(digits.into()));
        let mut bytes = vec![0xbe];
        bytes.extend_from_slice(digits.as_bytes());
        assert_eq!(encode_msgpack(&decimal, &Type::Number), bytes);
        assert_eq!(decode_msgpack(&bytes, &Type::Number).ok(), Some(decimal));
        assert_eq!(
            decode_msgpack(&[0xa2, b'4', b'2'], &Type::Number).ok(),
            Some(int(42))
        );
    }

    #[test]
    fn a_decimal_is_written_as_int_or_float64_when_one_is_exact() {
        let decimal = |text: &str| Value::Number(Number::Decimal(text.into()));
        assert_eq!(encode_msgpack(&decimal("-5"), &Type::Number), [0xfb]);
        let mut quarter = vec![0xcb];
        quarter.extend_from_slice(&0.25f64.to_be_bytes());
        assert_eq!(encode_msgpack(&decimal("0.250"), &Type::Number), quarter);
        assert_eq!(
            encode_msgpack(&decimal("0.1"), &Type::Number),
            [0xa3, b'0', b'.', b'1']
        );
    }

    #[test]
    fn a_decimal_string_from_terraform_is_canonical() {
        let decode_text = |text: &str| {
            let mut bytes = vec![0xa0 | text.len() as u8];
            bytes.extend_from_slice(text.as_bytes());
            decode_msgpack(&bytes, &Type::Number).ok()
        };
        assert_eq!(
            decode_text("0.1"),
            Some(Value::Number(Number::Decimal("0.1".into())))
        );
        assert_eq!(decode_text("0.5"), Some(Value::Number(Number::Float(0.5))));
        assert_eq!(decode_text("1e3"), Some(int(1000)));
    }

    #[test]
    fn nan_and_non_numeric_strings_are_not_numbers() {
        let mut nan = vec![0xcb];
        nan.extend_from_slice(&f64::NAN.to_be_bytes());
        assert!(decode_msgpack(&nan, &Type::Number).is_err());
        assert!(decode_msgpack(&[0xa1, b'x'], &Type::Number).is_err());
    }

    #[test]
    fn a_dynamic_value_is_a_type_and_value_pair() {
        let value = Value::Dynamic(Type::String, Box::new(Value::string("x")));
        let mut bytes = vec![0x92, 0xc4, 0x08];
        bytes.extend_from_slice(br#""string""#);
        bytes.extend_from_slice(&[0xa1, b'x']);
        assert_eq!(encode_msgpack(&value, &Type::Dynamic), bytes);
        assert_eq!(decode_msgpack(&bytes, &Type::Dynamic).ok(), Some(value));
    }

    #[test]
    fn a_dynamic_type_may_arrive_as_a_string() {
        let mut bytes = vec![0x92, 0xa6];
        bytes.extend_from_slice(br#""bool""#);
        bytes.push(0xc3);
        assert_eq!(
            decode_msgpack(&bytes, &Type::Dynamic).ok(),
            Some(Value::Dynamic(Type::Bool, Box::new(Value::Bool(true))))
        );
    }

    #[test]
    fn a_typed_null_or_unknown_inside_a_dynamic_value_keeps_its_type() {
        for inner in [Value::Null, Value::Unknown] {
            let value = Value::Dynamic(list(Type::Number), Box::new(inner));
            assert_eq!(round_trip(&value, &Type::Dynamic), value);
        }
    }

    #[test]
    fn a_plain_value_in_a_dynamic_slot_is_written_with_its_implied_type() {
        let value = Value::List(vec![Value::string("a")]);
        assert_eq!(
            round_trip(&value, &Type::Dynamic),
            Value::Dynamic(list(Type::String), Box::new(value))
        );
    }

    #[test]
    fn a_dynamic_pair_must_have_two_elements_and_a_valid_type() {
        assert!(decode_msgpack(&[0x91, 0xc4, 0x00], &Type::Dynamic).is_err());
        let mut bad_type = vec![0x92, 0xc4, 0x05];
        bad_type.extend_from_slice(br#""str""#);
        bad_type.push(0xc0);
        let err = decode_msgpack(&bad_type, &Type::Dynamic).expect_err("rejected");
        assert!(matches!(err, DecodeError::InvalidType { .. }), "{err}");
    }

    #[test]
    fn an_object_missing_an_attribute_is_an_error_naming_its_path() {
        let ty = obj(&[(
            "outer",
            map(obj(&[("a", Type::String), ("b", Type::String)])),
        )]);
        let bytes = [
            0x81, 0xa5, b'o', b'u', b't', b'e', b'r', 0x81, 0xa1, b'k', 0x81, 0xa1, b'a', 0xc0,
        ];
        let err = decode_msgpack(&bytes, &ty).expect_err("rejected");
        assert_eq!(err.path().to_string(), r#"outer["k"].b"#);
        assert!(
            err.to_string()
                .starts_with(r#"outer["k"].b: attribute is missing"#),
            "{err}"
        );
    }

    #[test]
    fn an_object_with_an_extra_attribute_is_an_error_naming_its_path() {
        let ty = obj(&[("t", list(obj(&[("a", Type::String)])))]);
        let bytes = [
            0x81, 0xa1, b't', 0x91, 0x82, 0xa1, b'a', 0xc0, 0xa1, b'z', 0xc0,
        ];
        let err = decode_msgpack(&bytes, &ty).expect_err("rejected");
        assert_eq!(err.to_string(), "t[0].z: attribute is not in the schema");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let ty = obj(&[("a", Type::Bool)]);
        assert!(decode_msgpack(&[0x82, 0xa1, b'a', 0xc3, 0xa1, b'a', 0xc3], &ty).is_err());
        let ty = map(Type::Bool);
        assert!(decode_msgpack(&[0x82, 0xa1, b'a', 0xc3, 0xa1, b'a', 0xc3], &ty).is_err());
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_an_error_saying_what_was_expected() {
        let err =
            decode_msgpack(&[0x91, 0x01], &obj(&[("a", Type::String)])).expect_err("rejected");
        assert_eq!(err.to_string(), "expected an object, found a msgpack array");
        assert!(decode_msgpack(&[0xc4, 0x01, b'x'], &Type::String).is_err());
        assert!(decode_msgpack(&[0x01], &Type::Bool).is_err());
        assert!(
            decode_msgpack(&[0x92, 0xa1, b'x', 0x01], &Type::Tuple(vec![Type::String])).is_err()
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        let cases: [&[u8]; 6] = [
            &[],
            &[0xc1],
            &[0xa2, b'x'],
            &[0xa1, 0xff],
            &[0xa1, b'x', 0xc0],
            &[0xd4, 0x00],
        ];
        for bytes in cases {
            assert!(decode_msgpack(bytes, &Type::String).is_err(), "{bytes:x?}");
        }
    }

    #[test]
    fn a_huge_length_prefix_is_an_error_without_a_huge_allocation() {
        for ty in [
            list(Type::String),
            map(Type::String),
            Type::String,
            Type::Dynamic,
        ] {
            for bytes in [
                [0xdd, 0xff, 0xff, 0xff, 0xff],
                [0xdf, 0xff, 0xff, 0xff, 0xff],
            ] {
                assert!(decode_msgpack(&bytes, &ty).is_err());
            }
        }
        assert!(decode_msgpack(&[0xdb, 0xff, 0xff, 0xff, 0xff], &Type::String).is_err());
        assert!(decode_msgpack(&[0xc9, 0xff, 0xff, 0xff, 0xff, 0x00], &Type::String).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut pair = vec![0x92, 0xc4, 0x09];
        pair.extend_from_slice(br#""dynamic""#);
        let nested_dynamic = pair.repeat(100_000);
        let err = decode_msgpack(&nested_dynamic, &Type::Dynamic).expect_err("rejected");
        assert!(matches!(err, DecodeError::TooDeep { .. }), "{err}");

        let mut deep_type = Type::String;
        for _ in 0..200 {
            deep_type = list(deep_type);
        }
        let nested_arrays = [0x91].repeat(200);
        assert!(matches!(
            decode_msgpack(&nested_arrays, &deep_type),
            Err(DecodeError::TooDeep { .. })
        ));
    }

    /// A number as the codecs produce it: canonical, so that it survives a round trip unchanged.
    fn any_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::Int),
            any::<f64>().prop_filter_map("not a number", Number::from_f64),
            "[1-9][0-9]{19,30}|-?[0-9]{1,3}\\.[0-9]{1,5}(e-?[1-9][0-9]?)?"
                .prop_filter_map("a number", |text| Number::parse(&text)),
        ]
    }

    /// A value of `ty`: nulls and (if `unknowns`) unknowns anywhere; `dynamic` slots hold typed
    /// values, themselves holding `dynamic` slots at most `dynamic_depth` levels down.
    pub(crate) fn value_of(ty: &Type, unknowns: bool, dynamic_depth: u32) -> BoxedStrategy<Value> {
        let element = |t: &Type| value_of(t, unknowns, dynamic_depth);
        let known = match ty {
            Type::String => any::<String>().prop_map(Value::String).boxed(),
            Type::Number => any_number().prop_map(Value::Number).boxed(),
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::List(t) => vec(element(t), 0..3).prop_map(Value::List).boxed(),
            Type::Set(t) => vec(element(t), 0..3).prop_map(Value::Set).boxed(),
            Type::Map(t) => btree_map(".{0,4}", element(t), 0..3)
                .prop_map(Value::Map)
                .boxed(),
            Type::Object(attrs) => attrs
                .iter()
                .map(|(name, t)| (Just(name.clone()), element(t)))
                .collect::<Vec<_>>()
                .prop_map(Value::object)
                .boxed(),
            Type::Tuple(types) => types
                .iter()
                .map(element)
                .collect::<Vec<_>>()
                .prop_map(Value::Tuple)
                .boxed(),
            Type::Dynamic => types(dynamic_depth > 0)
                .prop_filter("a concrete type", |t| *t != Type::Dynamic)
                .prop_flat_map(move |t| {
                    value_of(&t, unknowns, dynamic_depth.saturating_sub(1))
                        .prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
                })
                .boxed(),
        };
        if unknowns {
            prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
        } else {
            prop_oneof![1 => Just(Value::Null), 7 => known].boxed()
        }
    }

    /// A type together with a value of it.
    pub(crate) fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
        types(true).prop_flat_map(move |ty| {
            let value = value_of(&ty, unknowns, 2);
            (Just(ty), value)
        })
    }

    fn fuzz_types() -> [Type; 5] {
        [
            Type::Dynamic,
            account_type(),
            list(Type::Dynamic),
            map(Type::Dynamic),
            Type::Tuple(vec![Type::Number, set(Type::Bool)]),
        ]
    }

    proptest! {
        #[test]
        fn every_value_round_trips((ty, value) in typed_value(true)) {
            let bytes = encode_msgpack(&value, &ty);
            prop_assert_eq!(decode_msgpack(&bytes, &ty).ok(), Some(value));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
            for ty in fuzz_types() {
                let _ = decode_msgpack(&bytes, &ty);
            }
        }

        #[test]
        fn mutated_encodings_never_panic(
            (ty, value) in typed_value(true),
            edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = encode_msgpack(&value, &ty);
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let _ = decode_msgpack(&bytes, &ty);
            bytes.truncate(cut.index(bytes.len() + 1));
            let _ = decode_msgpack(&bytes, &ty);
        }

        #[test]
        fn mutated_account_encodings_never_panic(
            edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let ty = account_type();
            let mut bytes = encode_msgpack(&account(), &ty);
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let _ = decode_msgpack(&bytes, &ty);
        }
    }
}
