//! The fixture of PolarDB for MySQL: clusters, their databases and accounts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::fixture::checks::{not_empty, unique, FixtureError};
use crate::fixture::common::default_alibaba_region;

/// A PolarDB for MySQL cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolarDbCluster {
    pub db_cluster_id: String,
    #[serde(default = "default_alibaba_region")]
    pub region: String,
    #[serde(default)]
    pub accounts: Vec<PolarDbAccount>,
    #[serde(default)]
    pub databases: Vec<String>,
}

/// A database account of a PolarDB cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolarDbAccount {
    pub name: String,
    #[serde(rename = "type")]
    pub account_type: PolarDbAccountType,
    #[serde(default)]
    pub status: PolarDbAccountStatus,
    /// The account reports `Creating` until this many milliseconds after the fixture loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The password to log in with when the sim runs on a real server (`--mysql`); the
    /// account is locked there without one. Never part of a snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Database name → privilege; Normal accounts only.
    #[serde(default)]
    pub privileges: BTreeMap<String, PolarDbPrivilege>,
}

/// `AccountType` of a PolarDB account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolarDbAccountType {
    Normal,
    Super,
}

impl PolarDbAccountType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Super => "Super",
        }
    }
}

/// `AccountStatus` of a PolarDB account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolarDbAccountStatus {
    Creating,
    #[default]
    Available,
    Deleting,
}

impl PolarDbAccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "Creating",
            Self::Available => "Available",
            Self::Deleting => "Deleting",
        }
    }
}

/// `AccountPrivilege` of a PolarDB account on one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolarDbPrivilege {
    ReadWrite,
    ReadOnly,
    #[serde(rename = "DMLOnly")]
    DmlOnly,
    #[serde(rename = "DDLOnly")]
    DdlOnly,
    ReadIndex,
}

impl PolarDbPrivilege {
    pub const ALL: [PolarDbPrivilege; 5] = [
        Self::ReadWrite,
        Self::ReadOnly,
        Self::DmlOnly,
        Self::DdlOnly,
        Self::ReadIndex,
    ];

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadWrite => "ReadWrite",
            Self::ReadOnly => "ReadOnly",
            Self::DmlOnly => "DMLOnly",
            Self::DdlOnly => "DDLOnly",
            Self::ReadIndex => "ReadIndex",
        }
    }

    /// Reads the API's name, exactly as the API spells it.
    pub fn from_api(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

fn validate_polardb_cluster(cluster: &PolarDbCluster) -> Result<(), FixtureError> {
    let id = &cluster.db_cluster_id;
    let within = format!(" in polardb cluster `{id}`");
    not_empty("db_cluster_id", id, "")?;
    unique(
        "account",
        cluster.accounts.iter().map(|a| a.name.as_str()),
        &within,
    )?;
    unique(
        "database",
        cluster.databases.iter().map(String::as_str),
        &within,
    )?;
    for database in &cluster.databases {
        not_empty("database name", database, &within)?;
    }
    for account in &cluster.accounts {
        not_empty("account name", &account.name, &within)?;
        if account.account_type == PolarDbAccountType::Super && !account.privileges.is_empty() {
            return Err(FixtureError::SuperAccountPrivileges {
                cluster: id.clone(),
                account: account.name.clone(),
            });
        }
        if let Some(database) = account
            .privileges
            .keys()
            .find(|db| !cluster.databases.contains(db))
        {
            return Err(FixtureError::UnknownDatabase {
                cluster: id.clone(),
                account: account.name.clone(),
                database: database.clone(),
            });
        }
    }
    Ok(())
}

/// Each cluster ID is unique and each cluster is consistent.
pub(crate) fn validate_clusters(clusters: &[PolarDbCluster]) -> Result<(), FixtureError> {
    unique(
        "polardb cluster",
        clusters.iter().map(|c| c.db_cluster_id.as_str()),
        "",
    )?;
    for cluster in clusters {
        validate_polardb_cluster(cluster)?;
    }
    Ok(())
}
