//! Tencent Cloud API 3.0 signatures (TC3-HMAC-SHA256), checked as the API does, and the
//! timestamp and token checks every Tencent signature shares.

use std::time::Duration;

use time::macros::format_description;
use time::OffsetDateTime;

use super::errors::TencentError;
use crate::api_request::ApiRequest;
use crate::crypto::{hmac_sha256, same_signature, sha256_hex};
use crate::fixture::TencentCredential;

pub(crate) const TC3: &str = "TC3-HMAC-SHA256";

const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<names>, Signature=<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: String,
    pub signature: String,
}

impl Authorization {
    pub(crate) fn parse(header: Option<&str>) -> Result<Authorization, TencentError> {
        let header = header.ok_or_else(|| {
            TencentError::invalid_authorization("The Authorization header is missing.")
        })?;
        let Some(fields) = header
            .strip_prefix(TC3)
            .filter(|rest| rest.starts_with(' '))
        else {
            return Err(TencentError::invalid_authorization(format!(
                "The Authorization header must start with `{TC3} `."
            )));
        };
        let field = |name: &str| {
            fields
                .split(',')
                .filter_map(|part| part.trim().split_once('='))
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    TencentError::invalid_authorization(format!(
                        "The Authorization header has no {name}."
                    ))
                })
        };
        let credential = field("Credential")?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [secret_id, date, service, "tc3_request"] = scope[..] else {
            return Err(TencentError::invalid_authorization(format!(
                "Credential `{credential}` must be <SecretId>/<YYYY-MM-DD>/<service>/tc3_request."
            )));
        };
        if [secret_id, date, service]
            .iter()
            .any(|part| part.is_empty())
        {
            return Err(TencentError::invalid_authorization(format!(
                "Credential `{credential}` has an empty part."
            )));
        }
        Ok(Authorization {
            secret_id: secret_id.to_owned(),
            date: date.to_owned(),
            service: service.to_owned(),
            signed_headers: field("SignedHeaders")?,
            signature: field("Signature")?,
        })
    }
}

/// Checks timestamp, SecretId, signature and token of a request.
pub(crate) fn verify(
    request: &ApiRequest,
    authorization: &Authorization,
    credential_of: impl FnOnce(&str) -> Option<TencentCredential>,
    now: OffsetDateTime,
    skew_limit: Duration,
) -> Result<(), TencentError> {
    let timestamp = request
        .header("x-tc-timestamp")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TencentError::missing_parameter("X-TC-Timestamp"))?;
    let signed_at = check_timestamp("X-TC-Timestamp", timestamp, now, skew_limit)?;
    let date = utc_date(signed_at);
    if authorization.date != date {
        return Err(TencentError::signature_failure(format!(
            "The credential date `{}` is not the UTC date of X-TC-Timestamp, `{date}`.",
            authorization.date
        )));
    }
    let credential = credential_of(&authorization.secret_id)
        .ok_or_else(|| TencentError::secret_id_not_found(&authorization.secret_id))?;

    let signed: Vec<&str> = authorization.signed_headers.split(';').collect();
    for required in ["content-type", "host"] {
        if !signed.contains(&required) {
            return Err(TencentError::invalid_authorization(format!(
                "SignedHeaders `{}` must include `{required}`.",
                authorization.signed_headers
            )));
        }
    }
    let mut headers = Vec::with_capacity(signed.len());
    for name in &signed {
        let value = request.header(name).ok_or_else(|| {
            TencentError::invalid_authorization(format!(
                "The header `{name}` is in SignedHeaders but was not sent."
            ))
        })?;
        headers.push(((*name).to_owned(), value.to_owned()));
    }
    let canonical = canonical_request(
        request.method.as_str(),
        &request.path,
        &request.query,
        &headers,
        &payload_hash(request),
    );
    let string_to_sign = string_to_sign(timestamp, &date, &authorization.service, &canonical);
    let expected = signature(
        &credential.secret_key,
        &date,
        &authorization.service,
        &string_to_sign,
    );
    if !same_signature(&expected, &authorization.signature.to_ascii_lowercase()) {
        return Err(TencentError::signature_failure(format!(
            "The request signature does not match the one the server calculated. Server string \
             to sign is: {string_to_sign:?}; canonical request is: {canonical:?}"
        )));
    }
    check_token(&credential, request.header("x-tc-token"), "X-TC-Token")
}

/// A Unix time in seconds (`name` says where it was sent), within `skew_limit` of `now`.
pub(crate) fn check_timestamp(
    name: &str,
    timestamp: &str,
    now: OffsetDateTime,
    skew_limit: Duration,
) -> Result<OffsetDateTime, TencentError> {
    let signed_at = timestamp
        .parse::<i64>()
        .ok()
        .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
        .ok_or_else(|| {
            TencentError::new(
                "InvalidParameter",
                format!("{name} `{timestamp}` is not a Unix time in seconds."),
            )
        })?;
    let skew = (now - signed_at).unsigned_abs();
    if skew > skew_limit {
        return Err(TencentError::signature_expire(format!(
            "{name} {timestamp} is {} seconds away from the server's time; at most {} seconds \
             are allowed.",
            skew.as_secs(),
            skew_limit.as_secs()
        )));
    }
    Ok(signed_at)
}

/// The STS token a temporary SecretId must send (as `name`), and a permanent one must not.
pub(crate) fn check_token(
    credential: &TencentCredential,
    sent: Option<&str>,
    name: &str,
) -> Result<(), TencentError> {
    match (credential.token.as_deref(), sent) {
        (None, None) => Ok(()),
        (Some(expected), Some(sent)) if same_signature(expected, sent) => Ok(()),
        (Some(_), Some(_)) => Err(TencentError::token_failure(format!(
            "{name} is not the token of this temporary SecretId."
        ))),
        (Some(_), None) => Err(TencentError::token_failure(format!(
            "This SecretId is temporary: send its token in {name}."
        ))),
        (None, Some(_)) => Err(TencentError::token_failure(format!(
            "This SecretId is not temporary: send no {name}."
        ))),
    }
}

/// What the canonical request carries for the payload: the body's hash, or, when the call says
/// `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`, the hash of that literal, as the vendor documents.
fn payload_hash(request: &ApiRequest) -> String {
    match request.header("x-tc-content-sha256") {
        Some(UNSIGNED_PAYLOAD) => sha256_hex(UNSIGNED_PAYLOAD.as_bytes()),
        _ => sha256_hex(&request.body),
    }
}

fn utc_date(at: OffsetDateTime) -> String {
    at.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// Method, path, query, `name:value` lines (lower-cased, trimmed), signed names, payload hash.
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    signed_headers: &[(String, String)],
    payload_hash: &str,
) -> String {
    let header_lines: String = signed_headers
        .iter()
        .map(|(name, value)| {
            format!(
                "{}:{}\n",
                name.to_ascii_lowercase(),
                value.trim().to_ascii_lowercase()
            )
        })
        .collect();
    let names: Vec<String> = signed_headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    format!(
        "{method}\n{path}\n{query}\n{header_lines}\n{}\n{payload_hash}",
        names.join(";")
    )
}

pub(crate) fn string_to_sign(
    timestamp: &str,
    date: &str,
    service: &str,
    canonical: &str,
) -> String {
    format!(
        "{TC3}\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        sha256_hex(canonical.as_bytes())
    )
}

/// Hex HMAC-SHA256 of the string to sign under the key derived from secret, date and service.
pub(crate) fn signature(
    secret_key: &str,
    date: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let key_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let key_service = hmac_sha256(&key_date, service.as_bytes());
    let key_signing = hmac_sha256(&key_service, b"tc3_request");
    hex::encode(hmac_sha256(&key_signing, string_to_sign.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderValue, Method};

    const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    const VECTOR_A_BODY: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    const VECTOR_A_SIGNATURE: &str =
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";
    const VECTOR_A_TIME: i64 = 1551113065;

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn vector_a_stage_by_stage() {
        assert_eq!(
            sha256_hex(VECTOR_A_BODY.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let by_hand = "POST\n/\n\n\
            content-type:application/json; charset=utf-8\n\
            host:cvm.tencentcloudapi.com\n\
            \n\
            content-type;host\n\
            35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064";
        let canonical = canonical_request(
            "POST",
            "/",
            "",
            &headers(&[
                ("content-type", "application/json; charset=utf-8"),
                ("host", "cvm.tencentcloudapi.com"),
            ]),
            &sha256_hex(VECTOR_A_BODY.as_bytes()),
        );
        assert_eq!(canonical, by_hand);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        let sts = string_to_sign("1551113065", "2019-02-25", "cvm", &canonical);
        assert_eq!(
            sts,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            signature(SECRET_KEY, "2019-02-25", "cvm", &sts),
            VECTOR_A_SIGNATURE
        );
    }

    #[test]
    fn vector_b_get_with_query() {
        let by_hand = "GET\n/\nLimit=10&Offset=0\n\
            content-type:application/x-www-form-urlencoded\n\
            host:cvm.tencentcloudapi.com\n\
            \n\
            content-type;host\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let canonical = canonical_request(
            "GET",
            "/",
            "Limit=10&Offset=0",
            &headers(&[
                ("content-type", "application/x-www-form-urlencoded"),
                ("host", "cvm.tencentcloudapi.com"),
            ]),
            &sha256_hex(b""),
        );
        assert_eq!(canonical, by_hand);
        let sts = string_to_sign("1539084154", "2018-10-09", "cvm", &canonical);
        assert_eq!(
            signature(SECRET_KEY, "2018-10-09", "cvm", &sts),
            "5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474"
        );
    }

    fn vector_a_request(authorization: &str) -> ApiRequest {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers.insert("host", HeaderValue::from_static("cvm.tencentcloudapi.com"));
        headers.insert("x-tc-timestamp", HeaderValue::from_static("1551113065"));
        headers.insert(
            "authorization",
            HeaderValue::from_str(authorization).expect("header"),
        );
        ApiRequest {
            method: Method::POST,
            path: "/".to_owned(),
            query: String::new(),
            headers,
            body: Bytes::from_static(VECTOR_A_BODY.as_bytes()),
        }
    }

    fn vector_a_authorization(signature: &str) -> String {
        format!(
            "{TC3} Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, Signature={signature}"
        )
    }

    fn credential(token: Option<&str>) -> TencentCredential {
        TencentCredential {
            secret_id: "AKIDEXAMPLE".to_owned(),
            secret_key: SECRET_KEY.to_owned(),
            token: token.map(str::to_owned),
        }
    }

    fn verify_at(
        request: &ApiRequest,
        seconds: i64,
        known: Option<TencentCredential>,
    ) -> Result<(), TencentError> {
        let authorization = Authorization::parse(request.header("authorization"))?;
        let now = OffsetDateTime::from_unix_timestamp(seconds).expect("time");
        verify(
            request,
            &authorization,
            |_| known,
            now,
            Duration::from_secs(300),
        )
    }

    #[test]
    fn vector_a_verifies_as_a_request() {
        let request = vector_a_request(&vector_a_authorization(VECTOR_A_SIGNATURE));
        let authorization = Authorization::parse(request.header("authorization")).expect("parse");
        assert_eq!(authorization.service, "cvm");
        assert_eq!(
            verify_at(&request, VECTOR_A_TIME, Some(credential(None))),
            Ok(())
        );
        assert_eq!(
            verify_at(&request, VECTOR_A_TIME + 299, Some(credential(None))),
            Ok(())
        );
    }

    #[test]
    fn an_unsigned_payload_signs_the_literal_instead_of_the_body() {
        let headers = headers(&[
            ("content-type", "application/json"),
            ("host", "cvm.tencentcloudapi.com"),
        ]);
        let unsigned = sha256_hex(UNSIGNED_PAYLOAD.as_bytes());
        assert_eq!(
            unsigned,
            "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96"
        );
        let canonical = canonical_request("POST", "/", "", &headers, &unsigned);
        let sts = string_to_sign("1551113065", "2019-02-25", "cvm", &canonical);
        let signed = signature(SECRET_KEY, "2019-02-25", "cvm", &sts);
        let mut request = vector_a_request(&vector_a_authorization(&signed));
        request
            .headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        assert_eq!(
            verify_at(&request, VECTOR_A_TIME, Some(credential(None)))
                .unwrap_err()
                .code,
            "AuthFailure.SignatureFailure"
        );
        request.headers.insert(
            "x-tc-content-sha256",
            HeaderValue::from_static(UNSIGNED_PAYLOAD),
        );
        assert_eq!(
            verify_at(&request, VECTOR_A_TIME, Some(credential(None))),
            Ok(())
        );
    }

    #[test]
    fn negative_cases() {
        let good = vector_a_request(&vector_a_authorization(VECTOR_A_SIGNATURE));
        let code = |result: Result<(), TencentError>| result.unwrap_err().code;

        assert_eq!(
            code(verify_at(
                &good,
                VECTOR_A_TIME + 301,
                Some(credential(None))
            )),
            "AuthFailure.SignatureExpire"
        );
        assert_eq!(
            code(verify_at(
                &good,
                VECTOR_A_TIME - 301,
                Some(credential(None))
            )),
            "AuthFailure.SignatureExpire"
        );
        assert_eq!(
            code(verify_at(&good, VECTOR_A_TIME, None)),
            "AuthFailure.SecretIdNotFound"
        );

        let wrong = vector_a_request(&vector_a_authorization(
            &VECTOR_A_SIGNATURE.replace('7', "8"),
        ));
        let error = verify_at(&wrong, VECTOR_A_TIME, Some(credential(None))).unwrap_err();
        assert_eq!(error.code, "AuthFailure.SignatureFailure");
        assert!(error
            .message
            .contains("5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"));

        let mut tampered = good.clone();
        tampered.body = Bytes::from_static(b"{\"Limit\": 2}");
        assert_eq!(
            code(verify_at(&tampered, VECTOR_A_TIME, Some(credential(None)))),
            "AuthFailure.SignatureFailure"
        );

        let mut no_timestamp = good.clone();
        no_timestamp.headers.remove("x-tc-timestamp");
        assert_eq!(
            code(verify_at(
                &no_timestamp,
                VECTOR_A_TIME,
                Some(credential(None))
            )),
            "MissingParameter"
        );

        let unsigned_host = vector_a_request(&format!(
            "{TC3} Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type, Signature=00"
        ));
        assert_eq!(
            code(verify_at(
                &unsigned_host,
                VECTOR_A_TIME,
                Some(credential(None))
            )),
            "AuthFailure.InvalidAuthorization"
        );

        let wrong_date = vector_a_request(&format!(
            "{TC3} Credential=AKIDEXAMPLE/2019-02-24/cvm/tc3_request, SignedHeaders=content-type;host, Signature={VECTOR_A_SIGNATURE}"
        ));
        assert_eq!(
            code(verify_at(
                &wrong_date,
                VECTOR_A_TIME,
                Some(credential(None))
            )),
            "AuthFailure.SignatureFailure"
        );

        assert_eq!(
            code(Authorization::parse(Some("TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm, SignedHeaders=host, Signature=00")).map(|_| ())),
            "AuthFailure.InvalidAuthorization"
        );
    }

    #[test]
    fn tokens_must_match_temporary_keys() {
        let good = vector_a_request(&vector_a_authorization(VECTOR_A_SIGNATURE));
        let error = verify_at(&good, VECTOR_A_TIME, Some(credential(Some("token")))).unwrap_err();
        assert_eq!(error.code, "AuthFailure.TokenFailure");

        let mut with_token = good.clone();
        with_token
            .headers
            .insert("x-tc-token", HeaderValue::from_static("token"));
        assert_eq!(
            verify_at(&with_token, VECTOR_A_TIME, Some(credential(Some("token")))),
            Ok(())
        );
        let error = verify_at(&with_token, VECTOR_A_TIME, Some(credential(None))).unwrap_err();
        assert_eq!(error.code, "AuthFailure.TokenFailure");
    }
}
