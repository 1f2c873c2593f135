//! Alibaba Cloud request signatures: ACS3-HMAC-SHA256 (v3). Pure.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;

use crate::cloud::percent;

pub const ALGORITHM_V3: &str = "ACS3-HMAC-SHA256";

/// Lowercase hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC, the form of `x-acs-date` and v1 `Timestamp`.
pub fn acs_date(time: OffsetDateTime) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    // Formatting a valid date with a fixed numeric description cannot fail; fall back to
    // RFC 3339-like output instead of panicking if it ever did.
    utc.format(&format).unwrap_or_else(|_| utc.to_string())
}

/// Query parameters, encoded, sorted by key then value, `k=v` joined with `&`.
/// An empty value is written `k=`.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut encoded: Vec<(String, String)> = params
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

/// The canonical header block (`name:value\n` each) and the signed header list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalHeaders {
    pub block: String,
    pub signed: String,
}

/// Lower-cases names, trims values, sorts by name.
pub fn canonical_headers(headers: &[(&str, &str)]) -> CanonicalHeaders {
    let mut normalized: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim()))
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

/// `method \n path \n query \n headers-block \n signed-headers \n payload-hash`.
pub fn canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    headers: &CanonicalHeaders,
    payload_hash: &str,
) -> String {
    format!(
        "{method}\n{path}\n{canonical_query}\n{}\n{}\n{payload_hash}",
        headers.block, headers.signed
    )
}

/// `ACS3-HMAC-SHA256 \n hex(sha256(canonical request))`.
pub fn string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ALGORITHM_V3}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

/// Lowercase hex HMAC-SHA256 of the string to sign, keyed by the AccessKey secret.
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(
        access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    ))
}

/// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<list>,Signature=<hex>` (no spaces).
pub fn authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM_V3} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// One RPC-style request to sign with v3.
#[derive(Clone, Copy, Debug)]
pub struct RpcRequest<'a> {
    pub method: &'a str,
    /// `host` header value, with `:port` when the port is not the scheme's default.
    pub host: &'a str,
    pub path: &'a str,
    pub action: &'a str,
    pub version: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    pub date: OffsetDateTime,
    /// Unique per request (replay protection).
    pub nonce: &'a str,
    pub security_token: Option<&'a str>,
}

/// The headers to send (all `x-acs-*` and `Authorization`; `host` is sent by the HTTP client).
pub fn sign_v3(
    request: &RpcRequest<'_>,
    access_key_id: &str,
    access_key_secret: &str,
) -> Vec<(&'static str, String)> {
    let payload_hash = hex_sha256(request.body);
    let mut headers = vec![
        ("x-acs-action", request.action.to_owned()),
        ("x-acs-version", request.version.to_owned()),
        ("x-acs-date", acs_date(request.date)),
        ("x-acs-signature-nonce", request.nonce.to_owned()),
        ("x-acs-content-sha256", payload_hash.clone()),
    ];
    if let Some(token) = request.security_token {
        headers.push(("x-acs-security-token", token.to_owned()));
    }
    let mut signed: Vec<(&str, &str)> = vec![("host", request.host)];
    signed.extend(headers.iter().map(|(name, value)| (*name, value.as_str())));
    let canonical = canonical_headers(&signed);
    let canonical_request = canonical_request(
        request.method,
        request.path,
        &canonical_query(request.query),
        &canonical,
        &payload_hash,
    );
    let signature = signature(access_key_secret, &string_to_sign(&canonical_request));
    headers.push((
        "authorization",
        authorization(access_key_id, &canonical.signed, &signature),
    ));
    headers
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

    const VECTOR_QUERY: &[(&str, &str)] = &[
        (
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        ),
        ("RegionId", "cn-shanghai"),
    ];

    /// 2023-10-26T10:22:32Z
    fn vector_date() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_698_315_752).expect("date")
    }

    fn vector_headers() -> CanonicalHeaders {
        canonical_headers(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", &hex_sha256(b"")),
        ])
    }

    #[test]
    fn v3_vector_canonical_request_hash() {
        let headers = vector_headers();
        assert_eq!(
            headers.signed,
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        let query = canonical_query(VECTOR_QUERY);
        assert_eq!(
            query,
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
        let request = canonical_request("POST", "/", &query, &headers, &hex_sha256(b""));
        assert_eq!(
            hex_sha256(request.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signature("YourAccessKeySecret", &string_to_sign(&request)),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn v3_vector_through_sign_v3() {
        let request = RpcRequest {
            method: "POST",
            host: "ecs.cn-shanghai.aliyuncs.com",
            path: "/",
            action: "RunInstances",
            version: "2014-05-26",
            query: VECTOR_QUERY,
            body: b"",
            date: vector_date(),
            nonce: "3156853299f313e23d1673dc12e1703d",
            security_token: None,
        };
        let headers = sign_v3(&request, "YourAccessKeyId", "YourAccessKeySecret");
        let authorization = headers
            .iter()
            .find(|(name, _)| *name == "authorization")
            .map(|(_, value)| value.as_str());
        assert_eq!(
            authorization,
            Some(
                "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
                 SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;\
                 x-acs-signature-nonce;x-acs-version,\
                 Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
            )
        );
    }

    #[test]
    fn v3_signs_the_security_token() {
        let request = RpcRequest {
            method: "POST",
            host: "polardb.aliyuncs.com",
            path: "/",
            action: "DescribeAccounts",
            version: "2017-08-01",
            query: &[("DBClusterId", "pc-1")],
            body: b"",
            date: vector_date(),
            nonce: "n",
            security_token: Some("sts"),
        };
        let headers = sign_v3(&request, "id", "secret");
        assert!(headers.contains(&("x-acs-security-token", "sts".to_owned())));
        let authorization = &headers.last().expect("authorization").1;
        assert!(authorization.contains("x-acs-security-token;x-acs-signature-nonce"));
    }

    #[test]
    fn the_canonical_query_is_sorted_and_encoded() {
        assert_eq!(canonical_query(&[("b", ""), ("a", "x y")]), "a=x%20y&b=");
    }

    #[test]
    fn acs_date_is_utc_with_z() {
        let date = OffsetDateTime::from_unix_timestamp(1_698_315_752).expect("time");
        assert_eq!(acs_date(date), "2023-10-26T10:22:32Z");
        let shanghai = date.to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("offset"));
        assert_eq!(acs_date(shanghai), "2023-10-26T10:22:32Z");
    }
}
