//! Credentials for the vendors' APIs, with secrets that never print.

use std::fmt;

use super::redact::Redactor;

/// A secret string (secret key, session token). `Debug` and `Display` print `<redacted>`;
/// only [`Secret::expose`] reads it, so a secret can't reach a log or a diagnostic by accident.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call it only where the value is used (signing, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Tencent Cloud API credentials (`TENCENTCLOUD_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TencentCredentials {
    pub secret_id: String,
    pub secret_key: Secret,
    /// STS session token, sent as `X-TC-Token` (API 3.0) or `Token` (legacy v2).
    pub security_token: Option<Secret>,
    /// Default region (`X-TC-Region`) when a call names none.
    pub region: Option<String>,
    /// Base URL for every Tencent service instead of `https://<service>.tencentcloudapi.com`,
    /// e.g. `http://127.0.0.1:8600` for clouddb-sim.
    pub endpoint: Option<String>,
    /// Write through the legacy API v2 (`/v2/index.php`) where a resource has a v2 action.
    pub legacy_api: bool,
}

impl TencentCredentials {
    /// Removes this key's secret and token from vendor answers.
    pub fn redactor(&self) -> Redactor {
        secrets_redactor(&self.secret_key, self.security_token.as_ref())
    }

    /// What the vendor counts calls of against its rate limits: the key id (never the secret),
    /// at the endpoint the calls go to.
    pub fn rate_limit_identity(&self) -> String {
        format!(
            "tencentcloud\n{}\n{}",
            self.endpoint.as_deref().unwrap_or_default(),
            self.secret_id
        )
    }
}

/// Alibaba Cloud API credentials (`ALICLOUD_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlibabaCredentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    /// STS session token, sent as `x-acs-security-token`.
    pub security_token: Option<Secret>,
    pub region: String,
    /// Base URL instead of the product's regional endpoint, e.g. `http://127.0.0.1:8600`.
    pub endpoint: Option<String>,
}

impl AlibabaCredentials {
    /// Removes this key's secret and token from vendor answers.
    pub fn redactor(&self) -> Redactor {
        secrets_redactor(&self.access_key_secret, self.security_token.as_ref())
    }
}

fn secrets_redactor(secret: &Secret, token: Option<&Secret>) -> Redactor {
    Redactor::new(
        [Some(secret), token]
            .into_iter()
            .flatten()
            .map(Secret::expose),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let credentials = AlibabaCredentials {
            access_key_id: "LTAIsim".into(),
            access_key_secret: Secret::new("very-secret"),
            security_token: Some(Secret::new("sts-token")),
            region: "cn-hangzhou".into(),
            endpoint: None,
        };
        let printed = format!("{credentials:?} {}", credentials.access_key_secret);
        assert!(!printed.contains("very-secret"));
        assert!(!printed.contains("sts-token"));
        assert!(printed.contains("LTAIsim"));
        assert_eq!(credentials.access_key_secret.expose(), "very-secret");
    }

    #[test]
    fn tencent_credentials_debug_redacts_the_key() {
        let credentials = TencentCredentials {
            secret_id: "AKIDsim".into(),
            secret_key: "sim-secret".into(),
            security_token: None,
            region: Some("ap-guangzhou".into()),
            endpoint: None,
            legacy_api: false,
        };
        assert!(!format!("{credentials:?}").contains("sim-secret"));
    }
}
