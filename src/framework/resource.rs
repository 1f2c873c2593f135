//! The traits a provider and its resources implement; no protobuf types, only values and diagnostics.

use std::sync::Arc;

use async_trait::async_trait;

use crate::value::Value;

use super::data_source::DataSource;
use super::diagnostics::Diagnostics;
use super::identity::IdentitySchema;
use super::list_resource::ListResource;
use super::moves::{MoveSource, MovedState, Unmappable};
use super::schema::Schema;

/// What an apply left behind: the object as it now exists (null when there is none) and what went wrong.
///
/// A failed apply still reports the real state, so Terraform records what was changed before the failure.
#[derive(Debug)]
pub struct ApplyOutcome {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

impl ApplyOutcome {
    pub fn done(state: Value) -> Self {
        ApplyOutcome {
            state,
            diagnostics: Diagnostics::new(),
        }
    }

    pub fn failed(state: Value, diagnostics: Diagnostics) -> Self {
        ApplyOutcome { state, diagnostics }
    }
}

/// What a refresh found: the object as it now exists (null when it is gone), and warnings to
/// show beside it, e.g. about a part of the object that vanished and was dropped from it.
#[derive(Debug)]
pub struct Refreshed {
    pub state: Value,
    pub warnings: Diagnostics,
}

impl Refreshed {
    pub fn clean(state: Value) -> Self {
        Refreshed {
            state,
            warnings: Diagnostics::new(),
        }
    }
}

#[async_trait]
pub trait Resource: Send + Sync {
    /// The resource type name users write, e.g. `clouddb_polardb_account_grant`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// The attributes that name the resource's remote object, for Terraform 1.12 and later;
    /// `None` publishes no identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Checks that span attributes; per-attribute checks are schema validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn create(&self, planned: &Value) -> ApplyOutcome;

    /// The object as it exists now (null when it is gone), with any warnings about it.
    async fn read(&self, state: &Value) -> Result<Refreshed, Diagnostics>;

    /// The first read of a state that a move made from another provider's resource: by default
    /// an ordinary read. A resource whose refresh reads only what the state names reads
    /// everything here, since the source may have recorded only part of what the object holds.
    async fn read_moved(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        self.read(state).await
    }

    async fn update(&self, prior: &Value, planned: &Value) -> ApplyOutcome;

    /// Removes the object; the outcome's state is null unless something is left.
    async fn delete(&self, prior: &Value) -> ApplyOutcome;

    /// A partial state built from an import ID; Terraform reads it afterwards to fill in the rest.
    async fn import(&self, id: &str) -> Result<Value, Diagnostics>;

    /// The state to record when Terraform stops the provider during a create: none, unless the
    /// create may already have changed the object. Such a resource records what it asked for,
    /// so that Terraform keeps it (tainted) rather than forgets a change that may be under way,
    /// and the refresh before the next plan reads what really happened.
    fn abandoned_create(&self, _planned: &Value) -> Value {
        Value::Null
    }

    /// A new walk begins (validate, plan, apply, import): Terraform validates the provider's
    /// configuration first in each. A resource that remembers what it saw in one walk (the
    /// accounts configured, the objects claimed) starts afresh, since one debug-mode process
    /// serves many walks.
    fn begin_walk(&self) {}

    /// Fills in what an older or hand-edited state lacks and only this resource can derive
    /// (e.g. from its ID); schema defaults and empty blocks are filled in after it.
    fn upgrade_state(&self, state: Value) -> Value {
        state
    }

    /// The resource types of other providers whose state this one takes over in a `moved` block.
    fn move_sources(&self) -> &'static [MoveSource] {
        &[]
    }

    /// This resource's state made from the stored state of one of its `move_sources`, without
    /// calling the cloud: the refresh that follows reads what the object really holds.
    fn move_state(&self, _source: &MovedState) -> Result<Value, Unmappable> {
        Err(Unmappable {
            path: String::new(),
            problem: "is not a state this resource takes over".into(),
        })
    }
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn schema(&self) -> Schema;

    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics;

    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        Vec::new()
    }

    /// Terraform asks running operations to wind down (Ctrl-C).
    fn stop(&self) {}
}
