//! Alibaba request signatures, ACS3-HMAC-SHA256 and ACS3-HMAC-SM3 (v3) and HMAC-SHA1 (v1),
//! checked as the API does.

use std::time::Duration;

use base64::Engine as _;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::errors::AlibabaError;
use super::rpc::{RpcCall, SignatureStyle};
use crate::api_request::ApiRequest;
use crate::crypto::{hmac_sha1, hmac_sha256, hmac_sm3, same_signature, sha256_hex, sm3_hex};
use crate::fixture::AlicloudCredential;
use crate::percent;

/// The v3 algorithms: a hash for the body and the canonical request, and its HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum V3Algorithm {
    HmacSha256,
    HmacSm3,
}

impl V3Algorithm {
    const ALL: [V3Algorithm; 2] = [V3Algorithm::HmacSha256, V3Algorithm::HmacSm3];

    fn name(self) -> &'static str {
        match self {
            V3Algorithm::HmacSha256 => "ACS3-HMAC-SHA256",
            V3Algorithm::HmacSm3 => "ACS3-HMAC-SM3",
        }
    }

    /// Lower-case hex digest; SM3's travels in `x-acs-content-sha256` too, as the SDKs send it.
    fn hash_hex(self, data: &[u8]) -> String {
        match self {
            V3Algorithm::HmacSha256 => sha256_hex(data),
            V3Algorithm::HmacSm3 => sm3_hex(data),
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            V3Algorithm::HmacSha256 => hmac_sha256(key, data),
            V3Algorithm::HmacSm3 => hmac_sm3(key, data),
        }
    }
}

/// The x-acs-* headers a v3 request must send and sign, besides `host`.
const V3_REQUIRED_HEADERS: &[&str] = &[
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
];

/// Who signed a request, and the nonce that must not come again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signer {
    pub access_key_id: String,
    pub nonce: String,
}

/// Checks a call's signature, timestamp and security token (not yet its nonce).
pub(crate) fn verify(
    request: &ApiRequest,
    call: &RpcCall,
    credential_of: impl FnOnce(&str) -> Option<AlicloudCredential>,
    now: OffsetDateTime,
    skew_limit: Duration,
) -> Result<Signer, AlibabaError> {
    match call.style {
        SignatureStyle::V3 => verify_v3(request, call, credential_of, now, skew_limit),
        SignatureStyle::V1 => verify_v1(request, call, credential_of, now, skew_limit),
    }
}

fn verify_v3(
    request: &ApiRequest,
    call: &RpcCall,
    credential_of: impl FnOnce(&str) -> Option<AlicloudCredential>,
    now: OffsetDateTime,
    skew_limit: Duration,
) -> Result<Signer, AlibabaError> {
    let authorization = request.header("authorization").ok_or_else(|| {
        AlibabaError::incomplete_signature("The Authorization header is missing.")
    })?;
    let authorization = Authorization::parse(authorization)?;
    for name in ["host"].iter().chain(V3_REQUIRED_HEADERS) {
        if request.header(name).is_none_or(str::is_empty) {
            return Err(AlibabaError::missing_parameter(name));
        }
    }
    let header = |name: &str| request.header(name).unwrap_or_default();

    check_timestamp("x-acs-date", header("x-acs-date"), now, skew_limit)?;
    let credential = credential_of(&authorization.access_key_id)
        .ok_or_else(|| AlibabaError::access_key_not_found(&authorization.access_key_id))?;

    let algorithm = authorization.algorithm;
    let body_hash = algorithm.hash_hex(&request.body);
    if !header("x-acs-content-sha256").eq_ignore_ascii_case(&body_hash) {
        return Err(AlibabaError::signature_does_not_match(format!(
            "The x-acs-content-sha256 header \"{}\" is not the {} hash of the body received, \
             which is \"{body_hash}\".",
            header("x-acs-content-sha256"),
            algorithm.name()
        )));
    }

    let signed: Vec<&str> = authorization.signed_headers.split(';').collect();
    let mut sorted = signed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if signed != sorted
        || signed
            .iter()
            .any(|n| n.is_empty() || *n != n.to_ascii_lowercase())
    {
        return Err(AlibabaError::incomplete_signature(format!(
            "SignedHeaders \"{}\" must be lower-case header names, sorted and joined by ';'.",
            authorization.signed_headers
        )));
    }
    let mut must_sign: Vec<&str> = ["host"]
        .iter()
        .chain(V3_REQUIRED_HEADERS)
        .copied()
        .collect();
    if request.header("x-acs-security-token").is_some() {
        must_sign.push("x-acs-security-token");
    }
    if let Some(unsigned) = must_sign.iter().find(|name| !signed.contains(name)) {
        return Err(AlibabaError::incomplete_signature(format!(
            "The header \"{unsigned}\" must be signed: add it to SignedHeaders."
        )));
    }
    let mut headers = Vec::with_capacity(signed.len());
    for name in &signed {
        let values: Vec<&str> = request
            .headers
            .get_all(*name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim)
            .collect();
        if values.is_empty() {
            return Err(AlibabaError::incomplete_signature(format!(
                "The header \"{name}\" is in SignedHeaders but was not sent."
            )));
        }
        headers.push(((*name).to_owned(), values.join(",")));
    }

    let canonical = v3_canonical_request(
        request.method.as_str(),
        &request.path,
        &canonical_query(&call.query),
        &headers,
        &body_hash,
    );
    let string_to_sign = v3_string_to_sign(algorithm, &canonical);
    let expected = v3_signature(algorithm, &credential.access_key_secret, &string_to_sign);
    if !same_signature(&expected, &authorization.signature.to_ascii_lowercase()) {
        return Err(AlibabaError::signature_does_not_match(format!(
            "The request signature does not match the one the server calculated. \
             Server string to sign is: {string_to_sign:?}; canonical request is: {canonical:?}"
        )));
    }
    check_security_token(&credential, request.header("x-acs-security-token"))?;
    Ok(Signer {
        access_key_id: authorization.access_key_id,
        nonce: header("x-acs-signature-nonce").to_owned(),
    })
}

fn verify_v1(
    request: &ApiRequest,
    call: &RpcCall,
    credential_of: impl FnOnce(&str) -> Option<AlicloudCredential>,
    now: OffsetDateTime,
    skew_limit: Duration,
) -> Result<Signer, AlibabaError> {
    let all: Vec<(String, String)> = call.query.iter().chain(&call.form).cloned().collect();
    let parameter = |name: &str| {
        all.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    };
    let signature = parameter("Signature")
        .ok_or_else(|| AlibabaError::incomplete_signature("The Signature parameter is missing."))?;
    let required =
        |name: &str| parameter(name).ok_or_else(|| AlibabaError::missing_parameter(name));
    let access_key_id = required("AccessKeyId")?;
    let method = required("SignatureMethod")?;
    let version = required("SignatureVersion")?;
    let nonce = required("SignatureNonce")?;
    let timestamp = required("Timestamp")?;
    if method != "HMAC-SHA1" {
        return Err(AlibabaError::invalid_parameter(format!(
            "SignatureMethod \"{method}\" is not supported; use HMAC-SHA1."
        )));
    }
    if version != "1.0" {
        return Err(AlibabaError::invalid_parameter(format!(
            "SignatureVersion \"{version}\" is not supported; use 1.0."
        )));
    }
    check_timestamp("Timestamp", timestamp, now, skew_limit)?;
    let credential = credential_of(access_key_id)
        .ok_or_else(|| AlibabaError::access_key_not_found(access_key_id))?;

    let signed: Vec<(String, String)> = all
        .iter()
        .filter(|(key, _)| key != "Signature")
        .cloned()
        .collect();
    let string_to_sign = v1_string_to_sign(request.method.as_str(), &signed);
    let expected = v1_signature(&credential.access_key_secret, &string_to_sign);
    if !same_signature(&expected, signature) {
        return Err(AlibabaError::signature_does_not_match(format!(
            // The vendor's wording: SDKs take what follows the only colon as the server's
            // string to sign and compare it with theirs to tell a wrong secret.
            "Specified signature is not matched with our calculation. server string to sign \
             is:{string_to_sign}"
        )));
    }
    check_security_token(&credential, parameter("SecurityToken"))?;
    Ok(Signer {
        access_key_id: access_key_id.to_owned(),
        nonce: nonce.to_owned(),
    })
}

/// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<hex>` (or `ACS3-HMAC-SM3`).
#[derive(Debug, PartialEq, Eq)]
struct Authorization {
    algorithm: V3Algorithm,
    access_key_id: String,
    signed_headers: String,
    signature: String,
}

impl Authorization {
    fn parse(header: &str) -> Result<Authorization, AlibabaError> {
        let Some((algorithm, fields)) = V3Algorithm::ALL.iter().find_map(|algorithm| {
            header
                .strip_prefix(algorithm.name())
                .filter(|rest| rest.starts_with(' '))
                .map(|fields| (*algorithm, fields))
        }) else {
            return Err(AlibabaError::incomplete_signature(
                "The Authorization header must start with \"ACS3-HMAC-SHA256 \" or \"ACS3-HMAC-SM3 \".",
            ));
        };
        let field = |name: &str| {
            fields
                .split(',')
                .filter_map(|part| part.trim().split_once('='))
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    AlibabaError::incomplete_signature(format!(
                        "The Authorization header has no {name}."
                    ))
                })
        };
        Ok(Authorization {
            algorithm,
            access_key_id: field("Credential")?,
            signed_headers: field("SignedHeaders")?,
            signature: field("Signature")?,
        })
    }
}

fn check_timestamp(
    name: &str,
    value: &str,
    now: OffsetDateTime,
    skew_limit: Duration,
) -> Result<(), AlibabaError> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let at = PrimitiveDateTime::parse(value, format)
        .map_err(|_| AlibabaError::malformed_timestamp(name, value))?
        .assume_utc();
    let skew = (now - at).unsigned_abs();
    if skew > skew_limit {
        return Err(AlibabaError::illegal_timestamp(format!(
            "The {name} \"{value}\" is {} seconds away from the server's time; at most {} seconds are allowed.",
            skew.as_secs(),
            skew_limit.as_secs()
        )));
    }
    Ok(())
}

fn check_security_token(
    credential: &AlicloudCredential,
    sent: Option<&str>,
) -> Result<(), AlibabaError> {
    match (credential.security_token.as_deref(), sent) {
        (None, None) => Ok(()),
        (Some(expected), Some(sent)) if same_signature(expected, sent) => Ok(()),
        (Some(_), Some(_)) => Err(AlibabaError::security_token_mismatch(
            "The security token does not belong to this AccessKey.",
        )),
        (Some(_), None) => Err(AlibabaError::security_token_mismatch(
            "This AccessKey is temporary (STS): send its security token.",
        )),
        (None, Some(_)) => Err(AlibabaError::security_token_mismatch(
            "This AccessKey is not temporary: send no security token.",
        )),
    }
}

/// Sorted `key=value` pairs, RFC 3986-encoded, joined by `&`; an empty value is written `k=`.
pub(crate) fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(key, value)| (percent::encode(key), percent::encode(value)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Method, path, canonical query, `name:value` lines of the signed headers (sorted), the
/// signed header names, and the payload hash, joined by newlines.
pub(crate) fn v3_canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    signed_headers: &[(String, String)],
    payload_hash: &str,
) -> String {
    let header_lines: String = signed_headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let names: Vec<&str> = signed_headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    format!(
        "{method}\n{path}\n{canonical_query}\n{header_lines}\n{}\n{payload_hash}",
        names.join(";")
    )
}

pub(crate) fn v3_string_to_sign(algorithm: V3Algorithm, canonical_request: &str) -> String {
    format!(
        "{}\n{}",
        algorithm.name(),
        algorithm.hash_hex(canonical_request.as_bytes())
    )
}

/// Lower-case hex HMAC of the string to sign, keyed by the AccessKey secret.
pub(crate) fn v3_signature(algorithm: V3Algorithm, secret: &str, string_to_sign: &str) -> String {
    hex::encode(algorithm.hmac(secret.as_bytes(), string_to_sign.as_bytes()))
}

/// `METHOD&%2F&` and the encoded, sorted, `&`-joined parameters, encoded once more.
pub(crate) fn v1_string_to_sign(method: &str, parameters: &[(String, String)]) -> String {
    format!(
        "{method}&%2F&{}",
        percent::encode(&canonical_query(parameters))
    )
}

/// Base64 HMAC-SHA1 of the string to sign, keyed by the secret and `&`.
pub(crate) fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let key = format!("{secret}&");
    base64::engine::general_purpose::STANDARD
        .encode(hmac_sha1(key.as_bytes(), string_to_sign.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
    use time::macros::datetime;

    const VECTOR_SECRET: &str = "YourAccessKeySecret";
    const VECTOR_SIGNATURE: &str =
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const VECTOR_QUERY: &str =
        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai";
    const VECTOR_SIGNED_HEADERS: &str =
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn credential(id: &str, secret: &str) -> AlicloudCredential {
        AlicloudCredential {
            access_key_id: id.to_owned(),
            access_key_secret: secret.to_owned(),
            security_token: None,
        }
    }

    /// The published v3 example as an HTTP request.
    fn v3_vector_request(signature: &str) -> ApiRequest {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders={VECTOR_SIGNED_HEADERS},Signature={signature}"
        );
        headers.insert(
            "authorization",
            HeaderValue::from_str(&authorization).expect("header"),
        );
        ApiRequest {
            method: Method::POST,
            path: "/".to_owned(),
            query: VECTOR_QUERY.to_owned(),
            headers,
            body: Bytes::new(),
        }
    }

    fn verify_at(request: &ApiRequest, now: OffsetDateTime) -> Result<Signer, AlibabaError> {
        let call = RpcCall::read(request).expect("rpc call");
        verify(
            request,
            &call,
            |id| (id == "YourAccessKeyId").then(|| credential(id, VECTOR_SECRET)),
            now,
            Duration::from_secs(900),
        )
    }

    const VECTOR_TIME: OffsetDateTime = datetime!(2023-10-26 10:22:32 UTC);

    #[test]
    fn v3_published_vector_stage_by_stage() {
        let canonical_by_hand = "POST\n/\n\
            ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
            host:ecs.cn-shanghai.aliyuncs.com\n\
            x-acs-action:RunInstances\n\
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
            x-acs-date:2023-10-26T10:22:32Z\n\
            x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
            x-acs-version:2014-05-26\n\
            \n\
            host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            sha256_hex(canonical_by_hand.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let query = canonical_query(&pairs(&[
            ("RegionId", "cn-shanghai"),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
        ]));
        assert_eq!(query, VECTOR_QUERY);
        let headers = pairs(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-content-sha256", EMPTY_SHA256),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-version", "2014-05-26"),
        ]);
        let canonical = v3_canonical_request("POST", "/", &query, &headers, EMPTY_SHA256);
        assert_eq!(canonical, canonical_by_hand);
        let string_to_sign = v3_string_to_sign(V3Algorithm::HmacSha256, &canonical);
        assert_eq!(
            string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            v3_signature(V3Algorithm::HmacSha256, VECTOR_SECRET, &string_to_sign),
            VECTOR_SIGNATURE
        );
    }

    #[test]
    fn v3_published_vector_verifies_as_a_request() {
        let signer = verify_at(&v3_vector_request(VECTOR_SIGNATURE), VECTOR_TIME).expect("valid");
        assert_eq!(signer.access_key_id, "YourAccessKeyId");
        assert_eq!(signer.nonce, "3156853299f313e23d1673dc12e1703d");
        // Fourteen minutes later it is still inside the window.
        let later = VECTOR_TIME + time::Duration::minutes(14);
        assert!(verify_at(&v3_vector_request(VECTOR_SIGNATURE), later).is_ok());
    }

    #[test]
    fn v3_wrong_signature_is_refused_with_the_string_to_sign() {
        let wrong = VECTOR_SIGNATURE.replace('0', "1");
        let error = verify_at(&v3_vector_request(&wrong), VECTOR_TIME).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert_eq!(error.status, 400);
        assert!(error
            .message
            .contains("7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"));
    }

    #[test]
    fn v3_tampered_request_is_refused() {
        let mut request = v3_vector_request(VECTOR_SIGNATURE);
        request.query = VECTOR_QUERY.replace("cn-shanghai", "cn-beijing");
        let error = verify_at(&request, VECTOR_TIME).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");

        let mut request = v3_vector_request(VECTOR_SIGNATURE);
        request.body = Bytes::from_static(b"DBName=x");
        let error = verify_at(&request, VECTOR_TIME).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert!(
            error.message.contains("x-acs-content-sha256"),
            "{}",
            error.message
        );
    }

    #[test]
    fn v3_old_or_future_timestamps_are_refused() {
        for minutes in [16, -16] {
            let now = VECTOR_TIME + time::Duration::minutes(minutes);
            let error = verify_at(&v3_vector_request(VECTOR_SIGNATURE), now).unwrap_err();
            assert_eq!(error.code, "IllegalTimestamp");
        }
    }

    #[test]
    fn v3_unknown_access_key_is_refused() {
        let request = v3_vector_request(VECTOR_SIGNATURE);
        let call = RpcCall::read(&request).expect("rpc call");
        let error = verify(
            &request,
            &call,
            |_| None,
            VECTOR_TIME,
            Duration::from_secs(900),
        )
        .unwrap_err();
        assert_eq!(
            (error.status.as_u16(), error.code.as_str()),
            (404, "InvalidAccessKeyId.NotFound")
        );
    }

    #[test]
    fn v3_missing_pieces_are_named() {
        let mut request = v3_vector_request(VECTOR_SIGNATURE);
        request.headers.remove("x-acs-signature-nonce");
        let error = verify_at(&request, VECTOR_TIME).unwrap_err();
        assert_eq!(error.code, "MissingParameter");
        assert!(error.message.contains("x-acs-signature-nonce"));

        let mut request = v3_vector_request(VECTOR_SIGNATURE);
        request.headers.insert(
            "authorization",
            HeaderValue::from_static("ACS3-HMAC-SHA256 Credential=YourAccessKeyId,Signature=00"),
        );
        let error = verify_at(&request, VECTOR_TIME).unwrap_err();
        assert_eq!(error.code, "IncompleteSignature");
        assert!(error.message.contains("SignedHeaders"));

        let mut request = v3_vector_request(VECTOR_SIGNATURE);
        request.headers.remove("authorization");
        assert_eq!(
            verify_at(&request, VECTOR_TIME).unwrap_err().code,
            "IncompleteSignature"
        );
    }

    #[test]
    fn v3_every_acs_header_must_be_signed() {
        let mut request = v3_vector_request(VECTOR_SIGNATURE);
        request.headers.insert(
            "authorization",
            HeaderValue::from_static(
                "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-date,Signature=00",
            ),
        );
        let error = verify_at(&request, VECTOR_TIME).unwrap_err();
        assert_eq!(error.code, "IncompleteSignature");
        assert!(
            error.message.contains("x-acs-content-sha256"),
            "{}",
            error.message
        );
    }

    #[test]
    fn v3_security_token_must_match_the_key() {
        let request = v3_vector_request(VECTOR_SIGNATURE);
        let call = RpcCall::read(&request).expect("rpc call");
        let sts = |id: &str| {
            Some(AlicloudCredential {
                security_token: Some("token".to_owned()),
                ..credential(id, VECTOR_SECRET)
            })
        };
        let error =
            verify(&request, &call, sts, VECTOR_TIME, Duration::from_secs(900)).unwrap_err();
        assert_eq!(error.code, "InvalidSecurityToken.MismatchWithAccessKey");
    }

    const V1_VECTOR: &[(&str, &str)] = &[
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("Format", "XML"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Version", "2014-05-26"),
    ];
    const V1_SIGNATURE: &str = "OLeaidS1JvxuMvnyHOwuJ+uX5qY=";
    const V1_TIME: OffsetDateTime = datetime!(2016-02-23 12:46:24 UTC);

    #[test]
    fn v1_published_vector_stage_by_stage() {
        let by_hand = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
            %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
            %26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26";
        let string_to_sign = v1_string_to_sign("GET", &pairs(V1_VECTOR));
        assert_eq!(string_to_sign, by_hand);
        assert_eq!(v1_signature("testsecret", &string_to_sign), V1_SIGNATURE);
    }

    fn v1_request(signature: &str, extra: &[(&str, &str)]) -> ApiRequest {
        let mut list = pairs(V1_VECTOR);
        list.extend(pairs(extra));
        list.push(("Signature".to_owned(), signature.to_owned()));
        let query = list
            .iter()
            .map(|(k, v)| format!("{}={}", percent::encode(k), percent::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        ApiRequest {
            method: Method::GET,
            path: "/".to_owned(),
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    fn verify_v1_at(request: &ApiRequest, now: OffsetDateTime) -> Result<Signer, AlibabaError> {
        let call = RpcCall::read(request).expect("rpc call");
        verify(
            request,
            &call,
            |id| (id == "testid").then(|| credential(id, "testsecret")),
            now,
            Duration::from_secs(900),
        )
    }

    #[test]
    fn v1_published_vector_verifies_as_a_request() {
        let signer = verify_v1_at(&v1_request(V1_SIGNATURE, &[]), V1_TIME).expect("valid");
        assert_eq!(signer.nonce, "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf");
    }

    #[test]
    fn v1_negative_cases() {
        let error = verify_v1_at(&v1_request("AAAA", &[]), V1_TIME).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert!(
            error.message.contains("GET&%2F&AccessKeyId%3Dtestid"),
            "{}",
            error.message
        );

        // A parameter added after signing breaks the signature.
        let error =
            verify_v1_at(&v1_request(V1_SIGNATURE, &[("DBName", "shop")]), V1_TIME).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");

        let late = V1_TIME + time::Duration::minutes(20);
        let error = verify_v1_at(&v1_request(V1_SIGNATURE, &[]), late).unwrap_err();
        assert_eq!(error.code, "IllegalTimestamp");

        let mut request = v1_request(V1_SIGNATURE, &[]);
        request.query = request
            .query
            .replace("&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D", "");
        let error = verify_v1_at(&request, V1_TIME).unwrap_err();
        assert_eq!(error.code, "IncompleteSignature");

        let mut request = v1_request(V1_SIGNATURE, &[]);
        request.query = request
            .query
            .replace("AccessKeyId=testid", "AccessKeyId=other");
        let error = verify_v1_at(&request, V1_TIME).unwrap_err();
        assert_eq!(error.code, "InvalidAccessKeyId.NotFound");

        let mut request = v1_request(V1_SIGNATURE, &[]);
        request.query = request
            .query
            .replace("Timestamp=2016-02-23T12%3A46%3A24Z&", "");
        let error = verify_v1_at(&request, V1_TIME).unwrap_err();
        assert_eq!(error.code, "MissingParameter");
        assert!(error.message.contains("Timestamp"));
    }
}
