//! TencentDB for PostgreSQL (version 2017-03-12): ModifyAccountPrivileges,
//! DescribeAccountPrivileges, DescribeAccounts.

pub(crate) mod backend;
pub(crate) mod fixture;
pub(crate) mod privileges;
pub(crate) mod state;

use std::collections::BTreeSet;

use serde_json::{json, Value};

use self::privileges::{
    valid_account_name, ObjectField, ObjectProblem, PostgresAccountType, PostgresChange,
    PostgresObject, PostgresObjectType,
};
use crate::clock;
use crate::fixture::{PostgresAccount, PostgresInstance};
use crate::listed_order::in_listed_order;
use crate::state::SimState;
use crate::tencent::errors::TencentError;
use crate::tencent::params::{CallParams, Params};

pub(crate) const SERVICE: &str = "postgres";
pub(crate) const VERSION: &str = "2017-03-12";
pub(crate) const ACTIONS: &[&str] = &[
    "ModifyAccountPrivileges",
    "DescribeAccountPrivileges",
    "DescribeAccounts",
];

/// The most items one ModifyAccountPrivileges (and one DescribeAccountPrivileges) takes.
const MAX_ITEMS: usize = 50;

/// DescribeAccounts' `Limit`: default and largest.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

/// `Status` of an account in DescribeAccounts: 2 is "normal" (1 creating, 3 modifying,
/// 4 resetting its password, -1 deleting).
const ACCOUNT_STATUS_NORMAL: i64 = 2;

/// The regions the vendor lists for the service.
const REGIONS: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-tokyo",
    "eu-frankfurt",
    "na-ashburn",
    "na-siliconvalley",
    "sa-saopaulo",
];

/// Answers one PostgreSQL action; `action` is one of [`ACTIONS`], `region` is `X-TC-Region`.
pub(crate) async fn handle(
    state: &SimState,
    action: &str,
    params: &CallParams,
    region: Option<&str>,
) -> Result<Value, TencentError> {
    let region = check_region(state, region)?;
    let params = Params::of(params)?;
    state.postgres().refresh().await.map_err(internal)?;
    match action {
        "ModifyAccountPrivileges" => modify_account_privileges(state, &params, region).await,
        "DescribeAccountPrivileges" => describe_account_privileges(state, &params, region).await,
        "DescribeAccounts" => describe_accounts(state, &params, region).await,
        other => Err(TencentError::invalid_action(SERVICE, other)),
    }
}

/// `X-TC-Region` must be sent and be a region of the service (or of a fixture instance).
fn check_region<'a>(state: &SimState, region: Option<&'a str>) -> Result<&'a str, TencentError> {
    let region = region.filter(|r| !r.is_empty()).ok_or_else(|| {
        TencentError::new(
            "MissingParameter",
            "The request is missing a required parameter `Region` (X-TC-Region).",
        )
    })?;
    if !REGIONS.contains(&region)
        && !state
            .postgres()
            .instances()
            .iter()
            .any(|i| i.region == region)
    {
        return Err(TencentError::new(
            "UnsupportedRegion",
            format!("The region `{region}` is not supported by service postgres."),
        ));
    }
    Ok(region)
}

/// One item of ModifyPrivilegeSet, checked.
#[derive(Debug)]
enum Step {
    Change(PostgresChange),
    AlterRole(PostgresAccountType),
}

/// Checks every item, then makes every change, in order.
async fn modify_account_privileges(
    state: &SimState,
    params: &Params<'_>,
    region: &str,
) -> Result<Value, TencentError> {
    params.only(&["DBInstanceId", "UserName", "ModifyPrivilegeSet"])?;
    let instance_id = params.required_string("DBInstanceId")?;
    let user = account_name(params.required_string("UserName")?)?;
    let items = params
        .objects("ModifyPrivilegeSet")?
        .ok_or_else(|| TencentError::missing_parameter("ModifyPrivilegeSet"))?;
    count_items("ModifyPrivilegeSet", items.len())?;
    let steps = items
        .iter()
        .map(|item| read_step(item, user))
        .collect::<Result<Vec<_>, _>>()?;
    {
        let instances = state.postgres().instances();
        let instance = find_instance(&instances, instance_id, region)?;
        find_account(instance, user)?;
        for step in &steps {
            if let Step::Change(
                PostgresChange::Grant { object, .. } | PostgresChange::Revoke { object, .. },
            ) = step
            {
                object_exists(instance, object)?;
            }
        }
    }
    let changes: Vec<PostgresChange> = steps
        .iter()
        .filter_map(|step| match step {
            Step::Change(change) => Some(change.clone()),
            Step::AlterRole(_) => None,
        })
        .collect();
    if !changes.is_empty() {
        state
            .postgres()
            .backend()
            .modify(instance_id, user, &changes)
            .await
            .map_err(internal)?;
    }
    let new_type = steps.iter().rev().find_map(|step| match step {
        Step::AlterRole(account_type) => Some(*account_type),
        Step::Change(_) => None,
    });
    if let Some(account_type) = new_type {
        state
            .postgres()
            .backend()
            .set_account_type(instance_id, user, account_type)
            .await
            .map_err(internal)?;
    }
    Ok(json!({}))
}

/// Reads and checks one `ModifyPrivilege`.
fn read_step(item: &Params<'_>, user: &str) -> Result<Step, TencentError> {
    item.only(&["DatabasePrivilege", "ModifyType", "IsCascade"])?;
    let modify_type = item.required_string("ModifyType")?;
    let cascade = item.boolean("IsCascade")?.unwrap_or(false);
    let privilege = item.required_object("DatabasePrivilege")?;
    privilege.only(&["Object", "PrivilegeSet"])?;
    let object = read_object(&privilege.required_object("Object")?)?;
    let names = privilege.required_strings("PrivilegeSet")?;
    let path = item.path();
    let is_account = object.object_type == PostgresObjectType::Account;
    match modify_type {
        "alterRole" => {
            if !is_account {
                return Err(check_error(format!(
                    "{path}: alterRole changes an account's type; its Object must be \
                     {{ObjectType: account, ObjectName: \"{user}\"}}, not a {}.",
                    object.object_type
                )));
            }
            if object.object_name != user {
                return Err(check_error(format!(
                    "{path}: alterRole may only change the type of UserName \"{user}\", not of \
                     \"{}\".",
                    object.object_name
                )));
            }
            match names[..] {
                [name] => PostgresAccountType::from_api(name)
                    .map(Step::AlterRole)
                    .ok_or_else(|| {
                        check_error(format!(
                            "{path}: alterRole takes PrivilegeSet [\"tencentDBSuper\"] or \
                             [\"normal\"], not [\"{name}\"]."
                        ))
                    }),
                _ => Err(check_error(format!(
                    "{path}: alterRole takes exactly one of \"tencentDBSuper\" and \"normal\" in \
                     PrivilegeSet, not {} values.",
                    names.len()
                ))),
            }
        }
        "grantObject" | "revokeObject" => {
            if is_account {
                return Err(check_error(format!(
                    "{path}: {modify_type} takes a database object; an account's type changes \
                     with alterRole."
                )));
            }
            if names.is_empty() {
                return Err(check_error(format!(
                    "{path}: PrivilegeSet must list at least one privilege."
                )));
            }
            let allowed = object.object_type.privileges();
            if let Some(bad) = names.iter().find(|name| !allowed.contains(*name)) {
                return Err(check_error(format!(
                    "{path}: \"{bad}\" is not a privilege of a {}; it takes {}.",
                    object.object_type,
                    allowed.join(", ")
                )));
            }
            let privileges: BTreeSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
            Ok(Step::Change(if modify_type == "grantObject" {
                PostgresChange::Grant { object, privileges }
            } else {
                PostgresChange::Revoke {
                    object,
                    privileges,
                    cascade,
                }
            }))
        }
        other => Err(check_error(format!(
            "{path}: ModifyType \"{other}\" is not one of grantObject, revokeObject, alterRole."
        ))),
    }
}

/// Reads a `DatabaseObject`: its type, the name fields the type requires, and the names' rules.
fn read_object(params: &Params<'_>) -> Result<PostgresObject, TencentError> {
    params.only(&[
        "ObjectType",
        "ObjectName",
        "DatabaseName",
        "SchemaName",
        "TableName",
    ])?;
    let type_name = params.required_string("ObjectType")?;
    let object_type = PostgresObjectType::from_api(type_name).ok_or_else(|| {
        let types: Vec<&str> = PostgresObjectType::ALL.iter().map(|t| t.as_str()).collect();
        check_error(format!(
            "{}: ObjectType \"{type_name}\" is not one of {}.",
            params.path(),
            types.join(", ")
        ))
    })?;
    let field =
        |name: &str| -> Result<&str, TencentError> { Ok(params.string(name)?.unwrap_or_default()) };
    let object_name = field("ObjectName")?;
    let object = PostgresObject::new(
        object_type,
        object_name,
        field("DatabaseName")?,
        field("SchemaName")?,
        field("TableName")?,
    )
    .map_err(|problem| match problem {
        ObjectProblem::Missing(ObjectField::ObjectName) => {
            TencentError::missing_parameter(&params.name("ObjectName"))
        }
        ObjectProblem::Missing(field) => check_error(format!(
            "{}: ObjectType {object_type} needs {}.",
            params.path(),
            field.api_name()
        )),
        ObjectProblem::BadName { field, name } => TencentError::new(
            "InvalidParameterValue.InvalidDatabaseObjectName",
            format!(
                "{} \"{name}\" ({}) is not a valid name: use English letters, digits, \
                 underscores and []{}.",
                field.api_name(),
                params.path(),
                if field == ObjectField::ObjectName && object_type.takes_signature() {
                    ", and for functions and procedures ( ) ,"
                } else {
                    ""
                }
            ),
        ),
    })?;
    if object_type == PostgresObjectType::Account {
        account_name(&object.object_name)?;
    }
    Ok(object)
}

/// What an account holds on each object asked for.
async fn describe_account_privileges(
    state: &SimState,
    params: &Params<'_>,
    region: &str,
) -> Result<Value, TencentError> {
    params.only(&["DBInstanceId", "UserName", "DatabaseObjectSet"])?;
    let instance_id = params.required_string("DBInstanceId")?;
    let user = account_name(params.required_string("UserName")?)?;
    let items = params
        .objects("DatabaseObjectSet")?
        .ok_or_else(|| TencentError::missing_parameter("DatabaseObjectSet"))?;
    count_items("DatabaseObjectSet", items.len())?;
    let objects = items
        .iter()
        .map(read_object)
        .collect::<Result<Vec<_>, _>>()?;
    {
        let instances = state.postgres().instances();
        let instance = find_instance(&instances, instance_id, region)?;
        find_account(instance, user)?;
        for object in &objects {
            object_exists(instance, object)?;
        }
    }
    let supers = state
        .postgres()
        .backend()
        .super_accounts(instance_id)
        .await
        .map_err(internal)?;
    // An account's "privilege" is its type.
    let account_types: Vec<Option<PostgresAccountType>> = objects
        .iter()
        .map(|object| {
            (object.object_type == PostgresObjectType::Account).then(|| {
                if supers.contains(&object.object_name) {
                    PostgresAccountType::TencentDbSuper
                } else {
                    PostgresAccountType::Normal
                }
            })
        })
        .collect();
    let held = state
        .postgres()
        .backend()
        .privileges(instance_id, user)
        .await
        .map_err(internal)?;
    let entries: Vec<Value> = objects
        .iter()
        .zip(account_types)
        .map(|(object, account_type)| {
            let privileges = match account_type {
                Some(account_type) => vec![account_type.as_str().to_owned()],
                None => held
                    .get(object)
                    .map(|set| in_listed_order(set, object.object_type.privileges()))
                    .unwrap_or_default(),
            };
            json!({
                "Object": {
                    "ObjectType": object.object_type.as_str(),
                    "ObjectName": object.object_name,
                    "DatabaseName": object.database_name,
                    "SchemaName": object.schema_name,
                    "TableName": object.table_name,
                },
                "PrivilegeSet": privileges,
            })
        })
        .collect();
    Ok(json!({ "PrivilegeSet": entries }))
}

/// The instance's accounts, a page at a time.
async fn describe_accounts(
    state: &SimState,
    params: &Params<'_>,
    region: &str,
) -> Result<Value, TencentError> {
    params.only(&["DBInstanceId", "Limit", "Offset", "OrderBy", "OrderByType"])?;
    let instance_id = params.required_string("DBInstanceId")?;
    let bad_value = |message: String| {
        TencentError::new("InvalidParameterValue.InvalidParameterValueError", message)
    };
    let limit = params.integer("Limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_value(format!(
            "Limit {limit} must be between 1 and {MAX_LIMIT}."
        )));
    }
    let offset = params.integer("Offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(bad_value(format!("Offset {offset} must not be negative.")));
    }
    let by_name = match params.string("OrderBy")? {
        None | Some("") | Some("createTime") | Some("updateTime") => false,
        Some("name") => true,
        Some(other) => {
            return Err(bad_value(format!(
                "OrderBy \"{other}\" is not one of createTime, name, updateTime."
            )))
        }
    };
    let descending = match params.string("OrderByType")? {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(bad_value(format!(
                "OrderByType \"{other}\" is not one of asc, desc."
            )))
        }
    };
    let created = clock::tencent_time(state.loaded_at());
    let mut accounts: Vec<PostgresAccount> = {
        let instances = state.postgres().instances();
        find_instance(&instances, instance_id, region)?
            .accounts
            .clone()
    };
    let supers = state
        .postgres()
        .backend()
        .super_accounts(instance_id)
        .await
        .map_err(internal)?;
    // Every account was created when the fixture loaded, so time order is fixture order.
    if by_name {
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if descending {
        accounts.reverse();
    }
    let (offset, limit) = (
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(0),
    );
    let details: Vec<Value> = accounts
        .iter()
        .skip(offset)
        .take(limit)
        .map(|account| {
            json!({
                "DBInstanceId": instance_id,
                "UserName": account.name,
                "Remark": account.remark,
                "Status": ACCOUNT_STATUS_NORMAL,
                "CreateTime": created,
                "UpdateTime": created,
                "PasswordUpdateTime": created,
                "UserType": if supers.contains(&account.name) {
                    PostgresAccountType::TencentDbSuper
                } else {
                    PostgresAccountType::Normal
                }
                .as_str(),
                "OpenCam": false,
                "PGRoles": [],
            })
        })
        .collect();
    Ok(json!({ "TotalCount": accounts.len(), "Details": details }))
}

/// At least one item, at most [`MAX_ITEMS`].
fn count_items(parameter: &str, count: usize) -> Result<(), TencentError> {
    if count == 0 {
        return Err(check_error(format!(
            "{parameter} must have at least one item."
        )));
    }
    if count > MAX_ITEMS {
        return Err(TencentError::new(
            "InvalidParameterValue.ParameterOutOfRange",
            format!("{parameter} has {count} items; at most {MAX_ITEMS} are allowed per call."),
        ));
    }
    Ok(())
}

/// A name that follows the vendor's account name rule.
fn account_name(name: &str) -> Result<&str, TencentError> {
    if valid_account_name(name) {
        return Ok(name);
    }
    Err(TencentError::new(
        "InvalidParameterValue.InvalidAccountNameFormatError",
        format!(
            "The account name \"{name}\" is invalid: use letters, digits and underscores, start \
             with a letter or an underscore, at most 63 characters; it may not be postgres or \
             start with pg_ or tencentdb_."
        ),
    ))
}

/// The instance, which must be in the call's region.
fn find_instance<'a>(
    instances: &'a [PostgresInstance],
    id: &str,
    region: &str,
) -> Result<&'a PostgresInstance, TencentError> {
    let not_found = |detail: String| {
        TencentError::new(
            "ResourceNotFound.InstanceNotFoundError",
            format!("The instance \"{id}\" does not exist{detail}."),
        )
    };
    let instance = instances
        .iter()
        .find(|i| i.instance_id == id)
        .ok_or_else(|| not_found(String::new()))?;
    if instance.region != region {
        return Err(not_found(format!(" in region {region}")));
    }
    Ok(instance)
}

fn find_account<'a>(
    instance: &'a PostgresInstance,
    name: &str,
) -> Result<&'a PostgresAccount, TencentError> {
    instance
        .accounts
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| {
            TencentError::new(
                "InvalidParameterValue.AccountNotExist",
                format!(
                    "The account \"{name}\" does not exist in instance {}.",
                    instance.instance_id
                ),
            )
        })
}

/// The object must exist; the message names it whole, as the provider reports it.
fn object_exists(instance: &PostgresInstance, object: &PostgresObject) -> Result<(), TencentError> {
    if instance.has_object(object) {
        return Ok(());
    }
    Err(check_error(format!(
        "The {object} does not exist in instance {}.",
        instance.instance_id
    )))
}

fn check_error(message: String) -> TencentError {
    TencentError::new("InvalidParameter.ParameterCheckError", message)
}

fn internal(error: crate::backend::error::BackendError) -> TencentError {
    TencentError::new("InternalError", error.to_string())
}
