//! Client-side rate limits per (service, action): bursts wait here instead of being throttled.
//!
//! A limit of N a second is kept as "at most N requests in any window of a little over a
//! second": after an idle second N requests go out at once, and then each waits until the
//! request N before it is a window old (a new process starts as if the window before it had
//! been used, since another may just have used it). Whether the vendor counts in fixed
//! seconds, in a sliding second or with a bucket of N tokens refilled N a second, such a
//! sequence stays within it (docs/architecture.md, "Rate limits"), and a batch of changes is
//! not spread over a second it did not need.
//!
//! Once the provider knows its account, the slots are kept in a record every provider process
//! of that account on this machine shares ([`SharedSlots`]): a process sees what the others
//! sent, and a new one bursts only into a window the previous one left idle.
//!
//! A caller reserves the next free slot under a short std mutex, then sleeps until that slot
//! with no lock held. Reservations are handed out in arrival order, so waiting callers queue
//! fairly, and the HTTP call itself is never inside the lock.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::shared_slots::SharedSlots;

/// The documented limits (docs/architecture.md, "The vendor APIs"), as (service, action, requests
/// per second); action `*` gives every action of the service a limit of its own (TDSQL documents
/// 20 a second for each of its actions).
const DOCUMENTED_LIMITS: &[(&str, &str, u32)] = &[
    ("postgres", "ModifyAccountPrivileges", 20),
    ("cdb", "ModifyAccountPrivileges", 10),
    ("mariadb", EVERY_ACTION, 20),
];

const EVERY_ACTION: &str = "*";

/// The window the client counts a documented per-second limit in: requests a second apart when
/// sent can reach the server closer together, with network jitter, and count twice in its one.
const DOCUMENTED_WINDOW: Duration = Duration::from_millis(1050);

/// A rate: at most `count` requests in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    count: u32,
    window: Duration,
}

impl Rate {
    /// At most `count` requests (at least 1) in any `window`.
    pub fn at_most(count: u32, window: Duration) -> Self {
        Self {
            count: count.max(1),
            window,
        }
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
    /// The slots of the last `rate.count` requests, oldest first.
    recent: VecDeque<Instant>,
}

impl Bucket {
    /// The slot a request arriving `now` gets: now, unless `count` requests already have slots
    /// within a window of it, and then when the `count`th latest of them is a window old. Slots
    /// never go backwards, since both terms only grow.
    fn next_slot(&self, now: Instant) -> Instant {
        match self.recent.len().checked_sub(self.rate.count as usize) {
            None => now,
            Some(decisive) => (self.recent[decisive] + self.rate.window).max(now),
        }
    }

    /// The slot for a call that carries every identical change waiting with it: its own slot,
    /// and once half the window's requests are taken, no sooner than a step of the even rate
    /// after the latest. Changes arriving one after another then gather into calls a step
    /// apart, instead of spending the window on one call each and stalling behind it.
    fn merging_slot(&self, now: Instant) -> Instant {
        let slot = self.next_slot(now);
        let taken = self
            .recent
            .iter()
            .filter(|&&taken| taken + self.rate.window > now)
            .count();
        match self.recent.back() {
            Some(&latest) if taken * 2 >= self.rate.count as usize => {
                slot.max(latest + self.rate.window / self.rate.count)
            }
            _ => slot,
        }
    }

    /// A bucket whose last window, up to `at`, was used at the full rate.
    fn lately_used(rate: Rate, at: Instant) -> Self {
        let step = rate.window / rate.count;
        let recent = (1..=rate.count)
            .map(|n| (at + step * n).checked_sub(rate.window).unwrap_or(at))
            .collect();
        Bucket { rate, recent }
    }

    fn take(&mut self, slot: Instant) {
        self.recent.push_back(slot);
        while self.recent.len() > self.rate.count as usize {
            self.recent.pop_front();
        }
    }
}

/// Per-(service, action) limits; actions without a configured rate are unlimited.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Services whose every action is limited: the rate, and when it was set (a bucket made at
    /// an action's first call is taken as lately used as of then, as the others are).
    every_action: HashMap<String, (Rate, Instant)>,
    /// Where the slots are kept once the account is known; this process's own memory until then,
    /// and after the record failed. Always locked after `buckets`.
    record: Mutex<Option<SharedSlots>>,
}

impl RateLimiter {
    /// No limit on anything.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// The vendors' documented limits ([`DOCUMENTED_LIMITS`], each counted in
    /// [`DOCUMENTED_WINDOW`] and taken as lately used); everything else unlimited.
    pub fn documented() -> Self {
        DOCUMENTED_LIMITS.iter().fold(
            Self::unlimited(),
            |mut limiter, &(service, action, per_second)| {
                let rate = Rate::at_most(per_second, DOCUMENTED_WINDOW);
                if action == EVERY_ACTION {
                    limiter
                        .every_action
                        .insert(service.to_owned(), (rate, Instant::now()));
                    limiter
                } else {
                    limiter.with_limit_lately_used(service, action, rate)
                }
            },
        )
    }

    /// Sets (or replaces) the rate of one action, unused so far: the tests' clean start.
    #[cfg(test)]
    pub fn with_limit(self, service: &str, action: &str, rate: Rate) -> Self {
        self.lock_buckets().insert(
            key(service, action),
            Bucket {
                rate,
                recent: VecDeque::new(),
            },
        );
        self
    }

    /// Sets the rate of one action as if its last window had just been used at the full rate.
    /// The vendor counts every caller of the account, and the provider process before this one
    /// (Terraform starts one per command) may have used it up a moment ago: without a shared
    /// record, the first window goes at the even rate, and bursts come only after this process
    /// has seen a window idle.
    pub fn with_limit_lately_used(self, service: &str, action: &str, rate: Rate) -> Self {
        self.lock_buckets().insert(
            key(service, action),
            Bucket::lately_used(rate, Instant::now()),
        );
        self
    }

    /// Keeps the slots in `record` from now on, shared with the other processes of the account;
    /// what this process guessed about the window before it is dropped.
    pub fn share_between_processes(&self, record: SharedSlots) {
        *self.lock_record() = Some(record);
    }

    /// Runs `use_bucket` on the bucket of an action (`None` when it is unlimited), with the
    /// shared record's slots in it when there is one, and records what it leaves when it took
    /// a slot (a look at the window writes nothing). The bucket keeps the record's slots, so
    /// that a record that fails (and is given up for the rest of the process) leaves this
    /// process counting from what everyone had sent.
    fn with_bucket<R>(
        &self,
        service: &str,
        action: &str,
        use_bucket: impl FnOnce(&mut Bucket) -> R,
    ) -> Option<R> {
        let key = key(service, action);
        let mut buckets = self.lock_buckets();
        let bucket = match buckets.entry(key.clone()) {
            Entry::Occupied(bucket) => bucket.into_mut(),
            Entry::Vacant(vacant) => {
                let &(rate, since) = self.every_action.get(service)?;
                vacant.insert(Bucket::lately_used(rate, since))
            }
        };
        let mut record = self.lock_record();
        let (outcome, failed) = {
            let Some(shared) = record.as_ref() else {
                return Some(use_bucket(bucket));
            };
            match shared.lock() {
                Ok(locked) => {
                    let recorded = locked.slots(&key);
                    bucket.recent = recorded.clone();
                    let outcome = use_bucket(bucket);
                    let stored = match bucket.recent == recorded {
                        true => Ok(()),
                        false => locked.store(&key, &bucket.recent),
                    };
                    (outcome, stored.err())
                }
                Err(error) => (use_bucket(bucket), Some(error)),
            }
        };
        if let Some(error) = failed {
            give_up(&mut record, &error);
        }
        Some(outcome)
    }

    /// The configured rate of an action, if it is limited.
    pub fn limit(&self, service: &str, action: &str) -> Option<Rate> {
        self.lock_buckets()
            .get(&key(service, action))
            .map(|bucket| bucket.rate)
            .or_else(|| self.every_action.get(service).map(|&(rate, _)| rate))
    }

    /// How long a call of this action that others may join (merged changes) should wait before
    /// it goes, made now: until its slot, and once the window is half used, until
    /// a step of the even rate after the latest request (nothing is reserved).
    pub fn merging_delay(&self, service: &str, action: &str) -> Duration {
        let now = Instant::now();
        self.with_bucket(service, action, |bucket| {
            bucket.merging_slot(now).saturating_duration_since(now)
        })
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
        self.with_bucket(service, action, |bucket| {
            let slot = bucket.next_slot(Instant::now());
            if deadline.is_none_or(|deadline| slot <= deadline) {
                bucket.take(slot);
            }
            slot
        })
    }

    fn lock_buckets(&self) -> MutexGuard<'_, HashMap<String, Bucket>> {
        // The map stays consistent even if a holder panicked: every update is a single insert.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_record(&self) -> MutexGuard<'_, Option<SharedSlots>> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn give_up(record: &mut Option<SharedSlots>, error: &std::io::Error) {
    tracing::debug!(%error, "rate-limited calls are counted by this process alone from now on");
    *record = None;
}

fn key(service: &str, action: &str) -> String {
    format!("{service}/{action}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_count_requests_in_any_window() {
        let limiter = RateLimiter::unlimited().with_limit(
            "cdb",
            "X",
            Rate::at_most(10, Duration::from_secs(1)),
        );
        let start = Instant::now();
        let mut seen = Vec::new();
        for _ in 0..25 {
            limiter.acquire("cdb", "X").await;
            seen.push((Instant::now() - start).as_secs());
        }
        // Ten at once, then each when the one ten before it is a window old.
        let expected: Vec<u64> = (0..25).map(|n| n / 10).collect();
        assert_eq!(seen, expected);
        // Idle for a window: the next ten go at once again.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let idle_end = Instant::now();
        for _ in 0..10 {
            limiter.acquire("cdb", "X").await;
        }
        assert_eq!(Instant::now(), idle_end);
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
        // A bucket of 20 tokens refilled 20 a second admits every one of them.
        let mut tokens = 20.0_f64;
        let mut last = start;
        for at in &times {
            tokens = (tokens + (*at - last).as_secs_f64() * 20.0).min(20.0);
            last = *at;
            assert!(
                tokens >= 1.0,
                "a bucket of 20 would refuse the request at {at:?}"
            );
            tokens -= 1.0;
        }
        // The first window at the even rate (the process before may have used the last one),
        // the next 20 a window after their predecessors: 41 × 52.5 ms.
        assert!(
            times[0] > start,
            "the first request waited for the even rate"
        );
        let total = *times.last().expect("times") - start;
        assert!(total < Duration::from_millis(2200), "took {total:?}");
        // Idle for a window, the limit allows a burst.
        tokio::time::sleep(DOCUMENTED_WINDOW).await;
        let idle_end = Instant::now();
        for _ in 0..20 {
            limiter.acquire("postgres", "ModifyAccountPrivileges").await;
        }
        assert_eq!(Instant::now(), idle_end);
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
    async fn every_tdsql_action_is_limited_on_its_own() {
        let limiter = RateLimiter::documented();
        let start = Instant::now();
        for _ in 0..40 {
            limiter.acquire("mariadb", "DescribeAccounts").await;
        }
        let listed = Instant::now();
        assert!(listed - start >= DOCUMENTED_WINDOW, "{:?}", listed - start);
        // Another action's window is its own: nothing it sent lately, so it goes at once.
        limiter.acquire("mariadb", "DescribeFlow").await;
        assert_eq!(Instant::now(), listed);
        assert_eq!(
            limiter.limit("mariadb", "AnyActionAtAll"),
            Some(Rate::at_most(20, DOCUMENTED_WINDOW))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_arrival_order() {
        let limiter = Arc::new(RateLimiter::unlimited().with_limit(
            "s",
            "a",
            Rate::at_most(1, Duration::from_millis(200)),
        ));
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
        let limiter =
            RateLimiter::unlimited().with_limit("s", "a", Rate::at_most(1, Duration::from_secs(1)));
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

    #[tokio::test(start_paused = true)]
    async fn a_call_others_may_join_waits_a_step_once_half_the_window_is_used() {
        let limiter = RateLimiter::unlimited().with_limit(
            "cdb",
            "M",
            Rate::at_most(10, Duration::from_secs(1)),
        );
        let delay = || limiter.merging_delay("cdb", "M");
        let step = Duration::from_millis(100);
        // Under half the window used: a merged call goes at once.
        for _ in 0..4 {
            assert_eq!(delay(), Duration::ZERO);
            limiter.acquire("cdb", "M").await;
        }
        assert_eq!(delay(), Duration::ZERO);
        limiter.acquire("cdb", "M").await;
        // Half used: the next waits a step of the even rate after the latest request.
        assert_eq!(delay(), step);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(delay(), Duration::from_millis(60));
        // Past the step, and with the window full it is the window that decides.
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(delay(), Duration::ZERO);
        for _ in 0..5 {
            limiter.acquire("cdb", "M").await;
        }
        assert_eq!(delay(), Duration::from_millis(900));
        // A window later the requests have aged out: at once again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(delay(), Duration::ZERO);
        // Unlimited actions never wait.
        assert_eq!(limiter.merging_delay("cdb", "Other"), Duration::ZERO);
    }

    #[tokio::test]
    async fn processes_of_one_account_share_their_slots() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let rate = Rate::at_most(10, Duration::from_secs(1));
        let process = || {
            let limiter = RateLimiter::unlimited().with_limit_lately_used("cdb", "M", rate);
            let record = SharedSlots::in_dir(dir.path(), "tencentcloud AKID").expect("record");
            limiter.share_between_processes(record);
            limiter
        };
        let (first, second) = (process(), process());
        // The record knows nothing of a busy window before it: no guessed wait.
        assert_eq!(first.merging_delay("cdb", "M"), Duration::ZERO);
        let start = Instant::now();
        for _ in 0..10 {
            first.acquire("cdb", "M").await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
        // The other process sees the window the first one spent.
        let wait = second.merging_delay("cdb", "M");
        assert!(
            (Duration::from_millis(800)..=Duration::from_secs(1)).contains(&wait),
            "{wait:?}"
        );
        // Without the record, a process only guesses: the window as lately used.
        let alone = RateLimiter::unlimited().with_limit_lately_used("cdb", "M", rate);
        assert!(alone.merging_delay("cdb", "M") > Duration::ZERO);
    }

    #[tokio::test]
    async fn a_record_that_fails_is_given_up_and_the_count_goes_on() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let limiter = RateLimiter::unlimited().with_limit(
            "cdb",
            "M",
            Rate::at_most(10, Duration::from_secs(1)),
        );
        let record = SharedSlots::in_dir(dir.path(), "tencentcloud AKID").expect("record");
        limiter.share_between_processes(record);
        for _ in 0..10 {
            limiter.acquire("cdb", "M").await;
        }
        // Another holder keeps the lock: this process stops using the record, and counts on
        // from the window it last saw there.
        let other = SharedSlots::in_dir(dir.path(), "tencentcloud AKID").expect("record");
        let held = other.lock().expect("lock");
        let wait = limiter.merging_delay("cdb", "M");
        assert!(wait > Duration::from_millis(800), "{wait:?}");
        assert!(limiter.lock_record().is_none());
        drop(held);
    }
}
