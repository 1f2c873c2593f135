//! The provider server in native terms: what each Terraform RPC means, independent of the wire.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;

use crate::value::{AttributePath, Type, Value};

use super::data_source::DataSource;
use super::diagnostics::Diagnostics;
use super::generate::config_of_state;
use super::identity::IdentitySchema;
use super::list_resource::{ListResource, Listed};
use super::moves::{MovedState, Unmappable, MOVED_PRIVATE};
use super::plan::{plan_change, Plan};
use super::resource::{ApplyOutcome, Provider, Resource};
use super::schema::Schema;
use super::timeouts;
use super::upgrade::{fill_absent, refuse_flatmap, StoredState};
use super::validate::validate_config;

/// How many problems one validation reports before it only counts the rest.
const MAX_VALIDATION_DIAGNOSTICS: usize = 20;

struct RegisteredResource {
    resource: Arc<dyn Resource>,
    schema: Schema,
    value_type: Type,
    identity: Option<IdentitySchema>,
}

struct RegisteredDataSource {
    source: Arc<dyn DataSource>,
    schema: Schema,
    value_type: Type,
}

struct RegisteredList {
    lister: Arc<dyn ListResource>,
    config_schema: Schema,
    config_type: Type,
}

pub struct ProviderServer {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    resources: BTreeMap<&'static str, RegisteredResource>,
    data_sources: BTreeMap<&'static str, RegisteredDataSource>,
    lists: BTreeMap<&'static str, RegisteredList>,
    /// Set by StopProvider (Ctrl-C in Terraform): operations still running are abandoned.
    stopped: watch::Sender<bool>,
}

/// A planned change as Terraform receives it.
#[derive(Debug)]
pub struct PlanOutcome {
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

impl ProviderServer {
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let value_type = schema.value_type();
                let entry = RegisteredResource {
                    identity: resource.identity_schema(),
                    resource: resource.clone(),
                    schema,
                    value_type,
                };
                (resource.type_name(), entry)
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|source| {
                let schema = source.schema();
                let entry = RegisteredDataSource {
                    value_type: schema.value_type(),
                    source: source.clone(),
                    schema,
                };
                (source.type_name(), entry)
            })
            .collect();
        let lists = provider
            .list_resources()
            .into_iter()
            .map(|lister| {
                let config_schema = lister.config_schema();
                let entry = RegisteredList {
                    config_type: config_schema.value_type(),
                    lister: lister.clone(),
                    config_schema,
                };
                (lister.type_name(), entry)
            })
            .collect();
        ProviderServer {
            provider_schema: provider.schema(),
            provider,
            resources,
            data_sources,
            lists,
            stopped: watch::channel(false).0,
        }
    }

    pub fn provider_schema(&self) -> &Schema {
        &self.provider_schema
    }

    pub fn resource_schemas(&self) -> impl Iterator<Item = (&'static str, &Schema)> {
        self.resources
            .iter()
            .map(|(name, entry)| (*name, &entry.schema))
    }

    pub fn resource_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.resources.keys().copied()
    }

    fn resource(&self, type_name: &str) -> Result<&RegisteredResource, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            let known: Vec<&str> = self.resources.keys().copied().collect();
            Diagnostics::from_error(
                "Unknown resource type",
                format!(
                    "This provider has no resource type {type_name:?}; it offers {}.",
                    known.join(", ")
                ),
            )
        })
    }

    pub fn data_source_schemas(&self) -> impl Iterator<Item = (&'static str, &Schema)> {
        self.data_sources
            .iter()
            .map(|(name, entry)| (*name, &entry.schema))
    }

    fn data_source(&self, type_name: &str) -> Result<&RegisteredDataSource, Diagnostics> {
        self.data_sources.get(type_name).ok_or_else(|| {
            let known: Vec<&str> = self.data_sources.keys().copied().collect();
            Diagnostics::from_error(
                "Unknown data source",
                format!(
                    "This provider has no data source {type_name:?}; it offers {}.",
                    known.join(", ")
                ),
            )
        })
    }

    /// The type a data source's values are encoded with.
    pub fn data_source_value_type(&self, type_name: &str) -> Result<&Type, Diagnostics> {
        self.data_source(type_name).map(|entry| &entry.value_type)
    }

    pub fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.data_source(type_name) {
            Ok(entry) => validated(&entry.schema, config, |diags| {
                entry.source.validate(config, diags)
            }),
            Err(diags) => diags,
        }
    }

    /// The data source's value for `config`, or why it could not be read.
    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, Diagnostics> {
        let entry = self.data_source(type_name)?;
        self.unless_stopped(entry.source.read(config))
            .await
            .unwrap_or_else(|| Err(interrupted()))
    }

    /// The `config` block of each list resource.
    pub fn list_resource_schemas(&self) -> impl Iterator<Item = (&'static str, &Schema)> {
        self.lists
            .iter()
            .map(|(name, entry)| (*name, &entry.config_schema))
    }

    fn list_resource(&self, type_name: &str) -> Result<&RegisteredList, Diagnostics> {
        self.lists.get(type_name).ok_or_else(|| {
            let known: Vec<&str> = self.lists.keys().copied().collect();
            Diagnostics::from_error(
                "Unknown list resource",
                format!(
                    "This provider lists no resource type {type_name:?}; it lists {}.",
                    known.join(", ")
                ),
            )
        })
    }

    /// The type a list resource's `config` is encoded with.
    pub fn list_config_type(&self, type_name: &str) -> Result<&Type, Diagnostics> {
        self.list_resource(type_name)
            .map(|entry| &entry.config_type)
    }

    pub fn validate_list_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.list_resource(type_name) {
            Ok(entry) => validated(&entry.config_schema, config, |_| {}),
            Err(diags) => diags,
        }
    }

    /// Up to `limit` objects of the type, and the problem that stopped the listing, if any.
    pub async fn list(
        &self,
        type_name: &str,
        config: &Value,
        include_object: bool,
        limit: usize,
    ) -> (Vec<Listed>, Diagnostics) {
        let entry = match self.list_resource(type_name) {
            Ok(entry) => entry,
            Err(diags) => return (Vec::new(), diags),
        };
        self.unless_stopped(entry.lister.list(config, include_object, limit))
            .await
            .unwrap_or_else(|| (Vec::new(), interrupted()))
    }

    /// The type a resource's values are encoded with, to decode what Terraform sends.
    pub fn resource_value_type(&self, type_name: &str) -> Result<&Type, Diagnostics> {
        self.resource(type_name).map(|entry| &entry.value_type)
    }

    /// Every resource's identity schema, for those that publish one.
    pub fn identity_schemas(&self) -> impl Iterator<Item = (&'static str, &IdentitySchema)> {
        self.resources
            .iter()
            .filter_map(|(name, entry)| entry.identity.as_ref().map(|identity| (*name, identity)))
    }

    /// A resource's identity schema, when it publishes one.
    pub fn identity_schema(&self, type_name: &str) -> Option<&IdentitySchema> {
        self.resources.get(type_name)?.identity.as_ref()
    }

    pub fn resource_schema_version(&self, type_name: &str) -> Result<i64, Diagnostics> {
        self.resource(type_name).map(|entry| entry.schema.version)
    }

    pub fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        for entry in self.resources.values() {
            entry.resource.begin_walk();
        }
        validated(&self.provider_schema, config, |diags| {
            self.provider.validate(config, diags)
        })
    }

    pub async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        self.provider.configure(config, terraform_version).await
    }

    pub fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.resource(type_name) {
            Ok(entry) => validated(&entry.schema, config, |diags| {
                entry.resource.validate(config, diags)
            }),
            Err(diags) => diags,
        }
    }

    /// A stored state in the current schema: written by this schema version or an older one
    /// whose shape is unchanged, with what it lacks filled in.
    pub fn upgrade_state(
        &self,
        type_name: &str,
        version: i64,
        stored: StoredState,
    ) -> Result<Value, Diagnostics> {
        self.check_state_version(type_name, version)?;
        let entry = self.resource(type_name)?;
        match stored {
            StoredState::Flatmap => Err(refuse_flatmap()),
            StoredState::Empty | StoredState::Decoded(Value::Null) => Ok(Value::Null),
            StoredState::Decoded(state) => Ok(fill_absent(
                &entry.schema.block,
                entry.resource.upgrade_state(state),
            )),
        }
    }

    fn check_state_version(&self, type_name: &str, version: i64) -> Result<(), Diagnostics> {
        let current = self.resource_schema_version(type_name)?;
        if version > current {
            return Err(Diagnostics::from_error(
                "State written by a newer provider",
                format!(
                    "The state of this {type_name} has schema version {version}, but this provider only knows versions up to {current}. Upgrade the provider."
                ),
            ));
        }
        Ok(())
    }

    /// A refresh of `state`, whose private data (opaque to Terraform) is `private`: the state,
    /// what the read said, and the private data to store. A state a move made is marked
    /// [`MOVED_PRIVATE`] until its first read succeeds, which is the resource's `read_moved`.
    pub async fn read(
        &self,
        type_name: &str,
        state: &Value,
        private: Vec<u8>,
    ) -> (Value, Diagnostics, Vec<u8>) {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diags) => return (state.clone(), diags, private),
        };
        let after_move = private == MOVED_PRIVATE;
        let reading = async {
            if after_move {
                entry.resource.read_moved(state).await
            } else {
                entry.resource.read(state).await
            }
        };
        let (state, diags) = match self.unless_stopped(reading).await {
            Some(Ok(fresh)) => (carry_timeouts(state, fresh.state), fresh.warnings),
            Some(Err(diags)) => (state.clone(), diags),
            None => (state.clone(), interrupted()),
        };
        let private = if after_move && !diags.has_errors() {
            Vec::new()
        } else {
            private
        };
        (state, diags, private)
    }

    pub fn plan(
        &self,
        type_name: &str,
        prior: &Value,
        proposed: &Value,
        config: &Value,
    ) -> PlanOutcome {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return PlanOutcome {
                    planned: proposed.clone(),
                    requires_replace: Vec::new(),
                    diagnostics,
                }
            }
        };
        let Plan {
            planned,
            requires_replace,
        } = plan_change(&entry.schema.block, prior, proposed, config);
        PlanOutcome {
            planned,
            requires_replace,
            diagnostics: Diagnostics::new(),
        }
    }

    pub async fn apply(&self, type_name: &str, prior: &Value, planned: &Value) -> ApplyOutcome {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let resource = &entry.resource;
        let applying = async {
            match (prior.is_null(), planned.is_null()) {
                (true, true) => ApplyOutcome::done(Value::Null),
                (true, false) => resource.create(planned).await,
                (false, true) => resource.delete(prior).await,
                (false, false) => resource.update(prior, planned).await,
            }
        };
        // An interrupted apply may have changed part of the object; the prior state stays
        // recorded (an interrupted create's is the resource's to say), and the refresh before
        // the next plan reads what really happened.
        self.unless_stopped(applying).await.unwrap_or_else(|| {
            let state = match (prior.is_null(), planned.is_null()) {
                (true, false) => resource.abandoned_create(planned),
                _ => prior.clone(),
            };
            ApplyOutcome::failed(state, interrupted())
        })
    }

    pub async fn import(&self, type_name: &str, id: &str) -> Result<Value, Diagnostics> {
        let resource = &self.resource(type_name)?.resource;
        self.unless_stopped(resource.import(id))
            .await
            .unwrap_or_else(|| Err(interrupted()))
    }

    /// An import by identity (`import { identity = {...} }`): the identity stands for the
    /// string ID it names, which is imported and checked the same way.
    pub async fn import_by_identity(
        &self,
        type_name: &str,
        identity: &Value,
    ) -> Result<Value, Diagnostics> {
        let schema = self.identity_schema(type_name).ok_or_else(|| {
            Diagnostics::from_error(
                "Import by identity not supported",
                format!("{type_name} publishes no identity: import it by its ID."),
            )
        })?;
        let id = schema.import_id(identity).map_err(|why| {
            Diagnostics::from_error("Invalid import identity", format!("{type_name}: {why}."))
        })?;
        self.import(type_name, &id).await
    }

    /// A `moved` block from another provider's resource type: the target's state made from the
    /// source's, in the current schema, without calling the cloud (the provider is not even
    /// configured); the refresh that follows reads the truth.
    pub fn move_state(&self, target_type: &str, source: &MovedState) -> Result<Value, Diagnostics> {
        let entry = self.resource(target_type)?;
        let sources = entry.resource.move_sources();
        let refuse = |detail: String| Diagnostics::from_error("Cannot move this resource", detail);
        let Some(known) = sources.iter().find(|s| s.type_name == source.type_name) else {
            let takes = match sources {
                [] => "no resource type of another provider".to_owned(),
                _ => sources
                    .iter()
                    .map(|s| s.type_name)
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            return Err(refuse(format!(
                "A {} from {} cannot be moved to {target_type}, which takes over {takes}. Import the object instead (see the resource's Import section).",
                source.type_name, source.provider_address
            )));
        };
        if source.schema_version > known.max_schema_version {
            return Err(refuse(format!(
                "This {} state has schema version {}, written by a newer version of {} than this provider knows (up to version {}). Import the object instead.",
                source.type_name, source.schema_version, source.provider_address, known.max_schema_version
            )));
        }
        let state = entry.resource.move_state(source).map_err(|Unmappable { path, problem }| {
            let what = match path.as_str() {
                "" => format!("it {problem}"),
                path => format!("its `{path}` {problem}"),
            };
            refuse(format!(
                "The state of this {} cannot become a {target_type}: {what}. Import the object instead, or correct the source state.",
                source.type_name
            ))
        })?;
        Ok(fill_absent(&entry.schema.block, state))
    }

    /// The private data of a state [`Self::move_state`] made.
    pub fn moved_private(&self) -> Vec<u8> {
        MOVED_PRIVATE.to_vec()
    }

    /// The configuration that would produce `state` (`-generate-config-out`).
    pub fn generate_config(&self, type_name: &str, state: &Value) -> Result<Value, Diagnostics> {
        Ok(config_of_state(
            &self.resource(type_name)?.schema.block,
            state,
        ))
    }

    pub fn stop(&self) {
        self.stopped.send_replace(true);
        self.provider.stop();
    }

    /// Runs `operation` to its end, or gives `None` as soon as Terraform asks the provider to stop.
    async fn unless_stopped<F: Future>(&self, operation: F) -> Option<F::Output> {
        let mut stopped = self.stopped.subscribe();
        tokio::select! {
            output = operation => Some(output),
            _ = stopped.wait_for(|stopped| *stopped) => None,
        }
    }
}

/// What is wrong with `config` by `schema`, then by the checks that span attributes, bounded.
fn validated(
    schema: &Schema,
    config: &Value,
    spanning: impl FnOnce(&mut Diagnostics),
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    validate_config(&schema.block, config, &AttributePath::root(), &mut diags);
    spanning(&mut diags);
    diags.bounded(MAX_VALIDATION_DIAGNOSTICS)
}

fn interrupted() -> Diagnostics {
    Diagnostics::from_error(
        "Interrupted",
        "Terraform asked the provider to stop, so the operation was abandoned part-way. The next plan reads the real state and shows what is left to do.",
    )
}

/// `timeouts` is configuration only, never read from the cloud: a refresh keeps what the state had.
fn carry_timeouts(prior: &Value, fresh: Value) -> Value {
    match (prior.attr(timeouts::BLOCK_NAME), fresh) {
        (Some(configured), Value::Object(mut attrs)) => {
            attrs.insert(timeouts::BLOCK_NAME.to_string(), configured.clone());
            Value::Object(attrs)
        }
        (_, fresh) => fresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{ApplyOutcome, Attribute, Block, Refreshed};
    use async_trait::async_trait;
    use std::time::Duration;

    /// A resource whose cloud never answers.
    struct Hanging;

    #[async_trait]
    impl Resource for Hanging {
        fn type_name(&self) -> &'static str {
            "test_hanging"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                0,
                Block::new().attribute(Attribute::computed("id", Type::String)),
            )
        }
        async fn create(&self, _planned: &Value) -> ApplyOutcome {
            std::future::pending().await
        }
        async fn read(&self, _state: &Value) -> Result<Refreshed, Diagnostics> {
            std::future::pending().await
        }
        async fn update(&self, _prior: &Value, _planned: &Value) -> ApplyOutcome {
            std::future::pending().await
        }
        async fn delete(&self, _prior: &Value) -> ApplyOutcome {
            std::future::pending().await
        }
        async fn import(&self, _id: &str) -> Result<Value, Diagnostics> {
            std::future::pending().await
        }
    }

    struct OneResource;

    #[async_trait]
    impl Provider for OneResource {
        fn schema(&self) -> Schema {
            Schema::new(0, Block::new())
        }
        async fn configure(&self, _config: &Value, _terraform_version: &str) -> Diagnostics {
            Diagnostics::new()
        }
        fn resources(&self) -> Vec<Arc<dyn Resource>> {
            vec![Arc::new(Hanging)]
        }
    }

    #[tokio::test]
    async fn stop_provider_ends_a_running_apply_with_an_explanation_and_the_prior_state() {
        let server = Arc::new(ProviderServer::new(Arc::new(OneResource)));
        let prior = Value::object([("id", Value::string("x"))]);
        let applying = {
            let server = server.clone();
            let prior = prior.clone();
            tokio::spawn(async move { server.apply("test_hanging", &prior, &prior).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        server.stop();
        let outcome = tokio::time::timeout(Duration::from_secs(5), applying)
            .await
            .expect("the apply ends once stopped")
            .expect("task");
        assert_eq!(outcome.state, prior);
        assert!(outcome
            .diagnostics
            .to_string()
            .contains("Terraform asked the provider to stop"));
    }

    #[tokio::test]
    async fn a_read_keeps_the_configured_timeouts_the_cloud_knows_nothing_of() {
        let prior = Value::object([
            ("id", Value::string("x")),
            ("timeouts", Value::object([("create", Value::string("1m"))])),
        ]);
        let fresh = Value::object([("id", Value::string("x")), ("timeouts", Value::Null)]);
        assert_eq!(carry_timeouts(&prior, fresh), prior);
    }
}
