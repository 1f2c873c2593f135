//! The vendors' documented request rate limits, as one token bucket per (service, action).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use std::str::FromStr;

use crate::sync::locked;

/// Whether the vendors' documented request rates are enforced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RateLimits {
    /// postgres ModifyAccountPrivileges 20/s, cdb ModifyAccountPrivileges 10/s (PolarDB documents none).
    Documented,
    /// No limit: every call is admitted.
    #[default]
    Off,
}

impl FromStr for RateLimits {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "documented" => Ok(RateLimits::Documented),
            "off" => Ok(RateLimits::Off),
            other => Err(format!(
                "unknown rate-limit mode `{other}`; expected `documented` or `off`"
            )),
        }
    }
}

/// Requests per second the vendor documents for an action; `None` when it documents none.
pub(crate) fn documented_limit(service: &str, action: &str) -> Option<u32> {
    match (service, action) {
        ("postgres", "ModifyAccountPrivileges") => Some(20),
        ("cdb", "ModifyAccountPrivileges") => Some(10),
        // Every TDSQL action the sim serves is documented at 20 per second.
        ("mariadb", _) => Some(20),
        _ => None,
    }
}

/// A call refused because its action is over its documented rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Throttled {
    pub per_second: u32,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// Enforces [`documented_limit`] when the sim runs with `RateLimits::Documented`.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    mode: RateLimits,
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(mode: RateLimits) -> RateLimiter {
        RateLimiter {
            mode,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for the call, or says it is throttled.
    pub(crate) fn admit(&self, service: &str, action: &str, now: Instant) -> Result<(), Throttled> {
        if self.mode == RateLimits::Off {
            return Ok(());
        }
        let Some(per_second) = documented_limit(service, action) else {
            return Ok(());
        };
        let capacity = f64::from(per_second);
        let mut buckets = locked(&self.buckets);
        let bucket = buckets
            .entry((service.to_owned(), action.to_owned()))
            .or_insert(Bucket {
                tokens: capacity,
                refilled_at: now,
            });
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * capacity).min(capacity);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Throttled { per_second })
        }
    }

    /// Forgets every bucket (on reset).
    pub(crate) fn clear(&self) {
        locked(&self.buckets).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn documented_actions_are_limited_per_second() {
        let limiter = RateLimiter::new(RateLimits::Documented);
        let start = Instant::now();
        for _ in 0..10 {
            assert_eq!(
                limiter.admit("cdb", "ModifyAccountPrivileges", start),
                Ok(())
            );
        }
        assert_eq!(
            limiter.admit("cdb", "ModifyAccountPrivileges", start),
            Err(Throttled { per_second: 10 })
        );
        // Another action and another service have their own buckets.
        assert_eq!(
            limiter.admit("postgres", "ModifyAccountPrivileges", start),
            Ok(())
        );
        assert_eq!(limiter.admit("cdb", "DescribeAccounts", start), Ok(()));
        // A tenth of a second refills one request at 10/s.
        let later = start + Duration::from_millis(100);
        assert_eq!(
            limiter.admit("cdb", "ModifyAccountPrivileges", later),
            Ok(())
        );
        assert!(limiter
            .admit("cdb", "ModifyAccountPrivileges", later)
            .is_err());
    }

    #[test]
    fn postgres_allows_twenty_per_second() {
        let limiter = RateLimiter::new(RateLimits::Documented);
        let start = Instant::now();
        let admitted = (0..25)
            .filter(|_| {
                limiter
                    .admit("postgres", "ModifyAccountPrivileges", start)
                    .is_ok()
            })
            .count();
        assert_eq!(admitted, 20);
    }

    #[test]
    fn polardb_documents_no_limit() {
        let limiter = RateLimiter::new(RateLimits::Documented);
        let start = Instant::now();
        assert!((0..1000).all(|_| limiter
            .admit("polardb", "GrantAccountPrivilege", start)
            .is_ok()));
    }

    #[test]
    fn off_admits_everything() {
        let limiter = RateLimiter::new(RateLimits::Off);
        let start = Instant::now();
        assert!((0..100).all(|_| limiter
            .admit("cdb", "ModifyAccountPrivileges", start)
            .is_ok()));
    }
}
