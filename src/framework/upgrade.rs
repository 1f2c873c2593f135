//! Reading a stored state into the current schema: refusing what cannot be read, and filling
//! in what an older or hand-edited state lacks, so a refresh never trips over a missing value.

use crate::value::Value;

use super::diagnostics::Diagnostics;
use super::schema::{Block, Nesting};

/// A resource's state as Terraform stored it.
pub enum StoredState {
    /// Terraform 0.11's flatmap, which this provider does not read.
    Flatmap,
    /// Decoded under the current schema: attributes the state lacked are null.
    Decoded(Value),
    /// No state at all.
    Empty,
}

pub fn refuse_flatmap() -> Diagnostics {
    Diagnostics::from_error(
        "Unsupported state format",
        "This state was written by Terraform 0.11 or older (flatmap format), which this provider does not read.",
    )
}

/// `state` with each null attribute that has a default given it, and each absent nested block
/// collection given an empty one.
pub fn fill_absent(block: &Block, state: Value) -> Value {
    let Value::Object(mut attrs) = state else {
        return state;
    };
    for attribute in &block.attributes {
        let absent = attrs.get(&attribute.name).is_none_or(Value::is_null);
        if let (true, Some(default)) = (absent, &attribute.default) {
            attrs.insert(attribute.name.clone(), default.clone());
        }
    }
    for nested in &block.blocks {
        let value = attrs.remove(&nested.name).unwrap_or(Value::Null);
        let filled = match (nested.nesting, value) {
            (Nesting::Set, Value::Null) => Value::Set(Vec::new()),
            (Nesting::List, Value::Null) => Value::List(Vec::new()),
            (Nesting::Map, Value::Null) => Value::Map(Default::default()),
            (Nesting::Set, Value::Set(items)) => Value::Set(
                items
                    .into_iter()
                    .map(|item| fill_absent(&nested.block, item))
                    .collect(),
            ),
            (Nesting::List, Value::List(items)) => Value::List(
                items
                    .into_iter()
                    .map(|item| fill_absent(&nested.block, item))
                    .collect(),
            ),
            (_, value) => value,
        };
        attrs.insert(nested.name.clone(), filled);
    }
    Value::Object(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attribute, NestedBlock};
    use crate::value::Type;

    #[test]
    fn an_old_state_gets_defaults_and_empty_blocks() {
        let block = Block::new()
            .attribute(Attribute::required("user", Type::String))
            .attribute(Attribute::optional("host", Type::String).default(Value::string("%")))
            .block(NestedBlock::new(
                "database",
                Nesting::Set,
                Block::new().attribute(
                    Attribute::optional("grant_option", Type::Bool).default(Value::Bool(false)),
                ),
            ))
            .block(NestedBlock::new("timeouts", Nesting::Single, Block::new()));
        let old = Value::object([
            ("user", Value::string("app")),
            ("host", Value::Null),
            ("database", Value::Null),
            ("timeouts", Value::Null),
        ]);
        assert_eq!(
            fill_absent(&block, old),
            Value::object([
                ("user", Value::string("app")),
                ("host", Value::string("%")),
                ("database", Value::Set(vec![])),
                ("timeouts", Value::Null),
            ])
        );
        let with_block = Value::object([
            ("user", Value::string("app")),
            ("host", Value::string("10.0.0.%")),
            (
                "database",
                Value::Set(vec![Value::object([("grant_option", Value::Null)])]),
            ),
            ("timeouts", Value::Null),
        ]);
        let filled = fill_absent(&block, with_block);
        assert_eq!(filled.attr("host"), Some(&Value::string("10.0.0.%")));
        assert_eq!(
            filled.attr("database"),
            Some(&Value::Set(vec![Value::object([(
                "grant_option",
                Value::Bool(false)
            )])]))
        );
    }
}
