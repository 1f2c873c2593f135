//! clouddb_cdb_account_privileges with real Terraform (1.11.4 and 1.0.3) against clouddb-sim.

use std::time::Duration;

use clouddb::cloud::tencent::cdb::{Account, AccountPrivileges, DatabasePrivilege, TaskWait};
use clouddb_sim::{Fixture, SimOptions};
use clouddb_test_support::on_each_terraform;
use clouddb_test_support::sim::{cdb_grants, closed_endpoint, Sim, TENCENT_SERVER_ERRORS};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace, NULL_VARIABLES};
use serde_json::Value as Json;
use tokio::time::Instant;

const INSTANCE: &str = "cdb-sim00001";
const RESOURCE: &str = "clouddb_cdb_account_privileges.app";

/// A `clouddb_cdb_account_privileges` block named `name` for the account `user@%`.
fn resource_block(name: &str, user: &str, body: &str) -> String {
    format!(
        r#"
resource "clouddb_cdb_account_privileges" "{name}" {{
  instance_id = "{INSTANCE}"
  user        = "{user}"
{body}
}}
"#
    )
}

/// The provider block and the resource `app` for the account `app@%`.
fn app_config(sim: &Sim, body: &str) -> String {
    sim.tencent_provider_config() + &resource_block("app", "app", body)
}

/// Every level: global, database, table and column.
const FIRST: &str = r#"
  global_privileges = ["PROCESS"]

  database {
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = ["INSERT", "UPDATE"]
  }

  column {
    database   = "shop"
    table      = "orders"
    column     = "total"
    privileges = ["SELECT"]
  }
"#;

fn first_grants() -> std::collections::BTreeSet<String> {
    cdb_grants(&[
        "global:*:PROCESS",
        "database:shop:SELECT",
        "database:shop:SHOW VIEW",
        "table:shop.orders:INSERT",
        "table:shop.orders:UPDATE",
        "column:shop.orders.total:SELECT",
    ])
}

/// No global privileges, no table scope any more, more database and column privileges.
const SECOND: &str = r#"
  database {
    database   = "shop"
    privileges = ["SELECT", "INSERT", "LOCK TABLES"]
  }

  column {
    database   = "shop"
    table      = "orders"
    column     = "total"
    privileges = ["UPDATE", "SELECT"]
  }

  column {
    database   = "shop"
    table      = "orders"
    column     = "id"
    privileges = ["SELECT"]
  }
"#;

fn second_grants() -> std::collections::BTreeSet<String> {
    cdb_grants(&[
        "database:shop:SELECT",
        "database:shop:INSERT",
        "database:shop:LOCK TABLES",
        "column:shop.orders.total:SELECT",
        "column:shop.orders.total:UPDATE",
        "column:shop.orders.id:SELECT",
    ])
}

/// The ModifyAccountPrivileges calls logged so far, as their parameters.
fn modify_calls(sim: &Sim) -> Vec<Json> {
    sim.requests()
        .into_iter()
        .filter(|r| r["action"] == "ModifyAccountPrivileges")
        .map(|r| r["params"].clone())
        .collect()
}

/// Whether Terraform's state records the resource as tainted (to be replaced).
fn is_tainted(workspace: &Workspace, address: &str) -> bool {
    let run = workspace.run(&["state", "show", address]);
    run.expect_success("terraform state show");
    run.stdout.contains("(tainted)")
}

/// The resource's attributes in Terraform's state, or `None` when the state has no such resource.
fn state_of(workspace: &Workspace, address: &str) -> Option<Json> {
    let run = workspace.run(&["show", "-json"]);
    run.expect_success("terraform show -json");
    let shown: Json = serde_json::from_str(run.stdout.trim()).expect("show -json output");
    shown["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|resources| resources.iter().find(|r| r["address"] == address))
        .map(|resource| resource["values"].clone())
}

fn sorted_strings(value: &Json) -> Vec<String> {
    let mut names: Vec<String> = value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// What someone outside Terraform gives the account in the drift stories.
fn reload_and_select_on_shop() -> AccountPrivileges {
    AccountPrivileges {
        global_privileges: vec!["RELOAD".into()],
        database_privileges: vec![DatabasePrivilege {
            database: "shop".into(),
            privileges: vec!["SELECT".into()],
        }],
        ..AccountPrivileges::default()
    }
}

/// Makes the account hold `privileges` through the API, as someone outside Terraform would.
fn change_out_of_band(sim: &Sim, privileges: &AccountPrivileges) {
    let client = sim.cdb_client();
    let account = Account {
        user: "app".into(),
        host: "%".into(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let outcome = sim.block_on(async {
        let task = client
            .modify_account_privileges(
                INSTANCE,
                std::slice::from_ref(&account),
                privileges,
                deadline,
            )
            .await?;
        client
            .wait_for_async_request("ModifyAccountPrivileges", &task.async_request_id, deadline)
            .await
    });
    assert_eq!(outcome.expect("out-of-band change"), TaskWait::Succeeded);
}

/// apply → empty plan → import round trip → update → drift repaired → destroy.
fn full_cycle(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&app_config(&sim, FIRST));

    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "one full-replace call: {calls:#?}");
    assert!(calls[0].get("ModifyAction").is_none(), "{}", calls[0]);
    assert_eq!(
        calls[0]["Accounts"],
        serde_json::json!([{"User": "app", "Host": "%"}])
    );
    assert!(
        sim.count_calls("DescribeAsyncRequestInfo") >= 1,
        "the task is waited for"
    );
    let state = state_of(&workspace, RESOURCE).expect("the resource is in the state");
    assert_eq!(state["id"], "cdb-sim00001#app#%");
    assert_eq!(state["host"], "%");
    workspace.expect_empty_plan("right after apply");

    // Importing the same account into a fresh state reproduces it exactly.
    let imported = Workspace::new(version);
    imported.write_config(&app_config(&sim, FIRST));
    imported
        .run(&["import", "-input=false", RESOURCE, "cdb-sim00001#app#%"])
        .expect_success("terraform import");
    imported.expect_empty_plan("after import");

    // An update is one more full replace, which also drops the table scope.
    sim.clear_requests();
    workspace.write_config(&app_config(&sim, SECOND));
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), second_grants());
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0]["GlobalPrivileges"], serde_json::json!([]));
    assert_eq!(calls[0]["TablePrivileges"], serde_json::json!([]));
    workspace.expect_empty_plan("after the update");

    // Someone replaces the account's privileges through the API; the plan shows it and apply
    // puts the configured ones back.
    change_out_of_band(&sim, &reload_and_select_on_shop());
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes, "the drift is not planned back:\n{}", plan.text());
    assert!(plan.stdout.contains("RELOAD"), "{}", plan.stdout);
    assert!(plan.stdout.contains("LOCK TABLES"), "{}", plan.stdout);
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), second_grants());
    workspace.expect_empty_plan("after repairing drift");

    sim.clear_requests();
    workspace.destroy();
    assert!(
        sim.cdb_privileges(INSTANCE, "app", "%").is_empty(),
        "destroy leaves no privileges"
    );
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    for level in [
        "GlobalPrivileges",
        "DatabasePrivileges",
        "TablePrivileges",
        "ColumnPrivileges",
    ] {
        assert_eq!(calls[0][level], serde_json::json!([]), "{level}");
    }
}

on_each_terraform!(full_cycle);

/// A task that fails reports its Info; the state records what the account really holds.
fn failing_task_is_reported_and_state_stays_truthful(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&app_config(&sim, FIRST));

    // The first task fails: nothing was applied, so nothing is recorded.
    sim.add_fault(serde_json::json!({
        "service": "cdb", "action": "ModifyAccountPrivileges",
        "task_status": "FAILED", "task_info": "Table 'shop.orders' is locked by another operation",
    }));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("ended with status FAILED"), "{text}");
    assert!(sim.pending_faults().is_empty(), "the task fault fired");
    assert!(
        text.contains("Table 'shop.orders' is locked by another operation"),
        "{text}"
    );
    assert!(
        text.contains("RequestId of ModifyAccountPrivileges:"),
        "{text}"
    );
    assert!(sim.cdb_privileges(INSTANCE, "app", "%").is_empty());
    assert_eq!(state_of(&workspace, RESOURCE), None, "nothing was created");

    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());

    // An update whose task is killed leaves the old privileges, and the state says so.
    sim.add_fault(serde_json::json!({
        "service": "cdb", "action": "ModifyAccountPrivileges", "task_status": "KILLED",
    }));
    workspace.write_config(&app_config(&sim, SECOND));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the update must fail:\n{}", run.text());
    assert!(
        unwrapped(&run.text()).contains("ended with status KILLED"),
        "{}",
        run.text()
    );
    assert!(sim.pending_faults().is_empty(), "the task fault fired");
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    let state = state_of(&workspace, RESOURCE).expect("still in the state");
    assert_eq!(sorted_strings(&state["global_privileges"]), vec!["PROCESS"]);
    assert_eq!(state["table"].as_array().map(Vec::len), Some(1));
    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        changes,
        "the failed update is planned again:\n{}",
        plan.text()
    );

    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), second_grants());
    workspace.expect_empty_plan("after the retried update");
}

on_each_terraform!(failing_task_is_reported_and_state_stays_truthful);

/// A timeout shorter than the task fails the apply without waiting for the task, records
/// nothing that is not there, and the next apply converges.
fn timeout_shorter_than_the_task(version: TerraformVersion) {
    let sim = Sim::start_with(
        Fixture::builtin(),
        SimOptions {
            task_duration: Duration::from_secs(6),
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(version);
    let impatient = format!("{FIRST}\n  timeouts {{\n    create = \"1s\"\n  }}\n");
    workspace.write_config(&app_config(&sim, &impatient));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the apply must time out:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("Timed out setting the privileges of cdb-sim00001#app#%"),
        "{text}"
    );
    assert!(
        text.contains("when the create timeout of 1s elapsed"),
        "{text}"
    );
    assert!(text.contains("timeouts.create"), "{text}");
    assert!(
        sim.cdb_privileges(INSTANCE, "app", "%").is_empty(),
        "the error came before the task ended"
    );
    assert!(
        is_tainted(&workspace, RESOURCE),
        "the create is recorded, tainted: its task may still grant what it asked for"
    );

    // The task still ends and makes its change; the next apply replaces the tainted resource.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sim.cdb_privileges(INSTANCE, "app", "%").is_empty() {
        assert!(std::time::Instant::now() < deadline, "the task never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    workspace.expect_empty_plan("after the patient apply");
}

on_each_terraform!(timeout_shorter_than_the_task);

const TWO_ACCOUNTS: &str = r#"{
  "tencentcloud": {
    "credentials": [{"secret_id": "AKIDsim", "secret_key": "sim-secret"}],
    "cdb": [{
      "instance_id": "cdb-sim00001",
      "region": "ap-guangzhou",
      "accounts": [{"user": "app", "host": "%"}, {"user": "report", "host": "%"}],
      "databases": [{"name": "shop", "tables": [{"name": "orders", "columns": ["id", "total"]}]}]
    }]
  }
}"#;

/// Two accounts of one instance: their changes and waits overlap, and neither touches the other.
fn two_accounts_in_parallel(version: TerraformVersion) {
    let fixture = Fixture::from_json(TWO_ACCOUNTS).expect("fixture");
    let sim = Sim::start_with(
        fixture,
        SimOptions {
            task_duration: Duration::from_secs(2),
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(version);
    let report = r#"
  database {
    database   = "shop"
    privileges = ["SELECT"]
  }
"#;
    workspace
        .write_config(&(app_config(&sim, FIRST) + &resource_block("report", "report", report)));
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    assert_eq!(
        sim.cdb_privileges(INSTANCE, "report", "%"),
        cdb_grants(&["database:shop:SELECT"])
    );

    let log = sim.requests();
    let modifies: Vec<usize> = positions(&log, "ModifyAccountPrivileges");
    assert_eq!(modifies.len(), 2, "one call per account");
    let users: std::collections::BTreeSet<&str> = modifies
        .iter()
        .filter_map(|i| log[*i]["params"]["Accounts"][0]["User"].as_str())
        .collect();
    assert_eq!(users, ["app", "report"].into_iter().collect());
    let polls = positions(&log, "DescribeAsyncRequestInfo");
    let first_task = &log[polls[0]]["params"]["AsyncRequestId"];
    let last_poll_of_first_task = polls
        .iter()
        .rev()
        .find(|i| &log[**i]["params"]["AsyncRequestId"] == first_task)
        .copied()
        .expect("the first task's polls");
    assert!(
        modifies[1] < last_poll_of_first_task,
        "the second account's change waited for the first's task: {log:#?}"
    );
    workspace.expect_empty_plan("after the parallel apply");

    workspace.destroy();
    assert!(sim.cdb_privileges(INSTANCE, "app", "%").is_empty());
    assert!(sim.cdb_privileges(INSTANCE, "report", "%").is_empty());
}

fn positions(log: &[Json], action: &str) -> Vec<usize> {
    log.iter()
        .enumerate()
        .filter(|(_, r)| r["action"] == action)
        .map(|(i, _)| i)
        .collect()
}

on_each_terraform!(two_accounts_in_parallel);

/// Privileges outside their level's list, empty blocks and repeated scopes fail at plan time,
/// and nothing reaches the cloud.
fn bad_configuration_fails_at_plan_time(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let wrong_names = r#"
  global_privileges = ["select"]

  database {
    database   = "shop"
    privileges = ["SELECT"]
  }

  database {
    database   = "logs"
    privileges = ["PROCESS"]
  }
"#;
    workspace.write_config(&app_config(&sim, wrong_names));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains(r#"global_privileges contains "select", which is not allowed (values are case-sensitive: did you mean "SELECT"?)"#),
        "{text}"
    );
    assert!(
        text.contains(r#"In the database block with database = "logs": database.privileges contains "PROCESS", which is not allowed"#),
        "the error says which of the blocks: {text}"
    );
    assert!(
        text.contains(r#"Allowed values: "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER", "CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE", "ALTER ROUTINE", "EVENT", "TRIGGER"."#),
        "the database level's list: {text}"
    );

    let repeated = r#"
  database {
    database   = "shop"
    privileges = ["SELECT"]
  }

  database {
    database   = "shop"
    privileges = ["INSERT"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = []
  }
"#;
    workspace.write_config(&app_config(&sim, repeated));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("2 database blocks name shop."), "{text}");
    assert!(
        text.contains(
            "The table block for shop.orders has no privileges. Remove the block instead"
        ),
        "{text}"
    );
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(bad_configuration_fails_at_plan_time);

#[test]
fn a_missing_account_is_explained() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace
        .write_config(&(sim.tencent_provider_config() + &resource_block("app", "ghost", FIRST)));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    let text = unwrapped(&run.text());
    assert!(
        text.contains("CDB instance cdb-sim00001 has no account ghost@%"),
        "{text}"
    );
    assert!(
        text.contains("InvalidParameterValue.UserNotExistError"),
        "{text}"
    );
    assert!(text.contains("RequestId:"), "{text}");
    let request_id = sim.request_id_of_failed("ModifyAccountPrivileges");
    assert!(text.contains(&format!("RequestId: {request_id}")), "{text}");
    assert_eq!(state_of(&workspace, RESOURCE), None);

    let run = workspace.run(&["import", "-input=false", RESOURCE, "cdb-sim00001#ghost#%"]);
    assert!(!run.success);
    assert!(
        unwrapped(&run.text()).contains("Cannot import non-existent account"),
        "{}",
        run.text()
    );
    let run = workspace.run(&["import", "-input=false", RESOURCE, "cdb-sim00001/app"]);
    assert!(!run.success);
    assert!(
        unwrapped(&run.text()).contains("write <instance_id>#<user>#<host>"),
        "{}",
        run.text()
    );
    assert_eq!(
        sim.count_calls("ModifyAccountPrivileges"),
        1,
        "only the failed create"
    );
}

#[test]
fn throttled_and_busy_answers_are_retried_without_surfacing_an_error() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    sim.add_fault(serde_json::json!({
        "service": "cdb", "action": "ModifyAccountPrivileges", "count": 2,
        "error_code": "RequestLimitExceeded",
    }));
    sim.add_fault(serde_json::json!({
        "service": "cdb", "action": "DescribeAsyncRequestInfo",
        "error_code": "FailedOperation.StatusConflict",
    }));
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    assert_eq!(
        sim.count_calls("ModifyAccountPrivileges"),
        3,
        "two throttled attempts, then success"
    );
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r["error_code"] == "FailedOperation.StatusConflict")
            .count(),
        1,
        "the busy poll was answered and retried"
    );
    assert!(sim.pending_faults().is_empty(), "every fault fired");
}

/// Tencent answers its server errors with HTTP 200 and a code; each is retried, in writes,
/// task polls and reads alike, with the backoff of throttling.
#[test]
fn tencent_server_errors_are_retried_in_writes_polls_and_reads() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    for action in ["ModifyAccountPrivileges", "DescribeAsyncRequestInfo"] {
        for code in TENCENT_SERVER_ERRORS {
            sim.add_fault(serde_json::json!({
                "service": "cdb", "action": action, "error_code": code,
            }));
        }
    }
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    assert!(sim.pending_faults().is_empty(), "every fault fired");
    let failed: Vec<String> = sim
        .requests()
        .iter()
        .filter_map(|r| r["error_code"].as_str().map(str::to_string))
        .collect();
    assert_eq!(failed.len(), 8, "{failed:?}");
    assert_eq!(sim.count_calls("ModifyAccountPrivileges"), 5);

    for code in TENCENT_SERVER_ERRORS {
        sim.add_fault(serde_json::json!({
            "service": "cdb", "action": "DescribeAccountPrivileges", "error_code": code,
        }));
    }
    workspace.expect_empty_plan("after reads that failed with server errors first");
    assert!(sim.pending_faults().is_empty(), "every read fault fired");
}

/// Nulls from variables in required arguments, in a block's privileges and in a set fail at
/// plan time, each named, and nothing reaches the cloud; a null optional set means empty.
fn nulls_fail_at_plan_time_or_mean_empty(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let resource = |name: &str, instance: &str, user: &str, body: &str| {
        format!(
            "\nresource \"clouddb_cdb_account_privileges\" \"{name}\" {{\n  instance_id = {instance}\n  user        = {user}\n{body}\n}}\n"
        )
    };
    let null_privileges =
        "  database {\n    database   = \"shop\"\n    privileges = var.no_set\n  }";
    let null_database =
        "  database {\n    database   = var.no_text\n    privileges = [\"SELECT\"]\n  }";
    let config = [
        sim.tencent_provider_config(),
        NULL_VARIABLES.to_string(),
        resource("a", "var.no_text", "\"app\"", ""),
        resource("b", "\"cdb-sim00001\"", "var.no_text", ""),
        resource("c", "\"cdb-sim00001\"", "\"c\"", null_privileges),
        resource("d", "\"cdb-sim00001\"", "\"d\"", null_database),
        resource(
            "e",
            "\"cdb-sim00001\"",
            "\"e\"",
            "  global_privileges = [\"PROCESS\", var.no_text]",
        ),
    ]
    .concat();
    workspace.write_config(&config);
    workspace.plan_fails_saying(&[
        "instance_id is null, but it is required.",
        "user is null, but it is required.",
        "database.privileges is null, but it is required.",
        "database.database is null, but it is required.",
        "global_privileges contains null: every element must be a value.",
    ]);
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");

    // An optional set given null means none.
    let config = [
        sim.tencent_provider_config(),
        NULL_VARIABLES.to_string(),
        resource(
            "app",
            "\"cdb-sim00001\"",
            "\"app\"",
            "  global_privileges = var.no_set\n  database {\n    database   = \"shop\"\n    privileges = [\"SELECT\"]\n  }",
        ),
    ]
    .concat();
    workspace.write_config(&config);
    workspace.apply();
    assert_eq!(
        sim.cdb_privileges(INSTANCE, "app", "%"),
        cdb_grants(&["database:shop:SELECT"])
    );
    workspace.expect_empty_plan("after applying a null optional set");
}

on_each_terraform!(nulls_fail_at_plan_time_or_mean_empty);

/// With the wrong region the instance cannot be found: refresh and apply fail naming the
/// instance, the region, the endpoint, the code and the RequestId, and the resource stays in
/// the state until `destroy -refresh=false` forgets it.
#[test]
fn a_wrong_region_is_a_missing_instance_not_a_deleted_account() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    workspace.write_config(&app_config(&sim, FIRST).replace("ap-guangzhou", "ap-shanghai"));
    let expected = format!(
        "CDB instance cdb-sim00001 was not found in region ap-shanghai at {}/: DescribeAccountPrivileges failed: InvalidParameter.InstanceNotFound",
        sim.url()
    );
    for text in workspace.refresh_and_apply_fail_saying(&expected) {
        assert!(
            sim.names_a_failed_request(&text, "DescribeAccountPrivileges"),
            "{text}"
        );
        assert!(!text.contains("has been deleted"), "{text}");
    }
    assert!(
        state_of(&workspace, RESOURCE).is_some(),
        "still in the state"
    );
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    workspace
        .run(&["destroy", "-auto-approve", "-input=false", "-refresh=false"])
        .expect_success("destroy -refresh=false");
    assert_eq!(state_of(&workspace, RESOURCE), None);
}

/// A state written without `host`, the optional sets or the blocks (an older provider, or a
/// hand edit) still refreshes, and plans no change.
fn an_old_state_still_refreshes(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    workspace.strip_state_attributes(
        "clouddb_cdb_account_privileges",
        &["host", "global_privileges", "table", "timeouts"],
    );
    workspace.expect_empty_plan("after the state lost host, global_privileges and table");
    workspace
        .run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
        .expect_success("apply -refresh-only");
    let state = state_of(&workspace, RESOURCE).expect("in the state");
    assert_eq!(state["host"], "%");
}

on_each_terraform!(an_old_state_still_refreshes);

/// Waits until the sim's account holds `expected` (a task still running after a timeout).
fn wait_for_grants(sim: &Sim, expected: &std::collections::BTreeSet<String>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while &sim.cdb_privileges(INSTANCE, "app", "%") != expected {
        assert!(std::time::Instant::now() < deadline, "the task never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The update and delete timeouts are honoured like create's: each fails soon after it
/// elapses, names itself, and leaves the state as it was; a bad duration fails at plan time.
#[test]
fn update_and_delete_timeouts_fail_promptly_and_bad_durations_at_plan_time() {
    let sim = Sim::start_with(
        Fixture::builtin(),
        SimOptions {
            task_duration: Duration::from_secs(8),
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    let with_timeouts = |body: &str, timeouts: &str| {
        app_config(&sim, &format!("{body}\n  timeouts {{\n{timeouts}\n  }}\n"))
    };
    // Well short of the task's 8 s, with room for Terraform's own second or two on a busy
    // machine: an operation that waited for the task would take longer.
    let prompt = Duration::from_secs(6);

    workspace.write_config(&with_timeouts(FIRST, "    create = \"1s\""));
    let (text, took) = workspace.run_failing(&["apply", "-auto-approve", "-input=false"]);
    assert!(
        text.contains("when the create timeout of 1s elapsed"),
        "{text}"
    );
    assert!(took < prompt, "the create failed only after {took:?}");
    assert!(is_tainted(&workspace, RESOURCE));
    wait_for_grants(&sim, &first_grants());
    workspace.write_config(&with_timeouts(FIRST, "    update = \"1s\""));
    workspace.apply();

    workspace.write_config(&with_timeouts(SECOND, "    update = \"1s\""));
    let (text, took) = workspace.run_failing(&["apply", "-auto-approve", "-input=false"]);
    assert!(
        text.contains("when the update timeout of 1s elapsed"),
        "{text}"
    );
    assert!(text.contains("raise timeouts.update"), "{text}");
    assert!(took < prompt, "the update failed only after {took:?}");
    let state = state_of(&workspace, RESOURCE).expect("still in the state");
    assert_eq!(sorted_strings(&state["global_privileges"]), vec!["PROCESS"]);
    wait_for_grants(&sim, &second_grants());

    workspace.write_config(&with_timeouts(SECOND, "    delete = \"1s\""));
    workspace.apply();
    let (text, took) = workspace.run_failing(&["destroy", "-auto-approve", "-input=false"]);
    assert!(
        text.contains("when the delete timeout of 1s elapsed"),
        "{text}"
    );
    assert!(took < prompt, "the delete failed only after {took:?}");
    assert!(state_of(&workspace, RESOURCE).is_some(), "not forgotten");
    wait_for_grants(&sim, &Default::default());

    for (bad, why) in [
        ("10", "the last number has no unit"),
        ("5d", "unknown unit \"d\""),
    ] {
        workspace.write_config(&with_timeouts(SECOND, &format!("    delete = \"{bad}\"")));
        let (text, _) = workspace.run_failing(&["plan", "-input=false"]);
        assert!(
            text.contains(&format!(
                "timeouts.delete = \"{bad}\" is not a duration: {why}"
            )),
            "{text}"
        );
    }
}

/// Each resource sets every privilege of its account, so two resources of one account are
/// refused at plan time, before anything is sent.
fn two_resources_of_one_account_are_refused(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let body = "  global_privileges = [\"PROCESS\"]";
    workspace.write_config(
        &(app_config(&sim, body)
            + &resource_block(
                "again",
                "app",
                "  host = \"%\"\n  global_privileges = [\"RELOAD\"]",
            )),
    );
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("Another clouddb_cdb_account_privileges in this configuration manages the account cdb-sim00001#app#%."),
        "{text}"
    );
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(two_resources_of_one_account_are_refused);

/// An endpoint nothing listens on is one error per resource, naming the URL: the change that
/// could not be sent is not followed by a read that fails the same way.
#[test]
fn an_unreachable_endpoint_is_one_error_naming_the_url() {
    let closed = closed_endpoint();
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&app_config(&sim, FIRST).replace(&sim.url(), &closed));
    let (text, _) = workspace.run_failing(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(text.matches("Error:").count(), 1, "{text}");
    assert!(
        text.contains(&format!(
            "ModifyAccountPrivileges failed: could not connect to the API endpoint {closed}: "
        )),
        "{text}"
    );
    assert_eq!(state_of(&workspace, RESOURCE), None);

    // An update without a refresh first: still one error, and the state as it was.
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    workspace.write_config(&app_config(&sim, SECOND).replace(&sim.url(), &closed));
    let (text, _) =
        workspace.run_failing(&["apply", "-auto-approve", "-input=false", "-refresh=false"]);
    assert_eq!(text.matches("Error:").count(), 1, "{text}");
    assert!(text.contains(&closed), "{text}");
    let state = state_of(&workspace, RESOURCE).expect("in the state");
    assert_eq!(sorted_strings(&state["global_privileges"]), vec!["PROCESS"]);
}

/// Ten thousand bad privileges give a bounded number of diagnostics, the rest counted.
#[test]
fn ten_thousand_bad_privileges_give_a_bounded_report() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let body = "  global_privileges = flatten([for a in range(100) : [for b in range(100) : \"P${a}_${b}\"]])";
    workspace.write_config(&app_config(&sim, body));
    let (text, _) = workspace.run_failing(&["plan", "-input=false"]);
    assert_eq!(
        text.matches("Error: Unsupported value").count(),
        20,
        "{}",
        &text[..2000.min(text.len())]
    );
    assert!(text.contains("Error: Too many problems"), "{text}");
    assert!(
        text.contains("9980 more problems like those above are not shown"),
        "{text}"
    );
    assert_eq!(text.matches("Error:").count(), 21);
    assert!(sim.requests().is_empty());
}

/// `ALL` and shortened names are refused at plan time with a hint saying what to write.
#[test]
fn all_and_shortened_privileges_get_a_hint() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let body = "  global_privileges = [\"ALL PRIVILEGES\"]\n  database {\n    database   = \"shop\"\n    privileges = [\"ALL\", \"SHOW  VIEW\"]\n  }";
    workspace.write_config(&app_config(&sim, body));
    let (text, _) = workspace.run_failing(&["plan", "-input=false"]);
    assert!(
        text.contains("global_privileges contains \"ALL PRIVILEGES\", which is not allowed (ALL PRIVILEGES is not accepted: list each privilege you want from the allowed values"),
        "{text}"
    );
    assert!(
        text.contains(
            "database.privileges contains \"ALL\", which is not allowed (ALL is not accepted"
        ),
        "{text}"
    );
    assert!(
        text.contains("(names have single spaces: did you mean \"SHOW VIEW\"?)"),
        "{text}"
    );
}

/// The instance with two accounts of one user: `app@%` and `app@10.0.0.%`.
fn fixture_with_two_hosts() -> serde_json::Value {
    let mut fixture: Json =
        serde_json::from_str(&Fixture::builtin().to_json()).expect("built-in fixture JSON");
    fixture["tencentcloud"]["cdb"][0]["accounts"]
        .as_array_mut()
        .expect("accounts")
        .push(serde_json::json!({"user": "app", "host": "10.0.0.%"}));
    fixture
}

/// A host other than `%`: applied, imported by its three-part ID, replaced when the host
/// changes, and an account deleted outside Terraform is planned for creation and explained.
fn another_host_replacement_and_an_account_deleted_out_of_band(version: TerraformVersion) {
    let fixture = fixture_with_two_hosts();
    let sim = Sim::start_with(
        Fixture::from_json(&fixture.to_string()).expect("fixture"),
        SimOptions::default(),
    );
    let workspace = Workspace::new(version);
    let on_host = |host: &str| app_config(&sim, &format!("  host = \"{host}\"\n{FIRST}"));
    workspace.write_config(&on_host("10.0.0.%"));
    workspace.apply();
    assert_eq!(
        sim.cdb_privileges(INSTANCE, "app", "10.0.0.%"),
        first_grants()
    );
    assert!(sim.cdb_privileges(INSTANCE, "app", "%").is_empty());
    let state = state_of(&workspace, RESOURCE).expect("in the state");
    assert_eq!(state["id"], "cdb-sim00001#app#10.0.0.%");

    let imported = Workspace::new(version);
    imported.write_config(&on_host("10.0.0.%"));
    imported
        .run(&[
            "import",
            "-input=false",
            RESOURCE,
            "cdb-sim00001#app#10.0.0.%",
        ])
        .expect_success("terraform import");
    imported.expect_empty_plan("after importing app@10.0.0.%");

    // A new host is a new account: the resource is replaced.
    workspace.write_config(&on_host("%"));
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("# forces replacement"),
        "{}",
        plan.stdout
    );
    workspace.apply();
    assert!(sim.cdb_privileges(INSTANCE, "app", "10.0.0.%").is_empty());
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());

    // Someone deletes app@% outside Terraform.
    let mut without_account = fixture.clone();
    without_account["tencentcloud"]["cdb"][0]["accounts"] =
        serde_json::json!([{"user": "app", "host": "10.0.0.%"}]);
    sim.load_fixture(without_account);
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes);
    let text = unwrapped(&plan.text());
    assert!(
        text.contains("# clouddb_cdb_account_privileges.app will be created"),
        "{text}"
    );
    let (text, _) = workspace.run_failing(&["apply", "-auto-approve", "-input=false"]);
    assert!(
        text.contains("CDB instance cdb-sim00001 has no account app@%. Create the account first"),
        "{text}"
    );
    assert_eq!(state_of(&workspace, RESOURCE), None);
}

on_each_terraform!(another_host_replacement_and_an_account_deleted_out_of_band);

/// Every level written as nested maps: the same grants as the blocks, an empty plan, drift
/// repaired, and a switch between the shapes that sends nothing.
fn levels_written_as_maps(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let maps = r#"
  global_privileges   = ["PROCESS"]
  database_privileges = { shop = ["SELECT", "SHOW VIEW"] }
  table_privileges    = { shop = { orders = ["INSERT", "UPDATE"] } }
  column_privileges   = { shop = { orders = { total = ["SELECT"] } } }
"#;
    workspace.write_config(&app_config(&sim, maps));
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    workspace.expect_empty_plan("right after applying maps");

    change_out_of_band(
        &sim,
        &AccountPrivileges {
            global_privileges: vec!["PROCESS".into()],
            ..AccountPrivileges::default()
        },
    );
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes, "the drift is planned back:\n{}", plan.text());
    assert!(plan.stdout.contains("table_privileges"), "{}", plan.stdout);
    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    workspace.expect_empty_plan("after repairing drift");

    // The same privileges as blocks: a change of shape sends nothing.
    sim.clear_requests();
    workspace.write_config(&app_config(&sim, FIRST));
    workspace.apply();
    assert!(modify_calls(&sim).is_empty(), "{:#?}", modify_calls(&sim));
    workspace.expect_empty_plan("after switching to blocks");
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());

    let bad = r#"
  table_privileges = { shop = { orders = ["SELECT", "EXECUTE"], "bad`name" = ["SELECT"] }, logs = {} }

  table {
    database   = "shop"
    table      = "users"
    privileges = ["SELECT"]
  }
"#;
    workspace.write_config(&app_config(&sim, bad));
    let (text, _) = workspace.run_failing(&["plan", "-input=false"]);
    for expected in [
        "table_privileges and table blocks are both set.",
        r#"table_privileges["shop"]["orders"] contains "EXECUTE", which is not allowed"#,
        r#"table_privileges["shop"] has a key "bad`name" that is not a valid table name"#,
        r#"table_privileges["logs"] names no table."#,
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

on_each_terraform!(levels_written_as_maps);

/// Import IDs are held to the rules of the arguments: a refused ID sends nothing.
#[test]
fn import_ids_that_break_the_name_rules_are_refused() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&app_config(&sim, FIRST));
    for (id, why) in [
        ("cdb-sim00001#app #%", "the user \"app \" is not valid"),
        (
            "CDB-SIM00001#app",
            "the instance_id \"CDB-SIM00001\" is not valid",
        ),
        (
            "cdb-sim00001#app#10.0.0.% ",
            "the host \"10.0.0.% \" is not valid",
        ),
    ] {
        let (text, _) = workspace.run_failing(&["import", "-input=false", RESOURCE, id]);
        assert!(text.contains("Invalid import ID"), "{text}");
        assert!(text.contains(why), "{why:?} not in {text}");
    }
    assert!(sim.requests().is_empty(), "nothing is sent for a bad ID");
}

/// Ctrl-C during an apply that waits for a long task: Terraform asks the provider to stop
/// (StopProvider), the provider stops waiting at once, the create is recorded as tainted (its
/// task goes on without us: forgetting it would leave its privileges unmanaged), and the next
/// apply completes. (Terraform 1.0.3, started this way, does not act on the signal at
/// all and lets the apply finish, so only the current Terraform is run.)
#[test]
fn ctrl_c_stops_a_long_apply_at_once() {
    let version = TerraformVersion::Current;
    let task = Duration::from_secs(8);
    let sim = Sim::start_with(
        Fixture::builtin(),
        SimOptions {
            task_duration: task,
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(version);
    workspace.write_config(&app_config(&sim, FIRST));
    let apply = workspace.spawn(&["apply", "-auto-approve", "-input=false"]);
    let started = std::time::Instant::now();
    while sim.count_calls("ModifyAccountPrivileges") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the apply never sent its change"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted = std::time::Instant::now();
    let signal = std::process::Command::new("kill")
        .args(["-INT", &apply.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(signal.success());
    let output = apply.wait_with_output().expect("terraform ends");
    let took = interrupted.elapsed();
    let text = unwrapped(&format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ));
    assert!(
        !output.status.success(),
        "the interrupted apply fails:\n{text}"
    );
    assert!(
        took < task / 2,
        "Terraform ended {took:?} after Ctrl-C, though the task runs {task:?}: {text}"
    );
    assert!(text.contains("Interrupted"), "{text}");
    assert!(
        state_of(&workspace, RESOURCE).is_some(),
        "an interrupted create is recorded, since its change may be under way"
    );
    let stored: Json = serde_json::from_str(
        &std::fs::read_to_string(workspace.path().join("terraform.tfstate")).expect("state"),
    )
    .expect("state JSON");
    assert_eq!(
        stored["resources"][0]["instances"][0]["status"], "tainted",
        "{stored:#}"
    );

    workspace.apply();
    assert_eq!(sim.cdb_privileges(INSTANCE, "app", "%"), first_grants());
    workspace.expect_empty_plan("after the re-run");
}

/// A sim with the documented rate limits, 30 ms latency and 100 ms tasks whose instance has the
/// `accounts`, and a workspace whose `for_each` gives each of the `team` SELECT on `shop`.
fn team_on_a_limited_sim(accounts: &[String], team: &[String]) -> (Sim, Workspace) {
    let mut fixture: Json = serde_json::from_str(&Fixture::builtin().to_json()).expect("fixture");
    fixture["tencentcloud"]["cdb"][0]["accounts"] = accounts
        .iter()
        .map(|u| serde_json::json!({"user": u, "host": "%"}))
        .collect();
    let sim = Sim::start_with(
        Fixture::from_json(&fixture.to_string()).expect("fixture"),
        SimOptions {
            latency: Duration::from_millis(30),
            rate_limits: clouddb_sim::RateLimits::Documented,
            task_duration: Duration::from_millis(100),
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&format!(
        r#"{}
resource "clouddb_cdb_account_privileges" "team" {{
  for_each    = toset({})
  instance_id = "{INSTANCE}"
  user        = each.key

  database {{
    database   = "shop"
    privileges = ["SELECT"]
  }}
}}
"#,
        sim.tencent_provider_config(),
        Json::from(team.to_vec())
    ));
    (sim, workspace)
}

/// 40 resources giving the accounts of one instance the same privileges, with the documented
/// rate limit (10 ModifyAccountPrivileges a second) and 30 ms latency: the changes waiting for
/// the limit go out merged, one call and one task for many accounts, so at most half as many
/// calls as resources are made, none is throttled, and each account holds its privileges.
#[test]
fn identical_changes_waiting_for_the_rate_limit_go_out_as_one_call() {
    let users: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let (sim, workspace) = team_on_a_limited_sim(&users, &users);
    let started = std::time::Instant::now();
    workspace.apply();
    let elapsed = started.elapsed().as_secs_f64();
    let calls: Vec<Json> = sim
        .requests()
        .into_iter()
        .filter(|r| r["action"] == "ModifyAccountPrivileges")
        .collect();
    println!(
        "40 cdb changes applied in {elapsed:.2} s with {} ModifyAccountPrivileges calls",
        calls.len()
    );
    assert!(
        calls.len() <= 20,
        "{} calls for 40 resources: the waiting ones were not merged",
        calls.len()
    );
    let merged: usize = calls
        .iter()
        .map(|call| call["params"]["Accounts"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(merged, 40, "every account was sent exactly once");
    let throttled = sim
        .requests()
        .iter()
        .filter(|r| r["error_code"] == "RequestLimitExceeded")
        .count();
    assert_eq!(throttled, 0, "no call was throttled");
    let mut read_back: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r["action"] == "DescribeAccountPrivileges")
        .map(|r| r["params"]["User"].as_str().unwrap_or_default().to_owned())
        .collect();
    read_back.sort_by_key(|user| user[1..].parse::<u32>().unwrap_or(u32::MAX));
    assert_eq!(
        read_back, users,
        "each resource reads its own account back, once"
    );
    for user in &users {
        assert_eq!(
            sim.cdb_privileges(INSTANCE, user, "%"),
            cdb_grants(&["database:shop:SELECT"]),
            "{user}"
        );
    }
    workspace.expect_empty_plan("after the merged apply");
}

/// Ten resources applied together merge into one call, and the vendor refuses it whole because
/// one of the accounts does not exist: only that resource is told its account is missing, and
/// the nine others are applied, each on its own.
#[test]
fn a_missing_account_in_a_merged_change_fails_only_its_own_resource() {
    let users: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    let existing: Vec<String> = users.iter().filter(|u| *u != "m5").cloned().collect();
    let (sim, workspace) = team_on_a_limited_sim(&existing, &users);
    let (text, _) = workspace.run_failing(&["apply", "-auto-approve", "-input=false"]);
    let merged_with_m5 = sim.requests().iter().any(|r| {
        let accounts = r["params"]["Accounts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        r["action"] == "ModifyAccountPrivileges"
            && accounts.len() > 1
            && accounts.iter().any(|a| a["User"] == "m5")
    });
    assert!(merged_with_m5, "the changes were not merged: {text}");
    assert_eq!(
        text.matches("Account not found").count(),
        1,
        "only m5's resource fails: {text}"
    );
    assert!(text.contains("m5@%"), "{text}");
    for user in users.iter().filter(|u| *u != "m5") {
        assert_eq!(
            sim.cdb_privileges(INSTANCE, user, "%"),
            cdb_grants(&["database:shop:SELECT"]),
            "{user}"
        );
    }
    let listed = workspace.run(&["state", "list"]);
    assert_eq!(listed.stdout.lines().count(), 9, "{}", listed.text());
    assert!(!listed.stdout.contains("m5"), "{}", listed.text());
}

/// After its task succeeds, each resource reads its own account back. Here someone replaces the
/// account's privileges while the look that sees the task end is held back: the apply fails
/// saying what the account holds instead, the state records that, and the next apply puts the
/// configured privileges back.
#[test]
fn a_task_whose_result_the_account_does_not_show_fails_and_records_the_truth() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&app_config(
        &sim,
        r#"
  database {
    database   = "shop"
    privileges = ["SELECT"]
  }
"#,
    ));
    sim.add_fault(serde_json::json!({
        "service": "cdb",
        "action": "DescribeAsyncRequestInfo",
        "latency_ms": 1500
    }));
    let run = std::thread::scope(|scope| {
        let applying = scope.spawn(|| workspace.run(&["apply", "-auto-approve", "-input=false"]));
        let waited = std::time::Instant::now();
        while !sim.pending_faults().is_empty() {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "the task was never looked at"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        change_out_of_band(&sim, &reload_and_select_on_shop());
        applying.join().expect("apply thread")
    });
    assert!(!run.success, "the apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains(
            "ended with SUCCESS, but DescribeAccountPrivileges then showed the account holding"
        ) && text.contains("global: RELOAD instead of nothing"),
        "{text}"
    );
    let state = state_of(&workspace, RESOURCE).expect("the account's privileges are recorded");
    assert_eq!(sorted_strings(&state["global_privileges"]), ["RELOAD"]);
    assert!(is_tainted(&workspace, RESOURCE));

    workspace.apply();
    assert_eq!(
        sim.cdb_privileges(INSTANCE, "app", "%"),
        cdb_grants(&["database:shop:SELECT"])
    );
    workspace.expect_empty_plan("after the next apply");
}
