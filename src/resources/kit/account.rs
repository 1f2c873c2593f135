//! The trait an account-privileges resource implements, and the values it trades with the kit.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::framework::{Block, Diagnostics, IdentityAttribute, MoveSource, MovedState, Unmappable};
use crate::value::Value;

use crate::resources::outcome::{Operation, ReadFailure, Unfinished};

/// What a read of the account found: the account as the resource models it, and warnings
/// about it (e.g. a listed object that no longer exists and was dropped).
pub struct Current<A> {
    pub account: A,
    pub warnings: Diagnostics,
}

impl<A> Current<A> {
    pub fn clean(account: A) -> Self {
        Current {
            account,
            warnings: Diagnostics::new(),
        }
    }
}

/// One create, update or delete, as the resource's `change` receives it.
pub struct Change<'a, A> {
    pub operation: Operation,
    /// The account as the prior state records it; `None` on create.
    pub prior: Option<&'a A>,
    /// What the account is to hold (nothing, for a delete). The change may fill in what the
    /// configuration left to the cloud.
    pub wanted: &'a mut A,
    /// The operation's timeout, and the deadline it sets.
    pub limit: Duration,
    pub deadline: Instant,
}

/// What a change answered with success leaves to check.
pub enum Sent<S> {
    /// Nothing had to change, or the cloud confirmed the result (e.g. its task finished).
    Confirmed,
    /// Calls the cloud answered with success but may not have carried out: the kit reads the
    /// account back and the resource's `verify` compares it with what was wanted.
    ToVerify(S),
}

/// What the account read back after a change says about it.
pub enum Verdict {
    Applied,
    /// The read back failed: the state records what was asked, with this warning.
    Unconfirmed(Diagnostics),
    /// The account does not hold what was asked: this error, and the state records what it holds.
    NotApplied(Diagnostics),
}

/// What one account-privileges resource says about its API; [`Managed`] does the rest.
#[async_trait]
pub trait AccountResource: Send + Sync + 'static {
    /// One account and its privileges, as the configuration declares them or a read finds them.
    type Account: Clone + Send + Sync;
    /// The client of the cloud service the resource calls.
    type Client: Send + Sync;
    /// What an import ID names.
    type ImportId: Send + Sync;
    /// What a change sent that the read back checks (see [`Sent::ToVerify`]).
    type Sent: Send + Sync;

    /// The resource type name users write, e.g. `clouddb_cdb_account_privileges`.
    const TYPE_NAME: &'static str;

    /// The attributes that name the account, in the order its import ID joins them with `#`:
    /// the resource's identity for Terraform 1.12 and later.
    const IDENTITY: &'static [IdentityAttribute];

    /// The resource types of other providers whose state this one takes over in a `moved` block.
    const MOVES_FROM: &'static [MoveSource] = &[];

    /// The schema's attributes and blocks; the kit adds `timeouts`.
    fn block(&self) -> Block;

    /// Checks that span attributes; per-attribute checks are schema validators.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// A new walk begins (see [`crate::framework::Resource::begin_walk`]).
    fn begin_walk(&self) {}

    /// Fills in what an older or hand-edited state lacks (see
    /// [`crate::framework::Resource::upgrade_state`]).
    fn upgrade_state(&self, state: Value) -> Value {
        state
    }

    /// The account a plan or state declares.
    fn parse(&self, value: &Value) -> Result<Self::Account, Diagnostics>;

    /// The resource value of an account, without `timeouts`, which the kit carries.
    fn render(&self, account: &Self::Account) -> Value;

    /// Whether the account holds anything this resource manages.
    fn holds_anything(&self, account: &Self::Account) -> bool;

    /// What a delete leaves the account of `prior` holding.
    fn emptied(&self, prior: &Self::Account) -> Self::Account;

    /// Whether an update from `prior` to `wanted` has nothing to send (only `timeouts` changed).
    fn unchanged(&self, _prior: &Self::Account, _wanted: &Self::Account) -> bool {
        false
    }

    fn client(&self) -> Result<Self::Client, Diagnostics>;

    /// Holds the account's lock until the guard is dropped, so that two operations on one
    /// account never interleave.
    async fn lock(&self, client: &Self::Client, account: &Self::Account) -> OwnedMutexGuard<()>;

    /// What the account holds now, as `account` would record it; `None` when it is gone.
    async fn read(
        &self,
        client: &Self::Client,
        account: &Self::Account,
        deadline: Instant,
    ) -> Result<Option<Current<Self::Account>>, ReadFailure>;

    /// What a refresh finds the account holding; by default what `read` finds. A resource whose
    /// API lists many accounts at once may answer from a listing shared by the walk's reads;
    /// `read` stays fresh, for what follows a change.
    async fn refresh(
        &self,
        client: &Self::Client,
        account: &Self::Account,
        deadline: Instant,
    ) -> Result<Option<Current<Self::Account>>, ReadFailure> {
        self.read(client, account, deadline).await
    }

    /// What the first read after a move finds the account holding; by default what `refresh`
    /// finds. A resource that reads only the scopes its state names reads every scope here,
    /// since the source's state may name only some of them.
    async fn read_moved(
        &self,
        client: &Self::Client,
        account: &Self::Account,
        deadline: Instant,
    ) -> Result<Option<Current<Self::Account>>, ReadFailure> {
        self.refresh(client, account, deadline).await
    }

    /// What the account holds after a failed change; by default, what `read` finds of `wanted`.
    async fn read_after_failure(
        &self,
        client: &Self::Client,
        _prior: Option<&Self::Account>,
        wanted: &Self::Account,
        deadline: Instant,
    ) -> Result<Option<Self::Account>, ReadFailure> {
        Ok(self
            .read(client, wanted, deadline)
            .await?
            .map(|current| current.account))
    }

    /// Makes the account hold `change.wanted`, under the account's lock.
    async fn change(
        &self,
        client: &Self::Client,
        change: Change<'_, Self::Account>,
    ) -> Result<Sent<Self::Sent>, Unfinished>;

    /// Compares the account read back after `sent` (`Ok(None)`: it is gone) with `wanted`.
    fn verify(
        &self,
        wanted: &Self::Account,
        sent: &Self::Sent,
        read_back: Result<Option<&Self::Account>, &Diagnostics>,
    ) -> Verdict;

    fn parse_import_id(&self, id: &str) -> Result<Self::ImportId, Diagnostics>;

    /// The account the stored state of one of [`Self::MOVES_FROM`] declares; the refresh that
    /// follows the move reads what it really holds.
    fn moved_account(&self, _source: &MovedState) -> Result<Self::Account, Unmappable> {
        Err(Unmappable {
            path: String::new(),
            problem: "is not a state this resource takes over".into(),
        })
    }

    /// The account an import ID names, as a read finds it, or why it cannot be imported.
    async fn import(
        &self,
        client: &Self::Client,
        id: &Self::ImportId,
        deadline: Instant,
    ) -> Result<Self::Account, Diagnostics>;
}
