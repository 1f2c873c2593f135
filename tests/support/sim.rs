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
        self.requests().iter().filter(|r| r["action"] == action).count()
    }

    pub fn add_fault(&self, fault: Json) {
        self.admin(reqwest::Method::POST, "faults", Some(fault));
    }

    /// The privileges a PolarDB account holds, database → privilege.
    pub fn polardb_privileges(&self, cluster: &str, account: &str) -> BTreeMap<String, String> {
        let state = self.state();
        let clusters = state["alicloud"]["polardb"].as_array().expect("polardb clusters");
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
        let transport = Transport::new(TransportConfig::default()).expect("transport");
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
    pairs.iter().map(|(d, p)| (d.to_string(), p.to_string())).collect()
}
