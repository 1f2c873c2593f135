//! Configuration generated from a state (`terraform plan -generate-config-out`, and `terraform
//! query -generate-config-out` on Terraform 1.14 and later): what a user would write to get
//! exactly this state, so that the written configuration plans clean.

use crate::value::Value;

use super::schema::{Block, Mode};

/// `state` without what a user does not write: attributes only the provider sets, and
/// attributes that hold their default (a null configuration plans the default again).
pub fn config_of_state(block: &Block, state: &Value) -> Value {
    let Value::Object(attrs) = state else {
        return state.clone();
    };
    let mut config = attrs.clone();
    for attribute in &block.attributes {
        let at_default =
            attribute.default.is_some() && attrs.get(&attribute.name) == attribute.default.as_ref();
        if attribute.mode == Mode::Computed || at_default {
            config.insert(attribute.name.clone(), Value::Null);
        }
    }
    for nested in &block.blocks {
        if let Some(value) = attrs.get(&nested.name) {
            let generated = match value {
                Value::List(items) => Value::List(
                    items
                        .iter()
                        .map(|i| config_of_state(&nested.block, i))
                        .collect(),
                ),
                Value::Set(items) => Value::Set(
                    items
                        .iter()
                        .map(|i| config_of_state(&nested.block, i))
                        .collect(),
                ),
                Value::Map(items) => Value::Map(
                    items
                        .iter()
                        .map(|(key, i)| (key.clone(), config_of_state(&nested.block, i)))
                        .collect(),
                ),
                other => config_of_state(&nested.block, other),
            };
            config.insert(nested.name.clone(), generated);
        }
    }
    Value::Object(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Attribute, NestedBlock, Nesting};
    use crate::value::Type;

    #[test]
    fn what_the_provider_sets_and_defaults_are_left_out() {
        let scope = Block::new()
            .attribute(Attribute::required("name", Type::String))
            .attribute(Attribute::computed("serial", Type::String));
        let block = Block::new()
            .attribute(Attribute::computed("id", Type::String))
            .attribute(Attribute::required("user", Type::String))
            .attribute(
                Attribute::optional_computed("host", Type::String).default(Value::string("%")),
            )
            .block(NestedBlock::new("scope", Nesting::Set, scope));
        let state = |host: &str| {
            Value::object([
                ("id", Value::string("i#app#%")),
                ("user", Value::string("app")),
                ("host", Value::string(host)),
                (
                    "scope",
                    Value::Set(vec![Value::object([
                        ("name", Value::string("shop")),
                        ("serial", Value::string("7")),
                    ])]),
                ),
            ])
        };
        let config = config_of_state(&block, &state("%"));
        assert_eq!(config.attr("id"), Some(&Value::Null));
        assert_eq!(config.attr("host"), Some(&Value::Null));
        assert_eq!(config.attr("user"), Some(&Value::string("app")));
        let scope = &config
            .attr("scope")
            .and_then(Value::elements)
            .expect("scope")[0];
        assert_eq!(scope.attr("serial"), Some(&Value::Null));
        assert_eq!(scope.attr("name"), Some(&Value::string("shop")));
        let other_host = config_of_state(&block, &state("10.0.0.%"));
        assert_eq!(other_host.attr("host"), Some(&Value::string("10.0.0.%")));
    }
}
