//! `data "clouddb_<system>_account_privileges"`: what one account holds now, in the shape its
//! resource records it, so a configuration can look an account up before it manages it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::framework::data_source::{projected, reading_schema};
use crate::framework::{
    quoted, Attribute, Block, DataSource, Diagnostic, Diagnostics, IdentitySchema, Resource, Schema,
};
use crate::value::{AttributePath, Type, Value};

/// An argument whose entries extend the import ID, for an API that reads only what it is
/// asked about: PostgreSQL's privileges, object by object.
pub struct ImportSuffix {
    pub name: &'static str,
    pub description: &'static str,
    /// Between the entries in the ID.
    pub separator: &'static str,
    /// What one entry must be, checked by the plan (an ID would split an entry that holds the
    /// separator, and say nothing of which entry was wrong).
    pub entry_rule: fn(&str) -> Result<(), String>,
}

/// The data source that reads what `resource` manages: the account is named by the resource's
/// identity attributes, and what it holds is what importing it would record.
pub struct AccountPrivileges {
    resource: Arc<dyn Resource>,
    identity: IdentitySchema,
    suffix: Option<ImportSuffix>,
    block: Block,
}

impl AccountPrivileges {
    /// `None` for a resource without an identity, which names no account to look up.
    pub fn reading(resource: Arc<dyn Resource>) -> Option<Self> {
        let identity = resource.identity_schema()?;
        let required: Vec<&str> = identity
            .attributes
            .iter()
            .filter(|a| a.required_for_import)
            .map(|a| a.name)
            .collect();
        let optional: Vec<&str> = identity
            .attributes
            .iter()
            .filter(|a| !a.required_for_import)
            .map(|a| a.name)
            .collect();
        let mut block = reading_schema(
            &resource.schema().block,
            &required,
            &optional,
            &["timeouts"],
        );
        block.description = format!(
            "What one account holds now, as the `{}` resource records it.",
            resource.type_name()
        );
        Some(AccountPrivileges {
            resource,
            identity,
            suffix: None,
            block,
        })
    }

    /// With an argument (a list of strings) whose entries end the import ID after a `#`.
    pub fn asking(mut self, suffix: ImportSuffix) -> Self {
        self.block = self.block.attribute(
            Attribute::optional(suffix.name, Type::List(Box::new(Type::String)))
                .description(suffix.description),
        );
        self.suffix = Some(suffix);
        self
    }

    /// The import ID of the account `config` names, with what it asks about.
    fn import_id(&self, config: &Value) -> Result<String, Diagnostics> {
        let mut id = self
            .identity
            .import_id(&self.identity.of(config))
            .map_err(|error| Diagnostics::from_error("Incomplete account name", error))?;
        let Some(suffix) = &self.suffix else {
            return Ok(id);
        };
        let entries: Vec<&str> = match config.attr(suffix.name) {
            Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !entries.is_empty() {
            id = format!("{id}#{}", entries.join(suffix.separator));
        }
        Ok(id)
    }
}

/// The import's words, said of a lookup.
fn as_lookup(diagnostics: Diagnostics) -> Diagnostics {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let summary = match diagnostic.summary.as_str() {
                "Cannot import non-existent account" => "No such account",
                "Invalid import ID" => "Invalid account name",
                other => other,
            };
            Diagnostic {
                summary: summary.to_owned(),
                ..diagnostic.clone()
            }
        })
        .collect()
}

#[async_trait]
impl DataSource for AccountPrivileges {
    fn type_name(&self) -> &'static str {
        self.resource.type_name()
    }

    fn schema(&self) -> Schema {
        Schema::new(0, self.block.clone())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(suffix) = &self.suffix else {
            return;
        };
        let Some(Value::List(entries)) = config.attr(suffix.name) else {
            return;
        };
        let path = AttributePath::root().attribute(suffix.name);
        for (i, entry) in entries.iter().enumerate() {
            let Some(text) = entry.as_str() else {
                continue;
            };
            if let Err(reason) = (suffix.entry_rule)(text) {
                let element = path.index(i64::try_from(i).unwrap_or(i64::MAX));
                let detail = format!("{element} = {} is not valid: {reason}.", quoted(text));
                diags.attribute_error(element, "Invalid object", detail);
            }
        }
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let id = self.import_id(config)?;
        let state = self.resource.import(&id).await.map_err(as_lookup)?;
        let mut value = projected(&state, &self.block);
        if let (Some(suffix), Value::Object(fields)) = (&self.suffix, &mut value) {
            let asked = config.attr(suffix.name).cloned().unwrap_or(Value::Null);
            fields.insert(suffix.name.to_owned(), asked);
        }
        Ok(value)
    }
}
