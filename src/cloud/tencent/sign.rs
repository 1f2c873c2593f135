//! Tencent Cloud API 3.0 signature TC3-HMAC-SHA256, stage by stage. Pure.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// Lowercase hex SHA-256 (the payload hash and the canonical request hash).
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The UTC date `YYYY-MM-DD` of a time: the credential scope's date.
pub fn utc_date(time: OffsetDateTime) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    let format = format_description!("[year]-[month]-[day]");
    utc.format(&format)
        .unwrap_or_else(|_| utc.date().to_string())
}

/// The canonical header block and the signed header names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalHeaders {
    pub block: String,
    pub signed: String,
}

/// Names and values lower-cased and trimmed, sorted by name, each `name:value\n`.
pub fn canonical_headers(headers: &[(&str, &str)]) -> CanonicalHeaders {
    let mut normalized: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.trim().to_ascii_lowercase(),
                value.trim().to_ascii_lowercase(),
            )
        })
        .collect();
    normalized.sort();
    let block = normalized
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let signed = normalized
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    CanonicalHeaders { block, signed }
}

/// `method \n / \n query \n headers-block \n signed-headers \n payload-hash`
/// (the query is empty for POST).
pub fn canonical_request(
    method: &str,
    canonical_query: &str,
    headers: &CanonicalHeaders,
    payload_hash: &str,
) -> String {
    format!(
        "{method}\n/\n{canonical_query}\n{}\n{}\n{payload_hash}",
        headers.block, headers.signed
    )
}

/// `<date>/<service>/tc3_request`.
pub fn credential_scope(date: &str, service: &str) -> String {
    format!("{date}/{service}/tc3_request")
}

/// `TC3-HMAC-SHA256 \n timestamp \n scope \n hex(sha256(canonical request))`.
pub fn string_to_sign(timestamp: i64, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

/// `kSigning = HMAC(HMAC(HMAC("TC3" + key, date), service), "tc3_request")`.
pub fn signing_key(secret_key: &str, date: &str, service: &str) -> Vec<u8> {
    let date_key = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let service_key = hmac_sha256(&date_key, service.as_bytes());
    hmac_sha256(&service_key, b"tc3_request")
}

/// Lowercase hex HMAC of the string to sign with the signing key.
pub fn signature(signing_key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// `TC3-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<list>, Signature=<hex>`.
pub fn authorization(
    secret_id: &str,
    scope: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    format!(
        "{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// One request to sign.
#[derive(Clone, Copy, Debug)]
pub struct Tc3Request<'a> {
    pub method: &'a str,
    /// `host` header value, with `:port` when the port is not the scheme's default.
    pub host: &'a str,
    /// Empty for POST; the raw query string for GET.
    pub canonical_query: &'a str,
    pub content_type: &'a str,
    pub payload: &'a [u8],
    pub service: &'a str,
    pub time: OffsetDateTime,
}

/// The `Authorization` header value for a request signed over `content-type;host`.
pub fn sign(request: &Tc3Request<'_>, secret_id: &str, secret_key: &str) -> String {
    let headers = canonical_headers(&[
        ("content-type", request.content_type),
        ("host", request.host),
    ]);
    let canonical = canonical_request(
        request.method,
        request.canonical_query,
        &headers,
        &hex_sha256(request.payload),
    );
    let date = utc_date(request.time);
    let scope = credential_scope(&date, request.service);
    let string = string_to_sign(request.time.unix_timestamp(), &scope, &canonical);
    let signature = signature(&signing_key(secret_key, &date, request.service), &string);
    authorization(secret_id, &scope, &headers.signed, &signature)
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    const BODY_A: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn at(timestamp: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(timestamp).expect("timestamp")
    }

    #[test]
    fn vector_a_stage_by_stage() {
        assert_eq!(
            hex_sha256(BODY_A.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let headers = canonical_headers(&[
            ("content-type", "application/json; charset=utf-8"),
            ("host", "cvm.tencentcloudapi.com"),
        ]);
        assert_eq!(headers.signed, "content-type;host");
        let canonical = canonical_request("POST", "", &headers, &hex_sha256(BODY_A.as_bytes()));
        assert_eq!(
            hex_sha256(canonical.as_bytes()),
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        let date = utc_date(at(1_551_113_065));
        assert_eq!(date, "2019-02-25");
        let scope = credential_scope(&date, "cvm");
        let string = string_to_sign(1_551_113_065, &scope, &canonical);
        assert_eq!(
            signature(&signing_key(KEY, &date, "cvm"), &string),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn vector_a_authorization() {
        let request = Tc3Request {
            method: "POST",
            host: "cvm.tencentcloudapi.com",
            canonical_query: "",
            content_type: "application/json; charset=utf-8",
            payload: BODY_A.as_bytes(),
            service: "cvm",
            time: at(1_551_113_065),
        };
        assert_eq!(
            sign(&request, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", KEY),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn vector_b_get_with_query() {
        let request = Tc3Request {
            method: "GET",
            host: "cvm.tencentcloudapi.com",
            canonical_query: "Limit=10&Offset=0",
            content_type: "application/x-www-form-urlencoded",
            payload: b"",
            service: "cvm",
            time: at(1_539_084_154),
        };
        let authorization = sign(&request, "AKIDEXAMPLE", KEY);
        assert!(
            authorization.contains("/2018-10-09/cvm/tc3_request"),
            "{authorization}"
        );
        assert!(
            authorization.ends_with(
                "Signature=5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474"
            ),
            "{authorization}"
        );
    }
}
