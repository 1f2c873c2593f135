//! Section 3, one CDB account with hundreds of table scopes, written as `table` blocks and as the
//! `table_privileges` map: create, a plan with nothing to do, and a change of one privilege
//! (the figures of docs/resources/cdb_account_privileges.md, "Large accounts").

use std::time::Instant;

use clouddb_sim::SimOptions;
use clouddb_test_support::sim::Sim;
use clouddb_test_support::terraform::{TerraformVersion, Workspace};
use serde_json::{json, Value as Json};

use crate::fixture;

/// How many table scopes the large account holds, one run each.
const LARGE_ACCOUNT_SCOPES: &[usize] = &[100, 250, 500, 1000];

/// Prints the table and returns its rows.
pub fn figures() -> Json {
    println!(
        "== 3. One clouddb_cdb_account_privileges with many table scopes (Terraform {}, sim without latency) ==",
        TerraformVersion::Current.expected_version()
    );
    println!(
        "{:>7} {:<18} {:>10} {:>8} {:>10} {:>8}",
        "scopes", "written as", "create s", "plan s", "change s", "state"
    );
    let mut rows = Vec::new();
    for &scopes in LARGE_ACCOUNT_SCOPES {
        for shape in [TableShape::Blocks, TableShape::Map] {
            rows.push(large_account_row(scopes, shape));
        }
    }
    Json::Array(rows)
}

#[derive(Clone, Copy)]
enum TableShape {
    Blocks,
    Map,
}

/// The resource with `scopes` tables t0000, t0001, ... of `shop`: SELECT on each, and
/// `first` on t0000.
fn large_account_config(sim: &Sim, scopes: usize, shape: TableShape, first: &str) -> String {
    let tables = match shape {
        TableShape::Blocks => {
            r#"
  dynamic "table" {
    for_each = toset(local.tables)
    content {
      database   = "shop"
      table      = table.value
      privileges = table.value == "t0000" ? FIRST : ["SELECT"]
    }
  }"#
        }
        TableShape::Map => {
            r#"
  table_privileges = {
    shop = { for t in local.tables : t => (t == "t0000" ? FIRST : ["SELECT"]) }
  }"#
        }
    };
    format!(
        r#"{}
locals {{
  tables = [for i in range({scopes}) : format("t%04d", i)]
}}

resource "clouddb_cdb_account_privileges" "app" {{
  instance_id = "cdb-sim00001"
  user        = "app"
{}
}}
"#,
        sim.tencent_provider_config(),
        tables.replace("FIRST", first)
    )
}

fn large_account_row(scopes: usize, shape: TableShape) -> Json {
    let sim = Sim::start_with(
        fixture(|f| {
            f["tencentcloud"]["cdb"][0]["databases"] = json!([{
                "name": "shop",
                "tables": (0..scopes)
                    .map(|i| json!({"name": format!("t{i:04}"), "columns": ["id"]}))
                    .collect::<Vec<_>>(),
            }]);
        }),
        SimOptions::default(),
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    let timed = |args: &[&str]| {
        let started = Instant::now();
        let run = workspace.run(args);
        (started.elapsed(), run)
    };
    workspace.write_config(&large_account_config(&sim, scopes, shape, r#"["SELECT"]"#));
    let (create, created) = timed(&["apply", "-auto-approve", "-input=false"]);
    let (plan, planned) = timed(&["plan", "-detailed-exitcode", "-input=false"]);
    workspace.write_config(&large_account_config(
        &sim,
        scopes,
        shape,
        r#"["SELECT", "INSERT"]"#,
    ));
    let (change, changed) = timed(&["apply", "-auto-approve", "-input=false"]);
    let held = sim.cdb_privileges("cdb-sim00001", "app", "%");
    let state_matches = created.success
        && planned.code == Some(0)
        && changed.success
        && held.len() == scopes + 1
        && held.contains("table:shop.t0000:INSERT");
    let written_as = match shape {
        TableShape::Blocks => "table blocks",
        TableShape::Map => "table_privileges",
    };
    println!(
        "{:>7} {:<18} {:>10.2} {:>8.2} {:>10.2} {:>8}",
        scopes,
        written_as,
        create.as_secs_f64(),
        plan.as_secs_f64(),
        change.as_secs_f64(),
        if state_matches { "ok" } else { "WRONG" }
    );
    json!({
        "scopes": scopes,
        "written_as": written_as,
        "create_s": create.as_secs_f64(),
        "plan_s": plan.as_secs_f64(),
        "change_s": change.as_secs_f64(),
        "state_matches": state_matches,
    })
}
