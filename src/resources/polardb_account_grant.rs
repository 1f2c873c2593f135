//! `clouddb_polardb_account_grant`: the database privileges of one PolarDB for MySQL account,
//! managed authoritatively with GrantAccountPrivilege / RevokeAccountPrivilege.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::cloud::alibaba::polardb::{AccountStatus, AccountType, PolarDbAccount, PolarDbClient};
use crate::framework::timeouts::{timeout, timeouts_block};
use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{ApplyOutcome, Attribute, Block, Diagnostics, Refreshed, Resource, Schema};
use crate::resources::clients::Clouds;
use crate::value::{AttributePath, Type, Value};

use crate::resources::messages::{
    account_read_failure, cloud_error, import_missing, invalid_import_id,
};
use crate::resources::outcome::{Found, Operation, ReadFailure, Unfinished};

pub const TYPE_NAME: &str = "clouddb_polardb_account_grant";
pub const PRIVILEGES: &[&str] = &["ReadWrite", "ReadOnly", "DMLOnly", "DDLOnly", "ReadIndex"];
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const STATUS_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long reading the real state after a failed change may take.
const READ_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// What the user declares: one account and the privilege it holds on each database.
#[derive(Debug, Clone, PartialEq)]
struct AccountGrant {
    cluster_id: String,
    account_name: String,
    privileges: BTreeMap<String, String>,
}

impl AccountGrant {
    fn id(&self) -> String {
        format!("{}#{}", self.cluster_id, self.account_name)
    }

    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let text = |name: &str| {
            value
                .attr(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    Diagnostics::from_error(
                        "Incomplete resource value",
                        format!("{name} is not a known string"),
                    )
                })
        };
        let privileges = match value.attr("database_privileges") {
            Some(Value::Map(entries)) => entries
                .iter()
                .map(|(db, privilege)| {
                    (
                        db.clone(),
                        privilege.as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(AccountGrant {
            cluster_id: text("db_cluster_id")?,
            account_name: text("account_name")?,
            privileges,
        })
    }

    /// The resource value for this grant, keeping `timeouts` from `template`.
    fn to_value(&self, template: &Value) -> Value {
        let privileges = self
            .privileges
            .iter()
            .map(|(db, privilege)| (db.clone(), Value::string(privilege)))
            .collect();
        Value::object([
            ("id", Value::string(self.id())),
            ("db_cluster_id", Value::string(&self.cluster_id)),
            ("account_name", Value::string(&self.account_name)),
            ("database_privileges", Value::Map(privileges)),
            (
                "timeouts",
                template.attr("timeouts").cloned().unwrap_or(Value::Null),
            ),
        ])
    }

    fn with_privileges_of(&self, account: &PolarDbAccount) -> Self {
        AccountGrant {
            privileges: held_privileges(account),
            ..self.clone()
        }
    }

    /// This grant as what a read after a failed change found.
    fn found(&self, template: &Value) -> Found {
        Found {
            state: self.to_value(template),
            holds_anything: !self.privileges.is_empty(),
        }
    }
}

fn held_privileges(account: &PolarDbAccount) -> BTreeMap<String, String> {
    account
        .privileges
        .iter()
        .map(|p| (p.database.clone(), p.privilege.clone()))
        .collect()
}

/// The calls that turn what the account holds into what is wanted: changed or added databases
/// are granted in one call (a grant replaces the old privilege, so access never lapses), and
/// databases no longer wanted are revoked in one call.
#[derive(Debug, Default, PartialEq)]
struct Changes {
    grant: Vec<(String, String)>,
    revoke: Vec<String>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.grant.is_empty() && self.revoke.is_empty()
    }

    fn between(held: &BTreeMap<String, String>, wanted: &BTreeMap<String, String>) -> Self {
        Changes {
            grant: wanted
                .iter()
                .filter(|(db, privilege)| held.get(*db) != Some(*privilege))
                .map(|(db, privilege)| (db.clone(), privilege.clone()))
                .collect(),
            revoke: held
                .keys()
                .filter(|db| !wanted.contains_key(*db))
                .cloned()
                .collect(),
        }
    }
}

/// What the calls left: the account as DescribeAccounts reports it once they are done
/// (`Ok(None)`: the account is gone), so that a call answered with success but not carried out
/// is noticed.
struct Applied {
    changes: Changes,
    read_back: Result<Option<PolarDbAccount>, Diagnostics>,
}

/// A database on which the account, read right after the calls, does not hold what was wanted.
#[derive(Debug, PartialEq)]
struct Difference {
    database: String,
    wanted: Option<String>,
    held: Option<String>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let privilege = |p: &Option<String>| p.clone().unwrap_or_else(|| "no privilege".into());
        write!(
            f,
            "{}: asked for {}, PolarDB reports {}",
            self.database,
            privilege(&self.wanted),
            privilege(&self.held)
        )
    }
}

/// The databases on which `held` is not `wanted`, in name order; empty when they agree.
fn differences(
    held: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let databases: BTreeSet<&String> = held.keys().chain(wanted.keys()).collect();
    databases
        .into_iter()
        .filter(|db| held.get(*db) != wanted.get(*db))
        .map(|db| Difference {
            database: db.clone(),
            wanted: wanted.get(db).cloned(),
            held: held.get(db).cloned(),
        })
        .collect()
}

/// The calls of `changes`, as messages name them.
fn describe_calls(changes: &Changes) -> String {
    let grant = (!changes.grant.is_empty()).then(|| {
        format!(
            "GrantAccountPrivilege ({})",
            describe_grants(&changes.grant)
        )
    });
    let revoke = (!changes.revoke.is_empty())
        .then(|| format!("RevokeAccountPrivilege ({})", changes.revoke.join(", ")));
    match (grant, revoke) {
        (Some(grant), Some(revoke)) => format!("{grant} and {revoke} were"),
        (Some(call), None) | (None, Some(call)) => format!("{call} was"),
        (None, None) => "The calls were".into(),
    }
}

/// The error when the account, read right after calls answered with success, does not hold
/// what was asked (`account_exists` false: it is gone).
fn not_applied(
    wanted: &AccountGrant,
    changes: &Changes,
    differences: &[Difference],
    account_exists: bool,
) -> Diagnostics {
    let calls = describe_calls(changes);
    if !account_exists {
        return Diagnostics::from_error(
            "Account not found",
            format!(
                "{calls} answered with success, but right after it DescribeAccounts finds no account {:?} on PolarDB cluster {}, so the state no longer records it.",
                wanted.account_name, wanted.cluster_id
            ),
        );
    }
    let lines: Vec<String> = differences.iter().map(|d| format!("  - {d}")).collect();
    let mut detail = format!(
        "{calls} answered with success, but DescribeAccounts right after reports:\n{}\n\nThe state records what the account holds now, so the next plan shows what is left to do.",
        lines.join("\n")
    );
    let kept_old_privilege = differences
        .iter()
        .any(|d| d.held.is_some() && changes.grant.iter().any(|(db, _)| *db == d.database));
    if kept_old_privilege {
        detail.push_str(" PolarDB answers GrantAccountPrivilege with success when the account already has access to a database, and may keep the privilege it had. To change such a privilege, remove the database from database_privileges and apply (this revokes it), then add it back with the new privilege; the account has no access to that database in between.");
    }
    Diagnostics::from_error(
        format!("PolarDB did not apply the privileges of {}", wanted.id()),
        detail,
    )
}

/// The warning when the calls were answered with success but the account could not be read back.
fn unconfirmed(wanted: &AccountGrant, changes: &Changes, read_diags: &Diagnostics) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.warning(
        format!("Could not confirm the privileges of {}", wanted.id()),
        format!(
            "{} answered with success, but reading the account back failed, so the state records what was asked. The next refresh reads what the account holds.\n\n{read_diags}",
            describe_calls(changes)
        ),
    );
    diags
}

pub struct PolarDbAccountGrant {
    clouds: Arc<Clouds>,
}

impl PolarDbAccountGrant {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        PolarDbAccountGrant { clouds }
    }

    /// Makes the account hold exactly `wanted`, then reads it back once (DescribeAccounts) to
    /// see what the calls did; without calls to make, the first read is the answer. On failure,
    /// says what was already done.
    async fn reconcile(
        &self,
        wanted: &AccountGrant,
        deadline: Instant,
    ) -> Result<Applied, Unfinished> {
        let client = self.clouds.polardb().map_err(Unfinished::Refused)?;
        let _lock = client
            .lock_account(&wanted.cluster_id, &wanted.account_name)
            .await;
        let account = wait_until_available(&client, wanted, deadline).await?;
        let changes = Changes::between(&held_privileges(&account), &wanted.privileges);
        if changes.is_empty() {
            return Ok(Applied {
                changes,
                read_back: Ok(Some(account)),
            });
        }
        if !changes.grant.is_empty() {
            client
                .grant_account_privilege(
                    &wanted.cluster_id,
                    &wanted.account_name,
                    &changes.grant,
                    deadline,
                )
                .await
                .map_err(|e| {
                    let summary = format!("Could not grant privileges to {}", wanted.id());
                    Unfinished::of_change(&e, cloud_error(summary, &e))
                })?;
        }
        if !changes.revoke.is_empty() {
            client
                .revoke_account_privilege(&wanted.cluster_id, &wanted.account_name, &changes.revoke, deadline)
                .await
                .map_err(|e| {
                    let granted = describe_grants(&changes.grant);
                    let diags = cloud_error(
                        format!("Could not revoke privileges from {} (the grants before it were applied: {granted})", wanted.id()),
                        &e,
                    );
                    if changes.grant.is_empty() {
                        Unfinished::of_change(&e, diags)
                    } else {
                        Unfinished::Failed(diags)
                    }
                })?;
        }
        let read_back = find_account(&client, wanted, deadline)
            .await
            .map_err(Diagnostics::from);
        Ok(Applied { changes, read_back })
    }

    /// Create, update and delete: makes the account hold `wanted` and returns the state that
    /// results, which records what DescribeAccounts reports whenever that is not what was asked.
    async fn apply(
        &self,
        operation: Operation,
        prior: &Value,
        planned: &Value,
        wanted: &AccountGrant,
        deadline: Instant,
    ) -> ApplyOutcome {
        let template = if prior.is_null() { planned } else { prior };
        let applied = match self.reconcile(wanted, deadline).await {
            Ok(applied) => applied,
            // Nothing was sent, so a create leaves nothing behind.
            Err(Unfinished::Refused(diags)) if operation == Operation::Create => {
                return ApplyOutcome::failed(Value::Null, diags)
            }
            Err(Unfinished::Unreadable(diags)) => {
                return ApplyOutcome::failed(prior.clone(), diags)
            }
            Err(Unfinished::Refused(diags) | Unfinished::Failed(diags)) => {
                return self
                    .state_after_failure(operation, template, prior, wanted, diags)
                    .await
            }
        };
        let success = match operation {
            Operation::Delete => Value::Null,
            Operation::Create | Operation::Update => wanted.to_value(planned),
        };
        let account = match applied.read_back {
            Ok(account) => account,
            Err(read_diags) => {
                return ApplyOutcome {
                    state: success,
                    diagnostics: unconfirmed(wanted, &applied.changes, &read_diags),
                };
            }
        };
        let held = account.as_ref().map(held_privileges).unwrap_or_default();
        let differences = differences(&held, &wanted.privileges);
        if differences.is_empty() {
            return ApplyOutcome::done(success);
        }
        let diags = not_applied(wanted, &applied.changes, &differences, account.is_some());
        let found = account.map(|account| wanted.with_privileges_of(&account).found(template));
        crate::resources::outcome::state_after_failure(operation, Ok(found), prior, diags)
    }

    /// The grant as it exists now, or `None` when the cluster or account is gone.
    async fn fetch(
        &self,
        grant: &AccountGrant,
        deadline: Instant,
    ) -> Result<Option<AccountGrant>, Diagnostics> {
        let client = self.clouds.polardb()?;
        match find_account(&client, grant, deadline).await? {
            Some(account) => Ok(Some(grant.with_privileges_of(&account))),
            None => Ok(None),
        }
    }

    /// After a failed change: the state as DescribeAccounts reports it, so Terraform records
    /// what the account really holds (see [`super::state_after_failure`]).
    async fn state_after_failure(
        &self,
        operation: Operation,
        template: &Value,
        prior: &Value,
        wanted: &AccountGrant,
        diags: Diagnostics,
    ) -> ApplyOutcome {
        let deadline = Instant::now() + READ_AFTER_FAILURE;
        let found = self
            .fetch(wanted, deadline)
            .await
            .map(|actual| actual.map(|actual| actual.found(template)));
        crate::resources::outcome::state_after_failure(operation, found, prior, diags)
    }
}

fn describe_grants(grants: &[(String, String)]) -> String {
    if grants.is_empty() {
        return "none".into();
    }
    grants
        .iter()
        .map(|(db, privilege)| format!("{db}={privilege}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The account, or `None` when the cluster has no such account.
async fn find_account(
    client: &PolarDbClient,
    grant: &AccountGrant,
    deadline: Instant,
) -> Result<Option<PolarDbAccount>, ReadFailure> {
    match client
        .describe_accounts(&grant.cluster_id, Some(&grant.account_name), deadline)
        .await
    {
        Ok(accounts) => Ok(accounts.into_iter().find(|a| a.name == grant.account_name)),
        Err(e) => account_read_failure(
            &e,
            &format!("PolarDB cluster {}", grant.cluster_id),
            &client.location(),
            || format!("Could not read account {}", grant.id()),
        ),
    }
}

fn super_account_refused(grant: &AccountGrant) -> Diagnostics {
    Diagnostics::from_error(
        "Privileged account",
        format!(
            "{} is a privileged (Super) account, which holds every privilege on every database; only standard accounts can be granted database privileges.",
            grant.account_name
        ),
    )
}

/// Waits while the account is being created; privileges can only be granted to an Available account.
async fn wait_until_available(
    client: &PolarDbClient,
    grant: &AccountGrant,
    deadline: Instant,
) -> Result<PolarDbAccount, ReadFailure> {
    loop {
        let Some(account) = find_account(client, grant, deadline).await? else {
            return Err(ReadFailure::Failed(Diagnostics::from_error(
                "Account not found",
                format!(
                    "PolarDB cluster {} has no account {:?}. Create the account first; this resource manages the privileges of an existing account.",
                    grant.cluster_id, grant.account_name
                ),
            )));
        };
        if account.account_type == AccountType::Super {
            return Err(ReadFailure::Failed(super_account_refused(grant)));
        }
        match account.status {
            AccountStatus::Available => return Ok(account),
            AccountStatus::Deleting => {
                return Err(ReadFailure::Failed(Diagnostics::from_error(
                    "Account being deleted",
                    format!(
                        "Account {} is being deleted (status Deleting), so its privileges cannot be changed. Remove this resource from the configuration, or create the account again and apply.",
                        grant.id()
                    ),
                )))
            }
            _ => {}
        }
        if Instant::now() + STATUS_POLL_INTERVAL > deadline {
            return Err(ReadFailure::Failed(Diagnostics::from_error(
                "Timed out waiting for the account",
                format!(
                    "Account {} is still {:?}, not Available, and the operation's timeout has elapsed.",
                    grant.id(),
                    account.status
                ),
            )));
        }
        tokio::time::sleep(STATUS_POLL_INTERVAL).await;
    }
}

/// `<db_cluster_id>#<account_name>`, each held to the rule its attribute has.
fn parse_import_id(id: &str) -> Result<(String, String), Diagnostics> {
    let form = format!("{id:?} is not an ID of {TYPE_NAME}: write <db_cluster_id>#<account_name>, e.g. pc-2ze0123456789#app.");
    let Some((cluster, account)) = id.split_once('#') else {
        return Err(invalid_import_id(form));
    };
    if cluster.is_empty() || account.is_empty() || account.contains('#') {
        return Err(invalid_import_id(form));
    }
    let broken = cluster_id_rule(cluster)
        .map_err(|reason| format!("the db_cluster_id {cluster:?} is not valid: {reason}"))
        .and_then(|()| {
            account_name_rule(account)
                .map_err(|reason| format!("the account_name {account:?} is not valid: {reason}"))
        });
    match broken {
        Ok(()) => Ok((cluster.to_string(), account.to_string())),
        Err(why) => Err(invalid_import_id(format!("{id:?}: {why}."))),
    }
}

fn cluster_id_rule(id: &str) -> Result<(), String> {
    crate::resources::messages::prefixed_id(id, "pc-", "a PolarDB cluster ID")
}

fn account_name_rule(name: &str) -> Result<(), String> {
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let allowed_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if starts_with_letter && allowed_chars && name.len() <= 32 {
        Ok(())
    } else {
        Err("an account name starts with a lowercase ASCII letter (a-z), has only lowercase ASCII letters, digits and underscores, and is at most 32 characters long".into())
    }
}

fn database_name_rule(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !name.is_empty() && name.len() <= 64 && name.chars().all(allowed) {
        Ok(())
    } else {
        Err("a database name has 1 to 64 lowercase ASCII letters (a-z), digits, underscores or hyphens".into())
    }
}

#[async_trait]
impl Resource for PolarDbAccountGrant {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description("The database privileges of one standard account of a PolarDB for MySQL cluster. Authoritative: privileges the account holds on databases not listed here are revoked.")
                .attribute(Attribute::computed("id", Type::String).description("`<db_cluster_id>#<account_name>`."))
                .attribute(
                    Attribute::required("db_cluster_id", Type::String)
                        .description("ID of the PolarDB cluster, e.g. `pc-2ze0123456789`.")
                        .requires_replace()
                        .validator(NameRule { rule: cluster_id_rule }),
                )
                .attribute(
                    Attribute::required("account_name", Type::String)
                        .description("Name of an existing standard account of the cluster.")
                        .requires_replace()
                        .validator(NameRule { rule: account_name_rule }),
                )
                .attribute(
                    Attribute::required("database_privileges", Type::Map(Box::new(Type::String)))
                        .description("Privilege per database: `ReadWrite`, `ReadOnly`, `DMLOnly`, `DDLOnly` or `ReadIndex`.")
                        .validator(OneOf { allowed: PRIVILEGES }),
                )
                .block(timeouts_block(&["create", "update", "delete"])),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(Value::Map(entries)) = config.attr("database_privileges") else {
            return;
        };
        let path = AttributePath::root().attribute("database_privileges");
        for database in entries.keys() {
            if let Err(reason) = database_name_rule(database) {
                diags.attribute_error(
                    path.key(database),
                    "Invalid database name",
                    format!("{path} has a key {database:?} that is not valid: {reason}."),
                );
            }
        }
    }

    async fn create(&self, planned: &Value) -> ApplyOutcome {
        let wanted = match AccountGrant::from_value(planned) {
            Ok(grant) => grant,
            Err(diags) => return ApplyOutcome::failed(Value::Null, diags),
        };
        let deadline = Instant::now() + timeout(planned, "create", DEFAULT_TIMEOUT);
        self.apply(Operation::Create, &Value::Null, planned, &wanted, deadline)
            .await
    }

    async fn read(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        let grant = AccountGrant::from_value(state)?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let fresh = match self.fetch(&grant, deadline).await? {
            Some(actual) => actual.to_value(state),
            None => Value::Null,
        };
        Ok(Refreshed::clean(fresh))
    }

    async fn update(&self, prior: &Value, planned: &Value) -> ApplyOutcome {
        let wanted = match AccountGrant::from_value(planned) {
            Ok(grant) => grant,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let deadline = Instant::now() + timeout(planned, "update", DEFAULT_TIMEOUT);
        self.apply(Operation::Update, prior, planned, &wanted, deadline)
            .await
    }

    async fn delete(&self, prior: &Value) -> ApplyOutcome {
        let grant = match AccountGrant::from_value(prior) {
            Ok(grant) => grant,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let deadline = Instant::now() + timeout(prior, "delete", DEFAULT_TIMEOUT);
        let nothing = AccountGrant {
            privileges: BTreeMap::new(),
            ..grant.clone()
        };
        let client = match self.clouds.polardb() {
            Ok(client) => client,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        match find_account(&client, &grant, deadline).await {
            Ok(None) | Err(ReadFailure::InstanceGone(_)) => return ApplyOutcome::done(Value::Null),
            Ok(Some(_)) => {}
            Err(ReadFailure::Failed(diags) | ReadFailure::Unreachable(diags)) => {
                return ApplyOutcome::failed(prior.clone(), diags)
            }
        }
        self.apply(Operation::Delete, prior, &Value::Null, &nothing, deadline)
            .await
    }

    async fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let (cluster_id, account_name) = parse_import_id(id)?;
        let grant = AccountGrant {
            cluster_id,
            account_name,
            privileges: BTreeMap::new(),
        };
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let client = self.clouds.polardb()?;
        match find_account(&client, &grant, deadline).await? {
            Some(account) if account.account_type == AccountType::Super => {
                Err(super_account_refused(&grant))
            }
            Some(account) => Ok(grant.with_privileges_of(&account).to_value(&Value::Null)),
            None => Err(import_missing(format!(
                "PolarDB cluster {} has no account {:?}.",
                grant.cluster_id, grant.account_name
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privileges(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(d, p)| (d.to_string(), p.to_string()))
            .collect()
    }

    #[test]
    fn a_changed_privilege_is_granted_over_the_old_one_and_never_revoked() {
        let held = privileges(&[("shop", "ReadOnly"), ("logs", "ReadOnly")]);
        let wanted = privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")]);
        assert_eq!(
            Changes::between(&held, &wanted),
            Changes {
                grant: vec![("shop".into(), "ReadWrite".into())],
                revoke: vec![],
            }
        );
    }

    #[test]
    fn added_databases_are_granted_together_and_removed_ones_revoked_together() {
        let held = privileges(&[
            ("old1", "ReadOnly"),
            ("old2", "DMLOnly"),
            ("keep", "ReadOnly"),
        ]);
        let wanted = privileges(&[
            ("keep", "ReadOnly"),
            ("new1", "ReadWrite"),
            ("new2", "ReadIndex"),
        ]);
        let changes = Changes::between(&held, &wanted);
        assert_eq!(
            changes.grant,
            vec![
                ("new1".into(), "ReadWrite".into()),
                ("new2".into(), "ReadIndex".into())
            ]
        );
        assert_eq!(changes.revoke, vec!["old1".to_string(), "old2".to_string()]);
    }

    fn grant(pairs: &[(&str, &str)]) -> AccountGrant {
        AccountGrant {
            cluster_id: "pc-abc".into(),
            account_name: "app".into(),
            privileges: privileges(pairs),
        }
    }

    #[test]
    fn the_account_read_back_is_compared_database_by_database() {
        let wanted = privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")]);
        assert_eq!(differences(&wanted, &wanted), vec![]);
        assert_eq!(differences(&BTreeMap::new(), &BTreeMap::new()), vec![]);

        // A grant answered with success that kept the old privilege, a database not granted,
        // and one that was to be revoked but is still there.
        let held = privileges(&[("shop", "ReadOnly"), ("old", "DMLOnly")]);
        let found = differences(&held, &wanted);
        assert_eq!(
            found,
            vec![
                Difference {
                    database: "logs".into(),
                    wanted: Some("ReadOnly".into()),
                    held: None,
                },
                Difference {
                    database: "old".into(),
                    wanted: None,
                    held: Some("DMLOnly".into()),
                },
                Difference {
                    database: "shop".into(),
                    wanted: Some("ReadWrite".into()),
                    held: Some("ReadOnly".into()),
                },
            ]
        );
        let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "logs: asked for ReadOnly, PolarDB reports no privilege",
                "old: asked for no privilege, PolarDB reports DMLOnly",
                "shop: asked for ReadWrite, PolarDB reports ReadOnly",
            ]
        );
    }

    #[test]
    fn a_grant_that_kept_the_old_privilege_is_named_with_a_way_out() {
        let wanted = grant(&[("shop", "ReadWrite")]);
        let changes = Changes {
            grant: vec![("shop".into(), "ReadWrite".into())],
            revoke: vec!["logs".into()],
        };
        let held = privileges(&[("shop", "ReadOnly")]);
        let found = differences(&held, &wanted.privileges);
        let text = not_applied(&wanted, &changes, &found, true).to_string();
        assert!(
            text.contains("PolarDB did not apply the privileges of pc-abc#app"),
            "{text}"
        );
        assert!(
            text.contains("GrantAccountPrivilege (shop=ReadWrite) and RevokeAccountPrivilege (logs) were answered with success"),
            "{text}"
        );
        assert!(
            text.contains("shop: asked for ReadWrite, PolarDB reports ReadOnly"),
            "{text}"
        );
        assert!(
            text.contains("remove the database from database_privileges"),
            "{text}"
        );

        // A revoke that did not take needs no advice about grants.
        let changes = Changes {
            grant: vec![],
            revoke: vec!["logs".into()],
        };
        let held = privileges(&[("shop", "ReadWrite"), ("logs", "ReadOnly")]);
        let found = differences(&held, &wanted.privileges);
        let text = not_applied(&wanted, &changes, &found, true).to_string();
        assert!(
            text.contains("logs: asked for no privilege, PolarDB reports ReadOnly"),
            "{text}"
        );
        assert!(!text.contains("remove the database"), "{text}");

        let text = not_applied(&wanted, &changes, &found, false).to_string();
        assert!(text.contains("finds no account \"app\""), "{text}");
    }

    #[test]
    fn import_ids_name_the_cluster_and_the_account() {
        assert_eq!(
            parse_import_id("pc-abc#app").ok(),
            Some(("pc-abc".into(), "app".into()))
        );
        for bad in ["pc-abc", "#app", "pc-abc#", "pc-abc#app#x"] {
            let diags = parse_import_id(bad).unwrap_err();
            assert!(
                diags.to_string().contains("<db_cluster_id>#<account_name>"),
                "{bad}"
            );
        }
    }

    #[test]
    fn name_rules_explain_themselves() {
        assert!(cluster_id_rule("pc-2ze0123456789").is_ok());
        assert!(cluster_id_rule("rm-123").unwrap_err().contains("pc-"));
        assert!(account_name_rule("app_rw").is_ok());
        assert!(account_name_rule("1app").is_err());
        assert!(database_name_rule("shop-eu").is_ok());
        assert!(database_name_rule("Shop").is_err());
    }
}
