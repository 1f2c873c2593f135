//! Every folder of examples/ as it is shipped, against clouddb-sim with real Terraform: it
//! applies, plans nothing more, and adopting what it made with its own import.sh (or an
//! `import {}` block on Terraform 1.5 and later) plans nothing either.

use std::path::{Path, PathBuf};

use clouddb_test_support::on_each_terraform;
use clouddb_test_support::sim::{Sim, ALIBABA_ACCESS_KEY, ALIBABA_SECRET};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// A workspace with the sim's credentials and endpoints in the environment, where the
/// examples expect them.
fn sim_workspace(sim: &Sim, version: TerraformVersion) -> Workspace {
    let mut workspace = Workspace::new(version);
    for (variable, value) in [
        ("ALICLOUD_ACCESS_KEY", ALIBABA_ACCESS_KEY.to_string()),
        ("ALICLOUD_SECRET_KEY", ALIBABA_SECRET.to_string()),
        ("CLOUDDB_ALICLOUD_ENDPOINT", sim.url()),
        ("TENCENTCLOUD_SECRET_ID", "AKIDsim".to_string()),
        ("TENCENTCLOUD_SECRET_KEY", "sim-secret".to_string()),
        ("CLOUDDB_TENCENTCLOUD_ENDPOINT", sim.url()),
    ] {
        workspace.set_env(variable, &value);
    }
    workspace
}

/// A [`sim_workspace`] holding the example's files.
fn example_workspace(sim: &Sim, name: &str, version: TerraformVersion) -> Workspace {
    let workspace = sim_workspace(sim, version);
    workspace.copy_files_of(&example(name));
    workspace
}

/// The address and ID of the `terraform import` line of an example's import.sh.
fn import_of(name: &str) -> (String, String) {
    let script = std::fs::read_to_string(example(name).join("import.sh")).expect("import.sh");
    let command = script
        .replace("\\\n", " ")
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("terraform import ")
                .map(str::to_string)
        })
        .expect("a terraform import line");
    let mut words = command.split_whitespace();
    let address = words.next().expect("address").to_string();
    let id = words.next().expect("ID").trim_matches('\'').to_string();
    (address, id)
}

/// apply → empty plan → `terraform state rm` → import.sh → empty plan → destroy.
fn example_round_trip(name: &str, version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = example_workspace(&sim, name, version);
    workspace.apply();
    workspace.expect_empty_plan(&format!("{name}: right after apply"));
    let (address, _) = import_of(name);
    workspace
        .run(&["state", "rm", &address])
        .expect_success("terraform state rm");

    let run = workspace.run_script(&workspace.path().join("import.sh"));
    run.expect_success("import.sh");
    assert!(run.stdout.contains("Import successful!"), "{}", run.text());
    workspace.expect_empty_plan(&format!("{name}: after its import.sh"));
    workspace.destroy();
}

fn cdb_example(version: TerraformVersion) {
    example_round_trip("cdb_account_privileges", version);
}

fn polardb_example(version: TerraformVersion) {
    example_round_trip("polardb_account_grant", version);
}

fn postgres_example(version: TerraformVersion) {
    example_round_trip("postgres_account_privileges", version);
}

fn tdsql_example(version: TerraformVersion) {
    example_round_trip("tdsql_account_privileges", version);
}

fn legacy_api_example(version: TerraformVersion) {
    example_round_trip("legacy_api", version);
}

on_each_terraform!(
    cdb_example,
    polardb_example,
    postgres_example,
    tdsql_example,
    legacy_api_example
);

/// The quickstart applies and then plans nothing.
fn quickstart_example(version: TerraformVersion) {
    let sim = Sim::start();
    let workspace = example_workspace(&sim, "quickstart", version);
    workspace.apply();
    workspace.expect_empty_plan("quickstart: right after apply");
    assert!(!sim.polardb_privileges("pc-sim00001", "app").is_empty());
    assert!(!sim.cdb_privileges("cdb-sim00001", "app", "%").is_empty());
    assert!(!sim
        .postgres_privileges("postgres-sim00001", "app")
        .is_empty());
    assert!(!sim
        .tdsql_privileges("tdsql-sim00001", "app", "%")
        .is_empty());
}

on_each_terraform!(quickstart_example);

/// An `import {}` block with the example's own ID plans "1 to import, 0 to change", applies,
/// and leaves nothing to plan (Terraform 1.5 and later).
#[test]
fn import_blocks_adopt_what_each_example_made() {
    for name in [
        "cdb_account_privileges",
        "polardb_account_grant",
        "postgres_account_privileges",
        "tdsql_account_privileges",
    ] {
        let sim = Sim::start();
        let made = example_workspace(&sim, name, TerraformVersion::Current);
        made.apply();

        let adopting = example_workspace(&sim, name, TerraformVersion::Current);
        let (address, id) = import_of(name);
        std::fs::write(
            adopting.path().join("import.tf"),
            format!("import {{\n  to = {address}\n  id = \"{id}\"\n}}\n"),
        )
        .expect("write import.tf");
        let (changes, plan) = adopting.plan_has_changes();
        assert!(changes, "{name}: the import is planned");
        let text = unwrapped(&plan.stdout);
        assert!(
            text.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
            "{name}: {text}"
        );
        adopting.apply();
        adopting.expect_empty_plan(&format!("{name}: after the import block"));
    }
}

/// Every block and attribute of the provider, of each resource (`timeouts` included) and of
/// each data source has a description in `terraform providers schema -json`, for editors and generated docs.
#[test]
fn the_schema_terraform_shows_describes_everything() {
    let sim = Sim::start();
    let workspace = example_workspace(&sim, "quickstart", TerraformVersion::Current);
    let run = workspace.run(&["providers", "schema", "-json"]);
    run.expect_success("terraform providers schema -json");
    let schemas: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("schema JSON");
    let provider = &schemas["provider_schemas"]["registry.terraform.io/clouddb/clouddb"];
    let mut undescribed = Vec::new();
    undescribed_in(&provider["provider"]["block"], "provider", &mut undescribed);
    let resources = provider["resource_schemas"].as_object().expect("resources");
    assert_eq!(resources.len(), 4, "{resources:?}");
    for (name, schema) in resources {
        assert!(
            schema["block"]["block_types"]["timeouts"]["block"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("10 minutes")),
            "{name}: {schema}"
        );
        undescribed_in(&schema["block"], name, &mut undescribed);
    }
    let data_sources = provider["data_source_schemas"]
        .as_object()
        .expect("data sources");
    assert_eq!(data_sources.len(), 8, "{data_sources:?}");
    for (name, schema) in data_sources {
        undescribed_in(&schema["block"], &format!("data.{name}"), &mut undescribed);
    }
    assert!(
        undescribed.is_empty(),
        "without a description: {undescribed:#?}"
    );
}

fn undescribed_in(block: &serde_json::Value, path: &str, undescribed: &mut Vec<String>) {
    let described =
        |value: &serde_json::Value| value["description"].as_str().is_some_and(|d| !d.is_empty());
    for (name, attribute) in block["attributes"].as_object().into_iter().flatten() {
        if !described(attribute) {
            undescribed.push(format!("{path}.{name}"));
        }
    }
    for (name, nested) in block["block_types"].as_object().into_iter().flatten() {
        let nested_path = format!("{path}.{name}");
        if !described(&nested["block"]) {
            undescribed.push(nested_path.clone());
        }
        undescribed_in(&nested["block"], &nested_path, undescribed);
    }
}

/// examples/data_sources, after the quickstart: each privileges data source reads what the
/// quickstart granted, in the shape its resource records, each accounts data source lists the
/// instance's accounts, and an account that does not exist is named.
fn data_sources_example(version: TerraformVersion) {
    let sim = Sim::start();
    example_workspace(&sim, "quickstart", version).apply();
    let lookups = example_workspace(&sim, "data_sources", version);
    lookups.apply();
    let run = lookups.run(&["output", "-json"]);
    run.expect_success("terraform output -json");
    let outputs: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("outputs");
    let value = |name: &str| outputs[name]["value"].clone();
    assert_eq!(
        value("polardb_app_databases"),
        serde_json::json!({"shop": "ReadWrite", "logs": "ReadOnly"})
    );
    assert_eq!(
        value("cdb_app"),
        serde_json::json!({
            "host": "%",
            "databases": [{"database": "shop", "privileges": ["SELECT", "SHOW VIEW"]}],
            "tables": [{"database": "shop", "table": "orders", "privileges": ["INSERT", "UPDATE"]}],
        })
    );
    let objects = value("postgres_app_objects").to_string();
    assert!(
        objects.contains("\"users\"") && objects.contains("USAGE") && objects.contains("CONNECT"),
        "{objects}"
    );
    assert_eq!(
        value("tdsql_app_views"),
        serde_json::json!([{"database": "shop", "view": "order_totals", "privileges": ["SELECT"]}])
    );
    assert_eq!(
        value("standard_polardb_accounts"),
        serde_json::json!(["app", "reporting"])
    );
    assert_eq!(
        value("account_names"),
        serde_json::json!({
            "cdb": ["app@%"],
            "postgres": ["app"],
            "tdsql": ["app@%", "report@10.0.0.%", "tdsql@%"],
        })
    );
    lookups.expect_empty_plan("after reading the data sources");

    let missing = sim_workspace(&sim, version);
    missing.write_config(
        &std::fs::read_to_string(example("data_sources").join("main.tf"))
            .expect("example")
            .replace("account_name  = \"app\"", "account_name  = \"nobody\""),
    );
    missing.plan_fails_saying(&["No such account", "nobody"]);
    missing.write_config(
        &std::fs::read_to_string(example("data_sources").join("main.tf"))
            .expect("example")
            .replace("pc-sim00001", "pc-nothere"),
    );
    missing.plan_fails_saying(&["Could not list the accounts of PolarDB cluster pc-nothere"]);
}

on_each_terraform!(data_sources_example);
