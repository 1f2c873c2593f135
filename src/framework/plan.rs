//! Generic planning rules, applied once for every resource: configured values are kept exactly,
//! computed values the user left out get their default, their prior value, or become unknown,
//! and a change to a replace-forcing attribute plans a replacement.

use std::collections::BTreeMap;

use crate::value::{semantically_equal, AttributePath, Value};

use super::schema::{Block, Nesting};

#[derive(Debug)]
pub struct Plan {
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
}

pub fn plan_change(block: &Block, prior: &Value, proposed: &Value, config: &Value) -> Plan {
    if proposed.is_null() {
        return Plan {
            planned: Value::Null,
            requires_replace: Vec::new(),
        };
    }
    let creating = prior.is_null();
    let planned = plan_object(block, proposed, config, creating);
    let requires_replace = if creating {
        Vec::new()
    } else {
        replace_triggers(block, prior, &planned)
    };
    if requires_replace.is_empty() {
        return Plan {
            planned,
            requires_replace,
        };
    }
    // The replacement is a new object: its computed values are not the old object's.
    Plan {
        planned: plan_object(block, proposed, config, true),
        requires_replace,
    }
}

fn replace_triggers(block: &Block, prior: &Value, planned: &Value) -> Vec<AttributePath> {
    block
        .attributes
        .iter()
        .filter(|a| a.requires_replace)
        .filter(|a| {
            let before = prior.attr(&a.name).unwrap_or(&Value::Null);
            let after = planned.attr(&a.name).unwrap_or(&Value::Null);
            !semantically_equal(before, after)
        })
        .map(|a| AttributePath::root().attribute(&a.name))
        .collect()
}

fn plan_object(block: &Block, proposed: &Value, config: &Value, creating: bool) -> Value {
    let Value::Object(proposed_attrs) = proposed else {
        return proposed.clone();
    };
    let mut planned: BTreeMap<String, Value> = proposed_attrs.clone();
    for attribute in &block.attributes {
        let configured = config.attr(&attribute.name).unwrap_or(&Value::Null);
        if !attribute.mode.is_computed() || !configured.is_null() {
            continue;
        }
        let value = match (&attribute.default, creating) {
            (Some(default), _) => default.clone(),
            (None, true) => Value::Unknown,
            (None, false) => continue,
        };
        planned.insert(attribute.name.clone(), value);
    }
    for nested in &block.blocks {
        let Some(value) = planned.get(&nested.name) else {
            continue;
        };
        let nested_config = config.attr(&nested.name).unwrap_or(&Value::Null);
        let value = plan_nested(
            &nested.block,
            nested.nesting,
            value,
            nested_config,
            creating,
        );
        planned.insert(nested.name.clone(), value);
    }
    Value::Object(planned)
}

fn plan_nested(
    block: &Block,
    nesting: Nesting,
    proposed: &Value,
    config: &Value,
    creating: bool,
) -> Value {
    match (nesting, proposed) {
        (Nesting::Single, Value::Object(_)) => plan_object(block, proposed, config, creating),
        (Nesting::List, Value::List(items)) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let item_config = config
                        .elements()
                        .and_then(|c| c.get(i))
                        .unwrap_or(&Value::Null);
                    plan_object(block, item, item_config, creating)
                })
                .collect(),
        ),
        // Set elements cannot be matched to their configuration or prior state, and map
        // elements are rarely computed: they are planned as Terraform proposes them.
        _ => proposed.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attribute, Block};
    use crate::value::Type;

    fn schema() -> Block {
        Block::new()
            .attribute(Attribute::computed("id", Type::String))
            .attribute(Attribute::required("cluster", Type::String).requires_replace())
            .attribute(Attribute::optional("note", Type::String))
            .attribute(
                Attribute::optional_computed("host", Type::String).default(Value::string("%")),
            )
    }

    fn object(id: Value, cluster: &str, note: Value, host: Value) -> Value {
        Value::object([
            ("id", id),
            ("cluster", Value::string(cluster)),
            ("note", note),
            ("host", host),
        ])
    }

    #[test]
    fn a_new_resource_plans_its_id_as_unknown_and_defaults_what_was_left_out() {
        let config = object(Value::Null, "pc-1", Value::Null, Value::Null);
        let plan = plan_change(&schema(), &Value::Null, &config, &config);
        assert_eq!(
            plan.planned,
            object(Value::Unknown, "pc-1", Value::Null, Value::string("%"))
        );
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn an_update_keeps_the_prior_id_and_the_configured_values() {
        let prior = object(
            Value::string("pc-1#a"),
            "pc-1",
            Value::Null,
            Value::string("%"),
        );
        let config = object(
            Value::Null,
            "pc-1",
            Value::string("hi"),
            Value::string("10.0.0.%"),
        );
        let proposed = object(
            Value::string("pc-1#a"),
            "pc-1",
            Value::string("hi"),
            Value::string("10.0.0.%"),
        );
        let plan = plan_change(&schema(), &prior, &proposed, &config);
        assert_eq!(plan.planned, proposed);
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn changing_a_replace_forcing_attribute_plans_a_new_object() {
        let prior = object(
            Value::string("pc-1#a"),
            "pc-1",
            Value::Null,
            Value::string("%"),
        );
        let config = object(Value::Null, "pc-2", Value::Null, Value::Null);
        let proposed = object(Value::string("pc-1#a"), "pc-2", Value::Null, Value::Null);
        let plan = plan_change(&schema(), &prior, &proposed, &config);
        assert_eq!(
            plan.requires_replace,
            vec![AttributePath::root().attribute("cluster")]
        );
        assert_eq!(plan.planned.attr("id"), Some(&Value::Unknown));
    }

    #[test]
    fn a_destroy_plans_null() {
        let prior = object(
            Value::string("pc-1#a"),
            "pc-1",
            Value::Null,
            Value::string("%"),
        );
        let plan = plan_change(&schema(), &prior, &Value::Null, &Value::Null);
        assert_eq!(plan.planned, Value::Null);
    }
}
