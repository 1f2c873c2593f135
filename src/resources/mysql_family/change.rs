//! How a MySQL-family change ends: its call refused or failed, or its task (cdb's async task,
//! TDSQL's flow) finished, still running, or failed — and the words every such resource uses.

use crate::cloud::error::{CloudError, Missing};
use crate::cloud::tencent::poll::Waited;
use crate::cloud::transport::Location;
use crate::framework::Diagnostics;
use crate::resources::messages::{cloud_error, instance_not_found};
use crate::resources::outcome::Unfinished;

use super::grants::AccountGrants;

/// The instance as messages name it (`"CDB instance cdb-c1nl9rpv"`) and where it was looked for.
pub struct Instance<'a> {
    pub name: &'a str,
    pub location: Location,
}

pub fn change_summary(wanted: &AccountGrants) -> String {
    format!("Could not set the privileges of {}", wanted.id())
}

/// The sentence a change and an import give when the account is not there.
pub fn no_such_account(instance: &str, grants: &AccountGrants) -> String {
    format!("{instance} has no account {}.", grants.account.name())
}

/// The call that changes the account failed: the account or the instance is missing, or the
/// call itself failed (or never got through).
pub fn call_failed(error: &CloudError, wanted: &AccountGrants, instance: &Instance) -> Unfinished {
    match error.missing() {
        Some(Missing::Account) => Unfinished::AccountGone(Diagnostics::from_error(
            "Account not found",
            format!(
                "{} Create the account first: this resource manages the privileges of an existing account. {error}",
                no_such_account(instance.name, wanted)
            ),
        )),
        Some(Missing::Instance) => Unfinished::InstanceGone(
            instance_not_found(instance.name, &instance.location, error).into(),
        ),
        None => Unfinished::of_change(error, cloud_error(change_summary(wanted), error)),
    }
}

/// How the wait for the change's task ended: done, still running (`still_running` says how
/// far it got), or failed or unfollowable (`failed` says which). A task that could not be
/// followed because the endpoint stopped answering may still finish: that is undetermined.
pub fn task_ended<T>(
    waited: Result<Waited<T>, CloudError>,
    still_running: impl FnOnce(T) -> Diagnostics,
    failed: impl FnOnce(&CloudError) -> Diagnostics,
) -> Result<(), Unfinished> {
    match waited {
        Ok(Waited::Succeeded) => Ok(()),
        Ok(Waited::StillRunning(status)) => Err(Unfinished::Undetermined(still_running(status))),
        Err(e) if e.is_unreachable() => Err(Unfinished::Undetermined(failed(&e))),
        Err(e) => Err(Unfinished::Failed(failed(&e))),
    }
}
