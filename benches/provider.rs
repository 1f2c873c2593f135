//! Performance and reliability, measured: `cargo bench --bench provider`.
//!
//! Prints two tables and judges nothing:
//!
//! 1. The provider process as Terraform meets it (Terraform starts it several times per
//!    command: docs/architecture.md, "Terraform's plugin protocol"): start to handshake line, the mTLS connection and
//!    `GetProviderSchema`, peak RSS after a few hundred `ValidateResourceConfig` calls, and the
//!    stripped sizes of both binaries.
//! 2. Real Terraform (1.11.4, dev_overrides) applying and then refreshing many resources against
//!    a fresh in-process clouddb-sim with latency on every call and the vendors' documented rate
//!    limits: wall time, API calls per resource, the lower bound the sim's limits allow, and the
//!    throttling answers the sim gave and whether any reached Terraform's output.
//! 3. One CDB account with hundreds of table scopes, written as `table` blocks and as the
//!    `table_privileges` map: create, a plan with nothing to do, and a change of one privilege.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::framework::Provider;
use clouddb::provider::CloudDbProvider;
use clouddb::value::{encode_msgpack, Type, Value};
use clouddb_sim::{Fixture, RateLimits, SimOptions};
use clouddb_test_support::plugin_client::{connect, ClientIdentity};
use clouddb_test_support::plugin_process::{provider_binary, PluginProcess};
use clouddb_test_support::proto::tfplugin6 as pb;
use clouddb_test_support::proto::tfplugin6::provider_client::ProviderClient;
use clouddb_test_support::sim::{Sim, ALIBABA_SECRET};
use clouddb_test_support::terraform::{Run, TerraformVersion, Workspace};
use serde_json::{json, Value as Json};

/// Provider launches measured (after one unmeasured warm-up launch).
const LAUNCHES: usize = 20;
/// `GetProviderSchema` calls repeated on one connection.
const SCHEMA_REPEATS: usize = 20;
/// `ValidateResourceConfig` calls made before peak RSS is read.
const VALIDATIONS: usize = 300;

/// Added by the sim before every vendor API answer.
const LATENCY: Duration = Duration::from_millis(50);
/// How long a cdb async task (ModifyAccountPrivileges) runs in the sim.
const TASK_DURATION: Duration = Duration::from_millis(300);
/// Terraform's default `-parallelism`.
const TERRAFORM_PARALLELISM: usize = 10;

/// The limits `RateLimits::Documented` enforces (docs/sim.md): (service, action, requests/s).
const DOCUMENTED_LIMITS: &[(&str, &str, f64)] = &[
    ("cdb", "ModifyAccountPrivileges", 10.0),
    ("postgres", "ModifyAccountPrivileges", 20.0),
];
/// Calls that start an async task the provider then waits for, and the call it polls with.
const TASK_STARTERS: &[(&str, &str)] = &[("cdb", "ModifyAccountPrivileges")];
const TASK_POLL: &str = "DescribeAsyncRequestInfo";

const CDB_ACCOUNTS: usize = 50;
const POLARDB_ACCOUNTS: usize = 50;
const POSTGRES_OBJECTS: usize = 200;

fn main() {
    let started = Instant::now();
    println!("clouddb provider benchmark (figures only, no thresholds)\n");
    provider_process_figures();
    println!();
    terraform_figures();
    println!();
    large_account_figures();
    println!(
        "\nbenchmark run took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// 1. The provider process
// ---------------------------------------------------------------------------------------------

fn provider_process_figures() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime for the gRPC client");
    let terraform = ClientIdentity::terraform_like();

    drop(PluginProcess::launch(&terraform.pem)); // warm-up: page cache, nothing measured
    let mut handshakes = Vec::new();
    let mut connects = Vec::new();
    let mut first_schemas = Vec::new();
    for _ in 0..LAUNCHES {
        let launched = Instant::now();
        let plugin = PluginProcess::launch(&terraform.pem);
        handshakes.push(launched.elapsed());
        runtime.block_on(async {
            let connecting = Instant::now();
            let channel = connect(plugin.address, plugin.certificate.clone(), Some(&terraform))
                .await
                .expect("connect over mTLS");
            connects.push(connecting.elapsed());
            let asking = Instant::now();
            ProviderClient::new(channel)
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .expect("GetProviderSchema");
            first_schemas.push(asking.elapsed());
        });
    }

    let plugin = PluginProcess::launch(&terraform.pem);
    let (repeat_schemas, schema_bytes, validations, validation_errors) = runtime.block_on(async {
        let mut repeats = Vec::new();
        let mut schema_bytes = 0;
        let mut client = ProviderClient::new(
            connect(plugin.address, plugin.certificate.clone(), Some(&terraform))
                .await
                .expect("connect over mTLS"),
        );
        for _ in 0..SCHEMA_REPEATS {
            let asking = Instant::now();
            let schema = client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .expect("GetProviderSchema")
                .into_inner();
            repeats.push(asking.elapsed());
            schema_bytes = prost::Message::encoded_len(&schema);
        }
        let configs = validation_configs();
        let provider_config = empty_provider_config();
        let mut validations = Vec::new();
        let mut errors = 0;
        for i in 0..VALIDATIONS {
            // Each round over the configurations is one walk, which Terraform starts by
            // validating the provider's configuration.
            if i % configs.len() == 0 {
                client
                    .validate_provider_config(pb::validate_provider_config::Request {
                        config: Some(pb::DynamicValue {
                            msgpack: provider_config.clone(),
                            json: Vec::new(),
                        }),
                    })
                    .await
                    .expect("ValidateProviderConfig");
            }
            let (type_name, config) = &configs[i % configs.len()];
            let asking = Instant::now();
            let answer = client
                .validate_resource_config(pb::validate_resource_config::Request {
                    type_name: type_name.clone(),
                    config: Some(pb::DynamicValue {
                        msgpack: config.clone(),
                        json: Vec::new(),
                    }),
                    client_capabilities: None,
                })
                .await
                .expect("ValidateResourceConfig")
                .into_inner();
            validations.push(asking.elapsed());
            errors += answer
                .diagnostics
                .iter()
                .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
                .count();
        }
        (repeats, schema_bytes, validations, errors)
    });
    let status = std::fs::read_to_string(format!("/proc/{}/status", plugin.child.id()))
        .expect("read /proc/<pid>/status");
    drop(plugin);

    println!("== 1. Provider process (release binary, as Terraform starts it; P-521 client certificate) ==");
    println!(
        "{:<58} {:>10} {:>10}",
        format!("measurement ({LAUNCHES} launches unless stated)"),
        "median",
        "p90"
    );
    let timing = |what: &str, samples: &[Duration]| {
        println!(
            "{what:<58} {:>7.2} ms {:>7.2} ms",
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.9))
        );
    };
    timing("start → handshake line on stdout", &handshakes);
    timing(
        "mTLS connect (TLS 1.3, h2, TCP_NODELAY as Go sets it)",
        &connects,
    );
    timing("GetProviderSchema, first call of a process", &first_schemas);
    timing(
        &format!("GetProviderSchema, repeated on one connection (×{SCHEMA_REPEATS})"),
        &repeat_schemas,
    );
    timing(
        &format!("ValidateResourceConfig (×{VALIDATIONS}, 3 resource types)"),
        &validations,
    );
    println!(
        "{:<58} {:>10}",
        "GetProviderSchema response size",
        format!("{schema_bytes} B")
    );
    let kib = |field: &str| -> Option<u64> {
        status
            .lines()
            .find(|line| line.starts_with(field))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
    };
    println!(
        "{:<58} {:>10}",
        format!("peak RSS (VmHWM) after schema + {VALIDATIONS} ValidateResourceConfig"),
        kib("VmHWM:").map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    println!(
        "{:<58} {:>10}",
        "RSS at that moment (VmRSS)",
        kib("VmRSS:").map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    println!(
        "{:<58} {:>10}",
        "error diagnostics in those validations (valid configs)", validation_errors
    );

    let provider = provider_binary();
    let sim = provider.with_file_name("clouddb-sim");
    // The bench builds the provider's binary; the sim's is built here, so it is never stale.
    let built = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "clouddb-sim",
            "--bin",
            "clouddb-sim",
        ])
        .status()
        .is_ok_and(|status| status.success());
    for (name, path) in [
        ("terraform-provider-clouddb", &provider),
        ("clouddb-sim", &sim),
    ] {
        let size = if built || name != "clouddb-sim" {
            stripped_size(path)
        } else {
            "not built: `cargo build --release -p clouddb-sim` failed".to_owned()
        };
        println!("{:<58} {size}", format!("stripped size of {name}"));
    }
}

/// The provider block with nothing set, as msgpack.
fn empty_provider_config() -> Vec<u8> {
    let provider = CloudDbProvider::new(Transport::new(TransportConfig::default()));
    let schema = provider.schema();
    let empty = Value::object(
        schema
            .block
            .blocks
            .iter()
            .map(|block| (block.name.as_str(), Value::Null)),
    );
    encode_msgpack(&empty, &schema.value_type())
}

/// msgpack configurations of valid resources, for ValidateResourceConfig.
fn validation_configs() -> Vec<(String, Vec<u8>)> {
    let transport = Transport::new(TransportConfig::default());
    let types: BTreeMap<&'static str, Type> = CloudDbProvider::new(transport)
        .resources()
        .iter()
        .map(|r| (r.type_name(), r.schema().value_type()))
        .collect();
    let s = |text: &str| Value::string(text);
    let set = |items: &[&str]| Value::Set(items.iter().map(|i| Value::string(*i)).collect());
    let mut configs = Vec::new();
    for i in 0..10 {
        let polardb = Value::object([
            ("db_cluster_id", s("pc-sim00001")),
            ("account_name", s(&format!("acct{i:02}"))),
            (
                "database_privileges",
                Value::Map(
                    [("shop", "ReadWrite"), ("logs", "ReadOnly")]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), Value::string(v)))
                        .collect(),
                ),
            ),
        ]);
        let cdb = Value::object([
            ("instance_id", s("cdb-sim00001")),
            ("user", s(&format!("user{i:02}"))),
            ("host", s("%")),
            ("global_privileges", set(&["PROCESS"])),
            (
                "database",
                Value::Set(vec![Value::object([
                    ("database", s("shop")),
                    ("privileges", set(&["SELECT", "SHOW VIEW"])),
                ])]),
            ),
        ]);
        let tables = (0..20).map(|t| {
            Value::object([
                ("object_type", s("table")),
                ("database_name", s("appdb")),
                ("schema_name", s("public")),
                ("object_name", s(&format!("t{t:03}"))),
                ("privileges", set(&["SELECT", "INSERT"])),
            ])
        });
        let postgres = Value::object([
            ("db_instance_id", s("postgres-sim00001")),
            ("user_name", s(&format!("app{i:02}"))),
            ("object", Value::Set(tables.collect())),
        ]);
        for (type_name, value) in [
            ("clouddb_polardb_account_grant", polardb),
            ("clouddb_cdb_account_privileges", cdb),
            ("clouddb_postgres_account_privileges", postgres),
        ] {
            let ty = types
                .get(type_name)
                .unwrap_or_else(|| panic!("the provider has no {type_name}"));
            configs.push((type_name.to_string(), encode_msgpack(&value, ty)));
        }
    }
    configs
}

/// The size after `strip` (the release profile strips already, so normally the file's size).
fn stripped_size(path: &Path) -> String {
    let Ok(metadata) = std::fs::metadata(path) else {
        return format!("not built ({})", path.display());
    };
    let copy = tempfile::NamedTempFile::new().expect("temporary file");
    let stripped = std::process::Command::new("strip")
        .arg("-o")
        .arg(copy.path())
        .arg(path)
        .status()
        .ok()
        .filter(|status| status.success())
        .and_then(|_| std::fs::metadata(copy.path()).ok())
        .map(|m| m.len());
    let (bytes, how) = match stripped {
        Some(bytes) => (bytes, ""),
        None => (metadata.len(), " (as built; `strip` failed)"),
    };
    format!(
        "{bytes} B = {:.2} MiB{how}",
        bytes as f64 / (1024.0 * 1024.0)
    )
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// 2. Terraform against the sim
// ---------------------------------------------------------------------------------------------

/// One Terraform command, measured.
struct Measured {
    label: String,
    command: &'static str,
    resources: usize,
    wall: Duration,
    /// When the command started, in seconds since the Unix epoch (the sim logs RFC 3339 times).
    started_at: f64,
    log: Vec<Json>,
    run: Run,
    state_matches: Option<bool>,
}

fn terraform_figures() {
    println!(
        "== 2. Terraform {} against a fresh in-process clouddb-sim per scenario ==",
        TerraformVersion::Current.expected_version()
    );
    println!(
        "sim: {} ms latency per vendor call, documented rate limits ({}), cdb task {} ms; Terraform -parallelism {}",
        LATENCY.as_millis(),
        DOCUMENTED_LIMITS
            .iter()
            .map(|(service, action, rate)| format!("{service} {action} {rate}/s"))
            .collect::<Vec<_>>()
            .join(", "),
        TASK_DURATION.as_millis(),
        TERRAFORM_PARALLELISM,
    );
    println!(
        "lower bound = max(rate: admitted calls ÷ limit, per action; latency: ⌈resources/{TERRAFORM_PARALLELISM}⌉ waves × one resource's calls in sequence × latency, + task time per task)"
    );
    println!(
        "throttled = RequestLimitExceeded/Throttling* answers in the sim's log; surfaced = those codes in Terraform's output (expected 0)\n"
    );
    println!(
        "{:<44} {:<18} {:>7} {:>8} {:>6} {:>6} {:>9} {:>9} {:>6}",
        "scenario",
        "command",
        "wall s",
        "bound s",
        "ratio",
        "calls",
        "throttled",
        "surfaced",
        "state"
    );

    let mut rows = Vec::new();
    rows.extend(cdb_scenario());
    rows.extend(polardb_scenario());
    rows.extend(postgres_scenario());

    println!("\ndetails:");
    for row in &rows {
        print_details(row);
    }
}

fn sim_options() -> SimOptions {
    SimOptions {
        latency: LATENCY,
        rate_limits: RateLimits::Documented,
        task_duration: TASK_DURATION,
        ..SimOptions::default()
    }
}

/// The built-in fixture, changed by `edit`.
fn fixture(edit: impl FnOnce(&mut Json)) -> Fixture {
    let mut fixture: Json =
        serde_json::from_str(&Fixture::builtin().to_json()).expect("built-in fixture JSON");
    edit(&mut fixture);
    Fixture::from_json(&fixture.to_string()).expect("generated fixture")
}

/// Runs `args` in the workspace with an empty request log, prints its row and returns it.
fn measure(
    sim: &Sim,
    workspace: &Workspace,
    label: &str,
    command: &'static str,
    resources: usize,
    check: &dyn Fn(&Sim) -> bool,
) -> Measured {
    let args: Vec<&str> = match command {
        "plan (no resources)" => vec!["plan", "-input=false"],
        "apply" => vec!["apply", "-auto-approve", "-input=false"],
        "plan -refresh-only" => vec!["plan", "-refresh-only", "-input=false"],
        other => panic!("unknown command {other}"),
    };
    sim.clear_requests();
    let started_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64();
    let started = Instant::now();
    let run = workspace.run(&args);
    let wall = started.elapsed();
    let log = sim.requests();
    let state_matches = (resources > 0).then(|| check(sim));
    let measured = Measured {
        label: label.to_string(),
        command,
        resources,
        wall,
        started_at,
        log,
        run,
        state_matches,
    };
    print_row(&measured);
    measured
}

fn cdb_scenario() -> Vec<Measured> {
    let users: Vec<String> = (0..CDB_ACCOUNTS).map(|i| format!("user{i:02}")).collect();
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
    let mut rows = Vec::new();

    workspace.write_config(&sim.tencent_provider_config());
    rows.push(measure(
        &sim,
        &workspace,
        "floor: provider block, no resources",
        "plan (no resources)",
        0,
        &|_: &Sim| true,
    ));

    let mut config = sim.tencent_provider_config();
    for user in &users {
        config.push_str(&format!(
            r#"
resource "clouddb_cdb_account_privileges" "{user}" {{
  instance_id = "cdb-sim00001"
  user        = "{user}"
  host        = "%"

  database {{
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }}
}}
"#
        ));
    }
    workspace.write_config(&config);
    let check = |sim: &Sim| {
        let expected = clouddb_test_support::sim::cdb_grants(&[
            "database:shop:SELECT",
            "database:shop:SHOW VIEW",
        ]);
        let state = sim.state();
        users
            .iter()
            .all(|user| cdb_privileges_in(&state, user) == expected)
    };
    let label = format!("{CDB_ACCOUNTS} cdb_account_privileges (1 instance)");
    for command in ["apply", "plan -refresh-only"] {
        rows.push(measure(
            &sim,
            &workspace,
            &label,
            command,
            CDB_ACCOUNTS,
            &check,
        ));
    }
    rows
}

/// `level:scope:PRIVILEGE` entries of a CDB account in one `/_sim/state` answer (the support
/// helper fetches the state once per account; 50 accounts would make that the slow part).
fn cdb_privileges_in(state: &Json, user: &str) -> std::collections::BTreeSet<String> {
    let account = &state["tencentcloud"]["cdb"][0]["accounts"]
        .as_array()
        .and_then(|accounts| accounts.iter().find(|a| a["user"] == user))
        .cloned()
        .unwrap_or(Json::Null);
    let mut held = std::collections::BTreeSet::new();
    for name in account["global_privileges"]
        .as_array()
        .into_iter()
        .flatten()
    {
        held.insert(format!("global:*:{}", name.as_str().unwrap_or_default()));
    }
    for entry in account["database_privileges"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for name in entry["privileges"].as_array().into_iter().flatten() {
            held.insert(format!(
                "database:{}:{}",
                entry["database"].as_str().unwrap_or_default(),
                name.as_str().unwrap_or_default()
            ));
        }
    }
    for key in ["table_privileges", "column_privileges"] {
        if account[key].as_array().is_some_and(|a| !a.is_empty()) {
            held.insert(format!("{key}: not empty"));
        }
    }
    held
}

fn polardb_scenario() -> Vec<Measured> {
    let accounts: Vec<String> = (0..POLARDB_ACCOUNTS)
        .map(|i| format!("acct{i:02}"))
        .collect();
    let sim = Sim::start_with(
        fixture(|f| {
            f["alicloud"]["polardb"][0]["accounts"] = accounts
                .iter()
                .map(|a| json!({"name": a, "type": "Normal"}))
                .collect();
        }),
        sim_options(),
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    let mut config = sim.alicloud_provider_config(ALIBABA_SECRET);
    for account in &accounts {
        config.push_str(&format!(
            r#"
resource "clouddb_polardb_account_grant" "{account}" {{
  db_cluster_id = "pc-sim00001"
  account_name  = "{account}"

  database_privileges = {{
    shop = "ReadWrite"
    logs = "ReadOnly"
  }}
}}
"#
        ));
    }
    workspace.write_config(&config);
    let check = |sim: &Sim| {
        let expected =
            clouddb_test_support::sim::privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")]);
        let state = sim.state();
        let held = |account: &str| -> BTreeMap<String, String> {
            state["alicloud"]["polardb"][0]["accounts"]
                .as_array()
                .and_then(|all| all.iter().find(|a| a["name"] == account))
                .and_then(|a| a["privileges"].as_object())
                .map(|p| {
                    p.iter()
                        .map(|(db, p)| (db.clone(), p.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        accounts.iter().all(|account| held(account) == expected)
    };
    let label = format!("{POLARDB_ACCOUNTS} polardb_account_grant (1 cluster)");
    ["apply", "plan -refresh-only"]
        .into_iter()
        .map(|command| measure(&sim, &workspace, &label, command, POLARDB_ACCOUNTS, &check))
        .collect()
}

fn postgres_scenario() -> Vec<Measured> {
    // A database, a schema and tables: POSTGRES_OBJECTS objects in all.
    let tables: Vec<String> = (0..POSTGRES_OBJECTS - 2)
        .map(|i| format!("t{i:03}"))
        .collect();
    let sim = Sim::start_with(
        fixture(|f| {
            f["tencentcloud"]["postgres"][0]["databases"][0]["schemas"][0]["tables"] = tables
                .iter()
                .map(|t| json!({"name": t, "columns": ["id"]}))
                .collect();
        }),
        sim_options(),
    );
    let workspace = Workspace::new(TerraformVersion::Current);
    let mut objects = String::from(
        r#"
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
"#,
    );
    for table in &tables {
        objects.push_str(&format!(
            r#"
  object {{
    object_type   = "table"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "{table}"
    privileges    = ["SELECT", "INSERT"]
  }}
"#
        ));
    }
    workspace.write_config(&format!(
        r#"{}
resource "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "postgres-sim00001"
  user_name      = "app"
{objects}}}
"#,
        sim.tencent_provider_config()
    ));
    let check = |sim: &Sim| {
        let held = sim.postgres_privileges("postgres-sim00001", "app");
        let mut expected: BTreeMap<String, std::collections::BTreeSet<String>> = tables
            .iter()
            .map(|t| {
                (
                    format!("table:appdb.public.{t}"),
                    ["SELECT", "INSERT"].map(String::from).into(),
                )
            })
            .collect();
        expected.insert("database:appdb".into(), ["CONNECT".to_string()].into());
        expected.insert("schema:appdb.public".into(), ["USAGE".to_string()].into());
        held == expected
    };
    let label = format!("1 postgres_account_privileges, {POSTGRES_OBJECTS} objects");
    ["apply", "plan -refresh-only"]
        .into_iter()
        .map(|command| measure(&sim, &workspace, &label, command, 1, &check))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Figures of one measured command
// ---------------------------------------------------------------------------------------------

fn is_throttling(record: &Json) -> bool {
    record["error_code"]
        .as_str()
        .is_some_and(|code| code == "RequestLimitExceeded" || code.starts_with("Throttling"))
}

fn throttled(row: &Measured) -> usize {
    row.log.iter().filter(|r| is_throttling(r)).count()
}

/// How many throttling codes appear in Terraform's output.
fn surfaced(row: &Measured) -> usize {
    let text = row.run.text();
    text.matches("RequestLimitExceeded").count() + text.matches("Throttling").count()
}

/// Calls the sim admitted (not throttled), by (service, action).
fn admitted_by_action(row: &Measured) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for record in row.log.iter().filter(|r| !is_throttling(r)) {
        let key = (
            record["service"].as_str().unwrap_or("?").to_string(),
            record["action"].as_str().unwrap_or("?").to_string(),
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

struct Bound {
    rate: Duration,
    rate_detail: String,
    latency: Duration,
    latency_detail: String,
}

impl Bound {
    fn total(&self) -> Duration {
        self.rate.max(self.latency)
    }
}

fn lower_bound(row: &Measured) -> Bound {
    let admitted = admitted_by_action(row);
    let count = |service: &str, action: &str| {
        admitted
            .get(&(service.to_string(), action.to_string()))
            .copied()
            .unwrap_or(0)
    };

    let mut rate = Duration::ZERO;
    let mut rate_parts = Vec::new();
    for (service, action, limit) in DOCUMENTED_LIMITS {
        let calls = count(service, action);
        if calls > 0 {
            let needed = Duration::from_secs_f64(calls as f64 / limit);
            rate_parts.push(format!(
                "{calls} {service} {action} ÷ {limit}/s = {:.2} s",
                needed.as_secs_f64()
            ));
            rate = rate.max(needed);
        }
    }

    let resources = row.resources.max(1) as f64;
    let polls: usize = admitted
        .iter()
        .filter(|((_, action), _)| action == TASK_POLL)
        .map(|(_, n)| n)
        .sum();
    let tasks: usize = TASK_STARTERS.iter().map(|(s, a)| count(s, a)).sum();
    let total: usize = admitted.values().sum();
    let sequential_calls = (total - polls) as f64 / resources;
    let tasks_per_resource = tasks as f64 / resources;
    let waves = row.resources.div_ceil(TERRAFORM_PARALLELISM).max(1);
    let chain =
        LATENCY.as_secs_f64() * sequential_calls + TASK_DURATION.as_secs_f64() * tasks_per_resource;
    let latency = Duration::from_secs_f64(waves as f64 * chain);
    let mut latency_detail = format!(
        "{waves} wave(s) × ({sequential_calls:.2} calls × {} ms",
        LATENCY.as_millis()
    );
    if tasks > 0 {
        latency_detail.push_str(&format!(
            " + {tasks_per_resource:.2} task(s) × {} ms; {polls} polls not counted",
            TASK_DURATION.as_millis()
        ));
    }
    latency_detail.push_str(&format!(") = {:.2} s", latency.as_secs_f64()));

    Bound {
        rate,
        rate_detail: if rate_parts.is_empty() {
            "no rate-limited calls".into()
        } else {
            rate_parts.join("; ")
        },
        latency,
        latency_detail,
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time such as `2024-05-01T12:00:00.123456Z`.
fn unix_seconds(text: &str) -> Option<f64> {
    let time =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(time.unix_timestamp_nanos() as f64 / 1e9)
}

fn print_row(row: &Measured) {
    let wall = row.wall.as_secs_f64();
    let (bound, ratio) = if row.resources == 0 {
        ("-".to_string(), "-".to_string())
    } else {
        let bound = lower_bound(row).total().as_secs_f64();
        (format!("{bound:.2}"), format!("{:.2}", wall / bound))
    };
    let state = match (row.run.success, row.state_matches) {
        (false, _) => "FAILED",
        (true, None) => "-",
        (true, Some(true)) => "ok",
        (true, Some(false)) => "DIFFERS",
    };
    println!(
        "{:<44} {:<18} {:>7.2} {:>8} {:>6} {:>6} {:>9} {:>9} {:>6}",
        row.label,
        row.command,
        wall,
        bound,
        ratio,
        row.log.len(),
        throttled(row),
        surfaced(row),
        state
    );
}

fn print_details(row: &Measured) {
    println!("- {} / {}:", row.label, row.command);
    if row.resources > 0 {
        let per_resource = admitted_by_action(row)
            .iter()
            .map(|((service, action), n)| {
                format!("{service} {action} {:.2}", *n as f64 / row.resources as f64)
            })
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "    calls per resource: {}",
            if per_resource.is_empty() {
                "none".to_string()
            } else {
                per_resource
            }
        );
        let bound = lower_bound(row);
        println!("    rate bound:    {}", bound.rate_detail);
        println!("    latency bound: {}", bound.latency_detail);
        let arrivals: Vec<f64> = row
            .log
            .iter()
            .filter_map(|r| r["time"].as_str().and_then(unix_seconds))
            .map(|t| t - row.started_at)
            .collect();
        if let (Some(first), Some(last)) = (
            arrivals.iter().copied().reduce(f64::min),
            arrivals.iter().copied().reduce(f64::max),
        ) {
            println!(
                "    API calls arrived from +{first:.2} s to +{last:.2} s after the command started ({:.2} s wall)",
                row.wall.as_secs_f64()
            );
        }
    } else {
        println!(
            "    Terraform's own cost of one command (provider started, schema, configure): {:.2} s, {} API calls",
            row.wall.as_secs_f64(),
            row.log.len()
        );
    }
    let errors: BTreeMap<String, usize> = row
        .log
        .iter()
        .filter_map(|r| r["error_code"].as_str())
        .fold(BTreeMap::new(), |mut counts, code| {
            *counts.entry(code.to_string()).or_insert(0) += 1;
            counts
        });
    if !errors.is_empty() {
        println!("    error answers from the sim: {errors:?}");
    }
    println!(
        "    throttled by the sim: {}; surfaced in Terraform's output: {}; exit code {:?}",
        throttled(row),
        surfaced(row),
        row.run.code
    );
    if row.command.starts_with("plan") && row.run.success {
        let no_changes = row.run.stdout.contains("No changes.");
        println!(
            "    Terraform found {}",
            if no_changes {
                "no changes"
            } else {
                "CHANGES (drift or a diff after apply)"
            }
        );
    }
    if !row.run.success || surfaced(row) > 0 {
        let text = row.run.text();
        let excerpt: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .filter(|line| {
                line.contains("Error")
                    || line.contains("RequestLimitExceeded")
                    || line.contains("Throttling")
            })
            .take(10)
            .collect();
        println!("    Terraform said: {}", excerpt.join("\n      "));
    }
}

// ---------------------------------------------------------------------------------------------
// 3. One large account
// ---------------------------------------------------------------------------------------------

/// How many table scopes the large account holds, one run each.
const LARGE_ACCOUNT_SCOPES: &[usize] = &[100, 250, 500, 1000];

fn large_account_figures() {
    println!(
        "== 3. One clouddb_cdb_account_privileges with many table scopes (Terraform {}, sim without latency) ==",
        TerraformVersion::Current.expected_version()
    );
    println!(
        "{:>7} {:<18} {:>10} {:>8} {:>10} {:>8}",
        "scopes", "written as", "create s", "plan s", "change s", "state"
    );
    for &scopes in LARGE_ACCOUNT_SCOPES {
        for shape in [TableShape::Blocks, TableShape::Map] {
            large_account_row(scopes, shape);
        }
    }
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

fn large_account_row(scopes: usize, shape: TableShape) {
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
    println!(
        "{:>7} {:<18} {:>10.2} {:>8.2} {:>10.2} {:>8}",
        scopes,
        match shape {
            TableShape::Blocks => "table blocks",
            TableShape::Map => "table_privileges",
        },
        create.as_secs_f64(),
        plan.as_secs_f64(),
        change.as_secs_f64(),
        if state_matches { "ok" } else { "WRONG" }
    );
}
