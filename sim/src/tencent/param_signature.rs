//! Tencent Cloud calls signed in their parameters (`SignatureMethod` HmacSHA1 or HmacSHA256),
//! which the SDKs offer beside TC3: every parameter travels as a pair in the query (GET) or a
//! form body (POST), with `Action`, `Version`, `Region`, `SecretId`, `Nonce`, `Timestamp`,
//! `SignatureMethod`, `Token`, `Language`, `RequestClient` and `Signature` among them.
//!
//! The string to sign is the method, the Host, the path, `?` and every pair but `Signature`,
//! sorted by name and joined with `&`, values as they are (not percent-encoded), names with
//! `_` written as `.`; the signature is the Base64 HMAC of it under the SecretKey.

use std::time::Duration;

use base64::Engine;
use time::OffsetDateTime;

use super::auth::{check_timestamp, check_token};
use super::errors::TencentError;
use crate::crypto::{hmac_sha1, hmac_sha256, same_signature};
use crate::fixture::TencentCredential;

/// The pairs every such call carries besides the action's own.
const COMMON: &[&str] = &[
    "Action",
    "Version",
    "Region",
    "SecretId",
    "Nonce",
    "Timestamp",
    "SignatureMethod",
    "Signature",
    "Token",
    "Language",
    "RequestClient",
];

/// The HMAC a call is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    HmacSha1,
    HmacSha256,
}

/// A call signed in its parameters, as received.
#[derive(Debug, Clone)]
pub(crate) struct ParameterSignature {
    pub action: String,
    pub version: String,
    pub region: Option<String>,
    secret_id: String,
    timestamp: String,
    method: Method,
    signature: String,
    token: Option<String>,
    /// Every pair but `Signature`, as sent.
    signed: Vec<(String, String)>,
    /// The action's own pairs.
    pub business: Vec<(String, String)>,
}

/// Whether `pairs` are those of a call signed in its parameters: `SecretId` and `Signature`
/// (an Alibaba v1 call has `AccessKeyId` instead).
pub(crate) fn is_signed_in_parameters(pairs: &[(String, String)]) -> bool {
    let has = |name: &str| pairs.iter().any(|(key, _)| key == name);
    has("SecretId") && has("Signature")
}

impl ParameterSignature {
    pub(crate) fn read(pairs: &[(String, String)]) -> Result<ParameterSignature, TencentError> {
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .filter(|value| !value.is_empty())
        };
        let required =
            |name: &str| value(name).ok_or_else(|| TencentError::missing_parameter(name));
        for name in COMMON {
            if pairs.iter().filter(|(key, _)| key == name).count() > 1 {
                return Err(TencentError::new(
                    "InvalidParameter",
                    format!("The parameter `{name}` is given more than once."),
                ));
            }
        }
        let method = match value("SignatureMethod").as_deref() {
            None | Some("HmacSHA1") => Method::HmacSha1,
            Some("HmacSHA256") => Method::HmacSha256,
            Some(other) => {
                return Err(TencentError::new(
                    "InvalidParameterValue",
                    format!("SignatureMethod `{other}` is not one of HmacSHA1, HmacSHA256."),
                ))
            }
        };
        Ok(ParameterSignature {
            action: required("Action")?,
            version: required("Version")?,
            region: value("Region"),
            secret_id: required("SecretId")?,
            timestamp: required("Timestamp")?,
            method,
            signature: required("Signature")?,
            token: value("Token"),
            signed: pairs
                .iter()
                .filter(|(key, _)| key != "Signature")
                .cloned()
                .collect(),
            business: pairs
                .iter()
                .filter(|(key, _)| !COMMON.contains(&key.as_str()))
                .cloned()
                .collect(),
        })
    }

    /// Checks timestamp, SecretId, signature and token, for a call sent with `method` to
    /// `host` and `path`.
    pub(crate) fn verify(
        &self,
        method: &str,
        host: &str,
        path: &str,
        credential_of: impl FnOnce(&str) -> Option<TencentCredential>,
        now: OffsetDateTime,
        skew_limit: Duration,
    ) -> Result<(), TencentError> {
        check_timestamp("Timestamp", &self.timestamp, now, skew_limit)?;
        let credential = credential_of(&self.secret_id)
            .ok_or_else(|| TencentError::secret_id_not_found(&self.secret_id))?;
        let string_to_sign = string_to_sign(method, host, path, &self.signed);
        let expected = signature(self.method, &credential.secret_key, &string_to_sign);
        if !same_signature(&expected, &self.signature) {
            return Err(TencentError::signature_failure(format!(
                "The request signature does not match the one the server calculated. Server \
                 string to sign is: {string_to_sign:?}"
            )));
        }
        check_token(&credential, self.token.as_deref(), "Token")
    }
}

pub(crate) fn string_to_sign(
    method: &str,
    host: &str,
    path: &str,
    pairs: &[(String, String)],
) -> String {
    let mut named: Vec<(String, &str)> = pairs
        .iter()
        .map(|(key, value)| (key.replace('_', "."), value.as_str()))
        .collect();
    named.sort();
    let joined: Vec<String> = named
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!("{method}{host}{path}?{}", joined.join("&"))
}

pub(crate) fn signature(method: Method, secret_key: &str, string_to_sign: &str) -> String {
    let mac = match method {
        Method::HmacSha1 => hmac_sha1(secret_key.as_bytes(), string_to_sign.as_bytes()),
        Method::HmacSha256 => hmac_sha256(secret_key.as_bytes(), string_to_sign.as_bytes()),
    };
    base64::engine::general_purpose::STANDARD.encode(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor's published example, with its key and parameters.
    const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";

    fn example(with_method: bool) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("Action", "DescribeInstances"),
            ("Nonce", "11886"),
            ("Region", "gz"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"),
            ("Timestamp", "1465185768"),
            ("instanceIds.0", "ins-09dx96dg"),
            ("limit", "20"),
            ("offset", "0"),
        ];
        if with_method {
            pairs.push(("SignatureMethod", "HmacSHA256"));
        }
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn the_published_examples_sign_as_published() {
        let text = string_to_sign("GET", "cvm.api.qcloud.com", "/v2/index.php", &example(true));
        assert_eq!(text, "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=11886&Region=gz&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA256&Timestamp=1465185768&instanceIds.0=ins-09dx96dg&limit=20&offset=0");
        assert_eq!(
            signature(Method::HmacSha256, SECRET_KEY, &text),
            "PSWUwVv4TfW2sQP1FT9KbbLjIZ9bmK8f1cL6fbpf3KI="
        );
        let text = string_to_sign(
            "GET",
            "cvm.api.qcloud.com",
            "/v2/index.php",
            &example(false),
        );
        assert_eq!(
            signature(Method::HmacSha1, SECRET_KEY, &text),
            "NSI3UqqD99b/UJb4tbG/xZpRW64="
        );
    }

    #[test]
    fn names_sort_with_underscores_as_dots_and_values_stay_raw() {
        let pairs: Vec<(String, String)> = [("B_c", "x y"), ("B.b", "%"), ("A", "1")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(
            string_to_sign("POST", "h:1", "/", &pairs),
            "POSTh:1/?A=1&B.b=%&B.c=x y"
        );
    }

    #[test]
    fn common_pairs_are_not_the_actions() {
        let mut pairs = example(true);
        pairs.push(("Signature".into(), "sig".into()));
        pairs.push(("Version".into(), "2017-03-20".into()));
        let call = ParameterSignature::read(&pairs).expect("read");
        assert_eq!(call.action, "DescribeInstances");
        assert_eq!(call.region.as_deref(), Some("gz"));
        assert_eq!(call.method, Method::HmacSha256);
        let names: Vec<&str> = call.business.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["instanceIds.0", "limit", "offset"]);
        assert!(is_signed_in_parameters(&pairs));
        pairs.retain(|(key, _)| key != "Version");
        assert_eq!(
            ParameterSignature::read(&pairs).unwrap_err().code,
            "MissingParameter"
        );
    }
}
