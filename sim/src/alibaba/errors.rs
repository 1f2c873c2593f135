//! Alibaba Cloud's error envelope and the error codes the sim answers, with their HTTP statuses.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::pipeline::VendorError;

/// An Alibaba API error: HTTP status, `Code` and `Message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub(crate) struct AlibabaError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl AlibabaError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        AlibabaError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn missing_parameter(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!("The required parameter \"{name}\" is missing or empty."),
        )
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameter", message)
    }

    pub(crate) fn unknown_parameter(name: &str, action: &str) -> Self {
        Self::invalid_parameter(format!(
            "The parameter \"{name}\" is not a parameter of {action}."
        ))
    }

    pub(crate) fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "IncompleteSignature", message)
    }

    pub(crate) fn signature_does_not_match(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", detail)
    }

    pub(crate) fn illegal_timestamp(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "IllegalTimestamp", message)
    }

    pub(crate) fn malformed_timestamp(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Format",
            format!("The {name} \"{value}\" is not a UTC time of the form YYYY-MM-DDThh:mm:ssZ."),
        )
    }

    pub(crate) fn access_key_not_found(access_key_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            format!("The AccessKey ID \"{access_key_id}\" does not exist."),
        )
    }

    pub(crate) fn nonce_used(nonce: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            format!("The signature nonce \"{nonce}\" was already used; use a new nonce for every request."),
        )
    }

    pub(crate) fn security_token_mismatch(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.MismatchWithAccessKey",
            message,
        )
    }

    pub(crate) fn invalid_version(version: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            format!("The API version \"{version}\" is not served; PolarDB is version 2017-08-01."),
        )
    }

    pub(crate) fn action_not_found(action: &str, version: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            format!("The action \"{action}\" does not exist in API version {version}."),
        )
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message)
    }

    /// The JSON body: `{"RequestId", "HostId", "Code", "Message", "Recommend"}`.
    pub(crate) fn envelope(&self, request_id: &str, host_id: &str, product: Option<&str>) -> Value {
        let mut recommend = format!("https://api.aliyun.com/troubleshoot?q={}", self.code);
        if let Some(product) = product {
            recommend.push_str("&product=");
            recommend.push_str(product);
        }
        json!({
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": recommend,
        })
    }
}

impl VendorError for AlibabaError {
    fn throttled(_service: &str, action: &str, per_second: u32) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Throttling.User",
            format!("The request was denied by flow control: {action} allows {per_second} calls per second."),
        )
    }

    fn injected(code: &str, message: Option<&str>) -> Self {
        let (status, usual_message) = known_code(code);
        Self::new(status, code, message.unwrap_or(usual_message))
    }
}

/// The HTTP status and a plausible message for a code, for faults that name only the code.
fn known_code(code: &str) -> (StatusCode, &'static str) {
    match code {
        "Throttling" | "Throttling.User" | "Throttling.Api" => (
            StatusCode::BAD_REQUEST,
            "The request was denied by flow control; retry later.",
        ),
        "ServiceUnavailable" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable; retry later.",
        ),
        "InternalError" => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "An internal error occurred; retry later.",
        ),
        "LockTimeout" => (
            StatusCode::BAD_REQUEST,
            "The request timed out waiting for a lock; retry later.",
        ),
        "ConcurrentTaskExceeded" => (
            StatusCode::BAD_REQUEST,
            "Too many tasks are running on this cluster; retry later.",
        ),
        "OperationDenied.DBClusterStatus" => (
            StatusCode::BAD_REQUEST,
            "The cluster's current status does not allow this operation.",
        ),
        "Forbidden.RAM" => (
            StatusCode::FORBIDDEN,
            "The RAM user is not authorized to call this action.",
        ),
        "IncorrectAccountPrivilegeType" => (
            StatusCode::FORBIDDEN,
            "The account's privilege type does not allow this operation.",
        ),
        "InvalidDBClusterId.NotFound" | "InvalidDBCluster.NotFound" => {
            (StatusCode::NOT_FOUND, "The DBClusterId does not exist.")
        }
        "InvalidAccountName.NotFound" => (StatusCode::NOT_FOUND, "The account does not exist."),
        "InvalidAccessKeyId.NotFound" => {
            (StatusCode::NOT_FOUND, "The AccessKey ID does not exist.")
        }
        code if code.starts_with("InternalError") => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "An internal error occurred (injected fault).",
        ),
        code if code.starts_with("ServiceUnavailable") => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is unavailable (injected fault).",
        ),
        _ => (StatusCode::BAD_REQUEST, "Injected fault."),
    }
}

/// A request id in Alibaba's form: an upper-case UUID.
pub(crate) fn new_request_id() -> String {
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789ABCDEF"[fastrand::usize(..16)]))
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
    fn injected_codes_get_plausible_statuses() {
        assert_eq!(
            AlibabaError::injected("ServiceUnavailable", None).status,
            503
        );
        assert_eq!(AlibabaError::injected("Throttling.User", None).status, 400);
        assert_eq!(
            AlibabaError::injected("InternalError.Backend", None).status,
            500
        );
        let error = AlibabaError::injected("LockTimeout", Some("slow"));
        assert_eq!(
            (error.status.as_u16(), error.message.as_str()),
            (400, "slow")
        );
    }

    #[test]
    fn throttling_is_throttling_user() {
        let error = AlibabaError::throttled("polardb", "GrantAccountPrivilege", 5);
        assert_eq!(
            (error.status.as_u16(), error.code.as_str()),
            (400, "Throttling.User")
        );
    }

    #[test]
    fn the_envelope_has_the_five_fields() {
        let body = AlibabaError::missing_parameter("DBName").envelope(
            "ID",
            "polardb.aliyuncs.com",
            Some("polardb"),
        );
        let keys: Vec<_> = body.as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys.len(), 5);
        assert_eq!(body["Code"], "MissingParameter");
        assert!(body["Message"]
            .as_str()
            .unwrap_or_default()
            .contains("DBName"));
    }

    #[test]
    fn request_ids_look_like_alibabas() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
