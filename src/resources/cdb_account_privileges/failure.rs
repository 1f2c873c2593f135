//! The diagnostics of a change that did not complete: a missing account, a failed or unreadable
//! task, and a task still running when the timeout elapsed.

use std::time::Duration;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::cdb::{AsyncRequest, AsyncRequestInfo};
use crate::framework::timeouts::describe_duration;
use crate::framework::Diagnostics;
use crate::resources::kit::Verdict;

use crate::resources::outcome::Operation;

use crate::resources::mysql_family::change::{change_summary, no_such_account};
use crate::resources::mysql_family::grants::AccountGrants;

/// The action whose task the resource waits for.
pub const MODIFY: &str = "ModifyAccountPrivileges";

/// How messages name the instance of `grants`.
pub fn instance_name(grants: &AccountGrants) -> String {
    format!("CDB instance {}", grants.instance_id)
}

pub fn import_missing(grants: &AccountGrants) -> Diagnostics {
    crate::resources::messages::import_missing(no_such_account(&instance_name(grants), grants))
}

/// A task that failed, or whose status could not be read: the task, its Info and both RequestIds.
pub fn task_error(wanted: &AccountGrants, task: &AsyncRequest, error: &CloudError) -> Diagnostics {
    let detail = match error {
        CloudError::TaskFailed { .. } => format!(
            "{error} (RequestId of {MODIFY}: {}). The state records what the account holds now, as DescribeAccountPrivileges reports it.",
            task.request_id
        ),
        _ => format!(
            "Could not follow {MODIFY} task {} (RequestId: {}): {error}. The task may still finish; the next plan reads what the account holds then.",
            task.async_request_id, task.request_id
        ),
    };
    Diagnostics::from_error(change_summary(wanted), detail)
}

pub fn still_running(
    wanted: &AccountGrants,
    task: &AsyncRequest,
    info: &AsyncRequestInfo,
    operation: Operation,
    limit: Duration,
) -> Diagnostics {
    Diagnostics::from_error(
        format!("Timed out setting the privileges of {}", wanted.id()),
        format!(
            "{MODIFY} task {} (RequestId: {}) was still {} when the {} timeout of {} elapsed. The task may still finish: the next plan reads what the account holds then. If this instance's tasks take longer, raise timeouts.{}.",
            task.async_request_id,
            task.request_id,
            info.status.as_str(),
            operation.name(),
            describe_duration(limit),
            operation.name()
        ),
    )
}

/// What the account read back after a successful task (`None`: it is gone) says of it.
pub fn read_back_verdict(
    wanted: &AccountGrants,
    task: &AsyncRequest,
    read_back: Result<Option<&AccountGrants>, &Diagnostics>,
) -> Verdict {
    match read_back {
        Ok(Some(held)) if held.privileges == wanted.privileges => Verdict::Applied,
        // A gone account holds nothing, which is all a destroy asks.
        Ok(None) if wanted.privileges.is_empty() => Verdict::Applied,
        Ok(held) => Verdict::NotApplied(not_applied(wanted, task, held)),
        Err(read) => Verdict::Unconfirmed(unconfirmed(wanted, task, read)),
    }
}

/// The task succeeded, yet the account read back afterwards (`None`: gone) does not hold what
/// was asked.
fn not_applied(
    wanted: &AccountGrants,
    task: &AsyncRequest,
    held: Option<&AccountGrants>,
) -> Diagnostics {
    let found = match held {
        Some(held) => format!(
            "showed the account holding:\n- {}\nThe state records what the account holds; the next plan shows what is left to change.",
            held.privileges
                .differences(&wanted.privileges, wanted.family)
                .join("\n- ")
        ),
        None => format!(
            "found no account {}.",
            wanted.account.name()
        ),
    };
    Diagnostics::from_error(
        change_summary(wanted),
        format!(
            "{MODIFY} task {} (RequestId: {}) ended with SUCCESS, but DescribeAccountPrivileges then {found}",
            task.async_request_id, task.request_id,
        ),
    )
}

/// The task succeeded but the account could not be read back: the state records what was asked.
fn unconfirmed(wanted: &AccountGrants, task: &AsyncRequest, read: &Diagnostics) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.warning(
        format!("Could not confirm the privileges of {}", wanted.id()),
        format!(
            "{MODIFY} task {} (RequestId: {}) ended with SUCCESS, but reading the account back failed, so the state records what was asked. The next refresh reads what the account holds.\n\n{read}",
            task.async_request_id,
            task.request_id,
        ),
    );
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::cdb_account_privileges::test_values::sample;

    #[test]
    fn a_failed_task_names_its_info_and_both_request_ids() {
        let grants =
            AccountGrants::from_value(&crate::resources::mysql_family::levels::CDB, &sample())
                .expect("model");
        let task = AsyncRequest {
            async_request_id: "task-1".into(),
            request_id: "R-MODIFY".into(),
        };
        let failed = CloudError::TaskFailed {
            action: MODIFY.into(),
            task_id: "task-1".into(),
            status: "FAILED".into(),
            info: "table shop.ghost does not exist".into(),
        };
        let text = task_error(&grants, &task, &failed).to_string();
        assert!(
            text.contains("task task-1 ended with status FAILED: table shop.ghost does not exist"),
            "{text}"
        );
        assert!(
            text.contains("RequestId of ModifyAccountPrivileges: R-MODIFY"),
            "{text}"
        );
        assert!(text.contains("cdb-sim00001#app#%"), "{text}");
    }

    #[test]
    fn a_task_the_account_does_not_show_names_each_scope_that_differs() {
        let wanted =
            AccountGrants::from_value(&crate::resources::mysql_family::levels::CDB, &sample())
                .expect("model");
        let mut privileges = wanted.privileges.clone();
        privileges.global.insert("RELOAD".into());
        privileges.add(0, vec!["logs".into()], ["SELECT".to_owned()].into());
        let held = wanted.holding(privileges);
        let task = AsyncRequest {
            async_request_id: "task-2".into(),
            request_id: "R-MODIFY".into(),
        };
        let text = not_applied(&wanted, &task, Some(&held)).to_string();
        assert!(
            text.contains(
                "ModifyAccountPrivileges task task-2 (RequestId: R-MODIFY) ended with SUCCESS"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "- global: PROCESS, RELOAD instead of PROCESS\n- database logs: SELECT instead of nothing\n"
            ),
            "{text}"
        );
        assert!(!text.contains("shop"), "only what differs: {text}");
        let gone = not_applied(&wanted, &task, None).to_string();
        assert!(gone.contains("then found no account app@%"), "{gone}");
    }

    #[test]
    fn the_read_back_confirms_what_was_asked_and_nothing_else() {
        let wanted =
            AccountGrants::from_value(&crate::resources::mysql_family::levels::CDB, &sample())
                .expect("model");
        let emptied = wanted.emptied();
        let task = AsyncRequest {
            async_request_id: "task-3".into(),
            request_id: "R-MODIFY".into(),
        };
        let verdict = |wanted, read_back| read_back_verdict(wanted, &task, read_back);
        assert!(matches!(
            verdict(&wanted, Ok(Some(&wanted))),
            Verdict::Applied
        ));
        assert!(matches!(
            verdict(&wanted, Ok(Some(&emptied))),
            Verdict::NotApplied(_)
        ));
        assert!(matches!(verdict(&wanted, Ok(None)), Verdict::NotApplied(_)));
        // A destroy empties the account; one that is gone by the read back holds nothing.
        assert!(matches!(verdict(&emptied, Ok(None)), Verdict::Applied));
        let unreadable = Diagnostics::from_error("Could not read", "InternalError");
        match verdict(&wanted, Err(&unreadable)) {
            Verdict::Unconfirmed(warning) => {
                assert!(!warning.has_errors());
                assert!(warning.to_string().contains("task-3"), "{warning}");
            }
            _ => panic!("an unreadable account leaves the change unconfirmed"),
        }
    }
}
