//! PolarDB GrantAccountPrivilege, RevokeAccountPrivilege and DescribeAccounts over HTTP.

use std::time::Duration;

use serde_json::Value;

use crate::support::alibaba::AcsV1;
use crate::support::{assert_alibaba_error, Sim};

const CLUSTER: &str = "pc-sim00001";

async fn grant(sim: &Sim, account: &str, dbs: &str, privileges: &str) -> crate::support::Reply {
    sim.polardb(
        "GrantAccountPrivilege",
        &[
            ("DBClusterId", CLUSTER),
            ("AccountName", account),
            ("DBName", dbs),
            ("AccountPrivilege", privileges),
        ],
    )
    .await
}

async fn revoke(sim: &Sim, account: &str, dbs: &str) -> crate::support::Reply {
    sim.polardb(
        "RevokeAccountPrivilege",
        &[
            ("DBClusterId", CLUSTER),
            ("AccountName", account),
            ("DBName", dbs),
        ],
    )
    .await
}

#[tokio::test]
async fn grant_pairs_databases_with_privileges_and_describe_shows_them() {
    let sim = Sim::start().await;
    let reply = grant(&sim, "app", "shop,logs", "ReadWrite,ReadOnly").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert!(body["RequestId"].is_string());
    assert_eq!(reply.header("x-acs-request-id"), body["RequestId"].as_str());
    assert_eq!(
        sim.privileges("app").await,
        ["logs=ReadOnly", "shop=ReadWrite"]
    );
    assert!(sim.privileges("reporting").await.is_empty());
}

#[tokio::test]
async fn granting_again_succeeds_and_a_new_privilege_replaces_the_old() {
    let sim = Sim::start().await;
    assert_eq!(grant(&sim, "app", "shop", "ReadWrite").await.status, 200);
    assert_eq!(grant(&sim, "app", "shop", "ReadWrite").await.status, 200);
    assert_eq!(sim.privileges("app").await, ["shop=ReadWrite"]);
    assert_eq!(grant(&sim, "app", "shop", "DMLOnly").await.status, 200);
    assert_eq!(sim.privileges("app").await, ["shop=DMLOnly"]);
    for privilege in ["DDLOnly", "ReadIndex", "ReadOnly"] {
        assert_eq!(grant(&sim, "app", "analytics", privilege).await.status, 200);
        assert_eq!(
            sim.privileges("app").await,
            [format!("analytics={privilege}"), "shop=DMLOnly".to_owned()]
        );
    }
}

#[tokio::test]
async fn revoke_removes_and_is_idempotent() {
    let sim = Sim::start().await;
    grant(
        &sim,
        "app",
        "shop,logs,analytics",
        "ReadWrite,ReadOnly,ReadOnly",
    )
    .await;
    let reply = revoke(&sim, "app", "logs,analytics").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.json()["RequestId"].is_string());
    assert_eq!(sim.privileges("app").await, ["shop=ReadWrite"]);
    // Nothing held on logs any more: revoking again still succeeds.
    assert_eq!(revoke(&sim, "app", "logs").await.status, 200);
    assert_eq!(sim.privileges("app").await, ["shop=ReadWrite"]);
}

#[tokio::test]
async fn describe_lists_every_account_of_the_cluster() {
    let sim = Sim::start().await;
    grant(&sim, "reporting", "analytics", "ReadOnly").await;
    let reply = sim
        .polardb("DescribeAccounts", &[("DBClusterId", CLUSTER)])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(body["PageRecordCount"], 3);
    assert!(body.get("TotalRecordCount").is_none());
    let accounts = body["Accounts"].as_array().expect("Accounts");
    let names: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a["AccountName"].as_str())
        .collect();
    assert_eq!(names, ["app", "reporting", "admin"]);
    let reporting = &accounts[1];
    assert_eq!(reporting["AccountType"], "Normal");
    assert_eq!(reporting["AccountStatus"], "Available");
    assert_eq!(reporting["AccountLockState"], "UnLock");
    assert_eq!(reporting["AccountDescription"], "");
    assert_eq!(
        reporting["DatabasePrivileges"],
        serde_json::json!([{"DBName": "analytics", "AccountPrivilege": "ReadOnly"}])
    );
    let admin = &accounts[2];
    assert_eq!(admin["AccountType"], "Super");
    assert_eq!(admin["DatabasePrivileges"], serde_json::json!([]));
}

#[tokio::test]
async fn describe_of_an_unknown_account_lists_nothing() {
    let sim = Sim::start().await;
    let reply = sim
        .polardb(
            "DescribeAccounts",
            &[("DBClusterId", CLUSTER), ("AccountName", "ghost")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["Accounts"], serde_json::json!([]));
    assert_eq!(reply.json()["PageRecordCount"], 0);
}

#[tokio::test]
async fn describe_pages_through_many_accounts() {
    let accounts: Vec<Value> = (0..35)
        .map(|i| serde_json::json!({"name": format!("user{i:02}"), "type": "Normal"}))
        .collect();
    let fixture = serde_json::json!({"alicloud": {
        "credentials": [{"access_key_id": "LTAIsim", "access_key_secret": "sim-secret"}],
        "polardb": [{"db_cluster_id": CLUSTER, "accounts": accounts, "databases": ["shop"]}]
    }});
    let sim = Sim::with_fixture(&fixture.to_string()).await;
    let page = |number: &'static str, size: &'static str| {
        let sim = &sim;
        async move {
            let mut params = vec![("DBClusterId", CLUSTER), ("PageNumber", number)];
            if !size.is_empty() {
                params.push(("PageSize", size));
            }
            sim.polardb("DescribeAccounts", &params).await
        }
    };
    let first = page("1", "").await.json();
    assert_eq!(
        (
            first["PageNumber"].clone(),
            first["PageRecordCount"].clone()
        ),
        (1.into(), 30.into())
    );
    assert_eq!(first["Accounts"][0]["AccountName"], "user00");
    let second = page("2", "30").await.json();
    assert_eq!(
        (
            second["PageNumber"].clone(),
            second["PageRecordCount"].clone()
        ),
        (2.into(), 5.into())
    );
    assert_eq!(second["Accounts"][0]["AccountName"], "user30");
    let third = page("3", "30").await.json();
    assert_eq!(third["PageRecordCount"], 0);
    assert_eq!(page("1", "50").await.json()["PageRecordCount"], 35);
    assert_eq!(page("1", "100").await.json()["PageRecordCount"], 35);

    let reply = page("1", "20").await;
    let body = assert_alibaba_error(&reply, 400, "InvalidParameter");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("PageSize"));
    let reply = page("0", "30").await;
    assert_alibaba_error(&reply, 400, "InvalidParameter");
}

#[tokio::test]
async fn missing_parameters_are_named() {
    let sim = Sim::start().await;
    let reply = sim
        .polardb(
            "GrantAccountPrivilege",
            &[
                ("DBClusterId", CLUSTER),
                ("AccountName", "app"),
                ("AccountPrivilege", "ReadOnly"),
            ],
        )
        .await;
    let body = assert_alibaba_error(&reply, 400, "MissingParameter");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("DBName"));
    let reply = sim.polardb("DescribeAccounts", &[]).await;
    let body = assert_alibaba_error(&reply, 400, "MissingParameter");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("DBClusterId"));
    let reply = revoke(&sim, "app", "").await;
    assert_alibaba_error(&reply, 400, "MissingParameter");
}

#[tokio::test]
async fn unknown_parameters_are_named() {
    let sim = Sim::start().await;
    let reply = sim
        .polardb(
            "RevokeAccountPrivilege",
            &[
                ("DBClusterId", CLUSTER),
                ("AccountName", "app"),
                ("DBName", "shop"),
                ("Cascade", "true"),
            ],
        )
        .await;
    let body = assert_alibaba_error(&reply, 400, "InvalidParameter");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("Cascade"));
    // RegionId, which the SDKs add to most calls, is accepted.
    let reply = sim
        .polardb(
            "DescribeAccounts",
            &[("DBClusterId", CLUSTER), ("RegionId", "cn-hangzhou")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn unknown_cluster_account_and_database_are_not_found() {
    let sim = Sim::start().await;
    let reply = sim
        .polardb(
            "GrantAccountPrivilege",
            &[
                ("DBClusterId", "pc-nope"),
                ("AccountName", "app"),
                ("DBName", "shop"),
                ("AccountPrivilege", "ReadOnly"),
            ],
        )
        .await;
    assert_alibaba_error(&reply, 404, "InvalidDBCluster.NotFound");
    let reply = sim
        .polardb("DescribeAccounts", &[("DBClusterId", "pc-nope")])
        .await;
    assert_alibaba_error(&reply, 404, "InvalidDBCluster.NotFound");
    assert_alibaba_error(
        &grant(&sim, "ghost", "shop", "ReadOnly").await,
        404,
        "InvalidAccountName.NotFound",
    );
    assert_alibaba_error(
        &revoke(&sim, "ghost", "shop").await,
        404,
        "InvalidAccountName.NotFound",
    );
    assert_alibaba_error(
        &revoke(&sim, "app", "nope").await,
        404,
        "InvalidDBName.NotFound",
    );
    let body = assert_alibaba_error(
        &grant(&sim, "app", "shop,nope", "ReadOnly,ReadOnly").await,
        404,
        "InvalidDBName.NotFound",
    );
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("nope"));
    // The request is refused whole: shop was not granted either.
    assert!(sim.privileges("app").await.is_empty());
}

#[tokio::test]
async fn invalid_privileges_and_mismatched_lists_are_refused_whole() {
    let sim = Sim::start().await;
    let body = assert_alibaba_error(
        &grant(&sim, "app", "shop,logs", "ReadWrite,Everything").await,
        400,
        "InvalidAccountPrivilege.Malformed",
    );
    let message = body["Message"].as_str().unwrap_or_default();
    for allowed in ["ReadWrite", "ReadOnly", "DMLOnly", "DDLOnly", "ReadIndex"] {
        assert!(message.contains(allowed), "{message}");
    }
    let body = assert_alibaba_error(
        &grant(&sim, "app", "shop,logs", "ReadWrite").await,
        400,
        "InvalidParameter",
    );
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("AccountPrivilege"));
    assert_alibaba_error(
        &grant(&sim, "app", "shop,,logs", "ReadWrite,ReadOnly,ReadOnly").await,
        400,
        "InvalidParameter",
    );
    assert_alibaba_error(
        &grant(&sim, "app", "shop,shop", "ReadWrite,ReadOnly").await,
        400,
        "InvalidParameter",
    );
    assert!(sim.privileges("app").await.is_empty());
}

#[tokio::test]
async fn super_accounts_take_no_database_privileges() {
    let sim = Sim::start().await;
    assert_alibaba_error(
        &grant(&sim, "admin", "shop", "ReadOnly").await,
        403,
        "IncorrectAccountPrivilegeType",
    );
    assert_alibaba_error(
        &revoke(&sim, "admin", "shop").await,
        403,
        "IncorrectAccountPrivilegeType",
    );
}

#[tokio::test]
async fn an_account_being_created_cannot_change_until_available() {
    let fixture = serde_json::json!({"alicloud": {
        "credentials": [{"access_key_id": "LTAIsim", "access_key_secret": "sim-secret"}],
        "polardb": [{"db_cluster_id": CLUSTER, "databases": ["shop"], "accounts": [
            {"name": "fresh", "type": "Normal", "available_after_ms": 1500},
            {"name": "leaving", "type": "Normal", "status": "Deleting"}
        ]}]
    }});
    let sim = Sim::with_fixture(&fixture.to_string()).await;
    let reply = sim
        .polardb(
            "DescribeAccounts",
            &[("DBClusterId", CLUSTER), ("AccountName", "fresh")],
        )
        .await;
    assert_eq!(reply.json()["Accounts"][0]["AccountStatus"], "Creating");
    assert_alibaba_error(
        &grant(&sim, "fresh", "shop", "ReadOnly").await,
        400,
        "OperationDenied.AccountStatus",
    );
    assert_alibaba_error(
        &revoke(&sim, "leaving", "shop").await,
        400,
        "OperationDenied.AccountStatus",
    );

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let reply = sim
        .polardb(
            "DescribeAccounts",
            &[("DBClusterId", CLUSTER), ("AccountName", "fresh")],
        )
        .await;
    assert_eq!(reply.json()["Accounts"][0]["AccountStatus"], "Available");
    assert_eq!(grant(&sim, "fresh", "shop", "ReadOnly").await.status, 200);
}

#[tokio::test]
async fn unknown_actions_and_versions_are_refused() {
    let sim = Sim::start().await;
    let reply = sim
        .polardb("DeleteAccount", &[("DBClusterId", CLUSTER)])
        .await;
    assert_alibaba_error(&reply, 404, "InvalidAction.NotFound");
    let mut call =
        crate::support::alibaba::AcsV3::polardb("DescribeAccounts", &[("DBClusterId", CLUSTER)]);
    call.version = "2014-08-15".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_alibaba_error(&reply, 400, "InvalidVersion");
}

#[tokio::test]
async fn v1_signed_calls_work_by_query_and_by_form() {
    let sim = Sim::start().await;
    let call = AcsV1::polardb(
        "POST",
        "GrantAccountPrivilege",
        &[
            ("DBClusterId", CLUSTER),
            ("AccountName", "app"),
            ("DBName", "shop"),
            ("AccountPrivilege", "ReadWrite"),
        ],
    );
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let call = AcsV1::polardb(
        "GET",
        "DescribeAccounts",
        &[("DBClusterId", CLUSTER), ("AccountName", "app")],
    );
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json()["Accounts"][0]["DatabasePrivileges"][0]["AccountPrivilege"],
        "ReadWrite"
    );
}

#[tokio::test]
async fn v3_parameters_may_come_in_a_form_body() {
    let sim = Sim::start().await;
    let mut call = crate::support::alibaba::AcsV3::polardb(
        "GrantAccountPrivilege",
        &[("DBClusterId", CLUSTER)],
    );
    call.form = vec![
        ("AccountName".to_owned(), "app".to_owned()),
        ("DBName".to_owned(), "shop,logs".to_owned()),
        (
            "AccountPrivilege".to_owned(),
            "ReadOnly,ReadIndex".to_owned(),
        ),
    ];
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        sim.privileges("app").await,
        ["logs=ReadIndex", "shop=ReadOnly"]
    );
}
