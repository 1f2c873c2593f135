//! The request forms the vendors' SDKs send besides the default ones: Tencent parameters
//! flattened into a query or a form and signed in them, Alibaba v1 beside `x-acs-` headers, and
//! the answers they parse. The conformance suite (`sim/tests/sdk/probe.py`) drives the same
//! forms with the SDKs themselves.

use serde_json::json;

use crate::support::alibaba::AcsV1;
use crate::support::tencent::{ParamSigned, CDB_VERSION};
use crate::support::{assert_alibaba_error, assert_tencent_error, tencent_ok, Sim};

#[tokio::test]
async fn a_call_signed_in_its_parameters_is_served_like_tc3() {
    let sim = Sim::start().await;
    for method in ["GET", "POST"] {
        let grant = ParamSigned::new(
            method,
            "ModifyAccountPrivileges",
            CDB_VERSION,
            &[
                ("InstanceId", "cdb-sim00001"),
                ("Accounts.0.User", "app"),
                ("Accounts.0.Host", "%"),
                ("DatabasePrivileges.0.Database", "shop"),
                ("DatabasePrivileges.0.Privileges.0", "SELECT"),
                ("DatabasePrivileges.0.Privileges.1", "SHOW VIEW"),
                ("ModifyAction", "grant"),
            ],
        );
        let answer = tencent_ok(&sim.send(&grant.to_request(&sim.host())).await);
        assert!(answer["AsyncRequestId"].is_string(), "{answer}");

        let list = ParamSigned::new(
            method,
            "DescribeAccounts",
            CDB_VERSION,
            &[
                ("InstanceId", "cdb-sim00001"),
                ("Offset", "0"),
                ("Limit", "20"),
            ],
        );
        let answer = tencent_ok(&sim.send(&list.to_request(&sim.host())).await);
        assert_eq!(answer["TotalCount"], 1, "{answer}");
        assert_eq!(answer["MaxUserConnections"], 10240, "{answer}");
        assert_eq!(answer["Items"][0]["OpenCam"], false, "{answer}");
    }
    let log = sim.admin_get("/_sim/requests").await.json();
    let first = &log[0];
    assert_eq!(first["service"], "cdb", "{log}");
    assert_eq!(first["action"], "ModifyAccountPrivileges", "{log}");
    assert_eq!(
        first["params"]["DatabasePrivileges"][0]["Privileges"],
        json!(["SELECT", "SHOW VIEW"]),
        "the log shows the structure rebuilt: {log}"
    );
}

#[tokio::test]
async fn a_wrong_key_or_broken_list_in_parameters_gets_the_vendors_codes() {
    let sim = Sim::start().await;
    let mut call = ParamSigned::new(
        "POST",
        "DescribeAccounts",
        CDB_VERSION,
        &[("InstanceId", "cdb-sim00001")],
    );
    call.secret_key = "wrong".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_tencent_error(&reply, "AuthFailure.SignatureFailure", &["string to sign"]);

    let gap = ParamSigned::new(
        "GET",
        "ModifyAccountPrivileges",
        CDB_VERSION,
        &[
            ("InstanceId", "cdb-sim00001"),
            ("Accounts.0.User", "app"),
            ("Accounts.2.User", "app"),
        ],
    );
    let reply = sim.send(&gap.to_request(&sim.host())).await;
    assert_tencent_error(&reply, "InvalidParameter", &["`Accounts`", "gap"]);

    let text = ParamSigned::new(
        "GET",
        "DescribeAccounts",
        CDB_VERSION,
        &[("InstanceId", "cdb-sim00001"), ("Limit", "twenty")],
    );
    let reply = sim.send(&text.to_request(&sim.host())).await;
    assert_tencent_error(&reply, "InvalidParameter", &["`Limit`", "whole number"]);
}

#[tokio::test]
async fn alibaba_v1_beside_acs_headers_is_v1_and_says_its_string_to_sign() {
    let sim = Sim::start().await;
    let mut call = AcsV1::polardb(
        "POST",
        "DescribeAccounts",
        &[("DBClusterId", "pc-sim00001")],
    );
    // Both SDK generations send these headers with their v1 calls.
    let with_headers = |call: &AcsV1| {
        call.to_request(&sim.host())
            .header("x-acs-action", "DescribeAccounts")
            .header("x-acs-version", "2017-08-01")
    };
    let reply = sim.send(&with_headers(&call)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    call.nonce = crate::support::alibaba::new_nonce();
    call.secret = "wrong".to_owned();
    let reply = sim.send(&with_headers(&call)).await;
    let body = assert_alibaba_error(&reply, 400, "SignatureDoesNotMatch");
    let message = body["Message"].as_str().unwrap_or_default();
    let parts: Vec<&str> = message.split(':').collect();
    assert_eq!(
        parts.len(),
        2,
        "one colon, then the string to sign: {message}"
    );
    assert!(parts[1].starts_with("POST&%2F&AccessKeyId%3D"), "{message}");
}

#[tokio::test]
async fn polardb_lists_databases_with_the_accounts_that_hold_them() {
    let sim = Sim::start().await;
    let grant = sim
        .polardb(
            "GrantAccountPrivilege",
            &[
                ("DBClusterId", "pc-sim00001"),
                ("AccountName", "app"),
                ("DBName", "shop"),
                ("AccountPrivilege", "ReadOnly"),
                ("OwnerId", "1234"),
            ],
        )
        .await;
    assert_eq!(grant.status, 200, "{}", grant.text());
    let reply = sim
        .polardb(
            "DescribeDatabases",
            &[("DBClusterId", "pc-sim00001"), ("DBName", "shop")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let databases = &body["Databases"]["Database"];
    assert_eq!(databases.as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(databases[0]["DBName"], "shop");
    assert_eq!(databases[0]["DBStatus"], "Running");
    let holders = &databases[0]["Accounts"]["Account"];
    assert_eq!(
        holders,
        &json!([{"AccountName": "app", "AccountStatus": "Available",
                 "AccountPrivilege": "ReadOnly", "PrivilegeStatus": "Empowered"}]),
        "{body}"
    );
}
