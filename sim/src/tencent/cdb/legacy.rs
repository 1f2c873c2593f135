//! CDB's legacy v2 action, ModifyCdbInstanceAccountPrivileges: the account's privileges set to
//! exactly what the call passes, at once (v2 has no task).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::privileges::{CdbChange, CdbLevel, CdbPrivileges};
use crate::state::SimState;
use crate::tencent::legacy::{items, value_of, values, LegacyError, Pairs};

pub(crate) const ACTION: &str = "ModifyCdbInstanceAccountPrivileges";

/// `user`: 1 to 16 letters, digits and underscores, not starting with an underscore.
fn valid_user(user: &str) -> bool {
    (1..=16).contains(&user.len())
        && !user.starts_with('_')
        && user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `host`: 1 to 32 letters, digits and `%`, `.`, `:`.
fn valid_host(host: &str) -> bool {
    (1..=32).contains(&host.len())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'.' | b':'))
}

pub(crate) async fn modify(state: &SimState, pairs: &Pairs) -> Result<Value, LegacyError> {
    state.cdb().refresh().await.map_err(internal)?;
    let required = |name: &str| {
        value_of(pairs, name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                LegacyError::invalid_parameter(format!("The parameter `{name}` is missing."))
            })
    };
    let instance_id = required("cdbInstanceId")?;
    let user = required("user")?;
    let host = required("host")?;
    if !valid_user(&user) {
        return Err(LegacyError::invalid_parameter(format!(
            "user `{user}` must be 1 to 16 letters, digits and underscores, not starting with an underscore."
        )));
    }
    if !valid_host(&host) {
        return Err(LegacyError::invalid_parameter(format!(
            "host `{host}` must be 1 to 32 letters, digits and % . :"
        )));
    }
    let wanted = read_privileges(pairs)?;
    {
        let instances = state.cdb().instances();
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
        if !instance
            .accounts
            .iter()
            .any(|a| a.user == user && a.host == host)
        {
            return Err(LegacyError::invalid_parameter(format!(
                "The account {user}@{host} does not exist in instance {instance_id}."
            )));
        }
        check_objects(instance, &wanted)?;
    }
    state.settle_tasks().await.map_err(internal)?;
    state
        .cdb()
        .backend()
        .modify(&instance_id, &[(user, host)], &CdbChange::Replace(wanted))
        .await
        .map_err(internal)?;
    Ok(json!([]))
}

/// Adds a scope's privileges; a scope without any is no grant.
fn add<K: Ord>(map: &mut BTreeMap<K, BTreeSet<String>>, key: K, set: BTreeSet<String>) {
    if !set.is_empty() {
        map.entry(key).or_default().extend(set);
    }
}

/// `globalPriv.n`, `dbPriv.n.{db, priv.m}`, `tbPriv.n.{db, tb, priv.m}`,
/// `colPriv.n.{db, tb, col, priv.m}`; every name must be one its level takes.
fn read_privileges(pairs: &Pairs) -> Result<CdbPrivileges, LegacyError> {
    let checked = |level: CdbLevel,
                   names: Vec<String>,
                   path: &str|
     -> Result<BTreeSet<String>, LegacyError> {
        match names.iter().find(|name| !level.takes(name)) {
            Some(bad) => Err(LegacyError::invalid_parameter(format!(
                "\"{bad}\" ({path}) is not a {} privilege; the {} privileges are: {}.",
                level.as_str(),
                level.as_str(),
                level.allowed().join(", ")
            ))),
            None => Ok(names.into_iter().collect()),
        }
    };
    let field = |item: &Pairs, name: &str, path: &str| {
        value_of(item, name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                LegacyError::invalid_parameter(format!("The parameter `{path}.{name}` is missing."))
            })
    };
    let mut privileges = CdbPrivileges {
        global: checked(CdbLevel::Global, values(pairs, "globalPriv"), "globalPriv")?,
        ..CdbPrivileges::default()
    };
    for (index, item) in items(pairs, "dbPriv").iter().enumerate() {
        let path = format!("dbPriv.{index}");
        let set = checked(CdbLevel::Database, values(item, "priv"), &path)?;
        add(&mut privileges.databases, field(item, "db", &path)?, set);
    }
    for (index, item) in items(pairs, "tbPriv").iter().enumerate() {
        let path = format!("tbPriv.{index}");
        let set = checked(CdbLevel::Table, values(item, "priv"), &path)?;
        let key = (field(item, "db", &path)?, field(item, "tb", &path)?);
        add(&mut privileges.tables, key, set);
    }
    for (index, item) in items(pairs, "colPriv").iter().enumerate() {
        let path = format!("colPriv.{index}");
        let set = checked(CdbLevel::Column, values(item, "priv"), &path)?;
        let key = (
            field(item, "db", &path)?,
            field(item, "tb", &path)?,
            field(item, "col", &path)?,
        );
        add(&mut privileges.columns, key, set);
    }
    Ok(privileges)
}

fn check_objects(
    instance: &super::fixture::CdbInstance,
    wanted: &CdbPrivileges,
) -> Result<(), LegacyError> {
    let missing = |what: String| {
        LegacyError::invalid_parameter(format!(
            "{what} does not exist in instance {}.",
            instance.instance_id
        ))
    };
    let database = |name: &str| instance.databases.iter().find(|d| d.name == name);
    let table =
        |db: &str, name: &str| database(db).and_then(|d| d.tables.iter().find(|t| t.name == name));
    for db in wanted.databases.keys() {
        database(db).ok_or_else(|| missing(format!("The database `{db}`")))?;
    }
    for (db, tb) in wanted.tables.keys() {
        table(db, tb).ok_or_else(|| missing(format!("The table `{db}`.`{tb}`")))?;
    }
    for (db, tb, col) in wanted.columns.keys() {
        if !table(db, tb).is_some_and(|t| t.columns.contains(col)) {
            return Err(missing(format!("The column `{db}`.`{tb}`.`{col}`")));
        }
    }
    Ok(())
}

fn internal(error: crate::backend::error::BackendError) -> LegacyError {
    LegacyError::new(9533, "SqlExecFailUnknown", error.to_string())
}
