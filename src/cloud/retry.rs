//! Which failures deserve another attempt, and how long to wait before it, within a deadline.

use std::time::Duration;

use tokio::time::Instant;

use super::error::CloudError;

/// Tencent codes worth retrying besides the `RequestLimitExceeded` and `InternalError`
/// families. Tencent answers every error with HTTP 200, so its server errors are only told
/// apart by these codes (docs/index.md lists them).
const TENCENT_RETRYABLE_CODES: &[&str] = &[
    "FailedOperation.DatabaseAccessError",
    "ResourceInUse",
    "ResourceUnavailable",
    "ResourceBusy",
    "OperationDenied.InstanceStatusLimitOpError",
    "FailedOperation.StatusConflict",
];

/// Alibaba codes worth retrying besides the `Throttling` family (docs/index.md lists them).
const ALIBABA_RETRYABLE_CODES: &[&str] = &[
    "ServiceUnavailable",
    "InternalError",
    "LockTimeout",
    "ConcurrentTaskExceeded",
    "OperationDenied.DBClusterStatus",
];

/// Whose error codes are being judged: the same code can be transient at one vendor and not
/// at the other (`RequestLimitExceeded` is Tencent's throttling, `Throttling` Alibaba's). Every
/// change the clients send leaves the same end state when repeated, so a server error that may
/// have half-applied one is retried too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    Tencent,
    Alibaba,
}

impl Vendor {
    /// True when the vendor's error code names a transient condition.
    pub fn is_retryable_code(self, code: &str) -> bool {
        match self {
            Self::Tencent => {
                is_in_family(code, "RequestLimitExceeded")
                    || is_in_family(code, "InternalError")
                    || TENCENT_RETRYABLE_CODES.contains(&code)
            }
            Self::Alibaba => {
                is_in_family(code, "Throttling") || ALIBABA_RETRYABLE_CODES.contains(&code)
            }
        }
    }
}

/// `family` itself or one of its dotted sub-codes (`Throttling.User`), never a mere prefix.
fn is_in_family(code: &str, family: &str) -> bool {
    code.strip_prefix(family)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The classifier: network failures, HTTP 5xx and the vendor's transient codes are retried;
/// everything else surfaces at once.
pub fn is_retryable(vendor: Vendor, error: &CloudError, http_status: Option<u16>) -> bool {
    let server_error = http_status.is_some_and(|status| (500..600).contains(&status));
    match error {
        CloudError::Transport { .. } | CloudError::Unreachable { .. } => true,
        CloudError::Api { code, .. } => server_error || vendor.is_retryable_code(code),
        CloudError::InvalidResponse { .. } => server_error,
        CloudError::Timeout { .. }
        | CloudError::InvalidRequest { .. }
        | CloudError::Config { .. }
        | CloudError::TaskFailed { .. } => false,
    }
}

/// Exponential backoff with equal jitter: the n-th wait lies in `[ceiling/2, ceiling]` where
/// `ceiling = min(cap, base * factor^n)`. Half of it is fixed so a retry never comes instantly;
/// the other half spreads clients that failed together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub factor: u32,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(200),
            factor: 2,
            cap: Duration::from_secs(10),
        }
    }
}

impl Backoff {
    /// The longest wait after the `retry`-th failure (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let multiplier = self.factor.checked_pow(retry).unwrap_or(u32::MAX);
        self.base
            .checked_mul(multiplier)
            .map_or(self.cap, |wait| wait.min(self.cap))
    }

    /// The wait after the `retry`-th failure; `jitter` in `[0, 1]` picks where in the range.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        half + (ceiling - half).mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// The retry state of one operation: counts attempts, remembers the last error, sleeps the
/// backoff, and turns "out of time" into [`CloudError::Timeout`] carrying that last error.
#[derive(Debug)]
pub struct Retrier {
    action: String,
    deadline: Instant,
    backoff: Backoff,
    started: Instant,
    attempt: u32,
    last_error: Option<CloudError>,
}

impl Retrier {
    pub fn new(action: impl Into<String>, deadline: Instant, backoff: Backoff) -> Self {
        Self {
            action: action.into(),
            deadline,
            backoff,
            started: Instant::now(),
            attempt: 0,
            last_error: None,
        }
    }

    /// 1 for the first attempt, 2 for the first retry, …
    pub fn attempt(&self) -> u32 {
        self.attempt + 1
    }

    /// True once the deadline has passed: no further attempt may start.
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Records a retryable failure and sleeps the backoff. When the next attempt could not
    /// start before the deadline, returns `Timeout` at once instead of sleeping past it.
    pub async fn wait_after(&mut self, error: CloudError) -> Result<Duration, CloudError> {
        let delay = self.backoff.delay(self.attempt, fastrand::f64());
        self.last_error = Some(error);
        let wake = Instant::now() + delay;
        if wake >= self.deadline {
            return Err(self.timed_out());
        }
        tokio::time::sleep_until(wake).await;
        self.attempt = self.attempt.saturating_add(1);
        Ok(delay)
    }

    /// The `Timeout` error for this operation, carrying the last error seen (if any).
    pub fn timed_out(&mut self) -> CloudError {
        CloudError::Timeout {
            action: self.action.clone(),
            waited: Instant::now().saturating_duration_since(self.started),
            last_error: self.last_error.take().map(Box::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> CloudError {
        CloudError::Api {
            action: "ModifyAccountPrivileges".into(),
            code: code.into(),
            message: "m".into(),
            request_id: "r".into(),
        }
    }

    #[test]
    fn tencent_transient_codes_are_retried() {
        for code in [
            "RequestLimitExceeded",
            "RequestLimitExceeded.UinLimitExceeded",
            "RequestLimitExceeded.IPLimitExceeded",
            "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
            "ResourceInUse",
            "ResourceUnavailable",
            "ResourceBusy",
            "OperationDenied.InstanceStatusLimitOpError",
            "FailedOperation.StatusConflict",
            "InternalError",
            "InternalError.SystemError",
            "InternalError.DBError",
            "FailedOperation.DatabaseAccessError",
        ] {
            assert!(
                is_retryable(Vendor::Tencent, &api(code), Some(200)),
                "{code}"
            );
        }
    }

    #[test]
    fn tencent_permanent_codes_surface() {
        for code in [
            "AuthFailure.SignatureFailure",
            "AuthFailure.SignatureExpire",
            "InvalidParameter",
            "InvalidParameterValue.UserNotExistError",
            "InternalErrorX",
            "FailedOperation",
            "ResourceNotFound",
            "RequestLimitExceededX",
            "Throttling",
        ] {
            assert!(
                !is_retryable(Vendor::Tencent, &api(code), Some(200)),
                "{code}"
            );
        }
    }

    #[test]
    fn alibaba_transient_codes_are_retried() {
        for code in [
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
            "ServiceUnavailable",
            "InternalError",
            "LockTimeout",
            "ConcurrentTaskExceeded",
            "OperationDenied.DBClusterStatus",
        ] {
            assert!(
                is_retryable(Vendor::Alibaba, &api(code), Some(400)),
                "{code}"
            );
        }
        for code in [
            "InvalidDBClusterId.NotFound",
            "IncorrectAccountPrivilegeType",
            "SignatureDoesNotMatch",
            "Forbidden.RAM",
            "RequestLimitExceeded",
        ] {
            assert!(
                !is_retryable(Vendor::Alibaba, &api(code), Some(400)),
                "{code}"
            );
        }
    }

    #[test]
    fn network_errors_and_server_errors_are_retried() {
        let network = CloudError::Transport {
            action: "DescribeAccounts".into(),
            detail: "connection reset".into(),
        };
        assert!(is_retryable(Vendor::Alibaba, &network, None));
        assert!(is_retryable(
            Vendor::Alibaba,
            &api("SomethingElse"),
            Some(503)
        ));
        let gateway_page = CloudError::InvalidResponse {
            action: "DescribeAccounts".into(),
            detail: "HTTP 502".into(),
            request_id: None,
        };
        assert!(is_retryable(Vendor::Tencent, &gateway_page, Some(502)));
        let garbage = CloudError::InvalidResponse {
            action: "DescribeAccounts".into(),
            detail: "not JSON".into(),
            request_id: None,
        };
        assert!(!is_retryable(Vendor::Tencent, &garbage, Some(200)));
    }

    #[test]
    fn backoff_grows_by_factor_up_to_the_cap() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(0), Duration::from_millis(200));
        assert_eq!(backoff.ceiling(1), Duration::from_millis(400));
        assert_eq!(backoff.ceiling(5), Duration::from_millis(6400));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(10));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(10));
        assert_eq!(backoff.delay(1, 0.0), Duration::from_millis(200));
        assert_eq!(backoff.delay(1, 1.0), Duration::from_millis(400));
        assert_eq!(backoff.delay(1, 0.5), Duration::from_millis(300));
        assert_eq!(backoff.delay(40, 7.0), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_never_sleep_past_the_deadline() {
        let start = Instant::now();
        let deadline = start + Duration::from_secs(30);
        let mut retrier = Retrier::new("GrantAccountPrivilege", deadline, Backoff::default());
        let mut attempts = 0;
        let error = loop {
            attempts += 1;
            match retrier.wait_after(api("Throttling")).await {
                Ok(delay) => assert!(delay <= Duration::from_secs(10)),
                Err(error) => break error,
            }
            assert!(Instant::now() < deadline);
        };
        assert!(Instant::now() <= deadline, "slept past the deadline");
        assert!(attempts >= 5, "only {attempts} attempts in 30 s");
        match error {
            CloudError::Timeout {
                action,
                last_error: Some(last),
                ..
            } => {
                assert_eq!(action, "GrantAccountPrivilege");
                assert_eq!(last.code(), Some("Throttling"));
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_shorter_than_the_first_backoff_times_out_without_sleeping() {
        let start = Instant::now();
        let mut retrier = Retrier::new(
            "DescribeAccounts",
            start + Duration::from_millis(50),
            Backoff::default(),
        );
        let error = retrier
            .wait_after(api("ServiceUnavailable"))
            .await
            .expect_err("no retry fits in 50 ms");
        assert_eq!(Instant::now(), start);
        assert!(error.to_string().contains("last error"), "{error}");
    }
}
