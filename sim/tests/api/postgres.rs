//! PostgreSQL ModifyAccountPrivileges, DescribeAccountPrivileges and DescribeAccounts over
//! HTTP, and objects dropped out of band.

use clouddb_sim::{Fixture, RateLimits, SimOptions};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::support::tencent::Tc3;
use crate::support::{assert_tencent_error, client, tencent_error, tencent_ok, Reply, Sim};

const INSTANCE: &str = "postgres-sim00001";

/// One database with one object of every type, and three accounts.
fn fixture() -> Fixture {
    let json = json!({"tencentcloud": {
        "credentials": [{"secret_id": "AKIDsim", "secret_key": "sim-secret"}],
        "postgres": [{"instance_id": INSTANCE, "region": "ap-guangzhou",
            "accounts": [
                "app",
                {"name": "admin", "type": "tencentDBSuper", "remark": "the DBA"},
                {"name": "etl", "privileges": [
                    {"object_type": "database", "object_name": "appdb", "privileges": ["CONNECT"]},
                    {"object_type": "table", "database_name": "appdb", "schema_name": "public",
                     "object_name": "users", "privileges": ["SELECT"]}]}
            ],
            "databases": [{"name": "appdb", "schemas": [
                {"name": "public",
                 "tables": [{"name": "users", "columns": ["id", "email"]}],
                 "views": ["active_users"], "matviews": ["user_counts"],
                 "sequences": ["users_id_seq"], "functions": ["add_user(text,text)"],
                 "procedures": ["purge()"], "types": ["mood"]},
                {"name": "audit"}
            ]}]}]
    }});
    Fixture::from_json(&json.to_string()).expect("fixture")
}

async fn sim() -> Sim {
    Sim::with(fixture(), SimOptions::default()).await
}

fn object(object_type: &str, name: &str) -> Value {
    match object_type {
        "database" => json!({"ObjectType": "database", "ObjectName": name}),
        "schema" => json!({"ObjectType": "schema", "ObjectName": name, "DatabaseName": "appdb"}),
        "column" => json!({"ObjectType": "column", "ObjectName": name, "DatabaseName": "appdb",
                           "SchemaName": "public", "TableName": "users"}),
        "account" => json!({"ObjectType": "account", "ObjectName": name}),
        other => json!({"ObjectType": other, "ObjectName": name, "DatabaseName": "appdb",
                        "SchemaName": "public"}),
    }
}

fn item(modify_type: &str, object: Value, privileges: &[&str]) -> Value {
    json!({"DatabasePrivilege": {"Object": object, "PrivilegeSet": privileges},
           "ModifyType": modify_type})
}

async fn modify(sim: &Sim, user: &str, items: Vec<Value>) -> Reply {
    sim.tencent(
        "postgres",
        "ModifyAccountPrivileges",
        &json!({"DBInstanceId": INSTANCE, "UserName": user, "ModifyPrivilegeSet": items}),
    )
    .await
}

async fn describe(sim: &Sim, user: &str, objects: Vec<Value>) -> Reply {
    sim.tencent(
        "postgres",
        "DescribeAccountPrivileges",
        &json!({"DBInstanceId": INSTANCE, "UserName": user, "DatabaseObjectSet": objects}),
    )
    .await
}

/// The privileges held on each object, in the order asked.
async fn held(sim: &Sim, user: &str, objects: Vec<Value>) -> Vec<Value> {
    let reply = describe(sim, user, objects).await;
    tencent_ok(&reply)["PrivilegeSet"]
        .as_array()
        .expect("PrivilegeSet")
        .iter()
        .map(|entry| entry["PrivilegeSet"].clone())
        .collect()
}

#[tokio::test]
async fn every_object_type_takes_its_privileges_and_describe_shows_them() {
    let sim = sim().await;
    let grants = [
        ("database", "appdb", vec!["CONNECT", "TEMPORARY", "CREATE"]),
        ("schema", "public", vec!["USAGE", "CREATE"]),
        (
            "table",
            "users",
            vec![
                "SELECT",
                "INSERT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
            ],
        ),
        ("view", "active_users", vec!["SELECT"]),
        ("matview", "user_counts", vec!["SELECT"]),
        (
            "sequence",
            "users_id_seq",
            vec!["USAGE", "SELECT", "UPDATE"],
        ),
        ("function", "add_user(text,text)", vec!["EXECUTE"]),
        ("procedure", "purge()", vec!["EXECUTE"]),
        ("type", "mood", vec!["USAGE"]),
        (
            "column",
            "email",
            vec!["SELECT", "UPDATE", "INSERT", "REFERENCES"],
        ),
    ];
    let items = grants
        .iter()
        .map(|(t, name, privileges)| item("grantObject", object(t, name), privileges))
        .collect();
    let reply = modify(&sim, "app", items).await;
    let response = tencent_ok(&reply);
    assert_eq!(response.as_object().map(|o| o.len()), Some(1), "{response}");

    let objects: Vec<Value> = grants.iter().map(|(t, name, _)| object(t, name)).collect();
    let reply = describe(&sim, "app", objects).await;
    let entries = tencent_ok(&reply)["PrivilegeSet"].clone();
    // Each privilege list comes back in PostgreSQL's order for its type.
    let expected = [
        json!(["CREATE", "CONNECT", "TEMPORARY"]),
        json!(["CREATE", "USAGE"]),
        json!([
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER"
        ]),
        json!(["SELECT"]),
        json!(["SELECT"]),
        json!(["USAGE", "SELECT", "UPDATE"]),
        json!(["EXECUTE"]),
        json!(["EXECUTE"]),
        json!(["USAGE"]),
        json!(["SELECT", "INSERT", "UPDATE", "REFERENCES"]),
    ];
    for (index, privileges) in expected.iter().enumerate() {
        assert_eq!(
            &entries[index]["PrivilegeSet"], privileges,
            "{index}: {entries}"
        );
    }
    // Empty name fields come back as "".
    assert_eq!(
        entries[0]["Object"],
        json!({"ObjectType": "database", "ObjectName": "appdb", "DatabaseName": "",
               "SchemaName": "", "TableName": ""})
    );
    assert_eq!(
        entries[9]["Object"],
        json!({"ObjectType": "column", "ObjectName": "email", "DatabaseName": "appdb",
               "SchemaName": "public", "TableName": "users"})
    );
    // What is not held is an empty list; another account holds its own.
    assert_eq!(
        held(
            &sim,
            "etl",
            vec![object("schema", "public"), object("table", "users")]
        )
        .await,
        [json!([]), json!(["SELECT"])]
    );
}

#[tokio::test]
async fn the_seed_example_batch_and_alter_role() {
    let sim = sim().await;
    let reply = modify(
        &sim,
        "app",
        vec![item("grantObject", object("schema", "public"), &["USAGE"])],
    )
    .await;
    tencent_ok(&reply);
    let mut revoke = item("revokeObject", object("schema", "public"), &["USAGE"]);
    revoke["IsCascade"] = json!(false);
    let reply = modify(
        &sim,
        "app",
        vec![
            revoke,
            item("grantObject", object("schema", "public"), &["CREATE"]),
            item("grantObject", object("table", "users"), &["SELECT"]),
            item("alterRole", object("account", "app"), &["tencentDBSuper"]),
        ],
    )
    .await;
    tencent_ok(&reply);
    assert_eq!(
        held(
            &sim,
            "app",
            vec![
                object("schema", "public"),
                object("table", "users"),
                object("account", "app"),
                object("account", "etl"),
            ]
        )
        .await,
        [
            json!(["CREATE"]),
            json!(["SELECT"]),
            json!(["tencentDBSuper"]),
            json!(["normal"])
        ]
    );
    let accounts = tencent_ok(
        &sim.tencent(
            "postgres",
            "DescribeAccounts",
            &json!({"DBInstanceId": INSTANCE}),
        )
        .await,
    );
    assert_eq!(accounts["Details"][0]["UserType"], "tencentDBSuper");

    let reply = modify(
        &sim,
        "app",
        vec![item("alterRole", object("account", "app"), &["normal"])],
    )
    .await;
    tencent_ok(&reply);
    assert_eq!(
        held(&sim, "app", vec![object("account", "app")]).await,
        [json!(["normal"])]
    );
    let state = sim.admin_get("/_sim/state").await.json();
    let app = &state["tencentcloud"]["postgres"][0]["accounts"][0];
    assert_eq!(app["type"], "normal");
    assert_eq!(
        app["privileges"],
        json!([
            {"object_type": "schema", "database_name": "appdb", "object_name": "public",
             "privileges": ["CREATE"]},
            {"object_type": "table", "database_name": "appdb", "schema_name": "public",
             "object_name": "users", "privileges": ["SELECT"]}
        ])
    );
}

#[tokio::test]
async fn granting_what_is_held_and_revoking_what_is_not_are_no_ops() {
    let sim = sim().await;
    for modify_type in ["grantObject", "grantObject"] {
        let reply = modify(
            &sim,
            "etl",
            vec![item(modify_type, object("table", "users"), &["SELECT"])],
        )
        .await;
        tencent_ok(&reply);
    }
    assert_eq!(
        held(&sim, "etl", vec![object("table", "users")]).await,
        [json!(["SELECT"])]
    );
    let reply = modify(
        &sim,
        "etl",
        vec![
            item("revokeObject", object("table", "users"), &["DELETE"]),
            item("revokeObject", object("view", "active_users"), &["SELECT"]),
        ],
    )
    .await;
    tencent_ok(&reply);
    assert_eq!(
        held(
            &sim,
            "etl",
            vec![object("table", "users"), object("view", "active_users")]
        )
        .await,
        [json!(["SELECT"]), json!([])]
    );
    let mut revoke = item("revokeObject", object("table", "users"), &["SELECT"]);
    revoke["IsCascade"] = json!(true);
    tencent_ok(&modify(&sim, "etl", vec![revoke]).await);
    assert_eq!(
        held(&sim, "etl", vec![object("table", "users")]).await,
        [json!([])]
    );
    // IsCascade is recorded in the request log.
    let log = sim.admin_get("/_sim/requests").await.json();
    let last_modify = log
        .as_array()
        .expect("log")
        .iter()
        .rev()
        .find(|e| e["action"] == "ModifyAccountPrivileges")
        .expect("a modify call")
        .clone();
    assert_eq!(
        last_modify["params"]["ModifyPrivilegeSet"][0]["IsCascade"],
        true
    );
}

#[tokio::test]
async fn fifty_items_are_taken_and_fifty_one_refused() {
    let sim = sim().await;
    let items = |count: usize| -> Vec<Value> {
        (0..count)
            .map(|_| item("grantObject", object("table", "users"), &["SELECT"]))
            .collect()
    };
    tencent_ok(&modify(&sim, "app", items(50)).await);
    assert_tencent_error(
        &modify(&sim, "app", items(51)).await,
        "InvalidParameterValue.ParameterOutOfRange",
        &["51", "50"],
    );
    assert_tencent_error(
        &modify(&sim, "app", Vec::new()).await,
        "InvalidParameter.ParameterCheckError",
        &["ModifyPrivilegeSet"],
    );
    let reply = sim
        .tencent(
            "postgres",
            "ModifyAccountPrivileges",
            &json!({"DBInstanceId": INSTANCE, "UserName": "app"}),
        )
        .await;
    assert_tencent_error(&reply, "MissingParameter", &["ModifyPrivilegeSet"]);
    let objects = |count: usize| (0..count).map(|_| object("table", "users")).collect();
    assert_eq!(held(&sim, "app", objects(50)).await.len(), 50);
    assert_tencent_error(
        &describe(&sim, "app", objects(51)).await,
        "InvalidParameterValue.ParameterOutOfRange",
        &["DatabaseObjectSet"],
    );
}

#[tokio::test]
async fn privileges_must_fit_the_object_type() {
    let sim = sim().await;
    let cases = [
        ("table", "users", "USAGE"),
        ("database", "appdb", "SELECT"),
        ("schema", "public", "CONNECT"),
        ("sequence", "users_id_seq", "DELETE"),
        ("function", "add_user(text,text)", "USAGE"),
        ("type", "mood", "EXECUTE"),
        ("column", "id", "DELETE"),
        ("view", "active_users", "EXECUTE"),
        ("table", "users", "select"),
    ];
    for (object_type, name, privilege) in cases {
        let reply = modify(
            &sim,
            "app",
            vec![item("grantObject", object(object_type, name), &[privilege])],
        )
        .await;
        assert_tencent_error(
            &reply,
            "InvalidParameter.ParameterCheckError",
            &[&format!("\"{privilege}\""), object_type],
        );
    }
    let reply = modify(
        &sim,
        "app",
        vec![item("grantObject", object("table", "users"), &[])],
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["PrivilegeSet"],
    );
}

#[tokio::test]
async fn names_follow_the_vendors_rules() {
    let sim = sim().await;
    for user in ["pg_reader", "postgres", "1app", "tencentdb_x", "app-1"] {
        let reply = modify(
            &sim,
            user,
            vec![item("grantObject", object("table", "users"), &["SELECT"])],
        )
        .await;
        assert_tencent_error(
            &reply,
            "InvalidParameterValue.InvalidAccountNameFormatError",
            &[user],
        );
    }
    let bad_names = [
        ("table", "user-list"),
        ("table", "users(id)"),
        ("schema", "my schema"),
        ("function", "add user(text)"),
    ];
    for (object_type, name) in bad_names {
        let reply = modify(
            &sim,
            "app",
            vec![item("grantObject", object(object_type, name), &["SELECT"])],
        )
        .await;
        assert_tencent_error(
            &reply,
            "InvalidParameterValue.InvalidDatabaseObjectName",
            &[name],
        );
    }
    let mut bad_database = object("table", "users");
    bad_database["DatabaseName"] = json!("app.db");
    let reply = modify(
        &sim,
        "app",
        vec![item("grantObject", bad_database, &["SELECT"])],
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameterValue.InvalidDatabaseObjectName",
        &["DatabaseName", "app.db"],
    );
}

#[tokio::test]
async fn required_name_fields_depend_on_the_object_type() {
    let sim = sim().await;
    let cases = [
        (
            json!({"ObjectType": "table", "ObjectName": "users", "DatabaseName": "appdb"}),
            "SchemaName",
        ),
        (
            json!({"ObjectType": "schema", "ObjectName": "public"}),
            "DatabaseName",
        ),
        (
            json!({"ObjectType": "column", "ObjectName": "id", "DatabaseName": "appdb",
                "SchemaName": "public"}),
            "TableName",
        ),
    ];
    for (object, field) in cases {
        let reply = modify(&sim, "app", vec![item("grantObject", object, &["SELECT"])]).await;
        assert_tencent_error(&reply, "InvalidParameter.ParameterCheckError", &[field]);
    }
    let reply = modify(
        &sim,
        "app",
        vec![item(
            "grantObject",
            json!({"ObjectType": "table"}),
            &["SELECT"],
        )],
    )
    .await;
    assert_tencent_error(&reply, "MissingParameter", &["ObjectName"]);
    let reply = modify(
        &sim,
        "app",
        vec![item(
            "grantObject",
            object("index", "users_pkey"),
            &["SELECT"],
        )],
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["\"index\""],
    );
    let reply = modify(
        &sim,
        "app",
        vec![item("grant", object("table", "users"), &["SELECT"])],
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["\"grant\""],
    );
}

#[tokio::test]
async fn alter_role_takes_one_type_for_the_user_itself() {
    let sim = sim().await;
    let cases = [
        (
            item("alterRole", object("account", "app"), &["superuser"]),
            "superuser",
        ),
        (
            item(
                "alterRole",
                object("account", "app"),
                &["normal", "tencentDBSuper"],
            ),
            "exactly one",
        ),
        (
            item("alterRole", object("account", "app"), &["TENCENTDBSUPER"]),
            "TENCENTDBSUPER",
        ),
        (
            item("alterRole", object("account", "etl"), &["normal"]),
            "etl",
        ),
        (
            item("alterRole", object("table", "users"), &["normal"]),
            "table",
        ),
        (
            item("grantObject", object("account", "app"), &["normal"]),
            "alterRole",
        ),
    ];
    for (item, word) in cases {
        let reply = modify(&sim, "app", vec![item]).await;
        assert_tencent_error(&reply, "InvalidParameter.ParameterCheckError", &[word]);
    }
    assert_eq!(
        held(&sim, "app", vec![object("account", "app")]).await,
        [json!(["normal"])]
    );
}

#[tokio::test]
async fn unknown_instances_users_and_objects_are_refused_by_name() {
    let sim = sim().await;
    let reply = sim
        .tencent(
            "postgres",
            "ModifyAccountPrivileges",
            &json!({"DBInstanceId": "postgres-nope", "UserName": "app",
                    "ModifyPrivilegeSet": [item("grantObject", object("table", "users"), &["SELECT"])]}),
        )
        .await;
    assert_tencent_error(
        &reply,
        "ResourceNotFound.InstanceNotFoundError",
        &["postgres-nope"],
    );
    let reply = modify(
        &sim,
        "ghost",
        vec![item("grantObject", object("table", "users"), &["SELECT"])],
    )
    .await;
    assert_tencent_error(&reply, "InvalidParameterValue.AccountNotExist", &["ghost"]);
    let reply = describe(&sim, "ghost", vec![object("table", "users")]).await;
    assert_tencent_error(&reply, "InvalidParameterValue.AccountNotExist", &["ghost"]);

    // One missing object refuses the whole call: the grant before it is not made.
    let reply = modify(
        &sim,
        "app",
        vec![
            item("grantObject", object("table", "users"), &["SELECT"]),
            item("grantObject", object("table", "orders"), &["SELECT"]),
        ],
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["table \"orders\" in schema \"public\" of database \"appdb\""],
    );
    assert_eq!(
        held(&sim, "app", vec![object("table", "users")]).await,
        [json!([])]
    );
    let reply = describe(&sim, "app", vec![object("column", "phone")]).await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["column \"phone\" of table \"users\" in schema \"public\" of database \"appdb\""],
    );
    let reply = modify(
        &sim,
        "app",
        vec![item(
            "grantObject",
            json!({"ObjectType": "database", "ObjectName": "appdb",
                                        "Extra": 1}),
            &["CONNECT"],
        )],
    )
    .await;
    assert_tencent_error(
        &reply,
        "UnknownParameter",
        &["ModifyPrivilegeSet.0.DatabasePrivilege.Object.Extra"],
    );
}

#[tokio::test]
async fn the_region_header_is_required_and_checked() {
    let sim = sim().await;
    let body = json!({"DBInstanceId": INSTANCE});
    let call = Tc3::new(
        "postgres",
        "DescribeAccounts",
        "2017-03-12",
        &body.to_string(),
    );
    let mut request = call.to_request(&sim.host());
    request.set_header("x-tc-region", None);
    assert_tencent_error(&sim.send(&request).await, "MissingParameter", &["Region"]);
    request.set_header("x-tc-region", Some("xx-nowhere"));
    assert_tencent_error(
        &sim.send(&request).await,
        "UnsupportedRegion",
        &["xx-nowhere"],
    );
    request.set_header("x-tc-region", Some("ap-shanghai"));
    assert_tencent_error(
        &sim.send(&request).await,
        "ResourceNotFound.InstanceNotFoundError",
        &["ap-shanghai"],
    );
    // cdb needs no region.
    let body = json!({"InstanceId": "cdb-sim00001"});
    let mut request = Tc3::new("cdb", "DescribeAccounts", "2017-03-20", &body.to_string())
        .to_request(&sim.host());
    request.set_header("x-tc-region", None);
    assert_eq!(
        tencent_error(&sim.send(&request).await).0,
        "InvalidParameter.InstanceNotFound"
    );
}

#[tokio::test]
async fn a_dropped_object_is_refused_by_name_and_its_privileges_are_gone() {
    let sim = sim().await;
    let reply = modify(
        &sim,
        "app",
        vec![
            item("grantObject", object("column", "email"), &["SELECT"]),
            item("grantObject", object("view", "active_users"), &["SELECT"]),
        ],
    )
    .await;
    tencent_ok(&reply);
    let reply = sim
        .admin_post(
            "/_sim/postgres/drop-object",
            &json!({"instance_id": INSTANCE, "object_type": "table", "database_name": "appdb",
                    "schema_name": "public", "object_name": "users"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json()["dropped"],
        "table \"users\" in schema \"public\" of database \"appdb\""
    );
    // The table's columns went with it; the view stays.
    let reply = describe(
        &sim,
        "app",
        vec![object("view", "active_users"), object("column", "email")],
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["column \"email\" of table \"users\" in schema \"public\" of database \"appdb\""],
    );
    let reply = describe(&sim, "etl", vec![object("table", "users")]).await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.ParameterCheckError",
        &["table \"users\""],
    );
    assert_eq!(
        held(&sim, "app", vec![object("view", "active_users")]).await,
        [json!(["SELECT"])]
    );
    let state = sim.admin_get("/_sim/state").await.json();
    let instance = &state["tencentcloud"]["postgres"][0];
    assert_eq!(instance["databases"][0]["schemas"][0]["tables"], json!([]));
    assert_eq!(
        instance["accounts"][2]["privileges"],
        json!([{"object_type": "database", "object_name": "appdb", "privileges": ["CONNECT"]}])
    );

    // Dropping it again, or something never there, is a 404; nonsense is a 400.
    let again = sim
        .admin_post(
            "/_sim/postgres/drop-object",
            &json!({"instance_id": INSTANCE, "object_type": "table", "database_name": "appdb",
                    "schema_name": "public", "object_name": "users"}),
        )
        .await;
    assert_eq!(again.status, 404, "{}", again.text());
    let missing_field = sim
        .admin_post(
            "/_sim/postgres/drop-object",
            &json!({"instance_id": INSTANCE, "object_type": "table", "object_name": "users"}),
        )
        .await;
    assert_eq!(missing_field.status, 400);
    assert!(
        missing_field.text().contains("database_name"),
        "{}",
        missing_field.text()
    );
    let no_instance = sim
        .admin_post(
            "/_sim/postgres/drop-object",
            &json!({"instance_id": "postgres-nope", "object_type": "database", "object_name": "appdb"}),
        )
        .await;
    assert_eq!(no_instance.status, 404);

    // A whole database: every grant in it goes.
    let reply = sim
        .admin_post(
            "/_sim/postgres/drop-object",
            &json!({"instance_id": INSTANCE, "object_type": "database", "object_name": "appdb"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let state = sim.admin_get("/_sim/state").await.json();
    assert_eq!(
        state["tencentcloud"]["postgres"][0]["accounts"][2]["privileges"],
        json!([])
    );
    // Reset brings everything back.
    assert_eq!(sim.admin_post("/_sim/reset", &json!({})).await.status, 204);
    assert_eq!(
        held(&sim, "etl", vec![object("table", "users")]).await,
        [json!(["SELECT"])]
    );
}

#[tokio::test]
async fn describe_accounts_lists_types_and_pages() {
    let sim = sim().await;
    let accounts = |body: Value| {
        let sim = &sim;
        async move { sim.tencent("postgres", "DescribeAccounts", &body).await }
    };
    let all = tencent_ok(&accounts(json!({"DBInstanceId": INSTANCE})).await);
    assert_eq!(all["TotalCount"], 3);
    let first = &all["Details"][0];
    assert_eq!(first["DBInstanceId"], INSTANCE);
    assert_eq!(first["UserName"], "app");
    assert_eq!(first["UserType"], "normal");
    assert_eq!(first["Status"], 2);
    assert!(first["CreateTime"].is_string() && first["UpdateTime"].is_string());
    assert_eq!(all["Details"][1]["UserType"], "tencentDBSuper");
    assert_eq!(all["Details"][1]["Remark"], "the DBA");

    let page = tencent_ok(
        &accounts(json!({"DBInstanceId": INSTANCE, "Limit": 1, "Offset": 1,
                         "OrderBy": "name", "OrderByType": "desc"}))
        .await,
    );
    assert_eq!(page["TotalCount"], 3);
    assert_eq!(page["Details"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["Details"][0]["UserName"], "app");

    for body in [
        json!({"DBInstanceId": INSTANCE, "Limit": 0}),
        json!({"DBInstanceId": INSTANCE, "Limit": 101}),
        json!({"DBInstanceId": INSTANCE, "OrderBy": "size"}),
        json!({"DBInstanceId": INSTANCE, "OrderByType": "up"}),
    ] {
        assert_tencent_error(
            &accounts(body).await,
            "InvalidParameterValue.InvalidParameterValueError",
            &[],
        );
    }
    assert_tencent_error(
        &accounts(json!({"DBInstanceId": "postgres-nope"})).await,
        "ResourceNotFound.InstanceNotFoundError",
        &[],
    );
}

#[tokio::test]
async fn the_documented_rate_limit_is_twenty_per_second() {
    let options = SimOptions {
        rate_limits: RateLimits::Documented,
        ..SimOptions::default()
    };
    let sim = Sim::with(fixture(), options).await;
    let mut calls = JoinSet::new();
    for _ in 0..28 {
        let body = json!({"DBInstanceId": INSTANCE, "UserName": "app",
                          "ModifyPrivilegeSet": [item("grantObject", object("table", "users"), &["SELECT"])]});
        let request = Tc3::new(
            "postgres",
            "ModifyAccountPrivileges",
            "2017-03-12",
            &body.to_string(),
        )
        .to_request(&sim.host());
        let addr = sim.running.addr();
        calls.spawn(async move { client::send(addr, &request).await });
    }
    let (mut admitted, mut throttled) = (0, 0);
    while let Some(joined) = calls.join_next().await {
        let reply = joined.expect("task").expect("HTTP exchange");
        let body = reply.json();
        match body["Response"]["Error"]["Code"].as_str() {
            None => admitted += 1,
            Some("RequestLimitExceeded") => throttled += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(admitted >= 20, "admitted {admitted}");
    assert!(throttled >= 1, "throttled {throttled}");
}

#[tokio::test]
async fn fixture_accounts_take_names_or_objects_and_their_privileges_are_checked() {
    let state = sim().await.admin_get("/_sim/state").await.json();
    let accounts = &state["tencentcloud"]["postgres"][0]["accounts"];
    assert_eq!(
        accounts[0],
        json!({"name": "app", "type": "normal", "privileges": []})
    );
    assert_eq!(accounts[1]["remark"], "the DBA");

    let refused = [
        (
            json!({"name": "a", "privileges": [{"object_type": "table", "database_name": "appdb",
                   "object_name": "users", "privileges": ["SELECT"]}]}),
            "schema_name",
        ),
        (
            json!({"name": "a", "privileges": [{"object_type": "database", "object_name": "nodb",
                   "privileges": ["CONNECT"]}]}),
            "database \"nodb\"",
        ),
        (
            json!({"name": "a", "privileges": [{"object_type": "database", "object_name": "appdb",
                   "privileges": ["SELECT"]}]}),
            "\"SELECT\"",
        ),
        (json!({"name": "a", "type": "superuser"}), "superuser"),
        (json!({"name": "a", "kind": "normal"}), "`kind`"),
    ];
    for (account, word) in refused {
        let fixture = json!({"tencentcloud": {"postgres": [{"instance_id": "postgres-1",
            "accounts": [account], "databases": [{"name": "appdb"}]}]}});
        let error = Fixture::from_json(&fixture.to_string())
            .unwrap_err()
            .to_string();
        assert!(error.contains(word), "`{word}` not in: {error}");
    }
}
