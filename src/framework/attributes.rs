//! Typed access to the attributes of a resource value, with the one error every resource gives
//! when a value it needs is not there.

use std::collections::BTreeMap;

use crate::value::Value;

use super::diagnostics::Diagnostics;

/// The attributes of one object value (a plan, a state, a nested block).
#[derive(Clone, Copy)]
pub struct Attributes<'a> {
    value: &'a Value,
}

impl<'a> Attributes<'a> {
    pub fn of(value: &'a Value) -> Self {
        Attributes { value }
    }

    /// A known string attribute, or the error that it is missing or unknown.
    pub fn string(&self, name: &str) -> Result<String, Diagnostics> {
        self.optional_string(name)
            .map(str::to_owned)
            .ok_or_else(|| incomplete(format!("{name} is not a known string")))
    }

    /// A known string, or `None` when null, unknown or absent.
    pub fn optional_string(&self, name: &str) -> Option<&'a str> {
        self.value.attr(name).and_then(Value::as_str)
    }

    /// A known bool, or `default` when null, unknown or absent.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        self.value
            .attr(name)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }

    /// A map of strings; an element that is not a known string reads as empty.
    pub fn string_map(&self, name: &str) -> BTreeMap<String, String> {
        match self.value.attr(name) {
            Some(Value::Map(entries)) => entries
                .iter()
                .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    /// The elements of a list or set attribute, or none.
    pub fn elements(&self, name: &str) -> &'a [Value] {
        self.value
            .attr(name)
            .and_then(Value::elements)
            .unwrap_or_default()
    }
}

/// A resource value that lacks what the resource needs (`detail` says what).
pub fn incomplete(detail: impl Into<String>) -> Diagnostics {
    Diagnostics::from_error("Incomplete resource value", detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_unknown_string_is_named() {
        let value = Value::object([
            ("user", Value::string("app")),
            ("host", Value::Unknown),
            ("flag", Value::Bool(true)),
        ]);
        let attrs = Attributes::of(&value);
        assert_eq!(attrs.string("user").ok().as_deref(), Some("app"));
        for name in ["host", "instance_id"] {
            let text = attrs.string(name).unwrap_err().to_string();
            assert!(text.contains("Incomplete resource value"), "{text}");
            assert!(
                text.contains(&format!("{name} is not a known string")),
                "{text}"
            );
        }
        assert!(attrs.bool_or("flag", false));
        assert!(!attrs.bool_or("host", false));
        assert!(attrs.elements("user").is_empty());
    }
}
