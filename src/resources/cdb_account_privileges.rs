//! `clouddb_cdb_account_privileges`: every privilege of one TencentDB for MySQL (CDB) account,
//! managed authoritatively with a full-replace ModifyAccountPrivileges and its async task.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::cdb::{
    self, Account, AsyncRequest, AsyncRequestInfo, CdbClient, ColumnPrivilege, DatabasePrivilege,
    TablePrivilege, TaskWait, COLUMN_PRIVILEGES, DATABASE_PRIVILEGES, GLOBAL_PRIVILEGES,
    TABLE_PRIVILEGES,
};
use crate::framework::timeouts::{timeout, timeouts_block};
use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{
    ApplyOutcome, Attribute, Block, Diagnostics, NestedBlock, Nesting, Resource, Schema,
};
use crate::provider::Clouds;
use crate::value::{AttributePath, Type, Value};

use super::cloud_error;

pub const TYPE_NAME: &str = "clouddb_cdb_account_privileges";
const DEFAULT_HOST: &str = "%";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long reading the real state after a failed change may take.
const READ_AFTER_FAILURE: Duration = Duration::from_secs(60);
const MODIFY: &str = "ModifyAccountPrivileges";

/// A table: (database, table).
type TableScope = (String, String);
/// A column: (database, table, column).
type ColumnScope = (String, String, String);

/// Privileges per scope, normalised: upper-case names, no scope without privileges.
#[derive(Debug, Clone, Default, PartialEq)]
struct Privileges {
    global: BTreeSet<String>,
    databases: BTreeMap<String, BTreeSet<String>>,
    tables: BTreeMap<TableScope, BTreeSet<String>>,
    columns: BTreeMap<ColumnScope, BTreeSet<String>>,
}

impl Privileges {
    fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self.databases.is_empty()
            && self.tables.is_empty()
            && self.columns.is_empty()
    }

    /// What DescribeAccountPrivileges reports, in the form a user writes it.
    fn from_api(held: &cdb::AccountPrivileges) -> Self {
        let mut privileges = Privileges {
            global: normalise(&held.global_privileges, GLOBAL_PRIVILEGES),
            ..Privileges::default()
        };
        for scope in &held.database_privileges {
            let names = normalise(&scope.privileges, DATABASE_PRIVILEGES);
            merge(&mut privileges.databases, scope.database.clone(), names);
        }
        for scope in &held.table_privileges {
            let names = normalise(&scope.privileges, TABLE_PRIVILEGES);
            let key = (scope.database.clone(), scope.table.clone());
            merge(&mut privileges.tables, key, names);
        }
        for scope in &held.column_privileges {
            let names = normalise(&scope.privileges, COLUMN_PRIVILEGES);
            let key = (
                scope.database.clone(),
                scope.table.clone(),
                scope.column.clone(),
            );
            merge(&mut privileges.columns, key, names);
        }
        privileges
    }

    /// The full-replace request that makes the account hold exactly these privileges.
    fn to_api(&self) -> cdb::AccountPrivileges {
        let list = |names: &BTreeSet<String>| names.iter().cloned().collect::<Vec<_>>();
        cdb::AccountPrivileges {
            global_privileges: list(&self.global),
            database_privileges: self
                .databases
                .iter()
                .map(|(database, names)| DatabasePrivilege {
                    database: database.clone(),
                    privileges: list(names),
                })
                .collect(),
            table_privileges: self
                .tables
                .iter()
                .map(|((database, table), names)| TablePrivilege {
                    database: database.clone(),
                    table: table.clone(),
                    privileges: list(names),
                })
                .collect(),
            column_privileges: self
                .columns
                .iter()
                .map(|((database, table, column), names)| ColumnPrivilege {
                    database: database.clone(),
                    table: table.clone(),
                    column: column.clone(),
                    privileges: list(names),
                })
                .collect(),
        }
    }

    fn from_value(value: &Value) -> Self {
        let mut privileges = Privileges {
            global: string_set(value.attr("global_privileges")),
            ..Privileges::default()
        };
        for scope in blocks(value, "database") {
            let names = string_set(scope.attr("privileges"));
            merge(&mut privileges.databases, text(scope, "database"), names);
        }
        for scope in blocks(value, "table") {
            let key = (text(scope, "database"), text(scope, "table"));
            merge(
                &mut privileges.tables,
                key,
                string_set(scope.attr("privileges")),
            );
        }
        for scope in blocks(value, "column") {
            let key = (
                text(scope, "database"),
                text(scope, "table"),
                text(scope, "column"),
            );
            merge(
                &mut privileges.columns,
                key,
                string_set(scope.attr("privileges")),
            );
        }
        privileges
    }

    /// The attributes and blocks that hold privileges, as resource values.
    fn to_values(&self) -> [(&'static str, Value); 4] {
        let block = |fields: Vec<(&str, Value)>| Value::object(fields);
        [
            ("global_privileges", set_of(&self.global)),
            (
                "database",
                Value::Set(
                    self.databases
                        .iter()
                        .map(|(database, names)| {
                            block(vec![
                                ("database", Value::string(database)),
                                ("privileges", set_of(names)),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "table",
                Value::Set(
                    self.tables
                        .iter()
                        .map(|((database, table), names)| {
                            block(vec![
                                ("database", Value::string(database)),
                                ("table", Value::string(table)),
                                ("privileges", set_of(names)),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "column",
                Value::Set(
                    self.columns
                        .iter()
                        .map(|((database, table, column), names)| {
                            block(vec![
                                ("database", Value::string(database)),
                                ("table", Value::string(table)),
                                ("column", Value::string(column)),
                                ("privileges", set_of(names)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ]
    }
}

/// Adds `names` to a scope; a scope left without privileges is not kept (MySQL has no such grant).
fn merge<K: Ord>(scopes: &mut BTreeMap<K, BTreeSet<String>>, key: K, names: BTreeSet<String>) {
    if !names.is_empty() {
        scopes.entry(key).or_default().extend(names);
    }
}

/// Privilege names as a user writes them: upper case, single spaces. `ALL [PRIVILEGES]` stands
/// for every privilege of the level, and `USAGE` for none.
fn normalise(names: &[String], level: &[&str]) -> BTreeSet<String> {
    let mut normalised = BTreeSet::new();
    for name in names {
        let name = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        match name.as_str() {
            "ALL" | "ALL PRIVILEGES" => normalised.extend(level.iter().map(|p| p.to_string())),
            "USAGE" | "" => {}
            _ => {
                normalised.insert(name);
            }
        }
    }
    normalised
}

fn string_set(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::elements)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn set_of(names: &BTreeSet<String>) -> Value {
    Value::Set(names.iter().map(Value::string).collect())
}

fn blocks<'a>(value: &'a Value, name: &str) -> &'a [Value] {
    value
        .attr(name)
        .and_then(Value::elements)
        .unwrap_or_default()
}

fn text(value: &Value, name: &str) -> String {
    value
        .attr(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// One account of one instance and everything it holds (or should hold).
#[derive(Debug, Clone, PartialEq)]
struct AccountGrants {
    instance_id: String,
    account: Account,
    privileges: Privileges,
}

impl AccountGrants {
    fn id(&self) -> String {
        format!(
            "{}#{}#{}",
            self.instance_id, self.account.user, self.account.host
        )
    }

    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let known = |name: &str| {
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
        Ok(AccountGrants {
            instance_id: known("instance_id")?,
            account: Account {
                user: known("user")?,
                host: known("host")?,
            },
            privileges: Privileges::from_value(value),
        })
    }

    /// The resource value, keeping `timeouts` from `template`.
    fn to_value(&self, template: &Value) -> Value {
        let mut fields = vec![
            ("id", Value::string(self.id())),
            ("instance_id", Value::string(&self.instance_id)),
            ("user", Value::string(&self.account.user)),
            ("host", Value::string(&self.account.host)),
            (
                "timeouts",
                template.attr("timeouts").cloned().unwrap_or(Value::Null),
            ),
        ];
        fields.extend(self.privileges.to_values());
        Value::object(fields)
    }

    fn holding(&self, privileges: Privileges) -> Self {
        AccountGrants {
            privileges,
            ..self.clone()
        }
    }
}

/// Which apply operation is running: it names the timeout and decides what a failure leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// Why a change did not complete.
enum ChangeError {
    /// The instance or the account does not exist, so nothing was changed.
    AccountMissing(CloudError),
    Failed(Diagnostics),
}

pub struct CdbAccountPrivileges {
    clouds: Arc<Clouds>,
}

impl CdbAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        CdbAccountPrivileges { clouds }
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
        let request = wanted.privileges.to_api();
        let task = client
            .modify_account_privileges(&wanted.instance_id, &wanted.account, &request, deadline)
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    ChangeError::AccountMissing(e)
                } else {
                    ChangeError::Failed(cloud_error(change_summary(wanted), &e))
                }
            })?;
        match client
            .wait_for_async_request(MODIFY, &task.async_request_id, deadline)
            .await
        {
            Ok(TaskWait::Succeeded) => Ok(()),
            Ok(TaskWait::StillRunning(info)) => Err(ChangeError::Failed(still_running(
                wanted, &task, &info, operation, limit,
            ))),
            Err(e) => Err(ChangeError::Failed(task_error(wanted, &task, &e))),
        }
    }

    /// The account as it exists now, or `None` when the instance or the account is gone.
    async fn fetch(
        &self,
        grants: &AccountGrants,
        deadline: Instant,
    ) -> Result<Option<AccountGrants>, Diagnostics> {
        let client = self.client()?;
        match client
            .describe_account_privileges(&grants.instance_id, &grants.account, deadline)
            .await
        {
            Ok(held) => Ok(Some(grants.holding(Privileges::from_api(&held)))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(cloud_error(
                format!("Could not read the privileges of {}", grants.id()),
                &e,
            )),
        }
    }

    /// After a failed change: the state as DescribeAccountPrivileges reports it, so Terraform
    /// records what the account really holds. A create or delete that leaves the account holding
    /// nothing leaves no object; an unreadable account keeps what was known before.
    async fn state_after_failure(
        &self,
        operation: Operation,
        template: &Value,
        prior: &Value,
        wanted: &AccountGrants,
        mut diags: Diagnostics,
    ) -> ApplyOutcome {
        let deadline = Instant::now() + READ_AFTER_FAILURE;
        match self.fetch(wanted, deadline).await {
            Ok(Some(actual)) if actual.privileges.is_empty() && operation != Operation::Update => {
                ApplyOutcome::failed(Value::Null, diags)
            }
            Ok(Some(actual)) => ApplyOutcome::failed(actual.to_value(template), diags),
            Ok(None) => ApplyOutcome::failed(Value::Null, diags),
            Err(read_diags) => {
                diags.extend(read_diags);
                ApplyOutcome::failed(prior.clone(), diags)
            }
        }
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
            Err(ChangeError::Failed(diags)) => diags,
        };
        let template = if prior.is_null() { planned } else { prior };
        self.state_after_failure(operation, template, prior, &wanted, diags)
            .await
    }
}

fn change_summary(wanted: &AccountGrants) -> String {
    format!("Could not set the privileges of {}", wanted.id())
}

fn account_missing(wanted: &AccountGrants, error: &CloudError) -> Diagnostics {
    Diagnostics::from_error(
        "Account not found",
        format!(
            "CDB instance {} has no account {} (or the instance does not exist). Create the account first: this resource manages the privileges of an existing account. {error}",
            wanted.instance_id,
            wanted.account.name()
        ),
    )
}

/// A task that failed, or whose status could not be read: the task, its Info and both RequestIds.
fn task_error(wanted: &AccountGrants, task: &AsyncRequest, error: &CloudError) -> Diagnostics {
    let detail = match error {
        CloudError::TaskFailed { .. } => format!(
            "{error} (RequestId of {MODIFY}: {}). The state records what the account holds now, as DescribeAccountPrivileges reports it.",
            task.request_id
        ),
        _ => format!(
            "Could not follow {MODIFY} task {} (RequestId: {}): {error}. The task may still finish; the next plan reads what the account holds then.",
            task.async_request_id, task.request_id
        ),
    };
    Diagnostics::from_error(change_summary(wanted), detail)
}

fn still_running(
    wanted: &AccountGrants,
    task: &AsyncRequest,
    info: &AsyncRequestInfo,
    operation: Operation,
    limit: Duration,
) -> Diagnostics {
    Diagnostics::from_error(
        format!("Timed out setting the privileges of {}", wanted.id()),
        format!(
            "{MODIFY} task {} (RequestId: {}) was still {} when the {} timeout of {} elapsed. The task may still finish: the next plan reads what the account holds then. If this instance's tasks take longer, raise timeouts.{}.",
            task.async_request_id,
            task.request_id,
            info.status.as_str(),
            operation.name(),
            describe_duration(limit),
            operation.name()
        ),
    )
}

/// A duration the way the `timeouts` block takes it: `90s`, `10m`, `1h`, `1500ms`.
fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (duration.subsec_millis(), seconds) {
        (0, s) if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        (0, s) if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        (0, s) => format!("{s}s"),
        _ => format!("{}ms", duration.as_millis()),
    }
}

/// `<instance_id>#<user>#<host>`, or `<instance_id>#<user>` for the host `%`.
fn parse_import_id(id: &str) -> Result<(String, Account), Diagnostics> {
    let parts: Vec<&str> = id.split('#').collect();
    let (instance, user, host) = match parts.as_slice() {
        [instance, user] => (*instance, *user, DEFAULT_HOST),
        [instance, user, host] => (*instance, *user, *host),
        _ => ("", "", ""),
    };
    let valid = instance_id_rule(instance).is_ok() && !user.is_empty() && !host.is_empty();
    if !valid {
        return Err(Diagnostics::from_error(
            "Invalid import ID",
            format!(
                "{id:?} is not an ID of {TYPE_NAME}: write <instance_id>#<user>#<host>, e.g. cdb-c1nl9rpv#app#%, or <instance_id>#<user> for the host %."
            ),
        ));
    }
    Ok((
        instance.to_string(),
        Account {
            user: user.to_string(),
            host: host.to_string(),
        },
    ))
}

fn instance_id_rule(id: &str) -> Result<(), String> {
    let valid = id.strip_prefix("cdb-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if valid {
        Ok(())
    } else {
        Err("a CDB instance ID is \"cdb-\" followed by lowercase letters and digits, e.g. \"cdb-c1nl9rpv\"".into())
    }
}

/// Lenient on purpose: existing accounts must stay manageable. Only what would break the ID
/// (`#`) or can never be a MySQL user name is refused.
fn user_rule(user: &str) -> Result<(), String> {
    let length = user.chars().count();
    let allowed = user
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '#' | '\'' | '"' | '`'));
    if (1..=32).contains(&length) && allowed {
        Ok(())
    } else {
        Err("a user name has 1 to 32 characters and no spaces, quotes, backticks or \"#\"".into())
    }
}

fn host_rule(host: &str) -> Result<(), String> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '%' | '_' | '-' | ':' | '/');
    if !host.is_empty() && host.len() <= 255 && host.chars().all(allowed) {
        Ok(())
    } else {
        Err("a host is a name, an IP address (IPv4 or IPv6) or a pattern with % and _, such as \"%\" or \"10.0.0.%\"; it has letters, digits and . % _ - : / only".into())
    }
}

fn object_name_rule(name: &str) -> Result<(), String> {
    if (1..=64).contains(&name.chars().count()) && !name.contains('`') {
        Ok(())
    } else {
        Err("a MySQL database, table or column name has 1 to 64 characters and no backtick".into())
    }
}

/// A scope block's attribute naming a database, table or column.
fn object_name(name: &str, description: &str) -> Attribute {
    Attribute::required(name, Type::String)
        .description(description)
        .validator(NameRule {
            rule: object_name_rule,
        })
}

fn privileges_attribute(level: &str, allowed: &'static [&'static str]) -> Attribute {
    let names: Vec<String> = allowed.iter().map(|p| format!("`{p}`")).collect();
    Attribute::required("privileges", Type::Set(Box::new(Type::String)))
        .description(&format!(
            "Privileges on the {level}, at least one of: {}.",
            names.join(", ")
        ))
        .validator(OneOf { allowed })
}

fn scope_block(name: &str, description: &str, block: Block) -> NestedBlock {
    NestedBlock::new(name, Nesting::Set, block.description(description))
}

/// The blocks that name scopes, with the attributes that identify one scope.
const SCOPE_BLOCKS: &[(&str, &[&str])] = &[
    ("database", &["database"]),
    ("table", &["database", "table"]),
    ("column", &["database", "table", "column"]),
];

fn check_every_scope(config: &Value, diags: &mut Diagnostics) {
    for (block, key) in SCOPE_BLOCKS {
        check_scopes(config, block, key, diags);
    }
}

/// Refuses blocks without privileges and several blocks for one scope: either would be
/// rewritten by the next read, which sees one grant per scope and none that is empty.
fn check_scopes(config: &Value, block: &str, key: &[&str], diags: &mut Diagnostics) {
    let path = AttributePath::root().attribute(block);
    let mut seen: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for scope in blocks(config, block) {
        let names: Option<Vec<String>> = key
            .iter()
            .map(|attribute| {
                scope
                    .attr(attribute)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let Some(names) = names else {
            continue;
        };
        let scope_name = names.join(".");
        if scope.attr("privileges").and_then(Value::elements) == Some(&[]) {
            diags.attribute_error(
                path.clone(),
                "Empty privileges",
                format!(
                    "The {block} block for {scope_name} has no privileges. Remove the block instead: an account holds nothing on a scope that no block names."
                ),
            );
        }
        *seen.entry(names).or_default() += 1;
    }
    for (names, count) in seen.into_iter().filter(|(_, count)| *count > 1) {
        diags.attribute_error(
            path.clone(),
            "Duplicate scope",
            format!(
                "{count} {block} blocks name {}. Write one {block} block per {block} and list all of its privileges there.",
                names.join(".")
            ),
        );
    }
}

fn schema() -> Schema {
    let database = Block::new()
        .attribute(object_name("database", "Name of the database."))
        .attribute(privileges_attribute("database", DATABASE_PRIVILEGES));
    let table = Block::new()
        .attribute(object_name("database", "Name of the database."))
        .attribute(object_name("table", "Name of the table."))
        .attribute(privileges_attribute("table", TABLE_PRIVILEGES));
    let column = Block::new()
        .attribute(object_name("database", "Name of the database."))
        .attribute(object_name("table", "Name of the table."))
        .attribute(object_name("column", "Name of the column."))
        .attribute(privileges_attribute("column", COLUMN_PRIVILEGES));
    Schema::new(
        0,
        Block::new()
            .description("Every privilege of one account of a TencentDB for MySQL (CDB) instance. Authoritative: whatever the account holds beyond this resource is revoked, and destroying the resource revokes everything.")
            .attribute(Attribute::computed("id", Type::String).description("`<instance_id>#<user>#<host>`."))
            .attribute(
                Attribute::required("instance_id", Type::String)
                    .description("ID of the CDB instance, e.g. `cdb-c1nl9rpv`.")
                    .requires_replace()
                    .validator(NameRule { rule: instance_id_rule }),
            )
            .attribute(
                Attribute::required("user", Type::String)
                    .description("User name of an existing account of the instance.")
                    .requires_replace()
                    .validator(NameRule { rule: user_rule }),
            )
            .attribute(
                Attribute::optional("host", Type::String)
                    .description("Host of the account: `%` (any host, the default), an address, or a pattern such as `10.0.0.%`.")
                    .default(Value::string(DEFAULT_HOST))
                    .requires_replace()
                    .validator(NameRule { rule: host_rule }),
            )
            .attribute(
                Attribute::optional("global_privileges", Type::Set(Box::new(Type::String)))
                    .description(&format!(
                        "Privileges on every database (`*.*`), any of: {}. Defaults to none.",
                        GLOBAL_PRIVILEGES.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                    ))
                    .default(Value::Set(Vec::new()))
                    .validator(OneOf { allowed: GLOBAL_PRIVILEGES }),
            )
            .block(scope_block("database", "Privileges on one database (`db.*`); one block per database.", database))
            .block(scope_block("table", "Privileges on one table; one block per table.", table))
            .block(scope_block("column", "Privileges on one column; one block per column.", column))
            .block(timeouts_block(&["create", "update", "delete"])),
    )
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

    async fn read(&self, state: &Value) -> Result<Value, Diagnostics> {
        let grants = AccountGrants::from_value(state)?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        Ok(match self.fetch(&grants, deadline).await? {
            Some(actual) => actual.to_value(state),
            None => Value::Null,
        })
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
        let nothing = held.holding(Privileges::default());
        let limit = timeout(prior, Operation::Delete.name(), DEFAULT_TIMEOUT);
        match self
            .set_privileges(&nothing, Operation::Delete, limit)
            .await
        {
            Ok(()) | Err(ChangeError::AccountMissing(_)) => ApplyOutcome::done(Value::Null),
            Err(ChangeError::Failed(diags)) => {
                self.state_after_failure(Operation::Delete, prior, prior, &held, diags)
                    .await
            }
        }
    }

    async fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let (instance_id, account) = parse_import_id(id)?;
        let grants = AccountGrants {
            instance_id,
            account,
            privileges: Privileges::default(),
        };
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        match self.fetch(&grants, deadline).await? {
            Some(actual) => Ok(actual.to_value(&Value::Null)),
            None => Err(Diagnostics::from_error(
                "Cannot import non-existent account",
                format!(
                    "CDB instance {} has no account {} (or the instance does not exist).",
                    grants.instance_id,
                    grants.account.name()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Severity;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    fn string_values(list: &[&str]) -> Value {
        Value::Set(list.iter().map(|n| Value::string(*n)).collect())
    }

    fn database_block(database: &str, privileges: &[&str]) -> Value {
        Value::object([
            ("database", Value::string(database)),
            ("privileges", string_values(privileges)),
        ])
    }

    fn table_block(database: &str, table: &str, privileges: &[&str]) -> Value {
        Value::object([
            ("database", Value::string(database)),
            ("table", Value::string(table)),
            ("privileges", string_values(privileges)),
        ])
    }

    fn column_block(database: &str, table: &str, column: &str, privileges: &[&str]) -> Value {
        Value::object([
            ("database", Value::string(database)),
            ("table", Value::string(table)),
            ("column", Value::string(column)),
            ("privileges", string_values(privileges)),
        ])
    }

    fn config(databases: Vec<Value>, tables: Vec<Value>, columns: Vec<Value>) -> Value {
        Value::object([
            ("id", Value::Null),
            ("instance_id", Value::string("cdb-sim00001")),
            ("user", Value::string("app")),
            ("host", Value::string("%")),
            ("global_privileges", string_values(&["PROCESS"])),
            ("database", Value::Set(databases)),
            ("table", Value::Set(tables)),
            ("column", Value::Set(columns)),
            ("timeouts", Value::Null),
        ])
    }

    fn sample() -> Value {
        config(
            vec![database_block("shop", &["SELECT", "SHOW VIEW"])],
            vec![table_block("shop", "orders", &["INSERT"])],
            vec![column_block("shop", "orders", "total", &["UPDATE"])],
        )
    }

    fn errors_of(config: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        check_every_scope(config, &mut diags);
        diags.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn a_resource_value_round_trips_through_the_model() {
        let grants = AccountGrants::from_value(&sample()).expect("model");
        assert_eq!(grants.id(), "cdb-sim00001#app#%");
        assert_eq!(grants.privileges.global, names(&["PROCESS"]));
        assert_eq!(
            grants.privileges.columns.keys().next(),
            Some(&(
                "shop".to_string(),
                "orders".to_string(),
                "total".to_string()
            ))
        );
        let value = grants.to_value(&sample());
        assert_eq!(value.attr("id"), Some(&Value::string("cdb-sim00001#app#%")));
        assert_eq!(AccountGrants::from_value(&value).expect("again"), grants);
        for name in ["database", "table", "column", "global_privileges"] {
            assert!(
                crate::value::semantically_equal(
                    value.attr(name).expect("present"),
                    sample().attr(name).expect("present")
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn the_request_carries_every_level_in_the_apis_shape() {
        let grants = AccountGrants::from_value(&sample()).expect("model");
        let request = grants.privileges.to_api();
        assert_eq!(request.global_privileges, strings(&["PROCESS"]));
        assert_eq!(
            request.database_privileges,
            vec![DatabasePrivilege {
                database: "shop".into(),
                privileges: strings(&["SELECT", "SHOW VIEW"]),
            }]
        );
        assert_eq!(request.table_privileges[0].table, "orders");
        assert_eq!(request.column_privileges[0].column, "total");
        assert_eq!(
            Privileges::default().to_api(),
            cdb::AccountPrivileges::default()
        );
    }

    #[test]
    fn what_the_api_reports_is_read_as_a_user_writes_it() {
        let held = cdb::AccountPrivileges {
            global_privileges: strings(&["process", "Show  Databases", "USAGE"]),
            database_privileges: vec![
                DatabasePrivilege {
                    database: "shop".into(),
                    privileges: strings(&["select", "SELECT"]),
                },
                DatabasePrivilege {
                    database: "logs".into(),
                    privileges: vec![],
                },
            ],
            table_privileges: vec![TablePrivilege {
                database: "shop".into(),
                table: "orders".into(),
                privileges: strings(&["ALL PRIVILEGES"]),
            }],
            column_privileges: vec![ColumnPrivilege {
                database: "shop".into(),
                table: "orders".into(),
                column: "total".into(),
                privileges: strings(&["USAGE"]),
            }],
        };
        let read = Privileges::from_api(&held);
        assert_eq!(read.global, names(&["PROCESS", "SHOW DATABASES"]));
        assert_eq!(
            read.databases,
            BTreeMap::from([("shop".to_string(), names(&["SELECT"]))]),
            "a database without privileges is left out"
        );
        assert_eq!(
            read.tables.values().next(),
            Some(&TABLE_PRIVILEGES.iter().map(|p| p.to_string()).collect()),
            "ALL PRIVILEGES is every table privilege"
        );
        assert!(read.columns.is_empty(), "USAGE is no privilege");
    }

    #[test]
    fn an_account_holding_nothing_reads_as_empty_sets_and_blocks() {
        let grants = AccountGrants {
            instance_id: "cdb-1".into(),
            account: Account {
                user: "app".into(),
                host: "%".into(),
            },
            privileges: Privileges::from_api(&cdb::AccountPrivileges::default()),
        };
        let value = grants.to_value(&Value::Null);
        for name in ["global_privileges", "database", "table", "column"] {
            assert_eq!(value.attr(name), Some(&Value::Set(vec![])), "{name}");
        }
        assert_eq!(value.attr("timeouts"), Some(&Value::Null));
    }

    #[test]
    fn empty_and_duplicate_scopes_are_refused() {
        let value = config(
            vec![
                database_block("shop", &["SELECT"]),
                database_block("shop", &["INSERT"]),
                database_block("logs", &[]),
            ],
            vec![
                table_block("shop", "orders", &["SELECT"]),
                table_block("shop", "orders", &["UPDATE"]),
                table_block("shop", "users", &["UPDATE"]),
            ],
            vec![],
        );
        let errors = errors_of(&value);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors
            .iter()
            .any(|e| e.contains("database block for logs has no privileges")
                && e.contains("Remove the block instead")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("2 database blocks name shop.")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("2 table blocks name shop.orders.")));
        assert!(errors_of(&sample()).is_empty());
    }

    #[test]
    fn unknown_scopes_are_checked_later() {
        let unknown_name = Value::object([
            ("database", Value::Unknown),
            ("privileges", string_values(&["SELECT"])),
        ]);
        let value = config(
            vec![
                unknown_name.clone(),
                unknown_name,
                database_block("shop", &["SELECT"]),
            ],
            vec![],
            vec![],
        );
        assert!(errors_of(&value).is_empty());
    }

    #[test]
    fn each_level_allows_only_its_own_privileges() {
        let schema = schema();
        let value = config(
            vec![database_block("shop", &["PROCESS"])],
            vec![table_block("shop", "orders", &["select"])],
            vec![column_block("shop", "orders", "total", &["DELETE"])],
        );
        let mut diags = Diagnostics::new();
        crate::framework::validate::validate_config(
            &schema.block,
            &value,
            &AttributePath::root(),
            &mut diags,
        );
        let details: Vec<(String, String)> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                (
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.detail.clone(),
                )
            })
            .collect();
        assert_eq!(details.len(), 3, "{details:#?}");
        assert!(details
            .iter()
            .any(|(path, detail)| path.starts_with("database.privileges")
                && detail.contains("\"PROCESS\" is not allowed")
                && detail.contains("\"CREATE TEMPORARY TABLES\"")));
        assert!(details
            .iter()
            .any(|(_, detail)| detail.contains("did you mean \"SELECT\"")));
        assert!(details
            .iter()
            .any(|(path, detail)| path.starts_with("column.privileges")
                && detail
                    .contains(r#"Allowed values: "SELECT", "INSERT", "UPDATE", "REFERENCES"."#)));
    }

    #[test]
    fn import_ids_name_the_instance_the_user_and_the_host() {
        let (instance, account) = parse_import_id("cdb-abc123#app#10.0.0.%").expect("id");
        assert_eq!(instance, "cdb-abc123");
        assert_eq!(account.user, "app");
        assert_eq!(account.host, "10.0.0.%");
        let (_, account) = parse_import_id("cdb-abc123#app").expect("short id");
        assert_eq!(account.host, "%");
        let (_, account) = parse_import_id("cdb-abc123#app#fe80::1").expect("IPv6 host");
        assert_eq!(account.host, "fe80::1");
        for bad in [
            "cdb-abc123",
            "#app#%",
            "cdb-abc123##%",
            "cdb-abc123#app#",
            "rm-1#app#%",
            "cdb-1#a#b#c",
        ] {
            let diags = parse_import_id(bad).expect_err(bad);
            assert!(
                diags.to_string().contains("<instance_id>#<user>#<host>"),
                "{bad}"
            );
        }
    }

    #[test]
    fn name_rules_explain_themselves() {
        assert!(instance_id_rule("cdb-c1nl9rpv").is_ok());
        assert!(instance_id_rule("cdb-").is_err());
        assert!(instance_id_rule("CDB-abc").unwrap_err().contains("cdb-"));
        assert!(user_rule("app_rw").is_ok());
        assert!(user_rule("a#b").is_err());
        assert!(user_rule(&"u".repeat(33)).is_err());
        for host in [
            "%",
            "10.0.0.%",
            "db.example.com",
            "fe80::1",
            "10.0.0.0/255.255.255.0",
        ] {
            assert!(host_rule(host).is_ok(), "{host}");
        }
        assert!(host_rule("a b").is_err());
        assert!(host_rule("").is_err());
        assert!(object_name_rule("orders").is_ok());
        assert!(object_name_rule(&"t".repeat(65)).is_err());
    }

    #[test]
    fn durations_are_written_like_the_timeouts_block() {
        assert_eq!(describe_duration(Duration::from_secs(600)), "10m");
        assert_eq!(describe_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(describe_duration(Duration::from_secs(90)), "90s");
        assert_eq!(describe_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn a_failed_task_names_its_info_and_both_request_ids() {
        let grants = AccountGrants::from_value(&sample()).expect("model");
        let task = AsyncRequest {
            async_request_id: "task-1".into(),
            request_id: "R-MODIFY".into(),
        };
        let failed = CloudError::TaskFailed {
            action: MODIFY.into(),
            task_id: "task-1".into(),
            status: "FAILED".into(),
            info: "table shop.ghost does not exist".into(),
        };
        let text = task_error(&grants, &task, &failed).to_string();
        assert!(
            text.contains("task task-1 ended with status FAILED: table shop.ghost does not exist"),
            "{text}"
        );
        assert!(
            text.contains("RequestId of ModifyAccountPrivileges: R-MODIFY"),
            "{text}"
        );
        assert!(text.contains("cdb-sim00001#app#%"), "{text}");
    }
}
