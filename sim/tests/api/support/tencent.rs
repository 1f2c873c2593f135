//! Signs Tencent Cloud API 3.0 requests with TC3-HMAC-SHA256, from the published rules.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;

use super::client::Request;

pub const SECRET_ID: &str = "AKIDsim";
pub const SECRET_KEY: &str = "sim-secret";
pub const CDB_VERSION: &str = "2017-03-20";
pub const POSTGRES_VERSION: &str = "2017-03-12";
pub const MARIADB_VERSION: &str = "2017-03-12";

/// The API version the sim serves for a service.
pub fn version(service: &str) -> &'static str {
    match service {
        "cdb" => CDB_VERSION,
        "postgres" => POSTGRES_VERSION,
        "mariadb" => MARIADB_VERSION,
        other => panic!("no version known for service {other}"),
    }
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("key");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A TC3-signed JSON POST.
#[derive(Debug, Clone)]
pub struct Tc3 {
    pub service: String,
    pub action: String,
    pub version: String,
    pub body: String,
    pub at: OffsetDateTime,
    pub secret_id: String,
    pub secret_key: String,
    pub token: Option<String>,
}

impl Tc3 {
    pub fn new(service: &str, action: &str, version: &str, body: &str) -> Tc3 {
        Tc3 {
            service: service.to_owned(),
            action: action.to_owned(),
            version: version.to_owned(),
            body: body.to_owned(),
            at: OffsetDateTime::now_utc(),
            secret_id: SECRET_ID.to_owned(),
            secret_key: SECRET_KEY.to_owned(),
            token: None,
        }
    }

    pub fn to_request(&self, host: &str) -> Request {
        let content_type = "application/json; charset=utf-8";
        let timestamp = self.at.unix_timestamp().to_string();
        let date = self
            .at
            .format(format_description!("[year]-[month]-[day]"))
            .expect("date");
        let canonical = format!(
            "POST\n/\n\ncontent-type:{content_type}\nhost:{}\n\ncontent-type;host\n{}",
            host.to_ascii_lowercase(),
            hex::encode(Sha256::digest(self.body.as_bytes()))
        );
        let string_to_sign = format!(
            "TC3-HMAC-SHA256\n{timestamp}\n{date}/{}/tc3_request\n{}",
            self.service,
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let key = hmac(format!("TC3{}", self.secret_key).as_bytes(), &date);
        let key = hmac(&key, &self.service);
        let key = hmac(&key, "tc3_request");
        let signature = hex::encode(hmac(&key, &string_to_sign));
        let mut request = Request::new("POST", "/", host)
            .header("content-type", content_type)
            .header("x-tc-action", &self.action)
            .header("x-tc-version", &self.version)
            .header("x-tc-timestamp", &timestamp)
            .header("x-tc-region", "ap-guangzhou")
            .header(
                "authorization",
                &format!(
                    "TC3-HMAC-SHA256 Credential={}/{date}/{}/tc3_request, SignedHeaders=content-type;host, Signature={signature}",
                    self.secret_id, self.service
                ),
            )
            .body(self.body.clone().into_bytes());
        if let Some(token) = &self.token {
            request = request.header("x-tc-token", token);
        }
        request
    }
}

/// A call signed in its parameters with HmacSHA256, as the SDKs' `signMethod` sends it:
/// everything in the query (GET) or a form body (POST), Base64 HMAC over the method, host,
/// path and the sorted raw pairs.
#[derive(Debug, Clone)]
pub struct ParamSigned {
    pub method: String,
    pub action: String,
    pub version: String,
    /// The action's own parameters, flattened (`Accounts.0.User`).
    pub params: Vec<(String, String)>,
    pub at: OffsetDateTime,
    pub secret_key: String,
}

impl ParamSigned {
    pub fn new(method: &str, action: &str, version: &str, params: &[(&str, &str)]) -> ParamSigned {
        ParamSigned {
            method: method.to_owned(),
            action: action.to_owned(),
            version: version.to_owned(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            at: OffsetDateTime::now_utc(),
            secret_key: SECRET_KEY.to_owned(),
        }
    }

    pub fn to_request(&self, host: &str) -> Request {
        let mut all = self.params.clone();
        for (name, value) in [
            ("Action", self.action.as_str()),
            ("Version", self.version.as_str()),
            ("Region", "ap-guangzhou"),
            ("SecretId", SECRET_ID),
            ("Nonce", "4417"),
            ("Timestamp", &self.at.unix_timestamp().to_string()),
            ("SignatureMethod", "HmacSHA256"),
        ] {
            all.push((name.to_owned(), value.to_owned()));
        }
        let mut sorted = all.clone();
        sorted.sort();
        let pairs: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let string_to_sign = format!("{}{host}/?{}", self.method, pairs.join("&"));
        let signature = base64::engine::general_purpose::STANDARD
            .encode(hmac(self.secret_key.as_bytes(), &string_to_sign));
        all.push(("Signature".to_owned(), signature));
        let encoded: Vec<String> = all
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    super::alibaba::encode(k),
                    super::alibaba::encode(v)
                )
            })
            .collect();
        let encoded = encoded.join("&");
        if self.method == "GET" {
            Request::new("GET", &format!("/?{encoded}"), host)
                .header("content-type", "application/x-www-form-urlencoded")
        } else {
            Request::new(&self.method, "/", host)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded.into_bytes())
        }
    }
}

/// A legacy API v2 call (`/v2/index.php`), signed with HmacSHA256 over the method, host, path
/// and the sorted raw pairs, every parameter in the query (GET) or a form body (POST).
#[derive(Debug, Clone)]
pub struct V2 {
    pub method: String,
    pub action: String,
    /// `Version` for TDSQL's action; cdb's v2 action takes none.
    pub version: Option<String>,
    pub params: Vec<(String, String)>,
    pub timestamp: i64,
    pub nonce: String,
    pub secret_id: String,
    pub secret_key: String,
}

impl V2 {
    pub fn new(method: &str, action: &str, params: &[(&str, &str)]) -> V2 {
        V2 {
            method: method.to_owned(),
            action: action.to_owned(),
            version: None,
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            timestamp: OffsetDateTime::now_utc().unix_timestamp(),
            nonce: fastrand::u32(1..).to_string(),
            secret_id: SECRET_ID.to_owned(),
            secret_key: SECRET_KEY.to_owned(),
        }
    }

    pub fn to_request(&self, host: &str) -> Request {
        let mut all = self.params.clone();
        let timestamp = self.timestamp.to_string();
        let mut common = vec![
            ("Action", self.action.as_str()),
            ("Region", "gz"),
            ("SecretId", self.secret_id.as_str()),
            ("Nonce", self.nonce.as_str()),
            ("Timestamp", timestamp.as_str()),
            ("SignatureMethod", "HmacSHA256"),
        ];
        if let Some(version) = &self.version {
            common.push(("Version", version.as_str()));
        }
        all.extend(
            common
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let mut sorted = all.clone();
        sorted.sort();
        let pairs: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let string_to_sign = format!("{}{host}/v2/index.php?{}", self.method, pairs.join("&"));
        let signature = base64::engine::general_purpose::STANDARD
            .encode(hmac(self.secret_key.as_bytes(), &string_to_sign));
        all.push(("Signature".to_owned(), signature));
        let encoded: Vec<String> = all
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    super::alibaba::encode(k),
                    super::alibaba::encode(v)
                )
            })
            .collect();
        let encoded = encoded.join("&");
        if self.method == "GET" {
            Request::new("GET", &format!("/v2/index.php?{encoded}"), host)
        } else {
            Request::new(&self.method, "/v2/index.php", host)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded.into_bytes())
        }
    }
}
