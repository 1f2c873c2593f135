//! The fixture of TDSQL for MySQL (service `mariadb`): instances, their databases and objects,
//! and accounts with the privileges they start with.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fixture::checks::{not_empty, unique, unique_mysql_names, FixtureError};
use crate::fixture::common::{any_host, default_tencent_region, Table};

use super::privileges::{MariadbLevel, MariadbPrivileges, Scope, GLOBAL};

/// A TDSQL instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MariadbInstance {
    pub instance_id: String,
    #[serde(default = "default_tencent_region")]
    pub region: String,
    /// `running` unless the fixture says the instance is `abnormal` (being changed) or `deleted`.
    #[serde(default, skip_serializing_if = "MariadbStatus::is_running")]
    pub status: MariadbStatus,
    #[serde(default)]
    pub accounts: Vec<MariadbAccount>,
    #[serde(default)]
    pub databases: Vec<MariadbDatabase>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MariadbStatus {
    #[default]
    Running,
    Abnormal,
    Deleted,
}

impl MariadbStatus {
    fn is_running(&self) -> bool {
        *self == MariadbStatus::Running
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MariadbDatabase {
    pub name: String,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub views: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub procedures: Vec<String>,
}

/// A TDSQL account: a user at a host, and what it holds at start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MariadbAccount {
    pub user: String,
    #[serde(default = "any_host")]
    pub host: String,
    /// The password to log in with when the sim runs on a real server (`--mysql`); the
    /// account is locked there without one. Never part of a snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub global_privileges: Vec<String>,
    /// One entry per scope: its database, and a table (with a column, or not), a view, a
    /// function or a procedure, or nothing else for the database itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<MariadbGrant>,
}

/// The privileges of one scope, named the way the fixture writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MariadbGrant {
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
    pub privileges: Vec<String>,
}

impl MariadbGrant {
    /// Its scope, or why the names do not make one.
    pub fn scope(&self) -> Result<Scope, String> {
        let db = self.database.clone();
        let named = |level, rest: &[&Option<String>]| {
            let mut names = vec![db.clone()];
            names.extend(rest.iter().filter_map(|n| (*n).clone()));
            (level, names)
        };
        let t = (
            &self.table,
            &self.column,
            &self.view,
            &self.function,
            &self.procedure,
        );
        match t {
            (None, None, None, None, None) => Ok(named(MariadbLevel::Database, &[])),
            (Some(_), None, None, None, None) => Ok(named(MariadbLevel::Table, &[&self.table])),
            (Some(_), Some(_), None, None, None) => Ok(named(
                MariadbLevel::Column,
                &[&self.table, &self.column],
            )),
            (None, None, Some(_), None, None) => Ok(named(MariadbLevel::View, &[&self.view])),
            (None, None, None, Some(_), None) => {
                Ok(named(MariadbLevel::Function, &[&self.function]))
            }
            (None, None, None, None, Some(_)) => {
                Ok(named(MariadbLevel::Procedure, &[&self.procedure]))
            }
            _ => Err("name a database, and at most a table (and a column), a view, a function or a procedure".into()),
        }
    }

    /// The fixture form of a scope's privileges.
    pub fn of(scope: &Scope, privileges: Vec<String>) -> MariadbGrant {
        let (level, names) = scope;
        let name = |index: usize| names.get(index).cloned();
        let mut grant = MariadbGrant {
            database: names.first().cloned().unwrap_or_default(),
            table: None,
            column: None,
            view: None,
            function: None,
            procedure: None,
            privileges,
        };
        match level {
            MariadbLevel::Database => {}
            MariadbLevel::Table => grant.table = name(1),
            MariadbLevel::Column => {
                grant.table = name(1);
                grant.column = name(2);
            }
            MariadbLevel::View => grant.view = name(1),
            MariadbLevel::Function => grant.function = name(1),
            MariadbLevel::Procedure => grant.procedure = name(1),
        }
        grant
    }
}

impl MariadbAccount {
    pub fn new(user: &str, host: &str) -> MariadbAccount {
        MariadbAccount {
            user: user.to_owned(),
            host: host.to_owned(),
            password: None,
            global_privileges: Vec::new(),
            privileges: Vec::new(),
        }
    }

    /// What the account holds; the fixture was validated, so every grant names a scope.
    pub fn held(&self) -> MariadbPrivileges {
        let mut held = MariadbPrivileges {
            global: self.global_privileges.iter().cloned().collect(),
            ..MariadbPrivileges::default()
        };
        for grant in &self.privileges {
            if let Ok(scope) = grant.scope() {
                let set: BTreeSet<String> = grant.privileges.iter().cloned().collect();
                if !set.is_empty() {
                    held.scoped.entry(scope).or_default().extend(set);
                }
            }
        }
        held
    }
}

impl MariadbInstance {
    /// Whether the instance has the object a scope names.
    pub fn has(&self, scope: &Scope) -> bool {
        let (level, names) = scope;
        let Some(database) = self
            .databases
            .iter()
            .find(|d| Some(&d.name) == names.first())
        else {
            return false;
        };
        let name = names.get(1);
        let table = || database.tables.iter().find(|t| Some(&t.name) == name);
        match level {
            MariadbLevel::Database => true,
            MariadbLevel::Table => table().is_some(),
            MariadbLevel::Column => {
                table().is_some_and(|t| names.get(2).is_some_and(|c| t.columns.contains(c)))
            }
            MariadbLevel::View => name.is_some_and(|n| database.views.contains(n)),
            MariadbLevel::Function => name.is_some_and(|n| database.functions.contains(n)),
            MariadbLevel::Procedure => name.is_some_and(|n| database.procedures.contains(n)),
        }
    }
}

/// Each instance ID is unique and each instance is consistent.
pub(crate) fn validate_instances(instances: &[MariadbInstance]) -> Result<(), FixtureError> {
    unique(
        "mariadb instance",
        instances.iter().map(|i| i.instance_id.as_str()),
        "",
    )?;
    for instance in instances {
        not_empty("mariadb instance_id", &instance.instance_id, "")?;
        unique_mysql_names(
            "mariadb",
            &instance.instance_id,
            instance
                .accounts
                .iter()
                .map(|a| (a.user.as_str(), a.host.as_str())),
            instance.databases.iter().map(|d| d.name.as_str()),
        )?;
        for account in &instance.accounts {
            validate_account(instance, account)?;
        }
    }
    Ok(())
}

fn validate_account(
    instance: &MariadbInstance,
    account: &MariadbAccount,
) -> Result<(), FixtureError> {
    let invalid = |detail: String| FixtureError::Privileges {
        service: "mariadb",
        instance: instance.instance_id.clone(),
        account: format!("{}@{}", account.user, account.host),
        detail,
    };
    if let Some(bad) = account
        .global_privileges
        .iter()
        .find(|p| !GLOBAL.contains(&p.as_str()))
    {
        return Err(invalid(format!(
            "\"{bad}\" is not a global privilege; they are: {}",
            GLOBAL.join(", ")
        )));
    }
    for grant in &account.privileges {
        let scope = grant.scope().map_err(|why| {
            invalid(format!(
                "a privileges entry on database \"{}\" must {why}",
                grant.database
            ))
        })?;
        let (level, names) = &scope;
        if !instance.has(&scope) {
            return Err(invalid(format!(
                "the {} {} does not exist",
                level.as_str(),
                names.join(".")
            )));
        }
        if let Some(bad) = grant
            .privileges
            .iter()
            .find(|p| !level.allowed().contains(&p.as_str()))
        {
            return Err(invalid(format!(
                "\"{bad}\" is not a {} privilege; they are: {}",
                level.as_str(),
                level.allowed().join(", ")
            )));
        }
    }
    Ok(())
}
