//! Test support: a small HTTP/1.1 client and request signers written from the vendors' docs.

pub mod alibaba;
pub mod client;
pub mod tencent;

use clouddb_sim::{Fixture, RunningSim, SimOptions};
use serde_json::Value;

pub use client::{Reply, Request};

/// A sim started in this process, with helpers to call it.
pub struct Sim {
    pub running: RunningSim,
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::with(Fixture::builtin(), SimOptions::default()).await
    }

    pub async fn with(fixture: Fixture, options: SimOptions) -> Sim {
        let running = clouddb_sim::start(fixture, options)
            .await
            .expect("start sim");
        Sim { running }
    }

    pub async fn with_fixture(json: &str) -> Sim {
        let fixture = Fixture::from_json(json).expect("fixture");
        Sim::with(fixture, SimOptions::default()).await
    }

    pub fn host(&self) -> String {
        self.running.addr().to_string()
    }

    /// Sends a prepared request; panics if the connection fails.
    pub async fn send(&self, request: &Request) -> Reply {
        self.try_send(request).await.expect("HTTP exchange")
    }

    pub async fn try_send(&self, request: &Request) -> std::io::Result<Reply> {
        client::send(self.running.addr(), request).await
    }

    /// A Tencent API 3.0 call of `service` at its served version, signed by the built-in key
    /// (with `X-TC-Region: ap-guangzhou`).
    pub async fn tencent(&self, service: &str, action: &str, body: &Value) -> Reply {
        let call = tencent::Tc3::new(
            service,
            action,
            tencent::version(service),
            &body.to_string(),
        );
        self.send(&call.to_request(&self.host())).await
    }

    /// A PolarDB call signed with ACS3-HMAC-SHA256 by the built-in key.
    pub async fn polardb(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let request = alibaba::AcsV3::polardb(action, params).to_request(&self.host());
        self.send(&request).await
    }

    pub async fn admin_get(&self, path: &str) -> Reply {
        self.send(&Request::new("GET", path, &self.host())).await
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> Reply {
        let request = Request::new("POST", path, &self.host())
            .header("content-type", "application/json")
            .body(body.to_string().into_bytes());
        self.send(&request).await
    }

    pub async fn admin_delete(&self, path: &str) -> Reply {
        self.send(&Request::new("DELETE", path, &self.host())).await
    }

    /// The privileges of a PolarDB account as DescribeAccounts reports them, `db=Privilege` sorted.
    pub async fn privileges(&self, account: &str) -> Vec<String> {
        let reply = self
            .polardb(
                "DescribeAccounts",
                &[("DBClusterId", "pc-sim00001"), ("AccountName", account)],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        let mut privileges: Vec<String> = body["Accounts"][0]["DatabasePrivileges"]
            .as_array()
            .expect("DatabasePrivileges")
            .iter()
            .map(|p| {
                format!(
                    "{}={}",
                    p["DBName"].as_str().unwrap_or_default(),
                    p["AccountPrivilege"].as_str().unwrap_or_default()
                )
            })
            .collect();
        privileges.sort();
        privileges
    }
}

/// Asserts an Alibaba error answer: status, code, and the five envelope fields.
pub fn assert_alibaba_error(reply: &Reply, status: u16, code: &str) -> Value {
    let body = reply.json();
    assert_eq!(
        (reply.status, body["Code"].as_str().unwrap_or_default()),
        (status, code),
        "{}",
        reply.text()
    );
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(body[field].is_string(), "missing {field} in {body}");
    }
    body
}

/// The `Response` of a successful Tencent answer; panics with the answer otherwise.
pub fn tencent_ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let response = body["Response"].clone();
    assert!(response["Error"].is_null(), "expected success: {body}");
    assert!(response["RequestId"].is_string(), "{body}");
    response
}

/// The code and message of a Tencent error answer; panics if the call succeeded.
pub fn tencent_error(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, 200, "Tencent answers errors with HTTP 200");
    let body = reply.json();
    let error = &body["Response"]["Error"];
    assert!(error.is_object(), "expected an error: {body}");
    assert!(body["Response"]["RequestId"].is_string(), "{body}");
    (
        error["Code"].as_str().unwrap_or_default().to_owned(),
        error["Message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Asserts a Tencent error's code and that its message mentions each of `words`.
pub fn assert_tencent_error(reply: &Reply, code: &str, words: &[&str]) {
    let (actual, message) = tencent_error(reply);
    assert_eq!(actual, code, "{message}");
    for word in words {
        assert!(message.contains(word), "`{word}` not in: {message}");
    }
}
