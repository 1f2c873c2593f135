//! Injected faults: the next calls of an action fail, wait, or lose their connection.

use std::time::Duration;

use serde::{Deserialize, Serialize};

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

/// A fault that still has calls to shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingFault {
    pub id: u64,
    /// Calls left to shape.
    pub remaining: u32,
    #[serde(flatten)]
    pub spec: FaultSpec,
}

/// Why a fault was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("fault: `count` must be at least 1")]
    ZeroCount,
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
        if self.count == 0 {
            return Err(FaultError::ZeroCount);
        }
        if self.action.is_empty() {
            return Err(FaultError::NoAction);
        }
        if self.error_code.is_some() && self.drop_connection {
            return Err(FaultError::ErrorAndDrop);
        }
        if self.error_code.is_none() && !self.drop_connection && self.latency_ms.is_none() {
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
    pub(crate) fn add(&mut self, spec: FaultSpec) -> Result<PendingFault, FaultError> {
        spec.validate()?;
        self.next_id += 1;
        let fault = PendingFault {
            id: self.next_id,
            remaining: spec.count,
            spec,
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

    /// Uses up one call of the first fault that matches, if any.
    pub(crate) fn take(&mut self, service: &str, action: &str) -> Option<Fault> {
        let index = self
            .pending
            .iter()
            .position(|f| f.spec.matches(service, action))?;
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
                (None, false) => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).expect("fault spec")
    }

    #[test]
    fn a_fault_shapes_count_calls_then_goes() {
        let mut queue = FaultQueue::default();
        let added = queue
            .add(spec(r#"{"action": "GrantAccountPrivilege", "count": 2, "error_code": "Throttling.User"}"#))
            .expect("add");
        assert_eq!(added.remaining, 2);
        assert!(queue.take("polardb", "DescribeAccounts").is_none());
        for _ in 0..2 {
            let fault = queue
                .take("polardb", "GrantAccountPrivilege")
                .expect("fault");
            assert_eq!(
                fault.outcome,
                Some(FaultOutcome::Error {
                    code: "Throttling.User".into(),
                    message: None
                })
            );
        }
        assert!(queue.take("polardb", "GrantAccountPrivilege").is_none());
        assert!(queue.pending().is_empty());
    }

    #[test]
    fn service_and_wildcard_narrow_and_widen() {
        let mut queue = FaultQueue::default();
        queue
            .add(spec(
                r#"{"service": "cdb", "action": "*", "latency_ms": 5}"#,
            ))
            .expect("add");
        assert!(queue.take("postgres", "ModifyAccountPrivileges").is_none());
        let fault = queue.take("cdb", "ModifyAccountPrivileges").expect("fault");
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
            assert_eq!(queue.add(spec(json)), Err(expected));
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"action": "A", "errorcode": "X"}"#).is_err());
    }
}
