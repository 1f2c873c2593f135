//! Conversions between protobuf messages and the framework's native types.

use crate::framework::{
    Attribute, Block, Diagnostic, Diagnostics, Mode, NestedBlock, Nesting, Schema, Severity,
};
use crate::value::{
    decode_json, decode_msgpack, encode_msgpack, type_to_json, AttributePath, PathStep, Type, Value,
};

use super::proto::tfplugin6 as pb;

/// Decodes a DynamicValue: msgpack when present, else JSON, else null.
pub fn decode_dynamic(
    dynamic: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(dynamic) = dynamic else {
        return Ok(Value::Null);
    };
    let decoded = if !dynamic.msgpack.is_empty() {
        decode_msgpack(&dynamic.msgpack, ty)
    } else if !dynamic.json.is_empty() {
        decode_json(&dynamic.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| {
        let mut diags = Diagnostics::new();
        let summary = format!("Malformed {what} from Terraform");
        let detail = format!("The provider could not decode the {what}: {e}");
        if e.path().is_root() {
            diags.error(summary, detail);
        } else {
            diags.attribute_error(e.path().clone(), summary, detail);
        }
        diags
    })
}

pub fn encode_dynamic(value: &Value, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: encode_msgpack(value, ty),
        json: Vec::new(),
    }
}

pub fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.into_iter().map(diagnostic).collect()
}

fn diagnostic(d: Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary,
        detail: d.detail,
        attribute: d.path.as_ref().map(attribute_path),
    }
}

pub fn attribute_path(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps = path
        .steps
        .iter()
        .map(|step| pb::attribute_path::Step {
            selector: Some(match step {
                PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                PathStep::ElementKeyString(key) => Selector::ElementKeyString(key.clone()),
                PathStep::ElementKeyInt(index) => Selector::ElementKeyInt(*index),
            }),
        })
        .collect();
    pb::AttributePath { steps }
}

pub fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block, schema.version)),
    }
}

fn block(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: false,
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: type_to_json(&attribute.ty),
        description: attribute.description.clone(),
        required: attribute.mode == Mode::Required,
        optional: matches!(attribute.mode, Mode::Optional | Mode::OptionalComputed),
        computed: attribute.mode.is_computed(),
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: false,
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}
