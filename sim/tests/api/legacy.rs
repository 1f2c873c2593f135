//! The legacy API v2 (`/v2/index.php`): cdb's whole-account replace and TDSQL's one-scope
//! change, on the same accounts as API 3.0, with v2's signature, replay checks and codes.

use serde_json::{json, Value};

use crate::support::tencent::V2;
use crate::support::{tencent_ok, Reply, Sim};

fn code_message(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

async fn cdb_held(sim: &Sim) -> Value {
    let reply = sim
        .tencent(
            "cdb",
            "DescribeAccountPrivileges",
            &json!({"InstanceId": "cdb-sim00001", "User": "app", "Host": "%"}),
        )
        .await;
    tencent_ok(&reply)
}

#[tokio::test]
async fn the_cdb_action_sets_exactly_what_it_passes_and_api_3_reads_it() {
    let sim = Sim::start().await;
    for method in ["GET", "POST"] {
        let call = V2::new(
            method,
            "ModifyCdbInstanceAccountPrivileges",
            &[
                ("cdbInstanceId", "cdb-sim00001"),
                ("user", "app"),
                ("host", "%"),
                ("globalPriv.0", "PROCESS"),
                ("dbPriv.0.db", "shop"),
                ("dbPriv.0.priv.0", "SELECT"),
                ("dbPriv.0.priv.1", "SHOW VIEW"),
                ("colPriv.0.db", "shop"),
                ("colPriv.0.tb", "orders"),
                ("colPriv.0.col", "total"),
                ("colPriv.0.priv.0", "UPDATE"),
            ],
        );
        let body = code_message(&sim.send(&call.to_request(&sim.host())).await);
        assert_eq!(
            body,
            json!({"code": 0, "message": "", "codeDesc": "Success", "data": []})
        );
    }
    let held = cdb_held(&sim).await;
    assert_eq!(held["GlobalPrivileges"], json!(["PROCESS"]));
    assert_eq!(
        held["DatabasePrivileges"],
        json!([{"Database": "shop", "Privileges": ["SELECT", "SHOW VIEW"]}])
    );
    assert_eq!(held["ColumnPrivileges"][0]["Column"], "total");

    // Exactly what is passed: a call with only a table clears the rest.
    let call = V2::new(
        "POST",
        "ModifyCdbInstanceAccountPrivileges",
        &[
            ("cdbInstanceId", "cdb-sim00001"),
            ("user", "app"),
            ("host", "%"),
            ("tbPriv.0.db", "shop"),
            ("tbPriv.0.tb", "orders"),
            ("tbPriv.0.priv.0", "INSERT"),
        ],
    );
    code_message(&sim.send(&call.to_request(&sim.host())).await);
    let held = cdb_held(&sim).await;
    assert_eq!(held["GlobalPrivileges"], json!([]));
    assert_eq!(held["DatabasePrivileges"], json!([]));
    assert_eq!(held["TablePrivileges"][0]["Privileges"], json!(["INSERT"]));
    let log = sim.admin_get("/_sim/requests").await.json();
    let last = &log.as_array().expect("log")[log.as_array().expect("log").len() - 2];
    assert_eq!(
        last["action"], "ModifyCdbInstanceAccountPrivileges",
        "{log}"
    );
    assert_eq!(last["params"]["tbPriv.0.tb"], "orders", "{log}");
}

#[tokio::test]
async fn the_tdsql_action_sets_one_scope_and_api_3_reads_it() {
    let sim = Sim::start().await;
    let scope = |object: &str, privileges: &[&str]| {
        let mut params = vec![
            ("CdbInstanceId", "tdsql-sim00001"),
            ("UserName", "app"),
            ("Host", "%"),
            ("DbName", "shop"),
            ("Type", "view"),
            ("Object", object),
        ];
        let names: Vec<String> = (0..privileges.len())
            .map(|i| format!("Privileges.{i}"))
            .collect();
        params.extend(
            names
                .iter()
                .map(String::as_str)
                .zip(privileges.iter().copied()),
        );
        let mut call = V2::new("GET", "ModifyTdsqlUserPrivileges", &params);
        call.version = Some("2017-03-12".into());
        call
    };
    let reply = sim
        .send(&scope("order_totals", &["select", "show view"]).to_request(&sim.host()))
        .await;
    let answer = tencent_ok(&reply);
    assert_eq!(answer["CdbInstanceId"], "tdsql-sim00001");
    assert_eq!(answer["Type"], "view");
    let read = sim
        .tencent(
            "mariadb",
            "DescribeAccountPrivileges",
            &json!({"InstanceId": "tdsql-sim00001", "UserName": "app", "Host": "%",
                    "DbName": "shop", "Type": "view", "Object": "order_totals"}),
        )
        .await;
    assert_eq!(
        tencent_ok(&read)["Privileges"],
        json!(["SELECT", "SHOW VIEW"])
    );

    let reply = sim
        .send(&scope("order_totals", &["EXECUTE"]).to_request(&sim.host()))
        .await;
    assert_eq!(
        reply.json()["Response"]["Error"]["Code"],
        "BadUserRight",
        "{}",
        reply.text()
    );
    let mut superuser = scope("order_totals", &["SELECT"]);
    superuser.params[1].1 = "tdsql".into();
    let reply = sim.send(&superuser.to_request(&sim.host())).await;
    assert_eq!(
        reply.json()["Response"]["Error"]["Code"],
        "SuperUserForbidden",
        "{}",
        reply.text()
    );
}

#[tokio::test]
async fn signatures_replays_and_missing_instances_get_the_v2_codes() {
    let sim = Sim::start().await;
    let call = || {
        V2::new(
            "POST",
            "ModifyCdbInstanceAccountPrivileges",
            &[
                ("cdbInstanceId", "cdb-sim00001"),
                ("user", "app"),
                ("host", "%"),
            ],
        )
    };
    let code = |body: Value| {
        (
            body["code"].as_i64().unwrap_or(-1),
            body["codeDesc"].clone(),
        )
    };

    let mut wrong = call();
    wrong.secret_key = "wrong".into();
    let body = code_message(&sim.send(&wrong.to_request(&sim.host())).await);
    assert_eq!(code(body), (4100, json!("AuthFailure")));

    let mut unknown = call();
    unknown.secret_id = "AKIDnobody".into();
    let body = code_message(&sim.send(&unknown.to_request(&sim.host())).await);
    assert_eq!(code(body), (4104, json!("SecretIdNotFound")));

    let once = call();
    let body = code_message(&sim.send(&once.to_request(&sim.host())).await);
    assert_eq!(body["code"], 0, "{body}");
    let body = code_message(&sim.send(&once.to_request(&sim.host())).await);
    assert_eq!(
        code(body),
        (4500, json!("RequestReplay")),
        "a nonce used again"
    );

    let mut stale = call();
    stale.timestamp -= 3 * 3600;
    let body = code_message(&sim.send(&stale.to_request(&sim.host())).await);
    assert_eq!(
        code(body),
        (4500, json!("RequestReplay")),
        "three hours off"
    );

    let mut missing = call();
    missing.params[0].1 = "cdb-nope0000".into();
    let body = code_message(&sim.send(&missing.to_request(&sim.host())).await);
    assert_eq!(code(body), (9572, json!("InstanceNotExists")));

    let mut bad_user = call();
    bad_user.params[1].1 = "_app".into();
    let body = code_message(&sim.send(&bad_user.to_request(&sim.host())).await);
    assert_eq!(code(body), (9003, json!("InvalidParameter")));
}
