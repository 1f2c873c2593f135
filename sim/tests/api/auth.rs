//! Alibaba signature checks over HTTP: what a real endpoint refuses, the sim refuses.

use time::OffsetDateTime;

use crate::support::alibaba::{AcsV1, AcsV3};
use crate::support::{assert_alibaba_error, Sim};

fn describe() -> AcsV3 {
    AcsV3::polardb("DescribeAccounts", &[("DBClusterId", "pc-sim00001")])
}

#[tokio::test]
async fn a_wrong_secret_does_not_match_and_the_answer_shows_the_string_to_sign() {
    let sim = Sim::start().await;
    let mut call = describe();
    call.secret = "not-the-secret".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    let body = assert_alibaba_error(&reply, 400, "SignatureDoesNotMatch");
    let message = body["Message"].as_str().unwrap_or_default();
    assert!(message.contains("ACS3-HMAC-SHA256\\n"), "{message}");
    assert!(
        message.contains("x-acs-action:DescribeAccounts"),
        "{message}"
    );
}

#[tokio::test]
async fn a_parameter_changed_after_signing_does_not_match() {
    let sim = Sim::start().await;
    let mut request = describe().to_request(&sim.host());
    request.target = request.target.replace("pc-sim00001", "pc-sim00002");
    assert_alibaba_error(&sim.send(&request).await, 400, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn the_content_hash_must_be_the_bodys() {
    let sim = Sim::start().await;
    let mut call = AcsV3::polardb("DescribeAccounts", &[]);
    call.form = vec![("DBClusterId".to_owned(), "pc-sim00001".to_owned())];
    let mut request = call.to_request(&sim.host());
    request.body = b"DBClusterId=pc-sim00002".to_vec();
    let body = assert_alibaba_error(&sim.send(&request).await, 400, "SignatureDoesNotMatch");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("x-acs-content-sha256"));
}

#[tokio::test]
async fn an_unknown_access_key_is_not_found() {
    let sim = Sim::start().await;
    let mut call = describe();
    call.key_id = "LTAInobody".to_owned();
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_alibaba_error(&reply, 404, "InvalidAccessKeyId.NotFound");
}

#[tokio::test]
async fn timestamps_more_than_fifteen_minutes_off_are_illegal() {
    let sim = Sim::start().await;
    for minutes in [-16, 16] {
        let mut call = describe();
        call.date = OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
        let reply = sim.send(&call.to_request(&sim.host())).await;
        assert_alibaba_error(&reply, 400, "IllegalTimestamp");
    }
    let mut call = describe();
    call.date = OffsetDateTime::now_utc() - time::Duration::minutes(14);
    assert_eq!(sim.send(&call.to_request(&sim.host())).await.status, 200);

    let mut call = AcsV1::polardb("GET", "DescribeAccounts", &[("DBClusterId", "pc-sim00001")]);
    call.date = OffsetDateTime::now_utc() - time::Duration::minutes(20);
    assert_alibaba_error(
        &sim.send(&call.to_request(&sim.host())).await,
        400,
        "IllegalTimestamp",
    );
}

#[tokio::test]
async fn a_nonce_is_good_for_one_request() {
    let sim = Sim::start().await;
    let request = describe().to_request(&sim.host());
    assert_eq!(sim.send(&request).await.status, 200);
    assert_alibaba_error(&sim.send(&request).await, 400, "SignatureNonceUsed");

    let v1 = AcsV1::polardb("GET", "DescribeAccounts", &[("DBClusterId", "pc-sim00001")])
        .to_request(&sim.host());
    assert_eq!(sim.send(&v1).await.status, 200);
    assert_alibaba_error(&sim.send(&v1).await, 400, "SignatureNonceUsed");
}

#[tokio::test]
async fn missing_auth_pieces_are_named() {
    let sim = Sim::start().await;
    let mut request = describe().to_request(&sim.host());
    request.set_header("authorization", None);
    assert_alibaba_error(&sim.send(&request).await, 400, "IncompleteSignature");

    let mut request = describe().to_request(&sim.host());
    request.set_header("x-acs-date", None);
    let body = assert_alibaba_error(&sim.send(&request).await, 400, "MissingParameter");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("x-acs-date"));

    let mut request = describe().to_request(&sim.host());
    request.set_header("x-acs-version", None);
    assert_alibaba_error(&sim.send(&request).await, 400, "MissingParameter");

    let mut request = describe().to_request(&sim.host());
    request.set_header(
        "authorization",
        Some("ACS3-HMAC-SHA256 Credential=LTAIsim,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"),
    );
    assert_alibaba_error(&sim.send(&request).await, 400, "IncompleteSignature");

    let mut v1 = AcsV1::polardb("GET", "DescribeAccounts", &[("DBClusterId", "pc-sim00001")])
        .to_request(&sim.host());
    let without_signature: Vec<&str> = v1
        .target
        .trim_start_matches("/?")
        .split('&')
        .filter(|pair| !pair.starts_with("Signature="))
        .collect();
    v1.target = format!("/?{}", without_signature.join("&"));
    assert_alibaba_error(&sim.send(&v1).await, 400, "IncompleteSignature");
}

#[tokio::test]
async fn sts_keys_need_their_token() {
    let fixture = serde_json::json!({"alicloud": {
        "credentials": [{"access_key_id": "STS.sim", "access_key_secret": "s", "security_token": "tok"}],
        "polardb": [{"db_cluster_id": "pc-sim00001"}]
    }});
    let sim = Sim::with_fixture(&fixture.to_string()).await;
    let mut call = describe();
    call.key_id = "STS.sim".to_owned();
    call.secret = "s".to_owned();
    assert_alibaba_error(
        &sim.send(&call.to_request(&sim.host())).await,
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
    );
    call.nonce = crate::support::alibaba::new_nonce();
    call.token = Some("tok".to_owned());
    let reply = sim.send(&call.to_request(&sim.host())).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn requests_that_are_no_vendor_call_get_a_plain_404() {
    let sim = Sim::start().await;
    let reply = sim.admin_get("/some/where").await;
    assert_eq!(reply.status, 404);
    assert!(reply.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("not a vendor API request"));
}
