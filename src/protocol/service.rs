//! The tfplugin6 Provider service: decode the request, call the framework, encode the answer.

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;

use tonic::{Request, Response, Status};

use crate::framework::{
    refuse_flatmap, Diagnostics, IdentitySchema, MovedState, ProviderServer, StoredState,
};
use crate::value::{decode_json, type_to_json, Type, Value};

use super::convert::{attribute_path, decode_dynamic, diagnostics, encode_dynamic, schema};
use super::proto::tfplugin6 as pb;
use super::proto::tfplugin6::provider_server::Provider;

type Reply<T> = Result<Response<T>, Status>;

pub struct ProviderService {
    server: Arc<ProviderServer>,
}

impl ProviderService {
    pub fn new(server: Arc<ProviderServer>) -> Self {
        ProviderService { server }
    }

    fn server_capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: true,
            generate_resource_config: true,
        }
    }

    fn resource_type(&self, type_name: &str) -> Result<Type, Diagnostics> {
        self.server.resource_value_type(type_name).cloned()
    }

    /// An import by its string ID, or (Terraform 1.12 and later, `import { identity = ... }`,
    /// which sends an empty ID) by identity.
    async fn import(
        &self,
        request: &pb::import_resource_state::Request,
    ) -> Result<Value, Diagnostics> {
        let by_identity = request
            .identity
            .as_ref()
            .and_then(|i| i.identity_data.as_ref());
        match (
            request.id.is_empty(),
            by_identity,
            self.server.identity_schema(&request.type_name),
        ) {
            (true, Some(data), Some(schema)) => {
                let identity = decode_dynamic(Some(data), &schema.value_type(), "import identity")?;
                self.server
                    .import_by_identity(&request.type_name, &identity)
                    .await
            }
            _ => self.server.import(&request.type_name, &request.id).await,
        }
    }

    /// The identity of a resource value, for Terraform 1.12 and later (older ones ignore the
    /// field); none for a null value or a resource without identity.
    fn identity_of(&self, type_name: &str, state: &Value) -> Option<pb::ResourceIdentityData> {
        let schema = self.server.identity_schema(type_name)?;
        let identity = schema.of(state);
        (!identity.is_null()).then(|| pb::ResourceIdentityData {
            identity_data: Some(encode_dynamic(&identity, &schema.value_type())),
        })
    }
}

/// The events of one ListResource call, as Terraform reads them.
type ListEvents = Pin<Box<dyn Stream<Item = Result<pb::list_resource::Event, Status>> + Send>>;

impl ProviderService {
    /// Each object found as an event with its identity (and its value when asked), then, if
    /// the listing stopped on a problem, one event carrying it.
    async fn list_events(
        &self,
        request: &pb::list_resource::Request,
    ) -> Vec<pb::list_resource::Event> {
        let type_name = &request.type_name;
        let problem = |diags: Diagnostics| pb::list_resource::Event {
            identity: None,
            display_name: String::new(),
            resource_object: None,
            diagnostic: diagnostics(diags),
        };
        let (Some(identity), Ok(resource_type)) = (
            self.server
                .identity_schema(type_name)
                .map(IdentitySchema::value_type),
            self.resource_type(type_name),
        ) else {
            return vec![problem(Diagnostics::from_error(
                "Unknown list resource",
                format!("This provider lists no resource type {type_name:?}."),
            ))];
        };
        let config = match self
            .server
            .list_config_type(type_name)
            .cloned()
            .and_then(|ty| decode_dynamic(request.config.as_ref(), &ty, "list configuration"))
        {
            Ok(config) => config,
            Err(diags) => return vec![problem(diags)],
        };
        let limit = usize::try_from(request.limit).unwrap_or(0);
        let (listed, diags) = self
            .server
            .list(type_name, &config, request.include_resource_object, limit)
            .await;
        let mut events: Vec<pb::list_resource::Event> = listed
            .into_iter()
            .map(|listed| pb::list_resource::Event {
                identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(encode_dynamic(&listed.identity, &identity)),
                }),
                display_name: listed.display_name,
                resource_object: listed
                    .object
                    .map(|object| encode_dynamic(&object, &resource_type)),
                diagnostic: Vec::new(),
            })
            .collect();
        if !diags.is_empty() {
            events.push(problem(diags));
        }
        events
    }
}

#[tonic::async_trait]
impl Provider for ProviderService {
    type ListResourceStream = ListEvents;

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Reply<Self::ListResourceStream> {
        let events = self.list_events(request.get_ref()).await;
        let stream: ListEvents = Box::pin(tokio_stream::iter(events.into_iter().map(Ok)));
        Ok(Response::new(stream))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Reply<pb::validate_list_resource_config::Response> {
        let request = request.get_ref();
        let diags = self
            .server
            .list_config_type(&request.type_name)
            .cloned()
            .and_then(|ty| decode_dynamic(request.config.as_ref(), &ty, "list configuration"))
            .map(|config| {
                self.server
                    .validate_list_config(&request.type_name, &config)
            })
            .unwrap_or_else(|diags| diags);
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        let resources = self
            .server
            .resource_names()
            .map(|name| pb::get_metadata::ResourceMetadata {
                type_name: name.to_string(),
            })
            .collect();
        let data_sources = self
            .server
            .data_source_schemas()
            .map(|(name, _)| pb::get_metadata::DataSourceMetadata {
                type_name: name.to_string(),
            })
            .collect();
        let list_resources = self
            .server
            .list_resource_schemas()
            .map(|(name, _)| pb::get_metadata::ListResourceMetadata {
                type_name: name.to_string(),
            })
            .collect();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(Self::server_capabilities()),
            diagnostics: Vec::new(),
            data_sources,
            resources,
            list_resources,
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        let resource_schemas = self
            .server
            .resource_schemas()
            .map(|(name, s)| (name.to_string(), schema(s)))
            .collect();
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema(self.server.provider_schema())),
            resource_schemas,
            data_source_schemas: self
                .server
                .data_source_schemas()
                .map(|(name, s)| (name.to_string(), schema(s)))
                .collect(),
            diagnostics: Vec::new(),
            provider_meta: None,
            server_capabilities: Some(Self::server_capabilities()),
            list_resource_schemas: self
                .server
                .list_resource_schemas()
                .map(|(name, s)| (name.to_string(), schema(s)))
                .collect(),
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        let ty = self.server.provider_schema().value_type();
        let diags = match decode_dynamic(
            request.get_ref().config.as_ref(),
            &ty,
            "provider configuration",
        ) {
            Ok(config) => self.server.validate_provider_config(&config),
            Err(diags) => diags,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        let request = request.get_ref();
        let diags = self
            .resource_type(&request.type_name)
            .and_then(|ty| decode_dynamic(request.config.as_ref(), &ty, "resource configuration"))
            .map(|config| {
                self.server
                    .validate_resource_config(&request.type_name, &config)
            })
            .unwrap_or_else(|diags| diags);
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Reply<pb::validate_data_resource_config::Response> {
        let request = request.get_ref();
        let diags = self
            .server
            .data_source_value_type(&request.type_name)
            .cloned()
            .and_then(|ty| {
                decode_dynamic(request.config.as_ref(), &ty, "data source configuration")
            })
            .map(|config| {
                self.server
                    .validate_data_source_config(&request.type_name, &config)
            })
            .unwrap_or_else(|diags| diags);
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Reply<pb::upgrade_resource_state::Response> {
        let request = request.get_ref();
        let upgraded = self.resource_type(&request.type_name).and_then(|ty| {
            let stored = match request.raw_state.as_ref() {
                Some(raw) if !raw.json.is_empty() => {
                    StoredState::Decoded(decode_json(&raw.json, &ty).map_err(|e| {
                        Diagnostics::from_error(
                            "Malformed prior state",
                            format!("The stored state could not be read: {e}"),
                        )
                    })?)
                }
                Some(raw) if !raw.flatmap.is_empty() => StoredState::Flatmap,
                _ => StoredState::Empty,
            };
            let state = self
                .server
                .upgrade_state(&request.type_name, request.version, stored)?;
            Ok(encode_dynamic(&state, &ty))
        });
        let (upgraded_state, diags) = split(upgraded);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics(diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        let request = request.get_ref();
        let ty = self.server.provider_schema().value_type();
        let diags = match decode_dynamic(request.config.as_ref(), &ty, "provider configuration") {
            Ok(config) => {
                self.server
                    .configure(&config, &request.terraform_version)
                    .await
            }
            Err(diags) => diags,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Reply<pb::read_resource::Response> {
        let request = request.into_inner();
        let ty = match self.resource_type(&request.type_name) {
            Ok(ty) => ty,
            Err(diags) => return Ok(Response::new(read_failed(request, diags))),
        };
        let state = match decode_dynamic(request.current_state.as_ref(), &ty, "current state") {
            Ok(state) => state,
            Err(diags) => return Ok(Response::new(read_failed(request, diags))),
        };
        let (new_state, diags, private) = self
            .server
            .read(&request.type_name, &state, request.private)
            .await;
        Ok(Response::new(pb::read_resource::Response {
            new_identity: self.identity_of(&request.type_name, &new_state),
            new_state: Some(encode_dynamic(&new_state, &ty)),
            diagnostics: diagnostics(diags),
            private,
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let request = request.into_inner();
        let planned = self.resource_type(&request.type_name).and_then(|ty| {
            let prior = decode_dynamic(request.prior_state.as_ref(), &ty, "prior state")?;
            let proposed = decode_dynamic(
                request.proposed_new_state.as_ref(),
                &ty,
                "proposed new state",
            )?;
            let config = decode_dynamic(request.config.as_ref(), &ty, "configuration")?;
            let outcome = self
                .server
                .plan(&request.type_name, &prior, &proposed, &config);
            // A destroy plans no object: the identity stays the prior one.
            let identity = match outcome.planned {
                Value::Null => request.prior_identity.clone(),
                ref planned => self.identity_of(&request.type_name, planned),
            };
            Ok((
                encode_dynamic(&outcome.planned, &ty),
                outcome.requires_replace,
                outcome.diagnostics,
                identity,
            ))
        });
        let response = match planned {
            Ok((planned_state, requires_replace, diags, planned_identity)) => {
                pb::plan_resource_change::Response {
                    planned_state: Some(planned_state),
                    requires_replace: requires_replace.iter().map(attribute_path).collect(),
                    planned_private: request.prior_private,
                    diagnostics: diagnostics(diags),
                    planned_identity,
                }
            }
            Err(diags) => pb::plan_resource_change::Response {
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        };
        Ok(Response::new(response))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Reply<pb::apply_resource_change::Response> {
        let request = request.into_inner();
        let decoded = self.resource_type(&request.type_name).and_then(|ty| {
            let prior = decode_dynamic(request.prior_state.as_ref(), &ty, "prior state")?;
            let planned = decode_dynamic(request.planned_state.as_ref(), &ty, "planned state")?;
            Ok((ty, prior, planned))
        });
        let response = match decoded {
            Ok((ty, prior, planned)) => {
                let outcome = self
                    .server
                    .apply(&request.type_name, &prior, &planned)
                    .await;
                pb::apply_resource_change::Response {
                    new_identity: self.identity_of(&request.type_name, &outcome.state),
                    new_state: Some(encode_dynamic(&outcome.state, &ty)),
                    private: request.planned_private,
                    diagnostics: diagnostics(outcome.diagnostics),
                }
            }
            Err(diags) => pb::apply_resource_change::Response {
                new_state: request.prior_state,
                private: request.planned_private,
                diagnostics: diagnostics(diags),
                new_identity: None,
            },
        };
        Ok(Response::new(response))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Reply<pb::import_resource_state::Response> {
        let request = request.get_ref();
        let imported = match self.resource_type(&request.type_name) {
            Ok(ty) => self.import(request).await.map(|state| {
                let identity = self.identity_of(&request.type_name, &state);
                (encode_dynamic(&state, &ty), identity)
            }),
            Err(diags) => Err(diags),
        };
        let (state, diags) = split(imported);
        let imported_resources = state
            .map(
                |(state, identity)| pb::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(state),
                    private: Vec::new(),
                    identity,
                },
            )
            .into_iter()
            .collect();
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics(diags),
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Reply<pb::read_data_source::Response> {
        let request = request.get_ref();
        let read = match self
            .server
            .data_source_value_type(&request.type_name)
            .cloned()
        {
            Ok(ty) => {
                match decode_dynamic(request.config.as_ref(), &ty, "data source configuration") {
                    Ok(config) => self
                        .server
                        .read_data_source(&request.type_name, &config)
                        .await
                        .map(|state| encode_dynamic(&state, &ty)),
                    Err(diags) => Err(diags),
                }
            }
            Err(diags) => Err(diags),
        };
        let (state, diags) = match read {
            Ok(state) => (Some(state), Diagnostics::new()),
            Err(diags) => (None, diags),
        };
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics(diags),
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Reply<pb::move_resource_state::Response> {
        let request = request.get_ref();
        let target = &request.target_type_name;
        let moved = self.resource_type(target).and_then(|ty| {
            let json = match request.source_state.as_ref() {
                Some(raw) if !raw.json.is_empty() => &raw.json,
                Some(raw) if !raw.flatmap.is_empty() => return Err(refuse_flatmap()),
                _ => {
                    return Err(Diagnostics::from_error(
                        "Cannot move this resource",
                        format!(
                            "Terraform sent no stored state of the {} to move.",
                            request.source_type_name
                        ),
                    ))
                }
            };
            let source = MovedState::parse(
                &request.source_provider_address,
                &request.source_type_name,
                request.source_schema_version,
                json,
            )?;
            let state = self.server.move_state(target, &source)?;
            Ok((
                encode_dynamic(&state, &ty),
                self.identity_of(target, &state),
            ))
        });
        let (moved, diags) = split(moved);
        let target_private = match moved {
            Some(_) => self.server.moved_private(),
            None => Vec::new(),
        };
        let (target_state, target_identity) = moved.unzip();
        Ok(Response::new(pb::move_resource_state::Response {
            target_state,
            diagnostics: diagnostics(diags),
            target_private,
            target_identity: target_identity.flatten(),
        }))
    }

    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> Reply<pb::generate_resource_config::Response> {
        let request = request.get_ref();
        let generated = self.resource_type(&request.type_name).and_then(|ty| {
            let state = decode_dynamic(request.state.as_ref(), &ty, "state")?;
            let config = self.server.generate_config(&request.type_name, &state)?;
            Ok(encode_dynamic(&config, &ty))
        });
        let (config, diags) = split(generated);
        Ok(Response::new(pb::generate_resource_config::Response {
            config,
            diagnostics: diagnostics(diags),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Reply<pb::get_resource_identity_schemas::Response> {
        let identity_schemas = self
            .server
            .identity_schemas()
            .map(|(name, schema)| (name.to_owned(), identity_schema(schema)))
            .collect();
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: Vec::new(),
        }))
    }

    /// Every identity is at version 0, where a stored one (or none, for a state written before
    /// identities) is read as it is.
    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Reply<pb::upgrade_resource_identity::Response> {
        let request = request.get_ref();
        let upgraded = match self.server.identity_schema(&request.type_name) {
            None => Err(Diagnostics::from_error(
                "No identity",
                format!("{} publishes no identity.", request.type_name),
            )),
            Some(schema) => match request.raw_identity.as_ref().map(|raw| raw.json.as_slice()) {
                None | Some([]) => Ok(None),
                Some(json) => decode_json(json, &schema.value_type())
                    .map(|identity| {
                        Some(pb::ResourceIdentityData {
                            identity_data: Some(encode_dynamic(&identity, &schema.value_type())),
                        })
                    })
                    .map_err(|e| {
                        Diagnostics::from_error(
                            "Malformed stored identity",
                            format!("The stored identity could not be read: {e}"),
                        )
                    }),
            },
        };
        let (upgraded_identity, diags) = split(upgraded);
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: upgraded_identity.flatten(),
            diagnostics: diagnostics(diags),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Reply<pb::stop_provider::Response> {
        self.server.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn read_failed(
    request: pb::read_resource::Request,
    diags: Diagnostics,
) -> pb::read_resource::Response {
    pb::read_resource::Response {
        new_state: request.current_state,
        diagnostics: diagnostics(diags),
        private: request.private,
        new_identity: request.current_identity,
    }
}

fn split<T>(result: Result<T, Diagnostics>) -> (Option<T>, Diagnostics) {
    match result {
        Ok(value) => (Some(value), Diagnostics::new()),
        Err(diags) => (None, diags),
    }
}

fn identity_schema(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema
            .attributes
            .iter()
            .map(
                |attribute| pb::resource_identity_schema::IdentityAttribute {
                    name: attribute.name.to_owned(),
                    r#type: type_to_json(&Type::String),
                    required_for_import: attribute.required_for_import,
                    optional_for_import: !attribute.required_for_import,
                    description: attribute.description.to_owned(),
                },
            )
            .collect(),
    }
}
