//! Signs Alibaba RPC requests, ACS3-HMAC-SHA256 and v1 HMAC-SHA1, from the published rules.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;

use super::client::Request;

pub const KEY_ID: &str = "LTAIsim";
pub const SECRET: &str = "sim-secret";
pub const POLARDB_VERSION: &str = "2017-08-01";

/// RFC 3986's unreserved characters (`A-Za-z0-9-_.~`), which stay as they are.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 percent-encoding.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}

fn sorted_query(params: &[(String, String)]) -> String {
    let mut pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.sort();
    pairs.join("&")
}

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .expect("format time")
}

pub fn new_nonce() -> String {
    format!("{:032x}", fastrand::u128(..))
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An ACS3-HMAC-SHA256 request, every part adjustable before signing.
#[derive(Debug, Clone)]
pub struct AcsV3 {
    pub method: String,
    pub action: String,
    pub version: String,
    pub query: Vec<(String, String)>,
    /// Parameters sent as a form body instead of the query.
    pub form: Vec<(String, String)>,
    pub date: OffsetDateTime,
    pub nonce: String,
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl AcsV3 {
    pub fn polardb(action: &str, params: &[(&str, &str)]) -> AcsV3 {
        AcsV3 {
            method: "POST".to_owned(),
            action: action.to_owned(),
            version: POLARDB_VERSION.to_owned(),
            query: owned(params),
            form: Vec::new(),
            date: OffsetDateTime::now_utc(),
            nonce: new_nonce(),
            key_id: KEY_ID.to_owned(),
            secret: SECRET.to_owned(),
            token: None,
        }
    }

    pub fn to_request(&self, host: &str) -> Request {
        let body = if self.form.is_empty() {
            Vec::new()
        } else {
            sorted_query(&self.form).into_bytes()
        };
        let body_hash = hex::encode(Sha256::digest(&body));
        let mut headers = vec![
            ("host".to_owned(), host.to_owned()),
            ("x-acs-action".to_owned(), self.action.clone()),
            ("x-acs-content-sha256".to_owned(), body_hash.clone()),
            ("x-acs-date".to_owned(), timestamp(self.date)),
            ("x-acs-signature-nonce".to_owned(), self.nonce.clone()),
            ("x-acs-version".to_owned(), self.version.clone()),
        ];
        if let Some(token) = &self.token {
            headers.push(("x-acs-security-token".to_owned(), token.clone()));
        }
        if !self.form.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        headers.sort();
        let query = sorted_query(&self.query);
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let signed: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let signed = signed.join(";");
        let canonical = format!(
            "{}\n/\n{query}\n{canonical_headers}\n{signed}\n{body_hash}",
            self.method
        );
        let string_to_sign = format!(
            "ACS3-HMAC-SHA256\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).expect("key");
        mac.update(string_to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed},Signature={signature}",
            self.key_id
        );
        let target = if query.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{query}")
        };
        let mut request = Request {
            method: self.method.clone(),
            target,
            headers,
            body,
        };
        request
            .headers
            .push(("authorization".to_owned(), authorization));
        request
    }
}

/// A v1 (HMAC-SHA1) request; parameters go in the query (GET) or a form body (POST).
#[derive(Debug, Clone)]
pub struct AcsV1 {
    pub method: String,
    pub action: String,
    pub version: String,
    pub params: Vec<(String, String)>,
    pub date: OffsetDateTime,
    pub nonce: String,
    pub key_id: String,
    pub secret: String,
}

impl AcsV1 {
    pub fn polardb(method: &str, action: &str, params: &[(&str, &str)]) -> AcsV1 {
        AcsV1 {
            method: method.to_owned(),
            action: action.to_owned(),
            version: POLARDB_VERSION.to_owned(),
            params: owned(params),
            date: OffsetDateTime::now_utc(),
            nonce: new_nonce(),
            key_id: KEY_ID.to_owned(),
            secret: SECRET.to_owned(),
        }
    }

    pub fn to_request(&self, host: &str) -> Request {
        let mut all = self.params.clone();
        for (name, value) in [
            ("AccessKeyId", self.key_id.clone()),
            ("Action", self.action.clone()),
            ("Format", "JSON".to_owned()),
            ("SignatureMethod", "HMAC-SHA1".to_owned()),
            ("SignatureNonce", self.nonce.clone()),
            ("SignatureVersion", "1.0".to_owned()),
            ("Timestamp", timestamp(self.date)),
            ("Version", self.version.clone()),
        ] {
            all.push((name.to_owned(), value));
        }
        let string_to_sign = format!("{}&%2F&{}", self.method, encode(&sorted_query(&all)));
        let mut mac =
            Hmac::<Sha1>::new_from_slice(format!("{}&", self.secret).as_bytes()).expect("key");
        mac.update(string_to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        all.push(("Signature".to_owned(), signature));
        let encoded = sorted_query(&all);
        if self.method == "GET" {
            Request::new("GET", &format!("/?{encoded}"), host)
        } else {
            Request::new(&self.method, "/", host)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded.into_bytes())
        }
    }
}
