//! TDSQL's legacy v2 action, ModifyTdsqlUserPrivileges: one scope per call, set to exactly the
//! privileges passed, at once (v2 has no flow).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::fixture::MariadbStatus;
use super::privileges::{MariadbChange, MariadbLevel, GLOBAL};
use crate::state::SimState;
use crate::tencent::legacy::{value_of, values, LegacyError, Pairs};

pub(crate) const ACTION: &str = "ModifyTdsqlUserPrivileges";

const VERSION: &str = "2017-03-12";

/// The scope of the call (`None`: global) and how it names it.
struct Named {
    scope: Option<(MariadbLevel, Vec<String>)>,
}

pub(crate) async fn modify(state: &SimState, pairs: &Pairs) -> Result<Value, LegacyError> {
    state.mariadb().refresh().await.map_err(internal)?;
    let text = |name: &str| value_of(pairs, name).unwrap_or_default();
    let required = |name: &str| {
        value_of(pairs, name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                LegacyError::invalid_parameter(format!("The parameter `{name}` is missing."))
            })
    };
    if text("Version") != VERSION {
        return Err(LegacyError::invalid_parameter(format!(
            "Version must be {VERSION}, not `{}`.",
            text("Version")
        )));
    }
    let instance_id = required("CdbInstanceId")?;
    let user = required("UserName")?;
    let host = required("Host")?;
    if user == "tdsql" {
        return Err(LegacyError::new(
            9003,
            "SuperUserForbidden",
            "The super user `tdsql` of the instance cannot be operated on.",
        ));
    }
    let database = required("DbName")?;
    let named = read_scope(pairs, &database)?;
    // The vendor's example writes privileges in lower case; they are compared in upper case.
    let privileges: BTreeSet<String> = values(pairs, "Privileges")
        .iter()
        .map(|p| p.to_ascii_uppercase())
        .collect();
    let (allowed, level_name): (&[&str], &str) = match &named.scope {
        None => (GLOBAL, "global"),
        Some((level, _)) => (level.allowed(), level.as_str()),
    };
    if let Some(bad) = privileges.iter().find(|p| !allowed.contains(&p.as_str())) {
        return Err(LegacyError::new(
            9003,
            "BadUserRight",
            format!(
                "\"{bad}\" is not a {level_name} privilege; they are: {}.",
                allowed.join(", ")
            ),
        ));
    }
    {
        let instances = state.mariadb().instances();
        let instance = instances
            .iter()
            .find(|i| i.instance_id == instance_id)
            .ok_or_else(|| {
                LegacyError::new(
                    9572,
                    "InstanceNotExists",
                    format!("The instance {instance_id} does not exist."),
                )
            })?;
        match instance.status {
            MariadbStatus::Running => {}
            MariadbStatus::Deleted => {
                return Err(LegacyError::new(
                    9003,
                    "InstanceAlreadyDeleted",
                    "The instance has been deleted.",
                ))
            }
            MariadbStatus::Abnormal => {
                return Err(LegacyError::new(
                    9003,
                    "InstanceStatusAbnormal",
                    "The instance is in an abnormal status and cannot be operated on.",
                ))
            }
        }
        if !instance
            .accounts
            .iter()
            .any(|a| a.user == user && a.host == host)
        {
            return Err(LegacyError::new(
                9003,
                "UserNotExists",
                format!("The account {user}@{host} does not exist in instance {instance_id}."),
            ));
        }
        if let Some(scope) = &named.scope {
            if !instance.has(scope) {
                return Err(LegacyError::invalid_parameter(format!(
                    "The {} `{}` does not exist in instance {instance_id}.",
                    scope.0.as_str(),
                    scope.1.join("`.`")
                )));
            }
        }
    }
    state.settle_tasks().await.map_err(internal)?;
    let backend = state.mariadb().backend();
    let held = backend
        .privileges(&instance_id, &user, &host)
        .await
        .map_err(internal)?;
    let change = match named.scope {
        None => MariadbChange {
            global: Some(privileges),
            ..MariadbChange::default()
        },
        // A change sets whole levels: the level as held, with this scope set.
        Some((level, names)) => {
            let mut scopes: BTreeMap<Vec<String>, BTreeSet<String>> = held
                .level(level)
                .map(|(names, privileges)| (names.clone(), privileges.clone()))
                .collect();
            scopes.insert(names, privileges);
            MariadbChange {
                global: None,
                levels: BTreeMap::from([(level, scopes)]),
            }
        }
    };
    backend
        .modify(&instance_id, &[(user.clone(), host.clone())], &change)
        .await
        .map_err(internal)?;
    Ok(json!({
        "CdbInstanceId": instance_id,
        "UserName": user,
        "Host": host,
        "DbName": database,
        "Type": text("Type"),
        "Object": text("Object"),
        "ColName": text("ColName"),
    }))
}

/// `DbName` `*` is global; a database with `Type` `*` is the database; `Type` `table`, `view`,
/// `proc` or `func` with `Object` is that object, and a table's `ColName` a column.
fn read_scope(pairs: &Pairs, database: &str) -> Result<Named, LegacyError> {
    if database == "*" {
        return Ok(Named { scope: None });
    }
    let text = |name: &str| value_of(pairs, name).unwrap_or_default();
    let kind = text("Type");
    if kind == "*" {
        return Ok(Named {
            scope: Some((MariadbLevel::Database, vec![database.to_owned()])),
        });
    }
    let object = text("Object");
    if object.is_empty() || object == "*" {
        return Err(LegacyError::invalid_parameter(
            "Object must name the object whose privileges are set; it cannot be empty or `*`.",
        ));
    }
    let mut names = vec![database.to_owned(), object];
    let level = match kind.as_str() {
        "table" => match text("ColName").as_str() {
            "" | "*" => MariadbLevel::Table,
            column => {
                names.push(column.to_owned());
                MariadbLevel::Column
            }
        },
        "view" => MariadbLevel::View,
        "proc" => MariadbLevel::Procedure,
        "func" => MariadbLevel::Function,
        other => {
            return Err(LegacyError::invalid_parameter(format!(
                "Type `{other}` is not one of table, view, proc, func, *."
            )))
        }
    };
    Ok(Named {
        scope: Some((level, names)),
    })
}

fn internal(error: crate::backend::error::BackendError) -> LegacyError {
    LegacyError::new(9003, "DbOperationFailed", error.to_string())
}
