//! Reliability under faults: Terraform applies resources of all four kinds with
//! `-parallelism=10` while clouddb-sim throttles, fails, drops, slows down or fails the task of
//! about one call in five, on every action of every service. Each apply succeeds or fails only
//! where a fault is permanent (a failed task), naming the resource; re-applying converges; the
//! sim then holds exactly what the configuration says, for every account and nothing more; and a
//! plan is empty. The same holds for two Terraform processes applying disjoint resources at once.

use std::collections::{BTreeMap, BTreeSet};

use clouddb_sim::{Fixture, SimOptions};
use clouddb_test_support::sim::{cdb_grants, postgres_grants, privileges, Sim};
use clouddb_test_support::terraform::{TerraformVersion, Workspace};
use serde_json::{json, Value as Json};

/// Accounts per kind, per Terraform process.
const ACCOUNTS: usize = 13;

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

/// The built-in fixture with the accounts `a*` and `b*` (one set per process) on every system.
fn fixture() -> Fixture {
    let mut fixture: Json = serde_json::from_str(&Fixture::builtin().to_json()).expect("fixture");
    let users: Vec<String> = [names("a", ACCOUNTS), names("b", ACCOUNTS)].concat();
    let mysql: Vec<Json> = users
        .iter()
        .map(|u| json!({"user": u, "host": "%"}))
        .collect();
    fixture["tencentcloud"]["cdb"][0]["accounts"] = Json::Array(mysql.clone());
    fixture["tencentcloud"]["mariadb"][0]["accounts"] = Json::Array(mysql);
    fixture["tencentcloud"]["postgres"][0]["accounts"] =
        Json::Array(users.iter().map(|u| json!(u)).collect());
    fixture["alicloud"]["polardb"][0]["accounts"] = Json::Array(
        users
            .iter()
            .map(|u| json!({"name": u, "type": "Normal"}))
            .collect(),
    );
    Fixture::from_json(&fixture.to_string()).expect("fixture")
}

/// Faults on every action of every service, each one call in 20, four of them per service (one
/// call in five in all), plus failed tasks for the services whose changes run as tasks.
fn inject_faults(sim: &Sim) {
    let tencent = [
        ("cdb", "RequestLimitExceeded"),
        ("mariadb", "RequestLimitExceeded"),
        ("postgres", "RequestLimitExceeded"),
    ];
    for (service, throttled) in tencent
        .iter()
        .copied()
        .chain([("polardb", "Throttling.User")])
    {
        let base = json!({"service": service, "action": "*", "count": 100000, "every": 20});
        let with = |extra: Json| {
            let mut fault = base.clone();
            fault
                .as_object_mut()
                .expect("object")
                .extend(extra.as_object().expect("object").clone());
            fault
        };
        sim.add_fault(with(json!({"error_code": throttled})));
        sim.add_fault(with(json!({"error_code": if service == "polardb" { "ServiceUnavailable" } else { "InternalError" }})));
        sim.add_fault(with(json!({"drop_connection": true})));
        sim.add_fault(with(json!({"latency_ms": 400})));
    }
    for service in ["cdb", "mariadb"] {
        sim.add_fault(json!({
            "service": service, "action": "ModifyAccountPrivileges", "count": 100000, "every": 7,
            "task_status": "FAILED",
        }));
    }
}

/// Every resource of one process: cdb, TDSQL, PostgreSQL and PolarDB grants for each account.
fn config(sim: &Sim, users: &[String]) -> String {
    let set = users
        .iter()
        .map(|u| format!("\"{u}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let providers = sim.both_clouds_provider_config();
    format!(
        r#"{providers}
locals {{
  users = toset([{set}])
}}

resource "clouddb_cdb_account_privileges" "team" {{
  for_each    = local.users
  instance_id = "cdb-sim00001"
  user        = each.key

  database {{
    database   = "shop"
    privileges = ["SELECT"]
  }}
}}

resource "clouddb_tdsql_account_privileges" "team" {{
  for_each    = local.users
  instance_id = "tdsql-sim00001"
  user        = each.key

  table {{
    database   = "shop"
    table      = "orders"
    privileges = ["SELECT", "INSERT"]
  }}
}}

resource "clouddb_postgres_account_privileges" "team" {{
  for_each       = local.users
  db_instance_id = "postgres-sim00001"
  user_name      = each.key

  object {{
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT"]
  }}
}}

resource "clouddb_polardb_account_grant" "team" {{
  for_each      = local.users
  db_cluster_id = "pc-sim00001"
  account_name  = each.key

  database_privileges = {{
    shop = "ReadOnly"
  }}
}}
"#
    )
}

/// Applies until an apply succeeds (at most four times); every failure must come from a failed
/// task and name the resource it failed.
fn apply_until_done(workspace: &Workspace) {
    for attempt in 1..=4 {
        let run = workspace.run(&["apply", "-auto-approve", "-input=false", "-parallelism=10"]);
        if run.success {
            println!("converged after {attempt} apply(s)");
            return;
        }
        let text = run.text();
        let errors: Vec<&str> = text.split("Error: ").skip(1).collect();
        assert!(
            !errors.is_empty(),
            "attempt {attempt} failed without an error:\n{text}"
        );
        for error in errors {
            assert!(
                error.contains("with clouddb_") && (error.contains("failed") || error.contains("FAILED")),
                "attempt {attempt}: an error that is neither a failed task nor names its resource:\n{error}"
            );
        }
    }
    panic!("four applies did not converge");
}

/// The sim holds exactly what [`config`] grants each of `users`, and nothing more.
fn holds_exactly_the_configuration(sim: &Sim, users: &[String]) {
    for user in users {
        assert_eq!(
            sim.cdb_privileges("cdb-sim00001", user, "%"),
            cdb_grants(&["database:shop:SELECT"]),
            "cdb {user}"
        );
        assert_eq!(
            sim.tdsql_privileges("tdsql-sim00001", user, "%"),
            cdb_grants(&["table:shop.orders:INSERT", "table:shop.orders:SELECT"]),
            "tdsql {user}"
        );
        assert_eq!(
            sim.postgres_privileges("postgres-sim00001", user),
            postgres_grants(&[("database:appdb", &["CONNECT"])]),
            "postgres {user}"
        );
        assert_eq!(
            sim.polardb_privileges("pc-sim00001", user),
            privileges(&[("shop", "ReadOnly")]),
            "polardb {user}"
        );
    }
}

/// The accounts no process manages hold nothing.
fn untouched(sim: &Sim, users: &[String]) {
    for user in users {
        assert!(
            sim.cdb_privileges("cdb-sim00001", user, "%").is_empty(),
            "cdb {user}"
        );
        assert!(
            sim.tdsql_privileges("tdsql-sim00001", user, "%").is_empty(),
            "tdsql {user}"
        );
        assert_eq!(
            sim.postgres_privileges("postgres-sim00001", user),
            BTreeMap::<String, BTreeSet<String>>::new()
        );
        assert!(
            sim.polardb_privileges("pc-sim00001", user).is_empty(),
            "polardb {user}"
        );
    }
}

fn sim_under_faults() -> Sim {
    let options = SimOptions {
        task_duration: std::time::Duration::from_millis(60),
        ..SimOptions::default()
    };
    let sim = Sim::start_with(fixture(), options);
    inject_faults(&sim);
    sim
}

#[test]
fn fifty_resources_apply_under_faults_and_converge() {
    let sim = sim_under_faults();
    let (team, others) = (names("a", ACCOUNTS), names("b", ACCOUNTS));
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&config(&sim, &team));
    apply_until_done(&workspace);
    holds_exactly_the_configuration(&sim, &team);
    untouched(&sim, &others);
    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        !changes,
        "a plan after converging has changes:\n{}",
        plan.text()
    );
    let throttled = sim
        .requests()
        .iter()
        .filter(|call| {
            call["error_code"]
                .as_str()
                .is_some_and(|code| code.contains("Limit") || code.starts_with("Throttling"))
        })
        .count();
    assert!(throttled > 0, "the faults were injected");
}

#[test]
fn two_terraform_processes_apply_disjoint_resources_under_faults_at_once() {
    let sim = sim_under_faults();
    let teams = [names("a", ACCOUNTS), names("b", ACCOUNTS)];
    let workspaces: Vec<Workspace> = teams
        .iter()
        .map(|team| {
            let workspace = Workspace::new(TerraformVersion::Current);
            workspace.write_config(&config(&sim, team));
            workspace
        })
        .collect();
    std::thread::scope(|scope| {
        for workspace in &workspaces {
            scope.spawn(|| apply_until_done(workspace));
        }
    });
    for (team, workspace) in teams.iter().zip(&workspaces) {
        holds_exactly_the_configuration(&sim, team);
        let (changes, plan) = workspace.plan_has_changes();
        assert!(
            !changes,
            "a plan after converging has changes:\n{}",
            plan.text()
        );
    }
}
