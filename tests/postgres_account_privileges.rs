//! clouddb_postgres_account_privileges with real Terraform (1.11.4 and 1.0.3) against clouddb-sim.

use std::collections::BTreeSet;
use std::time::Duration;

use clouddb::cloud::tencent::postgres::{DatabaseObject, ModifyPrivilege, ObjectType};
use clouddb_sim::{Fixture, SimOptions};
use clouddb_test_support::on_each_terraform;
use clouddb_test_support::sim::{closed_endpoint, postgres_grants, Sim, TENCENT_SERVER_ERRORS};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace, NULL_VARIABLES};
use serde_json::{json, Value as Json};
use tokio::time::Instant;

const INSTANCE: &str = "postgres-sim00001";
const RESOURCE: &str = "clouddb_postgres_account_privileges.app";

/// An `object` block for `spec`, written as in import IDs: `table:appdb.public.users`.
fn object_block(spec: &str, privileges: &[&str]) -> String {
    let (object_type, names) = spec.split_once(':').expect("type:names");
    let names: Vec<&str> = names.split('.').collect();
    let fields: &[&str] = match object_type {
        "database" => &["object_name"],
        "schema" => &["database_name", "object_name"],
        "column" => &["database_name", "schema_name", "table_name", "object_name"],
        _ => &["database_name", "schema_name", "object_name"],
    };
    assert_eq!(fields.len(), names.len(), "{spec}");
    let lines: String = fields
        .iter()
        .zip(&names)
        .map(|(field, name)| format!("    {field} = \"{name}\"\n"))
        .collect();
    let privileges: Vec<String> = privileges.iter().map(|p| format!("\"{p}\"")).collect();
    format!(
        "  object {{\n    object_type = \"{object_type}\"\n{lines}    privileges = [{}]\n  }}\n",
        privileges.join(", ")
    )
}

fn account_config(sim: &Sim, extra: &str, objects: &[(&str, &[&str])]) -> String {
    let blocks: String = objects
        .iter()
        .map(|(spec, privileges)| object_block(spec, privileges))
        .collect();
    format!(
        r#"{}
resource "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "{INSTANCE}"
  user_name      = "app"
{extra}
{blocks}}}
"#,
        sim.tencent_provider_config()
    )
}

/// The ModifyAccountPrivileges calls in the sim's log, each as its list of items.
fn modify_calls(sim: &Sim) -> Vec<Vec<Json>> {
    sim.requests()
        .into_iter()
        .filter(|r| r["action"] == "ModifyAccountPrivileges")
        .map(|r| {
            assert!(r["error_code"].is_null(), "a failed call: {r}");
            r["params"]["ModifyPrivilegeSet"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// `revokeObject table users [INSERT]`: one item of a call, for comparisons.
fn item_text(item: &Json) -> String {
    let privilege = &item["DatabasePrivilege"];
    let privileges: Vec<&str> = privilege["PrivilegeSet"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    format!(
        "{} {} {} {:?}",
        item["ModifyType"].as_str().unwrap_or_default(),
        privilege["Object"]["ObjectType"]
            .as_str()
            .unwrap_or_default(),
        privilege["Object"]["ObjectName"]
            .as_str()
            .unwrap_or_default(),
        privileges
    )
}

const USERS: &str = "table:appdb.public.users";
const EMAIL: &str = "column:appdb.public.users.email";
const DATABASE: &str = "database:appdb";
const SCHEMA: &str = "schema:appdb.public";

/// apply → empty plan → import round trip → update (one call, with alterRole) → drift
/// repaired → destroy leaves no privileges.
fn full_cycle(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let first: &[(&str, &[&str])] = &[
        (DATABASE, &["CONNECT", "TEMPORARY"]),
        (SCHEMA, &["USAGE"]),
        (USERS, &["SELECT", "INSERT"]),
        (EMAIL, &["UPDATE"]),
    ];
    workspace.write_config(&account_config(&sim, "", first));
    workspace.apply();
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(first)
    );
    assert_eq!(modify_calls(&sim).len(), 1, "four grants fit in one call");
    workspace.expect_empty_plan("right after apply");
    let shown = workspace.run(&["state", "show", RESOURCE]);
    assert!(
        unwrapped(&shown.stdout).contains(r#"account_type = "normal""#),
        "the current account type is shown: {}",
        shown.stdout
    );

    // Importing the account with the same objects into a fresh state reproduces it exactly.
    let imported = Workspace::new(version);
    imported.write_config(&account_config(&sim, "", first));
    let id = format!("{INSTANCE}#app#{DATABASE};{SCHEMA};{USERS};{EMAIL}");
    imported
        .run(&["import", "-input=false", RESOURCE, &id])
        .expect_success("terraform import");
    imported.expect_empty_plan("after import");

    // One object changes, one is removed, and the account becomes tencentDBSuper: one call.
    sim.clear_requests();
    let second: &[(&str, &[&str])] = &[
        (DATABASE, &["CONNECT", "TEMPORARY"]),
        (SCHEMA, &["USAGE"]),
        (USERS, &["SELECT", "UPDATE"]),
    ];
    workspace.write_config(&account_config(
        &sim,
        "  account_type = \"tencentDBSuper\"\n",
        second,
    ));
    workspace.apply();
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let items: Vec<String> = calls[0].iter().map(item_text).collect();
    assert_eq!(
        items,
        vec![
            r#"revokeObject table users ["INSERT"]"#,
            r#"grantObject table users ["UPDATE"]"#,
            r#"revokeObject column email ["UPDATE"]"#,
            r#"alterRole account app ["tencentDBSuper"]"#,
        ]
    );
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(second)
    );
    assert_eq!(
        sim.postgres_account(INSTANCE, "app")["type"],
        "tencentDBSuper"
    );
    workspace.expect_empty_plan("after the update");

    // Someone revokes SELECT and grants DELETE through the API; the plan shows it, apply repairs it.
    let users = DatabaseObject {
        database_name: Some("appdb".into()),
        schema_name: Some("public".into()),
        table_name: None,
        object_type: ObjectType::Table,
        object_name: "users".into(),
    };
    let drift = [
        ModifyPrivilege::revoke(users.clone(), vec!["SELECT".into()], false),
        ModifyPrivilege::grant(users, vec!["DELETE".into()]),
    ];
    let client = sim.postgres_client();
    sim.block_on(client.modify_account_privileges(
        INSTANCE,
        "app",
        &drift,
        Instant::now() + Duration::from_secs(30),
    ))
    .expect("out-of-band change");
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes, "the drift is not planned back:\n{}", plan.text());
    assert!(plan.stdout.contains("\"DELETE\""), "{}", plan.stdout);
    assert!(plan.stdout.contains("\"SELECT\""), "{}", plan.stdout);
    workspace.apply();
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(second)
    );
    workspace.expect_empty_plan("after repairing drift");

    workspace.destroy();
    assert!(
        sim.postgres_privileges(INSTANCE, "app").is_empty(),
        "destroy leaves no privileges: {:?}",
        sim.postgres_privileges(INSTANCE, "app")
    );
}

on_each_terraform!(full_cycle);

/// The built-in fixture with `count` tables t000, t001, ... in appdb.public.
fn fixture_with_tables(count: usize) -> Fixture {
    let tables: Vec<Json> = (0..count)
        .map(|i| json!({"name": format!("t{i:03}"), "columns": ["id"]}))
        .collect();
    let mut fixture: Json =
        serde_json::from_str(&Fixture::builtin().to_json()).expect("built-in fixture JSON");
    fixture["tencentcloud"]["postgres"][0]["databases"][0]["schemas"][0]["tables"] =
        Json::Array(tables);
    Fixture::from_json(&fixture.to_string()).expect("fixture with many tables")
}

/// `count` tables through a `dynamic "object"` block.
fn many_tables_config(sim: &Sim, count: usize) -> String {
    format!(
        r#"{}
locals {{
  tables = [for i in range({count}) : format("t%03d", i)]
}}

resource "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "{INSTANCE}"
  user_name      = "app"

  dynamic "object" {{
    for_each = toset(local.tables)
    content {{
      object_type   = "table"
      database_name = "appdb"
      schema_name   = "public"
      object_name   = object.value
      privileges    = ["SELECT", "INSERT"]
    }}
  }}
}}
"#,
        sim.tencent_provider_config()
    )
}

#[test]
fn one_hundred_and_twenty_objects_go_out_in_three_calls_and_ten_removed_are_revoked() {
    let sim = Sim::start_with(fixture_with_tables(120), SimOptions::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&many_tables_config(&sim, 120));
    workspace.apply();
    let calls = modify_calls(&sim);
    let sizes: Vec<usize> = calls.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![50, 50, 20], "⌈120/50⌉ = 3 calls");
    let held = sim.postgres_privileges(INSTANCE, "app");
    assert_eq!(held.len(), 120);
    assert!(held
        .values()
        .all(|p| *p == BTreeSet::from(["INSERT".to_string(), "SELECT".to_string()])));
    workspace.expect_empty_plan("after applying 120 objects");

    sim.clear_requests();
    workspace.write_config(&many_tables_config(&sim, 110));
    workspace.apply();
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let revoked: BTreeSet<String> = calls[0].iter().map(item_text).collect();
    let expected: BTreeSet<String> = (110..120)
        .map(|i| format!(r#"revokeObject table t{i} ["INSERT", "SELECT"]"#))
        .collect();
    assert_eq!(
        revoked, expected,
        "exactly the ten removed tables are revoked"
    );
    let held = sim.postgres_privileges(INSTANCE, "app");
    assert_eq!(held.len(), 110);
    assert!(!held.contains_key("table:appdb.public.t110"));
    workspace.expect_empty_plan("after removing ten objects");

    // One table of the 110 dropped outside Terraform: the refresh names it, and finding it
    // among its batch of 50 takes a handful of halvings, not a call per table.
    sim.postgres_drop_object(
        INSTANCE,
        json!({"object_type": "table", "database_name": "appdb", "schema_name": "public",
               "object_name": "t005"}),
    );
    sim.clear_requests();
    let (_, plan) = workspace.plan_has_changes();
    let text = unwrapped(&plan.text());
    assert!(
        text.contains("table appdb.public.t005 no longer exists on instance postgres-sim00001"),
        "{text}"
    );
    let reads = sim.count_calls("DescribeAccountPrivileges");
    assert!(
        (3..=16).contains(&reads),
        "{reads} DescribeAccountPrivileges calls"
    );
}

/// A privilege that does not apply to its object type, and a table without its schema, fail
/// at plan time with the attribute and what is allowed; nothing reaches the cloud.
fn bad_objects_fail_at_plan_time(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let config = account_config(
        &sim,
        "",
        &[
            (USERS, &["SELECT", "EXECUTE"]),
            ("schema:appdb.public", &["USAGE"]),
        ],
    )
    .replace(
        "    schema_name = \"public\"\n    object_name = \"users\"",
        "    object_name = \"users\"",
    );
    workspace.write_config(&config);
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains(
            r#"object.privileges contains "EXECUTE", which is not a privilege of a table"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"Allowed values for table: "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER""#),
        "{text}"
    );
    assert!(
        text.contains(r#"object.schema_name is required for object_type = "table""#),
        "{text}"
    );
    assert!(
        text.contains("A table is named by database_name, schema_name, object_name"),
        "{text}"
    );
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(bad_objects_fail_at_plan_time);

/// A table dropped outside Terraform: the refresh warns by name and drops it from the state,
/// apply stops before changing anything, and leaving it out of the configuration settles it.
fn a_dropped_object_is_reported_by_name(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&account_config(
        &sim,
        "",
        &[(USERS, &["SELECT"]), (EMAIL, &["UPDATE"])],
    ));
    workspace.apply();
    sim.postgres_drop_object(
        INSTANCE,
        json!({"object_type": "column", "database_name": "appdb", "schema_name": "public",
               "table_name": "users", "object_name": "email"}),
    );

    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        changes,
        "the dropped column is planned as new:\n{}",
        plan.text()
    );
    let text = unwrapped(&plan.text());
    assert!(text.contains("Warning: Objects no longer exist"), "{text}");
    assert!(
        text.contains("column appdb.public.users.email no longer exists on instance postgres-sim00001, so it was removed from the state of postgres-sim00001#app"),
        "{text}"
    );
    assert!(
        text.contains("does not exist in instance"),
        "the vendor's answer is quoted: {text}"
    );

    sim.clear_requests();
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("Error: Objects do not exist"), "{text}");
    assert!(
        text.contains("column appdb.public.users.email does not exist on instance postgres-sim00001, so nothing was changed"),
        "{text}"
    );
    assert_eq!(sim.count_calls("ModifyAccountPrivileges"), 0);
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(&[(USERS, &["SELECT"])])
    );

    workspace.write_config(&account_config(&sim, "", &[(USERS, &["SELECT"])]));
    workspace.expect_empty_plan("once the configuration no longer lists the dropped column");
}

on_each_terraform!(a_dropped_object_is_reported_by_name);

/// `count` tables with `privileges` each, as the configuration of the resource.
fn tables_with(sim: &Sim, count: usize, privileges: &str) -> String {
    many_tables_config(sim, count).replace(r#"["SELECT", "INSERT"]"#, privileges)
}

#[test]
fn a_call_failing_part_way_is_reported_and_the_state_records_what_was_applied() {
    let sim = Sim::start_with(fixture_with_tables(120), SimOptions::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&tables_with(&sim, 120, r#"["SELECT"]"#));
    workspace.apply();

    // 120 grants of INSERT: three calls. The first one is held back for a moment, and while it
    // waits the second one is set to fail.
    sim.clear_requests();
    workspace.write_config(&tables_with(&sim, 120, r#"["SELECT", "INSERT"]"#));
    sim.add_fault(
        json!({"service": "postgres", "action": "ModifyAccountPrivileges", "latency_ms": 1500}),
    );
    let run = std::thread::scope(|scope| {
        let applying = scope.spawn(|| workspace.run(&["apply", "-auto-approve", "-input=false"]));
        let waited = Instant::now();
        while !sim.pending_faults().is_empty() {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "the first call never came"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sim.add_fault(
            json!({"service": "postgres", "action": "ModifyAccountPrivileges",
                             "error_code": "FailedOperation.FailedOperationError"}),
        );
        applying.join().expect("apply thread")
    });
    assert!(!run.success, "apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("FailedOperation.FailedOperationError"),
        "{text}"
    );
    assert!(text.contains("RequestId:"), "{text}");
    let request_id = sim.request_id_of_failed("ModifyAccountPrivileges");
    assert!(text.contains(&format!("RequestId: {request_id}")), "{text}");
    assert!(
        text.contains("The 120 changes go out in 3 ModifyAccountPrivileges call(s) of at most 50; call 2 failed. The 1 call(s) before it applied 50 of the 120 changes: grant INSERT on table appdb.public.t000;"),
        "{text}"
    );
    assert!(
        text.contains(
            "The failed call may still have taken effect: the state records what the account holds"
        ),
        "{text}"
    );
    let with_insert = sim
        .postgres_privileges(INSTANCE, "app")
        .values()
        .filter(|p| p.contains("INSERT"))
        .count();
    assert_eq!(with_insert, 50);

    // The state holds what was really applied: the next apply sends the 70 grants left.
    sim.clear_requests();
    workspace.apply();
    let sizes: Vec<usize> = modify_calls(&sim).iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![50, 20]);
    assert!(sim
        .postgres_privileges(INSTANCE, "app")
        .values()
        .all(|p| p.contains("INSERT")));
    workspace.expect_empty_plan("after finishing the update");
}

#[test]
fn import_ids_that_cannot_be_imported_say_why() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&account_config(&sim, "", &[(USERS, &["SELECT"])]));
    let import = |id: &str| {
        let run = workspace.run(&["import", "-input=false", RESOURCE, id]);
        assert!(!run.success, "{id} must not import:\n{}", run.text());
        unwrapped(&run.text())
    };

    let text = import("postgres-sim00001#app#table:appdb.users");
    assert!(text.contains("Invalid import ID"), "{text}");
    assert!(
        text.contains("a table is named by 3 name(s) joined by dots (<db>.<schema>.<name>)"),
        "{text}"
    );

    let text = import("postgres-sim00001#app#table:appdb.public.users;table:appdb.public.orders");
    assert!(
        text.contains("table appdb.public.orders does not exist on instance postgres-sim00001"),
        "{text}"
    );

    let text = import("postgres-sim00001#nobody");
    assert!(
        text.contains(r#"PostgreSQL instance postgres-sim00001 has no account "nobody""#),
        "{text}"
    );
    assert_eq!(sim.count_calls("ModifyAccountPrivileges"), 0);
}

#[test]
fn a_create_failing_part_way_is_recorded_and_the_next_apply_finishes() {
    let sim = Sim::start_with(fixture_with_tables(120), SimOptions::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    // 120 grants go out in three calls: the first passes (a fault that only waits), the second fails.
    sim.add_fault(
        json!({"service": "postgres", "action": "ModifyAccountPrivileges", "latency_ms": 1}),
    );
    sim.add_fault(
        json!({"service": "postgres", "action": "ModifyAccountPrivileges",
                         "error_code": "FailedOperation.FailedOperationError"}),
    );
    workspace.write_config(&tables_with(&sim, 120, r#"["SELECT"]"#));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the create must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("call 2 failed. The 1 call(s) before it applied 50 of the 120 changes"),
        "{text}"
    );
    assert!(sim.pending_faults().is_empty(), "both faults fired");
    let granted = |sim: &Sim| {
        sim.postgres_privileges(INSTANCE, "app")
            .values()
            .filter(|p| p.contains("SELECT"))
            .count()
    };
    assert_eq!(granted(&sim), 50);

    // The 50 grants are not forgotten: the state records what the account holds.
    let listed = workspace.run(&["state", "list"]);
    listed.expect_success("terraform state list");
    assert!(listed.stdout.contains(RESOURCE), "{}", listed.text());
    let shown = workspace.run(&["show", "-json"]);
    shown.expect_success("terraform show -json");
    let shown: Json = serde_json::from_str(shown.stdout.trim()).expect("show -json");
    let objects = shown["values"]["root_module"]["resources"][0]["values"]["object"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(objects.len(), 120);
    let with_select = objects
        .iter()
        .filter(|o| o["privileges"] == json!(["SELECT"]))
        .count();
    assert_eq!(with_select, 50);

    // Terraform marks the failed create tainted and replaces it.
    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        changes && plan.stdout.contains("tainted"),
        "{}",
        plan.text()
    );
    workspace.apply();
    assert_eq!(granted(&sim), 120);
    workspace.expect_empty_plan("after finishing the create");
}

/// Tencent answers its server errors with HTTP 200 and a code; each is retried, in writes and
/// reads alike, with the backoff of throttling.
#[test]
fn tencent_server_errors_are_retried_in_writes_and_reads() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    for action in ["ModifyAccountPrivileges", "DescribeAccountPrivileges"] {
        for code in TENCENT_SERVER_ERRORS {
            sim.add_fault(json!({ "service": "postgres", "action": action, "error_code": code }));
        }
    }
    let objects: &[(&str, &[&str])] = &[("table:appdb.public.users", &["SELECT"])];
    workspace.write_config(&account_config(&sim, "", objects));
    workspace.apply();
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(&[("table:appdb.public.users", &["SELECT"])])
    );
    assert!(sim.pending_faults().is_empty(), "every fault fired");
    let failed = sim
        .requests()
        .iter()
        .filter(|r| r["error_code"].is_string())
        .count();
    assert_eq!(failed, 8);

    for code in TENCENT_SERVER_ERRORS {
        sim.add_fault(
            json!({ "service": "postgres", "action": "DescribeAccounts", "error_code": code }),
        );
    }
    workspace.expect_empty_plan("after reads that failed with server errors first");
    assert!(sim.pending_faults().is_empty(), "every read fault fired");
}

/// Nulls from variables in required arguments and in an object's fields fail at plan time,
/// each named; nothing reaches the cloud.
fn nulls_fail_at_plan_time(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let resource = |name: &str, instance: &str, user: &str, object_type: &str, privileges: &str| {
        format!(
            r#"
resource "clouddb_postgres_account_privileges" "{name}" {{
  db_instance_id = {instance}
  user_name      = {user}

  object {{
    object_type = {object_type}
    object_name = "appdb"
    privileges  = {privileges}
  }}
}}
"#
        )
    };
    let instance = format!("\"{INSTANCE}\"");
    let config = [
        sim.tencent_provider_config(),
        NULL_VARIABLES.to_string(),
        resource(
            "a",
            "var.no_text",
            "\"app\"",
            "\"database\"",
            "[\"CONNECT\"]",
        ),
        resource(
            "b",
            &instance,
            "var.no_text",
            "\"database\"",
            "[\"CONNECT\"]",
        ),
        resource("c", &instance, "\"app\"", "var.no_text", "[\"CONNECT\"]"),
        resource("d", &instance, "\"app\"", "\"database\"", "var.no_set"),
    ]
    .concat();
    workspace.write_config(&config);
    workspace.plan_fails_saying(&[
        "db_instance_id is null, but it is required.",
        "user_name is null, but it is required.",
        "object.object_type is null, but it is required.",
        "object.privileges is null, but it is required.",
    ]);
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(nulls_fail_at_plan_time);

/// With the wrong region the instance cannot be found: refresh and apply fail naming the
/// instance, the region and the endpoint, and the resource stays in the state.
#[test]
fn a_wrong_region_is_a_missing_instance_not_a_deleted_account() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let objects: &[(&str, &[&str])] = &[("table:appdb.public.users", &["SELECT"])];
    workspace.write_config(&account_config(&sim, "", objects));
    workspace.apply();
    workspace
        .write_config(&account_config(&sim, "", objects).replace("ap-guangzhou", "ap-shanghai"));
    let expected = format!(
        "PostgreSQL instance postgres-sim00001 was not found in region ap-shanghai at {}/: DescribeAccounts failed: ResourceNotFound.InstanceNotFoundError",
        sim.url()
    );
    for text in workspace.refresh_and_apply_fail_saying(&expected) {
        assert!(text.contains("terraform state rm"), "{text}");
        assert!(!text.contains("has been deleted"), "{text}");
    }
    let listed = workspace.run(&["state", "list"]);
    assert!(listed.stdout.contains(RESOURCE), "{}", listed.text());
}

/// A state written without the optional attributes (an older provider, or a hand edit) still
/// refreshes, and plans no change.
fn an_old_state_still_refreshes(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let objects: &[(&str, &[&str])] = &[("table:appdb.public.users", &["SELECT"])];
    workspace.write_config(&account_config(&sim, "", objects));
    workspace.apply();
    workspace.strip_state_attributes(
        "clouddb_postgres_account_privileges",
        &["revoke_cascade", "account_type", "timeouts"],
    );
    workspace.expect_empty_plan("after the state lost its optional attributes");
}

on_each_terraform!(an_old_state_still_refreshes);

/// Each operation's timeout bounds its retries: a cloud that keeps throttling fails the
/// create, the update and the delete soon after their timeouts, and the state stays truthful.
#[test]
fn every_operations_timeout_bounds_its_retries() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let throttle = || {
        sim.add_fault(json!({
            "service": "postgres", "action": "ModifyAccountPrivileges", "count": 1000,
            "error_code": "RequestLimitExceeded",
        }))
    };
    let config = |privilege: &str, timeout: &str| {
        let objects: &[(&str, &[&str])] = &[("table:appdb.public.users", &[privilege])];
        account_config(
            &sim,
            &format!("  timeouts {{\n    {timeout} = \"1s\"\n  }}\n"),
            objects,
        )
    };
    let fails_promptly = |args: &[&str], operation: &str| {
        let (text, took) = workspace.run_failing(args);
        assert!(
            text.contains(
                "ModifyAccountPrivileges did not succeed before the operation's timeout elapsed"
            ),
            "{operation}: {text}"
        );
        assert!(
            text.contains("last error: ModifyAccountPrivileges failed: RequestLimitExceeded"),
            "{text}"
        );
        assert!(
            took < Duration::from_secs(8),
            "the {operation} failed only after {took:?}"
        );
    };

    throttle();
    workspace.write_config(&config("SELECT", "create"));
    fails_promptly(&["apply", "-auto-approve", "-input=false"], "create");
    assert!(sim.postgres_privileges(INSTANCE, "app").is_empty());
    sim.clear_faults();
    workspace.write_config(&config("SELECT", "update"));
    workspace.apply();

    throttle();
    workspace.write_config(&config("INSERT", "update"));
    fails_promptly(&["apply", "-auto-approve", "-input=false"], "update");
    sim.clear_faults();
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(&[("table:appdb.public.users", &["SELECT"])])
    );
    workspace.write_config(&config("SELECT", "delete"));
    workspace.apply();

    throttle();
    fails_promptly(&["destroy", "-auto-approve", "-input=false"], "delete");
    sim.clear_faults();
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "app"),
        postgres_grants(&[("table:appdb.public.users", &["SELECT"])]),
        "nothing was revoked"
    );
    workspace.destroy();
    assert!(sim.postgres_privileges(INSTANCE, "app").is_empty());
}

/// Two resources of one account may split its objects between them, but not share one: each
/// would set the object's privileges to its own, undoing the other's on every apply.
fn one_object_in_two_resources_of_an_account_is_refused(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let resource = |name: &str, spec: &str, privileges: &[&str]| {
        format!(
            "\nresource \"clouddb_postgres_account_privileges\" \"{name}\" {{\n  db_instance_id = \"{INSTANCE}\"\n  user_name      = \"app\"\n{}}}\n",
            object_block(spec, privileges)
        )
    };
    workspace.write_config(
        &(sim.tencent_provider_config()
            + &resource("connect", DATABASE, &["CONNECT"])
            + &resource("usage", SCHEMA, &["USAGE"])),
    );
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(run.success, "disjoint objects plan:\n{}", run.text());
    workspace.write_config(
        &(sim.tencent_provider_config()
            + &resource("connect", DATABASE, &["CONNECT"])
            + &resource("create", DATABASE, &["CREATE"])),
    );
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("Object managed twice"), "{text}");
    assert!(
        text.contains(
            "of the account postgres-sim00001#app in this configuration lists the database appdb"
        ),
        "{text}"
    );
    let writes = sim
        .requests()
        .iter()
        .filter(|r| r["action"] == "ModifyAccountPrivileges")
        .count();
    assert_eq!(writes, 0, "nothing was written");
}

on_each_terraform!(one_object_in_two_resources_of_an_account_is_refused);

/// Two resources of one account, with disjoint objects: a table moved from one to the other
/// in one apply ends up held exactly as configured, whichever resource Terraform applies
/// first. The move runs many times in both directions.
#[test]
fn an_object_moved_between_two_resources_of_one_account_is_never_lost() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let resource = |name: &str, objects: &[(&str, &[&str])]| {
        let blocks: String = objects
            .iter()
            .map(|(spec, privileges)| object_block(spec, privileges))
            .collect();
        format!(
            "\nresource \"clouddb_postgres_account_privileges\" \"{name}\" {{\n  db_instance_id = \"{INSTANCE}\"\n  user_name      = \"app\"\n{blocks}}}\n"
        )
    };
    let moves = [
        &["SELECT"][..],
        &["SELECT", "UPDATE"],
        &["INSERT"],
        &["SELECT", "INSERT", "DELETE"],
        &["TRUNCATE"],
        &["SELECT"],
        &["UPDATE", "REFERENCES"],
        &["SELECT", "TRIGGER"],
    ];
    for (round, privileges) in moves.iter().enumerate() {
        let table = (USERS, *privileges);
        let (a, b): (Vec<_>, Vec<_>) = if round % 2 == 0 {
            (
                vec![("database:appdb", &["CONNECT"][..]), table],
                vec![("schema:appdb.public", &["USAGE"][..])],
            )
        } else {
            (
                vec![("database:appdb", &["CONNECT"][..])],
                vec![("schema:appdb.public", &["USAGE"][..]), table],
            )
        };
        workspace.write_config(
            &(sim.tencent_provider_config() + &resource("a", &a) + &resource("b", &b)),
        );
        sim.clear_requests();
        workspace.apply();
        let calls: Vec<Vec<String>> = modify_calls(&sim)
            .iter()
            .map(|items| items.iter().map(item_text).collect())
            .collect();
        assert_eq!(
            sim.postgres_privileges(INSTANCE, "app"),
            postgres_grants(&[
                ("database:appdb", &["CONNECT"]),
                ("schema:appdb.public", &["USAGE"]),
                (USERS, privileges),
            ]),
            "round {round}: the table went to resource {}; the calls: {calls:#?}",
            if round % 2 == 0 { "a" } else { "b" }
        );
    }
    workspace.expect_empty_plan("after the moves");
}

/// An endpoint nothing listens on is one error naming the URL, and nothing is recorded.
#[test]
fn an_unreachable_endpoint_is_one_error_naming_the_url() {
    let closed = closed_endpoint();
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let objects: &[(&str, &[&str])] = &[(USERS, &["SELECT"])];
    workspace.write_config(&account_config(&sim, "", objects).replace(&sim.url(), &closed));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "{}", run.text());
    let text = unwrapped(&run.text());
    assert_eq!(text.matches("Error:").count(), 1, "{text}");
    assert!(
        text.contains(&format!("could not connect to the API endpoint {closed}: ")),
        "{text}"
    );
}

/// `TEMP` hints `TEMPORARY`, and `ALL` says what to write instead.
#[test]
fn shortened_and_all_privileges_get_a_hint() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let objects: &[(&str, &[&str])] = &[("database:appdb", &["TEMP"]), (USERS, &["ALL"])];
    workspace.write_config(&account_config(&sim, "", objects));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("contains \"TEMP\", which is not a privilege of a database (database appdb). Did you mean \"TEMPORARY\"?"), "{text}");
    assert!(text.contains("contains \"ALL\", which is not a privilege of a table (table appdb.public.users). ALL is not accepted: list each privilege you want"), "{text}");
    assert!(sim.requests().is_empty());
}

/// Two Terraform processes applying 40 accounts each at once, on one account with the
/// documented limit (20 ModifyAccountPrivileges a second): their provider processes share the
/// record of what they sent, so together they keep under the limit and none of the 80 calls is
/// throttled. Each alone, they would send twice the rate between them.
#[test]
fn two_terraform_processes_of_one_account_keep_under_its_rate_limit_together() {
    let users = user_names(80);
    let sim = Sim::start_with(
        fixture_with_users(&users),
        SimOptions {
            latency: Duration::from_millis(30),
            rate_limits: clouddb_sim::RateLimits::Documented,
            ..SimOptions::default()
        },
    );
    let workspaces: Vec<Workspace> = users
        .chunks(40)
        .map(|half| {
            let workspace = Workspace::new(TerraformVersion::Current);
            workspace.write_config(&format!(
                r#"{}
{}"#,
                sim.tencent_provider_config(),
                team_config(half)
            ));
            workspace
        })
        .collect();
    std::thread::scope(|scope| {
        let applies: Vec<_> = workspaces
            .iter()
            .map(|workspace| scope.spawn(|| workspace.apply()))
            .collect();
        for apply in applies {
            apply.join().expect("apply thread");
        }
    });
    let modifies: Vec<Json> = sim
        .requests()
        .into_iter()
        .filter(|r| r["action"] == "ModifyAccountPrivileges")
        .collect();
    let throttled = modifies
        .iter()
        .filter(|r| r["error_code"] == "RequestLimitExceeded")
        .count();
    assert_eq!((modifies.len(), throttled), (80, 0));
    for user in &users {
        assert_eq!(
            sim.postgres_privileges(INSTANCE, user),
            postgres_grants(&[(DATABASE, &["CONNECT"])]),
            "{user}"
        );
    }
}

fn user_names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("u{i:02}")).collect()
}

/// The built-in fixture, its instance holding `users`.
fn fixture_with_users(users: &[String]) -> Fixture {
    let mut fixture: Json = serde_json::from_str(&Fixture::builtin().to_json()).expect("fixture");
    fixture["tencentcloud"]["postgres"][0]["accounts"] = json!(users);
    Fixture::from_json(&fixture.to_string()).expect("fixture")
}

/// One resource per user, each granting CONNECT on the database.
fn team_config(users: &[String]) -> String {
    format!(
        r#"
resource "clouddb_postgres_account_privileges" "team" {{
  for_each       = toset({})
  db_instance_id = "{INSTANCE}"
  user_name      = each.key
{}}}
"#,
        Json::from(users.to_vec()),
        object_block(DATABASE, &["CONNECT"])
    )
}

/// Refreshing 40 accounts of one instance lists its accounts once (one DescribeAccounts page)
/// rather than once per resource, each reading its own privileges; a change made outside
/// Terraform is still planned, and the apply that repairs it reads fresh.
#[test]
fn refreshing_many_accounts_of_one_instance_lists_its_accounts_once() {
    let users = user_names(40);
    let sim = Sim::start_with(fixture_with_users(&users), SimOptions::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&format!(
        "{}{}",
        sim.tencent_provider_config(),
        team_config(&users)
    ));
    workspace.apply();

    let database = DatabaseObject {
        database_name: None,
        schema_name: None,
        table_name: None,
        object_type: ObjectType::Database,
        object_name: "appdb".into(),
    };
    let drift = [ModifyPrivilege::grant(database, vec!["TEMPORARY".into()])];
    sim.block_on(sim.postgres_client().modify_account_privileges(
        INSTANCE,
        "u07",
        &drift,
        Instant::now() + Duration::from_secs(30),
    ))
    .expect("out-of-band grant");
    sim.clear_requests();
    let (changes, plan) = workspace.plan_has_changes();
    assert_eq!(
        (
            sim.count_calls("DescribeAccounts"),
            sim.count_calls("DescribeAccountPrivileges")
        ),
        (1, 40),
        "one listing and one privileges read each for 40 accounts:\n{:#?}",
        sim.requests()
    );
    assert!(changes, "the drift of u07 is not planned:\n{}", plan.text());
    assert!(
        plan.stdout.contains("team[\"u07\"]") && plan.stdout.contains("1 to change"),
        "{}",
        plan.stdout
    );

    workspace.apply();
    assert_eq!(
        sim.postgres_privileges(INSTANCE, "u07"),
        postgres_grants(&[(DATABASE, &["CONNECT"])])
    );
    workspace.expect_empty_plan("after repairing the drift");
}

/// The lookup's `objects` are checked element by element at plan time, each error naming its
/// element; one element never silently becomes two.
#[test]
fn a_lookup_names_the_object_element_it_cannot_read() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&format!(
        r#"{}
data "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "{INSTANCE}"
  user_name      = "app"
  objects        = ["database:appdb", "tabel:appdb.public.users", "database:appdb;schema:appdb.public"]
}}
"#,
        sim.tencent_provider_config()
    ));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains(
            r#"objects[1] = "tabel:appdb.public.users" is not valid: "tabel" is not an object type"#
        ),
        "{text}"
    );
    assert!(
        text.contains("objects[2] = \"database:appdb;schema:appdb.public\" is not valid: an element names one object"),
        "{text}"
    );
    assert!(!text.contains("objects[0]"), "{text}");
    assert!(sim.requests().is_empty(), "nothing is read");
}
