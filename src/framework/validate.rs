//! Runs every attribute's validators over a configuration, with the path of each value, and
//! refuses nulls where a value is needed: a required attribute, or an element of a collection.
//! Terraform itself only checks that a required argument is written, so `user = var.name` with
//! a null variable would otherwise reach apply.

use crate::value::{AttributePath, Value};

use super::diagnostics::Diagnostics;
use super::quoted::quoted;
use super::schema::{Attribute, Block, Mode, Nesting};

pub fn validate_config(
    block: &Block,
    config: &Value,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    for attribute in &block.attributes {
        let Some(value) = config.attr(&attribute.name) else {
            continue;
        };
        let attribute_path = path.attribute(&attribute.name);
        if value.is_null() {
            refuse_required_null(attribute, &attribute_path, diags);
            continue;
        }
        if value.is_unknown() {
            continue;
        }
        if refuse_null_elements(value, &attribute_path, diags) {
            continue;
        }
        for validator in &attribute.validators {
            validator.validate(value, &attribute_path, diags);
        }
    }
    for nested in &block.blocks {
        let Some(value) = config.attr(&nested.name) else {
            continue;
        };
        let nested_path = path.attribute(&nested.name);
        match (nested.nesting, value) {
            (Nesting::Single, Value::Object(_)) => {
                validate_config(&nested.block, value, &nested_path, diags)
            }
            (Nesting::List, Value::List(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let index = i64::try_from(i).unwrap_or(i64::MAX);
                    validate_config(&nested.block, item, &nested_path.index(index), diags);
                }
            }
            // Terraform cannot point into a set element, so set diagnostics point at the block
            // and say which of its blocks they are about.
            (Nesting::Set, Value::Set(items)) => {
                for item in items {
                    let mut found = Diagnostics::new();
                    validate_config(&nested.block, item, &nested_path, &mut found);
                    diags.extend(found.prefixed(&block_named_by(&nested.name, item)));
                }
            }
            (Nesting::Map, Value::Map(entries)) => {
                for (key, item) in entries {
                    validate_config(&nested.block, item, &nested_path.key(key), diags);
                }
            }
            _ => {}
        }
    }
}

/// `In the database block with database = "shop": `, from the block's known strings.
fn block_named_by(name: &str, block: &Value) -> String {
    let Value::Object(fields) = block else {
        return String::new();
    };
    let names: Vec<String> = fields
        .iter()
        .filter_map(|(field, value)| {
            value
                .as_str()
                .map(|text| format!("{field} = {}", quoted(text)))
        })
        .collect();
    match names.is_empty() {
        true => String::new(),
        false => format!("In the {name} block with {}: ", names.join(", ")),
    }
}

fn refuse_required_null(attribute: &Attribute, path: &AttributePath, diags: &mut Diagnostics) {
    if attribute.mode != Mode::Required {
        return;
    }
    diags.attribute_error(
        path.clone(),
        "Null value",
        format!("{path} is null, but it is required. The variable or expression that sets it gave null: give it a value."),
    );
}

/// Reports every null element of a list, set or map, at any depth (the validators skip them);
/// true when there was one.
fn refuse_null_elements(value: &Value, path: &AttributePath, diags: &mut Diagnostics) -> bool {
    let mut found = false;
    match value {
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let index = i64::try_from(i).unwrap_or(i64::MAX);
                let element = path.index(index);
                if item.is_null() {
                    let detail = format!("{element} is null: every element of {path} must be a value. Remove it, or give it one.");
                    diags.attribute_error(element, "Null value", detail);
                    found = true;
                } else {
                    found |= refuse_null_elements(item, &element, diags);
                }
            }
        }
        // Terraform cannot point into a set, so a null element is reported at the set.
        Value::Set(items) => {
            if items.iter().any(Value::is_null) {
                diags.attribute_error(
                    path.clone(),
                    "Null value",
                    format!("{path} contains null: every element must be a value. Remove it, or give it one."),
                );
                found = true;
            }
            for item in items {
                found |= refuse_null_elements(item, path, diags);
            }
        }
        Value::Map(entries) => {
            for (key, item) in entries {
                let element = path.key(key);
                if item.is_null() {
                    let detail = format!("{element} is null: every key of {path} needs a value. Give {key:?} one, or remove the key.");
                    diags.attribute_error(element, "Null value", detail);
                    found = true;
                } else {
                    found |= refuse_null_elements(item, &element, diags);
                }
            }
        }
        _ => {}
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Type;

    fn schema() -> Block {
        Block::new()
            .attribute(Attribute::required("user", Type::String))
            .attribute(Attribute::optional("note", Type::String))
            .attribute(Attribute::optional(
                "grants",
                Type::Map(Box::new(Type::String)),
            ))
            .attribute(Attribute::optional(
                "names",
                Type::Set(Box::new(Type::String)),
            ))
    }

    fn errors(config: Value) -> Vec<(String, String)> {
        let mut diags = Diagnostics::new();
        validate_config(&schema(), &config, &AttributePath::root(), &mut diags);
        diags
            .iter()
            .map(|d| {
                let path = d.path.as_ref().map(ToString::to_string).unwrap_or_default();
                (path, d.detail.clone())
            })
            .collect()
    }

    #[test]
    fn a_required_attribute_set_to_null_is_refused_by_name() {
        let config = Value::object([
            ("user", Value::Null),
            ("note", Value::Null),
            ("grants", Value::Null),
            ("names", Value::Null),
        ]);
        let found = errors(config);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "user");
        assert!(found[0].1.starts_with("user is null, but it is required."));
    }

    #[test]
    fn null_elements_of_maps_and_sets_are_refused() {
        let config = Value::object([
            ("user", Value::string("app")),
            ("note", Value::Null),
            (
                "grants",
                Value::Map(
                    [
                        ("shop".to_string(), Value::Null),
                        ("logs".to_string(), Value::string("ReadOnly")),
                    ]
                    .into(),
                ),
            ),
            ("names", Value::Set(vec![Value::string("a"), Value::Null])),
        ]);
        let found = errors(config);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "grants[\"shop\"]");
        assert!(found[0].1.contains("Give \"shop\" one, or remove the key"));
        assert_eq!(found[1].0, "names");
        assert!(found[1].1.starts_with("names contains null"));
    }

    #[test]
    fn nulls_deep_inside_nested_maps_are_refused() {
        let block = Block::new().attribute(Attribute::optional(
            "tables",
            Type::Map(Box::new(Type::Map(Box::new(Type::Set(Box::new(
                Type::String,
            )))))),
        ));
        let orders = Value::Map([("orders".to_string(), Value::Null)].into());
        let users = Value::Map([("users".to_string(), Value::Set(vec![Value::Null]))].into());
        let config = Value::object([(
            "tables",
            Value::Map([("shop".to_string(), orders), ("logs".to_string(), users)].into()),
        )]);
        let mut diags = Diagnostics::new();
        validate_config(&block, &config, &AttributePath::root(), &mut diags);
        let paths: Vec<String> = diags
            .iter()
            .filter_map(|d| d.path.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(
            paths,
            vec![
                "tables[\"logs\"][\"users\"]",
                "tables[\"shop\"][\"orders\"]"
            ]
        );
    }

    #[test]
    fn unknown_values_wait_for_the_plan() {
        let config = Value::object([
            ("user", Value::Unknown),
            ("note", Value::Null),
            ("grants", Value::Unknown),
            ("names", Value::Set(vec![Value::Unknown])),
        ]);
        assert!(errors(config).is_empty());
    }
}
