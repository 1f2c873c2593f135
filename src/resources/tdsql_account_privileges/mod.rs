//! `clouddb_tdsql_account_privileges`: every privilege of one TDSQL for MySQL account, at all
//! seven levels, set with one ModifyAccountPrivileges that sends every list, and its flow.

mod model;
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
use crate::cloud::tencent::mariadb::{Flow, FlowStatus, Scope, TdsqlClient};
use crate::framework::timeouts::describe_duration;
use crate::framework::{Block, Diagnostics};
use crate::resources::clients::Clouds;
use crate::resources::kit::{AccountResource, Change, Current, Sent, Verdict};
use crate::resources::messages::{account_read_failure, cloud_error};
use crate::resources::mysql_family::account::{parse_account_id, ConfiguredAccounts};
use crate::resources::mysql_family::change::{
    call_failed, change_summary, no_such_account, task_ended, Instance,
};
use crate::resources::mysql_family::grants::AccountGrants;
use crate::resources::mysql_family::levels::TDSQL;
use crate::resources::outcome::{Operation, ReadFailure, Unfinished};
use crate::value::Value;

use self::model::{privileges_from_reads, privileges_to_lists, scopes_of};
use self::reads::{every_scope, read_scopes};
use self::validation::{block, check_every_scope, ACCOUNT_IDS};

pub use self::validation::TYPE_NAME;

/// The action whose flow the resource waits for.
const MODIFY: &str = "ModifyAccountPrivileges";

pub struct TdsqlAccountPrivileges {
    clouds: Arc<Clouds>,
    configured_accounts: ConfiguredAccounts,
}

impl TdsqlAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        TdsqlAccountPrivileges {
            clouds,
            configured_accounts: ConfiguredAccounts::default(),
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
        match read_scopes(
            client,
            &grants.instance_id,
            &grants.account,
            scopes,
            deadline,
        )
        .await
        {
            Ok(reads) => Ok(Some(grants.holding(privileges_from_reads(&reads)))),
            Err(e) => account_read_failure(&e, &instance_name(grants), &client.location(), || {
                format!("Could not read the privileges of {}", grants.id())
            }),
        }
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

    fn block(&self) -> Block {
        block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_every_scope(config, diags);
        self.configured_accounts
            .refuse_twice(TYPE_NAME, config, diags);
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
        let scopes = scopes_of(&grants.privileges);
        Ok(self
            .read_on(client, grants, scopes, deadline)
            .await?
            .map(Current::clean))
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
        let flow = client
            .modify_account_privileges(
                &wanted.instance_id,
                &wanted.account,
                &lists,
                change.deadline,
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
        )
    }

    fn verify(
        &self,
        _wanted: &AccountGrants,
        sent: &Infallible,
        _read_back: Result<Option<&AccountGrants>, &Diagnostics>,
    ) -> Verdict {
        match *sent {}
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
