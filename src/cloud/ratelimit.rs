//! Client-side rate limits per (service, action): bursts wait here instead of being throttled.
//!
//! Each limited action is a token bucket kept as a "theoretical arrival time" (GCRA): a caller
//! reserves the next free slot under a short std mutex, then sleeps until that slot with no lock
//! held. Reservations are handed out in arrival order, so waiting callers queue fairly, and the
//! HTTP call itself is never inside the lock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The documented limits (docs/architecture.md, "The vendor APIs"), as (service, action, requests per second).
const DOCUMENTED_LIMITS: &[(&str, &str, f64)] = &[
    ("postgres", "ModifyAccountPrivileges", 20.0),
    ("cdb", "ModifyAccountPrivileges", 10.0),
    ("mariadb", "ModifyAccountPrivileges", 20.0),
    ("mariadb", "DescribeFlow", 20.0),
    ("mariadb", "DescribeAccountPrivileges", 20.0),
    ("mariadb", "DescribeDatabases", 20.0),
    ("mariadb", "DescribeDatabaseObjects", 20.0),
    ("mariadb", "DescribeDatabaseTable", 20.0),
    ("mariadb", "ModifyTdsqlUserPrivileges", 20.0),
];

/// Share of a documented limit the client paces at: requests spaced exactly 1/rate apart reach
/// the server with network jitter and can count as rate+1 in a one-second window.
const DOCUMENTED_HEADROOM: f64 = 0.95;

/// A rate: one request every `interval`, with up to `burst` requests at once after idling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    interval: Duration,
    burst: u32,
}

impl Rate {
    /// `per_second` evenly spaced requests each second, no burst. Non-positive means one a day
    /// (effectively closed) rather than a panic.
    pub fn per_second(per_second: f64) -> Self {
        let interval = if per_second > 0.0 {
            Duration::from_secs_f64(1.0 / per_second)
        } else {
            Duration::from_secs(86_400)
        };
        Self { interval, burst: 1 }
    }

    /// Allows `burst` requests back to back after an idle period (at least 1).
    pub fn with_burst(self, burst: u32) -> Self {
        Self {
            burst: burst.max(1),
            ..self
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }
}

/// The earliest slot for this action is after the caller's deadline; nothing was reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotAfterDeadline {
    pub slot: Instant,
}

#[derive(Debug)]
struct Bucket {
    rate: Rate,
    /// When the bucket would next be empty if requests kept coming at exactly the rate.
    theoretical_arrival: Option<Instant>,
}

impl Bucket {
    /// The slot a request arriving `now` gets, and the bucket's state after taking it.
    fn next_slot(&self, now: Instant) -> (Instant, Instant) {
        let arrival = self.theoretical_arrival.map_or(now, |at| at.max(now));
        let tolerance = self.rate.interval * (self.rate.burst - 1);
        let slot = arrival.checked_sub(tolerance).map_or(now, |at| at.max(now));
        (slot, arrival + self.rate.interval)
    }
}

/// Per-(service, action) token buckets; actions without a configured rate are unlimited.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// No limit on anything.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// The vendors' documented limits ([`DOCUMENTED_LIMITS`], paced at 95% of each);
    /// everything else unlimited.
    pub fn documented() -> Self {
        DOCUMENTED_LIMITS
            .iter()
            .fold(Self::unlimited(), |limiter, &(service, action, rate)| {
                limiter.with_limit(
                    service,
                    action,
                    Rate::per_second(rate * DOCUMENTED_HEADROOM),
                )
            })
    }

    /// Sets (or replaces) the rate of one action.
    pub fn with_limit(self, service: &str, action: &str, rate: Rate) -> Self {
        self.lock_buckets().insert(
            key(service, action),
            Bucket {
                rate,
                theoretical_arrival: None,
            },
        );
        self
    }

    /// The configured rate of an action, if it is limited.
    pub fn limit(&self, service: &str, action: &str) -> Option<Rate> {
        self.lock_buckets()
            .get(&key(service, action))
            .map(|bucket| bucket.rate)
    }

    /// How long a call of this action made now would wait for its slot (nothing is reserved).
    pub fn delay(&self, service: &str, action: &str) -> Duration {
        let now = Instant::now();
        self.lock_buckets()
            .get(&key(service, action))
            .map(|bucket| bucket.next_slot(now).0.saturating_duration_since(now))
            .unwrap_or_default()
    }

    /// Waits for this action's next slot.
    pub async fn acquire(&self, service: &str, action: &str) {
        if let Some(slot) = self.reserve(service, action, None) {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Waits for this action's next slot if it comes before `deadline`; otherwise reserves
    /// nothing and returns at once, so a caller out of time does not push others back.
    pub async fn acquire_before(
        &self,
        service: &str,
        action: &str,
        deadline: Instant,
    ) -> Result<(), SlotAfterDeadline> {
        match self.reserve(service, action, Some(deadline)) {
            Some(slot) if slot > deadline => Err(SlotAfterDeadline { slot }),
            Some(slot) => {
                tokio::time::sleep_until(slot).await;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Takes the next slot (unless it falls after `deadline`) and returns it; `None` when the
    /// action is unlimited.
    fn reserve(&self, service: &str, action: &str, deadline: Option<Instant>) -> Option<Instant> {
        let mut buckets = self.lock_buckets();
        let bucket = buckets.get_mut(&key(service, action))?;
        let (slot, next_arrival) = bucket.next_slot(Instant::now());
        if deadline.is_none_or(|deadline| slot <= deadline) {
            bucket.theoretical_arrival = Some(next_arrival);
        }
        Some(slot)
    }

    fn lock_buckets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bucket>> {
        // The map stays consistent even if a holder panicked: every update is a single insert.
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn key(service: &str, action: &str) -> String {
    format!("{service}/{action}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limited_action_is_spaced_by_its_interval() {
        let limiter = RateLimiter::unlimited().with_limit("cdb", "X", Rate::per_second(10.0));
        let start = Instant::now();
        let mut seen = Vec::new();
        for _ in 0..5 {
            limiter.acquire("cdb", "X").await;
            seen.push(Instant::now() - start);
        }
        let expected: Vec<Duration> = (0..5).map(|n| Duration::from_millis(100 * n)).collect();
        assert_eq!(seen, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn documented_limits_keep_under_the_vendor_rate() {
        let limiter = Arc::new(RateLimiter::documented());
        let start = Instant::now();
        let tasks: Vec<_> = (0..41)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter.acquire("postgres", "ModifyAccountPrivileges").await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.expect("task"));
        }
        times.sort();
        // No 1-second window holds more than 20 requests.
        for (i, at) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|later| **later - *at <= Duration::from_secs(1))
                .count();
            assert!(in_window <= 20, "{in_window} requests within 1 s");
        }
        let total = *times.last().expect("times") - start;
        assert!(total < Duration::from_millis(2200), "took {total:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_actions_and_other_services_do_not_wait() {
        let limiter = RateLimiter::documented();
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire("postgres", "DescribeAccounts").await;
            limiter.acquire("polardb", "GrantAccountPrivilege").await;
        }
        assert_eq!(Instant::now(), start);
        assert!(limiter.limit("cdb", "ModifyAccountPrivileges").is_some());
        assert!(limiter.limit("cdb", "DescribeAccounts").is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_steady_rate() {
        let limiter =
            RateLimiter::unlimited().with_limit("s", "a", Rate::per_second(10.0).with_burst(3));
        let start = Instant::now();
        let mut seen = Vec::new();
        for _ in 0..5 {
            limiter.acquire("s", "a").await;
            seen.push((Instant::now() - start).as_millis());
        }
        assert_eq!(seen, vec![0, 0, 0, 100, 200]);
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_arrival_order() {
        let limiter =
            Arc::new(RateLimiter::unlimited().with_limit("s", "a", Rate::per_second(5.0)));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for n in 0..6 {
            let limiter = Arc::clone(&limiter);
            let order = Arc::clone(&order);
            tasks.push(tokio::spawn(async move {
                limiter.acquire("s", "a").await;
                order.lock().expect("order").push(n);
            }));
            // Let task n reserve before task n+1 is spawned.
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(*order.lock().expect("order"), vec![0, 1, 2, 3, 4, 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_after_the_deadline_is_refused_without_reserving() {
        let limiter = RateLimiter::unlimited().with_limit("s", "a", Rate::per_second(1.0));
        let start = Instant::now();
        limiter.acquire("s", "a").await;
        let refused = limiter
            .acquire_before("s", "a", start + Duration::from_millis(500))
            .await;
        assert_eq!(
            refused,
            Err(SlotAfterDeadline {
                slot: start + Duration::from_secs(1)
            })
        );
        assert_eq!(Instant::now(), start);
        // The refused caller took nothing: the next one still gets the 1 s slot.
        limiter
            .acquire_before("s", "a", start + Duration::from_secs(5))
            .await
            .expect("slot before deadline");
        assert_eq!(Instant::now() - start, Duration::from_secs(1));
    }
}
