//! Section 2, real Terraform (1.11.4, dev_overrides) against a fresh in-process clouddb-sim with
//! latency on every call and the vendors' documented rate limits:
//! - 200 mixed resources (50 of each kind): `apply`, a `plan` with nothing to do, `destroy`,
//!   five rounds, and each command's median;
//! - 40 cdb resources of one team with identical privileges (`for_each`), whose writes merge;
//! - Terraform's own floor: a plan with a provider block and no resources (the provider starts
//!   and serves its schema; nothing is configured or called).
//!
//! Each as wall time, its ratio to the lower bound ([`crate::bounds`]), API calls per resource,
//! the throttling answers the sim gave and how many reached Terraform's output, and whether the
//! sim then holds exactly what the configuration says.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use clouddb_sim::{RateLimits, SimOptions};
use clouddb_test_support::sim::{cdb_grants, privileges, Sim};
use clouddb_test_support::terraform::{Run, TerraformVersion, Workspace};
use serde_json::{json, Value as Json};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::bounds::{admitted, is_throttling, is_write, lower_bound, Bound, Setting};
use crate::fixture;

/// Added by the sim before every vendor API answer.
const LATENCY: Duration = Duration::from_millis(30);
/// How long a cdb task or TDSQL flow runs in the sim (its default).
const TASK_DURATION: Duration = Duration::from_millis(300);
/// Terraform's default `-parallelism`.
const PARALLELISM: usize = 10;
/// Resources of each kind in the mixed scenario.
const EACH_KIND: usize = 50;
/// Rounds of the mixed scenario's apply, plan and destroy. Terraform gives its parallel slots
/// to one kind's resources after another, in a different order each run, which moves the
/// apply by more than a second; each round is a row, and the medians are summed up after.
const MIXED_ROUNDS: usize = 5;
/// Resources of the merged-writes scenario.
const TEAM: usize = 40;

const SETTING: Setting = Setting {
    latency: LATENCY,
    task_duration: TASK_DURATION,
    parallelism: PARALLELISM,
};

/// One Terraform command, measured.
struct Measured {
    scenario: String,
    command: &'static str,
    resources: usize,
    /// When the command started, to place the sim's log in it.
    started_at: OffsetDateTime,
    wall: Duration,
    log: Vec<Json>,
    run: Run,
    /// Whether the sim held what the configuration says afterwards (`None`: nothing to check).
    state_matches: Option<bool>,
}

impl Measured {
    fn bound(&self) -> Option<Bound> {
        (self.resources > 0).then(|| lower_bound(&self.log, &SETTING, self.command != "apply"))
    }

    fn throttled(&self) -> usize {
        self.log.iter().filter(|r| is_throttling(r)).count()
    }

    /// Throttling codes in Terraform's output: a throttled call that was not retried away.
    fn surfaced(&self) -> usize {
        let text = self.run.text();
        text.matches("RequestLimitExceeded").count() + text.matches("Throttling").count()
    }

    fn calls_per_resource(&self) -> Option<f64> {
        (self.resources > 0).then(|| self.log.len() as f64 / self.resources as f64)
    }

    fn to_json(&self) -> Json {
        let bound = self.bound();
        let by_action: BTreeMap<String, usize> = admitted(&self.log)
            .into_iter()
            .map(|((service, action), n)| (format!("{service} {action}"), n))
            .collect();
        json!({
            "scenario": self.scenario,
            "command": self.command,
            "resources": self.resources,
            "wall_s": self.wall.as_secs_f64(),
            "bound_s": bound.as_ref().map(|b| b.total().as_secs_f64()),
            "rate_bound_s": bound.as_ref().map(|b| b.rate.as_secs_f64()),
            "latency_bound_s": bound.as_ref().map(|b| b.latency.as_secs_f64()),
            "ratio": bound.as_ref().map(|b| self.wall.as_secs_f64() / b.total().as_secs_f64()),
            "calls": self.log.len(),
            "calls_per_resource": self.calls_per_resource(),
            "calls_by_action": by_action,
            "throttled": self.throttled(),
            "surfaced": self.surfaced(),
            "succeeded": self.run.success,
            "state_matches": self.state_matches,
            "service_spans_s": service_spans(self)
                .iter()
                .map(|span| json!({"service": span.service, "first": span.first, "last": span.last}))
                .collect::<Vec<_>>(),
        })
    }
}

/// Prints the table and returns its rows.
pub fn figures() -> Json {
    println!(
        "== 2. Terraform {} against a fresh in-process clouddb-sim per scenario ==",
        TerraformVersion::Current.expected_version()
    );
    println!(
        "sim: {} ms latency per vendor call, documented rate limits (cdb ModifyAccountPrivileges 10/s, postgres ModifyAccountPrivileges 20/s, every TDSQL action 20/s), tasks {} ms; Terraform -parallelism {PARALLELISM}",
        LATENCY.as_millis(),
        TASK_DURATION.as_millis(),
    );
    println!(
        "bound = max(rate: calls ÷ limit, per limited action; latency: every call's latency and task's duration ÷ parallelism), merged writes counted per account; plan and destroy refresh first: the refresh's bound plus the changes'"
    );
    println!(
        "throttled = RequestLimitExceeded/Throttling* answers in the sim's log; surfaced = those codes in Terraform's output (must be 0)\n"
    );
    println!(
        "{:<39} {:<8} {:>7} {:>7} {:>6} {:>6} {:>9} {:>9} {:>9} {:>6}",
        "scenario",
        "command",
        "wall s",
        "bound s",
        "ratio",
        "calls",
        "calls/res",
        "throttled",
        "surfaced",
        "state"
    );
    let mut rows = floor_and_mixed();
    rows.push(merged_team());
    let medians = mixed_medians(&rows);
    println!("\ndetails:");
    for row in &rows {
        print_details(row);
    }
    json!({
        "rows": rows.iter().map(Measured::to_json).collect::<Vec<_>>(),
        "mixed_medians": medians,
    })
}

fn sim_options() -> SimOptions {
    SimOptions {
        latency: LATENCY,
        rate_limits: RateLimits::Documented,
        task_duration: TASK_DURATION,
        ..SimOptions::default()
    }
}

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:02}")).collect()
}

/// 50 resources of each kind, one account each, on the built-in instances and cluster.
const MIXED: &str = r#"
locals {
  cdb     = [for i in range(50) : format("cdb%02d", i)]
  tdsql   = [for i in range(50) : format("tdsql%02d", i)]
  polardb = [for i in range(50) : format("polar%02d", i)]
  pg      = [for i in range(50) : format("pg%02d", i)]
}

resource "clouddb_cdb_account_privileges" "team" {
  for_each    = toset(local.cdb)
  instance_id = "cdb-sim00001"
  user        = each.key
  database {
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }
}

resource "clouddb_tdsql_account_privileges" "team" {
  for_each    = toset(local.tdsql)
  instance_id = "tdsql-sim00001"
  user        = each.key
  database {
    database   = "shop"
    privileges = ["SELECT"]
  }
}

resource "clouddb_polardb_account_grant" "team" {
  for_each      = toset(local.polardb)
  db_cluster_id = "pc-sim00001"
  account_name  = each.key
  database_privileges = {
    shop = "ReadWrite"
    logs = "ReadOnly"
  }
}

resource "clouddb_postgres_account_privileges" "team" {
  for_each       = toset(local.pg)
  db_instance_id = "postgres-sim00001"
  user_name      = each.key
  object {
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT"]
  }
  object {
    object_type   = "table"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "users"
    privileges    = ["SELECT"]
  }
}
"#;

/// Whether every account of the mixed scenario holds what it declares (`granted`), or nothing.
fn mixed_state_is(sim: &Sim, granted: bool) -> bool {
    let holds = |expected: BTreeSet<String>, held: BTreeSet<String>| match granted {
        true => held == expected,
        false => held.is_empty(),
    };
    let cdb = names("cdb", EACH_KIND).iter().all(|user| {
        holds(
            cdb_grants(&["database:shop:SELECT", "database:shop:SHOW VIEW"]),
            sim.cdb_privileges("cdb-sim00001", user, "%"),
        )
    });
    let tdsql = names("tdsql", EACH_KIND).iter().all(|user| {
        holds(
            cdb_grants(&["database:shop:SELECT"]),
            sim.tdsql_privileges("tdsql-sim00001", user, "%"),
        )
    });
    let polardb = names("polar", EACH_KIND).iter().all(|account| {
        let held = sim.polardb_privileges("pc-sim00001", account);
        match granted {
            true => held == privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")]),
            false => held.is_empty(),
        }
    });
    let postgres = names("pg", EACH_KIND).iter().all(|user| {
        let held = sim.postgres_privileges("postgres-sim00001", user);
        match granted {
            true => held.len() == 2,
            false => held.is_empty(),
        }
    });
    cdb && tdsql && polardb && postgres
}

fn floor_and_mixed() -> Vec<Measured> {
    let sim = Sim::start_with(
        fixture(|f| {
            let mysql_accounts = |prefix: &str| -> Json {
                names(prefix, EACH_KIND)
                    .iter()
                    .map(|u| json!({"user": u, "host": "%"}))
                    .collect()
            };
            f["tencentcloud"]["cdb"][0]["accounts"] = mysql_accounts("cdb");
            f["tencentcloud"]["mariadb"][0]["accounts"] = mysql_accounts("tdsql");
            f["tencentcloud"]["postgres"][0]["accounts"] = json!(names("pg", EACH_KIND));
            f["alicloud"]["polardb"][0]["accounts"] = names("polar", EACH_KIND)
                .iter()
                .map(|a| json!({"name": a, "type": "Normal"}))
                .collect();
        }),
        sim_options(),
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    let mut rows = Vec::new();
    workspace.write_config(&sim.both_clouds_provider_config());
    rows.push(measure(
        &sim,
        &workspace,
        "floor: Terraform, no resources",
        "plan",
        0,
        &|_| None,
    ));

    workspace.write_config(&(sim.both_clouds_provider_config() + MIXED));
    for round in 1..=MIXED_ROUNDS {
        let label = format!("{} mixed (50 of each kind) #{round}", 4 * EACH_KIND);
        for (command, check) in [
            (
                "apply",
                &(|sim: &Sim| Some(mixed_state_is(sim, true))) as &dyn Fn(&Sim) -> Option<bool>,
            ),
            ("plan", &|sim: &Sim| Some(mixed_state_is(sim, true))),
            ("destroy", &|sim: &Sim| Some(mixed_state_is(sim, false))),
        ] {
            rows.push(measure(
                &sim,
                &workspace,
                &label,
                command,
                4 * EACH_KIND,
                check,
            ));
        }
    }
    rows
}

/// Each command of the mixed scenario over its rounds: the median wall time and ratio, and the
/// range.
fn mixed_medians(rows: &[Measured]) -> Json {
    println!("\nmixed scenario over {MIXED_ROUNDS} rounds (median, then the range):");
    let medians = ["apply", "plan", "destroy"].map(|command| {
        let mut runs: Vec<(f64, f64)> = rows
            .iter()
            .filter(|row| row.command == command && row.scenario.contains("mixed"))
            .filter_map(|row| {
                let bound = row.bound()?.total().as_secs_f64();
                Some((row.wall.as_secs_f64(), row.wall.as_secs_f64() / bound))
            })
            .collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (wall, ratio) = runs[runs.len() / 2];
        let (first, last) = (runs[0], runs[runs.len() - 1]);
        println!(
            "  {command:<8} {wall:.2} s, ratio {ratio:.2}; range {:.2}–{:.2} s, ratio {:.2}–{:.2}",
            first.0, last.0, first.1, last.1
        );
        json!({
            "command": command,
            "median_wall_s": wall,
            "median_ratio": ratio,
            "walls_s": runs.iter().map(|run| run.0).collect::<Vec<_>>(),
        })
    });
    Json::Array(medians.to_vec())
}

fn merged_team() -> Measured {
    let users = names("user", TEAM);
    let sim = Sim::start_with(
        fixture(|f| {
            f["tencentcloud"]["cdb"][0]["accounts"] = users
                .iter()
                .map(|u| json!({"user": u, "host": "%"}))
                .collect();
        }),
        sim_options(),
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    workspace.write_config(&format!(
        r#"{}
resource "clouddb_cdb_account_privileges" "team" {{
  for_each    = toset([for i in range({TEAM}) : format("user%02d", i)])
  instance_id = "cdb-sim00001"
  user        = each.key
  database {{
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }}
}}
"#,
        sim.both_clouds_provider_config()
    ));
    let check = |sim: &Sim| {
        let expected = cdb_grants(&["database:shop:SELECT", "database:shop:SHOW VIEW"]);
        Some(
            users
                .iter()
                .all(|user| sim.cdb_privileges("cdb-sim00001", user, "%") == expected),
        )
    };
    measure(
        &sim,
        &workspace,
        &format!("{TEAM} cdb, one team (merged writes)"),
        "apply",
        TEAM,
        &check,
    )
}

/// Runs `command` in the workspace with an empty request log, prints its row and returns it.
fn measure(
    sim: &Sim,
    workspace: &Workspace,
    scenario: &str,
    command: &'static str,
    resources: usize,
    check: &dyn Fn(&Sim) -> Option<bool>,
) -> Measured {
    let args: &[&str] = match command {
        "apply" => &["apply", "-auto-approve", "-input=false"],
        "plan" => &["plan", "-detailed-exitcode", "-input=false"],
        "destroy" => &["destroy", "-auto-approve", "-input=false"],
        other => panic!("unknown command {other}"),
    };
    sim.clear_requests();
    let started_at = OffsetDateTime::now_utc();
    let started = Instant::now();
    let run = workspace.run(args);
    let wall = started.elapsed();
    let log = sim.requests();
    // A plan that finds changes (exit code 2) means the apply before it left a difference.
    let planned_clean = command != "plan" || run.code == Some(0);
    let state_matches = check(sim).map(|matches| matches && planned_clean);
    let measured = Measured {
        scenario: scenario.to_owned(),
        command,
        resources,
        started_at,
        wall,
        log,
        run,
        state_matches,
    };
    print_row(&measured);
    measured
}

fn print_row(row: &Measured) {
    let wall = row.wall.as_secs_f64();
    let (bound, ratio) = match row.bound() {
        Some(bound) => {
            let total = bound.total().as_secs_f64();
            (format!("{total:.2}"), format!("{:.2}", wall / total))
        }
        None => ("-".into(), "-".into()),
    };
    let state = match (row.run.success || row.command == "plan", row.state_matches) {
        (false, _) => "FAILED",
        (true, None) => "-",
        (true, Some(true)) => "ok",
        (true, Some(false)) => "DIFFERS",
    };
    println!(
        "{:<39} {:<8} {:>7.2} {:>7} {:>6} {:>6} {:>9} {:>9} {:>9} {:>6}",
        row.scenario,
        row.command,
        wall,
        bound,
        ratio,
        row.log.len(),
        row.calls_per_resource()
            .map_or("-".into(), |c| format!("{c:.2}")),
        row.throttled(),
        row.surfaced(),
        state
    );
}

/// When most of one service's calls came: the middle 80 % of them, in seconds from the
/// command's start.
struct Span {
    service: String,
    first: f64,
    last: f64,
}

/// Each service's span, in the order they begin: of its writes, or of its reads if it wrote
/// nothing. Terraform gives its parallel slots to one block's resources after another, so kinds
/// whose spans barely overlap ran one after another, and their times add up. (The first few
/// resources of every kind and a few stragglers fall outside the middle 80 %.)
fn service_spans(row: &Measured) -> Vec<Span> {
    let mut times: BTreeMap<&str, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for record in &row.log {
        let (Some(service), Some(time)) = (record["service"].as_str(), record["time"].as_str())
        else {
            continue;
        };
        let Ok(time) = OffsetDateTime::parse(time, &Rfc3339) else {
            continue;
        };
        let at = (time - row.started_at).as_seconds_f64();
        let (writes, reads) = times.entry(service).or_default();
        match is_write(record) {
            true => writes.push(at),
            false => reads.push(at),
        }
    }
    let mut spans: Vec<Span> = times
        .into_iter()
        .map(|(service, (writes, reads))| {
            let mut times = if writes.is_empty() { reads } else { writes };
            times.sort_by(f64::total_cmp);
            let at = |share: f64| times[((times.len() - 1) as f64 * share).round() as usize];
            Span {
                service: service.to_owned(),
                first: at(0.1),
                last: at(0.9),
            }
        })
        .collect();
    spans.sort_by(|a, b| a.first.total_cmp(&b.first));
    spans
}

/// How much of the spans' total length lies under more than one of them (their total less
/// their union): 0 when the services ran one after another.
fn overlap_of(spans: &[Span]) -> f64 {
    let total: f64 = spans.iter().map(|span| span.last - span.first).sum();
    let mut covered = 0.0;
    let mut reach = f64::MIN;
    for span in spans {
        covered += (span.last - span.first.max(reach)).max(0.0);
        reach = reach.max(span.last);
    }
    total - covered
}

fn print_spans(row: &Measured) {
    let spans = service_spans(row);
    if spans.len() < 2 {
        return;
    }
    let listed = spans
        .iter()
        .map(|span| format!("{} {:.2}–{:.2}", span.service, span.first, span.last))
        .collect::<Vec<_>>()
        .join(", ");
    let total: f64 = spans.iter().map(|span| span.last - span.first).sum();
    println!(
        "    the middle 80 % of each service's writes (reads if none), s from the start: {listed}"
    );
    println!(
        "    their spans add up to {total:.2} s, of which {:.2} s overlap",
        overlap_of(&spans)
    );
}

fn print_details(row: &Measured) {
    println!("- {} / {}:", row.scenario, row.command);
    match row.bound() {
        Some(bound) => {
            let per_resource = admitted(&row.log)
                .iter()
                .map(|((service, action), n)| {
                    format!("{service} {action} {:.2}", *n as f64 / row.resources as f64)
                })
                .collect::<Vec<_>>()
                .join(", ");
            println!("    calls per resource: {per_resource}");
            println!("    rate bound:    {}", bound.rate_detail);
            println!("    latency bound: {}", bound.latency_detail);
            print_spans(row);
        }
        None => println!(
            "    Terraform's own cost of one command without resources (the provider starts and serves its schema): {:.2} s, {} API calls",
            row.wall.as_secs_f64(),
            row.log.len()
        ),
    }
    let errors: BTreeMap<&str, usize> = row
        .log
        .iter()
        .filter_map(|r| r["error_code"].as_str())
        .fold(BTreeMap::new(), |mut counts, code| {
            *counts.entry(code).or_insert(0) += 1;
            counts
        });
    if !errors.is_empty() {
        println!("    error answers from the sim: {errors:?}");
    }
    if !(row.run.success || row.command == "plan") || row.surfaced() > 0 {
        let text = row.run.text();
        let excerpt: Vec<&str> = text
            .lines()
            .filter(|line| line.contains("Error") || line.contains("RequestLimitExceeded"))
            .take(10)
            .collect();
        println!("    Terraform said: {}", excerpt.join("\n      "));
    }
}
