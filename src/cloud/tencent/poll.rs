//! Waiting for a Tencent async task (cdb's `AsyncRequestId`, TDSQL's `FlowId`): look at it at
//! growing intervals until it ends or the deadline passes.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::cloud::error::CloudError;

/// How often a task is polled: `first` after it starts, then each wait `factor` times the last,
/// never longer than `max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Polling {
    pub first: Duration,
    pub factor: f64,
    pub max: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            first: Duration::from_millis(500),
            factor: 1.5,
            max: Duration::from_secs(5),
        }
    }
}

impl Polling {
    fn after(&self, interval: Duration) -> Duration {
        interval.mul_f64(self.factor).min(self.max)
    }
}

/// The look at a task that ends the wait may take this long past the deadline, so a task that
/// ended just in time is reported as it ended rather than as still running.
const LAST_LOOK: Duration = Duration::from_secs(1);

/// What one look at a task found (`T`: what the task reports about itself).
pub enum Look<T> {
    Succeeded,
    /// Still under way, as `T` says.
    Running(T),
}

/// How a wait ended when the task did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waited<T> {
    Succeeded,
    /// The deadline passed while the task was still under way, as `T` says; it may yet finish.
    StillRunning(T),
}

/// Looks at a task (`look`, given the deadline of that one call) until it succeeds, `look`
/// fails (a task that failed is the error `look` gives), or `deadline` passes.
pub async fn wait<T, F, Fut>(
    polling: &Polling,
    deadline: Instant,
    mut look: F,
) -> Result<Waited<T>, CloudError>
where
    F: FnMut(Instant) -> Fut,
    Fut: Future<Output = Result<Look<T>, CloudError>>,
{
    let mut interval = polling.first;
    loop {
        tokio::time::sleep_until((Instant::now() + interval).min(deadline)).await;
        let look_deadline = deadline.max(Instant::now()) + LAST_LOOK;
        match look(look_deadline).await? {
            Look::Succeeded => return Ok(Waited::Succeeded),
            Look::Running(status) if Instant::now() >= deadline => {
                return Ok(Waited::StillRunning(status))
            }
            Look::Running(_) => interval = polling.after(interval),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_slows_down_to_its_ceiling() {
        let polling = Polling::default();
        let mut interval = polling.first;
        let mut waits = vec![interval];
        for _ in 0..8 {
            interval = polling.after(interval);
            waits.push(interval);
        }
        assert_eq!(waits[1], Duration::from_millis(750));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits.last(), Some(&Duration::from_secs(5)));
    }
}
