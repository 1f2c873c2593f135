//! The fixture: the clouds' starting state (credentials, instances, clusters, accounts) as JSON.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::privileges::cdb::{CdbLevel, CdbPrivileges, COLUMN, DATABASE, GLOBAL, TABLE};
use crate::privileges::in_listed_order;
use crate::privileges::postgres::{
    ObjectProblem, PostgresAccountType, PostgresObject, PostgresObjectType,
};

/// The JSON of the built-in fixture, which serves the quickstart.
const BUILTIN: &str = include_str!("../fixtures/builtin.json");

/// Everything the sim knows at start: one section per vendor, named like the provider blocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    #[serde(default)]
    pub tencentcloud: TencentCloud,
    #[serde(default)]
    pub alicloud: AliCloud,
}

/// Tencent Cloud: API keys and the instances of each database service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentCloud {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<TencentCredential>,
    #[serde(default)]
    pub postgres: Vec<PostgresInstance>,
    #[serde(default)]
    pub cdb: Vec<CdbInstance>,
    #[serde(default)]
    pub mariadb: Vec<MariadbInstance>,
}

/// A Tencent API key; `token` makes it a temporary (STS) key whose calls must carry `X-TC-Token`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentCredential {
    pub secret_id: String,
    pub secret_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl fmt::Debug for TencentCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentCredential")
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

/// A TencentDB for PostgreSQL instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresInstance {
    pub instance_id: String,
    #[serde(default = "default_tencent_region")]
    pub region: String,
    /// Each account is a name (`"app"`, a normal account holding nothing) or an object.
    #[serde(default)]
    pub accounts: Vec<PostgresAccount>,
    #[serde(default)]
    pub databases: Vec<PostgresDatabase>,
}

impl PostgresSchema {
    /// The names of the schema's objects of a type it keeps as a plain list.
    fn objects_of(&self, object_type: PostgresObjectType) -> Option<&Vec<String>> {
        use PostgresObjectType as T;
        match object_type {
            T::View => Some(&self.views),
            T::Matview => Some(&self.matviews),
            T::Sequence => Some(&self.sequences),
            T::Function => Some(&self.functions),
            T::Procedure => Some(&self.procedures),
            T::Type => Some(&self.types),
            _ => None,
        }
    }

    fn objects_of_mut(&mut self, object_type: PostgresObjectType) -> Option<&mut Vec<String>> {
        use PostgresObjectType as T;
        match object_type {
            T::View => Some(&mut self.views),
            T::Matview => Some(&mut self.matviews),
            T::Sequence => Some(&mut self.sequences),
            T::Function => Some(&mut self.functions),
            T::Procedure => Some(&mut self.procedures),
            T::Type => Some(&mut self.types),
            _ => None,
        }
    }
}

impl PostgresInstance {
    /// Whether the instance has `object`.
    pub fn has_object(&self, object: &PostgresObject) -> bool {
        use PostgresObjectType as T;
        if object.object_type == T::Account {
            return self.accounts.iter().any(|a| a.name == object.object_name);
        }
        let name = object.object_name.as_str();
        let database_name = match object.object_type {
            T::Database => name,
            _ => object.database_name.as_str(),
        };
        let Some(database) = self.databases.iter().find(|d| d.name == database_name) else {
            return false;
        };
        if object.object_type == T::Database {
            return true;
        }
        let schema_name = match object.object_type {
            T::Schema => name,
            _ => object.schema_name.as_str(),
        };
        let Some(schema) = database.schemas.iter().find(|s| s.name == schema_name) else {
            return false;
        };
        let has = |names: &[String]| names.iter().any(|n| n == name);
        match object.object_type {
            T::Schema => true,
            T::Table => schema.tables.iter().any(|t| t.name == name),
            T::Column => schema
                .tables
                .iter()
                .find(|t| t.name == object.table_name)
                .is_some_and(|t| has(&t.columns)),
            other => schema.objects_of(other).is_some_and(|names| has(names)),
        }
    }

    /// Removes `object` (and what is in it); `false` if it was not there.
    pub fn remove_object(&mut self, object: &PostgresObject) -> bool {
        use PostgresObjectType as T;
        if !self.has_object(object) {
            return false;
        }
        let name = object.object_name.as_str();
        match object.object_type {
            T::Account => self.accounts.retain(|a| a.name != name),
            T::Database => self.databases.retain(|d| d.name != name),
            _ => {
                let Some(database) = self
                    .databases
                    .iter_mut()
                    .find(|d| d.name == object.database_name)
                else {
                    return false;
                };
                if object.object_type == T::Schema {
                    database.schemas.retain(|s| s.name != name);
                    return true;
                }
                let Some(schema) = database
                    .schemas
                    .iter_mut()
                    .find(|s| s.name == object.schema_name)
                else {
                    return false;
                };
                match object.object_type {
                    T::Table => schema.tables.retain(|t| t.name != name),
                    T::Column => {
                        if let Some(table) = schema
                            .tables
                            .iter_mut()
                            .find(|t| t.name == object.table_name)
                        {
                            table.columns.retain(|c| c != name);
                        }
                    }
                    other => {
                        if let Some(names) = schema.objects_of_mut(other) {
                            names.retain(|n| n != name);
                        }
                    }
                }
            }
        }
        true
    }
}

/// A PostgreSQL account: its type, remark, and the privileges it holds on objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostgresAccount {
    pub name: String,
    #[serde(rename = "type")]
    pub account_type: PostgresAccountType,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remark: String,
    pub privileges: Vec<PostgresGrant>,
}

impl PostgresAccount {
    /// A normal account holding nothing, as `"accounts": ["app"]` declares it.
    pub fn named(name: &str) -> PostgresAccount {
        PostgresAccount {
            name: name.to_owned(),
            account_type: PostgresAccountType::Normal,
            remark: String::new(),
            privileges: Vec::new(),
        }
    }
}

/// The object form of a PostgreSQL account in a fixture.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostgresAccountFields {
    name: String,
    #[serde(rename = "type", default)]
    account_type: PostgresAccountType,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    privileges: Vec<PostgresGrant>,
}

impl<'de> Deserialize<'de> for PostgresAccount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AccountVisitor;

        impl<'de> Visitor<'de> for AccountVisitor {
            type Value = PostgresAccount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an account name or {\"name\", \"type\", \"remark\", \"privileges\"}")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<PostgresAccount, E> {
                Ok(PostgresAccount::named(name))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PostgresAccount, A::Error> {
                let fields =
                    PostgresAccountFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(PostgresAccount {
                    name: fields.name,
                    account_type: fields.account_type,
                    remark: fields.remark,
                    privileges: fields.privileges,
                })
            }
        }

        deserializer.deserialize_any(AccountVisitor)
    }
}

/// Privileges an account holds on one object; name fields as the API's `DatabaseObject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresGrant {
    pub object_type: PostgresObjectType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub database_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub table_name: String,
    pub object_name: String,
    pub privileges: Vec<String>,
}

impl PostgresGrant {
    /// The object the grant is on.
    pub fn object(&self) -> Result<PostgresObject, ObjectProblem> {
        PostgresObject::new(
            self.object_type,
            &self.object_name,
            &self.database_name,
            &self.schema_name,
            &self.table_name,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresDatabase {
    pub name: String,
    #[serde(default)]
    pub schemas: Vec<PostgresSchema>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSchema {
    pub name: String,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub views: Vec<String>,
    #[serde(default)]
    pub sequences: Vec<String>,
    /// Function names, possibly with their argument types: `f(integer,text)`.
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub matviews: Vec<String>,
    /// Procedure names, possibly with their argument types.
    #[serde(default)]
    pub procedures: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
}

/// A table and its columns (PostgreSQL, CDB and MariaDB alike).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub name: String,
    #[serde(default)]
    pub columns: Vec<String>,
}

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

/// A MySQL-family account: a user at a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MysqlAccount {
    pub user: String,
    #[serde(default = "any_host")]
    pub host: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MysqlDatabase {
    pub name: String,
    #[serde(default)]
    pub tables: Vec<Table>,
}

/// A TDSQL (MariaDB edition) instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MariadbInstance {
    pub instance_id: String,
    #[serde(default = "default_tencent_region")]
    pub region: String,
    #[serde(default)]
    pub accounts: Vec<MysqlAccount>,
    #[serde(default)]
    pub databases: Vec<MariadbDatabase>,
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

/// Alibaba Cloud: AccessKeys and PolarDB clusters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliCloud {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<AlicloudCredential>,
    #[serde(default)]
    pub polardb: Vec<PolarDbCluster>,
}

/// An Alibaba AccessKey; `security_token` makes it an STS key whose calls must carry the token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlicloudCredential {
    pub access_key_id: String,
    pub access_key_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_token: Option<String>,
}

impl fmt::Debug for AlicloudCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlicloudCredential")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

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

/// Why a fixture was refused.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("fixture is not in the fixture format: {0}")]
    Format(#[from] serde_json::Error),
    #[error("fixture: {what} `{name}` appears more than once{within}")]
    Duplicate {
        what: &'static str,
        name: String,
        within: String,
    },
    #[error("fixture: {what} must not be empty{within}")]
    Empty { what: &'static str, within: String },
    #[error(
        "fixture: polardb account `{account}` of cluster `{cluster}` has a privilege on database \
         `{database}`, which is not in the cluster's `databases`"
    )]
    UnknownDatabase {
        cluster: String,
        account: String,
        database: String,
    },
    #[error(
        "fixture: polardb account `{account}` of cluster `{cluster}` is a Super account, which \
         holds every database already and takes no `privileges`"
    )]
    SuperAccountPrivileges { cluster: String, account: String },
    #[error("fixture: account `{account}` of {service} instance `{instance}`: {detail}")]
    Privileges {
        service: &'static str,
        instance: String,
        account: String,
        detail: String,
    },
}

impl Fixture {
    /// The default fixture: the quickstart's credentials, instances and cluster.
    pub fn builtin() -> Fixture {
        match Fixture::from_json(BUILTIN) {
            Ok(fixture) => fixture,
            // The built-in JSON is part of the source and pinned by a unit test.
            Err(error) => panic!("the built-in fixture is invalid: {error}"),
        }
    }

    /// Reads and checks a fixture; unknown keys are refused by name.
    pub fn from_json(json: &str) -> Result<Fixture, FixtureError> {
        let fixture: Fixture = serde_json::from_str(json)?;
        fixture.validate()?;
        Ok(fixture)
    }

    /// The fixture as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what the JSON shape cannot: unique names, privileges on known databases.
    pub fn validate(&self) -> Result<(), FixtureError> {
        let tencent = &self.tencentcloud;
        unique(
            "tencentcloud credential",
            tencent.credentials.iter().map(|c| c.secret_id.as_str()),
            "",
        )?;
        for credential in &tencent.credentials {
            not_empty("secret_id", &credential.secret_id, "")?;
        }
        unique(
            "postgres instance",
            tencent.postgres.iter().map(|i| i.instance_id.as_str()),
            "",
        )?;
        for instance in &tencent.postgres {
            let within = format!(" in postgres instance `{}`", instance.instance_id);
            not_empty("postgres instance_id", &instance.instance_id, "")?;
            unique(
                "account",
                instance.accounts.iter().map(|a| a.name.as_str()),
                &within,
            )?;
            unique(
                "database",
                instance.databases.iter().map(|d| d.name.as_str()),
                &within,
            )?;
            validate_postgres_privileges(instance)?;
        }
        unique(
            "cdb instance",
            tencent.cdb.iter().map(|i| i.instance_id.as_str()),
            "",
        )?;
        for instance in &tencent.cdb {
            let within = format!(" in cdb instance `{}`", instance.instance_id);
            not_empty("cdb instance_id", &instance.instance_id, "")?;
            unique_accounts(
                instance
                    .accounts
                    .iter()
                    .map(|a| (a.user.as_str(), a.host.as_str())),
                &within,
            )?;
            unique(
                "database",
                instance.databases.iter().map(|d| d.name.as_str()),
                &within,
            )?;
            validate_cdb_privileges(instance)?;
        }
        unique(
            "mariadb instance",
            tencent.mariadb.iter().map(|i| i.instance_id.as_str()),
            "",
        )?;
        for instance in &tencent.mariadb {
            let within = format!(" in mariadb instance `{}`", instance.instance_id);
            not_empty("mariadb instance_id", &instance.instance_id, "")?;
            unique_accounts(
                instance
                    .accounts
                    .iter()
                    .map(|a| (a.user.as_str(), a.host.as_str())),
                &within,
            )?;
            unique(
                "database",
                instance.databases.iter().map(|d| d.name.as_str()),
                &within,
            )?;
        }

        let alibaba = &self.alicloud;
        unique(
            "alicloud credential",
            alibaba.credentials.iter().map(|c| c.access_key_id.as_str()),
            "",
        )?;
        for credential in &alibaba.credentials {
            not_empty("access_key_id", &credential.access_key_id, "")?;
        }
        unique(
            "polardb cluster",
            alibaba.polardb.iter().map(|c| c.db_cluster_id.as_str()),
            "",
        )?;
        for cluster in &alibaba.polardb {
            validate_polardb_cluster(cluster)?;
        }
        Ok(())
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

fn unique<'a>(
    what: &'static str,
    names: impl Iterator<Item = &'a str>,
    within: &str,
) -> Result<(), FixtureError> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(FixtureError::Duplicate {
                what,
                name: name.to_owned(),
                within: within.to_owned(),
            });
        }
    }
    Ok(())
}

fn unique_accounts<'a>(
    accounts: impl Iterator<Item = (&'a str, &'a str)>,
    within: &str,
) -> Result<(), FixtureError> {
    let names: Vec<String> = accounts
        .map(|(user, host)| format!("{user}@{host}"))
        .collect();
    unique("account", names.iter().map(String::as_str), within)
}

/// Each grant is on an object of the instance and names privileges its type takes.
fn validate_postgres_privileges(instance: &PostgresInstance) -> Result<(), FixtureError> {
    for account in &instance.accounts {
        let refuse = |detail: String| FixtureError::Privileges {
            service: "postgres",
            instance: instance.instance_id.clone(),
            account: account.name.clone(),
            detail,
        };
        not_empty(
            "account name",
            &account.name,
            &format!(" in postgres instance `{}`", instance.instance_id),
        )?;
        for grant in &account.privileges {
            if grant.object_type == PostgresObjectType::Account {
                return Err(refuse(
                    "an account's type is its `type`, not a privilege on an `account` object"
                        .to_owned(),
                ));
            }
            let object = grant.object().map_err(|problem| {
                refuse(match problem {
                    ObjectProblem::Missing(field) => format!(
                        "a privilege on a {} needs `{}`",
                        grant.object_type,
                        field.snake_name()
                    ),
                    ObjectProblem::BadName { field, name } => {
                        format!("`{}` \"{name}\" is not a valid name", field.snake_name())
                    }
                })
            })?;
            if !instance.has_object(&object) {
                return Err(refuse(format!(
                    "it holds privileges on {object}, which the instance does not have"
                )));
            }
            let allowed = grant.object_type.privileges();
            if let Some(bad) = grant
                .privileges
                .iter()
                .find(|p| !allowed.contains(&p.as_str()))
            {
                return Err(refuse(format!(
                    "\"{bad}\" is not a privilege of a {}; it takes {}",
                    grant.object_type,
                    allowed.join(", ")
                )));
            }
        }
    }
    Ok(())
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

fn not_empty(what: &'static str, value: &str, within: &str) -> Result<(), FixtureError> {
    if value.is_empty() {
        return Err(FixtureError::Empty {
            what,
            within: within.to_owned(),
        });
    }
    Ok(())
}

fn default_tencent_region() -> String {
    "ap-guangzhou".to_owned()
}

fn default_alibaba_region() -> String {
    "cn-hangzhou".to_owned()
}

fn any_host() -> String {
    "%".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(
        t: PostgresObjectType,
        name: &str,
        db: &str,
        schema: &str,
        table: &str,
    ) -> PostgresObject {
        PostgresObject::new(t, name, db, schema, table).expect("object")
    }

    #[test]
    fn postgres_objects_exist_and_are_removed() {
        use PostgresObjectType as T;
        let mut instance = Fixture::builtin().tencentcloud.postgres[0].clone();
        let column = object(T::Column, "email", "appdb", "public", "users");
        assert!(instance.has_object(&column));
        assert!(!instance.has_object(&object(T::View, "users", "appdb", "public", "")));
        assert!(instance.remove_object(&column));
        assert!(!instance.has_object(&column));
        assert!(!instance.remove_object(&column));
        assert!(instance.has_object(&object(T::Table, "users", "appdb", "public", "")));
    }

    #[test]
    fn builtin_fixture_serves_the_quickstart() {
        let fixture = Fixture::from_json(BUILTIN).expect("built-in fixture");
        assert_eq!(fixture.tencentcloud.credentials[0].secret_id, "AKIDsim");
        assert_eq!(
            fixture.tencentcloud.postgres[0].instance_id,
            "postgres-sim00001"
        );
        assert_eq!(fixture.tencentcloud.cdb[0].instance_id, "cdb-sim00001");
        assert_eq!(
            fixture.tencentcloud.mariadb[0].instance_id,
            "tdsql-sim00001"
        );
        assert_eq!(fixture.alicloud.credentials[0].access_key_id, "LTAIsim");
        let cluster = &fixture.alicloud.polardb[0];
        assert_eq!(cluster.db_cluster_id, "pc-sim00001");
        assert_eq!(cluster.region, "cn-hangzhou");
        let accounts: Vec<_> = cluster
            .accounts
            .iter()
            .map(|a| (a.name.as_str(), a.account_type))
            .collect();
        assert_eq!(
            accounts,
            [
                ("app", PolarDbAccountType::Normal),
                ("reporting", PolarDbAccountType::Normal),
                ("admin", PolarDbAccountType::Super)
            ]
        );
        assert_eq!(cluster.databases, ["shop", "logs", "analytics"]);
    }

    #[test]
    fn the_design_example_is_accepted() {
        let json = r#"{
          "tencentcloud": {
            "credentials": [{"secret_id": "AKIDsim", "secret_key": "sim-secret"}],
            "postgres": [{"instance_id": "postgres-sim00001", "region": "ap-guangzhou", "accounts": ["app"],
                          "databases": [{"name": "appdb", "schemas": [{"name": "public",
                             "tables": [{"name": "users", "columns": ["id", "email"]}], "views": [], "sequences": [], "functions": []}]}]}],
            "cdb":     [{"instance_id": "cdb-sim00001", "accounts": [{"user": "app", "host": "%"}],
                         "databases": [{"name": "shop", "tables": [{"name": "orders", "columns": ["id", "total"]}]}]}],
            "mariadb": [{"instance_id": "tdsql-sim00001", "accounts": [{"user": "app", "host": "%"}],
                         "databases": [{"name": "shop", "tables": [{"name": "orders", "columns": ["id"]}], "views": [], "functions": [], "procedures": []}]}]
          },
          "alicloud": {
            "credentials": [{"access_key_id": "LTAIsim", "access_key_secret": "sim-secret"}],
            "polardb": [{"db_cluster_id": "pc-sim00001", "region": "cn-hangzhou",
                         "accounts": [{"name": "app", "type": "Normal"}], "databases": ["shop", "logs"]}]
          }
        }"#;
        let fixture = Fixture::from_json(json).expect("design example");
        let account = &fixture.alicloud.polardb[0].accounts[0];
        assert_eq!(account.status, PolarDbAccountStatus::Available);
        assert!(account.privileges.is_empty());
        assert_eq!(fixture.tencentcloud.cdb[0].region, "ap-guangzhou");
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let error = Fixture::from_json(r#"{"alicloud": {"polardbs": []}}"#).unwrap_err();
        assert!(error.to_string().contains("`polardbs`"), "{error}");
        let error = Fixture::from_json(
            r#"{"alicloud": {"polardb": [{"db_cluster_id": "pc-1", "accounts": [{"name": "a", "type": "Normal", "privilege": {}}]}]}}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("`privilege`"), "{error}");
    }

    #[test]
    fn privileges_must_name_a_database_of_the_cluster() {
        let error = Fixture::from_json(
            r#"{"alicloud": {"polardb": [{"db_cluster_id": "pc-1", "databases": ["shop"],
                "accounts": [{"name": "a", "type": "Normal", "privileges": {"logs": "ReadOnly"}}]}]}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(error, FixtureError::UnknownDatabase { .. }),
            "{error}"
        );
    }

    #[test]
    fn super_accounts_take_no_privileges() {
        let error = Fixture::from_json(
            r#"{"alicloud": {"polardb": [{"db_cluster_id": "pc-1", "databases": ["shop"],
                "accounts": [{"name": "root", "type": "Super", "privileges": {"shop": "ReadOnly"}}]}]}}"#,
        )
        .unwrap_err();
        assert!(matches!(error, FixtureError::SuperAccountPrivileges { .. }));
    }

    #[test]
    fn duplicates_are_refused() {
        let error = Fixture::from_json(
            r#"{"alicloud": {"polardb": [{"db_cluster_id": "pc-1", "accounts": [
                {"name": "a", "type": "Normal"}, {"name": "a", "type": "Super"}]}]}}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("account `a`"), "{error}");
    }

    #[test]
    fn privilege_names_are_the_apis() {
        for privilege in PolarDbPrivilege::ALL {
            let json = serde_json::to_string(&privilege).expect("serialize");
            assert_eq!(json, format!("\"{}\"", privilege.as_str()));
            assert_eq!(
                PolarDbPrivilege::from_api(privilege.as_str()),
                Some(privilege)
            );
        }
        assert_eq!(PolarDbPrivilege::from_api("readwrite"), None);
    }
}
