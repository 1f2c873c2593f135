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
        })
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
    fn signed_request(
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
        let nonce = format!("{:032x}", fastrand::u128(..));
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
            date: OffsetDateTime::now_utc(),
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
