//! `clouddb_polardb_account_grant`: the database privileges of one PolarDB for MySQL account,
//! managed authoritatively with GrantAccountPrivilege / RevokeAccountPrivilege.

mod moved;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::cloud::alibaba::polardb::{AccountStatus, AccountType, PolarDbAccount, PolarDbClient};
use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{
    quoted, Attribute, Attributes, Block, Diagnostics, IdentityAttribute, MoveSource, MovedState,
    Unmappable,
};
use crate::resources::clients::Clouds;
use crate::resources::kit::{
    AccountResource, Change, ConfiguredOnce, Current, Sent, Verdict, WalkListings,
};
use crate::resources::messages::{
    account_read_failure, cloud_error, import_missing, invalid_import_id,
};
use crate::resources::outcome::{Operation, ReadFailure, Unfinished};
use crate::value::{AttributePath, Type, Value};

pub const TYPE_NAME: &str = "clouddb_polardb_account_grant";
pub const PRIVILEGES: &[&str] = &["ReadWrite", "ReadOnly", "DMLOnly", "DDLOnly", "ReadIndex"];
const STATUS_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// What the user declares: one account and the privilege it holds on each database.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountGrant {
    cluster_id: String,
    account_name: String,
    privileges: BTreeMap<String, String>,
}

impl AccountGrant {
    fn id(&self) -> String {
        format!("{}#{}", self.cluster_id, self.account_name)
    }

    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let attrs = Attributes::of(value);
        Ok(AccountGrant {
            cluster_id: attrs.string("db_cluster_id")?,
            account_name: attrs.string("account_name")?,
            privileges: attrs.string_map("database_privileges"),
        })
    }

    /// The resource value, but `timeouts`, which the kit carries.
    fn to_value(&self) -> Value {
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
        ])
    }

    fn with_privileges_of(&self, account: &PolarDbAccount) -> Self {
        AccountGrant {
            privileges: held_privileges(account),
            ..self.clone()
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
pub struct Changes {
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
    /// Every account of a cluster, listed once per walk for the refreshes of its grants.
    cluster_accounts: WalkListings<String, Vec<PolarDbAccount>>,
    /// The accounts this walk has seen a configuration for: a grant sets every database
    /// privilege of its account, so two of one account would undo each other.
    configured_accounts: ConfiguredOnce,
}

impl PolarDbAccountGrant {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        PolarDbAccountGrant {
            clouds,
            cluster_accounts: WalkListings::default(),
            configured_accounts: ConfiguredOnce::default(),
        }
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

/// Waits while the account is being created; privileges can only be granted to an Available
/// account. A read that fails keeps the state of a delete, whose first step it is.
async fn wait_until_available(
    client: &PolarDbClient,
    grant: &AccountGrant,
    operation: Operation,
    deadline: Instant,
) -> Result<PolarDbAccount, Unfinished> {
    loop {
        let found = find_account(client, grant, deadline)
            .await
            .map_err(|failure| match (failure, operation) {
                (ReadFailure::Failed(diags), Operation::Delete) => Unfinished::Unreadable(diags),
                (failure, _) => failure.into(),
            })?;
        let Some(account) = found else {
            return Err(Unfinished::AccountGone(Diagnostics::from_error(
                "Account not found",
                format!(
                    "PolarDB cluster {} has no account {:?}. Create the account first; this resource manages the privileges of an existing account.",
                    grant.cluster_id, grant.account_name
                ),
            )));
        };
        if account.account_type == AccountType::Super {
            return Err(Unfinished::Refused(super_account_refused(grant)));
        }
        match account.status {
            AccountStatus::Available => return Ok(account),
            AccountStatus::Deleting => {
                return Err(Unfinished::Refused(Diagnostics::from_error(
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
            return Err(Unfinished::Refused(Diagnostics::from_error(
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
    let form = format!(
        "{} is not an ID of {TYPE_NAME}: write <db_cluster_id>#<account_name>, e.g. pc-2ze0123456789#app.",
        quoted(id)
    );
    let Some((cluster, account)) = id.split_once('#') else {
        return Err(invalid_import_id(form));
    };
    if cluster.is_empty() || account.is_empty() || account.contains('#') {
        return Err(invalid_import_id(form));
    }
    let broken = cluster_id_rule(cluster)
        .map_err(|reason| {
            format!(
                "the db_cluster_id {} is not valid: {reason}",
                quoted(cluster)
            )
        })
        .and_then(|()| {
            account_name_rule(account).map_err(|reason| {
                format!(
                    "the account_name {} is not valid: {reason}",
                    quoted(account)
                )
            })
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
impl AccountResource for PolarDbAccountGrant {
    type Account = AccountGrant;
    type Client = PolarDbClient;
    type ImportId = AccountGrant;
    type Sent = Changes;

    const TYPE_NAME: &'static str = TYPE_NAME;
    const MOVES_FROM: &'static [MoveSource] = moved::MOVES_FROM;
    const IDENTITY: &'static [IdentityAttribute] = &[
        IdentityAttribute {
            name: "db_cluster_id",
            description: "ID of the PolarDB cluster.",
            required_for_import: true,
        },
        IdentityAttribute {
            name: "account_name",
            description: "Name of the account.",
            required_for_import: true,
        },
    ];

    fn begin_walk(&self) {
        self.cluster_accounts.clear();
        self.configured_accounts.clear();
    }

    fn block(&self) -> Block {
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
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let name = |attribute: &str| config.attr(attribute).and_then(Value::as_str);
        if let (Some(cluster), Some(account)) = (name("db_cluster_id"), name("account_name")) {
            self.configured_accounts.refuse_account_twice(
                Self::TYPE_NAME,
                format!("{cluster}#{account}"),
                diags,
            );
        }
        let Some(Value::Map(entries)) = config.attr("database_privileges") else {
            return;
        };
        let path = AttributePath::root().attribute("database_privileges");
        for database in entries.keys() {
            if let Err(reason) = database_name_rule(database) {
                diags.attribute_error(
                    path.key(database),
                    "Invalid database name",
                    format!(
                        "{path} has a key {} that is not valid: {reason}.",
                        quoted(database)
                    ),
                );
            }
        }
    }

    fn parse(&self, value: &Value) -> Result<AccountGrant, Diagnostics> {
        AccountGrant::from_value(value)
    }

    fn render(&self, grant: &AccountGrant) -> Value {
        grant.to_value()
    }

    fn holds_anything(&self, grant: &AccountGrant) -> bool {
        !grant.privileges.is_empty()
    }

    fn emptied(&self, prior: &AccountGrant) -> AccountGrant {
        AccountGrant {
            privileges: BTreeMap::new(),
            ..prior.clone()
        }
    }

    fn client(&self) -> Result<PolarDbClient, Diagnostics> {
        self.clouds.polardb()
    }

    async fn lock(&self, client: &PolarDbClient, grant: &AccountGrant) -> OwnedMutexGuard<()> {
        client
            .lock_account(&grant.cluster_id, &grant.account_name)
            .await
    }

    async fn read(
        &self,
        client: &PolarDbClient,
        grant: &AccountGrant,
        deadline: Instant,
    ) -> Result<Option<Current<AccountGrant>>, ReadFailure> {
        let account = find_account(client, grant, deadline).await?;
        Ok(account.map(|account| Current::clean(grant.with_privileges_of(&account))))
    }

    /// From the walk's listing of every account of the cluster (one DescribeAccounts page per
    /// 100 accounts for all its grants). An account the listing lacks, or a listing that
    /// failed, is read on its own: accounts dropped while pages were read can shift an account
    /// out of the listing, and the error to report is this grant's.
    async fn refresh(
        &self,
        client: &PolarDbClient,
        grant: &AccountGrant,
        deadline: Instant,
    ) -> Result<Option<Current<AccountGrant>>, ReadFailure> {
        let listing = self
            .cluster_accounts
            .get(&grant.cluster_id, || {
                client.describe_accounts(&grant.cluster_id, None, deadline)
            })
            .await;
        let listed = listing
            .as_deref()
            .and_then(|accounts| accounts.iter().find(|a| a.name == grant.account_name));
        match listed {
            Some(account) => Ok(Some(Current::clean(grant.with_privileges_of(account)))),
            None => self.read(client, grant, deadline).await,
        }
    }

    /// Grants what is new or changed in one call and revokes what is no longer wanted in
    /// another; without calls to make, the read that computed them is the answer. PolarDB
    /// answers some grants with success without carrying them out, so calls made are read back.
    async fn change(
        &self,
        client: &PolarDbClient,
        change: Change<'_, AccountGrant>,
    ) -> Result<Sent<Changes>, Unfinished> {
        let wanted = &*change.wanted;
        let deadline = change.deadline;
        let account = wait_until_available(client, wanted, change.operation, deadline).await?;
        let changes = Changes::between(&held_privileges(&account), &wanted.privileges);
        if changes.is_empty() {
            return Ok(Sent::Confirmed);
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
        Ok(Sent::ToVerify(changes))
    }

    fn verify(
        &self,
        wanted: &AccountGrant,
        changes: &Changes,
        read_back: Result<Option<&AccountGrant>, &Diagnostics>,
    ) -> Verdict {
        let held = match read_back {
            Ok(held) => held,
            Err(read_diags) => {
                return Verdict::Unconfirmed(unconfirmed(wanted, changes, read_diags))
            }
        };
        let empty = BTreeMap::new();
        let held_privileges = held.map_or(&empty, |held| &held.privileges);
        let differences = differences(held_privileges, &wanted.privileges);
        if differences.is_empty() {
            Verdict::Applied
        } else {
            Verdict::NotApplied(not_applied(wanted, changes, &differences, held.is_some()))
        }
    }

    fn moved_account(&self, source: &MovedState) -> Result<AccountGrant, Unmappable> {
        moved::moved_account(source)
    }

    fn parse_import_id(&self, id: &str) -> Result<AccountGrant, Diagnostics> {
        let (cluster_id, account_name) = parse_import_id(id)?;
        Ok(AccountGrant {
            cluster_id,
            account_name,
            privileges: BTreeMap::new(),
        })
    }

    async fn import(
        &self,
        client: &PolarDbClient,
        grant: &AccountGrant,
        deadline: Instant,
    ) -> Result<AccountGrant, Diagnostics> {
        match find_account(client, grant, deadline).await? {
            Some(account) if account.account_type == AccountType::Super => {
                Err(super_account_refused(grant))
            }
            Some(account) => Ok(grant.with_privileges_of(&account)),
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
