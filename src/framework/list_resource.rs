//! List resources (protocol 6.10, `terraform query`, Terraform 1.14 and later): the remote
//! objects of a managed resource type, each named by its identity, so that existing objects can
//! be found and adopted.

use async_trait::async_trait;

use crate::value::Value;

use super::diagnostics::Diagnostics;
use super::schema::Schema;

/// One remote object a listing found.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// The object's identity, in the managed resource's identity schema.
    pub identity: Value,
    pub display_name: String,
    /// The managed resource's value for the object, when it was asked for.
    pub object: Option<Value>,
}

#[async_trait]
pub trait ListResource: Send + Sync {
    /// The managed resource type it lists, which has an identity schema.
    fn type_name(&self) -> &'static str;

    /// The `config` block of a `list` block.
    fn config_schema(&self) -> Schema;

    /// Up to `limit` objects in the API's order, with their resource values if `include_object`,
    /// and the problem that stopped the listing early, if one did.
    async fn list(
        &self,
        config: &Value,
        include_object: bool,
        limit: usize,
    ) -> (Vec<Listed>, Diagnostics);
}
