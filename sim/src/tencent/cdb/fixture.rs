//! The fixture of TencentDB for MySQL (CDB): instances, their databases and accounts.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::privileges::{CdbLevel, CdbPrivileges, COLUMN, DATABASE, GLOBAL, TABLE};
use crate::fixture::checks::{not_empty, unique, unique_mysql_names, FixtureError};
use crate::fixture::common::{any_host, default_tencent_region, MysqlDatabase};
use crate::listed_order::in_listed_order;

/// A TencentDB for MySQL (CDB) instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdbInstance {
    pub instance_id: String,
    #[serde(default = "default_tencent_region")]
    pub region: String,
    #[serde(default)]
    pub accounts: Vec<CdbAccount>,
    #[serde(default)]
    pub databases: Vec<MysqlDatabase>,
}

/// A CDB account (a user at a host) and the privileges it holds at each level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdbAccount {
    pub user: String,
    #[serde(default = "any_host")]
    pub host: String,
    /// The password to log in with when the sim runs on a real server (`--mysql`); the
    /// account is locked there without one. Never part of a snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// `Notes` in DescribeAccounts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(default)]
    pub global_privileges: Vec<String>,
    #[serde(default)]
    pub database_privileges: Vec<CdbDatabasePrivilege>,
    #[serde(default)]
    pub table_privileges: Vec<CdbTablePrivilege>,
    #[serde(default)]
    pub column_privileges: Vec<CdbColumnPrivilege>,
}

impl CdbAccount {
    /// The privileges the account starts with.
    pub fn privileges(&self) -> CdbPrivileges {
        let set = |names: &[String]| names.iter().cloned().collect::<BTreeSet<String>>();
        let mut privileges = CdbPrivileges {
            global: set(&self.global_privileges),
            ..CdbPrivileges::default()
        };
        for entry in &self.database_privileges {
            privileges
                .databases
                .entry(entry.database.clone())
                .or_default()
                .extend(set(&entry.privileges));
        }
        for entry in &self.table_privileges {
            privileges
                .tables
                .entry((entry.database.clone(), entry.table.clone()))
                .or_default()
                .extend(set(&entry.privileges));
        }
        for entry in &self.column_privileges {
            privileges
                .columns
                .entry((
                    entry.database.clone(),
                    entry.table.clone(),
                    entry.column.clone(),
                ))
                .or_default()
                .extend(set(&entry.privileges));
        }
        privileges.prune();
        privileges
    }

    /// Writes `privileges` into the account's lists, each in the vendor's order.
    pub fn set_privileges(&mut self, privileges: &CdbPrivileges) {
        self.global_privileges = in_listed_order(&privileges.global, GLOBAL);
        self.database_privileges = privileges
            .databases
            .iter()
            .map(|(database, privileges)| CdbDatabasePrivilege {
                database: database.clone(),
                privileges: in_listed_order(privileges, DATABASE),
            })
            .collect();
        self.table_privileges = privileges
            .tables
            .iter()
            .map(|((database, table), privileges)| CdbTablePrivilege {
                database: database.clone(),
                table: table.clone(),
                privileges: in_listed_order(privileges, TABLE),
            })
            .collect();
        self.column_privileges = privileges
            .columns
            .iter()
            .map(
                |((database, table, column), privileges)| CdbColumnPrivilege {
                    database: database.clone(),
                    table: table.clone(),
                    column: column.clone(),
                    privileges: in_listed_order(privileges, COLUMN),
                },
            )
            .collect();
    }
}

impl CdbAccount {
    /// An account holding nothing.
    pub fn new(user: &str, host: &str) -> CdbAccount {
        CdbAccount {
            user: user.to_owned(),
            host: host.to_owned(),
            password: None,
            notes: String::new(),
            global_privileges: Vec::new(),
            database_privileges: Vec::new(),
            table_privileges: Vec::new(),
            column_privileges: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdbDatabasePrivilege {
    pub database: String,
    pub privileges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdbTablePrivilege {
    pub database: String,
    pub table: String,
    pub privileges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdbColumnPrivilege {
    pub database: String,
    pub table: String,
    pub column: String,
    pub privileges: Vec<String>,
}

/// Each privilege is valid at its level and on a database, table and column of the instance.
fn validate_cdb_privileges(instance: &CdbInstance) -> Result<(), FixtureError> {
    for account in &instance.accounts {
        let refuse = |detail: String| FixtureError::Privileges {
            service: "cdb",
            instance: instance.instance_id.clone(),
            account: format!("{}@{}", account.user, account.host),
            detail,
        };
        let check = |level: CdbLevel, names: &[String]| match names
            .iter()
            .find(|name| !level.takes(name))
        {
            Some(bad) => Err(refuse(format!(
                "\"{bad}\" is not a {} privilege; allowed: {}",
                level.as_str(),
                level.allowed().join(", ")
            ))),
            None => Ok(()),
        };
        let database = |name: &str| {
            instance
                .databases
                .iter()
                .find(|d| d.name == name)
                .ok_or_else(|| refuse(format!("the instance has no database `{name}`")))
        };
        let table = |db: &str, name: &str| {
            database(db)?
                .tables
                .iter()
                .find(|t| t.name == name)
                .cloned()
                .ok_or_else(|| refuse(format!("database `{db}` has no table `{name}`")))
        };
        check(CdbLevel::Global, &account.global_privileges)?;
        for entry in &account.database_privileges {
            database(&entry.database)?;
            check(CdbLevel::Database, &entry.privileges)?;
        }
        for entry in &account.table_privileges {
            table(&entry.database, &entry.table)?;
            check(CdbLevel::Table, &entry.privileges)?;
        }
        for entry in &account.column_privileges {
            if !table(&entry.database, &entry.table)?
                .columns
                .contains(&entry.column)
            {
                return Err(refuse(format!(
                    "table `{}`.`{}` has no column `{}`",
                    entry.database, entry.table, entry.column
                )));
            }
            check(CdbLevel::Column, &entry.privileges)?;
        }
    }
    Ok(())
}

/// Each instance ID is unique and each instance is consistent.
pub(crate) fn validate_instances(instances: &[CdbInstance]) -> Result<(), FixtureError> {
    unique(
        "cdb instance",
        instances.iter().map(|i| i.instance_id.as_str()),
        "",
    )?;
    for instance in instances {
        not_empty("cdb instance_id", &instance.instance_id, "")?;
        unique_mysql_names(
            "cdb",
            &instance.instance_id,
            instance
                .accounts
                .iter()
                .map(|a| (a.user.as_str(), a.host.as_str())),
            instance.databases.iter().map(|d| d.name.as_str()),
        )?;
        validate_cdb_privileges(instance)?;
    }
    Ok(())
}
