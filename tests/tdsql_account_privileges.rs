//! clouddb_tdsql_account_privileges with real Terraform (1.11.4 and 1.0.3) against clouddb-sim.

use std::collections::BTreeSet;
use std::time::Duration;

use clouddb::cloud::tencent::mariadb::{Account, FlowWait, PrivilegeLists};
use clouddb_sim::{Fixture, SimOptions};
use clouddb_test_support::on_each_terraform;
use clouddb_test_support::sim::{cdb_grants as grants, Sim};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace};
use serde_json::{json, Value as Json};
use tokio::time::Instant;

const INSTANCE: &str = "tdsql-sim00001";
const RESOURCE: &str = "clouddb_tdsql_account_privileges.app";

fn resource_block(name: &str, user: &str, host: &str, body: &str) -> String {
    format!(
        r#"
resource "clouddb_tdsql_account_privileges" "{name}" {{
  instance_id = "{INSTANCE}"
  user        = "{user}"
  host        = "{host}"
{body}
}}
"#
    )
}

fn app_config(sim: &Sim, body: &str) -> String {
    sim.tencent_provider_config() + &resource_block("app", "app", "%", body)
}

/// Every level: global, database, table, column, view, function and procedure.
const EVERY_LEVEL: &str = r#"
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

  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["SELECT"]
  }

  function {
    database   = "shop"
    function   = "tax"
    privileges = ["EXECUTE"]
  }

  procedure {
    database   = "shop"
    procedure  = "archive_orders"
    privileges = ["EXECUTE", "ALTER ROUTINE"]
  }
"#;

fn every_level() -> BTreeSet<String> {
    grants(&[
        "global:*:PROCESS",
        "database:shop:SELECT",
        "database:shop:SHOW VIEW",
        "table:shop.orders:INSERT",
        "table:shop.orders:UPDATE",
        "column:shop.orders.total:SELECT",
        "view:shop.order_totals:SELECT",
        "function:shop.tax:EXECUTE",
        "procedure:shop.archive_orders:EXECUTE",
        "procedure:shop.archive_orders:ALTER ROUTINE",
    ])
}

/// The same without the view and the procedure.
const FEWER: &str = r#"
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

  function {
    database   = "shop"
    function   = "tax"
    privileges = ["EXECUTE"]
  }
"#;

fn fewer() -> BTreeSet<String> {
    let mut fewer = every_level();
    fewer.retain(|grant| !grant.starts_with("view:") && !grant.starts_with("procedure:"));
    fewer
}

fn held(sim: &Sim, user: &str, host: &str) -> BTreeSet<String> {
    sim.tdsql_privileges(INSTANCE, user, host)
}

fn modify_calls(sim: &Sim) -> Vec<Json> {
    sim.requests()
        .into_iter()
        .filter(|r| r["action"] == "ModifyAccountPrivileges")
        .map(|r| r["params"].clone())
        .collect()
}

/// Makes the account hold `lists` through the API, as someone outside Terraform would.
fn change_out_of_band(sim: &Sim, lists: &PrivilegeLists) {
    let client = sim.tdsql_client();
    let account = Account {
        user: "app".into(),
        host: "%".into(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let outcome = sim.block_on(async {
        let flow = client
            .modify_account_privileges(INSTANCE, std::slice::from_ref(&account), lists, deadline)
            .await?;
        client
            .wait_for_flow("ModifyAccountPrivileges", flow.flow_id, deadline)
            .await
    });
    assert_eq!(outcome.expect("out-of-band change"), FlowWait::Succeeded);
}

/// apply → empty plan → import round trip → update that removes a view and a procedure →
/// drift planned back → destroy leaves nothing.
fn full_cycle(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&app_config(&sim, EVERY_LEVEL));
    workspace.apply();
    assert_eq!(held(&sim, "app", "%"), every_level());
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "one call: {calls:#?}");
    assert!(
        sim.count_calls("DescribeFlow") >= 1,
        "the flow is waited for"
    );
    workspace.expect_empty_plan("right after apply");

    // Importing the account into a fresh state reproduces every level.
    let imported = Workspace::new(version);
    imported.write_config(&app_config(&sim, EVERY_LEVEL));
    imported
        .run(&["import", "-input=false", RESOURCE, "tdsql-sim00001#app"])
        .expect_success("terraform import");
    imported.expect_empty_plan("after import");

    // Removing a view and a procedure sends their lists without them (never omits them,
    // which would keep them).
    sim.clear_requests();
    workspace.write_config(&app_config(&sim, FEWER));
    workspace.apply();
    assert_eq!(held(&sim, "app", "%"), fewer());
    let calls = modify_calls(&sim);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0]["ViewPrivileges"], json!([]));
    assert_eq!(calls[0]["ProcedurePrivileges"], json!([]));
    workspace.expect_empty_plan("after the update");

    // Someone changes the account through the API; the plan shows it and apply repairs it.
    change_out_of_band(
        &sim,
        &PrivilegeLists {
            global_privileges: vec!["SHOW DATABASES".into()],
            function_privileges: vec![
                json!({"Database": "shop", "FunctionName": "tax", "Privileges": ["ALTER ROUTINE"]}),
            ],
            ..PrivilegeLists::default()
        },
    );
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes, "the drift is not planned back:\n{}", plan.text());
    assert!(plan.stdout.contains("SHOW DATABASES"), "{}", plan.stdout);
    workspace.apply();
    assert_eq!(held(&sim, "app", "%"), fewer());
    workspace.expect_empty_plan("after repairing drift");

    workspace.destroy();
    assert!(
        held(&sim, "app", "%").is_empty(),
        "destroy leaves no privileges"
    );
}

on_each_terraform!(full_cycle);

/// A flow that fails says so with its RequestId; the state records what the account holds.
fn a_failing_flow_is_reported_and_state_stays_truthful(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&app_config(&sim, EVERY_LEVEL));
    sim.add_fault(json!({
        "service": "mariadb", "action": "ModifyAccountPrivileges", "task_status": "FAILED",
    }));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("ended with status 1 (failed)"), "{text}");
    assert!(
        text.contains("RequestId of ModifyAccountPrivileges:"),
        "{text}"
    );
    assert!(held(&sim, "app", "%").is_empty());
    workspace.apply();
    assert_eq!(held(&sim, "app", "%"), every_level());

    // An update whose flow fails keeps the old privileges, and the state says so.
    sim.add_fault(json!({
        "service": "mariadb", "action": "ModifyAccountPrivileges", "task_status": "FAILED",
    }));
    workspace.write_config(&app_config(&sim, FEWER));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the update must fail:\n{}", run.text());
    assert_eq!(held(&sim, "app", "%"), every_level());
    let (changes, _) = workspace.plan_has_changes();
    assert!(changes, "the failed update is planned again");
    workspace.apply();
    assert_eq!(held(&sim, "app", "%"), fewer());
    workspace.expect_empty_plan("after the retried update");
}

on_each_terraform!(a_failing_flow_is_reported_and_state_stays_truthful);

/// A timeout shorter than the flow fails the apply promptly, and the next apply converges.
fn a_timeout_shorter_than_the_flow(version: TerraformVersion) {
    let sim = Sim::start_with(
        Fixture::builtin(),
        SimOptions {
            task_duration: Duration::from_secs(6),
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(version);
    let impatient = format!("{EVERY_LEVEL}\n  timeouts {{\n    create = \"1s\"\n  }}\n");
    workspace.write_config(&app_config(&sim, &impatient));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the apply must time out:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("Timed out setting the privileges of tdsql-sim00001#app#%"),
        "{text}"
    );
    assert!(
        text.contains("when the create timeout of 1s elapsed"),
        "{text}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while held(&sim, "app", "%").is_empty() {
        assert!(std::time::Instant::now() < deadline, "the flow never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
    workspace.write_config(&app_config(&sim, EVERY_LEVEL));
    workspace.apply();
    workspace.expect_empty_plan("after the patient apply");
}

on_each_terraform!(a_timeout_shorter_than_the_flow);

/// Each level takes only its own privileges, checked at plan time; nothing reaches the cloud.
fn each_level_is_checked_at_plan_time(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let wrong = r#"
  global_privileges = ["RELOAD"]

  database {
    database   = "shop"
    privileges = ["PROCESS"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = ["EXECUTE"]
  }

  column {
    database   = "shop"
    table      = "orders"
    column     = "total"
    privileges = ["DELETE"]
  }

  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["LOCK TABLES"]
  }

  function {
    database   = "shop"
    function   = "tax"
    privileges = ["SELECT"]
  }

  procedure {
    database   = "shop"
    procedure  = "archive_orders"
    privileges = ["INSERT"]
  }
"#;
    workspace.write_config(&app_config(&sim, wrong));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    for (attribute, value) in [
        ("global_privileges", "RELOAD"),
        ("database.privileges", "PROCESS"),
        ("table.privileges", "EXECUTE"),
        ("column.privileges", "DELETE"),
        ("view.privileges", "LOCK TABLES"),
        ("function.privileges", "SELECT"),
        ("procedure.privileges", "INSERT"),
    ] {
        assert!(
            text.contains(&format!(
                r#"{attribute} contains "{value}", which is not allowed"#
            )),
            "{attribute}: {text}"
        );
    }
    assert!(
        text.contains(r#"Allowed values: "ALTER ROUTINE", "EXECUTE"."#),
        "a routine level's list: {text}"
    );
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(each_level_is_checked_at_plan_time);

/// The instance's super user `tdsql`, whose privileges TDSQL lets no call change, is refused
/// by the plan, before any call: it neither fails the apply nor the accounts of a team whose
/// identical changes would have gone out in one call with it.
fn the_super_user_is_refused(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let select = "  global_privileges = [\"SELECT\"]\n";
    workspace.write_config(
        &(sim.tencent_provider_config()
            + &resource_block("app", "app", "%", select)
            + &resource_block("super", "tdsql", "%", select)),
    );
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("\"tdsql\" is the instance's super user"),
        "{text}"
    );
    assert!(text.contains("user"), "{text}");
    assert!(sim.requests().is_empty(), "no call was made");
}

on_each_terraform!(the_super_user_is_refused);

/// Two accounts applied at once: each gets its own call and flow, neither touches the other.
fn two_accounts_in_parallel(version: TerraformVersion) {
    let sim = Sim::start_with(
        Fixture::builtin(),
        SimOptions {
            task_duration: Duration::from_secs(2),
            ..SimOptions::default()
        },
    );
    let workspace = Workspace::new(version);
    let report = r#"
  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["SELECT"]
  }
"#;
    workspace.write_config(
        &(app_config(&sim, EVERY_LEVEL) + &resource_block("report", "report", "10.0.0.%", report)),
    );
    workspace.apply();
    let log = sim.requests();
    let at = |action: &str| -> Vec<usize> {
        (0..log.len())
            .filter(|i| log[*i]["action"] == action)
            .collect()
    };
    let (modifies, polls) = (at("ModifyAccountPrivileges"), at("DescribeFlow"));
    let first_flow = &log[polls[0]]["params"]["FlowId"];
    let last_poll_of_first_flow = polls
        .iter()
        .rev()
        .find(|i| &log[**i]["params"]["FlowId"] == first_flow)
        .copied()
        .expect("the first flow's polls");
    assert!(
        modifies[1] < last_poll_of_first_flow,
        "the second account's change waited for the first's flow: {log:#?}"
    );
    assert_eq!(held(&sim, "app", "%"), every_level());
    assert_eq!(
        held(&sim, "report", "10.0.0.%"),
        grants(&["view:shop.order_totals:SELECT"])
    );
    let users: BTreeSet<String> = modify_calls(&sim)
        .iter()
        .filter_map(|call| call["Accounts"][0]["User"].as_str().map(str::to_string))
        .collect();
    assert_eq!(users, grants(&["app", "report"]));
    workspace.expect_empty_plan("after the parallel apply");
    workspace.destroy();
    assert!(held(&sim, "app", "%").is_empty());
    assert!(held(&sim, "report", "10.0.0.%").is_empty());
}

on_each_terraform!(two_accounts_in_parallel);

/// 40 resources giving TDSQL accounts the same privileges under the documented rate limit: the
/// changes waiting for it go out merged, every account sent exactly once, none throttled.
#[test]
fn identical_changes_waiting_for_the_rate_limit_go_out_merged() {
    let users: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let mut fixture: Json = serde_json::from_str(&Fixture::builtin().to_json()).expect("fixture");
    fixture["tencentcloud"]["mariadb"][0]["accounts"] = Json::Array(
        users
            .iter()
            .map(|u| json!({"user": u, "host": "%"}))
            .collect(),
    );
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
resource "clouddb_tdsql_account_privileges" "team" {{
  for_each    = toset([for i in range(40) : "m${{i}}"])
  instance_id = "{INSTANCE}"
  user        = each.key

  database {{
    database   = "shop"
    privileges = ["SELECT"]
  }}
}}
"#,
        sim.tencent_provider_config()
    ));
    workspace.apply();
    let calls = modify_calls(&sim);
    println!(
        "40 TDSQL changes sent in {} ModifyAccountPrivileges calls",
        calls.len()
    );
    assert!(calls.len() < 40, "no change was merged");
    let sent: usize = calls
        .iter()
        .map(|call| call["Accounts"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(sent, 40, "every account was sent exactly once");
    let throttled = sim
        .requests()
        .iter()
        .filter(|r| r["error_code"] == "RequestLimitExceeded")
        .count();
    assert_eq!(throttled, 0);
    for user in &users {
        assert_eq!(
            held(&sim, user, "%"),
            grants(&["database:shop:SELECT"]),
            "{user}"
        );
    }
}
