//! Asynchronous tasks (CDB's `AsyncRequestId`, TDSQL's `FlowId`): each runs a while, then
//! succeeds or fails, and its change is made only when it succeeds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::tencent::cdb::backend::CdbAccountKey;
use crate::tencent::cdb::privileges::CdbChange;
use crate::tencent::mariadb::backend::MariadbAccountKey;
use crate::tencent::mariadb::privileges::MariadbChange;

/// `Status` of DescribeAsyncRequestInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskStatus {
    Initial,
    Running,
    Success,
    Failed,
    Killed,
    Removed,
}

impl TaskStatus {
    /// The statuses an injected fault may end a task in.
    pub(crate) const FAILURES: [TaskStatus; 3] = [Self::Failed, Self::Killed, Self::Removed];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "INITIAL",
            Self::Running => "RUNNING",
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::Killed => "KILLED",
            Self::Removed => "REMOVED",
        }
    }

    /// A terminal failure status by its API name.
    pub(crate) fn failure(name: &str) -> Option<TaskStatus> {
        Self::FAILURES.into_iter().find(|s| s.as_str() == name)
    }
}

/// How a task ends when a fault says it fails: its status and `Info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskFailure {
    pub status: TaskStatus,
    pub info: String,
}

/// What a task changes when it succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaskChange {
    /// A CDB ModifyAccountPrivileges: the change, for each account listed.
    Cdb {
        instance: String,
        accounts: Vec<CdbAccountKey>,
        change: CdbChange,
    },
    /// A TDSQL ModifyAccountPrivileges (a flow): the change, for each account listed.
    Mariadb {
        instance: String,
        accounts: Vec<MariadbAccountKey>,
        change: MariadbChange,
    },
}

#[derive(Debug)]
struct Task {
    seq: u64,
    started: Instant,
    duration: Duration,
    failure: Option<TaskFailure>,
    /// The change still to make: `None` once made, or when the task fails.
    change: Option<TaskChange>,
}

impl Task {
    fn ends(&self) -> Instant {
        self.started + self.duration
    }
}

/// Every task started since the fixture was loaded.
#[derive(Debug, Default)]
pub(crate) struct TaskBook {
    next_seq: u64,
    tasks: HashMap<String, Task>,
}

impl TaskBook {
    /// Starts a task that ends after `duration`; answers its id.
    pub(crate) fn start(
        &mut self,
        now: Instant,
        duration: Duration,
        change: TaskChange,
        failure: Option<TaskFailure>,
    ) -> String {
        self.next_seq += 1;
        let id = match change {
            // A flow's id is an integer; the sequence makes it unique.
            TaskChange::Mariadb { .. } => (FIRST_FLOW_ID + self.next_seq).to_string(),
            TaskChange::Cdb { .. } => loop {
                let id = new_task_id();
                if !self.tasks.contains_key(&id) {
                    break id;
                }
            },
        };
        let change = if failure.is_some() {
            None
        } else {
            Some(change)
        };
        self.tasks.insert(
            id.clone(),
            Task {
                seq: self.next_seq,
                started: now,
                duration,
                failure,
                change,
            },
        );
        id
    }

    /// The task's status and `Info` at `now`: `INITIAL` for the first third of its time,
    /// `RUNNING` for the rest, then `SUCCESS` or the failure it was given.
    pub(crate) fn status(&self, id: &str, now: Instant) -> Option<(TaskStatus, String)> {
        let task = self.tasks.get(id)?;
        let elapsed = now.saturating_duration_since(task.started);
        let answer = if elapsed < task.duration / 3 {
            (TaskStatus::Initial, String::new())
        } else if elapsed < task.duration {
            (TaskStatus::Running, String::new())
        } else {
            match &task.failure {
                Some(failure) => (failure.status, failure.info.clone()),
                None => (TaskStatus::Success, String::new()),
            }
        };
        Some(answer)
    }

    /// Takes the changes of the tasks that have succeeded by `now` and were not made yet, in
    /// the order the tasks ended.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<TaskChange> {
        let mut due: Vec<(Instant, u64, TaskChange)> = Vec::new();
        for task in self.tasks.values_mut() {
            if task.ends() <= now {
                let (ends, seq) = (task.ends(), task.seq);
                if let Some(change) = task.change.take() {
                    due.push((ends, seq, change));
                }
            }
        }
        due.sort_by_key(|(ends, seq, _)| (*ends, *seq));
        due.into_iter().map(|(_, _, change)| change).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.tasks.clear();
    }
}

/// Flow ids count up from here, so they look like the vendor's.
const FIRST_FLOW_ID: u64 = 18_000;

/// An id in CDB's form: four groups of eight hex digits, e.g. `256117ed-efa08b54-61784d44-91781bbd`.
fn new_task_id() -> String {
    (0..4)
        .map(|_| format!("{:08x}", fastrand::u32(..)))
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tencent::cdb::privileges::CdbPrivileges;

    fn change(user: &str) -> TaskChange {
        TaskChange::Cdb {
            instance: "cdb-1".to_owned(),
            accounts: vec![(user.to_owned(), "%".to_owned())],
            change: CdbChange::Replace(CdbPrivileges::default()),
        }
    }

    #[test]
    fn a_task_goes_initial_running_success_and_its_change_is_taken_once() {
        let mut book = TaskBook::default();
        let start = Instant::now();
        let ms = Duration::from_millis;
        let id = book.start(start, ms(300), change("a"), None);
        assert_eq!(id.len(), 35);
        assert_eq!(
            book.status(&id, start).map(|s| s.0),
            Some(TaskStatus::Initial)
        );
        assert_eq!(
            book.status(&id, start + ms(100)).map(|s| s.0),
            Some(TaskStatus::Running)
        );
        assert!(book.take_due(start + ms(299)).is_empty());
        assert_eq!(
            book.status(&id, start + ms(300)).map(|s| s.0),
            Some(TaskStatus::Success)
        );
        assert_eq!(book.take_due(start + ms(300)), vec![change("a")]);
        assert!(book.take_due(start + ms(400)).is_empty());
        assert_eq!(book.status("nope", start), None);
    }

    #[test]
    fn a_failing_task_reports_its_failure_and_changes_nothing() {
        let mut book = TaskBook::default();
        let start = Instant::now();
        let failure = TaskFailure {
            status: TaskStatus::Failed,
            info: "disk full".to_owned(),
        };
        let id = book.start(start, Duration::ZERO, change("a"), Some(failure));
        assert_eq!(
            book.status(&id, start),
            Some((TaskStatus::Failed, "disk full".to_owned()))
        );
        assert!(book.take_due(start).is_empty());
    }

    #[test]
    fn changes_come_in_the_order_tasks_end() {
        let mut book = TaskBook::default();
        let start = Instant::now();
        let ms = Duration::from_millis;
        book.start(start, ms(50), change("late"), None);
        book.start(start, ms(10), change("early"), None);
        assert_eq!(
            book.take_due(start + ms(60)),
            vec![change("early"), change("late")]
        );
    }
}
