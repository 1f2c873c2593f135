//! The shared HTTP transport: one client, rate limits, account locks, and the retry loop.

use std::error::Error as _;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::error::CloudError;
use super::inflight::InFlight;
use super::lock::AccountLocks;
use super::pace::{TaskPace, TaskPaces};
use super::ratelimit::RateLimiter;
use super::redact::Redactor;
use super::retry::{self, Backoff, Retrier, Vendor};

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("terraform-provider-clouddb/", env!("CARGO_PKG_VERSION"));

/// How the transport behaves; `Default` is what the provider uses.
#[derive(Debug)]
pub struct TransportConfig {
    pub connect_timeout: Duration,
    /// Upper bound of one HTTP attempt; the operation's deadline bounds all attempts together.
    pub request_timeout: Duration,
    pub backoff: Backoff,
    pub rate_limiter: RateLimiter,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            backoff: Backoff::default(),
            rate_limiter: RateLimiter::documented(),
        }
    }
}

/// Names one vendor call for the rate limiter, the retry classifier and the logs.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub vendor: Vendor,
    /// `postgres`, `cdb`, `polardb`, …: the rate-limit scope together with `action`.
    pub service: &'a str,
    pub action: &'a str,
    /// No attempt starts, and no backoff ends, after this instant.
    pub deadline: Instant,
    /// Removes the caller's secrets from whatever the vendor answers, before it is logged.
    pub redactor: &'a Redactor,
}

/// What came back over HTTP, before the vendor's parser reads it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A connection that keeps being refused is a wrong endpoint far more often than an outage:
/// give up after a few seconds instead of retrying until the operation's timeout.
const MAX_UNREACHABLE_ATTEMPTS: u32 = 4;

/// The one transport every vendor client shares (cheap to clone).
#[derive(Clone, Debug)]
pub struct Transport {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Built on first use: loading the system's root certificates costs more than the rest of
    /// start-up, and most provider processes (validate, plan without refresh) never call a cloud.
    http: OnceLock<Result<reqwest::Client, String>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    backoff: Backoff,
    rate_limiter: RateLimiter,
    locks: AccountLocks,
    task_paces: TaskPaces,
    task_looks: TaskLooks,
}

/// The looks at asynchronous tasks in flight, by `service/task id`, and their answers.
pub type TaskLooks = InFlight<String, Result<serde_json::Value, CloudError>>;

impl Transport {
    pub fn new(config: TransportConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                http: OnceLock::new(),
                connect_timeout: config.connect_timeout,
                request_timeout: config.request_timeout,
                backoff: config.backoff,
                rate_limiter: config.rate_limiter,
                locks: AccountLocks::new(),
                task_paces: TaskPaces::default(),
                task_looks: TaskLooks::default(),
            }),
        }
    }

    fn http(&self) -> Result<&reqwest::Client, CloudError> {
        let shared = &self.shared;
        let built = shared.http.get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(shared.connect_timeout)
                .timeout(shared.request_timeout)
                .build()
                .map_err(describe)
        });
        built.as_ref().map_err(|detail| CloudError::Config {
            detail: format!("cannot build the HTTP client: {detail}"),
        })
    }

    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.shared.rate_limiter
    }

    pub fn locks(&self) -> &AccountLocks {
        &self.shared.locks
    }

    /// How long the asynchronous tasks of `service` (e.g. `cdb`) have taken in this process.
    pub fn task_pace(&self, service: &'static str) -> TaskPace {
        self.shared.task_paces.of(service)
    }

    /// The looks at asynchronous tasks in flight, which callers looking at the same task join.
    pub fn task_looks(&self) -> &TaskLooks {
        &self.shared.task_looks
    }

    /// Sends one vendor call until it succeeds, fails for good, or runs out of time.
    ///
    /// `build` signs a fresh request on every attempt (new timestamp and nonce), after the
    /// rate limiter let it through; `parse` turns the reply into the call's result or the
    /// vendor's error. Retryable failures (see [`retry::is_retryable`]) back off and try again
    /// until `call.deadline`, which ends with [`CloudError::Timeout`] carrying the last error.
    ///
    /// A retry after a lost reply repeats the request; the clients only send calls whose
    /// repetition leaves the same end state (grant, revoke, full or incremental privilege sets).
    pub async fn send<T>(
        &self,
        call: &Call<'_>,
        mut build: impl FnMut(&reqwest::Client) -> Result<reqwest::Request, CloudError>,
        parse: impl Fn(&Reply) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        let mut retrier = Retrier::new(call.action, call.deadline, self.shared.backoff);
        let mut unreachable_attempts = 0;
        // Whether any attempt may have reached the vendor, and so changed something.
        let mut reached = false;
        loop {
            if retrier.is_expired() {
                return Err(retrier.timed_out());
            }
            let limited = self
                .shared
                .rate_limiter
                .acquire_before(call.service, call.action, call.deadline)
                .await;
            if limited.is_err() {
                return Err(retrier.timed_out());
            }
            let request = build(self.http()?)?;
            let attempt = retrier.attempt();
            tracing::debug!(
                service = call.service,
                action = call.action,
                attempt,
                "sending request"
            );
            let reply =
                match tokio::time::timeout_at(call.deadline, self.execute(call, request)).await {
                    Ok(reply) => reply,
                    Err(_elapsed) => return Err(retrier.timed_out()),
                };
            let status = reply.as_ref().ok().map(|reply| reply.status);
            let error = match reply.and_then(|reply| parse(&reply)) {
                Ok(result) => {
                    tracing::debug!(action = call.action, attempt, status, "request succeeded");
                    return Ok(result);
                }
                Err(error) => error.redacted(call.redactor),
            };
            let code = error.code().unwrap_or("-");
            let request_id = error.request_id().unwrap_or("-");
            if matches!(error, CloudError::Unreachable { .. }) {
                unreachable_attempts += 1;
            } else {
                unreachable_attempts = 0;
                reached = true;
            }
            if !retry::is_retryable(call.vendor, &error, status)
                || unreachable_attempts >= MAX_UNREACHABLE_ATTEMPTS
            {
                tracing::debug!(
                    action = call.action,
                    attempt,
                    status,
                    code,
                    request_id,
                    "request failed"
                );
                return Err(if reached {
                    error.after_an_attempt_got_through()
                } else {
                    error
                });
            }
            tracing::warn!(
                action = call.action,
                attempt,
                status,
                code,
                request_id,
                "retryable failure: {error}"
            );
            let waited = retrier.wait_after(error).await?;
            tracing::debug!(
                action = call.action,
                attempt,
                waited_ms = waited.as_millis() as u64,
                "backed off"
            );
        }
    }

    async fn execute(
        &self,
        call: &Call<'_>,
        request: reqwest::Request,
    ) -> Result<Reply, CloudError> {
        // Scheme, host and port only: a legacy v2 URL's query carries the signature.
        let endpoint = format!(
            "{}://{}",
            request.url().scheme(),
            host_header(request.url())
        );
        let transport_error = |error: reqwest::Error| {
            let action = call.action.to_owned();
            if error.is_connect() {
                CloudError::Unreachable {
                    action,
                    endpoint: endpoint.clone(),
                    detail: describe(error),
                }
            } else {
                CloudError::Transport {
                    action,
                    detail: describe(error),
                }
            }
        };
        let response = self
            .http()?
            .execute(request)
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_error)?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

/// The error and its causes on one line, without the URL (a legacy v2 URL carries the signature).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        let line = current.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = current.source();
    }
    text
}

/// Where a client sends its calls, for messages about something it did not find there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub region: Option<String>,
    pub endpoint: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.region {
            Some(region) => write!(f, "in region {region} at {}", self.endpoint),
            None => write!(f, "at {} (no region configured)", self.endpoint),
        }
    }
}

/// Parses a base URL (`https://host`, `http://127.0.0.1:8600`) for a vendor client.
pub fn parse_endpoint(endpoint: &str) -> Result<reqwest::Url, CloudError> {
    let invalid = |why: &str| CloudError::Config {
        detail: format!("endpoint {endpoint:?} {why}"),
    };
    let url = reqwest::Url::parse(endpoint.trim())
        .map_err(|error| invalid(&format!("is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must start with http:// or https://"));
    }
    if url.host_str().is_none() {
        return Err(invalid("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or fragment"));
    }
    Ok(url)
}

/// The `host` header the HTTP client sends for `url`: the host, plus `:port` when the port is
/// not the scheme's default. Signatures cover exactly this value.
pub fn host_header(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// At most `limit` characters of a body, for error messages.
pub(crate) fn excerpt(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(limit).collect();
    if text.chars().count() > limit {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_their_host_headers() {
        let sim = parse_endpoint("http://127.0.0.1:8600").expect("sim");
        assert_eq!(host_header(&sim), "127.0.0.1:8600");
        assert_eq!(sim.path(), "/");
        let default_port = parse_endpoint("https://polardb.aliyuncs.com:443/").expect("https");
        assert_eq!(host_header(&default_port), "polardb.aliyuncs.com");
        for bad in ["polardb.aliyuncs.com", "ftp://x", "http://h/?a=b", ""] {
            assert!(
                matches!(parse_endpoint(bad), Err(CloudError::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn excerpt_cuts_on_character_boundaries() {
        assert_eq!(excerpt("未命名 name".as_bytes(), 3), "未命名…");
        assert_eq!(excerpt(b"short", 10), "short");
    }

    #[tokio::test]
    async fn an_endpoint_that_refuses_connections_fails_after_a_few_attempts_not_at_the_deadline() {
        // Bind then drop a listener so the port is (very likely) closed.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("addr");
        drop(listener);
        let transport = Transport::new(TransportConfig {
            backoff: Backoff {
                base: Duration::from_millis(5),
                factor: 2,
                cap: Duration::from_millis(20),
            },
            ..TransportConfig::default()
        });
        let call = Call {
            vendor: Vendor::Alibaba,
            service: "polardb",
            action: "DescribeAccounts",
            deadline: Instant::now() + Duration::from_secs(600),
            redactor: &Redactor::default(),
        };
        let url = format!("http://{address}/?Signature=do-not-log");
        let started = Instant::now();
        let error = transport
            .send(
                &call,
                |http| {
                    http.post(url.as_str())
                        .build()
                        .map_err(|e| CloudError::Config {
                            detail: e.to_string(),
                        })
                },
                |_| Ok(()),
            )
            .await
            .expect_err("nothing listens there");
        assert!(matches!(error, CloudError::Unreachable { .. }), "{error:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "gave up only after {:?}",
            started.elapsed()
        );
        assert!(error.to_string().contains("Check the endpoint"), "{error}");
        assert!(
            error.to_string().contains(&format!(
                "could not connect to the API endpoint http://{address}: "
            )),
            "{error}"
        );
        assert!(!error.to_string().contains("do-not-log"), "{error}");
    }
}
