//! TDSQL for MySQL (service `mariadb`, version 2017-03-12): ModifyAccountPrivileges and its
//! flow (DescribeFlow), DescribeAccountPrivileges one scope at a time, and the discovery calls
//! an import needs: DescribeAccounts, DescribeDatabases, DescribeDatabaseObjects,
//! DescribeDatabaseTable.

pub(crate) mod backend;
pub(crate) mod fixture;
pub(crate) mod legacy;
pub(crate) mod privileges;
pub(crate) mod state;

use std::collections::BTreeSet;

use serde_json::{json, Value};

use self::backend::MariadbAccountKey;
use self::fixture::{MariadbDatabase, MariadbInstance, MariadbStatus};
use self::privileges::{MariadbChange, MariadbLevel, GLOBAL};
use crate::clock;
use crate::state::SimState;
use crate::tasks::{TaskChange, TaskFailure, TaskStatus};
use crate::tencent::errors::TencentError;
use crate::tencent::params::{CallParams, Params};

pub(crate) const SERVICE: &str = "mariadb";
pub(crate) const VERSION: &str = "2017-03-12";
pub(crate) const ACTIONS: &[&str] = &[
    "ModifyAccountPrivileges",
    "DescribeFlow",
    "DescribeAccountPrivileges",
    "DescribeAccounts",
    "DescribeDatabases",
    "DescribeDatabaseObjects",
    "DescribeDatabaseTable",
];

/// The instance's own super user, which no call may change.
const SUPER_USER: &str = "tdsql";

/// The connection limit every account reports.
const MAX_USER_CONNECTIONS: u32 = 10240;

/// The actions that start a flow (and so take `task_status` faults).
pub(crate) fn starts_task(action: &str) -> bool {
    action == "ModifyAccountPrivileges"
}

/// Answers one TDSQL action; `action` is one of [`ACTIONS`].
pub(crate) async fn handle(
    state: &SimState,
    action: &str,
    params: &CallParams,
    region: Option<&str>,
    task_failure: Option<TaskFailure>,
) -> Result<Value, TencentError> {
    let params = Params::of(params)?;
    state.mariadb().refresh().await.map_err(internal)?;
    match action {
        "ModifyAccountPrivileges" => {
            modify_account_privileges(state, &params, region, task_failure)
        }
        "DescribeFlow" => describe_flow(state, &params).await,
        "DescribeAccountPrivileges" => describe_account_privileges(state, &params, region).await,
        "DescribeAccounts" => describe_accounts(state, &params, region),
        "DescribeDatabases" => describe_databases(state, &params, region),
        "DescribeDatabaseObjects" => describe_database_objects(state, &params, region),
        "DescribeDatabaseTable" => describe_database_table(state, &params, region),
        other => Err(TencentError::invalid_action(SERVICE, other)),
    }
}

/// Checks the whole call, then starts the flow that makes the change when it succeeds. A list
/// sent replaces its level; a list left out keeps it.
fn modify_account_privileges(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
    task_failure: Option<TaskFailure>,
) -> Result<Value, TencentError> {
    let mut known = vec!["InstanceId", "Accounts", "GlobalPrivileges"];
    known.extend(MariadbLevel::ALL.iter().map(|level| level.list()));
    params.only(&known)?;
    let instance_id = params.required_string("InstanceId")?;
    let accounts = read_accounts(params)?;
    let mut change = MariadbChange::default();
    if let Some(names) = params.strings("GlobalPrivileges")? {
        change.global = Some(checked(GLOBAL, "global", &names, "GlobalPrivileges")?);
    }
    let mut named = Vec::new();
    for level in MariadbLevel::ALL {
        let Some(items) = params.objects(level.list())? else {
            continue;
        };
        let scopes = change.levels.entry(level).or_default();
        for item in items {
            let mut fields = level.fields().to_vec();
            fields.push("Privileges");
            item.only(&fields)?;
            let names = level
                .fields()
                .iter()
                .map(|field| item.required_string(field).map(str::to_owned))
                .collect::<Result<Vec<String>, _>>()?;
            let privileges = item.required_strings("Privileges")?;
            let set = checked(
                level.allowed(),
                level.as_str(),
                &privileges,
                &item.name("Privileges"),
            )?;
            named.push((item.path().to_owned(), (level, names.clone())));
            scopes.entry(names).or_default().extend(set);
        }
    }
    {
        let instances = state.mariadb().instances();
        let instance = find_instance(&instances, instance_id, region)?;
        for (user, host) in &accounts {
            find_account(instance, user, host)?;
        }
        for (path, scope) in &named {
            if !instance.has(scope) {
                return Err(TencentError::new(
                    "InvalidParameter.GenericParameterError",
                    format!(
                        "The {} `{}` ({path}) does not exist in instance {instance_id}.",
                        scope.0.as_str(),
                        scope.1.join("`.`")
                    ),
                ));
            }
        }
    }
    let task = TaskChange::Mariadb {
        instance: instance_id.to_owned(),
        accounts,
        change,
    };
    let id = state.start_task(task, task_failure);
    // Flow ids are integers; the task book numbers them so.
    let flow_id: u64 = id.parse().unwrap_or_default();
    Ok(json!({ "FlowId": flow_id }))
}

/// `Accounts`: at least one `{User, Host}`, never the super user; one listed twice counts once.
fn read_accounts(params: &Params<'_>) -> Result<Vec<MariadbAccountKey>, TencentError> {
    let items = params.objects("Accounts")?.unwrap_or_default();
    if items.is_empty() {
        return Err(TencentError::missing_parameter("Accounts"));
    }
    let mut accounts: Vec<MariadbAccountKey> = Vec::with_capacity(items.len());
    for item in &items {
        item.only(&["User", "Host"])?;
        let key = (
            item.required_string("User")?.to_owned(),
            item.required_string("Host")?.to_owned(),
        );
        if key.0 == SUPER_USER {
            return Err(super_user_forbidden());
        }
        if !accounts.contains(&key) {
            accounts.push(key);
        }
    }
    Ok(accounts)
}

fn super_user_forbidden() -> TencentError {
    TencentError::new(
        "InvalidParameterValue.SuperUserForbidden",
        format!("The super user `{SUPER_USER}` of the instance cannot be operated on."),
    )
}

/// The names as a set, if every one is a privilege of the level (exactly as the vendor spells it).
fn checked(
    allowed: &[&str],
    level: &str,
    names: &[&str],
    path: &str,
) -> Result<BTreeSet<String>, TencentError> {
    if let Some(bad) = names.iter().find(|name| !allowed.contains(name)) {
        return Err(TencentError::new(
            "InvalidParameterValue.BadUserRight",
            format!(
                "\"{bad}\" ({path}) is not a {level} privilege; the {level} privileges are: {}.",
                allowed.join(", ")
            ),
        ));
    }
    Ok(names.iter().map(|name| (*name).to_owned()).collect())
}

/// `Status` of a flow: 0 succeeded, 1 failed, 2 running. Its change is made before 0 is answered.
async fn describe_flow(state: &SimState, params: &Params<'_>) -> Result<Value, TencentError> {
    params.only(&["FlowId"])?;
    let id = params
        .integer("FlowId")?
        .ok_or_else(|| TencentError::missing_parameter("FlowId"))?;
    state.settle_tasks().await.map_err(internal)?;
    let (status, _) = state.task_status(&id.to_string()).ok_or_else(|| {
        TencentError::new(
            "InvalidParameter.FlowNotFound",
            format!("The flow {id} does not exist."),
        )
    })?;
    let code = match status {
        TaskStatus::Success => 0,
        TaskStatus::Initial | TaskStatus::Running => 2,
        TaskStatus::Failed | TaskStatus::Killed | TaskStatus::Removed => 1,
    };
    Ok(json!({ "Status": code }))
}

/// What the account holds on one scope: `DbName` `*` is global; a database with `Type` `*` is
/// the database itself; `Type` `table`, `view`, `proc` or `func` with `Object` is that object,
/// and a table's `ColName` (`*`, or absent, for the table) one of its columns.
async fn describe_account_privileges(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&[
        "InstanceId",
        "UserName",
        "Host",
        "DbName",
        "Type",
        "Object",
        "ColName",
    ])?;
    let instance_id = params.required_string("InstanceId")?;
    let user = params.required_string("UserName")?;
    let host = params.required_string("Host")?;
    let database = params.required_string("DbName")?;
    let scope = read_scope(params, database)?;
    {
        let instances = state.mariadb().instances();
        find_account(find_instance(&instances, instance_id, region)?, user, host)?;
    }
    state.settle_tasks().await.map_err(internal)?;
    let held = state
        .mariadb()
        .backend()
        .privileges(instance_id, user, host)
        .await
        .map_err(internal)?;
    let (names, allowed): (BTreeSet<String>, &[&str]) = match &scope {
        None => (held.global.clone(), GLOBAL),
        Some(scope) => (
            held.scoped.get(scope).cloned().unwrap_or_default(),
            scope.0.allowed(),
        ),
    };
    Ok(json!({
        "InstanceId": instance_id,
        "UserName": user,
        "Host": host,
        "Privileges": crate::listed_order::in_listed_order(&names, allowed),
    }))
}

/// The scope a DescribeAccountPrivileges names (`None`: global).
fn read_scope(
    params: &Params<'_>,
    database: &str,
) -> Result<Option<privileges::Scope>, TencentError> {
    if database == "*" {
        return Ok(None);
    }
    let bad =
        |message: String| TencentError::new("InvalidParameter.GenericParameterError", message);
    let kind = params.required_string("Type")?;
    if kind == "*" {
        return Ok(Some((MariadbLevel::Database, vec![database.to_owned()])));
    }
    let object = params
        .string("Object")?
        .filter(|object| !object.is_empty() && *object != "*")
        .ok_or_else(|| {
            bad(format!(
                "Object must name the {kind} whose privileges are read; it cannot be empty or `*`."
            ))
        })?;
    let names = vec![database.to_owned(), object.to_owned()];
    let level = match kind {
        "table" => match params.string("ColName")? {
            None | Some("" | "*") => MariadbLevel::Table,
            Some(column) => {
                let mut names = names;
                names.push(column.to_owned());
                return Ok(Some((MariadbLevel::Column, names)));
            }
        },
        "view" => MariadbLevel::View,
        "proc" => MariadbLevel::Procedure,
        "func" => MariadbLevel::Function,
        other => {
            return Err(bad(format!(
                "Type `{other}` is not one of table, view, proc, func, *."
            )))
        }
    };
    Ok(Some((level, names)))
}

/// The instance's accounts.
fn describe_accounts(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&["InstanceId"])?;
    let instance_id = params.required_string("InstanceId")?;
    let created = clock::tencent_time(state.loaded_at());
    let instances = state.mariadb().instances();
    let instance = find_instance(&instances, instance_id, region)?;
    let users: Vec<Value> = instance
        .accounts
        .iter()
        .map(|account| {
            json!({
                "UserName": account.user,
                "Host": account.host,
                "Description": "",
                "CreateTime": created,
                "UpdateTime": created,
                "ReadOnly": 0,
                "DelayThresh": 10,
                "SlaveConst": 0,
                "MaxUserConnections": MAX_USER_CONNECTIONS,
            })
        })
        .collect();
    Ok(json!({ "InstanceId": instance_id, "Users": users }))
}

fn describe_databases(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&["InstanceId"])?;
    let instance_id = params.required_string("InstanceId")?;
    let instances = state.mariadb().instances();
    let instance = find_instance(&instances, instance_id, region)?;
    let databases: Vec<Value> = instance
        .databases
        .iter()
        .map(|database| json!({ "DbName": database.name }))
        .collect();
    Ok(json!({ "InstanceId": instance_id, "Databases": databases }))
}

/// The tables, views, procedures and functions of one database.
fn describe_database_objects(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&["InstanceId", "DbName"])?;
    let instance_id = params.required_string("InstanceId")?;
    let name = params.required_string("DbName")?;
    let instances = state.mariadb().instances();
    let database = find_database(find_instance(&instances, instance_id, region)?, name)?;
    let listed = |key: &str, names: &mut dyn Iterator<Item = &String>| -> Vec<Value> {
        names.map(|name| json!({ key: name })).collect()
    };
    Ok(json!({
        "InstanceId": instance_id,
        "DbName": name,
        "Tables": listed("Table", &mut database.tables.iter().map(|t| &t.name)),
        "Views": listed("View", &mut database.views.iter()),
        "Procs": listed("Proc", &mut database.procedures.iter()),
        "Funcs": listed("Func", &mut database.functions.iter()),
    }))
}

/// The columns of one table.
fn describe_database_table(
    state: &SimState,
    params: &Params<'_>,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    params.only(&["InstanceId", "DbName", "Table"])?;
    let instance_id = params.required_string("InstanceId")?;
    let name = params.required_string("DbName")?;
    let table_name = params.required_string("Table")?;
    let instances = state.mariadb().instances();
    let database = find_database(find_instance(&instances, instance_id, region)?, name)?;
    let table = database
        .tables
        .iter()
        .find(|t| t.name == table_name)
        .ok_or_else(|| {
            TencentError::new(
                "InvalidParameter.GenericParameterError",
                format!("The table `{name}`.`{table_name}` does not exist."),
            )
        })?;
    // The fixture names columns only; every one is reported as the same type.
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|column| json!({ "Col": column, "Type": "varchar(255)" }))
        .collect();
    Ok(json!({
        "InstanceId": instance_id,
        "DbName": name,
        "Table": table_name,
        "Cols": columns,
    }))
}

/// The instance, which must be in the call's region when the call names one, and running.
fn find_instance<'a>(
    instances: &'a [MariadbInstance],
    id: &str,
    region: Option<&str>,
) -> Result<&'a MariadbInstance, TencentError> {
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
    if let Some(region) = region.filter(|region| !region.is_empty() && **region != instance.region)
    {
        return Err(not_found(format!(" in region {region}")));
    }
    match instance.status {
        MariadbStatus::Running => Ok(instance),
        MariadbStatus::Deleted => Err(TencentError::new(
            "ResourceUnavailable.InstanceAlreadyDeleted",
            format!("The instance \"{id}\" has been deleted."),
        )),
        MariadbStatus::Abnormal => Err(TencentError::new(
            "ResourceUnavailable.InstanceStatusAbnormal",
            format!("The instance \"{id}\" is in an abnormal status and cannot be operated on."),
        )),
    }
}

fn find_account(instance: &MariadbInstance, user: &str, host: &str) -> Result<(), TencentError> {
    if instance
        .accounts
        .iter()
        .any(|a| a.user == user && a.host == host)
    {
        return Ok(());
    }
    Err(TencentError::new(
        "ResourceNotFound.AccountDoesNotExist",
        format!(
            "The account {user}@{host} does not exist in instance {}.",
            instance.instance_id
        ),
    ))
}

fn find_database<'a>(
    instance: &'a MariadbInstance,
    name: &str,
) -> Result<&'a MariadbDatabase, TencentError> {
    instance
        .databases
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| {
            TencentError::new(
                "InvalidParameter.GenericParameterError",
                format!(
                    "The database `{name}` does not exist in instance {}.",
                    instance.instance_id
                ),
            )
        })
}

fn internal(error: crate::backend::error::BackendError) -> TencentError {
    TencentError::new("InternalError.DbOperationFailed", error.to_string())
}
