//! Injected faults: the next calls of an action fail, wait, or lose their connection.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tasks::{TaskFailure, TaskStatus};

/// What `POST /_sim/faults` takes: which calls, how many, and what happens to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Only calls of this service (`polardb`, `cdb`, ...); any service when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The action, e.g. `GrantAccountPrivilege`; `*` matches every action.
    pub action: String,
    /// How many calls the fault shapes.
    #[serde(default = "one")]
    pub count: u32,
    /// Answer this vendor error code instead of the real answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The error message; a plausible one for the code when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Wait this long before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop_connection: bool,
    /// Carry out the call first, then answer the error or drop the connection anyway.
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_apply: bool,
}

/// How the async task started by a call a fault shapes ends. `POST /_sim/faults` takes these
/// two fields beside a [`FaultSpec`]'s: the call is answered as usual (an `AsyncRequestId`),
/// but its task ends in `task_status` and changes nothing. Only calls that start a task
/// (cdb ModifyAccountPrivileges) use such a fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFault {
    /// `FAILED`, `KILLED` or `REMOVED`.
    pub task_status: String,
    /// The task's `Info`; a plausible one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_info: Option<String>,
}

impl TaskFault {
    /// The task ends in `status` (`FAILED`, `KILLED`, `REMOVED`) with `info`.
    pub fn new(status: &str, info: &str) -> TaskFault {
        TaskFault {
            task_status: status.to_owned(),
            task_info: Some(info.to_owned()),
        }
    }

    fn failure(&self) -> Option<TaskFailure> {
        let status = TaskStatus::failure(&self.task_status)?;
        Some(TaskFailure {
            status,
            info: self
                .task_info
                .clone()
                .unwrap_or_else(|| format!("The task ended {} (injected fault).", status.as_str())),
        })
    }
}

/// A fault that still has calls to shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingFault {
    pub id: u64,
    /// Calls left to shape.
    pub remaining: u32,
    /// It shapes one matching call in this many (the `every`-th, then every `every` more); the
    /// calls between pass untouched, to the faults queued after it.
    #[serde(skip_serializing_if = "is_one")]
    pub every: u32,
    /// Matching calls seen so far.
    #[serde(skip)]
    seen: u32,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// How the tasks of the calls it shapes end, for a task fault.
    #[serde(flatten)]
    pub task: Option<TaskFault>,
}

/// Why a fault was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("fault: `count` must be at least 1")]
    ZeroCount,
    #[error("fault: `every` must be at least 1")]
    ZeroEvery,
    #[error("fault: `action` must not be empty")]
    NoAction,
    #[error("fault: give at least one of `error_code`, `latency_ms`, `drop_connection`")]
    NoEffect,
    #[error("fault: `error_code` and `drop_connection` exclude each other")]
    ErrorAndDrop,
    #[error("fault: `after_apply` needs `error_code` or `drop_connection`")]
    AfterApplyWithoutOutcome,
    #[error("fault: `message` needs `error_code`")]
    MessageWithoutCode,
    #[error("fault: `task_status` must be FAILED, KILLED or REMOVED, not `{0}`")]
    BadTaskStatus(String),
    #[error(
        "fault: `task_status` excludes `error_code` and `drop_connection`: a refused call starts \
         no task"
    )]
    TaskStatusWithOutcome,
    #[error("fault: `task_info` needs `task_status`")]
    TaskInfoWithoutStatus,
    #[error("fault: {0}")]
    Format(String),
}

/// What `POST /_sim/faults` asks for: a [`FaultSpec`], a [`TaskFault`] when the body has
/// `task_status`, and how often it shapes a matching call (`every`, 1 when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FaultRequest {
    pub spec: FaultSpec,
    pub task: Option<TaskFault>,
    pub every: u32,
}

/// Reads the body of `POST /_sim/faults`.
pub(crate) fn read_request(body: &[u8]) -> Result<FaultRequest, FaultError> {
    let format = |e: serde_json::Error| FaultError::Format(e.to_string());
    let mut fields = match serde_json::from_slice::<Value>(body).map_err(format)? {
        Value::Object(fields) => fields,
        _ => {
            return Err(FaultError::Format(
                "the body must be a JSON object".to_owned(),
            ))
        }
    };
    let mut text = |name: &str| match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(FaultError::Format(format!("`{name}` must be a string"))),
    };
    let task_status = text("task_status")?;
    let task_info = text("task_info")?;
    let task = match (task_status, task_info) {
        (Some(task_status), task_info) => Some(TaskFault {
            task_status,
            task_info,
        }),
        (None, Some(_)) => return Err(FaultError::TaskInfoWithoutStatus),
        (None, None) => None,
    };
    let every = match fields.remove("every") {
        None | Some(Value::Null) => 1,
        Some(value) => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| FaultError::Format("`every` must be a whole number".to_owned()))?,
    };
    let spec = serde_json::from_value(Value::Object(fields)).map_err(format)?;
    Ok(FaultRequest { spec, task, every })
}

impl FaultSpec {
    /// The next call of `action` answers the vendor error `code`.
    pub fn error(action: &str, code: &str) -> FaultSpec {
        FaultSpec {
            error_code: Some(code.to_owned()),
            ..FaultSpec::bare(action)
        }
    }

    /// The next call of `action` waits `latency_ms` longer, then is answered as usual.
    pub fn latency(action: &str, latency_ms: u64) -> FaultSpec {
        FaultSpec {
            latency_ms: Some(latency_ms),
            ..FaultSpec::bare(action)
        }
    }

    /// The next call of `action` loses its connection without an answer.
    pub fn drop_connection(action: &str) -> FaultSpec {
        FaultSpec {
            drop_connection: true,
            ..FaultSpec::bare(action)
        }
    }

    /// Only calls of `service` (`polardb`, `cdb`, ...).
    pub fn of_service(self, service: &str) -> FaultSpec {
        FaultSpec {
            service: Some(service.to_owned()),
            ..self
        }
    }

    /// Shapes the next `count` calls instead of one.
    pub fn times(self, count: u32) -> FaultSpec {
        FaultSpec { count, ..self }
    }

    /// Carries the call out before answering the error or dropping the connection.
    pub fn after_apply(self) -> FaultSpec {
        FaultSpec {
            after_apply: true,
            ..self
        }
    }

    fn bare(action: &str) -> FaultSpec {
        FaultSpec {
            service: None,
            action: action.to_owned(),
            count: 1,
            error_code: None,
            message: None,
            latency_ms: None,
            drop_connection: false,
            after_apply: false,
        }
    }

    /// Checks that the fields make one sensible fault.
    pub fn validate(&self) -> Result<(), FaultError> {
        self.validate_with(None)
    }

    /// Checks the fields together with how the task of the shaped calls ends, if given.
    pub fn validate_with(&self, task: Option<&TaskFault>) -> Result<(), FaultError> {
        if let Some(task) = task {
            if TaskStatus::failure(&task.task_status).is_none() {
                return Err(FaultError::BadTaskStatus(task.task_status.clone()));
            }
            if self.error_code.is_some() || self.drop_connection {
                return Err(FaultError::TaskStatusWithOutcome);
            }
        }
        if self.count == 0 {
            return Err(FaultError::ZeroCount);
        }
        if self.action.is_empty() {
            return Err(FaultError::NoAction);
        }
        if self.error_code.is_some() && self.drop_connection {
            return Err(FaultError::ErrorAndDrop);
        }
        if self.error_code.is_none()
            && !self.drop_connection
            && self.latency_ms.is_none()
            && task.is_none()
        {
            return Err(FaultError::NoEffect);
        }
        if self.after_apply && self.error_code.is_none() && !self.drop_connection {
            return Err(FaultError::AfterApplyWithoutOutcome);
        }
        if self.message.is_some() && self.error_code.is_none() {
            return Err(FaultError::MessageWithoutCode);
        }
        Ok(())
    }

    fn matches(&self, service: &str, action: &str) -> bool {
        (self.action == "*" || self.action == action)
            && self.service.as_deref().is_none_or(|s| s == service)
    }
}

/// How an injected fault ends a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FaultOutcome {
    Error {
        code: String,
        message: Option<String>,
    },
    DropConnection,
    /// The call is answered as usual; the task it starts ends this way.
    FailTask(TaskFailure),
}

/// The fault taken for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub id: u64,
    pub latency: Option<Duration>,
    pub outcome: Option<FaultOutcome>,
    pub after_apply: bool,
}

/// The pending faults, first injected first used.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    next_id: u64,
    pending: Vec<PendingFault>,
}

impl FaultQueue {
    pub(crate) fn add(
        &mut self,
        spec: FaultSpec,
        task: Option<TaskFault>,
    ) -> Result<PendingFault, FaultError> {
        self.add_every(spec, task, 1)
    }

    /// Queues a fault that shapes one matching call in `every`.
    pub(crate) fn add_every(
        &mut self,
        spec: FaultSpec,
        task: Option<TaskFault>,
        every: u32,
    ) -> Result<PendingFault, FaultError> {
        spec.validate_with(task.as_ref())?;
        if every == 0 {
            return Err(FaultError::ZeroEvery);
        }
        self.next_id += 1;
        let fault = PendingFault {
            id: self.next_id,
            remaining: spec.count,
            every,
            seen: 0,
            spec,
            task,
        };
        self.pending.push(fault.clone());
        Ok(fault)
    }

    pub(crate) fn pending(&self) -> Vec<PendingFault> {
        self.pending.clone()
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Uses up one call of the first fault that matches and whose turn it is, if any; a task
    /// fault only matches a call that starts a task.
    pub(crate) fn take(&mut self, service: &str, action: &str, starts_task: bool) -> Option<Fault> {
        let index = self.pending.iter_mut().position(|f| {
            if !f.spec.matches(service, action) || (f.task.is_some() && !starts_task) {
                return false;
            }
            f.seen += 1;
            f.seen % f.every == 0
        })?;
        let fault = &mut self.pending[index];
        fault.remaining -= 1;
        let spec = &fault.spec;
        let taken = Fault {
            id: fault.id,
            latency: spec.latency_ms.map(Duration::from_millis),
            outcome: match (&spec.error_code, spec.drop_connection) {
                (Some(code), _) => Some(FaultOutcome::Error {
                    code: code.clone(),
                    message: spec.message.clone(),
                }),
                (None, true) => Some(FaultOutcome::DropConnection),
                (None, false) => fault
                    .task
                    .as_ref()
                    .and_then(TaskFault::failure)
                    .map(FaultOutcome::FailTask),
            },
            after_apply: spec.after_apply,
        };
        if fault.remaining == 0 {
            self.pending.remove(index);
        }
        Some(taken)
    }
}

fn one() -> u32 {
    1
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_one(value: &u32) -> bool {
    *value == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).expect("fault spec")
    }

    impl FaultQueue {
        fn add_plain(&mut self, spec: FaultSpec) -> Result<PendingFault, FaultError> {
            self.add(spec, None)
        }
    }

    fn request(json: &str) -> Result<PendingFault, FaultError> {
        let request = read_request(json.as_bytes())?;
        FaultQueue::default().add_every(request.spec, request.task, request.every)
    }

    #[test]
    fn a_fault_shapes_count_calls_then_goes() {
        let mut queue = FaultQueue::default();
        let added = queue
            .add_plain(spec(r#"{"action": "GrantAccountPrivilege", "count": 2, "error_code": "Throttling.User"}"#))
            .expect("add");
        assert_eq!(added.remaining, 2);
        assert!(queue.take("polardb", "DescribeAccounts", false).is_none());
        for _ in 0..2 {
            let fault = queue
                .take("polardb", "GrantAccountPrivilege", false)
                .expect("fault");
            assert_eq!(
                fault.outcome,
                Some(FaultOutcome::Error {
                    code: "Throttling.User".into(),
                    message: None
                })
            );
        }
        assert!(queue
            .take("polardb", "GrantAccountPrivilege", false)
            .is_none());
        assert!(queue.pending().is_empty());
    }

    #[test]
    fn service_and_wildcard_narrow_and_widen() {
        let mut queue = FaultQueue::default();
        queue
            .add_plain(spec(
                r#"{"service": "cdb", "action": "*", "latency_ms": 5}"#,
            ))
            .expect("add");
        assert!(queue
            .take("postgres", "ModifyAccountPrivileges", false)
            .is_none());
        let fault = queue
            .take("cdb", "ModifyAccountPrivileges", true)
            .expect("fault");
        assert_eq!(fault.latency, Some(Duration::from_millis(5)));
        assert_eq!(fault.outcome, None);
    }

    #[test]
    fn constructors_match_the_json_form() {
        assert_eq!(
            FaultSpec::error("GrantAccountPrivilege", "Throttling.User")
                .of_service("polardb")
                .times(2)
                .after_apply(),
            spec(
                r#"{"service": "polardb", "action": "GrantAccountPrivilege", "count": 2,
                    "error_code": "Throttling.User", "after_apply": true}"#
            )
        );
        assert_eq!(
            FaultSpec::latency("DescribeAccounts", 3000),
            spec(r#"{"action": "DescribeAccounts", "latency_ms": 3000}"#)
        );
        assert_eq!(
            FaultSpec::drop_connection("X"),
            spec(r#"{"action": "X", "drop_connection": true}"#)
        );
    }

    #[test]
    fn nonsense_is_refused() {
        let mut queue = FaultQueue::default();
        let cases = [
            (r#"{"action": "A"}"#, FaultError::NoEffect),
            (
                r#"{"action": "A", "count": 0, "latency_ms": 1}"#,
                FaultError::ZeroCount,
            ),
            (
                r#"{"action": "A", "error_code": "X", "drop_connection": true}"#,
                FaultError::ErrorAndDrop,
            ),
            (
                r#"{"action": "A", "latency_ms": 1, "after_apply": true}"#,
                FaultError::AfterApplyWithoutOutcome,
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(queue.add_plain(spec(json)), Err(expected));
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"action": "A", "errorcode": "X"}"#).is_err());
    }

    #[test]
    fn task_faults_are_read_beside_the_spec_and_checked() {
        let cases = [
            (
                r#"{"action": "A", "task_status": "SUCCESS"}"#,
                FaultError::BadTaskStatus("SUCCESS".into()),
            ),
            (
                r#"{"action": "A", "task_status": "FAILED", "error_code": "X"}"#,
                FaultError::TaskStatusWithOutcome,
            ),
            (
                r#"{"action": "A", "latency_ms": 1, "task_info": "x"}"#,
                FaultError::TaskInfoWithoutStatus,
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(request(json), Err(expected));
        }
        assert!(matches!(
            request(r#"{"action": "A", "task_status": "FAILED", "taskinfo": "x"}"#),
            Err(FaultError::Format(_))
        ));
        let pending = request(r#"{"action": "A", "task_status": "KILLED"}"#).expect("fault");
        let json = serde_json::to_value(&pending).expect("json");
        assert_eq!(json["task_status"], "KILLED");
        assert_eq!(json["action"], "A");
        let plain = request(r#"{"action": "A", "latency_ms": 1}"#).expect("fault");
        let json = serde_json::to_value(&plain).expect("json");
        assert!(json.get("task_status").is_none(), "{json}");
    }

    #[test]
    fn task_faults_wait_for_a_call_that_starts_a_task() {
        let mut queue = FaultQueue::default();
        let request = read_request(
            br#"{"service": "cdb", "action": "*", "task_status": "FAILED", "task_info": "boom"}"#,
        )
        .expect("request");
        assert_eq!(request.task, Some(TaskFault::new("FAILED", "boom")));
        queue.add(request.spec, request.task).expect("add");
        assert!(queue.take("cdb", "DescribeAccounts", false).is_none());
        let fault = queue
            .take("cdb", "ModifyAccountPrivileges", true)
            .expect("fault");
        assert_eq!(
            fault.outcome,
            Some(FaultOutcome::FailTask(TaskFailure {
                status: TaskStatus::Failed,
                info: "boom".into()
            }))
        );
    }

    #[test]
    fn a_fault_every_n_calls_shapes_each_nth_and_lets_the_rest_pass_to_later_faults() {
        let mut queue = FaultQueue::default();
        let every_third = read_request(
            br#"{"action": "*", "error_code": "InternalError", "count": 2, "every": 3}"#,
        )
        .expect("request");
        assert_eq!(every_third.every, 3);
        queue
            .add_every(every_third.spec, None, every_third.every)
            .expect("add");
        queue
            .add_plain(spec(r#"{"action": "*", "latency_ms": 5, "count": 100}"#))
            .expect("add");
        let shaped: Vec<bool> = (0..8)
            .map(|_| {
                queue
                    .take("cdb", "A", false)
                    .expect("one of them")
                    .outcome
                    .is_some()
            })
            .collect();
        assert_eq!(
            shaped,
            [false, false, true, false, false, true, false, false]
        );
        let refused =
            read_request(br#"{"action": "*", "error_code": "X", "every": 0}"#).expect("request");
        assert_eq!(
            queue.add_every(refused.spec, None, refused.every),
            Err(FaultError::ZeroEvery)
        );
    }
}
