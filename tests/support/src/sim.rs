//! A fresh clouddb-sim per test, running in-process, with its admin API and a signed API client.

use std::collections::BTreeMap;

use clouddb::cloud::alibaba::polardb::PolarDbClient;
use clouddb::cloud::credentials::{AlibabaCredentials, Secret};
use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb_sim::{Fixture, RunningSim, SimOptions};
use serde_json::Value as Json;

pub const ALIBABA_ACCESS_KEY: &str = "LTAIsim";
pub const ALIBABA_SECRET: &str = "sim-secret";

pub struct Sim {
    runtime: tokio::runtime::Runtime,
    running: RunningSim,
    http: reqwest::Client,
}

impl Sim {
    /// The sim with its built-in fixture, as `clouddb-sim` alone serves it.
    pub fn start() -> Self {
        Self::start_with(Fixture::builtin(), SimOptions::default())
    }

    pub fn start_with(fixture: Fixture, options: SimOptions) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime for the sim");
        let running = runtime
            .block_on(clouddb_sim::start(fixture, options))
            .expect("start clouddb-sim");
        Sim {
            runtime,
            running,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn admin(&self, method: reqwest::Method, path: &str, body: Option<Json>) -> Json {
        let url = format!("{}/_sim/{path}", self.url());
        self.block_on(async {
            let mut request = self.http.request(method, &url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.expect("admin call");
            let status = response.status();
            let text = response.text().await.expect("admin body");
            assert!(status.is_success(), "{url}: {status}: {text}");
            if text.is_empty() {
                Json::Null
            } else {
                serde_json::from_str(&text).expect("admin JSON")
            }
        })
    }

    pub fn state(&self) -> Json {
        self.admin(reqwest::Method::GET, "state", None)
    }

    /// Every vendor API call so far, oldest first.
    pub fn requests(&self) -> Vec<Json> {
        match self.admin(reqwest::Method::GET, "requests", None) {
            Json::Array(records) => records,
            other => panic!("request log is not a list: {other}"),
        }
    }

    pub fn clear_requests(&self) {
        self.admin(reqwest::Method::DELETE, "requests", None);
    }

    /// How many logged calls had this action.
    pub fn count_calls(&self, action: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["action"] == action)
            .count()
    }

    /// The RequestId the sim gave the latest call of `action` answered with an error code, so
    /// a test can check that an error names the id of the call that really failed.
    pub fn request_id_of_failed(&self, action: &str) -> String {
        let log = self.requests();
        let id = log
            .iter()
            .rev()
            .find(|r| r["action"] == action && r["error_code"].is_string())
            .and_then(|r| r["request_id"].as_str())
            .unwrap_or_else(|| panic!("no failed {action} call in the request log: {log:?}"));
        assert!(!id.is_empty(), "the sim logged an empty RequestId");
        id.to_string()
    }

    /// Replaces the sim's whole state with `fixture` (POST /_sim/fixtures).
    pub fn load_fixture(&self, fixture: Json) {
        self.admin(reqwest::Method::POST, "fixtures", Some(fixture));
    }

    /// Removes every pending fault (DELETE /_sim/faults).
    pub fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "faults", None);
    }

    /// Whether `text` names, as `RequestId: <id>`, a call of `action` that failed.
    pub fn names_a_failed_request(&self, text: &str, action: &str) -> bool {
        self.requests()
            .iter()
            .filter(|r| r["action"] == action && r["error_code"].is_string())
            .filter_map(|r| r["request_id"].as_str())
            .any(|id| !id.is_empty() && text.contains(&format!("RequestId: {id}")))
    }

    pub fn add_fault(&self, fault: Json) {
        self.admin(reqwest::Method::POST, "faults", Some(fault));
    }

    /// The privileges a PolarDB account holds, database → privilege.
    pub fn polardb_privileges(&self, cluster: &str, account: &str) -> BTreeMap<String, String> {
        let state = self.state();
        let clusters = state["alicloud"]["polardb"]
            .as_array()
            .expect("polardb clusters");
        let cluster = clusters
            .iter()
            .find(|c| c["db_cluster_id"] == cluster)
            .unwrap_or_else(|| panic!("no cluster {cluster} in {state}"));
        let account = cluster["accounts"]
            .as_array()
            .and_then(|accounts| accounts.iter().find(|a| a["name"] == account))
            .unwrap_or_else(|| panic!("no account {account} in {cluster}"));
        account["privileges"]
            .as_object()
            .map(|privileges| {
                privileges
                    .iter()
                    .map(|(db, p)| (db.clone(), p.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A PolarDB client of our own, for changes made outside Terraform ("out of band").
    pub fn polardb_client(&self) -> PolarDbClient {
        let transport = Transport::new(TransportConfig::default());
        let credentials = AlibabaCredentials {
            access_key_id: ALIBABA_ACCESS_KEY.into(),
            access_key_secret: Secret::new(ALIBABA_SECRET),
            security_token: None,
            region: "cn-hangzhou".into(),
            endpoint: Some(self.url()),
        };
        PolarDbClient::new(transport, credentials).expect("PolarDB client")
    }
}

pub fn privileges(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(d, p)| (d.to_string(), p.to_string()))
        .collect()
}

/// CDB for MySQL: an account's privileges as the sim holds them, and a client for drift.
/// (Paths are spelled out so these helpers stand apart from the other services'.)
impl Sim {
    /// A CDB client of our own with the built-in fixture's key, for changes made outside
    /// Terraform ("out of band").
    pub fn cdb_client(&self) -> clouddb::cloud::tencent::cdb::CdbClient {
        clouddb::cloud::tencent::cdb::CdbClient::new(self.tencent_client())
    }

    /// A Tencent API 3.0 client of our own with the built-in fixture's key, in `ap-guangzhou`.
    fn tencent_client(&self) -> clouddb::cloud::tencent::TencentClient {
        let transport = Transport::new(TransportConfig::default());
        let credentials = clouddb::cloud::credentials::TencentCredentials {
            secret_id: "AKIDsim".into(),
            secret_key: Secret::new("sim-secret"),
            security_token: None,
            region: Some("ap-guangzhou".into()),
            endpoint: Some(self.url()),
            legacy_api: false,
        };
        clouddb::cloud::tencent::TencentClient::new(transport, credentials).expect("Tencent client")
    }

    /// What a CDB account holds, one `level:scope:PRIVILEGE` entry per privilege, e.g.
    /// `global:*:PROCESS`, `database:shop:SELECT`, `table:shop.orders:INSERT`,
    /// `column:shop.orders.total:UPDATE`.
    pub fn cdb_privileges(
        &self,
        instance: &str,
        user: &str,
        host: &str,
    ) -> std::collections::BTreeSet<String> {
        let state = self.state();
        let account = state["tencentcloud"]["cdb"]
            .as_array()
            .and_then(|instances| instances.iter().find(|i| i["instance_id"] == instance))
            .and_then(|i| i["accounts"].as_array())
            .and_then(|accounts| {
                accounts
                    .iter()
                    .find(|a| a["user"] == user && a["host"] == host)
            })
            .unwrap_or_else(|| panic!("no account {user}@{host} of {instance} in {state}"))
            .clone();
        let names = |entry: &Json| -> Vec<String> {
            entry
                .as_array()
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut held = std::collections::BTreeSet::new();
        for name in names(&account["global_privileges"]) {
            held.insert(format!("global:*:{name}"));
        }
        let levels = [
            ("database", "database_privileges", &["database"][..]),
            ("table", "table_privileges", &["database", "table"][..]),
            (
                "column",
                "column_privileges",
                &["database", "table", "column"][..],
            ),
        ];
        for (level, key, scope_fields) in levels {
            for entry in account[key].as_array().into_iter().flatten() {
                let scope: Vec<&str> = scope_fields
                    .iter()
                    .map(|field| entry[*field].as_str().unwrap_or_default())
                    .collect();
                for name in names(&entry["privileges"]) {
                    held.insert(format!("{level}:{}:{name}", scope.join(".")));
                }
            }
        }
        held
    }
}

/// The set [`Sim::cdb_privileges`] returns, from its entries.
pub fn cdb_grants(entries: &[&str]) -> std::collections::BTreeSet<String> {
    entries.iter().map(|e| e.to_string()).collect()
}

/// TDSQL for MySQL: an account's privileges as the sim holds them, and a client for drift.
impl Sim {
    /// A TDSQL client of our own with the built-in fixture's key, for out-of-band changes.
    pub fn tdsql_client(&self) -> clouddb::cloud::tencent::mariadb::TdsqlClient {
        clouddb::cloud::tencent::mariadb::TdsqlClient::new(self.tencent_client())
    }

    /// What a TDSQL account holds, one `level:scope:PRIVILEGE` entry per privilege, e.g.
    /// `global:*:PROCESS`, `database:shop:SELECT`, `view:shop.order_totals:SELECT`,
    /// `column:shop.orders.total:UPDATE`, `procedure:shop.archive_orders:EXECUTE`.
    pub fn tdsql_privileges(
        &self,
        instance: &str,
        user: &str,
        host: &str,
    ) -> std::collections::BTreeSet<String> {
        let state = self.state();
        let account = state["tencentcloud"]["mariadb"]
            .as_array()
            .and_then(|instances| instances.iter().find(|i| i["instance_id"] == instance))
            .and_then(|i| i["accounts"].as_array())
            .and_then(|accounts| {
                accounts
                    .iter()
                    .find(|a| a["user"] == user && a["host"] == host)
            })
            .unwrap_or_else(|| panic!("no account {user}@{host} of {instance} in {state}"))
            .clone();
        let names = |entry: &Json| -> Vec<String> {
            entry
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        };
        let mut held: std::collections::BTreeSet<String> = names(&account["global_privileges"])
            .into_iter()
            .map(|name| format!("global:*:{name}"))
            .collect();
        for entry in account["privileges"].as_array().into_iter().flatten() {
            let text = |field: &str| entry[field].as_str().map(str::to_string);
            let (level, object) = match (
                text("table"),
                text("column"),
                text("view"),
                text("function"),
                text("procedure"),
            ) {
                (Some(table), Some(column), ..) => ("column", vec![table, column]),
                (Some(table), None, ..) => ("table", vec![table]),
                (None, _, Some(view), ..) => ("view", vec![view]),
                (None, _, None, Some(function), _) => ("function", vec![function]),
                (None, _, None, None, Some(procedure)) => ("procedure", vec![procedure]),
                _ => ("database", vec![]),
            };
            let mut scope = vec![text("database").unwrap_or_default()];
            scope.extend(object);
            for name in names(&entry["privileges"]) {
                held.insert(format!("{level}:{}:{name}", scope.join(".")));
            }
        }
        held
    }
}

/// TencentDB for PostgreSQL: an account as the sim holds it, and a client for drift.
impl Sim {
    /// A PostgreSQL client of our own with the built-in fixture's key, in `ap-guangzhou`, for
    /// changes made outside Terraform ("out of band").
    pub fn postgres_client(&self) -> clouddb::cloud::tencent::postgres::PostgresClient {
        clouddb::cloud::tencent::postgres::PostgresClient::new(self.tencent_client())
            .expect("PostgreSQL client")
    }

    /// A PostgreSQL account as `/_sim/state` shows it.
    pub fn postgres_account(&self, instance: &str, user: &str) -> Json {
        let state = self.state();
        state["tencentcloud"]["postgres"]
            .as_array()
            .and_then(|instances| instances.iter().find(|i| i["instance_id"] == instance))
            .and_then(|i| i["accounts"].as_array())
            .and_then(|accounts| accounts.iter().find(|a| a["name"] == user))
            .unwrap_or_else(|| panic!("no account {user} of {instance} in {state}"))
            .clone()
    }

    /// What a PostgreSQL account holds: object → privileges, the object written as in import
    /// IDs (`table:appdb.public.users`, `database:appdb`).
    pub fn postgres_privileges(
        &self,
        instance: &str,
        user: &str,
    ) -> BTreeMap<String, std::collections::BTreeSet<String>> {
        let account = self.postgres_account(instance, user);
        account["privileges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|grant| {
                let names: Vec<&str> =
                    ["database_name", "schema_name", "table_name", "object_name"]
                        .iter()
                        .filter_map(|field| grant[*field].as_str())
                        .filter(|name| !name.is_empty())
                        .collect();
                let object = format!(
                    "{}:{}",
                    grant["object_type"].as_str().unwrap_or_default(),
                    names.join(".")
                );
                let privileges = grant["privileges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                (object, privileges)
            })
            .filter(
                |(_, privileges): &(String, std::collections::BTreeSet<String>)| {
                    !privileges.is_empty()
                },
            )
            .collect()
    }
}

/// The map [`Sim::postgres_privileges`] returns, from `(object, privileges)` pairs.
pub fn postgres_grants(
    entries: &[(&str, &[&str])],
) -> BTreeMap<String, std::collections::BTreeSet<String>> {
    entries
        .iter()
        .map(|(object, privileges)| {
            (
                object.to_string(),
                privileges.iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect()
}

impl Sim {
    /// Drops a PostgreSQL object outside Terraform (POST /_sim/postgres/drop-object), with every
    /// account's privileges on it; `object` names it as the fixture does.
    pub fn postgres_drop_object(&self, instance: &str, object: Json) {
        let mut request = object;
        request["instance_id"] = Json::String(instance.to_string());
        self.admin(reqwest::Method::POST, "postgres/drop-object", Some(request));
    }
}

impl Sim {
    /// The faults still pending (GET /_sim/faults).
    pub fn pending_faults(&self) -> Vec<Json> {
        match self.admin(reqwest::Method::GET, "faults", None) {
            Json::Array(faults) => faults,
            other => panic!("pending faults are not a list: {other}"),
        }
    }
}

/// The codes of Tencent's server errors, which come with HTTP 200 like every other error.
pub const TENCENT_SERVER_ERRORS: [&str; 4] = [
    "InternalError",
    "InternalError.SystemError",
    "InternalError.DBError",
    "FailedOperation.DatabaseAccessError",
];

/// A loopback URL nothing listens on (the port was bound, then released).
pub fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", listener.local_addr().expect("address"))
}

/// The `terraform` block every configuration starts with.
pub const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    clouddb = { source = "clouddb/clouddb" }
  }
}
"#;

impl Sim {
    /// The `terraform` and `provider` blocks for the Tencent resources, pointed at this sim.
    pub fn tencent_provider_config(&self) -> String {
        format!(
            r#"{REQUIRED_PROVIDERS}
provider "clouddb" {{
  tencentcloud {{
    secret_id  = "AKIDsim"
    secret_key = "sim-secret"
    region     = "ap-guangzhou"
    endpoint   = "{}"
  }}
}}
"#,
            self.url()
        )
    }

    /// The `terraform` and `provider` blocks for the resources of both clouds.
    pub fn both_clouds_provider_config(&self) -> String {
        format!(
            r#"{REQUIRED_PROVIDERS}
provider "clouddb" {{
  tencentcloud {{
    secret_id  = "AKIDsim"
    secret_key = "sim-secret"
    region     = "ap-guangzhou"
    endpoint   = "{url}"
  }}
  alicloud {{
    access_key = "{ALIBABA_ACCESS_KEY}"
    secret_key = "{ALIBABA_SECRET}"
    endpoint   = "{url}"
  }}
}}
"#,
            url = self.url()
        )
    }

    /// The `terraform` and `provider` blocks for the Alibaba resources, signing with `secret`.
    pub fn alicloud_provider_config(&self, secret: &str) -> String {
        format!(
            r#"{REQUIRED_PROVIDERS}
provider "clouddb" {{
  alicloud {{
    access_key = "{ALIBABA_ACCESS_KEY}"
    secret_key = "{secret}"
    endpoint   = "{}"
  }}
}}
"#,
            self.url()
        )
    }
}
