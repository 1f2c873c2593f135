//! The list resources of `terraform query` (Terraform 1.14 and later): for each resource type,
//! the accounts of one instance or cluster, each named by the resource's identity, and, when
//! asked, the resource value importing it would record, so that `terraform query
//! -generate-config-out` writes configuration that adopts what exists.

use std::sync::Arc;

use async_trait::async_trait;

use crate::data_sources::accounts::System;
use crate::framework::{
    Attribute, Block, Diagnostics, IdentitySchema, ListResource, Listed, Resource, Schema,
};
use crate::resources::clients::Clouds;
use crate::value::{Type, Value};

/// The accounts of one system, as one resource type's list.
pub struct AccountsList {
    system: System,
    resource: Arc<dyn Resource>,
    identity: IdentitySchema,
    clouds: Arc<Clouds>,
}

/// One list per resource type, each over its system's accounts.
pub fn all(clouds: Arc<Clouds>) -> Vec<Arc<dyn ListResource>> {
    let resources = crate::resources::all(clouds.clone());
    System::ALL
        .into_iter()
        .filter_map(|system| {
            let resource = resources
                .iter()
                .find(|resource| system.manages(resource.type_name()))?;
            Some(Arc::new(AccountsList {
                system,
                identity: resource.identity_schema()?,
                resource: resource.clone(),
                clouds: clouds.clone(),
            }) as Arc<dyn ListResource>)
        })
        .collect()
}

impl AccountsList {
    /// The identity of a listed account: the instance from the configuration, the rest from
    /// the account's fields of the same names.
    fn identity_of(&self, instance: &str, account: &Value) -> Value {
        let (argument, _) = self.system.argument();
        Value::object(self.identity.attributes.iter().map(|attribute| {
            let value = if attribute.name == argument {
                Value::String(instance.to_owned())
            } else {
                account.attr(attribute.name).cloned().unwrap_or(Value::Null)
            };
            (attribute.name, value)
        }))
    }
}

#[async_trait]
impl ListResource for AccountsList {
    fn type_name(&self) -> &'static str {
        self.resource.type_name()
    }

    fn config_schema(&self) -> Schema {
        let (argument, what) = self.system.argument();
        Schema::new(
            0,
            Block::new()
                .description(&format!(
                    "The accounts of one {what}, each as a `{}`.",
                    self.resource.type_name()
                ))
                .attribute(
                    Attribute::required(argument, Type::String)
                        .description(&format!("ID of the {what} whose accounts to list.")),
                ),
        )
    }

    async fn list(
        &self,
        config: &Value,
        include_object: bool,
        limit: usize,
    ) -> (Vec<Listed>, Diagnostics) {
        let (argument, _) = self.system.argument();
        let instance = config
            .attr(argument)
            .and_then(Value::as_str)
            .unwrap_or_default();
        let accounts = match self.system.list(&self.clouds, instance).await {
            Ok(accounts) => accounts,
            Err(diags) => return (Vec::new(), diags),
        };
        let mut listed = Vec::new();
        for account in accounts
            .iter()
            .filter(|a| self.system.can_manage(a))
            .take(limit)
        {
            let identity = self.identity_of(instance, account);
            let display_name = self
                .identity
                .attributes
                .iter()
                .skip(1)
                .filter_map(|a| identity.attr(a.name).and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("@");
            let object = if include_object {
                let id = match self.identity.import_id(&identity) {
                    Ok(id) => id,
                    Err(error) => {
                        return (listed, Diagnostics::from_error("Unnamed account", error))
                    }
                };
                match self.resource.import(&id).await {
                    Ok(object) => Some(object),
                    Err(diags) => return (listed, diags),
                }
            } else {
                None
            };
            listed.push(Listed {
                identity,
                display_name,
                object,
            });
        }
        (listed, Diagnostics::new())
    }
}
