//! The lower bound of one Terraform command against the sim, from the calls the sim admitted:
//! no provider can finish sooner than the slowest rate-limited action allows (its calls ÷ its
//! documented rate), nor sooner than Terraform's parallelism allows for every resource's calls
//! in sequence (each call's latency, each task's duration). Writes merged into one call (cdb and
//! TDSQL ModifyAccountPrivileges list many accounts) count once per account, with one task each,
//! as a provider that does not merge would send them: the bound is the unmerged one, so merging
//! shows as a ratio below 1. A command that refreshes first (`plan`, `destroy`) reads every
//! resource before it changes any, so its bound is the refresh's plus the changes'.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value as Json;

/// The sim's setting the bound depends on.
pub struct Setting {
    pub latency: Duration,
    pub task_duration: Duration,
    pub parallelism: usize,
}

/// The rates `RateLimits::Documented` enforces (docs/sim.md): (service, action or `*`, per second).
const DOCUMENTED_LIMITS: &[(&str, &str, f64)] = &[
    ("cdb", "ModifyAccountPrivileges", 10.0),
    ("postgres", "ModifyAccountPrivileges", 20.0),
    ("mariadb", "*", 20.0),
];

/// The calls that start a task, and the call that polls it: (service, starter, poll).
const TASKS: &[(&str, &str, &str)] = &[
    ("cdb", "ModifyAccountPrivileges", "DescribeAsyncRequestInfo"),
    ("mariadb", "ModifyAccountPrivileges", "DescribeFlow"),
];

pub fn is_throttling(record: &Json) -> bool {
    record["error_code"]
        .as_str()
        .is_some_and(|code| code == "RequestLimitExceeded" || code.starts_with("Throttling"))
}

fn key(record: &Json) -> (String, String) {
    (
        record["service"].as_str().unwrap_or("?").to_owned(),
        record["action"].as_str().unwrap_or("?").to_owned(),
    )
}

/// How many accounts one admitted call stands for.
fn accounts_in(record: &Json) -> usize {
    let (service, action) = key(record);
    let merges = TASKS
        .iter()
        .any(|(s, starter, _)| *s == service && *starter == action);
    match merges {
        true => record["params"]["Accounts"]
            .as_array()
            .map_or(1, |accounts| accounts.len().max(1)),
        false => 1,
    }
}

/// Calls the sim admitted (not throttled), by (service, action), as sent.
pub fn admitted(log: &[Json]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for record in log.iter().filter(|r| !is_throttling(r)) {
        *counts.entry(key(record)).or_insert(0) += 1;
    }
    counts
}

/// The calls an unmerged provider would need, by (service, action): merged writes once per
/// account, and one poll per task (the end of a task has to be seen once).
pub fn needed(log: &[Json]) -> BTreeMap<(String, String), usize> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in log.iter().filter(|r| !is_throttling(r)) {
        let (service, action) = key(record);
        let polled = TASKS
            .iter()
            .any(|(s, _, poll)| *s == service && *poll == action);
        if !polled {
            *counts.entry((service, action)).or_insert(0) += accounts_in(record);
        }
    }
    for (service, starter, poll) in TASKS {
        let tasks = counts
            .get(&(service.to_string(), starter.to_string()))
            .copied()
            .unwrap_or(0);
        if tasks > 0 {
            counts.insert((service.to_string(), poll.to_string()), tasks);
        }
    }
    counts
}

fn limit_of(service: &str, action: &str) -> Option<f64> {
    DOCUMENTED_LIMITS
        .iter()
        .find(|(s, a, _)| *s == service && (*a == action || *a == "*"))
        .map(|(_, _, rate)| *rate)
}

pub struct Bound {
    pub rate: Duration,
    pub rate_detail: String,
    pub latency: Duration,
    pub latency_detail: String,
    /// A refreshing command's two phases, each bounded on its own: (refresh, changes).
    pub phases: Option<(Duration, Duration)>,
}

impl Bound {
    pub fn total(&self) -> Duration {
        match self.phases {
            Some((refresh, changes)) => refresh + changes,
            None => self.rate.max(self.latency),
        }
    }
}

/// The calls that change something; in a refreshing command, every call before the first of
/// them is the refresh.
const WRITES: &[&str] = &[
    "ModifyAccountPrivileges",
    "GrantAccountPrivilege",
    "RevokeAccountPrivilege",
];

/// Whether a call changes something.
pub fn is_write(record: &Json) -> bool {
    WRITES.contains(&record["action"].as_str().unwrap_or_default())
}

pub fn lower_bound(log: &[Json], setting: &Setting, refreshes_first: bool) -> Bound {
    let first_write = log.iter().position(is_write);
    match (refreshes_first, first_write) {
        (true, Some(split)) if split > 0 => {
            let (refresh, changes) = log.split_at(split);
            let (refresh, changes) = (phase_bound(refresh, setting), phase_bound(changes, setting));
            Bound {
                rate: refresh.rate + changes.rate,
                rate_detail: format!(
                    "refresh: {}; then changes: {}",
                    refresh.rate_detail, changes.rate_detail
                ),
                latency: refresh.latency + changes.latency,
                latency_detail: format!(
                    "refresh: {}; then changes: {}",
                    refresh.latency_detail, changes.latency_detail
                ),
                phases: Some((refresh.total(), changes.total())),
            }
        }
        _ => phase_bound(log, setting),
    }
}

fn phase_bound(log: &[Json], setting: &Setting) -> Bound {
    let needed = needed(log);
    let mut rate = Duration::ZERO;
    let mut rate_parts = Vec::new();
    for ((service, action), calls) in &needed {
        if let Some(limit) = limit_of(service, action) {
            let takes = Duration::from_secs_f64(*calls as f64 / limit);
            rate_parts.push(format!(
                "{calls} {service} {action} ÷ {limit}/s = {:.2} s",
                takes.as_secs_f64()
            ));
            rate = rate.max(takes);
        }
    }
    let calls: usize = needed.values().sum();
    let tasks: usize = TASKS
        .iter()
        .filter_map(|(s, starter, _)| needed.get(&(s.to_string(), starter.to_string())))
        .sum();
    let sequential = setting.latency * calls as u32 + setting.task_duration * tasks as u32;
    let latency = sequential / setting.parallelism as u32;
    let latency_detail = format!(
        "({calls} calls × {} ms + {tasks} tasks × {} ms) ÷ parallelism {} = {:.2} s",
        setting.latency.as_millis(),
        setting.task_duration.as_millis(),
        setting.parallelism,
        latency.as_secs_f64()
    );
    Bound {
        rate,
        rate_detail: match rate_parts.is_empty() {
            true => "no rate-limited calls".into(),
            false => rate_parts.join("; "),
        },
        latency,
        latency_detail,
        phases: None,
    }
}
