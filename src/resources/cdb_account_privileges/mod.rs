//! `clouddb_cdb_account_privileges`: every privilege of one TencentDB for MySQL (CDB) account,
//! managed authoritatively with a full-replace ModifyAccountPrivileges and its async task.

mod failure;
mod model;
#[cfg(test)]
mod test_values;
mod validation;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::cdb::{CdbClient, TaskWait};
use crate::framework::timeouts::timeout;
use crate::framework::{ApplyOutcome, Diagnostics, Refreshed, Resource, Schema};
use crate::resources::clients::Clouds;
use crate::value::Value;

use crate::cloud::error::Missing;

use crate::resources::messages::{account_read_failure, cloud_error, instance_not_found};
use crate::resources::outcome::{Found, Operation, ReadFailure};

use self::failure::MODIFY;
use self::failure::{account_missing, change_summary, import_missing, still_running, task_error};
use self::model::{privileges_from_api, privileges_to_api, AccountGrants};
use self::validation::{check_every_scope, schema, ACCOUNT_IDS};
use crate::resources::mysql_family::account::{parse_account_id, DEFAULT_HOST};
use crate::resources::mysql_family::levels::CDB;
use crate::resources::mysql_family::privileges::Privileges;
use crate::resources::mysql_family::shape::Shapes;

pub use self::validation::TYPE_NAME;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long reading the real state after a failed change may take.
const READ_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// Why a change did not complete.
enum ChangeError {
    /// The account does not exist, so nothing was changed.
    AccountMissing(CloudError),
    /// The instance was not found where the provider looked, so nothing was changed.
    InstanceMissing(Diagnostics),
    /// No connection could be made to the endpoint, so nothing was sent.
    NotSent(Diagnostics),
    /// The change was sent, but what it did cannot be known now: its task was still running
    /// when the timeout elapsed, or the endpoint stopped answering. The next refresh reads it.
    Undetermined(Diagnostics),
    Failed(Diagnostics),
}

pub struct CdbAccountPrivileges {
    clouds: Arc<Clouds>,
    /// The accounts this walk has seen a configuration for: each resource replaces all of its
    /// account's privileges, so two resources of one account would undo each other.
    configured_accounts: Mutex<BTreeSet<String>>,
}

impl CdbAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        CdbAccountPrivileges {
            clouds,
            configured_accounts: Mutex::default(),
        }
    }

    /// Refuses a second resource for an account: Terraform validates each resource instance
    /// once per walk, so an account seen twice in one walk is configured twice.
    fn refuse_shared_account(&self, config: &Value, diags: &mut Diagnostics) {
        let text = |name: &str| config.attr(name).and_then(Value::as_str);
        let host = match config.attr("host") {
            Some(Value::Null) | None => Some(DEFAULT_HOST),
            Some(host) => host.as_str(),
        };
        let (Some(instance), Some(user), Some(host)) = (text("instance_id"), text("user"), host)
        else {
            return;
        };
        let account = format!("{instance}#{user}#{host}");
        let mut seen = self
            .configured_accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !seen.insert(account.clone()) {
            diags.error(
                "Account managed twice",
                format!("Another {TYPE_NAME} in this configuration manages the account {account}. Each resource sets every privilege of its account, so two would undo each other: put all of the account's privileges in one resource."),
            );
        }
    }

    fn client(&self) -> Result<CdbClient, Diagnostics> {
        Ok(CdbClient::new(self.clouds.tencent()?))
    }

    /// Makes the account hold exactly `wanted`: one full-replace call, then the wait for its task.
    async fn set_privileges(
        &self,
        wanted: &AccountGrants,
        operation: Operation,
        limit: Duration,
    ) -> Result<(), ChangeError> {
        let deadline = Instant::now() + limit;
        let client = self.client().map_err(ChangeError::Failed)?;
        let _lock = client
            .lock_account(&wanted.instance_id, &wanted.account)
            .await;
        let request = privileges_to_api(&wanted.privileges);
        let task = client
            .modify_account_privileges(&wanted.instance_id, &wanted.account, &request, deadline)
            .await
            .map_err(|e| match e.missing() {
                Some(Missing::Account) => ChangeError::AccountMissing(e),
                Some(Missing::Instance) => {
                    ChangeError::InstanceMissing(instance_missing(&client, wanted, &e).into())
                }
                None if e.is_unreachable() => {
                    ChangeError::NotSent(cloud_error(change_summary(wanted), &e))
                }
                None => ChangeError::Failed(cloud_error(change_summary(wanted), &e)),
            })?;
        match client
            .wait_for_async_request(MODIFY, &task.async_request_id, deadline)
            .await
        {
            Ok(TaskWait::Succeeded) => Ok(()),
            Ok(TaskWait::StillRunning(info)) => Err(ChangeError::Undetermined(still_running(
                wanted, &task, &info, operation, limit,
            ))),
            Err(e) if e.is_unreachable() => {
                Err(ChangeError::Undetermined(task_error(wanted, &task, &e)))
            }
            Err(e) => Err(ChangeError::Failed(task_error(wanted, &task, &e))),
        }
    }

    /// The account as it exists now, or `None` when the account is gone.
    async fn fetch(
        &self,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<Option<AccountGrants>, ReadFailure> {
        let client = self.client()?;
        match client
            .describe_account_privileges(&grants.instance_id, &grants.account, deadline)
            .await
        {
            Ok(held) => Ok(Some(grants.holding(privileges_from_api(&held)))),
            Err(e) => account_read_failure(&e, &instance_name(grants), &client.location(), || {
                format!("Could not read the privileges of {}", grants.id())
            }),
        }
    }

    /// After a failed change: the state as DescribeAccountPrivileges reports it, so Terraform
    /// records what the account really holds (see [`super::state_after_failure`]).
    async fn state_after_failure(
        &self,
        operation: Operation,
        template: &Value,
        prior: &Value,
        wanted: &AccountGrants,
        diags: Diagnostics,
    ) -> ApplyOutcome {
        let deadline = Instant::now() + READ_AFTER_FAILURE;
        let found = self
            .fetch(wanted, deadline)
            .await
            .map_err(Diagnostics::from)
            .map(|actual| {
                actual.map(|actual| Found {
                    state: actual.to_value(template),
                    holds_anything: !actual.privileges.is_empty(),
                })
            });
        crate::resources::outcome::state_after_failure(operation, found, prior, diags)
    }

    /// Create and update: set the privileges, and on failure report what the account holds.
    async fn apply(
        &self,
        operation: Operation,
        prior: &Value,
        planned: &Value,
        wanted: AccountGrants,
    ) -> ApplyOutcome {
        let limit = timeout(planned, operation.name(), DEFAULT_TIMEOUT);
        let diags = match self.set_privileges(&wanted, operation, limit).await {
            Ok(()) => return ApplyOutcome::done(wanted.to_value(planned)),
            Err(ChangeError::AccountMissing(e)) => account_missing(&wanted, &e),
            // Nothing was sent: the state stays as it was.
            Err(ChangeError::InstanceMissing(diags) | ChangeError::NotSent(diags)) => {
                return ApplyOutcome::failed(prior.clone(), diags)
            }
            // A read now would show the account as it was before the task: an update or a
            // delete keeps the prior state, and a create records what it asked for, so that
            // Terraform taints it rather than forgets privileges the task may still grant.
            Err(ChangeError::Undetermined(diags)) => {
                let state = match operation {
                    Operation::Create => wanted.to_value(planned),
                    Operation::Update | Operation::Delete => prior.clone(),
                };
                return ApplyOutcome::failed(state, diags);
            }
            Err(ChangeError::Failed(diags)) => diags,
        };
        let template = if prior.is_null() { planned } else { prior };
        self.state_after_failure(operation, template, prior, &wanted, diags)
            .await
    }
}

fn instance_name(grants: &AccountGrants) -> String {
    format!("CDB instance {}", grants.instance_id)
}

fn instance_missing(client: &CdbClient, grants: &AccountGrants, error: &CloudError) -> ReadFailure {
    instance_not_found(&instance_name(grants), &client.location(), error)
}

#[async_trait]
impl Resource for CdbAccountPrivileges {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_every_scope(config, diags);
        self.refuse_shared_account(config, diags);
    }

    fn begin_walk(&self) {
        self.configured_accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    async fn create(&self, planned: &Value) -> ApplyOutcome {
        match AccountGrants::from_value(planned) {
            Ok(wanted) => {
                self.apply(Operation::Create, &Value::Null, planned, wanted)
                    .await
            }
            Err(diags) => ApplyOutcome::failed(Value::Null, diags),
        }
    }

    async fn read(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        let grants = AccountGrants::from_value(state)?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let fresh = match self.fetch(&grants, deadline).await? {
            Some(actual) => actual.to_value(state),
            None => Value::Null,
        };
        Ok(Refreshed::clean(fresh))
    }

    async fn update(&self, prior: &Value, planned: &Value) -> ApplyOutcome {
        let (held, wanted) = match (
            AccountGrants::from_value(prior),
            AccountGrants::from_value(planned),
        ) {
            (Ok(held), Ok(wanted)) => (held, wanted),
            (Err(diags), _) | (_, Err(diags)) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        // Only `timeouts` changed: there is nothing to send.
        if held.privileges == wanted.privileges {
            return ApplyOutcome::done(wanted.to_value(planned));
        }
        self.apply(Operation::Update, prior, planned, wanted).await
    }

    async fn delete(&self, prior: &Value) -> ApplyOutcome {
        let held = match AccountGrants::from_value(prior) {
            Ok(held) => held,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let nothing = held.holding(Privileges::none(&CDB));
        let limit = timeout(prior, Operation::Delete.name(), DEFAULT_TIMEOUT);
        match self
            .set_privileges(&nothing, Operation::Delete, limit)
            .await
        {
            Ok(()) | Err(ChangeError::AccountMissing(_)) | Err(ChangeError::InstanceMissing(_)) => {
                ApplyOutcome::done(Value::Null)
            }
            Err(ChangeError::Undetermined(diags) | ChangeError::NotSent(diags)) => {
                ApplyOutcome::failed(prior.clone(), diags)
            }
            Err(ChangeError::Failed(diags)) => {
                self.state_after_failure(Operation::Delete, prior, prior, &held, diags)
                    .await
            }
        }
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

    async fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let (instance_id, account) = parse_account_id(id, &ACCOUNT_IDS)?;
        let grants = AccountGrants {
            instance_id,
            account,
            privileges: Privileges::none(&CDB),
            shapes: Shapes::default(),
        };
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        match self.fetch(&grants, deadline).await? {
            Some(actual) => Ok(actual.to_value(&Value::Null)),
            None => Err(import_missing(&grants)),
        }
    }
}
