//! Alibaba Cloud RPC-style API client: v3-signed POST, parameters in the query, JSON answers.

pub mod polardb;
pub mod sign;

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::credentials::AlibabaCredentials;
use super::error::CloudError;
use super::json::{request_id_of, text_field};
use super::redact::Redactor;
use super::retry::Vendor;
use super::transport::{self, Call, Reply, Transport};

/// A client for one Alibaba product (code and API version) at one endpoint.
#[derive(Clone, Debug)]
pub struct RpcClient {
    transport: Transport,
    credentials: Arc<AlibabaCredentials>,
    redactor: Arc<Redactor>,
    product: &'static str,
    version: &'static str,
    endpoint: reqwest::Url,
    /// The date and nonce a request is signed with; fixed in tests, to pin signatures.
    stamp: fn() -> (OffsetDateTime, String),
}

/// Now, and a fresh random nonce.
fn fresh_stamp() -> (OffsetDateTime, String) {
    (
        OffsetDateTime::now_utc(),
        format!("{:032x}", fastrand::u128(..)),
    )
}

impl RpcClient {
    /// `default_endpoint` is used unless the credentials carry an `endpoint` override.
    pub fn new(
        transport: Transport,
        credentials: Arc<AlibabaCredentials>,
        product: &'static str,
        version: &'static str,
        default_endpoint: &str,
    ) -> Result<Self, CloudError> {
        let endpoint =
            transport::parse_endpoint(credentials.endpoint.as_deref().unwrap_or(default_endpoint))?;
        Ok(Self {
            transport,
            redactor: Arc::new(credentials.redactor()),
            credentials,
            product,
            version,
            endpoint,
            stamp: fresh_stamp,
        })
    }

    #[cfg(test)]
    pub(crate) fn with_stamp(self, stamp: fn() -> (OffsetDateTime, String)) -> Self {
        RpcClient { stamp, ..self }
    }

    pub fn endpoint(&self) -> &reqwest::Url {
        &self.endpoint
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn credentials(&self) -> &AlibabaCredentials {
        &self.credentials
    }

    /// Calls `action` with `params`, retrying transient failures until `deadline`.
    /// Returns the whole JSON answer (it includes `RequestId`).
    pub async fn call(
        &self,
        action: &str,
        params: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<Value, CloudError> {
        let call = Call {
            vendor: Vendor::Alibaba,
            service: self.product,
            action,
            deadline,
            redactor: &self.redactor,
        };
        self.transport
            .send(
                &call,
                |http| self.signed_request(http, action, params),
                |reply| parse_reply(action, reply),
            )
            .await
    }

    /// A freshly signed request: new date and nonce on every attempt.
    pub(crate) fn signed_request(
        &self,
        http: &reqwest::Client,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<reqwest::Request, CloudError> {
        let query = sign::canonical_query(params);
        let mut url = self.endpoint.clone();
        url.set_query(
            Some(&query)
                .filter(|query| !query.is_empty())
                .map(String::as_str),
        );
        let host = transport::host_header(&url);
        let (date, nonce) = (self.stamp)();
        let token = self
            .credentials
            .security_token
            .as_ref()
            .map(|token| token.expose());
        let request = sign::RpcRequest {
            method: "POST",
            host: &host,
            path: url.path(),
            action,
            version: self.version,
            query: params,
            body: b"",
            date,
            nonce: &nonce,
            security_token: token,
        };
        let headers = sign::sign_v3(
            &request,
            &self.credentials.access_key_id,
            self.credentials.access_key_secret.expose(),
        );
        headers
            .into_iter()
            .fold(http.post(url.clone()), |builder, (name, value)| {
                builder.header(name, value)
            })
            .build()
            .map_err(|error| CloudError::InvalidRequest {
                action: action.to_owned(),
                detail: format!("cannot build the request: {}", error.without_url()),
            })
    }
}

/// Success is a JSON object with HTTP 2xx; anything else is the error envelope
/// `{RequestId, HostId, Code, Message, Recommend}` or an unreadable answer.
pub fn parse_reply(action: &str, reply: &Reply) -> Result<Value, CloudError> {
    let json: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let header_request_id = reply
        .headers
        .get("x-acs-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let request_id = json.as_ref().and_then(request_id_of).or(header_request_id);
    let success = (200..300).contains(&reply.status);
    match json {
        Some(json) if success && json.is_object() => Ok(json),
        Some(json) if !success && json.get("Code").and_then(Value::as_str).is_some() => {
            Err(CloudError::Api {
                action: action.to_owned(),
                code: text_field(&json, "Code"),
                message: text_field(&json, "Message"),
                request_id: request_id.unwrap_or_default(),
            })
        }
        _ => Err(CloudError::InvalidResponse {
            action: action.to_owned(),
            detail: format!(
                "HTTP {}: {}",
                reply.status,
                transport::excerpt(&reply.body, 200)
            ),
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
    fn error_envelope_becomes_an_api_error() {
        let error = parse_reply(
            "GrantAccountPrivilege",
            &reply(
                404,
                r#"{"RequestId":"R-1","HostId":"polardb.aliyuncs.com","Code":"InvalidDBCluster.NotFound",
                    "Message":"The DBClusterId provided does not exist in our records.","Recommend":"https://x"}"#,
            ),
        )
        .expect_err("404");
        assert_eq!(
            error.missing(),
            Some(crate::cloud::error::Missing::Instance)
        );
        assert_eq!(error.request_id(), Some("R-1"));
        assert_eq!(
            error.to_string(),
            "GrantAccountPrivilege failed: InvalidDBCluster.NotFound: \
             The DBClusterId provided does not exist in our records. (RequestId: R-1)"
        );
    }

    /// The date and nonce of the vendor's published v3 example.
    fn fixed_stamp() -> (OffsetDateTime, String) {
        let date = OffsetDateTime::from_unix_timestamp(1_698_315_752).expect("date");
        (date, "3156853299f313e23d1673dc12e1703d".to_owned())
    }

    /// A request signed with a fixed date and nonce carries the signature computed for it
    /// outside this code base (Python's hmac and hashlib over the same canonical request).
    #[test]
    fn a_request_signed_with_a_fixed_stamp_carries_a_pinned_signature() {
        let credentials = AlibabaCredentials {
            access_key_id: "LTAIsim".into(),
            access_key_secret: crate::cloud::credentials::Secret::new("sim-secret"),
            security_token: Some(crate::cloud::credentials::Secret::new("sts-token")),
            region: "cn-hangzhou".into(),
            endpoint: None,
        };
        let client = RpcClient::new(
            crate::cloud::testing::fast_transport(),
            Arc::new(credentials),
            "polardb",
            "2017-08-01",
            "https://polardb.aliyuncs.com",
        )
        .expect("client")
        .with_stamp(fixed_stamp);
        let params = [("DBClusterId", "pc-sim00001"), ("AccountName", "app b")];
        let request = client
            .signed_request(&reqwest::Client::new(), "DescribeAccounts", &params)
            .expect("request");
        let header = |name: &str| crate::cloud::testing::header_of(&request, name);
        assert_eq!(
            request.url().as_str(),
            "https://polardb.aliyuncs.com/?AccountName=app%20b&DBClusterId=pc-sim00001"
        );
        assert_eq!(header("x-acs-date"), "2023-10-26T10:22:32Z");
        assert_eq!(header("x-acs-security-token"), "sts-token");
        assert_eq!(
            header("authorization"),
            "ACS3-HMAC-SHA256 Credential=LTAIsim,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=9b33563d0a2cb135fa8c3a6c5ca90ca097c948aae4feed495fd3294dd1dd03d8"
        );
    }

    #[test]
    fn success_is_the_json_object() {
        let value = parse_reply(
            "GrantAccountPrivilege",
            &reply(200, r#"{"RequestId":"R-2"}"#),
        )
        .expect("ok");
        assert_eq!(value["RequestId"], "R-2");
    }

    #[test]
    fn unreadable_answers_are_invalid_responses() {
        let gateway = parse_reply("DescribeAccounts", &reply(502, "<html>Bad Gateway</html>"))
            .expect_err("502");
        assert!(matches!(gateway, CloudError::InvalidResponse { .. }));
        assert!(gateway.to_string().contains("HTTP 502"));
        let not_object = parse_reply("DescribeAccounts", &reply(200, "[1]")).expect_err("array");
        assert!(matches!(not_object, CloudError::InvalidResponse { .. }));
    }
}
