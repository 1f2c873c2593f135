//! Tencent Cloud legacy API v2 (`<product>.api.qcloud.com/v2/index.php`): the signature
//! (HmacSHA256 or HmacSHA1 over the raw sorted parameters), and calls in either envelope.
//!
//! Facts this client relies on (docs/architecture.md, "The legacy v2 actions"):
//! - Every parameter, the common ones (`Action`, `Region`, `Timestamp`, `Nonce`, `SecretId`,
//!   `SignatureMethod`, `Token`) among them, travels in the query (GET) or a form body (POST,
//!   which writes use); lists are flattened from 0 (`dbPriv.0.priv.1`). A fresh timestamp and
//!   nonce sign every attempt.
//! - cdb's action answers `{code, message, codeDesc, data}` (a `code` other than 0, a number
//!   or text, is an error); TDSQL's answers API 3.0's `{"Response": {...}}`.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;
use sha2::Sha256;
use tokio::time::Instant;

use super::{parse_reply, TencentClient};
use crate::cloud::error::CloudError;
use crate::cloud::json::text_field;
use crate::cloud::percent;
use crate::cloud::retry::Vendor;
use crate::cloud::transport::{self, Call, Reply};

/// Where v2 calls go, under the product's host or the `endpoint` override.
pub const PATH: &str = "/v2/index.php";

/// How a v2 action answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// cdb's `{code, message, codeDesc, data}`.
    CodeMessage,
    /// TDSQL's `{"Response": {...}}`, as API 3.0.
    Response,
}

/// How the parameters travel: in the query (GET) or a form body (POST, what writes use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V2Method {
    Get,
    Post,
}

/// One v2 call: the product's host (`cdb`, `tdsql`), the service its rate is kept under, the
/// action, and its own parameters, flattened.
pub struct V2Call<'a> {
    pub product: &'a str,
    pub service: &'a str,
    pub action: &'a str,
    pub params: Vec<(String, String)>,
    pub envelope: Envelope,
    pub method: V2Method,
}

/// `SignatureMethod`; when the parameter is absent the server assumes HmacSHA1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureMethod {
    HmacSha256,
    HmacSha1,
}

impl SignatureMethod {
    /// The value of the `SignatureMethod` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha256 => "HmacSHA256",
            Self::HmacSha1 => "HmacSHA1",
        }
    }
}

/// `METHOD + host + path + "?" + k=v&…`: every parameter except `Signature`, sorted by name
/// (byte order), with RAW values — the wire encodes them, the signature does not.
pub fn string_to_sign(method: &str, host: &str, path: &str, params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(name, _)| *name != "Signature")
        .collect();
    sorted.sort();
    let joined = sorted
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    format!("{}{host}{path}?{joined}", method.to_ascii_uppercase())
}

/// Base64(HMAC(SecretKey, string to sign)); URL-encode it on the wire.
pub fn signature(secret_key: &str, string_to_sign: &str, method: SignatureMethod) -> String {
    let digest = match method {
        SignatureMethod::HmacSha256 => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_bytes())
                .expect("HMAC accepts keys of any length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha1 => {
            let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret_key.as_bytes())
                .expect("HMAC accepts keys of any length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    base64::engine::general_purpose::STANDARD.encode(digest)
}

impl TencentClient {
    /// The v2 URL of a product: `<endpoint>/v2/index.php`, or
    /// `https://<product>.api.qcloud.com/v2/index.php`.
    pub fn legacy_url(&self, product: &str) -> Result<reqwest::Url, CloudError> {
        let base = match &self.endpoint_override {
            Some(url) => url.clone(),
            None => transport::parse_endpoint(&format!("https://{product}.api.qcloud.com/"))?,
        };
        base.join(PATH.trim_start_matches('/'))
            .map_err(|error| CloudError::Config {
                detail: format!("cannot build the legacy API URL: {error}"),
            })
    }

    /// Sends a v2 call, signed afresh on every attempt, until it succeeds, fails for good, or
    /// `deadline` passes. Returns the answer (the whole body, or the `Response` object).
    pub async fn call_v2(&self, call: V2Call<'_>, deadline: Instant) -> Result<Value, CloudError> {
        let url = self.legacy_url(call.product)?;
        let transport_call = Call {
            vendor: Vendor::Tencent,
            service: call.service,
            action: call.action,
            deadline,
            redactor: &self.redactor,
        };
        let action = call.action;
        self.transport
            .send(
                &transport_call,
                |http| self.signed_v2_request(http, &url, &call),
                |reply| match call.envelope {
                    Envelope::CodeMessage => parse_code_message(action, reply),
                    Envelope::Response => parse_reply(action, reply),
                },
            )
            .await
    }

    fn signed_v2_request(
        &self,
        http: &reqwest::Client,
        url: &reqwest::Url,
        call: &V2Call<'_>,
    ) -> Result<reqwest::Request, CloudError> {
        let timestamp = (self.clock)().unix_timestamp().to_string();
        let nonce = fastrand::u32(1..).to_string();
        let credentials = &self.credentials;
        let mut params: Vec<(&str, &str)> = call
            .params
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        params.extend([
            ("Action", call.action),
            ("Timestamp", timestamp.as_str()),
            ("Nonce", nonce.as_str()),
            ("SecretId", credentials.secret_id.as_str()),
            ("SignatureMethod", SignatureMethod::HmacSha256.as_str()),
        ]);
        if let Some(region) = &credentials.region {
            params.push(("Region", region));
        }
        if let Some(token) = &credentials.security_token {
            params.push(("Token", token.expose()));
        }
        let host = transport::host_header(url);
        let method = match call.method {
            V2Method::Get => "GET",
            V2Method::Post => "POST",
        };
        let text = string_to_sign(method, &host, url.path(), &params);
        let signed = signature(
            credentials.secret_key.expose(),
            &text,
            SignatureMethod::HmacSha256,
        );
        params.push(("Signature", &signed));
        let encoded: Vec<String> = params
            .iter()
            .map(|(key, value)| format!("{}={}", percent::encode(key), percent::encode(value)))
            .collect();
        let encoded = encoded.join("&");
        let request = match call.method {
            V2Method::Get => {
                let mut url = url.clone();
                url.set_query(Some(&encoded));
                http.get(url)
            }
            V2Method::Post => http
                .post(url.clone())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded),
        };
        request.build().map_err(|error| CloudError::InvalidRequest {
            action: call.action.to_owned(),
            detail: format!("cannot build the request: {}", error.without_url()),
        })
    }
}

/// `{code: 0, ...}` is success; any other `code` (a number or text) is an error named by its
/// `codeDesc` (which says what the number means, e.g. `InstanceNotExists` for 9572).
fn parse_code_message(action: &str, reply: &Reply) -> Result<Value, CloudError> {
    let body: Option<Value> = serde_json::from_slice(&reply.body)
        .ok()
        .filter(Value::is_object);
    let Some(body) = body else {
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
    let code = match body.get("code") {
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) => text.clone(),
        _ => {
            return Err(CloudError::InvalidResponse {
                action: action.to_owned(),
                detail: "no code in the answer".to_owned(),
                request_id: None,
            })
        }
    };
    if code == "0" {
        return Ok(body);
    }
    let description = text_field(&body, "codeDesc");
    Err(CloudError::Api {
        action: action.to_owned(),
        code: if description.is_empty() {
            code.clone()
        } else {
            description
        },
        message: format!("{} (code {code})", text_field(&body, "message")),
        request_id: String::new(),
    })
}

/// Flattens a list of lists the v2 way: `name.0`, `name.1`, ...
pub fn flatten_values(name: &str, values: &[String]) -> Vec<(String, String)> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| (format!("{name}.{index}"), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";

    fn params(method: Option<SignatureMethod>) -> Vec<(&'static str, &'static str)> {
        let mut params = vec![
            ("limit", "20"),
            ("offset", "0"),
            ("instanceIds.0", "ins-09dx96dg"),
            ("Timestamp", "1465185768"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"),
            ("Region", "gz"),
            ("Nonce", "11886"),
            ("Action", "DescribeInstances"),
        ];
        if let Some(method) = method {
            params.push(("SignatureMethod", method.as_str()));
        }
        params
    }

    #[test]
    fn hmac_sha256_vector() {
        let string = string_to_sign(
            "GET",
            "cvm.api.qcloud.com",
            "/v2/index.php",
            &params(Some(SignatureMethod::HmacSha256)),
        );
        assert_eq!(
            string,
            "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=11886&Region=gz\
             &SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA256\
             &Timestamp=1465185768&instanceIds.0=ins-09dx96dg&limit=20&offset=0"
        );
        assert_eq!(
            signature(KEY, &string, SignatureMethod::HmacSha256),
            "PSWUwVv4TfW2sQP1FT9KbbLjIZ9bmK8f1cL6fbpf3KI="
        );
    }

    #[test]
    fn hmac_sha1_vector() {
        let string = string_to_sign("GET", "cvm.api.qcloud.com", "/v2/index.php", &params(None));
        assert!(!string.contains("SignatureMethod"));
        assert_eq!(
            signature(KEY, &string, SignatureMethod::HmacSha1),
            "NSI3UqqD99b/UJb4tbG/xZpRW64="
        );
    }

    fn reply(body: &str) -> Reply {
        Reply {
            status: 200,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_code_message_envelope_fails_on_any_code_but_zero() {
        let ok = parse_code_message(
            "A",
            &reply(r#"{"code": 0, "message": "", "codeDesc": "Success", "data": []}"#),
        );
        assert!(ok.is_ok());
        for body in [
            r#"{"code": 9572, "message": "no such instance", "codeDesc": "InstanceNotExists"}"#,
            r#"{"code": "9572", "message": "no such instance", "codeDesc": "InstanceNotExists"}"#,
        ] {
            match parse_code_message("A", &reply(body)) {
                Err(CloudError::Api { code, message, .. }) => {
                    assert_eq!(code, "InstanceNotExists");
                    assert_eq!(message, "no such instance (code 9572)");
                }
                other => panic!("{other:?}"),
            }
        }
        let error =
            parse_code_message("A", &reply(r#"{"code": 4100, "message": "bad"}"#)).unwrap_err();
        assert!(error.to_string().contains("4100"), "{error}");
        assert!(parse_code_message("A", &reply("<html>")).is_err());
    }

    mod against_a_server {
        use super::*;
        use crate::cloud::credentials::{Secret, TencentCredentials};
        use crate::cloud::testing::{fast_transport, Answer, MockServer};

        /// The decoded pairs of a query or form.
        fn pairs(text: &str) -> Vec<(String, String)> {
            text.split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| {
                    let decode = |s: &str| {
                        percent_encoding::percent_decode_str(s)
                            .decode_utf8_lossy()
                            .into_owned()
                    };
                    (decode(k), decode(v))
                })
                .collect()
        }

        #[tokio::test]
        async fn get_and_post_carry_the_same_signed_parameters_and_the_token() {
            let server = MockServer::start(|_| {
                Answer::new(
                    200,
                    r#"{"code": 0, "message": "", "codeDesc": "Success", "data": []}"#,
                )
            })
            .await;
            let tencent = TencentClient::new(
                fast_transport(),
                TencentCredentials {
                    secret_id: "AKIDsim".into(),
                    secret_key: Secret::new("sim-secret"),
                    security_token: Some(Secret::new("sts-token")),
                    region: Some("ap-guangzhou".into()),
                    endpoint: Some(server.base_url.clone()),
                    legacy_api: true,
                },
            )
            .expect("client");
            let deadline = Instant::now() + std::time::Duration::from_secs(5);
            for method in [V2Method::Get, V2Method::Post] {
                let call = V2Call {
                    product: "cdb",
                    service: "cdb",
                    action: "ModifyCdbInstanceAccountPrivileges",
                    params: flatten_values("globalPriv", &["SELECT".to_owned()]),
                    envelope: Envelope::CodeMessage,
                    method,
                };
                tencent.call_v2(call, deadline).await.expect("call");
            }
            let requests = server.requests();
            assert_eq!(requests.len(), 2);
            let host = server
                .base_url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned();
            for (request, method, sent) in [
                (&requests[0], "GET", pairs(&requests[0].query)),
                (
                    &requests[1],
                    "POST",
                    pairs(&String::from_utf8_lossy(&requests[1].body)),
                ),
            ] {
                assert_eq!(request.method, method);
                assert_eq!(request.path, PATH);
                let value =
                    |name: &str| sent.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                assert_eq!(value("globalPriv.0").as_deref(), Some("SELECT"));
                assert_eq!(value("Token").as_deref(), Some("sts-token"));
                assert_eq!(value("SignatureMethod").as_deref(), Some("HmacSHA256"));
                let unsigned: Vec<(&str, &str)> =
                    sent.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let text = string_to_sign(method, &host, PATH, &unsigned);
                assert_eq!(
                    value("Signature"),
                    Some(signature("sim-secret", &text, SignatureMethod::HmacSha256)),
                    "{method}"
                );
            }
            let nonce = |sent: Vec<(String, String)>| sent.into_iter().find(|(k, _)| k == "Nonce");
            assert_ne!(
                nonce(pairs(&requests[0].query)),
                nonce(pairs(&String::from_utf8_lossy(&requests[1].body))),
                "a fresh nonce per request"
            );
        }
    }

    #[test]
    fn v2_codes_are_retried_and_classified_like_api_3s() {
        use crate::cloud::error::Missing;
        use crate::cloud::retry::is_retryable;
        let throttled = parse_code_message(
            "A",
            &reply(r#"{"code": 4400, "message": "too fast", "codeDesc": "RequestLimitExceeded"}"#),
        )
        .unwrap_err();
        assert!(is_retryable(Vendor::Tencent, &throttled, Some(200)));
        let missing = parse_code_message(
            "A",
            &reply(
                r#"{"code": 9572, "message": "no such instance", "codeDesc": "InstanceNotExists"}"#,
            ),
        )
        .unwrap_err();
        assert!(!is_retryable(Vendor::Tencent, &missing, Some(200)));
        assert_eq!(missing.missing(), Some(Missing::Instance));
    }

    #[test]
    fn lists_flatten_from_zero() {
        let values = ["SELECT".to_owned(), "INSERT".to_owned()];
        assert_eq!(
            flatten_values("dbPriv.0.priv", &values),
            [
                ("dbPriv.0.priv.0".to_owned(), "SELECT".to_owned()),
                ("dbPriv.0.priv.1".to_owned(), "INSERT".to_owned())
            ]
        );
    }

    #[test]
    fn signature_parameter_is_not_signed() {
        let with = string_to_sign("POST", "h", "/p", &[("Action", "A"), ("Signature", "x")]);
        assert_eq!(with, "POSTh/p?Action=A");
    }
}
