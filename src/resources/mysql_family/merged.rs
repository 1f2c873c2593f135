//! Changes merged while they wait. CDB's and TDSQL's ModifyAccountPrivileges take a list of
//! accounts: resources giving accounts of one instance exactly the same privileges (a
//! `for_each` over a team) that are applied together go out as one call, and wait for its one
//! task.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::cloud::batch::{Batches, Hold};
use crate::cloud::error::{CloudError, Missing};
use crate::cloud::tencent::cdb::Account;

/// How a change waits for identical ones even when the rate limit would let it go at once. As
/// Terraform's parallel slots free up it starts the next resources a few milliseconds apart
/// (tens on a busy machine): a change waits until none has joined it for `quiet`, for at most
/// `at_most`. One call for all of them spends one request of the rate limit and one task
/// instead of one each, for the cost of this wait; a change that comes alone waits `quiet`.
const GATHERING: Hold = Hold {
    at_least: Duration::ZERO,
    quiet: Duration::from_millis(15),
    at_most: Duration::from_millis(60),
};

/// (instance, the privileges as sent) → the accounts to give them, and the call's outcome with
/// how many accounts it carried.
pub type MergedWrites<Started> =
    Batches<(String, String), Account, (Result<Started, CloudError>, usize)>;

/// Sends `privileges` for `account` with the identical changes of `instance` that arrive
/// within `rate_wait` (the wait for the action's rate limit), or while they keep coming
/// ([`GATHERING`]): `send` gets every account. The vendor refuses a whole call for one missing
/// account: each change of a merged call refused so sends its own account again alone, so that
/// only the resource whose account is missing is told so.
pub async fn send_merged<Started, F, Fut>(
    writes: &MergedWrites<Started>,
    instance: &str,
    privileges: &impl Serialize,
    account: &Account,
    rate_wait: Duration,
    action: &str,
    send: F,
) -> Result<Started, CloudError>
where
    Started: Clone,
    F: Fn(Vec<Account>) -> Fut,
    Fut: Future<Output = Result<Started, CloudError>>,
{
    let key = (
        instance.to_owned(),
        serde_json::to_string(privileges).unwrap_or_default(),
    );
    let send = &send;
    let merged = |accounts: Vec<Account>| async move {
        let carried = accounts.len();
        (send(accounts).await, carried)
    };
    let (outcome, carried) = writes
        .submit(
            key,
            account.clone(),
            Hold {
                at_least: rate_wait,
                ..GATHERING
            },
            merged,
        )
        .await
        .unwrap_or_else(|| {
            let abandoned = CloudError::Transport {
                action: action.to_owned(),
                detail: "the call merged with this change was abandoned before it was sent"
                    .to_owned(),
            };
            (Err(abandoned), 1)
        });
    match outcome {
        Err(refused) if carried > 1 && refused.missing() == Some(Missing::Account) => {
            send(vec![account.clone()]).await
        }
        outcome => outcome,
    }
}
