//! Tencent Cloud API 3.0 over HTTP: TC3 signature checks and the error envelope.

use time::OffsetDateTime;

use crate::support::tencent::Tc3;
use crate::support::{Reply, Sim};

fn modify() -> Tc3 {
    Tc3::new(
        "cdb",
        "ModifyAccountPrivileges",
        "2017-03-20",
        r#"{"InstanceId": "cdb-sim00001", "Accounts": [{"User": "app", "Host": "%"}]}"#,
    )
}

fn error_code(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "Tencent answers errors with HTTP 200");
    let body = reply.json();
    assert!(body["Response"]["RequestId"].is_string(), "{body}");
    assert!(body["Response"]["Error"]["Message"].is_string(), "{body}");
    body["Response"]["Error"]["Code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_well_signed_call_of_an_action_not_served_is_invalid_action() {
    let sim = Sim::start().await;
    let mut call = modify();
    call.action = "DeleteAccounts".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(error_code(&reply), "InvalidAction");
    let log = sim.admin_get("/_sim/requests").await.json();
    let entry = &log[0];
    assert_eq!(entry["vendor"], "tencentcloud");
    assert_eq!(entry["service"], "cdb");
    assert_eq!(entry["action"], "DeleteAccounts");
    assert_eq!(entry["error_code"], "InvalidAction");
    assert_eq!(entry["params"]["InstanceId"], "cdb-sim00001");

    let mut call = modify();
    call.service = "dcdb".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(error_code(&reply), "InvalidAction");
}

#[tokio::test]
async fn a_served_action_of_another_version_is_no_such_version() {
    let sim = Sim::start().await;
    let mut call = modify();
    call.version = "2019-07-22".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(error_code(&reply), "NoSuchVersion");
}

#[tokio::test]
async fn tc3_signatures_are_checked() {
    let sim = Sim::start().await;

    let mut call = modify();
    call.secret_key = "wrong".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(error_code(&reply), "AuthFailure.SignatureFailure");

    let mut call = modify();
    call.secret_id = "AKIDnobody".to_owned();
    assert_eq!(
        error_code(&sim.send(&call.to_request(&sim.host())).await),
        "AuthFailure.SecretIdNotFound"
    );

    let mut call = modify();
    call.at = OffsetDateTime::now_utc() - time::Duration::minutes(6);
    assert_eq!(
        error_code(&sim.send(&call.to_request(&sim.host())).await),
        "AuthFailure.SignatureExpire"
    );

    let mut request = modify().to_request(&sim.host());
    request.body = br#"{"InstanceId": "cdb-other"}"#.to_vec();
    assert_eq!(
        error_code(&sim.send(&request).await),
        "AuthFailure.SignatureFailure"
    );

    let mut request = modify().to_request(&sim.host());
    request.set_header("authorization", Some("TC3-HMAC-SHA256 garbage"));
    assert_eq!(
        error_code(&sim.send(&request).await),
        "AuthFailure.InvalidAuthorization"
    );

    let mut request = modify().to_request(&sim.host());
    request.set_header("x-tc-action", None);
    assert_eq!(error_code(&sim.send(&request).await), "MissingParameter");

    let mut call = modify();
    call.token = Some("stray".to_owned());
    assert_eq!(
        error_code(&sim.send(&call.to_request(&sim.host())).await),
        "AuthFailure.TokenFailure"
    );
}

#[tokio::test]
async fn temporary_secret_ids_need_their_token() {
    let fixture = serde_json::json!({"tencentcloud": {
        "credentials": [{"secret_id": "AKIDtmp", "secret_key": "k", "token": "tok"}]
    }});
    let sim = Sim::with_fixture(&fixture.to_string()).await;
    let mut call = modify();
    call.secret_id = "AKIDtmp".to_owned();
    call.secret_key = "k".to_owned();
    assert_eq!(
        error_code(&sim.send(&call.to_request(&sim.host())).await),
        "AuthFailure.TokenFailure"
    );
    call.token = Some("tok".to_owned());
    // Authenticated: the answer is about the action, not the credentials.
    assert_eq!(
        error_code(&sim.send(&call.to_request(&sim.host())).await),
        "InvalidParameter.InstanceNotFound"
    );
}
