//! clouddb-sim on real database servers (`SimOptions::mysql` and `::postgres`, `clouddb-sim
//! --mysql` and `--postgres`): what Terraform grants through each resource is what the account
//! can then do when it logs in, and a change made in SQL is what the next plan shows.

use std::time::Duration;

use clouddb_sim::{Fixture, SimOptions};
use clouddb_test_support::on_each_terraform;
use clouddb_test_support::real_mysql::{self as mysql, as_administrator, unique_id, Login};
use clouddb_test_support::real_postgres as postgres;
use clouddb_test_support::sim::{Sim, ALIBABA_SECRET};
use clouddb_test_support::terraform::{TerraformVersion, Workspace};
use serde_json::json;

const PASSWORD: &str = "app-Pa55-w0rd";

/// The built-in fixture's credentials, with `services` (paths into the fixture) replaced.
fn fixture(tencent: serde_json::Value, polardb: serde_json::Value) -> Fixture {
    let mut fixture: serde_json::Value =
        serde_json::from_str(&Fixture::builtin().to_json()).expect("fixture JSON");
    for (service, value) in tencent.as_object().expect("services") {
        fixture["tencentcloud"][service] = value.clone();
    }
    fixture["alicloud"]["polardb"] = polardb;
    Fixture::from_json(&fixture.to_string()).expect("fixture")
}

fn on_the_server(fixture: Fixture) -> Sim {
    Sim::start_with(
        fixture,
        SimOptions {
            mysql: Some(mysql::server_url()),
            task_duration: Duration::from_millis(30),
            ..SimOptions::default()
        },
    )
}

fn cdb_fixture(instance: &str) -> Fixture {
    fixture(
        json!({"cdb": [{
            "instance_id": instance,
            "accounts": [{"user": "app", "host": "%", "password": PASSWORD}],
            "databases": [{"name": "shop", "tables": [
                {"name": "orders", "columns": ["id", "total"]},
                {"name": "items", "columns": ["id"]},
            ]}],
        }]}),
        json!([]),
    )
}

fn cdb_config(sim: &Sim, instance: &str, body: &str) -> String {
    cdb_account_config(sim, instance, "app", body)
}

fn cdb_account_config(sim: &Sim, instance: &str, user: &str, body: &str) -> String {
    sim.tencent_provider_config()
        + &format!(
            r#"
resource "clouddb_cdb_account_privileges" "{user}" {{
  instance_id = "{instance}"
  user        = "{user}"
  host        = "%"
{body}
}}
"#
        )
}

const READ_SHOP_WRITE_ORDERS: &str = r#"
  database {
    database   = "shop"
    privileges = ["SELECT"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = ["INSERT"]
  }
"#;

const READ_AND_DELETE_SHOP: &str = r#"
  global_privileges = ["PROCESS"]

  database {
    database   = "shop"
    privileges = ["SELECT", "DELETE"]
  }
"#;

/// Apply, log in and use each grant, update, log in again, destroy: the account can do what
/// it was granted, and nothing else.
fn cdb_grants_are_what_the_account_can_do(version: TerraformVersion) {
    let instance = unique_id("cdb");
    let sim = on_the_server(cdb_fixture(&instance));
    let orders = format!("`{instance}__shop`.`orders`");
    let items = format!("`{instance}__shop`.`items`");
    let app = Login::new(&instance, "app", PASSWORD);
    app.cannot(&format!("SELECT * FROM {orders}"));

    let workspace = Workspace::new(version);
    workspace.write_config(&cdb_config(&sim, &instance, READ_SHOP_WRITE_ORDERS));
    workspace.apply();
    app.can(&format!("SELECT * FROM {orders}"));
    app.can(&format!("SELECT * FROM {items}"));
    app.can(&format!(
        "INSERT INTO {orders} (id, total) VALUES ('1', '9.50')"
    ));
    app.cannot(&format!("INSERT INTO {items} (id) VALUES ('1')"));
    app.cannot(&format!("DELETE FROM {orders}"));
    app.cannot("SHOW ENGINE INNODB STATUS");
    workspace.expect_empty_plan("right after apply, read from the server's catalogs");

    workspace.write_config(&cdb_config(&sim, &instance, READ_AND_DELETE_SHOP));
    workspace.apply();
    app.can(&format!("DELETE FROM {orders}"));
    app.can("SHOW ENGINE INNODB STATUS");
    app.cannot(&format!("INSERT INTO {orders} (id) VALUES ('2')"));
    workspace.expect_empty_plan("after the update");

    workspace.destroy();
    app.cannot(&format!("SELECT * FROM {orders}"));
    app.cannot(&format!("DELETE FROM {orders}"));
}

on_each_terraform!(cdb_grants_are_what_the_account_can_do);

/// A DBA's `REVOKE` and `GRANT` in SQL are what the next plan shows, and apply repairs them.
#[test]
fn drift_made_in_sql_is_planned_and_repaired() {
    let instance = unique_id("cdb");
    let sim = on_the_server(cdb_fixture(&instance));
    let orders = format!("`{instance}__shop`.`orders`");
    let account = format!("'{instance}__app'@'%'");
    let app = Login::new(&instance, "app", PASSWORD);
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&cdb_config(&sim, &instance, READ_SHOP_WRITE_ORDERS));
    workspace.apply();

    as_administrator(&format!("REVOKE INSERT ON {orders} FROM {account}"));
    as_administrator(&format!("GRANT UPDATE ON {orders} TO {account}"));
    app.cannot(&format!("INSERT INTO {orders} (id) VALUES ('3')"));
    let (changes, plan) = workspace.plan_has_changes();
    assert!(changes, "the drift is not planned:\n{}", plan.text());
    assert!(
        plan.stdout.contains(r#"- "UPDATE""#) && plan.stdout.contains(r#"+ "INSERT""#),
        "the plan should put INSERT back and take UPDATE away:\n{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("1 to change"),
        "one resource changes:\n{}",
        plan.stdout
    );

    workspace.apply();
    app.can(&format!("INSERT INTO {orders} (id) VALUES ('3')"));
    app.cannot(&format!("UPDATE {orders} SET total = '0'"));
    workspace.expect_empty_plan("after the repair");
}

fn tdsql_fixture(instance: &str) -> Fixture {
    fixture(
        json!({"mariadb": [{
            "instance_id": instance,
            "accounts": [{"user": "app", "host": "%", "password": PASSWORD}],
            "databases": [
                {
                    "name": "shop",
                    "tables": [
                        {"name": "orders", "columns": ["id", "total"]},
                        {"name": "items", "columns": ["id", "sku"]},
                    ],
                    "views": ["order_totals"],
                    "functions": ["tax"],
                    "procedures": ["archive_orders"],
                },
                {"name": "logs", "tables": [{"name": "events", "columns": ["id"]}]},
            ],
        }]}),
        json!([]),
    )
}

const TDSQL_OBJECTS: &str = r#"
  table {
    database   = "shop"
    table      = "orders"
    privileges = ["SELECT", "INSERT"]
  }

  column {
    database   = "shop"
    table      = "items"
    column     = "sku"
    privileges = ["SELECT"]
  }

  function {
    database   = "shop"
    function   = "tax"
    privileges = ["EXECUTE"]
  }
"#;

const TDSQL_VIEW_AND_PROCEDURE: &str = r#"
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
"#;

/// Every scoped level of TDSQL — table, column, view, function, procedure — is a grant the
/// account can use, and only that.
#[test]
fn tdsql_grants_are_what_the_account_can_do() {
    let instance = unique_id("tdsql");
    let sim = on_the_server(tdsql_fixture(&instance));
    let shop = format!("`{instance}__shop`");
    let config = |body: &str| {
        sim.tencent_provider_config()
            + &format!(
                r#"
resource "clouddb_tdsql_account_privileges" "app" {{
  instance_id = "{instance}"
  user        = "app"
  host        = "%"
{body}
}}
"#
            )
    };
    let app = Login::new(&instance, "app", PASSWORD);
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&config(&format!(
        "{TDSQL_OBJECTS}{TDSQL_VIEW_AND_PROCEDURE}"
    )));
    workspace.apply();
    app.can(&format!("SELECT * FROM {shop}.`orders`"));
    app.can(&format!("INSERT INTO {shop}.`orders` (id) VALUES ('1')"));
    app.cannot(&format!("DELETE FROM {shop}.`orders`"));
    app.can(&format!("SELECT sku FROM {shop}.`items`"));
    app.cannot(&format!("SELECT id FROM {shop}.`items`"));
    app.can(&format!("SELECT * FROM {shop}.`order_totals`"));
    app.can(&format!("SELECT {shop}.`tax`()"));
    app.can(&format!("CALL {shop}.`archive_orders`()"));
    app.cannot(&format!("SELECT * FROM `{instance}__logs`.`events`"));
    workspace.expect_empty_plan("right after apply, read from the server's catalogs");

    workspace.write_config(&config(TDSQL_OBJECTS));
    workspace.apply();
    app.cannot(&format!("SELECT * FROM {shop}.`order_totals`"));
    app.cannot(&format!("CALL {shop}.`archive_orders`()"));
    app.can(&format!("SELECT {shop}.`tax`()"));
    workspace.expect_empty_plan("after the update");

    workspace.destroy();
    app.cannot(&format!("SELECT * FROM {shop}.`orders`"));
    app.cannot(&format!("SELECT sku FROM {shop}.`items`"));
    app.cannot(&format!("SELECT {shop}.`tax`()"));
}

/// PolarDB's ReadWrite, ReadOnly and DMLOnly are the MySQL privileges they stand for.
#[test]
fn polardb_grants_are_what_the_account_can_do() {
    let cluster = unique_id("pc");
    let sim = on_the_server(fixture(
        json!({}),
        json!([{
            "db_cluster_id": cluster,
            "accounts": [{"name": "app", "type": "Normal", "password": PASSWORD}],
            "databases": ["shop", "logs"],
        }]),
    ));
    let config = |privileges: &str| {
        sim.alicloud_provider_config(ALIBABA_SECRET)
            + &format!(
                r#"
resource "clouddb_polardb_account_grant" "app" {{
  db_cluster_id       = "{cluster}"
  account_name        = "app"
  database_privileges = {{ {privileges} }}
}}
"#
            )
    };
    let shop = format!("`{cluster}__shop`");
    let logs = format!("`{cluster}__logs`");
    let app = Login::new(&cluster, "app", PASSWORD);
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&config(r#"shop = "ReadWrite", logs = "ReadOnly""#));
    workspace.apply();
    app.can(&format!("CREATE TABLE {shop}.`notes` (id INT)"));
    app.can(&format!("INSERT INTO {shop}.`notes` VALUES (1)"));
    app.can(&format!("USE {logs}"));
    app.cannot(&format!("CREATE TABLE {logs}.`notes` (id INT)"));
    app.can("SHOW ENGINE INNODB STATUS");
    workspace.expect_empty_plan("right after apply, read from the server's catalogs");

    workspace.write_config(&config(r#"shop = "DMLOnly""#));
    workspace.apply();
    app.can(&format!("DELETE FROM {shop}.`notes`"));
    app.cannot(&format!("CREATE TABLE {shop}.`more` (id INT)"));
    app.cannot(&format!("USE {logs}"));
    workspace.expect_empty_plan("after the update");

    workspace.destroy();
    app.cannot(&format!("SELECT * FROM {shop}.`notes`"));
    app.cannot("SHOW ENGINE INNODB STATUS");
}

fn postgres_fixture(instance: &str) -> Fixture {
    fixture(
        json!({"postgres": [{
            "instance_id": instance,
            "accounts": [{"name": "app", "password": PASSWORD}],
            "databases": [{"name": "appdb", "schemas": [{
                "name": "public",
                "tables": [
                    {"name": "users", "columns": ["id", "email"]},
                    {"name": "orders", "columns": ["id", "note"]},
                ],
                "views": ["recent"],
                "sequences": ["ids"],
                "functions": ["add_user(text,text)"],
            }]}],
        }]}),
        json!([]),
    )
}

const POSTGRES_OBJECTS: &str = r#"
  object {
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT"]
  }

  object {
    object_type   = "schema"
    database_name = "appdb"
    object_name   = "public"
    privileges    = ["USAGE"]
  }

  object {
    object_type   = "table"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "users"
    privileges    = ["SELECT"]
  }

  object {
    object_type   = "column"
    database_name = "appdb"
    schema_name   = "public"
    table_name    = "orders"
    object_name   = "note"
    privileges    = ["SELECT"]
  }

  object {
    object_type   = "sequence"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "ids"
    privileges    = ["USAGE"]
  }
"#;

const POSTGRES_WRITES: &str = r#"
  object {
    object_type   = "table"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "orders"
    privileges    = ["INSERT"]
  }

  object {
    object_type   = "function"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "add_user(text,text)"
    privileges    = ["EXECUTE"]
  }
"#;

/// Database, schema, table, column, sequence and function privileges are what the role can
/// use once it logs in; a `REVOKE` run by hand is planned back; destroy leaves it nothing.
fn postgres_grants_are_what_the_account_can_do(version: TerraformVersion) {
    let instance = unique_id("postgres");
    let sim = Sim::start_with(
        postgres_fixture(&instance),
        SimOptions {
            postgres: Some(postgres::server_url()),
            ..SimOptions::default()
        },
    );
    let config = |body: &str| {
        sim.tencent_provider_config()
            + &format!(
                r#"
resource "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "{instance}"
  user_name      = "app"
{body}
}}
"#
            )
    };
    let app = postgres::Login::new(&instance, "app", PASSWORD, "appdb");
    app.cannot("SELECT 1");

    let workspace = Workspace::new(version);
    workspace.write_config(&config(&format!("{POSTGRES_OBJECTS}{POSTGRES_WRITES}")));
    workspace.apply();
    app.can("SELECT * FROM public.users");
    app.cannot("INSERT INTO public.users (id) VALUES ('1')");
    app.can("INSERT INTO public.orders (id, note) VALUES ('1', 'first')");
    app.can("SELECT note FROM public.orders");
    app.cannot("SELECT id FROM public.orders");
    app.can("SELECT public.add_user('a', 'b')");
    app.can("SELECT nextval('public.ids')");
    app.cannot("SELECT * FROM public.recent");
    workspace.expect_empty_plan("right after apply, read from the server's catalogs");

    // The update also makes the account a tencentDBSuper: a member of the role standing for it.
    let super_member = format!(
        "DO $$ BEGIN IF NOT pg_has_role('{instance}__app', '{instance}__tencentdb_super', 'MEMBER') \
         THEN RAISE EXCEPTION 'not a member'; END IF; END $$"
    );
    let _ = postgres::refused_to_administrator("postgres", &super_member);
    workspace.write_config(&config(&format!(
        "  account_type = \"tencentDBSuper\"\n{POSTGRES_OBJECTS}"
    )));
    workspace.apply();
    postgres::as_administrator("postgres", &super_member);
    app.cannot("INSERT INTO public.orders (id) VALUES ('2')");
    app.cannot("SELECT public.add_user('a', 'b')");
    app.can("SELECT * FROM public.users");
    workspace.expect_empty_plan("after the update");

    let role = format!("\"{instance}__app\"");
    postgres::as_administrator(
        &format!("{instance}__appdb"),
        &format!("REVOKE SELECT ON public.users FROM {role}"),
    );
    app.cannot("SELECT * FROM public.users");
    let (changes, plan) = workspace.plan_has_changes();
    assert!(
        changes,
        "the REVOKE made in SQL is not planned:\n{}",
        plan.text()
    );
    workspace.apply();
    app.can("SELECT * FROM public.users");
    workspace.expect_empty_plan("after the repair");

    workspace.destroy();
    app.cannot("SELECT 1");
}

on_each_terraform!(postgres_grants_are_what_the_account_can_do);

/// The sim's `drop-object` is a real `DROP` on the server, as a DBA's would be.
#[test]
fn a_postgres_object_dropped_through_the_sim_is_dropped_on_the_server() {
    let instance = unique_id("postgres");
    let sim = Sim::start_with(
        postgres_fixture(&instance),
        SimOptions {
            postgres: Some(postgres::server_url()),
            ..SimOptions::default()
        },
    );
    let database = format!("{instance}__appdb");
    postgres::as_administrator(&database, "SELECT * FROM public.orders");
    sim.postgres_drop_object(
        &instance,
        json!({"object_type": "table", "database_name": "appdb", "schema_name": "public",
               "object_name": "orders"}),
    );
    let error = postgres::refused_to_administrator(&database, "SELECT * FROM public.orders");
    assert!(error.contains("does not exist"), "{error}");
    postgres::as_administrator(&database, "SELECT * FROM public.users");
}

/// What a DBA creates or drops in SQL is what the API lists and accepts: a table and a user
/// made by hand can be granted on and to, a table dropped by hand is refused with the vendor's
/// error (not an SQL one), and `/_sim/state` shows the server's objects.
#[test]
fn objects_and_accounts_made_in_sql_are_what_the_api_knows() {
    let instance = unique_id("cdb");
    let sim = on_the_server(cdb_fixture(&instance));
    let shop = format!("`{instance}__shop`");
    as_administrator(&format!(
        "CREATE TABLE {shop}.`refunds` (id TEXT, amount TEXT)"
    ));
    as_administrator(&format!("DROP TABLE {shop}.`items`"));
    as_administrator(&format!(
        "CREATE USER '{instance}__auditor'@'%' IDENTIFIED BY '{PASSWORD}'"
    ));
    let state = sim.state();
    let cdb = &state["tencentcloud"]["cdb"][0];
    assert_eq!(
        cdb["databases"][0]["tables"],
        json!([{"name": "orders", "columns": ["id", "total"]},
               {"name": "refunds", "columns": ["id", "amount"]}]),
        "{cdb}"
    );
    let users: Vec<&serde_json::Value> = cdb["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|account| &account["user"])
        .collect();
    assert_eq!(users, [&json!("app"), &json!("auditor")], "{cdb}");

    let grant = |table: &str| {
        let body = format!(
            "  table {{\n    database   = \"shop\"\n    table      = \"{table}\"\n    privileges = [\"SELECT\"]\n  }}"
        );
        cdb_account_config(&sim, &instance, "auditor", &body)
    };
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&grant("refunds"));
    workspace.apply();
    Login::new(&instance, "auditor", PASSWORD).can(&format!("SELECT amount FROM {shop}.`refunds`"));

    workspace.write_config(&grant("items"));
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(
        !run.success,
        "a grant on a dropped table must fail:\n{}",
        run.text()
    );
    let text = run.text();
    assert!(
        text.contains("items") && text.contains("does not exist"),
        "{text}"
    );
    assert!(
        !text.contains("MySQL server"),
        "an SQL error reached the user: {text}"
    );
}

/// A table a DBA creates in PostgreSQL by hand can be granted on at once.
#[test]
fn a_postgres_table_made_in_sql_can_be_granted_on() {
    let instance = unique_id("postgres");
    let sim = Sim::start_with(
        postgres_fixture(&instance),
        SimOptions {
            postgres: Some(postgres::server_url()),
            ..SimOptions::default()
        },
    );
    let database = format!("{instance}__appdb");
    postgres::as_administrator(&database, "CREATE TABLE public.audit (id text, at text)");
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&format!(
        r#"{}
resource "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "{instance}"
  user_name      = "app"

  object {{
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT"]
  }}

  object {{
    object_type   = "schema"
    database_name = "appdb"
    object_name   = "public"
    privileges    = ["USAGE"]
  }}

  object {{
    object_type   = "table"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "audit"
    privileges    = ["SELECT"]
  }}
}}
"#,
        sim.tencent_provider_config()
    ));
    workspace.apply();
    let app = postgres::Login::new(&instance, "app", PASSWORD, "appdb");
    app.can("SELECT at FROM public.audit");
    workspace.expect_empty_plan("after the grant on a table made in SQL");
}
