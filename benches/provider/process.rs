//! Section 1, the provider process as Terraform meets it (Terraform starts it several times per
//! command: docs/architecture.md, "Terraform's plugin protocol"): start to handshake line, the
//! mTLS connection and `GetProviderSchema`, peak RSS after a few hundred
//! `ValidateResourceConfig` calls, and the stripped sizes of both binaries.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::framework::Provider;
use clouddb::provider::CloudDbProvider;
use clouddb::value::{encode_msgpack, Type, Value};
use clouddb_test_support::plugin_client::{connect, ClientIdentity};
use clouddb_test_support::plugin_process::{provider_binary, PluginProcess};
use clouddb_test_support::proto::tfplugin6 as pb;
use clouddb_test_support::proto::tfplugin6::provider_client::ProviderClient;
use serde_json::{json, Value as Json};

/// Provider launches measured (after one unmeasured warm-up launch).
const LAUNCHES: usize = 20;
/// `GetProviderSchema` calls repeated on one connection.
const SCHEMA_REPEATS: usize = 20;
/// `ValidateResourceConfig` calls made before peak RSS is read.
const VALIDATIONS: usize = 300;

/// The targets of issue 13, printed beside the figures.
const START_UP_TARGET_MS: f64 = 5.0;
const PEAK_RSS_TARGET_MB: f64 = 15.0;
const SIZE_TARGET_MIB: f64 = 15.0;

/// Prints the table and returns its figures.
pub fn figures() -> Json {
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

    let kib = |field: &str| -> Option<f64> {
        status
            .lines()
            .find(|line| line.starts_with(field))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
    };
    let peak_rss_mb = kib("VmHWM:").map(|k| k * 1024.0 / 1e6);
    let rss_mb = kib("VmRSS:").map(|k| k * 1024.0 / 1e6);

    println!("== 1. Provider process (release binary, as Terraform starts it; P-521 client certificate) ==");
    println!(
        "{:<58} {:>10} {:>10} {:>10}",
        format!("measurement ({LAUNCHES} launches unless stated)"),
        "median",
        "p90",
        "target"
    );
    let timing = |what: &str, samples: &[Duration], target: Option<f64>| {
        let (median, p90) = (ms(percentile(samples, 0.5)), ms(percentile(samples, 0.9)));
        println!(
            "{what:<58} {median:>7.2} ms {p90:>7.2} ms {:>10}",
            target.map_or(String::new(), |t| format!("≤ {t} ms"))
        );
        json!({"median_ms": median, "p90_ms": p90})
    };
    let start_up = timing(
        "start → handshake line on stdout",
        &handshakes,
        Some(START_UP_TARGET_MS),
    );
    let connect = timing(
        "mTLS connect (TLS 1.3, h2, TCP_NODELAY as Go sets it)",
        &connects,
        None,
    );
    let first_schema = timing(
        "GetProviderSchema, first call of a process",
        &first_schemas,
        None,
    );
    let repeated_schema = timing(
        &format!("GetProviderSchema, repeated on one connection (×{SCHEMA_REPEATS})"),
        &repeat_schemas,
        None,
    );
    let validation = timing(
        &format!("ValidateResourceConfig (×{VALIDATIONS}, 3 resource types)"),
        &validations,
        None,
    );
    println!(
        "{:<58} {:>10}",
        "GetProviderSchema response size",
        format!("{schema_bytes} B")
    );
    let megabytes = |value: Option<f64>| value.map_or("?".into(), |mb| format!("{mb:.1} MB"));
    println!(
        "{:<58} {:>10} {:>10} {:>10}",
        format!("peak RSS (VmHWM) after schema + {VALIDATIONS} ValidateResourceConfig"),
        megabytes(peak_rss_mb),
        "",
        format!("≤ {PEAK_RSS_TARGET_MB} MB")
    );
    println!(
        "{:<58} {:>10}",
        "RSS at that moment (VmRSS)",
        megabytes(rss_mb)
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
    let mut sizes = BTreeMap::new();
    for (name, path) in [
        ("terraform-provider-clouddb", &provider),
        ("clouddb-sim", &sim),
    ] {
        let size = (built || name != "clouddb-sim")
            .then(|| stripped_size(path))
            .flatten();
        let shown = size.map_or("not built".to_owned(), |bytes| {
            format!("{bytes} B = {:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
        });
        let target = match name {
            "terraform-provider-clouddb" => format!("≤ {SIZE_TARGET_MIB} MiB"),
            _ => String::new(),
        };
        println!(
            "{:<58} {shown:>21} {target:>10}",
            format!("stripped size of {name}")
        );
        sizes.insert(name, size);
    }
    json!({
        "start_up": start_up,
        "mtls_connect": connect,
        "first_get_provider_schema": first_schema,
        "repeated_get_provider_schema": repeated_schema,
        "validate_resource_config": validation,
        "schema_bytes": schema_bytes,
        "peak_rss_mb": peak_rss_mb,
        "rss_mb": rss_mb,
        "validation_errors": validation_errors,
        "stripped_bytes": sizes,
        "targets": {
            "start_up_median_ms": START_UP_TARGET_MS,
            "peak_rss_mb": PEAK_RSS_TARGET_MB,
            "provider_stripped_mib": SIZE_TARGET_MIB,
        },
    })
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

/// The size in bytes after `strip` (the release profile strips already, so normally the file's
/// size); `None` when the binary is not there.
fn stripped_size(path: &Path) -> Option<u64> {
    let built = std::fs::metadata(path).ok()?.len();
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
    Some(stripped.unwrap_or(built))
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
