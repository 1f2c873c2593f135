//! Resource identity (protocol 6.9, Terraform 1.12 and later): the attributes that name one
//! remote object, which Terraform records beside the state and accepts for import
//! (`import { to = ..., identity = { ... } }`). Every identity attribute here is a string.

use crate::value::{Type, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityAttribute {
    pub name: &'static str,
    pub description: &'static str,
    /// Required for an import by identity, or else optional (a default applies).
    pub required_for_import: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|attribute| (attribute.name.to_owned(), Type::String))
                .collect(),
        )
    }

    /// The identity of a resource value: its identity attributes, taken from the value (null
    /// for a null value: no object, no identity).
    pub fn of(&self, state: &Value) -> Value {
        if state.is_null() {
            return Value::Null;
        }
        Value::object(self.attributes.iter().map(|attribute| {
            let value = state.attr(attribute.name).cloned().unwrap_or(Value::Null);
            (attribute.name, value)
        }))
    }

    /// The string import ID an identity stands for: its known values joined with `#`, in
    /// schema order, an optional attribute left out when null.
    pub fn import_id(&self, identity: &Value) -> Result<String, String> {
        let mut parts = Vec::with_capacity(self.attributes.len());
        for attribute in &self.attributes {
            match identity.attr(attribute.name) {
                Some(Value::String(text)) => parts.push(text.clone()),
                Some(Value::Null) | None if !attribute.required_for_import => {}
                _ => return Err(format!("the identity has no known {}", attribute.name)),
            }
        }
        Ok(parts.join("#"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> IdentitySchema {
        IdentitySchema {
            version: 0,
            attributes: vec![
                IdentityAttribute {
                    name: "instance_id",
                    description: "",
                    required_for_import: true,
                },
                IdentityAttribute {
                    name: "host",
                    description: "",
                    required_for_import: false,
                },
            ],
        }
    }

    #[test]
    fn an_identity_is_the_states_naming_attributes_and_stands_for_an_import_id() {
        let state = Value::object([
            ("instance_id", Value::string("cdb-1")),
            ("host", Value::string("%")),
            ("global_privileges", Value::Set(vec![])),
        ]);
        let identity = schema().of(&state);
        assert_eq!(
            identity,
            Value::object([
                ("instance_id", Value::string("cdb-1")),
                ("host", Value::string("%"))
            ])
        );
        assert_eq!(schema().import_id(&identity).as_deref(), Ok("cdb-1#%"));
        let without_host = Value::object([
            ("instance_id", Value::string("cdb-1")),
            ("host", Value::Null),
        ]);
        assert_eq!(schema().import_id(&without_host).as_deref(), Ok("cdb-1"));
        let unknown = Value::object([("instance_id", Value::Unknown), ("host", Value::Null)]);
        assert!(schema()
            .import_id(&unknown)
            .unwrap_err()
            .contains("instance_id"));
        assert_eq!(schema().of(&Value::Null), Value::Null);
    }
}
