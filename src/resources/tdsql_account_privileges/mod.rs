//! `clouddb_tdsql_account_privileges`: every privilege of one TDSQL for MySQL account, at all
//! seven levels, set with one ModifyAccountPrivileges that sends every list, and its flow.

mod model;
mod moved;
mod reads;
mod validation;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::mariadb::{Account, Flow, FlowStatus, Scope, TdsqlClient, V2_MODIFY};
use crate::framework::timeouts::describe_duration;
use crate::framework::{Block, Diagnostics, IdentityAttribute, MoveSource, MovedState, Unmappable};
use crate::resources::clients::Clouds;
use crate::resources::kit::{AccountResource, Change, ConfiguredOnce, Current, Sent, Verdict};
use crate::resources::messages::{account_read_failure, cloud_error};
use crate::resources::mysql_family::account::{
    parse_account_id, refuse_account_twice, MYSQL_ACCOUNT_IDENTITY,
};
use crate::resources::mysql_family::change::{
    call_failed, change_summary, no_such_account, task_ended, Instance,
};
use crate::resources::mysql_family::grants::AccountGrants;
use crate::resources::mysql_family::legacy_reads::{offers_no_read, unread};
use crate::resources::mysql_family::levels::TDSQL;
use crate::resources::mysql_family::merged::{send_merged, MergedWrites};
use crate::resources::outcome::{Operation, ReadFailure, Unfinished};
use crate::value::Value;

use self::model::{privileges_from_reads, privileges_to_lists, scope_changes, scopes_of};
use self::reads::{every_scope, read_scopes};
use self::validation::{block, check_every_scope, ACCOUNT_IDS};

pub use self::validation::TYPE_NAME;

/// The action whose flow the resource waits for.
const MODIFY: &str = "ModifyAccountPrivileges";

pub struct TdsqlAccountPrivileges {
    clouds: Arc<Clouds>,
    configured_accounts: ConfiguredOnce,
    /// Changes to the same privileges, merged while they wait for the rate limit.
    writes: MergedWrites<Flow>,
}

impl TdsqlAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        TdsqlAccountPrivileges {
            clouds,
            configured_accounts: ConfiguredOnce::default(),
            writes: MergedWrites::default(),
        }
    }

    /// What the account holds on `scopes`; `None` when the account is gone.
    async fn read_on(
        &self,
        client: &TdsqlClient,
        grants: &AccountGrants,
        scopes: Vec<Scope>,
        deadline: Instant,
    ) -> Result<Option<AccountGrants>, ReadFailure> {
        let read = read_scopes(
            client,
            &grants.instance_id,
            &grants.account,
            scopes,
            deadline,
        )
        .await;
        self.grants_read(client, grants, read)
    }

    /// What reads found, as the account (`None` when it is gone), or why they failed.
    fn grants_read(
        &self,
        client: &TdsqlClient,
        grants: &AccountGrants,
        read: Result<Vec<(Scope, Vec<String>)>, CloudError>,
    ) -> Result<Option<AccountGrants>, ReadFailure> {
        match read {
            Ok(reads) => Ok(Some(grants.holding(privileges_from_reads(&reads)))),
            Err(e) => account_read_failure(&e, &instance_name(grants), &client.location(), || {
                format!("Could not read the privileges of {}", grants.id())
            }),
        }
    }

    /// What a refresh's reads found, as a state records it; an endpoint of the legacy API that
    /// offers no read keeps the state as the last apply set it.
    fn settle_read(
        &self,
        client: &TdsqlClient,
        grants: &AccountGrants,
        read: Result<Vec<(Scope, Vec<String>)>, CloudError>,
    ) -> Result<Option<Current<AccountGrants>>, ReadFailure> {
        match read {
            Err(e) if client.uses_legacy_api() && offers_no_read(&e) => {
                Ok(Some(unread(grants, &e)))
            }
            read => Ok(self.grants_read(client, grants, read)?.map(Current::clean)),
        }
    }
}

impl TdsqlAccountPrivileges {
    /// Through the legacy API v2: one ModifyTdsqlUserPrivileges per scope that differs from
    /// what the account holds (the prior state, or for a create every scope of the instance,
    /// read first), so a create or an update clears what is no longer wanted.
    async fn change_v2(
        &self,
        client: &TdsqlClient,
        change: &Change<'_, AccountGrants>,
        instance: &Instance<'_>,
    ) -> Result<Sent<Infallible>, Unfinished> {
        let wanted = &*change.wanted;
        let held = match change.prior {
            Some(prior) => prior.privileges.clone(),
            None => {
                let mut scopes = every_scope(client, &wanted.instance_id, change.deadline)
                    .await
                    .map_err(|e| {
                        Unfinished::from(ReadFailure::of(
                            &e,
                            cloud_error(
                                format!("Could not list the objects of {}", instance.name),
                                &e,
                            ),
                        ))
                    })?;
                scopes.insert(0, Scope::Global);
                self.read_on(client, wanted, scopes, change.deadline)
                    .await?
                    .ok_or_else(|| {
                        Unfinished::AccountGone(Diagnostics::from_error(
                            "Account not found",
                            format!(
                                "{} Create the account first: this resource manages the privileges of an existing account.",
                                no_such_account(instance.name, wanted)
                            ),
                        ))
                    })?
                    .privileges
            }
        };
        let calls = scope_changes(&held, &wanted.privileges);
        for (done, (scope, privileges)) in calls.iter().enumerate() {
            let sent = client
                .set_scope_v2(
                    &wanted.instance_id,
                    &wanted.account,
                    scope,
                    privileges,
                    change.deadline,
                )
                .await;
            match sent {
                Ok(()) => {}
                Err(e) if done == 0 => return Err(call_failed(&e, wanted, instance)),
                Err(e) => return Err(Unfinished::Failed(part_way(wanted, &calls, done, &e))),
            }
        }
        Ok(Sent::Confirmed)
    }
}

/// A legacy change that failed at call `done` (from 0) after the calls before it were applied.
fn part_way(
    wanted: &AccountGrants,
    calls: &[(Scope, Vec<String>)],
    done: usize,
    error: &CloudError,
) -> Diagnostics {
    let applied: Vec<String> = calls[..done]
        .iter()
        .map(|(scope, _)| describe_scope(scope))
        .collect();
    Diagnostics::from_error(
        change_summary(wanted),
        format!(
            "{error}\n\n{V2_MODIFY} sets one scope per call; {} calls were to be made, and call {} ({}) failed. The {done} before it were applied: {}. The state records what the account holds now.",
            calls.len(),
            done + 1,
            describe_scope(&calls[done].0),
            applied.join(", ")
        ),
    )
}

/// A scope the way the schema names it: `global`, `table shop.orders`, ...
fn describe_scope(scope: &Scope) -> String {
    match scope {
        Scope::Global => "global".to_owned(),
        Scope::Database(db) => format!("database {db}"),
        Scope::Table(db, table) => format!("table {db}.{table}"),
        Scope::Column(db, table, column) => format!("column {db}.{table}.{column}"),
        Scope::View(db, view) => format!("view {db}.{view}"),
        Scope::Function(db, function) => format!("function {db}.{function}"),
        Scope::Procedure(db, procedure) => format!("procedure {db}.{procedure}"),
    }
}

fn instance_name(grants: &AccountGrants) -> String {
    format!("TDSQL instance {}", grants.instance_id)
}

/// A flow that failed, or whose status could not be read: the flow and the RequestIds.
fn flow_error(wanted: &AccountGrants, flow: &Flow, error: &CloudError) -> Diagnostics {
    let detail = match error {
        CloudError::TaskFailed { .. } => format!(
            "{error} (RequestId of {MODIFY}: {}). The state records what the account holds now, as DescribeAccountPrivileges reports it.",
            flow.request_id
        ),
        _ => format!(
            "Could not follow {MODIFY} flow {} (RequestId: {}): {error}. The flow may still finish; the next plan reads what the account holds then.",
            flow.flow_id, flow.request_id
        ),
    };
    Diagnostics::from_error(change_summary(wanted), detail)
}

fn still_running(
    wanted: &AccountGrants,
    flow: &Flow,
    status: &FlowStatus,
    operation: Operation,
    limit: Duration,
) -> Diagnostics {
    Diagnostics::from_error(
        format!("Timed out setting the privileges of {}", wanted.id()),
        format!(
            "{MODIFY} flow {} (RequestId: {}) was still running (DescribeFlow Status {}, RequestId: {}) when the {} timeout of {} elapsed. The flow may still finish: the next plan reads what the account holds then. If this instance's flows take longer, raise timeouts.{}.",
            flow.flow_id,
            flow.request_id,
            status.status,
            status.request_id,
            operation.name(),
            describe_duration(limit),
            operation.name()
        ),
    )
}

#[async_trait]
impl AccountResource for TdsqlAccountPrivileges {
    type Account = AccountGrants;
    type Client = TdsqlClient;
    type ImportId = AccountGrants;
    /// A finished flow confirms the change, so nothing is read back.
    type Sent = Infallible;

    const TYPE_NAME: &'static str = TYPE_NAME;
    const MOVES_FROM: &'static [MoveSource] = moved::MOVES_FROM;
    const IDENTITY: &'static [IdentityAttribute] = MYSQL_ACCOUNT_IDENTITY;

    fn block(&self) -> Block {
        block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_every_scope(config, diags);
        refuse_account_twice(&self.configured_accounts, TYPE_NAME, config, diags);
    }

    fn begin_walk(&self) {
        self.configured_accounts.clear();
    }

    fn parse(&self, value: &Value) -> Result<AccountGrants, Diagnostics> {
        AccountGrants::from_value(&TDSQL, value)
    }

    fn render(&self, grants: &AccountGrants) -> Value {
        grants.to_value()
    }

    fn holds_anything(&self, grants: &AccountGrants) -> bool {
        !grants.privileges.is_empty()
    }

    fn emptied(&self, prior: &AccountGrants) -> AccountGrants {
        prior.emptied()
    }

    fn unchanged(&self, prior: &AccountGrants, wanted: &AccountGrants) -> bool {
        prior.privileges == wanted.privileges
    }

    fn client(&self) -> Result<TdsqlClient, Diagnostics> {
        Ok(TdsqlClient::new(self.clouds.tencent()?))
    }

    async fn lock(&self, client: &TdsqlClient, grants: &AccountGrants) -> OwnedMutexGuard<()> {
        client
            .lock_account(&grants.instance_id, &grants.account)
            .await
    }

    /// Every scope the state names, and the global privileges.
    async fn read(
        &self,
        client: &TdsqlClient,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<Option<Current<AccountGrants>>, ReadFailure> {
        let read = read_scopes(
            client,
            &grants.instance_id,
            &grants.account,
            scopes_of(&grants.privileges),
            deadline,
        )
        .await;
        self.settle_read(client, grants, read)
    }

    /// The official provider's state holds only what its configuration declared (it reads back
    /// only the global privileges), so the first read after a move reads every scope of the
    /// instance, as an import does, and the plan shows what the account really holds. Where the
    /// objects cannot be listed (e.g. a CAM policy without DescribeDatabases), the scopes of the
    /// state are read as a refresh would, with a warning saying what was not looked at.
    async fn read_moved(
        &self,
        client: &TdsqlClient,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<Option<Current<AccountGrants>>, ReadFailure> {
        let mut scopes = match every_scope(client, &grants.instance_id, deadline).await {
            Ok(scopes) => scopes,
            Err(e) => {
                let read = self.read(client, grants, deadline).await?;
                return Ok(read.map(|mut current| {
                    current.warnings.warning(
                        format!("Could not list the objects of {}", instance_name(grants)),
                        format!(
                            "{e}\n\nAfter the move of {} only the scopes its state names were read, so privileges the account holds on other databases, tables, views and routines do not show in this plan. Allow DescribeDatabases, DescribeDatabaseObjects and DescribeDatabaseTable, or import the resource, to see them.",
                            grants.id()
                        ),
                    );
                    current
                }));
            }
        };
        for scope in scopes_of(&grants.privileges) {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        let read = read_scopes(
            client,
            &grants.instance_id,
            &grants.account,
            scopes,
            deadline,
        )
        .await;
        self.settle_read(client, grants, read)
    }

    /// The scopes of the prior state and of the plan: a failed change may have left either.
    async fn read_after_failure(
        &self,
        client: &TdsqlClient,
        prior: Option<&AccountGrants>,
        wanted: &AccountGrants,
        deadline: Instant,
    ) -> Result<Option<AccountGrants>, ReadFailure> {
        let scopes: BTreeSet<Scope> = prior
            .iter()
            .flat_map(|before| scopes_of(&before.privileges))
            .chain(scopes_of(&wanted.privileges))
            .collect();
        self.read_on(client, wanted, scopes.into_iter().collect(), deadline)
            .await
    }

    /// One ModifyAccountPrivileges with all seven lists, then the wait for its flow.
    async fn change(
        &self,
        client: &TdsqlClient,
        change: Change<'_, AccountGrants>,
    ) -> Result<Sent<Infallible>, Unfinished> {
        let wanted = &*change.wanted;
        let lists = privileges_to_lists(&wanted.privileges);
        let instance = Instance {
            name: &instance_name(wanted),
            location: client.location(),
        };
        if client.uses_legacy_api() {
            return self.change_v2(client, &change, &instance).await;
        }
        let sent = &lists;
        let send = |accounts: Vec<Account>| async move {
            client
                .modify_account_privileges(&wanted.instance_id, &accounts, sent, change.deadline)
                .await
        };
        let flow = send_merged(
            &self.writes,
            &wanted.instance_id,
            &lists,
            &wanted.account,
            client.modify_delay(),
            MODIFY,
            send,
        )
        .await
        .map_err(|e| call_failed(&e, wanted, &instance))?;
        let waited = client
            .wait_for_flow(MODIFY, flow.flow_id, change.deadline)
            .await;
        task_ended(
            waited,
            |status| still_running(wanted, &flow, &status, change.operation, change.limit),
            |e| flow_error(wanted, &flow, e),
        )?;
        Ok(Sent::Confirmed)
    }

    fn verify(
        &self,
        _wanted: &AccountGrants,
        sent: &Infallible,
        _read_back: Result<Option<&AccountGrants>, &Diagnostics>,
    ) -> Verdict {
        match *sent {}
    }

    fn moved_account(&self, source: &MovedState) -> Result<AccountGrants, Unmappable> {
        moved::moved_account(source)
    }

    fn parse_import_id(&self, id: &str) -> Result<AccountGrants, Diagnostics> {
        let (instance_id, account) = parse_account_id(id, &ACCOUNT_IDS)?;
        Ok(AccountGrants::new(&TDSQL, instance_id, account))
    }

    /// The global privileges first (which tells a missing account), then every scope the
    /// instance has.
    async fn import(
        &self,
        client: &TdsqlClient,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<AccountGrants, Diagnostics> {
        let missing = || {
            crate::resources::messages::import_missing(no_such_account(
                &instance_name(grants),
                grants,
            ))
        };
        let Some(global) = self
            .read_on(client, grants, vec![Scope::Global], deadline)
            .await?
        else {
            return Err(missing());
        };
        let scopes = every_scope(client, &grants.instance_id, deadline)
            .await
            .map_err(|e| {
                cloud_error(
                    format!("Could not list the objects of {}", instance_name(grants)),
                    &e,
                )
            })?;
        match self.read_on(client, grants, scopes, deadline).await? {
            Some(found) => {
                let mut privileges = found.privileges;
                privileges.global = global.privileges.global;
                Ok(grants.holding(privileges))
            }
            None => Err(missing()),
        }
    }
}
