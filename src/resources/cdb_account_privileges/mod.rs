//! `clouddb_cdb_account_privileges`: every privilege of one TencentDB for MySQL (CDB) account,
//! managed authoritatively with a full-replace ModifyAccountPrivileges and its async task.

mod failure;
mod model;
mod moved;
#[cfg(test)]
mod test_values;
mod validation;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::cloud::tencent::cdb::{Account, AsyncRequest, CdbClient};
use crate::framework::{Block, Diagnostics, IdentityAttribute, MoveSource, MovedState, Unmappable};
use crate::resources::clients::Clouds;
use crate::resources::kit::{AccountResource, Change, ConfiguredOnce, Current, Sent, Verdict};
use crate::resources::messages::account_read_failure;
use crate::resources::mysql_family::account::{
    parse_account_id, refuse_account_twice, DEFAULT_HOST, MYSQL_ACCOUNT_IDENTITY,
};
use crate::resources::mysql_family::change::{call_failed, task_ended, Instance};
use crate::resources::mysql_family::grants::AccountGrants;
use crate::resources::mysql_family::legacy_reads::{offers_no_read, unread};
use crate::resources::mysql_family::levels::CDB;
use crate::resources::mysql_family::merged::{send_merged, MergedWrites};
use crate::resources::outcome::{ReadFailure, Unfinished};
use crate::value::Value;

use self::failure::MODIFY;
use self::failure::{import_missing, instance_name, read_back_verdict, still_running, task_error};
use self::model::{privileges_from_api, privileges_to_api};
use self::validation::{block, check_every_scope, ACCOUNT_IDS};

pub use self::validation::TYPE_NAME;

pub struct CdbAccountPrivileges {
    clouds: Arc<Clouds>,
    configured_accounts: ConfiguredOnce,
    /// Changes to the same privileges, merged while they wait for the rate limit.
    writes: MergedWrites<AsyncRequest>,
}

impl CdbAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        CdbAccountPrivileges {
            clouds,
            configured_accounts: ConfiguredOnce::default(),
            writes: MergedWrites::default(),
        }
    }
}

#[async_trait]
impl AccountResource for CdbAccountPrivileges {
    type Account = AccountGrants;
    type Client = CdbClient;
    type ImportId = AccountGrants;
    /// The task that ended with success, which the account read back is checked against.
    type Sent = AsyncRequest;

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

    /// A state without `host` (older or edited by hand) takes it from its ID.
    fn upgrade_state(&self, state: Value) -> Value {
        // The ID as it was written, whatever rules an import ID has since.
        let host = state
            .attr("id")
            .and_then(Value::as_str)
            .map(|id| id.splitn(3, '#').nth(2).unwrap_or(DEFAULT_HOST).to_owned());
        match (state, host) {
            (Value::Object(mut attrs), Some(host))
                if attrs.get("host").is_none_or(Value::is_null) =>
            {
                attrs.insert("host".into(), Value::string(host));
                Value::Object(attrs)
            }
            (state, _) => state,
        }
    }

    fn parse(&self, value: &Value) -> Result<AccountGrants, Diagnostics> {
        AccountGrants::from_value(&CDB, value)
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

    fn client(&self) -> Result<CdbClient, Diagnostics> {
        Ok(CdbClient::new(self.clouds.tencent()?))
    }

    async fn lock(&self, client: &CdbClient, grants: &AccountGrants) -> OwnedMutexGuard<()> {
        client
            .lock_account(&grants.instance_id, &grants.account)
            .await
    }

    async fn read(
        &self,
        client: &CdbClient,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<Option<Current<AccountGrants>>, ReadFailure> {
        match client
            .describe_account_privileges(&grants.instance_id, &grants.account, deadline)
            .await
        {
            Ok(held) => Ok(Some(Current::clean(
                grants.holding(privileges_from_api(&held)),
            ))),
            Err(e) if client.uses_legacy_api() && offers_no_read(&e) => {
                Ok(Some(unread(grants, &e)))
            }
            Err(e) => account_read_failure(&e, &instance_name(grants), &client.location(), || {
                format!("Could not read the privileges of {}", grants.id())
            }),
        }
    }

    /// One full-replace call, then the wait for its task.
    async fn change(
        &self,
        client: &CdbClient,
        change: Change<'_, AccountGrants>,
    ) -> Result<Sent<AsyncRequest>, Unfinished> {
        let wanted = &*change.wanted;
        let request = privileges_to_api(&wanted.privileges);
        let instance = Instance {
            name: &instance_name(wanted),
            location: client.location(),
        };
        if client.uses_legacy_api() {
            client
                .modify_account_privileges_v2(
                    &wanted.instance_id,
                    &wanted.account,
                    &request,
                    change.deadline,
                )
                .await
                .map_err(|e| call_failed(&e, wanted, &instance))?;
            return Ok(Sent::Confirmed);
        }
        let sent = &request;
        let send = |accounts: Vec<Account>| async move {
            client
                .modify_account_privileges(&wanted.instance_id, &accounts, sent, change.deadline)
                .await
        };
        let task = send_merged(
            &self.writes,
            &wanted.instance_id,
            &request,
            &wanted.account,
            client.modify_delay(),
            MODIFY,
            send,
        )
        .await
        .map_err(|e| call_failed(&e, wanted, &instance))?;
        let (waited, read_at_end) = client
            .wait_for_async_request_reading(
                MODIFY,
                &task.async_request_id,
                &wanted.instance_id,
                &wanted.account,
                change.deadline,
            )
            .await;
        task_ended(
            waited,
            |info| still_running(wanted, &task, &info, change.operation, change.limit),
            |e| task_error(wanted, &task, e),
        )?;
        // The read sent with the look that found the task ended shows its result, unless it
        // reached the cloud a moment before the end: then the kit reads the account again.
        match read_at_end {
            Some(Ok(held)) if privileges_from_api(&held) == wanted.privileges => {
                Ok(Sent::Confirmed)
            }
            _ => Ok(Sent::ToVerify(task)),
        }
    }

    fn verify(
        &self,
        wanted: &AccountGrants,
        task: &AsyncRequest,
        read_back: Result<Option<&AccountGrants>, &Diagnostics>,
    ) -> Verdict {
        read_back_verdict(wanted, task, read_back)
    }

    fn moved_account(&self, source: &MovedState) -> Result<AccountGrants, Unmappable> {
        moved::moved_account(source)
    }

    fn parse_import_id(&self, id: &str) -> Result<AccountGrants, Diagnostics> {
        let (instance_id, account) = parse_account_id(id, &ACCOUNT_IDS)?;
        Ok(AccountGrants::new(&CDB, instance_id, account))
    }

    async fn import(
        &self,
        client: &CdbClient,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<AccountGrants, Diagnostics> {
        match self.read(client, grants, deadline).await? {
            Some(current) => Ok(current.account),
            None => Err(import_missing(grants)),
        }
    }
}
