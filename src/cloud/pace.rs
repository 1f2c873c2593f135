//! How long each kind of asynchronous task (a cdb ModifyAccountPrivileges task, a TDSQL flow)
//! has taken lately, shared by every client of one provider process: the first look at a new
//! task comes about when recent ones had ended, not after a fixed interval that a short task
//! spends idle in one of Terraform's parallel slots and a long one spends in needless polls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The earliest first look, however quick tasks have been.
const EARLIEST: Duration = Duration::from_millis(50);
/// A task that ended by the first look may have ended before it: the next first look comes
/// this much sooner, so the pace follows tasks that get quicker. A small step keeps the looks
/// just after the end of tasks that take the same time: a first look that comes too early costs
/// a second look and its round trip for every resource waiting on the task, while one that
/// comes a step late costs only the step.
const PROBE_SOONER: f64 = 0.99;

/// The pace of one kind of task.
#[derive(Clone, Debug, Default)]
pub struct TaskPace(Arc<Mutex<Option<Duration>>>);

impl TaskPace {
    /// When to look first at a new task; `None` until a task of this kind has ended.
    pub fn first_look(&self) -> Option<Duration> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A task was seen ended by the look at `seen` after its start; the look before it, at
    /// `missed`, had found it running (`None`: the first look, at `seen`, found it ended). The
    /// pace stays under `ceiling`, the first look of a task of unknown pace.
    pub fn learn(&self, missed: Option<Duration>, seen: Duration, ceiling: Duration) {
        let estimate = match missed {
            None => seen.mul_f64(PROBE_SOONER),
            // It ended between the two looks.
            Some(missed) => (missed + seen) / 2,
        };
        let bounded = estimate.min(ceiling).max(EARLIEST.min(ceiling));
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(bounded);
    }

    /// Tasks have stopped being quick: back to the usual first look.
    pub fn forget(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// The paces of the tasks of each service, by its name (`cdb`, `mariadb`).
#[derive(Debug, Default)]
pub struct TaskPaces(Mutex<HashMap<&'static str, TaskPace>>);

impl TaskPaces {
    pub fn of(&self, kind: &'static str) -> TaskPace {
        let mut paces = self.0.lock().unwrap_or_else(|p| p.into_inner());
        paces.entry(kind).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usual first look, which a pace stays under.
    const CEILING: Duration = Duration::from_millis(500);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_first_look_follows_how_long_tasks_take() {
        let paces = TaskPaces::default();
        let pace = paces.of("cdb");
        assert_eq!(pace.first_look(), None);
        // Ended by the first look at 500 ms: look a little sooner next time.
        pace.learn(None, ms(500), CEILING);
        assert_eq!(pace.first_look(), Some(ms(495)));
        // A first look at 450 ms found it running, one at 500 ms ended: between the two.
        pace.learn(Some(ms(450)), ms(500), CEILING);
        assert_eq!(pace.first_look(), Some(ms(475)));
        // Shared by every client of the process, one pace per kind.
        assert_eq!(paces.of("cdb").first_look(), Some(ms(475)));
        assert_eq!(paces.of("mariadb").first_look(), None);
        // Bounded both ways.
        pace.learn(None, ms(10), CEILING);
        assert_eq!(pace.first_look(), Some(EARLIEST));
        pace.learn(Some(ms(20_000)), ms(30_000), CEILING);
        assert_eq!(pace.first_look(), Some(CEILING));
        pace.forget();
        assert_eq!(pace.first_look(), None);
    }
}
