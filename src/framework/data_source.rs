//! Data sources: what a configuration looks up (`data "<type>" "<name>" { ... }`), read anew in
//! every plan and never changed.

use async_trait::async_trait;

use crate::value::Value;

use super::diagnostics::Diagnostics;
use super::schema::{Attribute, Block, Mode, Nesting, Schema};

#[async_trait]
pub trait DataSource: Send + Sync {
    /// The type name users write, e.g. `clouddb_cdb_account_privileges`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks that span attributes; per-attribute checks are schema validators.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// The data source's value: the configuration's arguments as given, every computed
    /// attribute filled in.
    async fn read(&self, config: &Value) -> Result<Value, Diagnostics>;
}

/// The schema of a data source that reads what a resource manages: the `required` arguments
/// (with their descriptions and validators) are required, the `optional` ones may be left out
/// (the data source then says what applied), every other attribute is computed, and every
/// nested block becomes a computed attribute of the same value type (a list or set of
/// objects), so a resource's value is also the data source's. Blocks named in `left_out`
/// (such as `timeouts`) are not part of it.
pub fn reading_schema(
    resource: &Block,
    required: &[&str],
    optional: &[&str],
    left_out: &[&str],
) -> Block {
    let mut block = Block::new().description(&resource.description);
    for attribute in &resource.attributes {
        let mut attribute = attribute.clone();
        attribute.requires_replace = false;
        attribute.default = None;
        if required.contains(&attribute.name.as_str()) {
            attribute.mode = Mode::Required;
        } else if optional.contains(&attribute.name.as_str()) {
            attribute.mode = Mode::OptionalComputed;
        } else {
            attribute.mode = Mode::Computed;
            attribute.validators.clear();
        }
        block = block.attribute(attribute);
    }
    for nested in &resource.blocks {
        if left_out.contains(&nested.name.as_str()) {
            continue;
        }
        let ty = match nested.nesting {
            Nesting::Single => nested.block.value_type(),
            _ => nested.value_type(),
        };
        let kind = match nested.nesting {
            Nesting::Set => "a set of objects",
            Nesting::Map => "a map of objects",
            Nesting::List => "a list of objects",
            Nesting::Single => "an object",
        };
        let description = format!(
            "The `{}` entries, as {kind}{}",
            nested.name,
            if nested.block.description.is_empty() {
                ".".to_owned()
            } else {
                format!(": {}", nested.block.description)
            }
        );
        block = block.attribute(Attribute::computed(&nested.name, ty).description(&description));
    }
    block
}

/// The part of `value` (a resource value) that a data source of `block` shows.
pub fn projected(value: &Value, block: &Block) -> Value {
    Value::object(block.attributes.iter().map(|attribute| {
        let field = value.attr(&attribute.name).cloned().unwrap_or(Value::Null);
        (attribute.name.as_str(), field)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::NestedBlock;
    use crate::value::Type;

    #[test]
    fn arguments_are_required_and_the_rest_computed_blocks_as_attributes() {
        let resource = Block::new()
            .attribute(Attribute::computed("id", Type::String))
            .attribute(Attribute::required("instance_id", Type::String).requires_replace())
            .attribute(Attribute::optional(
                "global_privileges",
                Type::Set(Box::new(Type::String)),
            ))
            .block(NestedBlock::new(
                "database",
                Nesting::Set,
                Block::new().attribute(Attribute::required("database", Type::String)),
            ))
            .block(NestedBlock::new("timeouts", Nesting::Single, Block::new()));
        let data = reading_schema(&resource, &["instance_id"], &[], &["timeouts"]);
        let mode = |name: &str| data.find_attribute(name).map(|a| a.mode);
        assert_eq!(mode("instance_id"), Some(Mode::Required));
        assert_eq!(mode("global_privileges"), Some(Mode::Computed));
        assert_eq!(mode("database"), Some(Mode::Computed));
        assert_eq!(mode("timeouts"), None);
        assert!(data.blocks.is_empty());
        assert!(!data.find_attribute("instance_id").unwrap().requires_replace);
        let Type::Object(fields) = data.value_type() else {
            panic!("an object")
        };
        let Type::Object(resource_fields) = resource.value_type() else {
            panic!("an object")
        };
        assert_eq!(fields.get("database"), resource_fields.get("database"));
    }
}
