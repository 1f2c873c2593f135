//! Resource identity (protocol 6.9, Terraform 1.12 and later) at the protocol level, against
//! the launched binary and clouddb-sim, checking what Terraform itself checks: the schemas it
//! loads after GetProviderSchema, identities on read and import, and import by identity.
//! (Terraform 1.0.3 and 1.11.4, which the other tests run, ignore these fields.)

use std::sync::Arc;

use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::framework::Provider;
use clouddb::provider::CloudDbProvider;
use clouddb::resources::clients::Clouds;
use clouddb::value::{decode_msgpack, encode_msgpack, Type, Value};
use clouddb_test_support::plugin_process::launched_provider;
use clouddb_test_support::proto::tfplugin6 as pb;
use clouddb_test_support::sim::Sim;

const CDB: &str = "clouddb_cdb_account_privileges";

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(value, ty),
        json: Vec::new(),
    })
}

fn identity_type(names: &[&str]) -> Type {
    Type::Object(
        names
            .iter()
            .map(|name| ((*name).to_owned(), Type::String))
            .collect(),
    )
}

fn decoded(identity: Option<&pb::ResourceIdentityData>, ty: &Type) -> Value {
    let data = identity
        .and_then(|identity| identity.identity_data.as_ref())
        .expect("an identity");
    decode_msgpack(&data.msgpack, ty).expect("identity msgpack")
}

/// The provider's and the cdb resource's value types, as Terraform derives them from the schema.
fn value_types() -> (Type, Type) {
    let provider = CloudDbProvider::new(Transport::new(TransportConfig::default()));
    let clouds = Arc::new(Clouds::new(Transport::new(TransportConfig::default())));
    let cdb = clouddb::resources::all(clouds)
        .into_iter()
        .find(|resource| resource.type_name() == CDB)
        .expect("the cdb resource");
    (provider.schema().value_type(), cdb.schema().value_type())
}

#[test]
fn identities_load_as_terraform_checks_them_and_import_and_read_return_them() {
    let sim = Sim::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (_plugin, mut client) = launched_provider().await;

        // Terraform's load checks: every resource type, exactly one import flag per attribute,
        // no map, set or object types, a version of 0 or more.
        let schemas = client
            .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
            .await
            .expect("GetResourceIdentitySchemas")
            .into_inner();
        assert!(schemas.diagnostics.is_empty(), "{:?}", schemas.diagnostics);
        let provider_schema = client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("GetProviderSchema")
            .into_inner();
        let mut types: Vec<&String> = provider_schema.resource_schemas.keys().collect();
        let mut identified: Vec<&String> = schemas.identity_schemas.keys().collect();
        types.sort();
        identified.sort();
        assert_eq!(identified, types, "every resource publishes an identity");
        for (name, schema) in &schemas.identity_schemas {
            assert!(schema.version >= 0, "{name}");
            assert!(!schema.identity_attributes.is_empty(), "{name}");
            for attribute in &schema.identity_attributes {
                assert_eq!(
                    attribute.r#type, br#""string""#,
                    "{name}.{}",
                    attribute.name
                );
                assert!(
                    attribute.required_for_import != attribute.optional_for_import,
                    "{name}.{}: exactly one import flag",
                    attribute.name
                );
                assert!(
                    !attribute.description.is_empty(),
                    "{name}.{}",
                    attribute.name
                );
            }
        }
        let cdb_names: Vec<(&str, bool)> = schemas.identity_schemas[CDB]
            .identity_attributes
            .iter()
            .map(|a| (a.name.as_str(), a.required_for_import))
            .collect();
        assert_eq!(
            cdb_names,
            [("instance_id", true), ("user", true), ("host", false)]
        );

        let (provider_type, cdb_type) = value_types();
        let tencent = Value::object([
            ("secret_id", Value::string("AKIDsim")),
            ("secret_key", Value::string("sim-secret")),
            ("security_token", Value::Null),
            ("region", Value::string("ap-guangzhou")),
            ("endpoint", Value::string(sim.url())),
            ("legacy_api", Value::Null),
        ]);
        let config = Value::object([("tencentcloud", tencent), ("alicloud", Value::Null)]);
        let configured = client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.12.0".into(),
                config: dynamic(&config, &provider_type),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider")
            .into_inner();
        assert!(
            configured.diagnostics.is_empty(),
            "{:?}",
            configured.diagnostics
        );

        // `import { identity = { instance_id, user } }`: Terraform sends an empty ID; the host
        // is optional and defaults to %.
        let identity_ty = identity_type(&["instance_id", "user", "host"]);
        let by_identity = Value::object([
            ("instance_id", Value::string("cdb-sim00001")),
            ("user", Value::string("app")),
            ("host", Value::Null),
        ]);
        let imported = client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: CDB.into(),
                id: String::new(),
                client_capabilities: None,
                identity: Some(pb::ResourceIdentityData {
                    identity_data: dynamic(&by_identity, &identity_ty),
                }),
            })
            .await
            .expect("ImportResourceState")
            .into_inner();
        assert!(
            imported.diagnostics.is_empty(),
            "{:?}",
            imported.diagnostics
        );
        assert_eq!(imported.imported_resources.len(), 1, "exactly one resource");
        let resource = &imported.imported_resources[0];
        let wholly_known = Value::object([
            ("instance_id", Value::string("cdb-sim00001")),
            ("user", Value::string("app")),
            ("host", Value::string("%")),
        ]);
        assert_eq!(
            decoded(resource.identity.as_ref(), &identity_ty),
            wholly_known
        );

        // The read after the import gets the identity and returns it, wholly known.
        let read = client
            .read_resource(pb::read_resource::Request {
                type_name: CDB.into(),
                current_state: resource.state.clone(),
                current_identity: resource.identity.clone(),
                ..Default::default()
            })
            .await
            .expect("ReadResource")
            .into_inner();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(
            decoded(read.new_identity.as_ref(), &identity_ty),
            wholly_known
        );
        let state = decode_msgpack(
            &read.new_state.as_ref().expect("new state").msgpack,
            &cdb_type,
        )
        .expect("state");
        assert_eq!(state.attr("id"), Some(&Value::string("cdb-sim00001#app#%")));

        // An update plans and applies with the identity, wholly known; a destroy plan keeps
        // the prior one.
        let mut proposed = state.clone();
        if let Value::Object(attrs) = &mut proposed {
            attrs.insert(
                "global_privileges".into(),
                Value::Set(vec![Value::string("PROCESS")]),
            );
        }
        let mut config = proposed.clone();
        if let Value::Object(attrs) = &mut config {
            attrs.insert("id".into(), Value::Null);
        }
        let plan = client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: CDB.into(),
                prior_state: dynamic(&state, &cdb_type),
                proposed_new_state: dynamic(&proposed, &cdb_type),
                config: dynamic(&config, &cdb_type),
                prior_identity: read.new_identity.clone(),
                ..Default::default()
            })
            .await
            .expect("PlanResourceChange")
            .into_inner();
        assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
        assert_eq!(
            decoded(plan.planned_identity.as_ref(), &identity_ty),
            wholly_known
        );
        let applied = client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: CDB.into(),
                prior_state: dynamic(&state, &cdb_type),
                planned_state: plan.planned_state.clone(),
                config: dynamic(&config, &cdb_type),
                planned_identity: plan.planned_identity.clone(),
                ..Default::default()
            })
            .await
            .expect("ApplyResourceChange")
            .into_inner();
        assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
        assert_eq!(
            decoded(applied.new_identity.as_ref(), &identity_ty),
            wholly_known
        );
        let destroy = client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: CDB.into(),
                prior_state: dynamic(&proposed, &cdb_type),
                proposed_new_state: dynamic(&Value::Null, &cdb_type),
                config: dynamic(&Value::Null, &cdb_type),
                prior_identity: applied.new_identity.clone(),
                ..Default::default()
            })
            .await
            .expect("PlanResourceChange")
            .into_inner();
        assert!(destroy.diagnostics.is_empty(), "{:?}", destroy.diagnostics);
        assert_eq!(
            decoded(destroy.planned_identity.as_ref(), &identity_ty),
            wholly_known
        );

        // A state stored before identities has none: upgrading it gives none, without error;
        // a stored identity reads back as it was.
        let upgrade = |json: &[u8]| pb::upgrade_resource_identity::Request {
            type_name: CDB.into(),
            version: 0,
            raw_identity: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        };
        let none = client
            .upgrade_resource_identity(upgrade(b""))
            .await
            .expect("UpgradeResourceIdentity")
            .into_inner();
        assert!(none.diagnostics.is_empty() && none.upgraded_identity.is_none());
        let stored = client
            .upgrade_resource_identity(upgrade(
                br#"{"instance_id":"cdb-sim00001","user":"app","host":"%"}"#,
            ))
            .await
            .expect("UpgradeResourceIdentity")
            .into_inner();
        assert_eq!(
            decoded(stored.upgraded_identity.as_ref(), &identity_ty),
            wholly_known
        );

        // An identity that lacks a required part is refused, naming it.
        let partial = Value::object([
            ("instance_id", Value::string("cdb-sim00001")),
            ("user", Value::Null),
            ("host", Value::Null),
        ]);
        let refused = client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: CDB.into(),
                id: String::new(),
                client_capabilities: None,
                identity: Some(pb::ResourceIdentityData {
                    identity_data: dynamic(&partial, &identity_ty),
                }),
            })
            .await
            .expect("ImportResourceState")
            .into_inner();
        assert!(refused.imported_resources.is_empty());
        let detail = &refused.diagnostics.first().expect("a diagnostic").detail;
        assert!(detail.contains("no known user"), "{detail}");
    });
    assert!(
        sim.cdb_privileges("cdb-sim00001", "app", "%")
            .contains("global:*:PROCESS"),
        "the apply by identity changed the account"
    );
}
