//! Runs every attribute's validators over a configuration, with the path of each value.

use crate::value::{AttributePath, Value};

use super::diagnostics::Diagnostics;
use super::schema::{Block, Nesting};

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
        if value.is_null() || value.is_unknown() {
            continue;
        }
        let attribute_path = path.attribute(&attribute.name);
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
            // Terraform cannot point into a set element, so set diagnostics point at the block.
            (Nesting::Set, Value::Set(items)) => {
                for item in items {
                    validate_config(&nested.block, item, &nested_path, diags);
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
