//! CDB for MySQL (version 2017-03-20): ModifyAccountPrivileges (an async task),
//! DescribeAsyncRequestInfo, DescribeAccountPrivileges, DescribeAccounts.

pub(crate) mod backend;
pub(crate) mod fixture;
pub(crate) mod legacy;
pub(crate) mod privileges;
pub(crate) mod state;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use self::backend::CdbAccountKey;
use self::privileges::{CdbChange, CdbLevel, CdbPrivileges};
use crate::clock;
use crate::fixture::{CdbAccount, CdbInstance};
use crate::state::SimState;
use crate::tasks::{TaskChange, TaskFailure};
use crate::tencent::errors::TencentError;
use crate::tencent::params::{CallParams, Params};
use crate::tencent::regexp::Pattern;

pub(crate) const SERVICE: &str = "cdb";
/// The connection limit every instance and account reports (the vendor's default).
const MAX_USER_CONNECTIONS: u32 = 10240;
pub(crate) const VERSION: &str = "2017-03-20";
pub(crate) const ACTIONS: &[&str] = &[
    "ModifyAccountPrivileges",
    "DescribeAsyncRequestInfo",
    "DescribeAccountPrivileges",
    "DescribeAccounts",
];

/// The actions that start an async task (and so take `task_status` faults).
pub(crate) fn starts_task(action: &str) -> bool {
    action == "ModifyAccountPrivileges"
}

/// DescribeAccounts' `Limit`: default and largest.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

/// Answers one CDB action; `action` is one of [`ACTIONS`].
pub(crate) async fn handle(
    state: &SimState,
    action: &str,
    params: &CallParams,
    region: Option<&str>,
    task_failure: Option<TaskFailure>,
) -> Result<Value, TencentError> {
    let params = Params::of(params)?;
    state.cdb().refresh().await.map_err(internal)?;
    match action {
        "ModifyAccountPrivileges" => {
            modify_account_privileges(state, &params, region, task_failure)
        }
        "DescribeAsyncRequestInfo" => describe_async_request_info(state, &params).await,
        "DescribeAccountPrivileges" => describe_account_privileges(state, &params, region).await,
        "DescribeAccounts" => describe_accounts(state, &params, region),
        other => Err(TencentError::invalid_action(SERVICE, other)),
    }
}

/// How ModifyAccountPrivileges treats the lists it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModifyAction {
    Replace,
    Grant,
    Revoke,
}

/// Checks the whole call, then starts the task that makes the change when it succeeds.
fn modify_account_privileges(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
    task_failure: Option<TaskFailure>,
) -> Result<Value, TencentError> {
    params.only(&[
        "InstanceId",
        "Accounts",
        "GlobalPrivileges",
        "DatabasePrivileges",
        "TablePrivileges",
        "ColumnPrivileges",
        "ModifyAction",
    ])?;
    let instance_id = params.required_string("InstanceId")?;
    let accounts = read_accounts(params)?;
    let modify_action = match params.string("ModifyAction")? {
        None | Some("") => ModifyAction::Replace,
        Some("grant") => ModifyAction::Grant,
        Some("revoke") => ModifyAction::Revoke,
        Some(other) => {
            return Err(TencentError::new(
                "InvalidParameterValue",
                format!(
                    "ModifyAction \"{other}\" is not valid; it is empty (replace every \
                     privilege), \"grant\" or \"revoke\"."
                ),
            ))
        }
    };
    let requested = read_privileges(params)?;
    {
        let instances = state.cdb().instances();
        let instance = find_instance(&instances, instance_id, region)?;
        for (user, host) in &accounts {
            find_account(instance, user, host)?;
        }
        requested.check_objects(instance)?;
    }
    let privileges = requested.privileges;
    let change = match modify_action {
        ModifyAction::Replace => CdbChange::Replace(privileges),
        ModifyAction::Grant => CdbChange::Grant(privileges),
        ModifyAction::Revoke => CdbChange::Revoke(privileges),
    };
    let task = TaskChange::Cdb {
        instance: instance_id.to_owned(),
        accounts,
        change,
    };
    let id = state.start_task(task, task_failure);
    Ok(json!({ "AsyncRequestId": id }))
}

/// `Accounts`: at least one `{User, Host}`; an account listed twice counts once.
fn read_accounts(params: &Params<'_>) -> Result<Vec<CdbAccountKey>, TencentError> {
    let items = params.objects("Accounts")?.unwrap_or_default();
    if items.is_empty() {
        return Err(TencentError::missing_parameter("Accounts"));
    }
    let mut accounts: Vec<CdbAccountKey> = Vec::with_capacity(items.len());
    for item in &items {
        item.only(&["User", "Host"])?;
        let field = |name: &str| {
            item.string(name)?
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    TencentError::new(
                        "MissingParameter.AccountMissingParameterError",
                        format!("The account parameter `{}` is missing.", item.name(name)),
                    )
                })
        };
        let key = (field("User")?.to_owned(), field("Host")?.to_owned());
        if !accounts.contains(&key) {
            accounts.push(key);
        }
    }
    Ok(accounts)
}

/// The privileges a call lists, and where each database, table and column was named.
#[derive(Debug, Default)]
struct Requested {
    privileges: CdbPrivileges,
    /// Parameter path → the database, table, column it names.
    databases: Vec<(String, String)>,
    tables: Vec<(String, (String, String))>,
    columns: Vec<(String, (String, String, String))>,
}

impl Requested {
    /// Every database, table and column named exists in the instance (`InvalidParameter`).
    fn check_objects(&self, instance: &CdbInstance) -> Result<(), TencentError> {
        let not_found = |what: String, path: &str| {
            TencentError::new(
                "InvalidParameter",
                format!(
                    "{what} ({path}) does not exist in instance {}.",
                    instance.instance_id
                ),
            )
        };
        let database = |path: &str, name: &str| {
            instance
                .databases
                .iter()
                .find(|d| d.name == name)
                .ok_or_else(|| not_found(format!("The database `{name}`"), path))
        };
        let table = |path: &str, db: &str, name: &str| {
            database(path, db)?
                .tables
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| not_found(format!("The table `{db}`.`{name}`"), path))
        };
        for (path, name) in &self.databases {
            database(path, name)?;
        }
        for (path, (db, name)) in &self.tables {
            table(path, db, name)?;
        }
        for (path, (db, tb, column)) in &self.columns {
            if !table(path, db, tb)?.columns.contains(column) {
                return Err(not_found(
                    format!("The column `{db}`.`{tb}`.`{column}`"),
                    path,
                ));
            }
        }
        Ok(())
    }
}

/// The four privilege lists; every name must be one its level takes.
fn read_privileges(params: &Params<'_>) -> Result<Requested, TencentError> {
    let mut requested = Requested::default();
    if let Some(names) = params.strings("GlobalPrivileges")? {
        requested.privileges.global = checked(CdbLevel::Global, &names, "GlobalPrivileges")?;
    }
    for item in params.objects("DatabasePrivileges")?.unwrap_or_default() {
        item.only(&["Database", "Privileges"])?;
        let database = item.required_string("Database")?.to_owned();
        let names = item.required_strings("Privileges")?;
        let set = checked(CdbLevel::Database, &names, &item.name("Privileges"))?;
        add(&mut requested.privileges.databases, database.clone(), set);
        requested.databases.push((item.name("Database"), database));
    }
    for item in params.objects("TablePrivileges")?.unwrap_or_default() {
        item.only(&["Database", "Table", "Privileges"])?;
        let key = (
            item.required_string("Database")?.to_owned(),
            item.required_string("Table")?.to_owned(),
        );
        let names = item.required_strings("Privileges")?;
        let set = checked(CdbLevel::Table, &names, &item.name("Privileges"))?;
        add(&mut requested.privileges.tables, key.clone(), set);
        requested.tables.push((item.name("Table"), key));
    }
    for item in params.objects("ColumnPrivileges")?.unwrap_or_default() {
        item.only(&["Database", "Table", "Column", "Privileges"])?;
        let key = (
            item.required_string("Database")?.to_owned(),
            item.required_string("Table")?.to_owned(),
            item.required_string("Column")?.to_owned(),
        );
        let names = item.required_strings("Privileges")?;
        let set = checked(CdbLevel::Column, &names, &item.name("Privileges"))?;
        add(&mut requested.privileges.columns, key.clone(), set);
        requested.columns.push((item.name("Column"), key));
    }
    Ok(requested)
}

fn add<K: Ord>(map: &mut BTreeMap<K, BTreeSet<String>>, key: K, privileges: BTreeSet<String>) {
    map.entry(key).or_default().extend(privileges);
}

/// The names as a set, if every one is a privilege of `level` (exactly as the vendor spells it).
fn checked(level: CdbLevel, names: &[&str], path: &str) -> Result<BTreeSet<String>, TencentError> {
    if let Some(bad) = names.iter().find(|name| !level.takes(name)) {
        return Err(TencentError::new(
            "UnsupportedOperation.PrivilegesUnsupportedError",
            format!(
                "\"{bad}\" ({path}) is not a {} privilege; the {} privileges are: {}.",
                level.as_str(),
                level.as_str(),
                level.allowed().join(", ")
            ),
        ));
    }
    Ok(names.iter().map(|name| (*name).to_owned()).collect())
}

/// `{Status, Info}` of a task; its change is made before `SUCCESS` is answered.
async fn describe_async_request_info(
    state: &SimState,
    params: &Params<'_>,
) -> Result<Value, TencentError> {
    params.only(&["AsyncRequestId"])?;
    let id = params.required_string("AsyncRequestId")?;
    state.settle_tasks().await.map_err(internal)?;
    let (status, info) = state.task_status(id).ok_or_else(|| {
        TencentError::new(
            "InvalidParameter.InvalidAsyncRequestId",
            format!("The AsyncRequestId \"{id}\" does not exist."),
        )
    })?;
    Ok(json!({ "Status": status.as_str(), "Info": info }))
}

/// Every privilege of one account, per level, in the shapes ModifyAccountPrivileges takes.
async fn describe_account_privileges(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&["InstanceId", "User", "Host"])?;
    let instance_id = params.required_string("InstanceId")?;
    let user = params.required_string("User")?;
    let host = params.required_string("Host")?;
    {
        let instances = state.cdb().instances();
        find_account(find_instance(&instances, instance_id, region)?, user, host)?;
    }
    state.settle_tasks().await.map_err(internal)?;
    let held = state
        .cdb()
        .backend()
        .privileges(instance_id, user, host)
        .await
        .map_err(internal)?;
    let mut account = CdbAccount::new(user, host);
    account.set_privileges(&held);
    Ok(json!({
        "GlobalPrivileges": account.global_privileges,
        "DatabasePrivileges": account.database_privileges.iter().map(|p| json!({
            "Database": p.database, "Privileges": p.privileges,
        })).collect::<Vec<_>>(),
        "TablePrivileges": account.table_privileges.iter().map(|p| json!({
            "Database": p.database, "Table": p.table, "Privileges": p.privileges,
        })).collect::<Vec<_>>(),
        "ColumnPrivileges": account.column_privileges.iter().map(|p| json!({
            "Database": p.database, "Table": p.table, "Column": p.column,
            "Privileges": p.privileges,
        })).collect::<Vec<_>>(),
    }))
}

/// The instance's accounts, filtered by the regexps, a page at a time.
fn describe_accounts(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&[
        "InstanceId",
        "Offset",
        "Limit",
        "AccountRegexp",
        "HostRegexp",
        "SortBy",
        "OrderBy",
    ])?;
    let instance_id = params.required_string("InstanceId")?;
    // Every account was created, modified and given its password when the fixture loaded, so
    // each of these orders is the fixture's; only the direction changes it.
    match params.string("OrderBy")? {
        None | Some("" | "CreateTime" | "ModifyTime" | "ModifyPasswordTime") => {}
        Some(other) => {
            return Err(TencentError::new(
                "InvalidParameterValue",
                format!(
                    "OrderBy \"{other}\" is not one of CreateTime, ModifyTime, ModifyPasswordTime."
                ),
            ))
        }
    }
    let descending = match params.string("SortBy")? {
        None | Some("") => false,
        Some(text) if text.eq_ignore_ascii_case("asc") => false,
        Some(text) if text.eq_ignore_ascii_case("desc") => true,
        Some(other) => {
            return Err(TencentError::new(
                "InvalidParameterValue",
                format!("SortBy \"{other}\" is not one of ASC, DESC."),
            ))
        }
    };
    let offset = params.integer("Offset")?.unwrap_or(0);
    let limit = params.integer("Limit")?.unwrap_or(DEFAULT_LIMIT);
    if offset < 0 {
        return Err(TencentError::new(
            "InvalidParameterValue",
            format!("Offset {offset} must not be negative."),
        ));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(TencentError::new(
            "InvalidParameterValue",
            format!("Limit {limit} must be between 1 and {MAX_LIMIT}."),
        ));
    }
    let pattern = |field: &str| -> Result<Option<Pattern>, TencentError> {
        match params.string(field)? {
            None | Some("") => Ok(None),
            Some(text) => Pattern::compile(text).map(Some).map_err(|why| {
                TencentError::new(
                    "InternalError.RegexpCompileError",
                    format!("{field} \"{text}\" cannot be compiled: {why}."),
                )
            }),
        }
    };
    let account_pattern = pattern("AccountRegexp")?;
    let host_pattern = pattern("HostRegexp")?;
    let created = clock::tencent_time(state.loaded_at());
    let instances = state.cdb().instances();
    let instance = find_instance(&instances, instance_id, region)?;
    let mut matching: Vec<&CdbAccount> = instance
        .accounts
        .iter()
        .filter(|a| account_pattern.as_ref().is_none_or(|p| p.is_match(&a.user)))
        .filter(|a| host_pattern.as_ref().is_none_or(|p| p.is_match(&a.host)))
        .collect();
    if descending {
        matching.reverse();
    }
    // Both were checked to be non-negative above.
    let (offset, limit) = (
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(0),
    );
    let items: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|account| {
            json!({
                "User": account.user,
                "Host": account.host,
                "Notes": account.notes,
                "CreateTime": created,
                "ModifyTime": created,
                "ModifyPasswordTime": created,
                "MaxUserConnections": MAX_USER_CONNECTIONS,
                "OpenCam": false,
            })
        })
        .collect();
    Ok(json!({
        "TotalCount": matching.len(),
        "Items": items,
        "MaxUserConnections": MAX_USER_CONNECTIONS,
    }))
}

/// The instance, which must be in the call's region when the call names one.
fn find_instance<'a>(
    instances: &'a [CdbInstance],
    id: &str,
    region: Option<&str>,
) -> Result<&'a CdbInstance, TencentError> {
    let not_found = |detail: String| {
        TencentError::new(
            "InvalidParameter.InstanceNotFound",
            format!("The instance \"{id}\" does not exist{detail}."),
        )
    };
    let instance = instances
        .iter()
        .find(|i| i.instance_id == id)
        .ok_or_else(|| not_found(String::new()))?;
    match region.filter(|region| !region.is_empty()) {
        Some(region) if region != instance.region => Err(not_found(format!(" in region {region}"))),
        _ => Ok(instance),
    }
}

fn find_account<'a>(
    instance: &'a CdbInstance,
    user: &str,
    host: &str,
) -> Result<&'a CdbAccount, TencentError> {
    instance
        .accounts
        .iter()
        .find(|a| a.user == user && a.host == host)
        .ok_or_else(|| {
            TencentError::new(
                "InvalidParameterValue.UserNotExistError",
                format!(
                    "The account {user}@{host} does not exist in instance {}.",
                    instance.instance_id
                ),
            )
        })
}

fn internal(error: crate::backend::error::BackendError) -> TencentError {
    TencentError::new("InternalError", error.to_string())
}
