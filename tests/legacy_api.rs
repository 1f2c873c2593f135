//! `legacy_api = true`: clouddb_cdb_account_privileges and clouddb_tdsql_account_privileges
//! write through the legacy API v2 (`/v2/index.php`) of clouddb-sim, with real Terraform
//! (1.11.4 and 1.0.3); reads stay on API 3.0.

use std::collections::BTreeSet;
use std::time::Duration;

use clouddb::cloud::tencent::cdb::{Account, AccountPrivileges, TaskWait};
use tokio::time::Instant;

use clouddb_test_support::on_each_terraform;
use clouddb_test_support::sim::{cdb_grants as grants, Sim};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace};
use serde_json::Value as Json;

/// The provider block in legacy mode (`secret` signs every call).
fn legacy_provider(sim: &Sim, secret: &str) -> String {
    sim.tencent_provider_config().replace(
        "    secret_key = \"sim-secret\"\n",
        &format!("    secret_key = \"{secret}\"\n    legacy_api = true\n"),
    )
}

fn calls(sim: &Sim, action: &str) -> Vec<Json> {
    sim.requests()
        .into_iter()
        .filter(|r| r["action"] == action)
        .map(|r| r["params"].clone())
        .collect()
}

const CDB: &str = r#"
resource "clouddb_cdb_account_privileges" "app" {
  instance_id       = "cdb-sim00001"
  user              = "app"
  global_privileges = ["PROCESS"]

  database {
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = ["INSERT"]
  }
}
"#;

/// cdb in legacy mode: one ModifyCdbInstanceAccountPrivileges per change, reads through API 3.0.
fn cdb_full_cycle(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&(legacy_provider(&sim, "sim-secret") + CDB));
    workspace.apply();
    assert_eq!(
        sim.cdb_privileges("cdb-sim00001", "app", "%"),
        grants(&[
            "global:*:PROCESS",
            "database:shop:SELECT",
            "database:shop:SHOW VIEW",
            "table:shop.orders:INSERT",
        ])
    );
    let written = calls(&sim, "ModifyCdbInstanceAccountPrivileges");
    assert_eq!(written.len(), 1, "one v2 call: {written:#?}");
    assert_eq!(written[0]["dbPriv.0.db"], "shop", "{written:#?}");
    assert!(
        calls(&sim, "ModifyAccountPrivileges").is_empty(),
        "no API 3.0 write"
    );
    workspace.expect_empty_plan("after the legacy apply");

    // Drift made through API 3.0 is read (reads stay on 3.0) and repaired through v2.
    let client = sim.cdb_client();
    let account = Account {
        user: "app".into(),
        host: "%".into(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let drift = AccountPrivileges {
        global_privileges: vec!["RELOAD".into()],
        ..AccountPrivileges::default()
    };
    let outcome = sim.block_on(async {
        let task = client
            .modify_account_privileges(
                "cdb-sim00001",
                std::slice::from_ref(&account),
                &drift,
                deadline,
            )
            .await?;
        client
            .wait_for_async_request("ModifyAccountPrivileges", &task.async_request_id, deadline)
            .await
    });
    assert_eq!(outcome.expect("out-of-band change"), TaskWait::Succeeded);
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes, "the drift is planned back:\n{}", plan.text());
    assert!(plan.stdout.contains("RELOAD"), "{}", plan.stdout);
    workspace.apply();
    assert!(!sim
        .cdb_privileges("cdb-sim00001", "app", "%")
        .contains("global:*:RELOAD"));
    workspace.expect_empty_plan("after repairing drift");

    let fewer = CDB.replace("  global_privileges = [\"PROCESS\"]\n", "");
    workspace.write_config(&(legacy_provider(&sim, "sim-secret") + &fewer));
    workspace.apply();
    assert!(!sim
        .cdb_privileges("cdb-sim00001", "app", "%")
        .contains("global:*:PROCESS"));
    workspace.expect_empty_plan("after the legacy update");

    workspace.destroy();
    assert!(sim.cdb_privileges("cdb-sim00001", "app", "%").is_empty());
}

on_each_terraform!(cdb_full_cycle);

const TDSQL: &str = r#"
resource "clouddb_tdsql_account_privileges" "app" {
  instance_id       = "tdsql-sim00001"
  user              = "app"
  global_privileges = ["PROCESS"]

  database {
    database   = "shop"
    privileges = ["SELECT"]
  }

  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["SELECT"]
  }

  procedure {
    database   = "shop"
    procedure  = "archive_orders"
    privileges = ["EXECUTE"]
  }
}
"#;

fn tdsql_held(sim: &Sim) -> BTreeSet<String> {
    sim.tdsql_privileges("tdsql-sim00001", "app", "%")
}

/// TDSQL in legacy mode: one ModifyTdsqlUserPrivileges per scope that changes.
fn tdsql_full_cycle(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&(legacy_provider(&sim, "sim-secret") + TDSQL));
    workspace.apply();
    assert_eq!(
        tdsql_held(&sim),
        grants(&[
            "global:*:PROCESS",
            "database:shop:SELECT",
            "view:shop.order_totals:SELECT",
            "procedure:shop.archive_orders:EXECUTE",
        ])
    );
    assert_eq!(
        calls(&sim, "ModifyTdsqlUserPrivileges").len(),
        4,
        "one call per scope"
    );
    assert!(
        calls(&sim, "ModifyAccountPrivileges").is_empty(),
        "no API 3.0 write"
    );
    workspace.expect_empty_plan("after the legacy apply");

    // Removing the view and the procedure costs one call each, clearing them.
    sim.clear_requests();
    let fewer = TDSQL
        .replace(
            "  view {\n    database   = \"shop\"\n    view       = \"order_totals\"\n    privileges = [\"SELECT\"]\n  }\n",
            "",
        )
        .replace(
            "  procedure {\n    database   = \"shop\"\n    procedure  = \"archive_orders\"\n    privileges = [\"EXECUTE\"]\n  }\n",
            "",
        );
    workspace.write_config(&(legacy_provider(&sim, "sim-secret") + &fewer));
    workspace.apply();
    let cleared = calls(&sim, "ModifyTdsqlUserPrivileges");
    assert_eq!(cleared.len(), 2, "{cleared:#?}");
    assert!(
        cleared
            .iter()
            .all(|call| call.get("Privileges.0").is_none()),
        "{cleared:#?}"
    );
    assert_eq!(
        tdsql_held(&sim),
        grants(&["global:*:PROCESS", "database:shop:SELECT"])
    );
    workspace.expect_empty_plan("after the legacy update");

    workspace.destroy();
    assert!(tdsql_held(&sim).is_empty());
}

on_each_terraform!(tdsql_full_cycle);

/// A change of several scopes that fails part-way says which were applied, and the state
/// records what the account holds.
fn a_part_way_failure_is_reported_and_recorded(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let ghost = r#"
resource "clouddb_tdsql_account_privileges" "app" {
  instance_id = "tdsql-sim00001"
  user        = "app"

  database {
    database   = "shop"
    privileges = ["SELECT"]
  }

  view {
    database   = "shop"
    view       = "ghost"
    privileges = ["SELECT"]
  }
}
"#;
    workspace.write_config(&(legacy_provider(&sim, "sim-secret") + ghost));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("call 2 (view shop.ghost) failed"), "{text}");
    assert!(
        text.contains("The 1 before it were applied: database shop"),
        "{text}"
    );
    assert_eq!(tdsql_held(&sim), grants(&["database:shop:SELECT"]));
    let shown = workspace.run(&["state", "show", "clouddb_tdsql_account_privileges.app"]);
    shown.expect_success("terraform state show");
    assert!(
        shown.stdout.contains("SELECT"),
        "the state records what was applied:\n{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains("ghost"), "{}", shown.stdout);
}

on_each_terraform!(a_part_way_failure_is_reported_and_recorded);

/// A wrong secret is refused by the sim's v2 signature check with the vendor's code.
#[test]
fn a_wrong_secret_is_refused_with_the_v2_code() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&(legacy_provider(&sim, "wrong-secret") + CDB));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the apply must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("AuthFailure"), "{text}");
    assert!(text.contains("(code 4100)"), "{text}");
    assert!(
        !text.contains("wrong-secret"),
        "the secret never shows: {text}"
    );
}

/// An endpoint that offers no API 3.0 read: the refresh keeps the state and warns, at plan time.
#[test]
fn an_endpoint_without_reads_keeps_the_state_and_warns() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&(legacy_provider(&sim, "sim-secret") + CDB));
    workspace.apply();
    sim.add_fault(serde_json::json!({
        "service": "cdb", "action": "DescribeAccountPrivileges",
        "error_code": "InvalidAction", "count": 10,
    }));
    let run = workspace.run(&["plan", "-input=false", "-detailed-exitcode"]);
    let text = unwrapped(&run.text());
    assert_eq!(run.code, Some(0), "no changes, and no error:\n{text}");
    assert!(text.contains("offers no read"), "{text}");
    assert!(text.contains("legacy_api = true"), "{text}");
}
