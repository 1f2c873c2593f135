//! CDB ModifyAccountPrivileges, DescribeAsyncRequestInfo, DescribeAccountPrivileges and
//! DescribeAccounts over HTTP.

use std::time::{Duration, Instant};

use clouddb_sim::{Fixture, RateLimits, SimOptions};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::support::tencent::Tc3;
use crate::support::{assert_tencent_error, client, tencent_error, tencent_ok, Reply, Sim};

const INSTANCE: &str = "cdb-sim00001";

/// The built-in instance with a second account, `etl@10.0.0.%`, another database and a column more.
fn fixture() -> Fixture {
    let json = json!({"tencentcloud": {
        "credentials": [{"secret_id": "AKIDsim", "secret_key": "sim-secret"}],
        "cdb": [{"instance_id": INSTANCE, "accounts": [
            {"user": "app", "host": "%"},
            {"user": "etl", "host": "10.0.0.%", "notes": "nightly loads",
             "global_privileges": ["PROCESS"],
             "database_privileges": [{"database": "logs", "privileges": ["SELECT"]}]}
        ], "databases": [
            {"name": "shop", "tables": [{"name": "orders", "columns": ["id", "total"]}]},
            {"name": "logs", "tables": []}
        ]}]
    }});
    Fixture::from_json(&json.to_string()).expect("fixture")
}

async fn sim_with(task_ms: u64) -> Sim {
    let options = SimOptions {
        task_duration: Duration::from_millis(task_ms),
        ..SimOptions::default()
    };
    Sim::with(fixture(), options).await
}

async fn modify(sim: &Sim, body: Value) -> Reply {
    sim.tencent("cdb", "ModifyAccountPrivileges", &body).await
}

async fn task_status(sim: &Sim, id: &str) -> (String, String) {
    let reply = sim
        .tencent(
            "cdb",
            "DescribeAsyncRequestInfo",
            &json!({"AsyncRequestId": id}),
        )
        .await;
    let response = tencent_ok(&reply);
    (
        response["Status"].as_str().unwrap_or_default().to_owned(),
        response["Info"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Polls the task until it ends; answers its final status and `Info`.
async fn wait(sim: &Sim, id: &str) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, info) = task_status(sim, id).await;
        if status != "INITIAL" && status != "RUNNING" {
            return (status, info);
        }
        assert!(Instant::now() < deadline, "task {id} never ended");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Modifies, expects an `AsyncRequestId`, and waits for the task to succeed.
async fn modify_and_wait(sim: &Sim, body: Value) {
    let reply = modify(sim, body).await;
    let id = tencent_ok(&reply)["AsyncRequestId"]
        .as_str()
        .expect("AsyncRequestId")
        .to_owned();
    assert_eq!(wait(sim, &id).await, ("SUCCESS".to_owned(), String::new()));
}

async fn privileges(sim: &Sim, user: &str, host: &str) -> Value {
    let reply = sim
        .tencent(
            "cdb",
            "DescribeAccountPrivileges",
            &json!({"InstanceId": INSTANCE, "User": user, "Host": host}),
        )
        .await;
    let mut response = tencent_ok(&reply);
    response
        .as_object_mut()
        .expect("object")
        .remove("RequestId");
    response
}

fn app() -> Value {
    json!([{"User": "app", "Host": "%"}])
}

fn nothing() -> Value {
    json!({"GlobalPrivileges": [], "DatabasePrivileges": [], "TablePrivileges": [], "ColumnPrivileges": []})
}

#[tokio::test]
async fn a_full_replace_sets_every_level_and_clears_what_it_does_not_pass() {
    let sim = sim_with(30).await;
    assert_eq!(privileges(&sim, "app", "%").await, nothing());
    modify_and_wait(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": app(),
               "GlobalPrivileges": ["SELECT", "PROCESS"],
               "DatabasePrivileges": [{"Database": "shop", "Privileges": ["INSERT", "DELETE"]}],
               "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["UPDATE"]}],
               "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "total",
                                     "Privileges": ["SELECT", "REFERENCES"]}]}),
    )
    .await;
    // Each list comes back sorted in the vendor's order.
    assert_eq!(
        privileges(&sim, "app", "%").await,
        json!({"GlobalPrivileges": ["SELECT", "PROCESS"],
               "DatabasePrivileges": [{"Database": "shop", "Privileges": ["INSERT", "DELETE"]}],
               "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["UPDATE"]}],
               "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "total",
                                     "Privileges": ["SELECT", "REFERENCES"]}]})
    );

    // Only DatabasePrivileges passed: the other three levels are cleared.
    modify_and_wait(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": app(), "ModifyAction": "",
               "DatabasePrivileges": [{"Database": "logs", "Privileges": ["SELECT"]}]}),
    )
    .await;
    assert_eq!(
        privileges(&sim, "app", "%").await,
        json!({"GlobalPrivileges": [],
               "DatabasePrivileges": [{"Database": "logs", "Privileges": ["SELECT"]}],
               "TablePrivileges": [], "ColumnPrivileges": []})
    );

    // Nothing passed: everything is cleared. The other account is untouched.
    modify_and_wait(&sim, json!({"InstanceId": INSTANCE, "Accounts": app()})).await;
    assert_eq!(privileges(&sim, "app", "%").await, nothing());
    assert_eq!(
        privileges(&sim, "etl", "10.0.0.%").await["GlobalPrivileges"],
        json!(["PROCESS"])
    );
}

#[tokio::test]
async fn grant_and_revoke_change_only_what_they_pass() {
    let sim = sim_with(30).await;
    let etl = json!([{"User": "etl", "Host": "10.0.0.%"}]);
    modify_and_wait(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": etl, "ModifyAction": "grant",
               "GlobalPrivileges": ["RELOAD"],
               "DatabasePrivileges": [{"Database": "logs", "Privileges": ["INSERT"]},
                                      {"Database": "shop", "Privileges": ["SELECT"]}]}),
    )
    .await;
    assert_eq!(
        privileges(&sim, "etl", "10.0.0.%").await,
        json!({"GlobalPrivileges": ["PROCESS", "RELOAD"],
               "DatabasePrivileges": [{"Database": "logs", "Privileges": ["SELECT", "INSERT"]},
                                      {"Database": "shop", "Privileges": ["SELECT"]}],
               "TablePrivileges": [], "ColumnPrivileges": []})
    );
    // Revoking what is held and what is not: only the held ones go, emptied entries vanish.
    modify_and_wait(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": etl, "ModifyAction": "revoke",
               "GlobalPrivileges": ["PROCESS", "SHOW DATABASES"],
               "DatabasePrivileges": [{"Database": "shop", "Privileges": ["SELECT", "DROP"]}]}),
    )
    .await;
    assert_eq!(
        privileges(&sim, "etl", "10.0.0.%").await,
        json!({"GlobalPrivileges": ["RELOAD"],
               "DatabasePrivileges": [{"Database": "logs", "Privileges": ["SELECT", "INSERT"]}],
               "TablePrivileges": [], "ColumnPrivileges": []})
    );
}

#[tokio::test]
async fn a_task_goes_initial_running_success_and_changes_things_only_at_the_end() {
    let sim = sim_with(1500).await;
    let started = Instant::now();
    let reply = modify(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": app(), "GlobalPrivileges": ["SELECT"]}),
    )
    .await;
    let response = tencent_ok(&reply);
    let id = response["AsyncRequestId"].as_str().expect("id").to_owned();
    assert_eq!(id.split('-').count(), 4, "{id}");
    assert_eq!(task_status(&sim, &id).await.0, "INITIAL");
    assert_eq!(privileges(&sim, "app", "%").await, nothing());

    tokio::time::sleep_until((started + Duration::from_millis(700)).into()).await;
    assert_eq!(task_status(&sim, &id).await.0, "RUNNING");
    assert_eq!(privileges(&sim, "app", "%").await, nothing());

    tokio::time::sleep_until((started + Duration::from_millis(1600)).into()).await;
    assert_eq!(
        task_status(&sim, &id).await,
        ("SUCCESS".to_owned(), String::new())
    );
    assert_eq!(
        privileges(&sim, "app", "%").await["GlobalPrivileges"],
        json!(["SELECT"])
    );
}

#[tokio::test]
async fn the_state_shows_a_finished_task_without_polling() {
    let sim = sim_with(20).await;
    let reply = modify(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": app(),
               "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["SELECT"]}]}),
    )
    .await;
    tencent_ok(&reply);
    tokio::time::sleep(Duration::from_millis(40)).await;
    let state = sim.admin_get("/_sim/state").await.json();
    assert_eq!(
        state["tencentcloud"]["cdb"][0]["accounts"][0],
        json!({"user": "app", "host": "%", "global_privileges": [], "database_privileges": [],
               "table_privileges": [{"database": "shop", "table": "orders", "privileges": ["SELECT"]}],
               "column_privileges": []})
    );
    assert_eq!(
        state["tencentcloud"]["cdb"][0]["accounts"][1]["notes"],
        "nightly loads"
    );
}

#[tokio::test]
async fn a_task_failed_by_a_fault_reports_its_info_and_changes_nothing() {
    let sim = sim_with(30).await;
    let fault = sim
        .admin_post(
            "/_sim/faults",
            &json!({"service": "cdb", "action": "ModifyAccountPrivileges",
                    "task_status": "FAILED", "task_info": "the instance is being upgraded"}),
        )
        .await;
    assert_eq!(fault.status, 201, "{}", fault.text());
    // A read does not use up the fault: only a call that starts a task does.
    privileges(&sim, "app", "%").await;
    let reply = modify(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": app(), "GlobalPrivileges": ["SELECT"]}),
    )
    .await;
    let id = tencent_ok(&reply)["AsyncRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        wait(&sim, &id).await,
        (
            "FAILED".to_owned(),
            "the instance is being upgraded".to_owned()
        )
    );
    assert_eq!(privileges(&sim, "app", "%").await, nothing());
    assert_eq!(sim.admin_get("/_sim/faults").await.json(), json!([]));
    // The next one succeeds.
    modify_and_wait(
        &sim,
        json!({"InstanceId": INSTANCE, "Accounts": app(), "GlobalPrivileges": ["SELECT"]}),
    )
    .await;
    assert_eq!(
        privileges(&sim, "app", "%").await["GlobalPrivileges"],
        json!(["SELECT"])
    );
    let log = sim.admin_get("/_sim/requests").await.json();
    let shaped: Vec<&Value> = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|entry| entry["fault"].is_number())
        .collect();
    assert_eq!(shaped.len(), 1);
    assert_eq!(shaped[0]["action"], "ModifyAccountPrivileges");
}

#[tokio::test]
async fn killed_tasks_and_injected_errors() {
    let sim = sim_with(10).await;
    sim.running
        .state()
        .add_task_fault(
            clouddb_sim::FaultSpec {
                service: Some("cdb".to_owned()),
                ..clouddb_sim::FaultSpec::latency("ModifyAccountPrivileges", 1)
            },
            clouddb_sim::TaskFault::new("KILLED", "killed by operator"),
        )
        .expect("fault");
    let reply = modify(&sim, json!({"InstanceId": INSTANCE, "Accounts": app()})).await;
    let id = tencent_ok(&reply)["AsyncRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(wait(&sim, &id).await.0, "KILLED");

    let fault = sim
        .admin_post(
            "/_sim/faults",
            &json!({"service": "cdb", "action": "ModifyAccountPrivileges",
                    "error_code": "FailedOperation.StatusConflict"}),
        )
        .await;
    assert_eq!(fault.status, 201);
    let reply = modify(&sim, json!({"InstanceId": INSTANCE, "Accounts": app()})).await;
    assert_tencent_error(&reply, "FailedOperation.StatusConflict", &[]);

    let refused = sim
        .admin_post(
            "/_sim/faults",
            &json!({"action": "ModifyAccountPrivileges", "task_status": "SUCCESS"}),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text());
}

#[tokio::test]
async fn every_refusal_has_the_vendors_code_and_changes_nothing() {
    let sim = sim_with(10).await;
    let cases: Vec<(Value, &str, Vec<&str>)> = vec![
        (
            json!({"InstanceId": "cdb-nope", "Accounts": app()}),
            "InvalidParameter.InstanceNotFound",
            vec!["cdb-nope"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": [{"User": "ghost", "Host": "%"}]}),
            "InvalidParameterValue.UserNotExistError",
            vec!["ghost@%"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": [{"User": "etl", "Host": "%"}]}),
            "InvalidParameterValue.UserNotExistError",
            vec!["etl@%"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "DatabasePrivileges": [{"Database": "crm", "Privileges": ["SELECT"]}]}),
            "InvalidParameter",
            vec!["`crm`", "DatabasePrivileges.0.Database"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "TablePrivileges": [{"Database": "shop", "Table": "carts", "Privileges": ["SELECT"]}]}),
            "InvalidParameter",
            vec!["`shop`.`carts`"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "vat",
                                         "Privileges": ["SELECT"]}]}),
            "InvalidParameter",
            vec!["`shop`.`orders`.`vat`"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "DatabasePrivileges": [{"Database": "shop", "Privileges": ["PROCESS"]}]}),
            "UnsupportedOperation.PrivilegesUnsupportedError",
            vec!["\"PROCESS\"", "database privilege"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "id",
                                         "Privileges": ["DELETE"]}]}),
            "UnsupportedOperation.PrivilegesUnsupportedError",
            vec!["\"DELETE\"", "column privilege"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["EXECUTE"]}]}),
            "UnsupportedOperation.PrivilegesUnsupportedError",
            vec!["\"EXECUTE\"", "table privilege"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(), "GlobalPrivileges": ["select"]}),
            "UnsupportedOperation.PrivilegesUnsupportedError",
            vec!["\"select\"", "global privilege"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(), "ModifyAction": "replace"}),
            "InvalidParameterValue",
            vec!["replace"],
        ),
        (
            json!({"Accounts": app()}),
            "MissingParameter",
            vec!["InstanceId"],
        ),
        (
            json!({"InstanceId": INSTANCE}),
            "MissingParameter",
            vec!["Accounts"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": []}),
            "MissingParameter",
            vec!["Accounts"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": [{"User": "app"}]}),
            "MissingParameter.AccountMissingParameterError",
            vec!["Accounts.0.Host"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(), "Privileges": ["SELECT"]}),
            "UnknownParameter",
            vec!["`Privileges`"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(),
                   "DatabasePrivileges": [{"Database": "shop", "Privilege": ["SELECT"]}]}),
            "UnknownParameter",
            vec!["`DatabasePrivileges.0.Privilege`"],
        ),
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(), "GlobalPrivileges": "SELECT"}),
            "InvalidParameter",
            vec!["GlobalPrivileges"],
        ),
        // One bad entry refuses the whole call: the good grant before it is not made.
        (
            json!({"InstanceId": INSTANCE, "Accounts": app(), "ModifyAction": "grant",
                   "DatabasePrivileges": [{"Database": "shop", "Privileges": ["SELECT"]},
                                          {"Database": "nope", "Privileges": ["SELECT"]}]}),
            "InvalidParameter",
            vec!["`nope`"],
        ),
    ];
    for (body, code, words) in cases {
        let reply = modify(&sim, body.clone()).await;
        let (actual, message) = tencent_error(&reply);
        assert_eq!(actual, code, "{body}: {message}");
        for word in words {
            assert!(message.contains(word), "{body}: `{word}` not in {message}");
        }
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(privileges(&sim, "app", "%").await, nothing());

    let reply = sim
        .tencent(
            "cdb",
            "DescribeAsyncRequestInfo",
            &json!({"AsyncRequestId": "00000000-00000000-00000000-00000000"}),
        )
        .await;
    assert_tencent_error(
        &reply,
        "InvalidParameter.InvalidAsyncRequestId",
        &["00000000-00000000-00000000-00000000"],
    );
    let reply = sim
        .tencent(
            "cdb",
            "DescribeAccountPrivileges",
            &json!({"InstanceId": INSTANCE, "User": "app"}),
        )
        .await;
    assert_tencent_error(&reply, "MissingParameter", &["Host"]);
    let reply = sim
        .tencent(
            "cdb",
            "DescribeAccountPrivileges",
            &json!({"InstanceId": INSTANCE, "User": "app", "Host": "localhost"}),
        )
        .await;
    assert_tencent_error(&reply, "InvalidParameterValue.UserNotExistError", &[]);
}

#[tokio::test]
async fn describe_accounts_pages_and_filters() {
    let sim = sim_with(10).await;
    let describe = |body: Value| {
        let sim = &sim;
        async move { sim.tencent("cdb", "DescribeAccounts", &body).await }
    };
    let all = tencent_ok(&describe(json!({"InstanceId": INSTANCE})).await);
    assert_eq!(all["TotalCount"], 2);
    let items = all["Items"].as_array().expect("Items");
    assert_eq!(items[0]["User"], "app");
    assert_eq!(items[1]["Host"], "10.0.0.%");
    assert_eq!(items[1]["Notes"], "nightly loads");
    for field in ["CreateTime", "ModifyTime"] {
        let time = items[0][field].as_str().expect("time");
        assert_eq!(time.len(), "2024-05-01 12:00:00".len(), "{time}");
    }

    let page =
        tencent_ok(&describe(json!({"InstanceId": INSTANCE, "Offset": 1, "Limit": 1})).await);
    assert_eq!(page["TotalCount"], 2);
    assert_eq!(page["Items"][0]["User"], "etl");
    assert_eq!(page["Items"].as_array().map(Vec::len), Some(1));

    let filtered =
        tencent_ok(&describe(json!({"InstanceId": INSTANCE, "AccountRegexp": "^e.l$"})).await);
    assert_eq!(filtered["TotalCount"], 1);
    assert_eq!(filtered["Items"][0]["User"], "etl");
    let by_host =
        tencent_ok(&describe(json!({"InstanceId": INSTANCE, "HostRegexp": "^10\\.0\\."})).await);
    assert_eq!(by_host["TotalCount"], 1);
    let everything =
        tencent_ok(&describe(json!({"InstanceId": INSTANCE, "AccountRegexp": ".*"})).await);
    assert_eq!(everything["TotalCount"], 2);

    assert_tencent_error(
        &describe(json!({"InstanceId": INSTANCE, "Limit": 101})).await,
        "InvalidParameterValue",
        &["Limit"],
    );
    assert_tencent_error(
        &describe(json!({"InstanceId": INSTANCE, "AccountRegexp": "(app|etl"})).await,
        "InternalError.RegexpCompileError",
        &["AccountRegexp"],
    );
    assert_tencent_error(
        &describe(json!({"InstanceId": "cdb-nope"})).await,
        "InvalidParameter.InstanceNotFound",
        &[],
    );
}

#[tokio::test]
async fn two_accounts_modified_at_once_do_not_interfere() {
    let sim = sim_with(50).await;
    let mut calls = JoinSet::new();
    for round in 0..5 {
        for (user, host, privilege) in [("app", "%", "SELECT"), ("etl", "10.0.0.%", "INSERT")] {
            let body = json!({"InstanceId": INSTANCE, "Accounts": [{"User": user, "Host": host}],
                              "DatabasePrivileges": [{"Database": "shop", "Privileges": [privilege]}],
                              "GlobalPrivileges": if round % 2 == 0 { json!(["PROCESS"]) } else { json!([]) }});
            let request = Tc3::new(
                "cdb",
                "ModifyAccountPrivileges",
                "2017-03-20",
                &body.to_string(),
            )
            .to_request(&sim.host());
            let addr = sim.running.addr();
            calls.spawn(async move { client::send(addr, &request).await });
        }
    }
    let mut ids = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let reply = joined.expect("task").expect("HTTP exchange");
        ids.push(
            tencent_ok(&reply)["AsyncRequestId"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    for id in &ids {
        assert_eq!(wait(&sim, id).await.0, "SUCCESS");
    }
    let app = privileges(&sim, "app", "%").await;
    let etl = privileges(&sim, "etl", "10.0.0.%").await;
    assert_eq!(
        app["DatabasePrivileges"],
        json!([{"Database": "shop", "Privileges": ["SELECT"]}])
    );
    assert_eq!(
        etl["DatabasePrivileges"],
        json!([{"Database": "shop", "Privileges": ["INSERT"]}])
    );
}

#[tokio::test]
async fn the_documented_rate_limit_is_ten_per_second() {
    let options = SimOptions {
        rate_limits: RateLimits::Documented,
        ..SimOptions::default()
    };
    let sim = Sim::with(fixture(), options).await;
    let mut calls = JoinSet::new();
    for _ in 0..16 {
        let body = json!({"InstanceId": INSTANCE, "Accounts": app()});
        let request = Tc3::new(
            "cdb",
            "ModifyAccountPrivileges",
            "2017-03-20",
            &body.to_string(),
        )
        .to_request(&sim.host());
        let addr = sim.running.addr();
        calls.spawn(async move { client::send(addr, &request).await });
    }
    let (mut admitted, mut throttled) = (0, 0);
    while let Some(joined) = calls.join_next().await {
        let reply = joined.expect("task").expect("HTTP exchange");
        let body = reply.json();
        match body["Response"]["Error"]["Code"].as_str() {
            None => admitted += 1,
            Some("RequestLimitExceeded") => throttled += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(admitted >= 10, "admitted {admitted}");
    assert!(throttled >= 1, "throttled {throttled}");
    // Reads are not limited.
    for _ in 0..15 {
        privileges(&sim, "app", "%").await;
    }
}

#[tokio::test]
async fn fixture_privileges_are_checked() {
    let bad = json!({"tencentcloud": {"cdb": [{"instance_id": "cdb-1",
        "databases": [{"name": "shop"}],
        "accounts": [{"user": "app", "database_privileges": [{"database": "shop", "privileges": ["RELOAD"]}]}]}]}});
    let error = Fixture::from_json(&bad.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("RELOAD") && error.contains("app@%"),
        "{error}"
    );
    let bad = json!({"tencentcloud": {"cdb": [{"instance_id": "cdb-1",
        "accounts": [{"user": "app", "table_privileges": [{"database": "shop", "table": "t", "privileges": ["SELECT"]}]}]}]}});
    let error = Fixture::from_json(&bad.to_string())
        .unwrap_err()
        .to_string();
    assert!(error.contains("`shop`"), "{error}");
}
