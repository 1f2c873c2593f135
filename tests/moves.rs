//! `moved` blocks from the official providers' privilege resources (MoveResourceState, protocol
//! 6.5, Terraform 1.8 and later), end to end on Terraform 1.11.4: the official provider is
//! stood in for by a small provider built on our framework that serves only its resources'
//! schemas (clouddb_test_support::standin), so Terraform itself writes a state of the source
//! resource; then the configuration moves it, and the plan shows only real differences. The
//! protocol-level tests check what Terraform checks of a move's answer, and the refusals.
//!
//! This binary has its own `main`: Terraform launches it as the stand-in providers too.

use std::process::ExitCode;

use clouddb_sim::{Fixture, SimOptions};
use clouddb_test_support::sim::{cdb_grants, privileges, Sim, REQUIRED_PROVIDERS};
use clouddb_test_support::standin::{self, Official};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace};
use libtest_mimic::{Arguments, Trial};
use serde_json::{json, Value as Json};

#[path = "moves/protocol_level.rs"]
mod protocol_level;

fn main() -> ExitCode {
    if let Some(served) = standin::serve_if_launched() {
        return served;
    }
    let mut trials = vec![
        Trial::test(
            "a_tencentcloud_mysql_privilege_moves_and_plans_only_real_drift",
            || {
                a_tencentcloud_mysql_privilege_moves_and_plans_only_real_drift();
                Ok(())
            },
        ),
        Trial::test(
            "a_tencentcloud_mariadb_account_privileges_moves_and_the_refresh_reads_every_level",
            || {
                a_tencentcloud_mariadb_account_privileges_moves_and_the_refresh_reads_every_level();
                Ok(())
            },
        ),
        Trial::test(
            "after_a_tdsql_move_objects_that_cannot_be_listed_are_said_not_read",
            || {
                after_a_tdsql_move_objects_that_cannot_be_listed_are_said_not_read();
                Ok(())
            },
        ),
        Trial::test(
            "one_alicloud_polardb_account_privilege_moves_and_its_siblings_are_forgotten",
            || {
                one_alicloud_polardb_account_privilege_moves_and_its_siblings_are_forgotten();
                Ok(())
            },
        ),
    ];
    trials.extend(protocol_level::trials());
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

/// The built-in fixture with `edit` applied: the sim as the accounts stood under the official
/// provider.
fn sim_with(edit: impl FnOnce(&mut Json)) -> Sim {
    let mut fixture: Json = serde_json::from_str(include_str!("../sim/fixtures/builtin.json"))
        .expect("the built-in fixture");
    edit(&mut fixture);
    let fixture = Fixture::from_json(&fixture.to_string()).expect("a valid fixture");
    Sim::start_with(fixture, SimOptions::default())
}

/// The `terraform` block with our provider and the stand-in official one.
fn required_providers(official: Official) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    clouddb = {{ source = "clouddb/clouddb" }}
    {} = {{ source = "{}" }}
  }}
}}
"#,
        official.name(),
        official.source()
    )
}

/// The `required_providers` of clouddb and `official`, then `provider_config` (a sim's provider
/// blocks) without its own `required_providers`.
fn beside_official(official: Official, provider_config: &str) -> String {
    required_providers(official) + &provider_config.replace(REQUIRED_PROVIDERS, "")
}

fn workspace() -> Workspace {
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.install_standins();
    workspace
}

/// What `terraform state list` shows.
fn state_list(workspace: &Workspace) -> Vec<String> {
    let run = workspace.run(&["state", "list"]);
    run.expect_success("terraform state list");
    run.stdout.lines().map(str::to_owned).collect()
}

/// Applies the official provider's configuration, so that Terraform records its state.
fn apply_official(workspace: &Workspace, official: Official, resources: &str) {
    workspace.write_config(&(required_providers(official) + resources));
    workspace.apply();
}

fn a_tencentcloud_mysql_privilege_moves_and_plans_only_real_drift() {
    // The account as the official provider left it, plus DELETE on shop granted since its
    // last refresh: the one real difference.
    let sim = sim_with(|fixture| {
        fixture["tencentcloud"]["cdb"][0]["accounts"][0] = json!({
            "user": "app", "host": "%",
            "global_privileges": ["PROCESS"],
            "database_privileges": [{"database": "shop", "privileges": ["SELECT", "INSERT", "DELETE"]}],
            "table_privileges": [{"database": "shop", "table": "orders", "privileges": ["UPDATE"]}],
            "column_privileges": [{"database": "shop", "table": "orders", "column": "total",
                                   "privileges": ["SELECT"]}]
        });
    });
    let workspace = workspace();
    apply_official(
        &workspace,
        Official::Tencentcloud,
        r#"
resource "tencentcloud_mysql_privilege" "app" {
  mysql_id     = "cdb-sim00001"
  account_name = "app"
  global       = ["PROCESS"]
  database {
    database_name = "shop"
    privileges    = ["SELECT", "INSERT"]
  }
  table {
    database_name = "shop"
    table_name    = "orders"
    privileges    = ["UPDATE"]
  }
  column {
    database_name = "shop"
    table_name    = "orders"
    column_name   = "total"
    privileges    = ["SELECT"]
  }
}
"#,
    );
    sim.clear_requests();

    workspace.write_config(&format!(
        "{}{}",
        beside_official(Official::Tencentcloud, &sim.tencent_provider_config()),
        r#"
resource "clouddb_cdb_account_privileges" "app" {
  instance_id       = "cdb-sim00001"
  user              = "app"
  global_privileges = ["PROCESS"]
  database {
    database   = "shop"
    privileges = ["SELECT", "INSERT"]
  }
  table {
    database   = "shop"
    table      = "orders"
    privileges = ["UPDATE"]
  }
  column {
    database   = "shop"
    table      = "orders"
    column     = "total"
    privileges = ["SELECT"]
  }
}

moved {
  from = tencentcloud_mysql_privilege.app
  to   = clouddb_cdb_account_privileges.app
}
"#
    ));
    let (changes, plan) = workspace.plan_has_changes();
    let text = unwrapped(&plan.text());
    assert!(changes, "{text}");
    assert!(
        text.contains("# (moved from tencentcloud_mysql_privilege.app)"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    assert!(text.contains("- \"DELETE\""), "only DELETE differs: {text}");
    assert_eq!(
        sim.count_calls("ModifyAccountPrivileges"),
        0,
        "a plan changes nothing"
    );

    workspace.apply();
    assert_eq!(
        sim.cdb_privileges("cdb-sim00001", "app", "%"),
        cdb_grants(&[
            "global:*:PROCESS",
            "database:shop:SELECT",
            "database:shop:INSERT",
            "table:shop.orders:UPDATE",
            "column:shop.orders.total:SELECT",
        ])
    );
    assert_eq!(
        state_list(&workspace),
        ["clouddb_cdb_account_privileges.app"]
    );
    workspace.expect_empty_plan("after the move");
}

/// The sim's TDSQL account `app` holding global SELECT, SELECT on shop and SELECT on the view
/// shop.order_totals; a workspace whose state holds the official resource of it (which names
/// only the first two) and whose configuration moves it to ours, declaring all three.
fn moved_tdsql_account() -> (Sim, Workspace) {
    // The official provider reads back only the global privileges, so its state never saw the
    // view grant; the refresh after the move does, and the configuration declares it.
    let sim = sim_with(|fixture| {
        fixture["tencentcloud"]["mariadb"][0]["accounts"][0] = json!({
            "user": "app", "host": "%",
            "global_privileges": ["SELECT"],
            "privileges": [
                {"database": "shop", "privileges": ["SELECT"]},
                {"database": "shop", "view": "order_totals", "privileges": ["SELECT"]}
            ]
        });
    });
    let workspace = workspace();
    apply_official(
        &workspace,
        Official::Tencentcloud,
        r#"
resource "tencentcloud_mariadb_account_privileges" "app" {
  instance_id = "tdsql-sim00001"
  accounts {
    user = "app"
    host = "%"
  }
  global_privileges = ["SELECT"]
  database_privileges {
    database   = "shop"
    privileges = ["SELECT"]
  }
}
"#,
    );

    workspace.write_config(&format!(
        "{}{}",
        beside_official(Official::Tencentcloud, &sim.tencent_provider_config()),
        r#"
resource "clouddb_tdsql_account_privileges" "app" {
  instance_id       = "tdsql-sim00001"
  user              = "app"
  global_privileges = ["SELECT"]
  database {
    database   = "shop"
    privileges = ["SELECT"]
  }
  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["SELECT"]
  }
}

moved {
  from = tencentcloud_mariadb_account_privileges.app
  to   = clouddb_tdsql_account_privileges.app
}
"#
    ));
    (sim, workspace)
}

fn a_tencentcloud_mariadb_account_privileges_moves_and_the_refresh_reads_every_level() {
    // The official provider reads back only the global privileges, so its state never saw the
    // view grant; the first read after the move does, and the configuration declares it.
    let (sim, workspace) = moved_tdsql_account();
    let (changes, plan) = workspace.plan_has_changes();
    let text = unwrapped(&plan.text());
    assert!(
        text.contains("tencentcloud_mariadb_account_privileges.app has moved to clouddb_tdsql_account_privileges.app"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 0 to change, 0 to destroy"),
        "the account already holds what is configured: {text}"
    );
    // Terraform counts a pending move as a change to apply.
    assert!(changes, "{text}");
    workspace.apply();
    assert_eq!(
        state_list(&workspace),
        ["clouddb_tdsql_account_privileges.app"]
    );
    assert_eq!(
        sim.count_calls("ModifyAccountPrivileges"),
        0,
        "nothing needed changing"
    );
    // Only the first read after the move lists the instance's objects.
    sim.clear_requests();
    workspace.expect_empty_plan("after the move");
    assert_eq!(sim.count_calls("DescribeDatabases"), 0);
}

fn after_a_tdsql_move_objects_that_cannot_be_listed_are_said_not_read() {
    let (sim, workspace) = moved_tdsql_account();
    sim.add_fault(json!({
        "service": "mariadb", "action": "DescribeDatabases", "count": 100,
        "error_code": "UnauthorizedOperation",
    }));
    let (changes, plan) = workspace.plan_has_changes();
    let text = unwrapped(&plan.text());
    assert!(changes, "{text}");
    assert!(
        text.contains("Warning: Could not list the objects of TDSQL instance tdsql-sim00001"),
        "{text}"
    );
    assert!(
        text.contains("only the scopes its state names were read"),
        "{text}"
    );
    // The view was not looked at, so the plan grants it again (which changes nothing).
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
}

fn one_alicloud_polardb_account_privilege_moves_and_its_siblings_are_forgotten() {
    let sim = sim_with(|fixture| {
        fixture["alicloud"]["polardb"][0]["accounts"][0] = json!({
            "name": "app", "type": "Normal",
            "privileges": {"shop": "ReadWrite", "logs": "ReadOnly"}
        });
    });
    let workspace = workspace();
    apply_official(
        &workspace,
        Official::Alicloud,
        r#"
resource "alicloud_polardb_account_privilege" "app_rw" {
  db_cluster_id     = "pc-sim00001"
  account_name      = "app"
  account_privilege = "ReadWrite"
  db_names          = ["shop"]
}

resource "alicloud_polardb_account_privilege" "app_ro" {
  db_cluster_id = "pc-sim00001"
  account_name  = "app"
  db_names      = ["logs"]
}
"#,
    );

    workspace.write_config(&format!(
        "{}{}",
        beside_official(
            Official::Alicloud,
            &sim.alicloud_provider_config("sim-secret")
        ),
        r#"
resource "clouddb_polardb_account_grant" "app" {
  db_cluster_id = "pc-sim00001"
  account_name  = "app"
  database_privileges = {
    shop = "ReadWrite"
    logs = "ReadOnly"
  }
}

moved {
  from = alicloud_polardb_account_privilege.app_rw
  to   = clouddb_polardb_account_grant.app
}

removed {
  from = alicloud_polardb_account_privilege.app_ro
  lifecycle {
    destroy = false
  }
}
"#
    ));
    let (_, plan) = workspace.plan_has_changes();
    let text = unwrapped(&plan.text());
    assert!(
        text.contains(
            "alicloud_polardb_account_privilege.app_rw has moved to clouddb_polardb_account_grant.app"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "alicloud_polardb_account_privilege.app_ro will no longer be managed by Terraform"
        ),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 0 to change, 0 to destroy"),
        "{text}"
    );
    workspace.apply();
    assert_eq!(
        state_list(&workspace),
        ["clouddb_polardb_account_grant.app"]
    );
    assert_eq!(
        sim.polardb_privileges("pc-sim00001", "app"),
        privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")])
    );
    workspace.expect_empty_plan("after the move");
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 0);
    assert_eq!(sim.count_calls("RevokeAccountPrivilege"), 0);
}
