//! Waiting for a Tencent async task (cdb's `AsyncRequestId`, TDSQL's `FlowId`): look first when
//! the service's recent tasks had ended, then at growing intervals until it ends or the
//! deadline passes.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::pace::TaskPace;

/// How often a task is polled: `first` after it starts (until the service's pace is known),
/// then each wait `factor` times the last, never longer than `max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Polling {
    pub first: Duration,
    pub factor: f64,
    pub max: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            first: Duration::from_millis(300),
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

/// After a paced first look that came too early, the next comes after this fraction of the
/// pace: the pace moves down by 1 % a task, so the task is most likely ending within moments.
const QUICK_SECOND_LOOK: u32 = 32;

/// The look at a task that ends the wait may take this long past the deadline, so a task that
/// ended just in time is reported as it ended rather than as still running.
const LAST_LOOK: Duration = Duration::from_secs(1);

/// What one look at a task found (`T`: what the task reports about itself).
pub enum Look<T> {
    Succeeded,
    /// Still under way, as `T` says.
    Running(T),
}

/// What [`wait`] tells each look it makes.
#[derive(Clone, Copy, Debug)]
pub struct LookAt {
    /// The deadline of this one call.
    pub deadline: Instant,
    /// The look comes when the service's recent tasks had ended (a paced first look, or the
    /// quick one after it), so it is expected to find this one ended too: a caller may send
    /// with it what it would otherwise send once the task has ended.
    pub expects_end: bool,
}

/// How a wait ended when the task did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waited<T> {
    Succeeded,
    /// The deadline passed while the task was still under way, as `T` says; it may yet finish.
    StillRunning(T),
}

/// Runs a look at a task and a read at once; the read counts only if the look found the task
/// ended, so it is awaited then and dropped otherwise (a read still being retried must not
/// hold up the next look).
pub async fn look_with<T, R>(
    looking: impl Future<Output = Result<Look<T>, CloudError>>,
    reading: impl Future<Output = R>,
) -> (Result<Look<T>, CloudError>, Option<R>) {
    tokio::pin!(looking, reading);
    let mut read = None;
    let look = loop {
        tokio::select! {
            look = &mut looking => break look,
            done = &mut reading, if read.is_none() => read = Some(done),
        }
    };
    let read = match (&look, read) {
        (Ok(Look::Succeeded), Some(read)) => Some(read),
        (Ok(Look::Succeeded), None) => Some(reading.await),
        _ => None,
    };
    (look, read)
}

/// Looks at a task (`look`, told the deadline of that one call) until it succeeds, `look`
/// fails (a task that failed is the error `look` gives), or `deadline` passes. When `pace` says
/// the service's recent tasks ended sooner than `polling.first`, the first look comes then, and
/// one soon after if it was too early; `pace` learns from each task seen ended by those looks.
pub async fn wait<T, F, Fut>(
    polling: &Polling,
    pace: &TaskPace,
    deadline: Instant,
    mut look: F,
) -> Result<Waited<T>, CloudError>
where
    F: FnMut(LookAt) -> Fut,
    Fut: Future<Output = Result<Look<T>, CloudError>>,
{
    let started = Instant::now();
    // The pace only ever brings the first look forward: a task slower than `polling.first`
    // keeps the usual schedule.
    let paced = pace.first_look().filter(|&p| p < polling.first);
    let mut interval = paced.unwrap_or(polling.first);
    let mut looks = 0;
    let mut missed = None;
    loop {
        tokio::time::sleep_until((Instant::now() + interval).min(deadline)).await;
        let looked = started.elapsed();
        looks += 1;
        let at = LookAt {
            deadline: deadline.max(Instant::now()) + LAST_LOOK,
            expects_end: paced.is_some() && looks <= 2,
        };
        match look(at).await? {
            Look::Succeeded => {
                match (paced, looks) {
                    // Seen ended by the first look, or by the quick one after it: how long
                    // such tasks take, to within that bracket.
                    (_, 1) | (Some(_), 2) => pace.learn(missed, looked, polling.first),
                    // A task that outlasted the bracket says little about the next one.
                    _ => pace.forget(),
                }
                return Ok(Waited::Succeeded);
            }
            Look::Running(status) if Instant::now() >= deadline => {
                return Ok(Waited::StillRunning(status))
            }
            Look::Running(_) => {
                // A paced first look that came too early came within a step of the end: look
                // once more very soon, then as the usual schedule would after its first look.
                interval = match (paced, looks) {
                    (Some(first), 1) => first / QUICK_SECOND_LOOK,
                    (Some(_), 2) => polling.after(polling.first),
                    _ => polling.after(interval),
                };
                missed = Some(looked);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn after<T>(ms: u64, value: T) -> T {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        value
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_beside_a_look_counts_only_when_the_look_finds_the_task_ended() {
        let ended = || after(30, Ok::<Look<()>, CloudError>(Look::Succeeded));
        // The read answered first, or after the look: either way it is the read back.
        assert_eq!(look_with(ended(), after(10, "read")).await.1, Some("read"));
        assert_eq!(look_with(ended(), after(50, "read")).await.1, Some("read"));
        // The task was still running: the read is dropped, not waited for.
        let started = Instant::now();
        let running = after(30, Ok::<Look<()>, CloudError>(Look::Running(())));
        let (look, read) = look_with(running, std::future::pending::<&str>()).await;
        assert!(matches!(look, Ok(Look::Running(()))));
        assert_eq!(read, None);
        assert_eq!(started.elapsed(), Duration::from_millis(30));
    }

    /// Waits for a task that ends `takes` after it starts; its looks, each as whether it was
    /// expected to find the task ended.
    async fn looks_at_task_taking(takes: Duration, pace: &TaskPace) -> Vec<bool> {
        let started = Instant::now();
        let mut expected = Vec::new();
        let far = Instant::now() + Duration::from_secs(60);
        let waited = wait(&Polling::default(), pace, far, |at| {
            expected.push(at.expects_end);
            let ended = started.elapsed() >= takes;
            async move {
                Ok::<_, CloudError>(match ended {
                    true => Look::Succeeded,
                    false => Look::Running(()),
                })
            }
        })
        .await;
        assert_eq!(waited.expect("no error"), Waited::Succeeded);
        expected
    }

    #[tokio::test(start_paused = true)]
    async fn only_paced_looks_expect_the_task_ended() {
        let pace = TaskPace::default();
        // No pace yet: the usual first look is not expected to find a 200 ms task ended.
        assert_eq!(
            looks_at_task_taking(Duration::from_millis(200), &pace).await,
            [false]
        );
        // Seen ended at 300 ms, so paced at 297 ms: a 400 ms task is missed by the first look
        // and the quick one after it, both expected to find it ended; the usual schedule after
        // them is not.
        assert_eq!(
            looks_at_task_taking(Duration::from_millis(400), &pace).await,
            [true, true, false]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_look_comes_when_recent_tasks_had_ended() {
        let pace = TaskPace::default();
        let takes = Duration::from_millis(300);
        // Unpaced: the first look at 300 ms sees the task ended.
        assert_eq!(looks_at_task_taking(takes, &pace).await.len(), 1);
        assert_eq!(pace.first_look(), Some(Duration::from_millis(297)));
        // Paced, the looks close in on 300 ms: at most one early look, followed soon after.
        for _ in 0..6 {
            assert!(looks_at_task_taking(takes, &pace).await.len() <= 2);
        }
        let first = pace.first_look().expect("a pace");
        assert!(
            (Duration::from_millis(200)..=Duration::from_millis(400)).contains(&first),
            "{first:?}"
        );
        // A task far slower than the pace costs at most one look more than the usual schedule
        // (300 ms, then 450 ms growing ×1.5: 8 looks to 10 s), and does not slow the next ones.
        assert!(
            looks_at_task_taking(Duration::from_secs(10), &pace)
                .await
                .len()
                <= 9
        );
        assert_eq!(pace.first_look(), None);
        assert_eq!(looks_at_task_taking(takes, &pace).await.len(), 1);
        assert!(pace
            .first_look()
            .is_some_and(|p| p < Polling::default().first));
    }

    #[test]
    fn polling_slows_down_to_its_ceiling() {
        let polling = Polling::default();
        let mut interval = polling.first;
        let mut waits = vec![interval];
        for _ in 0..8 {
            interval = polling.after(interval);
            waits.push(interval);
        }
        assert_eq!(waits[1], Duration::from_millis(450));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits.last(), Some(&Duration::from_secs(5)));
    }
}
