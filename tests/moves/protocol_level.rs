//! MoveResourceState and GenerateResourceConfig against the launched binary, never configured
//! (Terraform starts a fresh, unconfigured provider for a move), checking what Terraform checks
//! of the answer: a target state that decodes under our schema and is wholly known, a known
//! identity, and error diagnostics that name what is missing.

use std::sync::Arc;

use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::resources::clients::Clouds;
use clouddb::value::{decode_msgpack, encode_msgpack, Type, Value};
use clouddb_test_support::plugin_process::launched_provider;
use clouddb_test_support::proto::tfplugin6 as pb;
use clouddb_test_support::proto::tfplugin6::provider_client::ProviderClient;
use libtest_mimic::Trial;
use serde_json::{json, Value as Json};
use tonic::transport::Channel;

const TENCENTCLOUD: &str = "registry.terraform.io/tencentcloudstack/tencentcloud";
const ALICLOUD: &str = "registry.terraform.io/aliyun/alicloud";

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "protocol_a_move_turns_each_official_state_into_ours_unconfigured",
            || {
                on_plugin(a_move_turns_each_official_state_into_ours);
                Ok(())
            },
        ),
        Trial::test(
            "protocol_an_unmappable_state_is_refused_naming_what_is_missing",
            || {
                on_plugin(an_unmappable_state_is_refused_naming_what_is_missing);
                Ok(())
            },
        ),
        Trial::test(
            "protocol_generated_configuration_leaves_out_what_the_provider_sets",
            || {
                on_plugin(generated_configuration_leaves_out_what_the_provider_sets);
                Ok(())
            },
        ),
    ]
}

/// Runs `test` against a freshly launched provider, as Terraform launches it.
fn on_plugin<F, Fut>(test: F)
where
    F: FnOnce(ProviderClient<Channel>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (_plugin, client) = launched_provider().await;
        test(client).await;
    });
}

/// A resource's value type, as Terraform derives it from the schema.
fn value_type(type_name: &str) -> Type {
    let clouds = Arc::new(Clouds::new(Transport::new(TransportConfig::default())));
    clouddb::resources::all(clouds)
        .into_iter()
        .find(|resource| resource.type_name() == type_name)
        .unwrap_or_else(|| panic!("no resource {type_name}"))
        .schema()
        .value_type()
}

fn move_request(
    address: &str,
    source: &str,
    version: i64,
    state: &Json,
    target: &str,
) -> pb::move_resource_state::Request {
    pb::move_resource_state::Request {
        source_provider_address: address.into(),
        source_type_name: source.into(),
        source_schema_version: version,
        source_state: Some(pb::RawState {
            json: state.to_string().into_bytes(),
            flatmap: Default::default(),
        }),
        target_type_name: target.into(),
        ..Default::default()
    }
}

/// The target state and identity of a move Terraform would accept.
async fn moved(
    client: &mut ProviderClient<Channel>,
    request: pb::move_resource_state::Request,
) -> (Value, Value) {
    let target = request.target_type_name.clone();
    let response = client
        .move_resource_state(request)
        .await
        .expect("MoveResourceState")
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    // The mark the first read after the move looks for, kept by Terraform as private data.
    assert_eq!(response.target_private, br#"{"clouddb_moved":true}"#);
    let state = response.target_state.expect("a target state");
    let state =
        decode_msgpack(&state.msgpack, &value_type(&target)).expect("decodes under our schema");
    assert!(!state.is_null(), "Terraform refuses a null target state");
    assert!(
        state.is_wholly_known(),
        "Terraform refuses unknown values: {state:?}"
    );
    let identity = response
        .target_identity
        .and_then(|identity| identity.identity_data)
        .expect("a target identity");
    let names = match target.as_str() {
        "clouddb_polardb_account_grant" => vec!["db_cluster_id", "account_name"],
        _ => vec!["instance_id", "user", "host"],
    };
    let identity_type = Type::Object(
        names
            .iter()
            .map(|n| ((*n).to_owned(), Type::String))
            .collect(),
    );
    let identity = decode_msgpack(&identity.msgpack, &identity_type).expect("identity msgpack");
    assert!(identity.is_wholly_known());
    (state, identity)
}

/// The error summaries and details of a refused move, joined.
async fn refused(
    client: &mut ProviderClient<Channel>,
    request: pb::move_resource_state::Request,
) -> String {
    let response = client
        .move_resource_state(request)
        .await
        .expect("MoveResourceState")
        .into_inner();
    assert!(
        response.target_state.is_none(),
        "a refused move returns no state"
    );
    assert!(response.target_private.is_empty());
    assert!(
        response
            .diagnostics
            .iter()
            .any(|d| d.severity == pb::diagnostic::Severity::Error as i32),
        "{:?}",
        response.diagnostics
    );
    response
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

fn strings(value: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = value
        .and_then(Value::elements)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn text(value: &Value, name: &str) -> String {
    value
        .attr(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn mysql_privilege_state() -> Json {
    json!({
        "id": "{\"MysqlId\":\"cdb-12345678\",\"AccountName\":\"tf_example\",\"AccountHost\":\"%\"}",
        "mysql_id": "cdb-12345678",
        "account_name": "tf_example",
        "account_host": "%",
        "global": ["TRIGGER"],
        "database": [
            {"database_name": "sys", "privileges": ["select", "INSERT", "ALL PRIVILEGES"]}
        ],
        "table": [
            {"database_name": "mysql", "table_name": "user", "privileges": ["INSERT", "SELECT"]}
        ],
        "column": [
            {"database_name": "mysql", "table_name": "user", "column_name": "host",
             "privileges": ["REFERENCES"]}
        ]
    })
}

async fn a_move_is_advertised(client: &mut ProviderClient<Channel>) {
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    let capabilities = schema.server_capabilities.expect("server capabilities");
    assert!(
        capabilities.move_resource_state,
        "without it Terraform refuses the move"
    );
    assert!(capabilities.generate_resource_config);
}

async fn a_move_turns_each_official_state_into_ours(mut client: ProviderClient<Channel>) {
    a_move_is_advertised(&mut client).await;

    let cdb = "clouddb_cdb_account_privileges";
    let request = move_request(
        TENCENTCLOUD,
        "tencentcloud_mysql_privilege",
        0,
        &mysql_privilege_state(),
        cdb,
    );
    let (state, identity) = moved(&mut client, request).await;
    assert_eq!(text(&state, "id"), "cdb-12345678#tf_example#%");
    assert_eq!(strings(state.attr("global_privileges")), ["TRIGGER"]);
    let database = &state
        .attr("database")
        .and_then(Value::elements)
        .expect("database blocks")[0];
    assert_eq!(text(database, "database"), "sys");
    // Normalised as a read reports it: upper case, ALL PRIVILEGES spelled out.
    let names = strings(database.attr("privileges"));
    assert!(
        names.contains(&"SELECT".to_owned()) && names.contains(&"TRIGGER".to_owned()),
        "{names:?}"
    );
    let column = &state
        .attr("column")
        .and_then(Value::elements)
        .expect("column blocks")[0];
    assert_eq!(
        (
            text(column, "database"),
            text(column, "table"),
            text(column, "column")
        ),
        ("mysql".into(), "user".into(), "host".into())
    );
    assert!(state.attr("timeouts").is_some_and(Value::is_null));
    assert_eq!(
        identity,
        Value::object([
            ("instance_id", Value::string("cdb-12345678")),
            ("user", Value::string("tf_example")),
            ("host", Value::string("%")),
        ])
    );
    // A state without account_host (older versions of the official provider) means `%`.
    let mut older = mysql_privilege_state();
    older
        .as_object_mut()
        .expect("object")
        .remove("account_host");
    let (state, _) = moved(
        &mut client,
        move_request(TENCENTCLOUD, "tencentcloud_mysql_privilege", 0, &older, cdb),
    )
    .await;
    assert_eq!(text(&state, "host"), "%");

    let mariadb = json!({
        "id": "tdsql-9vqvls95#report#10.0.0.%",
        "instance_id": "tdsql-9vqvls95",
        "accounts": [{"user": "report", "host": "10.0.0.%"}],
        "global_privileges": ["SELECT", "UPDATE"],
        "database_privileges": [],
        "table_privileges": [],
        "column_privileges": [],
        "view_privileges": [{"database": "shop", "view": "totals", "privileges": ["SELECT"]}],
        "function_privileges": [{"database": "shop", "function_name": "tax", "privileges": ["EXECUTE"]}],
        "procedure_privileges": []
    });
    let tdsql = "clouddb_tdsql_account_privileges";
    let (state, identity) = moved(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mariadb_account_privileges",
            0,
            &mariadb,
            tdsql,
        ),
    )
    .await;
    assert_eq!(text(&state, "id"), "tdsql-9vqvls95#report#10.0.0.%");
    assert_eq!(
        strings(state.attr("global_privileges")),
        ["SELECT", "UPDATE"]
    );
    let function = &state
        .attr("function")
        .and_then(Value::elements)
        .expect("function blocks")[0];
    assert_eq!(
        (text(function, "database"), text(function, "function")),
        ("shop".into(), "tax".into())
    );
    assert_eq!(
        state
            .attr("view")
            .and_then(Value::elements)
            .map(<[Value]>::len),
        Some(1)
    );
    assert_eq!(identity.attr("host"), Some(&Value::string("10.0.0.%")));

    let polardb = json!({
        "id": "pc-bp1abcdefgh123456:terraform_example:ReadWrite",
        "db_cluster_id": "pc-bp1abcdefgh123456",
        "account_name": "terraform_example",
        "account_privilege": "ReadWrite",
        "db_names": ["shop", "logs"]
    });
    let grant = "clouddb_polardb_account_grant";
    for address in [ALICLOUD, "registry.terraform.io/hashicorp/alicloud"] {
        let (state, identity) = moved(
            &mut client,
            move_request(
                address,
                "alicloud_polardb_account_privilege",
                0,
                &polardb,
                grant,
            ),
        )
        .await;
        assert_eq!(text(&state, "id"), "pc-bp1abcdefgh123456#terraform_example");
        assert_eq!(
            state.attr("database_privileges"),
            Some(&Value::Map(
                [("logs", "ReadWrite"), ("shop", "ReadWrite")]
                    .into_iter()
                    .map(|(db, p)| (db.to_owned(), Value::string(p)))
                    .collect()
            ))
        );
        assert_eq!(
            identity.attr("account_name"),
            Some(&Value::string("terraform_example"))
        );
    }
}

async fn an_unmappable_state_is_refused_naming_what_is_missing(
    mut client: ProviderClient<Channel>,
) {
    let cdb = "clouddb_cdb_account_privileges";
    let mut no_instance = mysql_privilege_state();
    no_instance
        .as_object_mut()
        .expect("object")
        .remove("mysql_id");
    let said = refused(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mysql_privilege",
            0,
            &no_instance,
            cdb,
        ),
    )
    .await;
    assert!(said.contains("`mysql_id` is missing"), "{said}");
    assert!(said.contains("tencentcloud_mysql_privilege"), "{said}");

    let mut bad_block = mysql_privilege_state();
    bad_block["table"][0]
        .as_object_mut()
        .expect("object")
        .remove("table_name");
    let said = refused(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mysql_privilege",
            0,
            &bad_block,
            cdb,
        ),
    )
    .await;
    assert!(said.contains("`table[0].table_name` is missing"), "{said}");

    let two_accounts = json!({
        "instance_id": "tdsql-9vqvls95",
        "accounts": [{"user": "a", "host": "%"}, {"user": "b", "host": "%"}]
    });
    let said = refused(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mariadb_account_privileges",
            0,
            &two_accounts,
            "clouddb_tdsql_account_privileges",
        ),
    )
    .await;
    assert!(
        said.contains("`accounts` holds 2 accounts, where one is expected"),
        "{said}"
    );

    let owner = json!({"db_cluster_id": "pc-1", "account_name": "app", "account_privilege": "Owner", "db_names": ["shop"]});
    let said = refused(
        &mut client,
        move_request(
            ALICLOUD,
            "alicloud_polardb_account_privilege",
            0,
            &owner,
            "clouddb_polardb_account_grant",
        ),
    )
    .await;
    assert!(said.contains("`account_privilege` is \"Owner\""), "{said}");

    // A source type the target does not take over, and a state from a newer source version.
    let said = refused(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mysql_account",
            0,
            &json!({}),
            cdb,
        ),
    )
    .await;
    assert!(
        said.contains("takes over tencentcloud_mysql_privilege"),
        "{said}"
    );
    let said = refused(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mysql_privilege",
            1,
            &mysql_privilege_state(),
            cdb,
        ),
    )
    .await;
    assert!(said.contains("schema version 1"), "{said}");
    let said = refused(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mysql_privilege",
            0,
            &mysql_privilege_state(),
            "clouddb_postgres_account_privileges",
        ),
    )
    .await;
    assert!(
        said.contains("takes over no resource type of another provider"),
        "{said}"
    );
}

async fn generated_configuration_leaves_out_what_the_provider_sets(
    mut client: ProviderClient<Channel>,
) {
    let cdb = "clouddb_cdb_account_privileges";
    let ty = value_type(cdb);
    let (state, _) = moved(
        &mut client,
        move_request(
            TENCENTCLOUD,
            "tencentcloud_mysql_privilege",
            0,
            &mysql_privilege_state(),
            cdb,
        ),
    )
    .await;
    let response = client
        .generate_resource_config(pb::generate_resource_config::Request {
            type_name: cdb.into(),
            state: Some(pb::DynamicValue {
                msgpack: encode_msgpack(&state, &ty),
                json: Vec::new(),
            }),
        })
        .await
        .expect("GenerateResourceConfig")
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let config = decode_msgpack(&response.config.expect("a configuration").msgpack, &ty)
        .expect("config msgpack");
    assert_eq!(
        config.attr("id"),
        Some(&Value::Null),
        "id is the provider's"
    );
    assert_eq!(config.attr("host"), Some(&Value::Null), "% is the default");
    assert_eq!(config.attr("instance_id"), state.attr("instance_id"));
    assert_eq!(config.attr("database"), state.attr("database"));
}
