//! The one error type of the cloud clients: what failed, the vendor's code and RequestId.

use std::time::Duration;

use super::redact::Redactor;

/// Codes that mean the cluster or instance does not exist (any vendor), besides every Tencent
/// `ResourceNotFound.*` that names no account. TDSQL and legacy CDB name a missing instance
/// `InstanceAlreadyDeleted` and `InstanceNotExists`.
const INSTANCE_NOT_FOUND_CODES: &[&str] = &[
    "InvalidDBClusterId.NotFound",
    "InvalidDBCluster.NotFound",
    "ResourceNotFound",
    "InvalidParameter.InstanceNotFound",
    "InstanceAlreadyDeleted",
    "ResourceUnavailable.InstanceAlreadyDeleted",
    "InstanceNotExists",
];

/// Codes that mean the account does not exist in an instance that does.
const ACCOUNT_NOT_FOUND_CODES: &[&str] = &[
    "InvalidAccountName.NotFound",
    "InvalidParameterValue.UserNotExistError",
    "InvalidParameterValue.AccountNotExist",
];

/// What a vendor's "does not exist" answer says is missing. The two are never confused: an
/// instance that cannot be found (a wrong region or endpoint, often) is not a deleted account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Instance,
    Account,
}

/// A failed cloud call. Every variant names the vendor action; none carries a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CloudError {
    /// The vendor answered with an error code.
    #[error("{action} failed: {code}: {message}{}{}", request_id_suffix(Some(.request_id.as_str())), credentials_hint(code))]
    Api {
        action: String,
        code: String,
        message: String,
        request_id: String,
    },
    /// The request did not reach the vendor or its answer was cut (DNS, connect, TLS, reset).
    #[error("{action} failed: could not reach the API: {detail}")]
    Transport { action: String, detail: String },
    /// No connection could be made at all (refused, unknown host): usually a wrong endpoint.
    #[error("{action} failed: could not connect to the API endpoint {endpoint}: {detail}. Check the endpoint setting and the network.")]
    Unreachable {
        action: String,
        endpoint: String,
        detail: String,
    },
    /// The operation's deadline passed while retrying.
    #[error(
        "{action} did not succeed before the operation's timeout elapsed (waited {}); {}",
        seconds(.waited),
        last_error_text(.last_error)
    )]
    Timeout {
        action: String,
        waited: Duration,
        last_error: Option<Box<CloudError>>,
    },
    /// The vendor answered something this client cannot read.
    #[error("{action} returned an unexpected response: {detail}{}", request_id_suffix(.request_id.as_deref()))]
    InvalidResponse {
        action: String,
        detail: String,
        request_id: Option<String>,
    },
    /// The caller asked for something the API cannot express; nothing was sent.
    #[error("{action} was not sent: {detail}")]
    InvalidRequest { action: String, detail: String },
    /// The client is misconfigured (e.g. an endpoint that is not a URL); nothing was sent.
    #[error("invalid cloud client configuration: {detail}")]
    Config { detail: String },
    /// An asynchronous task (CDB AsyncRequestId, MariaDB FlowId) ended in failure.
    #[error("{action} task {task_id} ended with status {status}: {info}")]
    TaskFailed {
        action: String,
        task_id: String,
        status: String,
        info: String,
    },
}

impl CloudError {
    /// The vendor action this error belongs to.
    pub fn action(&self) -> &str {
        match self {
            Self::Api { action, .. }
            | Self::Transport { action, .. }
            | Self::Unreachable { action, .. }
            | Self::Timeout { action, .. }
            | Self::InvalidResponse { action, .. }
            | Self::InvalidRequest { action, .. }
            | Self::TaskFailed { action, .. } => action,
            Self::Config { .. } => "configure",
        }
    }

    /// True when no attempt could connect: nothing reached the vendor, and reading the
    /// account back would fail the same way.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }

    /// A refused connection after an earlier attempt of the same call got through is no
    /// longer "nothing was sent": the change may have been made.
    pub(crate) fn after_an_attempt_got_through(self) -> Self {
        match self {
            Self::Unreachable {
                action,
                endpoint,
                detail,
            } => Self::Transport {
                action,
                detail: format!("an earlier attempt reached the API, then connections to {endpoint} were refused: {detail}"),
            },
            other => other,
        }
    }

    /// The vendor's error code, for [`CloudError::Api`] only.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The vendor's RequestId, when the vendor gave one (a timeout reports its last error's).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api { request_id, .. } => Some(request_id.as_str()).filter(|id| !id.is_empty()),
            Self::InvalidResponse { request_id, .. } => {
                request_id.as_deref().filter(|id| !id.is_empty())
            }
            Self::Timeout { last_error, .. } => last_error.as_deref().and_then(Self::request_id),
            _ => None,
        }
    }

    /// The same error with every secret removed from the text that came from outside
    /// (vendor messages, unreadable answers, network errors).
    pub fn redacted(self, redactor: &Redactor) -> Self {
        match self {
            Self::Api {
                action,
                code,
                message,
                request_id,
            } => Self::Api {
                action,
                code,
                message: redactor.redact(&message),
                request_id,
            },
            Self::Transport { action, detail } => Self::Transport {
                action,
                detail: redactor.redact(&detail),
            },
            Self::Unreachable {
                action,
                endpoint,
                detail,
            } => Self::Unreachable {
                action,
                endpoint,
                detail: redactor.redact(&detail),
            },
            Self::InvalidResponse {
                action,
                detail,
                request_id,
            } => Self::InvalidResponse {
                action,
                detail: redactor.redact(&detail),
                request_id,
            },
            Self::TaskFailed {
                action,
                task_id,
                status,
                info,
            } => Self::TaskFailed {
                action,
                task_id,
                status,
                info: redactor.redact(&info),
            },
            Self::Timeout {
                action,
                waited,
                last_error,
            } => Self::Timeout {
                action,
                waited,
                last_error: last_error.map(|error| Box::new(error.redacted(redactor))),
            },
            unchanged @ (Self::InvalidRequest { .. } | Self::Config { .. }) => unchanged,
        }
    }

    /// What the vendor says does not exist, if that is what it says.
    pub fn missing(&self) -> Option<Missing> {
        self.code().and_then(missing_of_code)
    }
}

fn missing_of_code(code: &str) -> Option<Missing> {
    let names_an_account = code.contains("Account") || code.contains("User");
    if ACCOUNT_NOT_FOUND_CODES.contains(&code)
        || (code.starts_with("ResourceNotFound.") && names_an_account)
    {
        Some(Missing::Account)
    } else if INSTANCE_NOT_FOUND_CODES.contains(&code) || code.starts_with("ResourceNotFound.") {
        Some(Missing::Instance)
    } else {
        None
    }
}

fn seconds(duration: &Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

fn last_error_text(last_error: &Option<Box<CloudError>>) -> String {
    match last_error {
        Some(error) => format!("last error: {error}"),
        None => "no attempt completed".to_owned(),
    }
}

/// ` (RequestId: <id>)`, or nothing when the vendor gave no id: an empty one says nothing.
/// What to check when the vendor refused the provider's credentials: its own message quotes
/// the string it signed, which does not say which setting is wrong.
fn credentials_hint(code: &str) -> &'static str {
    match code {
        "AuthFailure.SignatureFailure" => ". The signature does not match the SecretId's key: check the provider's tencentcloud secret_key (or TENCENTCLOUD_SECRET_KEY)",
        "AuthFailure.SecretIdNotFound" => ". The SecretId is unknown: check the provider's tencentcloud secret_id (or TENCENTCLOUD_SECRET_ID)",
        "AuthFailure.TokenFailure" => ". The STS token is refused (they expire): check the provider's tencentcloud security_token (or TENCENTCLOUD_SECURITY_TOKEN)",
        "AuthFailure.SignatureExpire" | "IllegalTimestamp" => ". The request's time is too far from the vendor's: check this machine's clock",
        "SignatureDoesNotMatch" => ". The signature does not match the AccessKey's secret: check the provider's alicloud secret_key (or ALICLOUD_SECRET_KEY)",
        "InvalidAccessKeyId.NotFound" => ". The AccessKey ID is unknown: check the provider's alicloud access_key (or ALICLOUD_ACCESS_KEY)",
        code if code.starts_with("InvalidSecurityToken.") => ". The STS token is refused (they expire, and belong to one AccessKey): check the provider's alicloud security_token (or ALICLOUD_SECURITY_TOKEN)",
        _ => "",
    }
}

fn request_id_suffix(request_id: Option<&str>) -> String {
    match request_id.filter(|id| !id.is_empty()) {
        Some(id) => format!(" (RequestId: {id})"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> CloudError {
        CloudError::Api {
            action: "GrantAccountPrivilege".into(),
            code: code.into(),
            message: "The specified account does not exist.".into(),
            request_id: "1A2B3C4D".into(),
        }
    }

    #[test]
    fn api_error_names_action_code_message_and_request_id() {
        assert_eq!(
            api("InvalidAccountName.NotFound").to_string(),
            "GrantAccountPrivilege failed: InvalidAccountName.NotFound: \
             The specified account does not exist. (RequestId: 1A2B3C4D)"
        );
    }

    #[test]
    fn api_error_without_a_request_id_names_none() {
        let error = CloudError::Api {
            action: "GrantAccountPrivilege".into(),
            code: "InvalidAccountName.NotFound".into(),
            message: "The specified account does not exist.".into(),
            request_id: String::new(),
        };
        assert_eq!(
            error.to_string(),
            "GrantAccountPrivilege failed: InvalidAccountName.NotFound: \
             The specified account does not exist."
        );
        assert_eq!(error.request_id(), None);
        let unexpected = CloudError::InvalidResponse {
            action: "DescribeAccounts".into(),
            detail: "body is not JSON".into(),
            request_id: Some(String::new()),
        };
        assert!(
            !unexpected.to_string().contains("RequestId"),
            "{unexpected}"
        );
        assert_eq!(unexpected.request_id(), None);
    }

    #[test]
    fn not_found_codes_of_both_vendors_tell_an_instance_from_an_account() {
        for code in [
            "InvalidDBClusterId.NotFound",
            "InvalidDBCluster.NotFound",
            "ResourceNotFound.CdbInstanceNotFoundError",
            "ResourceNotFound.InstanceNotFoundError",
            "InvalidParameter.InstanceNotFound",
            "InstanceNotExists",
        ] {
            assert_eq!(api(code).missing(), Some(Missing::Instance), "{code}");
        }
        for code in [
            "InvalidAccountName.NotFound",
            "InvalidParameterValue.UserNotExistError",
            "InvalidParameterValue.AccountNotExist",
            "ResourceNotFound.AccountNotFound",
        ] {
            assert_eq!(api(code).missing(), Some(Missing::Account), "{code}");
        }
        for code in ["InvalidParameter", "Throttling", "ResourceNotFoundish"] {
            assert_eq!(api(code).missing(), None, "{code}");
        }
        let transport = CloudError::Transport {
            action: "DescribeAccounts".into(),
            detail: "connection refused".into(),
        };
        assert_eq!(transport.missing(), None);
        assert_eq!(transport.code(), None);
    }

    #[test]
    fn timeout_tells_the_last_error_and_its_request_id() {
        let timeout = CloudError::Timeout {
            action: "ModifyAccountPrivileges".into(),
            waited: Duration::from_millis(12_500),
            last_error: Some(Box::new(api("RequestLimitExceeded"))),
        };
        let text = timeout.to_string();
        assert!(text.contains("timeout elapsed"), "{text}");
        assert!(text.contains("12.5s"), "{text}");
        assert!(text.contains("last error: GrantAccountPrivilege failed: RequestLimitExceeded"));
        assert_eq!(timeout.request_id(), Some("1A2B3C4D"));
        assert_eq!(timeout.code(), None);

        let silent = CloudError::Timeout {
            action: "DescribeAccounts".into(),
            waited: Duration::from_secs(1),
            last_error: None,
        };
        assert!(silent.to_string().ends_with("no attempt completed"));
    }

    #[test]
    fn redaction_reaches_the_last_error_of_a_timeout() {
        let redactor = Redactor::new(["sts-token"]);
        let leaky = CloudError::Api {
            action: "DescribeAccounts".into(),
            code: "SignatureDoesNotMatch".into(),
            message: "canonical request: x-acs-security-token:sts-token".into(),
            request_id: "R".into(),
        };
        let timeout = CloudError::Timeout {
            action: "DescribeAccounts".into(),
            waited: Duration::from_secs(1),
            last_error: Some(Box::new(leaky)),
        };
        let text = timeout.redacted(&redactor).to_string();
        assert!(text.contains("x-acs-security-token:<redacted>"), "{text}");
        assert!(!text.contains("sts-token"), "{text}");
    }

    #[test]
    fn invalid_response_shows_request_id_when_known() {
        let error = CloudError::InvalidResponse {
            action: "DescribeAccounts".into(),
            detail: "body is not JSON".into(),
            request_id: Some("RID".into()),
        };
        assert_eq!(
            error.to_string(),
            "DescribeAccounts returned an unexpected response: body is not JSON (RequestId: RID)"
        );
        assert_eq!(error.request_id(), Some("RID"));
    }
}
