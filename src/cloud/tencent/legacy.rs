//! Tencent Cloud legacy API v2 signature (HmacSHA256 / HmacSHA1 over raw sorted params). Pure.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

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

    #[test]
    fn signature_parameter_is_not_signed() {
        let with = string_to_sign("POST", "h", "/p", &[("Action", "A"), ("Signature", "x")]);
        assert_eq!(with, "POSTh/p?Action=A");
    }
}
