//! Signs Tencent Cloud API 3.0 requests with TC3-HMAC-SHA256, from the published rules.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;

use super::client::Request;

pub const SECRET_ID: &str = "AKIDsim";
pub const SECRET_KEY: &str = "sim-secret";
pub const CDB_VERSION: &str = "2017-03-20";
pub const POSTGRES_VERSION: &str = "2017-03-12";

/// The API version the sim serves for a service.
pub fn version(service: &str) -> &'static str {
    match service {
        "cdb" => CDB_VERSION,
        "postgres" => POSTGRES_VERSION,
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
