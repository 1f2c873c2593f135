//! TDSQL for MySQL (`mariadb`): changes through flows, reads one scope at a time, discovery.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinSet;

use clouddb_sim::{Fixture, RateLimits, SimOptions};

use crate::support::tencent::{Tc3, MARIADB_VERSION};
use crate::support::{assert_tencent_error, client, tencent_ok, Sim};

const INSTANCE: &str = "tdsql-sim00001";

async fn sim_with(task_ms: u64) -> Sim {
    let options = SimOptions {
        task_duration: Duration::from_millis(task_ms),
        ..SimOptions::default()
    };
    Sim::with(Fixture::builtin(), options).await
}

fn app() -> Value {
    json!([{"User": "app", "Host": "%"}])
}

async fn modify(sim: &Sim, lists: Value) -> Value {
    let mut body = json!({"InstanceId": INSTANCE, "Accounts": app()});
    if let (Value::Object(body), Value::Object(lists)) = (&mut body, lists) {
        body.extend(lists);
    }
    sim.tencent("mariadb", "ModifyAccountPrivileges", &body)
        .await
        .json()
}

async fn flow_status(sim: &Sim, flow: &Value) -> i64 {
    let reply = sim
        .tencent("mariadb", "DescribeFlow", &json!({"FlowId": flow}))
        .await;
    tencent_ok(&reply)["Status"].as_i64().expect("Status")
}

/// Waits for a flow to end; answers its last status (0 succeeded, 1 failed).
async fn wait(sim: &Sim, flow: &Value) -> i64 {
    for _ in 0..100 {
        let status = flow_status(sim, flow).await;
        if status != 2 {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("flow {flow} still running");
}

async fn scope(sim: &Sim, scope: Value) -> Value {
    let mut body = json!({"InstanceId": INSTANCE, "UserName": "app", "Host": "%"});
    if let (Value::Object(body), Value::Object(scope)) = (&mut body, scope) {
        body.extend(scope);
    }
    let reply = sim
        .tencent("mariadb", "DescribeAccountPrivileges", &body)
        .await;
    tencent_ok(&reply)["Privileges"].clone()
}

#[tokio::test]
async fn a_flow_runs_then_changes_every_level_it_lists_and_keeps_the_others() {
    let sim = sim_with(60).await;
    let answer = modify(
        &sim,
        json!({
            "GlobalPrivileges": ["PROCESS"],
            "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["SELECT"]},
                                {"Database": "shop", "Table": "items", "Privileges": ["SELECT"]}],
            "ViewPrivileges": [{"Database": "shop", "View": "order_totals", "Privileges": ["SELECT"]}],
            "FunctionPrivileges": [{"Database": "shop", "FunctionName": "tax", "Privileges": ["EXECUTE"]}],
        }),
    )
    .await;
    let flow = answer["Response"]["FlowId"].clone();
    assert!(flow.is_u64(), "FlowId is an integer: {answer}");
    assert_eq!(flow_status(&sim, &flow).await, 2, "running");
    assert_eq!(
        scope(&sim, json!({"DbName": "*"})).await,
        json!([]),
        "not yet"
    );
    assert_eq!(wait(&sim, &flow).await, 0);
    assert_eq!(
        scope(&sim, json!({"DbName": "*"})).await,
        json!(["PROCESS"])
    );
    let view = json!({"DbName": "shop", "Type": "view", "Object": "order_totals"});
    assert_eq!(scope(&sim, view.clone()).await, json!(["SELECT"]));

    // A list sent replaces its level: items goes, orders changes; the view is kept (not sent),
    // and an empty list clears the functions.
    let answer = modify(
        &sim,
        json!({
            "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["INSERT"]}],
            "FunctionPrivileges": [],
        }),
    )
    .await;
    assert_eq!(wait(&sim, &answer["Response"]["FlowId"]).await, 0);
    let table =
        |name: &str| json!({"DbName": "shop", "Type": "table", "Object": name, "ColName": "*"});
    assert_eq!(scope(&sim, table("orders")).await, json!(["INSERT"]));
    assert_eq!(scope(&sim, table("items")).await, json!([]));
    assert_eq!(scope(&sim, view).await, json!(["SELECT"]));
    let function = json!({"DbName": "shop", "Type": "func", "Object": "tax"});
    assert_eq!(scope(&sim, function).await, json!([]));
    assert_eq!(
        scope(&sim, json!({"DbName": "*"})).await,
        json!(["PROCESS"])
    );

    let state = sim.admin_get("/_sim/state").await.json();
    let account = &state["tencentcloud"]["mariadb"][0]["accounts"][0];
    assert_eq!(account["global_privileges"], json!(["PROCESS"]), "{state}");
    assert_eq!(
        account["privileges"],
        json!([{"database": "shop", "table": "orders", "privileges": ["INSERT"]},
               {"database": "shop", "view": "order_totals", "privileges": ["SELECT"]}]),
        "{state}"
    );
}

#[tokio::test]
async fn a_flow_failed_by_a_fault_reports_status_1_and_changes_nothing() {
    let sim = sim_with(20).await;
    let fault = sim
        .admin_post(
            "/_sim/faults",
            &json!({"service": "mariadb", "action": "ModifyAccountPrivileges", "task_status": "FAILED"}),
        )
        .await;
    assert_eq!(fault.status, 201, "{}", fault.text());
    let answer = modify(&sim, json!({"GlobalPrivileges": ["SELECT"]})).await;
    assert_eq!(wait(&sim, &answer["Response"]["FlowId"]).await, 1);
    assert_eq!(scope(&sim, json!({"DbName": "*"})).await, json!([]));
}

#[tokio::test]
async fn refusals_have_the_vendors_codes() {
    let sim = sim_with(0).await;
    let call = |body: Value| {
        let sim = &sim;
        async move {
            sim.tencent("mariadb", "ModifyAccountPrivileges", &body)
                .await
        }
    };
    let reply = call(
        json!({"InstanceId": INSTANCE, "Accounts": [{"User": "tdsql", "Host": "%"}],
                            "GlobalPrivileges": []}),
    )
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameterValue.SuperUserForbidden",
        &["tdsql"],
    );
    let reply = call(json!({"InstanceId": INSTANCE, "Accounts": app(),
        "ProcedurePrivileges": [{"Database": "shop", "Procedure": "archive_orders", "Privileges": ["SELECT"]}]}))
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameterValue.BadUserRight",
        &["SELECT", "ALTER ROUTINE, EXECUTE"],
    );
    let reply = call(json!({"InstanceId": INSTANCE, "Accounts": app(),
        "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "ghost", "Privileges": ["SELECT"]}]}))
    .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.GenericParameterError",
        &["shop`.`orders`.`ghost", "ColumnPrivileges.0"],
    );
    let reply =
        call(json!({"InstanceId": INSTANCE, "Accounts": [{"User": "nobody", "Host": "%"}]})).await;
    assert_tencent_error(
        &reply,
        "ResourceNotFound.AccountDoesNotExist",
        &["nobody@%"],
    );
    let reply = call(json!({"InstanceId": "tdsql-nope", "Accounts": app()})).await;
    assert_tencent_error(&reply, "InvalidParameter.InstanceNotFound", &["tdsql-nope"]);

    let fixture = Fixture::from_json(
        r#"{"tencentcloud": {"credentials": [{"secret_id": "AKIDsim", "secret_key": "sim-secret"}], "mariadb": [
            {"instance_id": "tdsql-gone", "status": "deleted", "accounts": [{"user": "app"}]},
            {"instance_id": "tdsql-busy", "status": "abnormal", "accounts": [{"user": "app"}]}]}}"#,
    )
    .expect("fixture");
    let sim = Sim::with(fixture, SimOptions::default()).await;
    for (instance, code) in [
        ("tdsql-gone", "ResourceUnavailable.InstanceAlreadyDeleted"),
        ("tdsql-busy", "ResourceUnavailable.InstanceStatusAbnormal"),
    ] {
        let body = json!({"InstanceId": instance, "UserName": "app", "Host": "%", "DbName": "*"});
        let reply = sim
            .tencent("mariadb", "DescribeAccountPrivileges", &body)
            .await;
        assert_tencent_error(&reply, code, &[instance]);
    }
}

#[tokio::test]
async fn the_documented_rate_limit_is_twenty_per_second() {
    let options = SimOptions {
        rate_limits: RateLimits::Documented,
        ..SimOptions::default()
    };
    let sim = Sim::with(Fixture::builtin(), options).await;
    let mut calls = JoinSet::new();
    for _ in 0..30 {
        let body = json!({"InstanceId": INSTANCE, "UserName": "app", "Host": "%", "DbName": "*"});
        let request = Tc3::new(
            "mariadb",
            "DescribeAccountPrivileges",
            MARIADB_VERSION,
            &body.to_string(),
        )
        .to_request(&sim.host());
        let addr = sim.running.addr();
        calls.spawn(async move { client::send(addr, &request).await });
    }
    let (mut admitted, mut throttled) = (0, 0);
    while let Some(joined) = calls.join_next().await {
        let body = joined.expect("task").expect("HTTP exchange").json();
        match body["Response"]["Error"]["Code"].as_str() {
            None => admitted += 1,
            Some("RequestLimitExceeded") => throttled += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(admitted >= 20, "admitted {admitted}");
    assert!(throttled >= 1, "throttled {throttled}");
}
