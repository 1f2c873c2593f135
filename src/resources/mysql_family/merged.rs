//! Changes merged while they wait for the rate limit. CDB's and TDSQL's ModifyAccountPrivileges
//! take a list of accounts: resources giving accounts of one instance exactly the same
//! privileges (a `for_each` over a team) go out as one call, and wait for its one task.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::cloud::batch::Batches;
use crate::cloud::error::CloudError;
use crate::cloud::tencent::cdb::Account;

/// (instance, the privileges as sent) → the accounts to give them, and the call's outcome.
pub type MergedWrites<Started> = Batches<(String, String), Account, Result<Started, CloudError>>;

/// Sends `privileges` for `account` with the identical changes of `instance` that arrive
/// within `hold` (the wait for the action's rate limit): `send` gets every account.
pub async fn send_merged<Started, F, Fut>(
    writes: &MergedWrites<Started>,
    instance: &str,
    privileges: &impl Serialize,
    account: &Account,
    hold: Duration,
    action: &str,
    send: F,
) -> Result<Started, CloudError>
where
    Started: Clone,
    F: FnOnce(Vec<Account>) -> Fut,
    Fut: Future<Output = Result<Started, CloudError>>,
{
    let key = (
        instance.to_owned(),
        serde_json::to_string(privileges).unwrap_or_default(),
    );
    writes
        .submit(key, account.clone(), hold, send)
        .await
        .unwrap_or_else(|| {
            Err(CloudError::Transport {
                action: action.to_owned(),
                detail: "the call merged with this change was abandoned before it was sent"
                    .to_owned(),
            })
        })
}
