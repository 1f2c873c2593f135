//! List resources (protocol 6.10, `terraform query`, Terraform 1.14 and later) at the protocol
//! level, against the launched binary and clouddb-sim, checking what Terraform itself checks:
//! each list type is a managed resource type with an identity, every event carries an identity
//! (and the resource object when asked), `limit` is honoured, and an error ends the stream as a
//! diagnostic. (Terraform 1.0.3 and 1.11.4 never call these RPCs.)

use std::sync::Arc;

use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::framework::{Provider, Resource};
use clouddb::provider::CloudDbProvider;
use clouddb::resources::clients::Clouds;
use clouddb::value::{decode_msgpack, encode_msgpack, Type, Value};
use clouddb_test_support::plugin_process::launched_provider;
use clouddb_test_support::proto::tfplugin6 as pb;
use clouddb_test_support::proto::tfplugin6::provider_client::ProviderClient;
use clouddb_test_support::sim::{Sim, ALIBABA_ACCESS_KEY, ALIBABA_SECRET};
use tonic::transport::Channel;

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(value, ty),
        json: Vec::new(),
    })
}

fn resource(type_name: &str) -> Arc<dyn Resource> {
    let clouds = Arc::new(Clouds::new(Transport::new(TransportConfig::default())));
    clouddb::resources::all(clouds)
        .into_iter()
        .find(|resource| resource.type_name() == type_name)
        .expect("the resource")
}

fn config_type(argument: &str) -> Type {
    Type::Object([(argument.to_owned(), Type::String)].into_iter().collect())
}

/// The events of one ListResource call, each decoded: identity, display name, object, and the
/// error summaries it carries.
struct Event {
    identity: Option<Value>,
    display_name: String,
    object: Option<Value>,
    errors: Vec<String>,
}

async fn list(
    client: &mut ProviderClient<Channel>,
    type_name: &str,
    config: Value,
    include_resource_object: bool,
    limit: i64,
) -> Vec<Event> {
    let resource = resource(type_name);
    let identity_type = resource.identity_schema().expect("identity").value_type();
    let argument = resource.identity_schema().expect("identity").attributes[0].name;
    let mut stream = client
        .list_resource(pb::list_resource::Request {
            type_name: type_name.into(),
            config: dynamic(&config, &config_type(argument)),
            include_resource_object,
            limit,
        })
        .await
        .expect("ListResource")
        .into_inner();
    let mut events = Vec::new();
    while let Some(event) = stream.message().await.expect("an event") {
        let decode = |data: &pb::DynamicValue, ty: &Type| {
            decode_msgpack(&data.msgpack, ty).expect("msgpack")
        };
        events.push(Event {
            identity: event
                .identity
                .as_ref()
                .and_then(|identity| identity.identity_data.as_ref())
                .map(|data| decode(data, &identity_type)),
            display_name: event.display_name,
            object: event
                .resource_object
                .as_ref()
                .map(|data| decode(data, &resource.schema().value_type())),
            errors: event
                .diagnostic
                .iter()
                .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect(),
        });
    }
    events
}

#[test]
fn every_resource_type_lists_the_accounts_of_an_instance_with_their_identities() {
    let sim = Sim::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (_plugin, mut client) = launched_provider().await;

        // Terraform's load: every list type is a managed resource type with an identity, and
        // each list schema has a block.
        let schema = client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("GetProviderSchema")
            .into_inner();
        let identities = client
            .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
            .await
            .expect("GetResourceIdentitySchemas")
            .into_inner();
        let mut listed: Vec<&String> = schema.list_resource_schemas.keys().collect();
        let mut managed: Vec<&String> = schema.resource_schemas.keys().collect();
        listed.sort();
        managed.sort();
        assert_eq!(listed, managed, "one list per resource type");
        for (name, list_schema) in &schema.list_resource_schemas {
            assert!(identities.identity_schemas.contains_key(name), "{name}");
            let block = list_schema.block.as_ref().expect("a block");
            assert_eq!(block.attributes.len(), 1, "{name}");
            assert!(block.attributes[0].required, "{name}");
        }

        // ValidateListResourceConfig: an omitted config block (all null) names what is missing.
        let validated = client
            .validate_list_resource_config(pb::validate_list_resource_config::Request {
                type_name: "clouddb_cdb_account_privileges".into(),
                config: dynamic(
                    &Value::object([("instance_id", Value::Null)]),
                    &config_type("instance_id"),
                ),
                ..Default::default()
            })
            .await
            .expect("ValidateListResourceConfig")
            .into_inner();
        assert!(
            validated
                .diagnostics
                .iter()
                .any(|d| format!("{d:?}").contains("instance_id")),
            "{:?}",
            validated.diagnostics
        );

        let provider_type = CloudDbProvider::new(Transport::new(TransportConfig::default()))
            .schema()
            .value_type();
        let config = Value::object([
            (
                "tencentcloud",
                Value::object([
                    ("secret_id", Value::string("AKIDsim")),
                    ("secret_key", Value::string("sim-secret")),
                    ("security_token", Value::Null),
                    ("region", Value::string("ap-guangzhou")),
                    ("endpoint", Value::string(sim.url())),
                    ("legacy_api", Value::Null),
                ]),
            ),
            (
                "alicloud",
                Value::object([
                    ("access_key", Value::string(ALIBABA_ACCESS_KEY)),
                    ("secret_key", Value::string(ALIBABA_SECRET)),
                    ("security_token", Value::Null),
                    ("region", Value::Null),
                    ("endpoint", Value::string(sim.url())),
                ]),
            ),
        ]);
        let configured = client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.14.0".into(),
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

        // TDSQL: every account, with its identity and display name, no object unasked.
        let tdsql = "clouddb_tdsql_account_privileges";
        let on = |argument: &str, id: &str| Value::object([(argument, Value::string(id))]);
        let events = list(
            &mut client,
            tdsql,
            on("instance_id", "tdsql-sim00001"),
            false,
            100,
        )
        .await;
        let names: Vec<&str> = events.iter().map(|e| e.display_name.as_str()).collect();
        assert_eq!(names, ["app@%", "report@10.0.0.%", "tdsql@%"]);
        assert_eq!(
            events[1].identity,
            Some(Value::object([
                ("instance_id", Value::string("tdsql-sim00001")),
                ("user", Value::string("report")),
                ("host", Value::string("10.0.0.%")),
            ]))
        );
        assert!(events
            .iter()
            .all(|e| e.object.is_none() && e.errors.is_empty()));

        // The limit is honoured.
        let events = list(
            &mut client,
            tdsql,
            on("instance_id", "tdsql-sim00001"),
            false,
            2,
        )
        .await;
        assert_eq!(events.len(), 2);

        // Asked for, the object is what importing the account records.
        let cdb = "clouddb_cdb_account_privileges";
        let events = list(
            &mut client,
            cdb,
            on("instance_id", "cdb-sim00001"),
            true,
            100,
        )
        .await;
        assert_eq!(events.len(), 1);
        let object = events[0].object.as_ref().expect("the object");
        assert_eq!(
            object.attr("id"),
            Some(&Value::string("cdb-sim00001#app#%"))
        );
        assert_eq!(object.attr("user"), Some(&Value::string("app")));

        // PolarDB lists only the accounts a grant can manage: not the Super one.
        let polardb = "clouddb_polardb_account_grant";
        let events = list(
            &mut client,
            polardb,
            on("db_cluster_id", "pc-sim00001"),
            false,
            100,
        )
        .await;
        let names: Vec<&str> = events.iter().map(|e| e.display_name.as_str()).collect();
        assert_eq!(names, ["app", "reporting"]);

        let postgres = "clouddb_postgres_account_privileges";
        let events = list(
            &mut client,
            postgres,
            on("db_instance_id", "postgres-sim00001"),
            true,
            100,
        )
        .await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].display_name, "app");
        assert!(events[0].object.is_some());

        // An instance that cannot be listed ends the stream with one error event, no identity.
        let events = list(
            &mut client,
            polardb,
            on("db_cluster_id", "pc-nothere"),
            false,
            100,
        )
        .await;
        assert_eq!(events.len(), 1);
        assert!(events[0].identity.is_none());
        assert!(
            events[0].errors.iter().any(|e| e.contains("pc-nothere")),
            "{:?}",
            events[0].errors
        );
    });
}
