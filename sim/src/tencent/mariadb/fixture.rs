//! The fixture of TDSQL (MariaDB edition): instances, their databases and accounts.

use serde::{Deserialize, Serialize};

use crate::fixture::checks::{not_empty, unique, unique_mysql_names, FixtureError};
use crate::fixture::common::{default_tencent_region, MysqlAccount, Table};

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
    }
    Ok(())
}
