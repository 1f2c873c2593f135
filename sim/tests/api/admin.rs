//! The admin API: state, fixtures, faults, the request log, reset, latency.

use std::time::{Duration, Instant};

use clouddb_sim::{Fixture, SimOptions};
use serde_json::json;

use crate::support::alibaba::AcsV1;
use crate::support::{assert_alibaba_error, Sim};

const CLUSTER: &str = "pc-sim00001";

async fn grant_shop(sim: &Sim, privilege: &str) -> crate::support::Reply {
    sim.polardb(
        "GrantAccountPrivilege",
        &[
            ("DBClusterId", CLUSTER),
            ("AccountName", "app"),
            ("DBName", "shop"),
            ("AccountPrivilege", privilege),
        ],
    )
    .await
}

#[tokio::test]
async fn state_shows_every_instance_and_cluster_without_credentials() {
    let sim = Sim::start().await;
    grant_shop(&sim, "ReadWrite").await;
    let reply = sim.admin_get("/_sim/state").await;
    assert_eq!(reply.status, 200);
    let state = reply.json();
    assert_eq!(
        state["tencentcloud"]["postgres"][0]["instance_id"],
        "postgres-sim00001"
    );
    assert_eq!(
        state["tencentcloud"]["postgres"][0]["databases"][0]["schemas"][0]["tables"][0]["name"],
        "users"
    );
    assert_eq!(
        state["tencentcloud"]["cdb"][0]["instance_id"],
        "cdb-sim00001"
    );
    assert_eq!(
        state["tencentcloud"]["cdb"][0]["accounts"][0],
        json!({"user": "app", "host": "%", "global_privileges": [], "database_privileges": [],
               "table_privileges": [], "column_privileges": []})
    );
    assert_eq!(
        state["tencentcloud"]["postgres"][0]["accounts"][0],
        json!({"name": "app", "type": "normal", "privileges": []})
    );
    assert_eq!(
        state["tencentcloud"]["mariadb"][0]["instance_id"],
        "tdsql-sim00001"
    );
    let cluster = &state["alicloud"]["polardb"][0];
    assert_eq!(cluster["db_cluster_id"], CLUSTER);
    assert_eq!(cluster["region"], "cn-hangzhou");
    assert_eq!(cluster["databases"], json!(["shop", "logs", "analytics"]));
    assert_eq!(
        cluster["accounts"][0],
        json!({"name": "app", "type": "Normal", "status": "Available", "privileges": {"shop": "ReadWrite"}})
    );
    assert_eq!(cluster["accounts"][2]["type"], "Super");
    let text = reply.text();
    assert!(
        !text.contains("sim-secret") && !text.contains("credentials"),
        "{text}"
    );
}

#[tokio::test]
async fn posting_a_fixture_replaces_the_state_and_reset_returns_to_it() {
    let sim = Sim::start().await;
    let fixture = json!({"alicloud": {
        "credentials": [{"access_key_id": "LTAIsim", "access_key_secret": "sim-secret"}],
        "polardb": [{"db_cluster_id": CLUSTER, "databases": ["crm"], "accounts": [
            {"name": "app", "type": "Normal", "privileges": {"crm": "ReadOnly"}}]}]
    }});
    let reply = sim.admin_post("/_sim/fixtures", &fixture).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json()["alicloud"]["polardb"][0]["databases"],
        json!(["crm"])
    );
    assert_eq!(sim.privileges("app").await, ["crm=ReadOnly"]);
    assert_eq!(
        sim.admin_get("/_sim/state").await.json()["tencentcloud"]["cdb"],
        json!([])
    );

    let reply = sim
        .polardb(
            "RevokeAccountPrivilege",
            &[
                ("DBClusterId", CLUSTER),
                ("AccountName", "app"),
                ("DBName", "crm"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(sim.privileges("app").await.is_empty());
    assert_eq!(sim.admin_post("/_sim/reset", &json!({})).await.status, 204);
    assert_eq!(sim.privileges("app").await, ["crm=ReadOnly"]);
}

#[tokio::test]
async fn a_bad_fixture_is_refused_by_name_and_changes_nothing() {
    let sim = Sim::start().await;
    let reply = sim
        .admin_post(
            "/_sim/fixtures",
            &json!({"alicloud": {"polardb": [], "clusters": []}}),
        )
        .await;
    assert_eq!(reply.status, 400);
    let error = reply.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("`clusters`"), "{error}");
    assert_eq!(
        sim.admin_get("/_sim/state").await.json()["alicloud"]["polardb"][0]["db_cluster_id"],
        CLUSTER
    );
}

#[tokio::test]
async fn an_error_fault_answers_count_times_then_the_real_answer() {
    let sim = Sim::start().await;
    let reply = sim
        .admin_post("/_sim/faults", &json!({"action": "GrantAccountPrivilege", "count": 2, "error_code": "Throttling.User"}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let fault = reply.json();
    assert_eq!(fault["remaining"], 2);
    let id = fault["id"].clone();

    // Other actions are not touched.
    assert!(sim.privileges("app").await.is_empty());
    assert_alibaba_error(&grant_shop(&sim, "ReadWrite").await, 400, "Throttling.User");
    let pending = sim.admin_get("/_sim/faults").await.json();
    assert_eq!(pending[0]["remaining"], 1);
    assert_eq!(pending[0]["action"], "GrantAccountPrivilege");
    assert_alibaba_error(&grant_shop(&sim, "ReadWrite").await, 400, "Throttling.User");
    assert_eq!(sim.admin_get("/_sim/faults").await.json(), json!([]));
    // Refused calls changed nothing; the next one goes through.
    assert!(sim.privileges("app").await.is_empty());
    assert_eq!(grant_shop(&sim, "ReadWrite").await.status, 200);
    assert_eq!(sim.privileges("app").await, ["shop=ReadWrite"]);

    let log = sim.admin_get("/_sim/requests").await.json();
    let faulted: Vec<_> = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|r| r["fault"] == id)
        .collect();
    assert_eq!(faulted.len(), 2);
}

#[tokio::test]
async fn an_after_apply_fault_changes_the_state_and_still_fails() {
    let sim = Sim::start().await;
    sim.admin_post(
        "/_sim/faults",
        &json!({"action": "GrantAccountPrivilege", "count": 1, "error_code": "ServiceUnavailable", "after_apply": true}),
    )
    .await;
    assert_alibaba_error(
        &grant_shop(&sim, "ReadOnly").await,
        503,
        "ServiceUnavailable",
    );
    assert_eq!(sim.privileges("app").await, ["shop=ReadOnly"]);
}

#[tokio::test]
async fn a_dropped_connection_gets_no_answer() {
    let sim = Sim::start().await;
    sim.admin_post(
        "/_sim/faults",
        &json!({"action": "GrantAccountPrivilege", "drop_connection": true}),
    )
    .await;
    let request = crate::support::alibaba::AcsV3::polardb(
        "GrantAccountPrivilege",
        &[
            ("DBClusterId", CLUSTER),
            ("AccountName", "app"),
            ("DBName", "shop"),
            ("AccountPrivilege", "ReadOnly"),
        ],
    )
    .to_request(&sim.host());
    assert!(
        sim.try_send(&request).await.is_err(),
        "expected the connection to drop"
    );
    assert!(sim.privileges("app").await.is_empty());

    sim.admin_post(
        "/_sim/faults",
        &json!({"service": "polardb", "action": "GrantAccountPrivilege", "drop_connection": true, "after_apply": true}),
    )
    .await;
    let request = crate::support::alibaba::AcsV3::polardb(
        "GrantAccountPrivilege",
        &[
            ("DBClusterId", CLUSTER),
            ("AccountName", "app"),
            ("DBName", "shop"),
            ("AccountPrivilege", "ReadOnly"),
        ],
    )
    .to_request(&sim.host());
    assert!(sim.try_send(&request).await.is_err());
    assert_eq!(sim.privileges("app").await, ["shop=ReadOnly"]);

    let log = sim.admin_get("/_sim/requests").await.json();
    assert_eq!(log[0]["status"], serde_json::Value::Null);
    assert!(log[0]["fault"].is_u64());
}

#[tokio::test]
async fn a_latency_fault_delays_one_call() {
    let sim = Sim::start().await;
    sim.admin_post(
        "/_sim/faults",
        &json!({"action": "DescribeAccounts", "latency_ms": 300}),
    )
    .await;
    let started = Instant::now();
    sim.privileges("app").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.admin_get("/_sim/faults").await.json(), json!([]));
}

#[tokio::test]
async fn faults_can_be_listed_cleared_and_are_checked() {
    let sim = Sim::start().await;
    sim.admin_post("/_sim/faults", &json!({"service": "cdb", "action": "ModifyAccountPrivileges", "count": 3, "error_code": "RequestLimitExceeded"})).await;
    sim.admin_post("/_sim/faults", &json!({"action": "*", "latency_ms": 10}))
        .await;
    let pending = sim.admin_get("/_sim/faults").await.json();
    assert_eq!(pending.as_array().map(Vec::len), Some(2));
    assert_eq!(pending[0]["service"], "cdb");
    assert_eq!(sim.admin_delete("/_sim/faults").await.status, 204);
    assert_eq!(sim.admin_get("/_sim/faults").await.json(), json!([]));

    for bad in [
        json!({"action": "X"}),
        json!({"action": "X", "count": 0, "latency_ms": 1}),
        json!({"action": "X", "code": "Y"}),
    ] {
        let reply = sim.admin_post("/_sim/faults", &bad).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.json()["error"].is_string());
    }
}

#[tokio::test]
async fn the_request_log_keeps_every_call_without_secrets() {
    let sim = Sim::start().await;
    grant_shop(&sim, "ReadWrite").await;
    let v1 = AcsV1::polardb("GET", "DescribeAccounts", &[("DBClusterId", CLUSTER)]);
    sim.send(&v1.to_request(&sim.host())).await;
    grant_shop(&sim, "Everything").await;

    let reply = sim.admin_get("/_sim/requests").await;
    let log = reply.json();
    let log = log.as_array().expect("log");
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["vendor"], "alicloud");
    assert_eq!(log[0]["service"], "polardb");
    assert_eq!(log[0]["action"], "GrantAccountPrivilege");
    assert_eq!(log[0]["version"], "2017-08-01");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["error_code"], serde_json::Value::Null);
    assert_eq!(
        log[0]["params"],
        json!({"DBClusterId": CLUSTER, "AccountName": "app", "DBName": "shop", "AccountPrivilege": "ReadWrite"})
    );
    assert!(log[0]["time"].as_str().unwrap_or_default().ends_with('Z'));
    assert!(log[0]["request_id"].is_string());
    assert_eq!(log[1]["action"], "DescribeAccounts");
    assert_eq!(log[1]["params"], json!({"DBClusterId": CLUSTER}));
    assert_eq!(log[2]["status"], 400);
    assert_eq!(log[2]["error_code"], "InvalidAccountPrivilege.Malformed");
    let text = reply.text();
    for secret in ["LTAIsim", "Signature", "Nonce", "Timestamp", "sim-secret"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }

    assert_eq!(sim.admin_delete("/_sim/requests").await.status, 204);
    assert_eq!(sim.admin_get("/_sim/requests").await.json(), json!([]));
}

#[tokio::test]
async fn reset_restores_the_fixture_and_clears_log_and_faults() {
    let sim = Sim::start().await;
    grant_shop(&sim, "ReadWrite").await;
    sim.admin_post(
        "/_sim/faults",
        &json!({"action": "DescribeAccounts", "error_code": "InternalError"}),
    )
    .await;
    assert_eq!(sim.admin_post("/_sim/reset", &json!({})).await.status, 204);
    assert_eq!(sim.admin_get("/_sim/faults").await.json(), json!([]));
    assert_eq!(sim.admin_get("/_sim/requests").await.json(), json!([]));
    assert!(sim.privileges("app").await.is_empty());
}

#[tokio::test]
async fn latency_delays_every_vendor_call_but_not_the_admin_api() {
    let options = SimOptions {
        latency: Duration::from_millis(250),
        ..SimOptions::default()
    };
    let sim = Sim::with(Fixture::builtin(), options).await;
    let started = Instant::now();
    sim.admin_get("/_sim/state").await;
    assert!(started.elapsed() < Duration::from_millis(250));
    let started = Instant::now();
    sim.privileges("app").await;
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn the_running_sim_stops_on_request() {
    let sim = Sim::start().await;
    let addr = sim.running.addr();
    assert!(sim.running.url().starts_with("http://127.0.0.1:"));
    sim.running.stop().await.expect("stop");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
