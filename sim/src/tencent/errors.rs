//! Tencent Cloud API 3.0's error envelope and the error codes the sim answers.

use serde_json::{json, Value};

use crate::pipeline::VendorError;

/// A Tencent API error: `Code` and `Message`, always answered with HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub(crate) struct TencentError {
    pub code: String,
    pub message: String,
}

impl TencentError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        TencentError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn missing_parameter(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("The required parameter `{name}` is missing."),
        )
    }

    pub(crate) fn invalid_authorization(message: impl Into<String>) -> Self {
        Self::new("AuthFailure.InvalidAuthorization", message)
    }

    pub(crate) fn signature_expire(message: impl Into<String>) -> Self {
        Self::new("AuthFailure.SignatureExpire", message)
    }

    pub(crate) fn signature_failure(message: impl Into<String>) -> Self {
        Self::new("AuthFailure.SignatureFailure", message)
    }

    pub(crate) fn secret_id_not_found(secret_id: &str) -> Self {
        Self::new(
            "AuthFailure.SecretIdNotFound",
            format!("The SecretId `{secret_id}` does not exist."),
        )
    }

    pub(crate) fn token_failure(message: impl Into<String>) -> Self {
        Self::new("AuthFailure.TokenFailure", message)
    }

    pub(crate) fn invalid_action(service: &str, action: &str) -> Self {
        Self::new(
            "InvalidAction",
            format!("The action `{action}` of service `{service}` does not exist or is not served by clouddb-sim."),
        )
    }

    pub(crate) fn no_such_version(service: &str, version: &str) -> Self {
        Self::new(
            "NoSuchVersion",
            format!("The API version `{version}` of service `{service}` does not exist."),
        )
    }

    /// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
    pub(crate) fn envelope(&self, request_id: &str) -> Value {
        json!({
            "Response": {
                "Error": {"Code": self.code, "Message": self.message},
                "RequestId": request_id,
            }
        })
    }
}

impl VendorError for TencentError {
    fn throttled(_service: &str, action: &str, per_second: u32) -> Self {
        Self::new(
            "RequestLimitExceeded",
            format!(
                "The request rate exceeds the limit of {action}: {per_second} calls per second."
            ),
        )
    }

    fn injected(code: &str, message: Option<&str>) -> Self {
        Self::new(code, message.unwrap_or_else(|| usual_message(code)))
    }
}

/// A plausible message for a code, for faults that name only the code.
fn usual_message(code: &str) -> &'static str {
    match code {
        c if c.starts_with("RequestLimitExceeded") => {
            "The request rate exceeds the limit; retry later."
        }
        "InternalError" => "An internal error occurred; retry later.",
        "ResourceInUse" => "The resource is in use; retry later.",
        "ResourceUnavailable" => "The resource is unavailable; retry later.",
        "ResourceBusy" => "The resource is busy; retry later.",
        "OperationDenied.InstanceStatusLimitOpError" => {
            "The instance's current status does not allow this operation; retry later."
        }
        "FailedOperation.StatusConflict" => "Another operation is running on the instance.",
        "UnauthorizedOperation" => "The caller is not authorized to call this action.",
        _ => "Injected fault.",
    }
}

/// A request id in Tencent's form: a lower-case UUID.
pub(crate) fn new_request_id() -> String {
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[fastrand::usize(..16)]))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_nests_the_error_in_response() {
        let body = TencentError::invalid_action("cdb", "Nope").envelope("rid");
        assert_eq!(body["Response"]["Error"]["Code"], "InvalidAction");
        assert_eq!(body["Response"]["RequestId"], "rid");
    }
}
