//! clouddb_polardb_account_grant with real Terraform (1.11.4 and 1.0.3) against clouddb-sim.

use std::time::Duration;

use clouddb_test_support::on_each_terraform;
use clouddb_test_support::sim::{
    privileges, Sim, ALIBABA_ACCESS_KEY, ALIBABA_SECRET, REQUIRED_PROVIDERS,
};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace, NULL_VARIABLES};
use tokio::time::Instant;

const CLUSTER: &str = "pc-sim00001";

fn grant_config(sim: &Sim, account: &str, grants: &[(&str, &str)]) -> String {
    let entries: String = grants
        .iter()
        .map(|(db, privilege)| format!("    {db} = \"{privilege}\"\n"))
        .collect();
    format!(
        r#"{}
resource "clouddb_polardb_account_grant" "app" {{
  db_cluster_id = "{CLUSTER}"
  account_name  = "{account}"

  database_privileges = {{
{entries}  }}
}}
"#,
        sim.alicloud_provider_config(ALIBABA_SECRET)
    )
}

/// apply → empty plan → import round trip → update (Grant only) → drift repaired → destroy.
fn full_cycle(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&grant_config(
        &sim,
        "app",
        &[("shop", "ReadWrite"), ("logs", "ReadOnly")],
    ));

    workspace.apply();
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")])
    );
    workspace.expect_empty_plan("right after apply");

    // Importing the same account into a fresh state reproduces it exactly.
    let imported = Workspace::new(version);
    imported.write_config(&grant_config(
        &sim,
        "app",
        &[("shop", "ReadWrite"), ("logs", "ReadOnly")],
    ));
    imported
        .run(&[
            "import",
            "-input=false",
            "clouddb_polardb_account_grant.app",
            &format!("{CLUSTER}#app"),
        ])
        .expect_success("terraform import");
    imported.expect_empty_plan("after import");

    // Changing one privilege grants the new one over the old: no Revoke, no moment without access.
    sim.clear_requests();
    workspace.write_config(&grant_config(
        &sim,
        "app",
        &[("shop", "ReadWrite"), ("logs", "ReadWrite")],
    ));
    workspace.apply();
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 1);
    assert_eq!(sim.count_calls("RevokeAccountPrivilege"), 0);
    let grant = sim
        .requests()
        .into_iter()
        .find(|r| r["action"] == "GrantAccountPrivilege")
        .expect("the grant call");
    assert_eq!(
        grant["params"]["DBName"], "logs",
        "only the changed database is granted: {grant}"
    );
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite"), ("logs", "ReadWrite")])
    );
    workspace.expect_empty_plan("after the update");

    // Someone revokes a database through the API; the plan shows it and apply puts it back.
    let client = sim.polardb_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    sim.block_on(client.revoke_account_privilege(CLUSTER, "app", &["shop".to_string()], deadline))
        .expect("out-of-band revoke");
    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        changes,
        "the out-of-band revoke is not planned back:\n{}",
        plan.text()
    );
    assert!(plan.stdout.contains("shop"), "{}", plan.stdout);
    workspace.apply();
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite"), ("logs", "ReadWrite")])
    );
    workspace.expect_empty_plan("after repairing drift");

    workspace.destroy();
    assert!(
        sim.polardb_privileges(CLUSTER, "app").is_empty(),
        "destroy leaves no privileges"
    );
}

on_each_terraform!(full_cycle);

/// A privilege value outside the vendor's list fails at plan time and sends nothing.
fn bad_privilege_fails_at_plan_time(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    workspace.write_config(&grant_config(&sim, "app", &[("shop", "Admin")]));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains(r#"database_privileges["shop"] = "Admin" is not allowed"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"Allowed values: "ReadWrite", "ReadOnly", "DMLOnly", "DDLOnly", "ReadIndex""#
        ),
        "{text}"
    );
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(bad_privilege_fails_at_plan_time);

/// Two grants of one account would each revoke the databases the other lists, on every apply.
fn two_grants_of_one_account_are_refused(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let second = format!(
        r#"
resource "clouddb_polardb_account_grant" "logs" {{
  db_cluster_id       = "{CLUSTER}"
  account_name        = "app"
  database_privileges = {{ logs = "ReadWrite" }}
}}
"#
    );
    workspace.write_config(&(grant_config(&sim, "app", &[("shop", "ReadWrite")]) + &second));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("Account managed twice"), "{text}");
    assert!(
        text.contains("manages the account pc-sim00001#app"),
        "{text}"
    );
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(two_grants_of_one_account_are_refused);

/// Wrong credentials surface the vendor's code and the RequestId, and nothing changes.
fn wrong_credentials_are_reported_with_code_and_request_id(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let config = grant_config(&sim, "app", &[("shop", "ReadOnly")])
        .replace(ALIBABA_SECRET, "not-the-secret");
    workspace.write_config(&config);
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    let text = unwrapped(&run.text());
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
    assert!(
        text.contains("check the provider's alicloud secret_key (or ALICLOUD_SECRET_KEY)"),
        "{text}"
    );
    assert!(text.contains("RequestId:"), "{text}");
    let request_id = sim.request_id_of_failed("DescribeAccounts");
    assert!(text.contains(&format!("RequestId: {request_id}")), "{text}");
    assert!(!text.contains("not-the-secret"), "the secret never appears");
    assert!(sim.polardb_privileges(CLUSTER, "app").is_empty());
}

on_each_terraform!(wrong_credentials_are_reported_with_code_and_request_id);

#[test]
fn missing_credentials_name_the_argument_and_the_environment_variable() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let config = grant_config(&sim, "app", &[("shop", "ReadOnly")])
        .replace(&format!("access_key = \"{ALIBABA_ACCESS_KEY}\""), "");
    workspace.write_config(&config);
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    let text = unwrapped(&run.text());
    assert!(
        text.contains("access_key") && text.contains("ALICLOUD_ACCESS_KEY"),
        "{text}"
    );
}

#[test]
fn credentials_and_endpoint_can_come_from_the_environment() {
    let sim = Sim::start();
    let mut workspace = Workspace::new(TerraformVersion::Current);
    workspace.set_env("ALICLOUD_ACCESS_KEY", ALIBABA_ACCESS_KEY);
    workspace.set_env("ALICLOUD_SECRET_KEY", ALIBABA_SECRET);
    workspace.set_env("CLOUDDB_ALICLOUD_ENDPOINT", &sim.url());
    let config = format!(
        r#"
terraform {{
  required_providers {{
    clouddb = {{ source = "clouddb/clouddb" }}
  }}
}}

resource "clouddb_polardb_account_grant" "reporting" {{
  db_cluster_id       = "{CLUSTER}"
  account_name        = "reporting"
  database_privileges = {{ analytics = "ReadOnly" }}
}}
"#
    );
    workspace.write_config(&config);
    workspace.apply();
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "reporting"),
        privileges(&[("analytics", "ReadOnly")])
    );
}

#[test]
fn throttled_calls_are_retried_without_surfacing_an_error() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    sim.add_fault(serde_json::json!({"action": "GrantAccountPrivilege", "count": 2, "error_code": "Throttling.User"}));
    workspace.write_config(&grant_config(&sim, "app", &[("shop", "ReadWrite")]));
    workspace.apply();
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite")])
    );
    assert_eq!(
        sim.count_calls("GrantAccountPrivilege"),
        3,
        "two throttled attempts, then success"
    );
    assert!(sim.pending_faults().is_empty(), "every fault fired");
}

#[test]
fn a_super_account_is_refused_with_an_explanation() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(&sim, "admin", &[("shop", "ReadWrite")]));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    assert!(
        unwrapped(&run.text()).contains("privileged (Super) account"),
        "{}",
        run.text()
    );
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 0);
}

/// The built-in fixture plus one more PolarDB account, `{"name": .., ...}` as given.
fn fixture_with_account(account: serde_json::Value) -> clouddb_sim::Fixture {
    let mut fixture: serde_json::Value =
        serde_json::from_str(&clouddb_sim::Fixture::builtin().to_json()).expect("fixture JSON");
    fixture["alicloud"]["polardb"][0]["accounts"]
        .as_array_mut()
        .expect("accounts")
        .push(account);
    clouddb_sim::Fixture::from_json(&fixture.to_string()).expect("valid fixture")
}

#[test]
fn a_new_account_is_waited_for_until_it_is_available() {
    let fixture = fixture_with_account(
        serde_json::json!({"name": "fresh", "type": "Normal", "available_after_ms": 3000}),
    );
    let sim = Sim::start_with(fixture, Default::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(&sim, "fresh", &[("shop", "ReadOnly")]));
    workspace.apply();
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "fresh"),
        privileges(&[("shop", "ReadOnly")])
    );
    let grants = sim
        .requests()
        .into_iter()
        .filter(|r| r["action"] == "GrantAccountPrivilege")
        .count();
    assert_eq!(
        grants, 1,
        "granted once, after the account became available"
    );
}

#[test]
fn an_account_that_stays_unavailable_fails_within_the_configured_timeout() {
    let fixture = fixture_with_account(
        serde_json::json!({"name": "slow", "type": "Normal", "available_after_ms": 600_000}),
    );
    let sim = Sim::start_with(fixture, Default::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    let config = grant_config(&sim, "slow", &[("shop", "ReadOnly")]).replace(
        "database_privileges = {",
        "timeouts {\n    create = \"3s\"\n  }\n\n  database_privileges = {",
    );
    workspace.write_config(&config);
    let started = std::time::Instant::now();
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    let text = unwrapped(&run.text());
    assert!(text.contains("Timed out waiting for the account"), "{text}");
    assert!(text.contains("Creating"), "{text}");
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 0);
}

#[test]
fn a_failed_revoke_after_a_successful_grant_leaves_a_truthful_state() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(
        &sim,
        "app",
        &[("shop", "ReadWrite"), ("logs", "ReadOnly")],
    ));
    workspace.apply();

    sim.add_fault(serde_json::json!({"action": "RevokeAccountPrivilege", "count": 1, "error_code": "Forbidden.RAM"}));
    workspace.write_config(&grant_config(
        &sim,
        "app",
        &[("shop", "ReadWrite"), ("analytics", "ReadOnly")],
    ));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    let text = unwrapped(&run.text());
    assert!(
        text.contains("Forbidden.RAM") && text.contains("RequestId:"),
        "{text}"
    );
    assert!(sim.pending_faults().is_empty(), "the fault fired");
    let request_id = sim.request_id_of_failed("RevokeAccountPrivilege");
    assert!(text.contains(&format!("RequestId: {request_id}")), "{text}");
    assert!(
        text.contains("analytics=ReadOnly"),
        "the error says the grant was applied: {text}"
    );

    // The state records what the account really holds: only the revoke is left to do.
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[
            ("shop", "ReadWrite"),
            ("logs", "ReadOnly"),
            ("analytics", "ReadOnly")
        ])
    );
    sim.clear_requests();
    workspace.apply();
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 0);
    assert_eq!(sim.count_calls("RevokeAccountPrivilege"), 1);
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite"), ("analytics", "ReadOnly")])
    );
}

/// The resource's values in the state, or `None` when the state does not hold it.
fn state_of(workspace: &Workspace) -> Option<serde_json::Value> {
    let run = workspace.run(&["show", "-json"]);
    run.expect_success("terraform show -json");
    let shown: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("show -json");
    shown["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|resources| {
            resources
                .iter()
                .find(|r| r["address"] == "clouddb_polardb_account_grant.app")
        })
        .map(|resource| resource["values"].clone())
}

#[test]
fn a_failed_create_records_what_the_account_holds_and_the_next_apply_finishes() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    // Before Terraform manages it, the account holds a database it should not.
    let client = sim.polardb_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    sim.block_on(client.grant_account_privilege(
        CLUSTER,
        "app",
        &[("logs".to_string(), "ReadOnly".to_string())],
        deadline,
    ))
    .expect("grant before Terraform");

    sim.add_fault(serde_json::json!({"action": "RevokeAccountPrivilege", "count": 1, "error_code": "Forbidden.RAM"}));
    workspace.write_config(&grant_config(&sim, "app", &[("shop", "ReadWrite")]));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "the create must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("Forbidden.RAM"), "{text}");
    assert!(sim.pending_faults().is_empty(), "the fault fired");
    assert!(
        text.contains("shop=ReadWrite"),
        "the error says the grant was applied: {text}"
    );

    // The grant is not forgotten: the state records what the account holds.
    let listed = workspace.run(&["state", "list"]);
    listed.expect_success("terraform state list");
    assert!(
        listed.stdout.contains("clouddb_polardb_account_grant.app"),
        "{}",
        listed.text()
    );
    let state = state_of(&workspace).expect("in the state");
    assert_eq!(
        state["database_privileges"],
        serde_json::json!({"shop": "ReadWrite", "logs": "ReadOnly"})
    );

    // Terraform marks the failed create tainted and replaces it: the account ends up holding
    // exactly what the configuration says.
    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        changes && plan.stdout.contains("tainted"),
        "{}",
        plan.text()
    );
    workspace.apply();
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite")])
    );
    workspace.expect_empty_plan("after finishing the create");
}

#[test]
fn a_change_the_account_does_not_show_afterwards_fails_and_records_the_truth() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(
        &sim,
        "app",
        &[("shop", "ReadOnly"), ("logs", "ReadOnly")],
    ));
    workspace.apply();

    // The update grants shop=ReadWrite, then revokes logs. While the revoke is held back, shop
    // gets its old privilege again: to the provider it looks like a grant answered with
    // success that kept the old privilege.
    sim.clear_requests();
    workspace.write_config(&grant_config(&sim, "app", &[("shop", "ReadWrite")]));
    sim.add_fault(serde_json::json!({"action": "RevokeAccountPrivilege", "latency_ms": 1500}));
    let client = sim.polardb_client();
    let run = std::thread::scope(|scope| {
        let applying = scope.spawn(|| workspace.run(&["apply", "-auto-approve", "-input=false"]));
        let waited = Instant::now();
        while !sim.pending_faults().is_empty() {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "the revoke never came"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        sim.block_on(client.grant_account_privilege(
            CLUSTER,
            "app",
            &[("shop".to_string(), "ReadOnly".to_string())],
            deadline,
        ))
        .expect("the old privilege back");
        applying.join().expect("apply thread")
    });
    assert!(!run.success, "the update must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(
        text.contains("PolarDB did not apply the privileges of pc-sim00001#app"),
        "{text}"
    );
    assert!(
        text.contains("shop: asked for ReadWrite, PolarDB reports ReadOnly"),
        "{text}"
    );
    assert_eq!(
        sim.count_calls("DescribeAccounts"),
        3,
        "the refresh, the read before the calls and one read after them"
    );

    // The state records what DescribeAccounts reported; the next apply grants shop again.
    let state = state_of(&workspace).expect("still in the state");
    assert_eq!(
        state["database_privileges"],
        serde_json::json!({"shop": "ReadOnly"})
    );
    sim.clear_requests();
    workspace.apply();
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 1);
    assert_eq!(sim.count_calls("RevokeAccountPrivilege"), 0);
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadWrite")])
    );
    workspace.expect_empty_plan("after the repair");
}

/// Nulls from variables in required arguments and in map values fail at plan time, each
/// named; nothing reaches the cloud.
fn nulls_fail_at_plan_time(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = Workspace::new(version);
    let resource = |name: &str, cluster: &str, account: &str, privileges: &str| {
        format!(
            r#"
resource "clouddb_polardb_account_grant" "{name}" {{
  db_cluster_id       = {cluster}
  account_name        = {account}
  database_privileges = {privileges}
}}
"#
        )
    };
    let config = [
        sim.alicloud_provider_config(ALIBABA_SECRET),
        NULL_VARIABLES.to_string(),
        resource("a", "var.no_text", "\"app\"", "{ shop = \"ReadOnly\" }"),
        resource(
            "b",
            "\"pc-sim00001\"",
            "var.no_text",
            "{ shop = \"ReadOnly\" }",
        ),
        resource("c", "\"pc-sim00001\"", "\"app\"", "var.no_map"),
        resource(
            "d",
            "\"pc-sim00001\"",
            "\"report\"",
            "{ shop = var.no_text }",
        ),
    ]
    .concat();
    workspace.write_config(&config);
    workspace.plan_fails_saying(&[
        "db_cluster_id is null, but it is required.",
        "account_name is null, but it is required.",
        "database_privileges is null, but it is required.",
        r#"database_privileges["shop"] is null: every key of database_privileges needs a value."#,
    ]);
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

on_each_terraform!(nulls_fail_at_plan_time);

/// The Super account and IDs that break the name rules are refused at import, with the
/// message a create gives, and nothing is recorded.
#[test]
fn import_refuses_what_the_resource_cannot_manage() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(&sim, "admin", &[("shop", "ReadWrite")]));
    let address = "clouddb_polardb_account_grant.app";
    let run = workspace.run(&["import", "-input=false", address, "pc-sim00001#admin"]);
    assert!(!run.success, "a Super account is refused:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("privileged (Super) account"), "{text}");
    assert!(
        !workspace.path().join("terraform.tfstate").exists() || {
            let state =
                std::fs::read_to_string(workspace.path().join("terraform.tfstate")).expect("state");
            !state.contains("pc-sim00001#admin")
        }
    );

    sim.clear_requests();
    for (id, why) in [
        ("pc-sim00001#app ", "the account_name \"app \" is not valid"),
        (
            "PC-SIM00001#app",
            "the db_cluster_id \"PC-SIM00001\" is not valid",
        ),
    ] {
        let run = workspace.run(&["import", "-input=false", address, id]);
        assert!(!run.success, "{id:?} is refused:\n{}", run.text());
        let text = unwrapped(&run.text());
        assert!(text.contains("Invalid import ID"), "{text}");
        assert!(text.contains(why), "{why:?} not in {text}");
    }
    assert!(sim.requests().is_empty(), "nothing is sent for a bad ID");
}

/// An account being deleted cannot be granted anything: the apply fails at once, not after
/// polling until the timeout.
#[test]
fn an_account_being_deleted_fails_at_once() {
    let fixture = fixture_with_account(
        serde_json::json!({"name": "leaving", "type": "Normal", "status": "Deleting"}),
    );
    let sim = Sim::start_with(fixture, Default::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(&sim, "leaving", &[("shop", "ReadOnly")]));
    let started = std::time::Instant::now();
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let text = unwrapped(&run.text());
    assert!(
        text.contains("Account pc-sim00001#leaving is being deleted (status Deleting)"),
        "{text}"
    );
    assert_eq!(sim.count_calls("DescribeAccounts"), 1, "no polling");
    assert_eq!(sim.count_calls("GrantAccountPrivilege"), 0);
}

/// A cluster that cannot be found is an error naming it, the region and the endpoint, never
/// a silent removal from the state; `destroy -refresh=false` forgets the resource quietly.
#[test]
fn a_missing_cluster_is_an_error_not_a_deleted_grant() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant_config(&sim, "app", &[("shop", "ReadOnly")]));
    workspace.apply();

    let mut without_cluster: serde_json::Value =
        serde_json::from_str(&clouddb_sim::Fixture::builtin().to_json()).expect("fixture JSON");
    without_cluster["alicloud"]["polardb"] = serde_json::json!([]);
    sim.load_fixture(without_cluster);

    let expected = format!(
        "PolarDB cluster pc-sim00001 was not found in region cn-hangzhou at {}/: DescribeAccounts failed: InvalidDBCluster.NotFound",
        sim.url()
    );
    for text in workspace.refresh_and_apply_fail_saying(&expected) {
        assert!(
            sim.names_a_failed_request(&text, "DescribeAccounts"),
            "{text}"
        );
        assert!(text.contains("terraform state rm"), "{text}");
        assert!(!text.contains("has been deleted"), "{text}");
    }
    let listed = workspace.run(&["state", "list"]);
    assert!(
        listed.stdout.contains("clouddb_polardb_account_grant.app"),
        "still in the state: {}",
        listed.text()
    );

    workspace
        .run(&["destroy", "-auto-approve", "-input=false", "-refresh=false"])
        .expect_success("destroy -refresh=false");
    let listed = workspace.run(&["state", "list"]);
    assert!(listed.stdout.trim().is_empty(), "{}", listed.text());
}

/// A missing secret is one error for the provider, however many resources need it.
#[test]
fn a_missing_secret_is_reported_once_not_per_resource() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let mut config = format!(
        r#"{REQUIRED_PROVIDERS}
provider "clouddb" {{
  alicloud {{
    access_key = "{ALIBABA_ACCESS_KEY}"
    endpoint   = "{}"
  }}
}}
"#,
        sim.url()
    );
    for account in ["app", "reporting", "other"] {
        config.push_str(&format!(
            "\nresource \"clouddb_polardb_account_grant\" \"{account}\" {{\n  db_cluster_id       = \"{CLUSTER}\"\n  account_name        = \"{account}\"\n  database_privileges = {{ shop = \"ReadOnly\" }}\n}}\n"
        ));
    }
    workspace.write_config(&config);
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(!run.success, "{}", run.text());
    let text = unwrapped(&run.text());
    assert_eq!(
        text.matches("Error: Missing alicloud credential: secret_key")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("Error:").count(), 1, "{text}");
    assert!(text.contains("ALICLOUD_SECRET_KEY"), "{text}");
    assert!(sim.requests().is_empty());
}

/// The update and delete timeouts bound their retries: a cloud that keeps throttling fails
/// each soon after its timeout, and nothing is recorded that did not happen.
#[test]
fn update_and_delete_timeouts_bound_their_retries() {
    let sim = Sim::start();
    let workspace = Workspace::new(TerraformVersion::Current);
    let with_timeout = |grants: &[(&str, &str)], operation: &str| {
        grant_config(&sim, "app", grants).replace(
            "database_privileges = {",
            &format!("timeouts {{\n    {operation} = \"1s\"\n  }}\n\n  database_privileges = {{"),
        )
    };
    let throttle = |action: &str| {
        sim.add_fault(
            serde_json::json!({"action": action, "count": 1000, "error_code": "Throttling.User"}),
        )
    };
    let fails_promptly = |args: &[&str], action: &str| {
        let (text, took) = workspace.run_failing(args);
        assert!(
            text.contains(&format!(
                "{action} did not succeed before the operation's timeout elapsed"
            )),
            "{text}"
        );
        assert!(
            took < Duration::from_secs(8),
            "{args:?} failed only after {took:?}"
        );
        sim.clear_faults();
    };

    workspace.write_config(&with_timeout(&[("shop", "ReadOnly")], "update"));
    workspace.apply();
    throttle("GrantAccountPrivilege");
    workspace.write_config(&with_timeout(&[("shop", "ReadWrite")], "update"));
    fails_promptly(
        &["apply", "-auto-approve", "-input=false"],
        "GrantAccountPrivilege",
    );
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadOnly")])
    );

    workspace.write_config(&with_timeout(&[("shop", "ReadOnly")], "delete"));
    workspace.apply();
    throttle("RevokeAccountPrivilege");
    fails_promptly(
        &["destroy", "-auto-approve", "-input=false"],
        "RevokeAccountPrivilege",
    );
    assert_eq!(
        sim.polardb_privileges(CLUSTER, "app"),
        privileges(&[("shop", "ReadOnly")])
    );
    workspace.destroy();
    assert!(sim.polardb_privileges(CLUSTER, "app").is_empty());
}

/// Refreshing 40 grants of one cluster lists its accounts once (one DescribeAccounts page)
/// rather than once per grant, and what a refresh finds is still each account's own.
#[test]
fn refreshing_many_grants_of_one_cluster_lists_its_accounts_once() {
    let accounts: Vec<serde_json::Value> = (0..40)
        .map(|i| serde_json::json!({"name": format!("app{i}"), "type": "Normal"}))
        .collect();
    let mut fixture: serde_json::Value =
        serde_json::from_str(&clouddb_sim::Fixture::builtin().to_json()).expect("fixture");
    fixture["alicloud"]["polardb"][0]["accounts"] = serde_json::Value::Array(accounts);
    let fixture = clouddb_sim::Fixture::from_json(&fixture.to_string()).expect("fixture");
    let sim = Sim::start_with(fixture, clouddb_sim::SimOptions::default());
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&format!(
        r#"{}
resource "clouddb_polardb_account_grant" "team" {{
  for_each      = toset([for i in range(40) : "app${{i}}"])
  db_cluster_id = "{CLUSTER}"
  account_name  = each.key

  database_privileges = {{
    shop = "ReadOnly"
  }}
}}
"#,
        sim.alicloud_provider_config(ALIBABA_SECRET)
    ));
    workspace.apply();

    // Someone changes one account outside Terraform: the shared listing still shows it.
    sim.block_on(sim.polardb_client().grant_account_privilege(
        CLUSTER,
        "app7",
        &[("logs".to_owned(), "ReadWrite".to_owned())],
        Instant::now() + Duration::from_secs(10),
    ))
    .expect("out-of-band grant");
    sim.clear_requests();
    let (changes, plan) = workspace.plan_has_changes();
    assert_eq!(
        sim.count_calls("DescribeAccounts"),
        1,
        "one listing for 40 grants:\n{:#?}",
        sim.requests()
    );
    assert!(
        changes,
        "the drift of app7 is not planned:\n{}",
        plan.text()
    );
    assert!(
        plan.stdout.contains("team[\"app7\"]") && plan.stdout.contains("1 to change"),
        "{}",
        plan.stdout
    );
}
