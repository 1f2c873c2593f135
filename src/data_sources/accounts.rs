//! `data "clouddb_<system>_accounts"`: the accounts of one instance or cluster, as its
//! DescribeAccounts lists them, for configurations that grant to each (`for_each`).

use std::sync::Arc;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::cloud::alibaba::polardb::{AccountStatus, AccountType as PolarDbType};
use crate::cloud::error::CloudError;
use crate::cloud::tencent::cdb::CdbClient;
use crate::cloud::tencent::mariadb::TdsqlClient;
use crate::cloud::tencent::postgres::PostgresClient;
use crate::framework::{Attribute, Block, DataSource, Diagnostics, Schema};
use crate::resources::clients::Clouds;
use crate::resources::messages::cloud_error;
use crate::value::{Type, Value};

/// How long a listing may take.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Which system a data source lists, and what it says of each account.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum System {
    Cdb,
    Tdsql,
    Postgres,
    PolarDb,
}

impl System {
    pub(crate) const ALL: [System; 4] = [Self::Cdb, Self::Tdsql, Self::Postgres, Self::PolarDb];

    fn type_name(self) -> &'static str {
        match self {
            Self::Cdb => "clouddb_cdb_accounts",
            Self::Tdsql => "clouddb_tdsql_accounts",
            Self::Postgres => "clouddb_postgres_accounts",
            Self::PolarDb => "clouddb_polardb_accounts",
        }
    }

    /// The argument naming the instance or cluster, and what it is.
    pub(crate) fn argument(self) -> (&'static str, &'static str) {
        match self {
            Self::Cdb => ("instance_id", "CDB instance"),
            Self::Tdsql => ("instance_id", "TDSQL instance"),
            Self::Postgres => ("db_instance_id", "PostgreSQL instance"),
            Self::PolarDb => ("db_cluster_id", "PolarDB cluster"),
        }
    }

    /// Whether `type_name` is the resource that manages this system's accounts.
    pub(crate) fn manages(self, type_name: &str) -> bool {
        let resource = match self {
            Self::Cdb => "clouddb_cdb_account_privileges",
            Self::Tdsql => "clouddb_tdsql_account_privileges",
            Self::Postgres => "clouddb_postgres_account_privileges",
            Self::PolarDb => "clouddb_polardb_account_grant",
        };
        type_name == resource
    }

    /// Whether a listed account is one its resource can manage: PolarDB's Super accounts hold
    /// every privilege already and take no grant.
    pub(crate) fn can_manage(self, account: &Value) -> bool {
        self != Self::PolarDb
            || account.attr("account_type").and_then(Value::as_str) == Some("Normal")
    }

    /// Each account's fields: name, type, description.
    fn fields(self) -> Vec<(&'static str, Type, &'static str)> {
        let text = |name, description| (name, Type::String, description);
        match self {
            Self::Cdb => vec![
                text("user", "User name of the account."),
                text("host", "Host the account may connect from."),
                text("notes", "The account's remark (`Notes`)."),
            ],
            Self::Tdsql => vec![
                text("user", "User name of the account."),
                text("host", "Host the account may connect from."),
                text("description", "The account's description."),
            ],
            Self::Postgres => vec![
                text("user_name", "Name of the account."),
                text("account_type", "`normal` or `tencentDBSuper`."),
                text("status", "The account's status as the API reports it."),
            ],
            Self::PolarDb => vec![
                text("account_name", "Name of the account."),
                text("account_type", "`Normal` (standard) or `Super`."),
                text("account_status", "`Creating`, `Available` or `Deleting`."),
                (
                    "database_privileges",
                    Type::Map(Box::new(Type::String)),
                    "Database name → the privilege the account holds on it.",
                ),
            ],
        }
    }

    fn account_type(self) -> Type {
        Type::Object(
            self.fields()
                .into_iter()
                .map(|(name, ty, _)| (name.to_owned(), ty))
                .collect(),
        )
    }
}

pub struct Accounts {
    system: System,
    clouds: Arc<Clouds>,
}

/// The four listings.
pub fn all(clouds: &Arc<Clouds>) -> Vec<Accounts> {
    System::ALL
        .into_iter()
        .map(|system| Accounts {
            system,
            clouds: clouds.clone(),
        })
        .collect()
}

fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

impl System {
    /// Every account of `id`, each as an object of [`System::fields`].
    pub(crate) async fn list(self, clouds: &Clouds, id: &str) -> Result<Vec<Value>, Diagnostics> {
        let deadline = Instant::now() + DEADLINE;
        let (_, what) = self.argument();
        let failed = |error: CloudError| {
            cloud_error(
                format!("Could not list the accounts of {what} {id}"),
                &error,
            )
        };
        Ok(match self {
            System::Cdb => CdbClient::new(clouds.tencent()?)
                .describe_accounts(id, deadline)
                .await
                .map_err(failed)?
                .iter()
                .map(|a| {
                    Value::object([
                        ("user", text(&a.user)),
                        ("host", text(&a.host)),
                        ("notes", text(&a.notes)),
                    ])
                })
                .collect(),
            System::Tdsql => TdsqlClient::new(clouds.tencent()?)
                .describe_accounts(id, deadline)
                .await
                .map_err(failed)?
                .iter()
                .map(|a| {
                    Value::object([
                        ("user", text(&a.user)),
                        ("host", text(&a.host)),
                        ("description", text(&a.description)),
                    ])
                })
                .collect(),
            System::Postgres => PostgresClient::new(clouds.tencent()?)
                .map_err(|e| {
                    Diagnostics::from_error("Invalid Tencent Cloud configuration", e.to_string())
                })?
                .describe_accounts(id, deadline)
                .await
                .map_err(failed)?
                .iter()
                .map(|a| {
                    Value::object([
                        ("user_name", text(&a.user_name)),
                        ("account_type", text(a.user_type.as_str())),
                        ("status", text(&a.status)),
                    ])
                })
                .collect(),
            System::PolarDb => clouds
                .polardb()?
                .describe_accounts(id, None, deadline)
                .await
                .map_err(failed)?
                .iter()
                .map(|a| {
                    let status = match &a.status {
                        AccountStatus::Creating => "Creating",
                        AccountStatus::Available => "Available",
                        AccountStatus::Deleting => "Deleting",
                        AccountStatus::Other(other) => other,
                    };
                    let account_type = match &a.account_type {
                        PolarDbType::Normal => "Normal",
                        PolarDbType::Super => "Super",
                        PolarDbType::Other(other) => other,
                    };
                    let privileges = a
                        .privileges
                        .iter()
                        .map(|p| (p.database.clone(), text(&p.privilege)))
                        .collect();
                    Value::object([
                        ("account_name", text(&a.name)),
                        ("account_type", text(account_type)),
                        ("account_status", text(status)),
                        ("database_privileges", Value::Map(privileges)),
                    ])
                })
                .collect(),
        })
    }
}

#[async_trait]
impl DataSource for Accounts {
    fn type_name(&self) -> &'static str {
        self.system.type_name()
    }

    fn schema(&self) -> Schema {
        let (argument, what) = self.system.argument();
        let fields = self
            .system
            .fields()
            .into_iter()
            .map(|(name, _, description)| format!("`{name}` ({description})"))
            .collect::<Vec<_>>()
            .join(", ");
        let block = Block::new()
            .description(&format!(
                "Every account of one {what}, as its DescribeAccounts lists them."
            ))
            .attribute(
                Attribute::required(argument, Type::String)
                    .description(&format!("ID of the {what}.")),
            )
            .attribute(
                Attribute::computed("accounts", Type::List(Box::new(self.system.account_type())))
                    .description(&format!(
                        "The accounts, in the order the API lists them, each with {fields}."
                    )),
            );
        Schema::new(0, block)
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let (argument, _) = self.system.argument();
        let id = config
            .attr(argument)
            .and_then(Value::as_str)
            .unwrap_or_default();
        let accounts = self.system.list(&self.clouds, id).await?;
        Ok(Value::object([
            (argument, text(id)),
            ("accounts", Value::List(accounts)),
        ]))
    }
}
