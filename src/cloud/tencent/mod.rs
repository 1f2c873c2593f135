//! Tencent Cloud API 3.0 client: TC3-signed JSON POST to `<service>.tencentcloudapi.com`.

pub mod cdb;
pub mod legacy;
pub mod mariadb;
pub mod poll;
pub mod postgres;
pub mod sign;

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::credentials::TencentCredentials;
use super::error::CloudError;
use super::json::{request_id_of, text_field};
use super::redact::Redactor;
use super::retry::Vendor;
use super::transport::{self, Call, Location, Reply, Transport};

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// One API 3.0 client for every Tencent service (`postgres`, `cdb`, `mariadb`, `dcdb`).
#[derive(Clone, Debug)]
pub struct TencentClient {
    transport: Transport,
    credentials: Arc<TencentCredentials>,
    redactor: Arc<Redactor>,
    /// The `endpoint` override: every service at this base URL.
    endpoint_override: Option<reqwest::Url>,
    /// The time a request is signed at; fixed in tests, to pin signatures.
    clock: fn() -> OffsetDateTime,
}

impl TencentClient {
    pub fn new(transport: Transport, credentials: TencentCredentials) -> Result<Self, CloudError> {
        let endpoint_override = credentials
            .endpoint
            .as_deref()
            .map(transport::parse_endpoint)
            .transpose()?;
        Ok(Self {
            transport,
            redactor: Arc::new(credentials.redactor()),
            credentials: Arc::new(credentials),
            endpoint_override,
            clock: OffsetDateTime::now_utc,
        })
    }

    #[cfg(test)]
    fn with_clock(self, clock: fn() -> OffsetDateTime) -> Self {
        TencentClient { clock, ..self }
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn credentials(&self) -> &TencentCredentials {
        &self.credentials
    }

    /// Removes this client's secrets from text the vendor sent, e.g. a task's `Info`.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// The base URL of a service: the override, or `https://<service>.tencentcloudapi.com/`.
    pub fn endpoint(&self, service: &str) -> Result<reqwest::Url, CloudError> {
        match &self.endpoint_override {
            Some(url) => Ok(url.clone()),
            None => transport::parse_endpoint(&format!("https://{service}.tencentcloudapi.com/")),
        }
    }

    /// Where calls of `service` go.
    pub fn location(&self, service: &str) -> Location {
        Location {
            region: self.credentials.region.clone(),
            endpoint: self
                .endpoint(service)
                .map_or_else(|error| error.to_string(), |url| url.to_string()),
        }
    }

    /// Holds the lock of one account (e.g. `cdb/cdb-xxx/app@%`) until the guard is dropped.
    pub async fn lock_account(&self, key: String) -> tokio::sync::OwnedMutexGuard<()> {
        self.transport.locks().lock(key).await
    }

    /// Looks at the asynchronous task `task_id` of `service` with `action` and `params`. Looks at
    /// one task made at once share one call: the resources of a merged change wait for the same
    /// task on the same schedule. Only task looks come here, never a read that must see a change.
    pub async fn look_at_task(
        &self,
        service: &str,
        version: &str,
        action: &str,
        task_id: &str,
        params: Value,
        deadline: Instant,
    ) -> Result<Value, CloudError> {
        self.transport
            .task_looks()
            .join(format!("{service}/{task_id}"), || {
                self.call(service, version, action, None, params, deadline)
            })
            .await
    }

    /// Calls `action` of `service` with JSON `params`, retrying transient failures until
    /// `deadline`. `region` falls back to the credentials' region; no region sends no
    /// `X-TC-Region` (cdb ModifyAccountPrivileges does not need one). Returns the `Response`
    /// object (it includes `RequestId`).
    pub async fn call(
        &self,
        service: &str,
        version: &str,
        action: &str,
        region: Option<&str>,
        params: Value,
        deadline: Instant,
    ) -> Result<Value, CloudError> {
        let endpoint = self.endpoint(service)?;
        let body = serde_json::to_vec(&params).map_err(|error| CloudError::InvalidRequest {
            action: action.to_owned(),
            detail: format!("cannot encode the parameters: {error}"),
        })?;
        let region = region.or(self.credentials.region.as_deref());
        let call = Call {
            vendor: Vendor::Tencent,
            service,
            action,
            deadline,
            redactor: &self.redactor,
        };
        let target = Target {
            endpoint: &endpoint,
            service,
            version,
            action,
            region,
        };
        self.transport
            .send(
                &call,
                |http| self.signed_request(http, &target, &body),
                |reply| parse_reply(action, reply),
            )
            .await
    }

    /// A freshly signed request: the timestamp is taken on every attempt.
    fn signed_request(
        &self,
        http: &reqwest::Client,
        target: &Target<'_>,
        body: &[u8],
    ) -> Result<reqwest::Request, CloudError> {
        let now = (self.clock)();
        let host = transport::host_header(target.endpoint);
        let authorization = sign::sign(
            &sign::Tc3Request {
                method: "POST",
                host: &host,
                canonical_query: "",
                content_type: CONTENT_TYPE,
                payload: body,
                service: target.service,
                time: now,
            },
            &self.credentials.secret_id,
            self.credentials.secret_key.expose(),
        );
        let mut builder = http
            .post(target.endpoint.clone())
            .header("content-type", CONTENT_TYPE)
            .header("authorization", authorization)
            .header("x-tc-action", target.action)
            .header("x-tc-version", target.version)
            .header("x-tc-timestamp", now.unix_timestamp().to_string())
            .header("x-tc-language", "en-US");
        if let Some(region) = target.region {
            builder = builder.header("x-tc-region", region);
        }
        if let Some(token) = &self.credentials.security_token {
            builder = builder.header("x-tc-token", token.expose());
        }
        builder
            .body(body.to_vec())
            .build()
            .map_err(|error| CloudError::InvalidRequest {
                action: target.action.to_owned(),
                detail: format!("cannot build the request: {}", error.without_url()),
            })
    }
}

/// Where one call goes.
struct Target<'a> {
    endpoint: &'a reqwest::Url,
    service: &'a str,
    version: &'a str,
    action: &'a str,
    region: Option<&'a str>,
}

/// `{"Response": {...}}` is success unless it holds `Error {Code, Message}`; both come with
/// HTTP 200. Anything else is an unreadable answer (a 5xx one is retried).
pub fn parse_reply(action: &str, reply: &Reply) -> Result<Value, CloudError> {
    let response = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|mut json| json.get_mut("Response").map(Value::take))
        .filter(Value::is_object);
    let Some(response) = response else {
        return Err(CloudError::InvalidResponse {
            action: action.to_owned(),
            detail: format!(
                "HTTP {}: {}",
                reply.status,
                transport::excerpt(&reply.body, 200)
            ),
            request_id: None,
        });
    };
    let request_id = request_id_of(&response);
    match response.get("Error") {
        Some(error) => Err(CloudError::Api {
            action: action.to_owned(),
            code: text_field(error, "Code"),
            message: text_field(error, "Message"),
            request_id: request_id.unwrap_or_default(),
        }),
        None if (200..300).contains(&reply.status) => Ok(response),
        None => Err(CloudError::InvalidResponse {
            action: action.to_owned(),
            detail: format!("HTTP {} without an Error", reply.status),
            request_id,
        }),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn error_inside_response_becomes_an_api_error() {
        let error = parse_reply(
            "ModifyAccountPrivileges",
            &reply(
                200,
                r#"{"Response":{"Error":{"Code":"InvalidParameterValue.UserNotExistError",
                    "Message":"user not exist"},"RequestId":"T-1"}}"#,
            ),
        )
        .expect_err("error");
        assert_eq!(error.missing(), Some(crate::cloud::error::Missing::Account));
        assert_eq!(
            error.code(),
            Some("InvalidParameterValue.UserNotExistError")
        );
        assert_eq!(error.request_id(), Some("T-1"));
    }

    #[test]
    fn success_returns_the_response_object() {
        let response = parse_reply(
            "ModifyAccountPrivileges",
            &reply(
                200,
                r#"{"Response":{"AsyncRequestId":"a-1","RequestId":"T-2"}}"#,
            ),
        )
        .expect("ok");
        assert_eq!(response["AsyncRequestId"], "a-1");
    }

    #[test]
    fn missing_response_is_an_invalid_response() {
        let error = parse_reply("X", &reply(200, r#"{"code":0}"#)).expect_err("shape");
        assert!(matches!(error, CloudError::InvalidResponse { .. }));
    }

    mod against_a_server {
        use std::time::Duration;

        use super::super::*;
        use crate::cloud::credentials::Secret;
        use crate::cloud::testing::{fast_transport, header_of, Answer, MockServer};

        /// A client with an STS key, at `endpoint` (or Tencent's own endpoints).
        fn client_at(endpoint: Option<String>) -> TencentClient {
            TencentClient::new(
                fast_transport(),
                TencentCredentials {
                    secret_id: "AKIDsim".into(),
                    secret_key: Secret::new("sim-secret"),
                    security_token: Some(Secret::new("sts")),
                    region: Some("ap-guangzhou".into()),
                    endpoint,
                    legacy_api: false,
                },
            )
            .expect("client")
        }

        fn client(server: &MockServer) -> TencentClient {
            client_at(Some(server.base_url.clone()))
        }

        /// A fixed signing time: 2019-02-25 23:24:25 UTC.
        fn fixed_time() -> OffsetDateTime {
            OffsetDateTime::from_unix_timestamp(1_551_137_065).expect("time")
        }

        /// A request signed at a fixed time carries the signature computed for it outside this
        /// code base (Python's hmac and hashlib over the same canonical request).
        #[test]
        fn a_request_signed_at_a_fixed_time_carries_a_pinned_signature() {
            let tencent = client_at(None).with_clock(fixed_time);
            let endpoint = tencent.endpoint("cdb").expect("endpoint");
            let body = br#"{"InstanceId":"cdb-sim00001"}"#;
            let target = Target {
                endpoint: &endpoint,
                service: "cdb",
                version: "2017-03-20",
                action: "DescribeAccounts",
                region: Some("ap-guangzhou"),
            };
            let request = tencent
                .signed_request(&reqwest::Client::new(), &target, body)
                .expect("request");
            let header = |name: &str| header_of(&request, name);
            assert_eq!(request.url().as_str(), "https://cdb.tencentcloudapi.com/");
            assert_eq!(header("x-tc-timestamp"), "1551137065");
            assert_eq!(header("x-tc-token"), "sts");
            assert_eq!(
                header("authorization"),
                "TC3-HMAC-SHA256 Credential=AKIDsim/2019-02-25/cdb/tc3_request, SignedHeaders=content-type;host, Signature=ec6623af28310910a3952a0c5e90d906b095691d96e463d546bd29c95d165e44"
            );
        }

        #[tokio::test]
        async fn call_sends_a_signed_json_post_and_returns_the_response() {
            let server = MockServer::start(|_| {
                Answer::new(
                    200,
                    r#"{"Response":{"AsyncRequestId":"async-1","RequestId":"T-OK"}}"#,
                )
            })
            .await;
            let params = serde_json::json!({
                "InstanceId": "cdb-sim00001",
                "Accounts": [{"User": "app", "Host": "%"}],
                "GlobalPrivileges": ["SELECT"],
            });
            let response = client(&server)
                .call(
                    "cdb",
                    "2017-03-20",
                    "ModifyAccountPrivileges",
                    None,
                    params.clone(),
                    Instant::now() + Duration::from_secs(5),
                )
                .await
                .expect("call");
            assert_eq!(response["AsyncRequestId"], "async-1");

            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            let request = &requests[0];
            assert_eq!(request.method, "POST");
            assert_eq!(request.path, "/");
            assert_eq!(
                serde_json::from_slice::<Value>(&request.body).expect("json body"),
                params
            );
            assert_eq!(
                request.header("x-tc-action"),
                Some("ModifyAccountPrivileges")
            );
            assert_eq!(request.header("x-tc-version"), Some("2017-03-20"));
            assert_eq!(request.header("x-tc-region"), Some("ap-guangzhou"));
            assert_eq!(request.header("x-tc-token"), Some("sts"));
            assert_eq!(request.header("content-type"), Some(CONTENT_TYPE));
            assert!(
                request.header("authorization").is_some_and(
                    |a| a.contains("/cdb/tc3_request, SignedHeaders=content-type;host, ")
                )
            );
        }

        #[tokio::test]
        async fn error_response_and_retryable_codes() {
            let server = MockServer::start(|request| {
                let region = request.header("x-tc-region").unwrap_or_default();
                let code = if region == "ap-shanghai" {
                    "RequestLimitExceeded"
                } else {
                    "ResourceNotFound.InstanceNotFoundError"
                };
                Answer::new(
                    200,
                    format!(
                        r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"T-ERR"}}}}"#
                    ),
                )
            })
            .await;
            let tencent = client(&server);
            let not_found = tencent
                .call(
                    "postgres",
                    "2017-03-12",
                    "DescribeAccounts",
                    None,
                    serde_json::json!({"DBInstanceId": "postgres-x"}),
                    Instant::now() + Duration::from_secs(5),
                )
                .await
                .expect_err("not found");
            assert_eq!(
                not_found.missing(),
                Some(crate::cloud::error::Missing::Instance)
            );
            assert_eq!(not_found.request_id(), Some("T-ERR"));
            assert_eq!(server.requests().len(), 1, "not-found is not retried");

            let throttled = tencent
                .call(
                    "postgres",
                    "2017-03-12",
                    "DescribeAccounts",
                    Some("ap-shanghai"),
                    serde_json::json!({}),
                    Instant::now() + Duration::from_millis(150),
                )
                .await
                .expect_err("always throttled");
            assert!(
                matches!(throttled, CloudError::Timeout { .. }),
                "{throttled:?}"
            );
            assert!(server.requests().len() > 3, "throttling is retried");
        }
    }
}
