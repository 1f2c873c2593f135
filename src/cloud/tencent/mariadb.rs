//! TDSQL for MySQL (service `mariadb`, version 2017-03-12) account privileges:
//! ModifyAccountPrivileges and its flow (DescribeFlow), DescribeAccountPrivileges one scope at a
//! time, and the calls that discover what there is to read: DescribeDatabases,
//! DescribeDatabaseObjects, DescribeDatabaseTable.
//!
//! Facts this client relies on (docs/architecture.md, "Tencent TDSQL for MySQL"):
//! - ModifyAccountPrivileges keeps the privileges of a level whose list is left out, and a list
//!   that is sent (even empty) sets its level. This client always sends all seven lists, so
//!   the request states the whole end result and repeating it after a lost reply is harmless.
//! - The change happens in a flow (`FlowId`, an integer); DescribeFlow answers `Status` 0
//!   (succeeded), 1 (failed) or 2 (running).
//! - DescribeAccountPrivileges reads one scope per call: `DbName` `*` is global, `Type` `*` a
//!   database, `Type` `table|view|proc|func` with `Object` an object, `ColName` a column.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

pub use super::cdb::Account;
use super::legacy::{flatten_values, Envelope, V2Call, V2Method};
use super::poll::{wait, Look, Polling, Waited};
use super::TencentClient;
use crate::cloud::error::CloudError;
use crate::cloud::json::{null_as_empty, read_answer, request_id_of, text_field};
use crate::cloud::pace::TaskPace;
use crate::cloud::transport::Location;

pub const SERVICE: &str = "mariadb";
pub const VERSION: &str = "2017-03-12";
/// The legacy v2 action that sets one scope's privileges.
pub const V2_MODIFY: &str = "ModifyTdsqlUserPrivileges";

/// `GlobalPrivileges`.
pub const GLOBAL_PRIVILEGES: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "PROCESS",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "SHOW DATABASES",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EVENT",
    "TRIGGER",
];

/// TDSQL takes the names cdb takes at its database, table and column levels; views take the
/// table's.
pub use super::cdb::{COLUMN_PRIVILEGES, DATABASE_PRIVILEGES, TABLE_PRIVILEGES};

/// `FunctionPrivileges` and `ProcedurePrivileges`.
pub const ROUTINE_PRIVILEGES: &[&str] = &["ALTER ROUTINE", "EXECUTE"];

/// One scope DescribeAccountPrivileges reads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Database(String),
    Table(String, String),
    Column(String, String, String),
    View(String, String),
    Function(String, String),
    Procedure(String, String),
}

impl Scope {
    fn params(&self) -> Value {
        let object =
            |db: &str, kind: &str, name: &str| json!({"DbName": db, "Type": kind, "Object": name});
        match self {
            Scope::Global => json!({"DbName": "*"}),
            Scope::Database(db) => json!({"DbName": db, "Type": "*"}),
            Scope::Table(db, table) => {
                json!({"DbName": db, "Type": "table", "Object": table, "ColName": "*"})
            }
            Scope::Column(db, table, column) => {
                json!({"DbName": db, "Type": "table", "Object": table, "ColName": column})
            }
            Scope::View(db, view) => object(db, "view", view),
            Scope::Function(db, function) => object(db, "func", function),
            Scope::Procedure(db, procedure) => object(db, "proc", procedure),
        }
    }
}

/// The seven lists of a ModifyAccountPrivileges, in the API's shapes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivilegeLists {
    pub global_privileges: Vec<String>,
    pub database_privileges: Vec<Value>,
    pub table_privileges: Vec<Value>,
    pub view_privileges: Vec<Value>,
    pub column_privileges: Vec<Value>,
    pub function_privileges: Vec<Value>,
    pub procedure_privileges: Vec<Value>,
}

/// The flow a ModifyAccountPrivileges started, and the RequestId of the call that started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub flow_id: i64,
    pub request_id: String,
}

/// What DescribeFlow says of a running flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowStatus {
    pub status: i64,
    pub request_id: String,
}

/// How waiting for a flow ended, when it did not fail.
pub type FlowWait = Waited<FlowStatus>;

/// The objects of one database, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseObjects {
    pub tables: Vec<String>,
    pub views: Vec<String>,
    pub procedures: Vec<String>,
    pub functions: Vec<String>,
}

/// An account as DescribeAccounts lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAccount {
    pub user: String,
    pub host: String,
    pub description: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UsersReply {
    #[serde(default, deserialize_with = "null_as_empty")]
    users: Vec<UserRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserRecord {
    user_name: String,
    host: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    description: String,
}

/// The TDSQL API on a Tencent API 3.0 client.
#[derive(Clone, Debug)]
pub struct TdsqlClient {
    tencent: TencentClient,
    polling: Polling,
    pace: TaskPace,
}

impl TdsqlClient {
    pub fn new(tencent: TencentClient) -> Self {
        TdsqlClient {
            pace: tencent.transport().task_pace(SERVICE),
            tencent,
            polling: Polling::default(),
        }
    }

    pub fn location(&self) -> Location {
        self.tencent.location(SERVICE)
    }

    /// Holds the account's lock (`mariadb/<instance>/<user>@<host>`) until the guard is dropped.
    pub async fn lock_account(&self, instance_id: &str, account: &Account) -> OwnedMutexGuard<()> {
        self.tencent
            .lock_account(format!("{SERVICE}/{instance_id}/{}", account.name()))
            .await
    }

    /// How long a ModifyAccountPrivileges that identical changes may join should wait, made
    /// now, for the rate limit ([`crate::cloud::ratelimit::RateLimiter::merging_delay`]).
    pub fn modify_delay(&self) -> std::time::Duration {
        self.tencent
            .transport()
            .rate_limiter()
            .merging_delay(SERVICE, "ModifyAccountPrivileges")
    }

    /// ModifyAccountPrivileges with every list: afterwards each of `accounts` holds exactly
    /// `lists`.
    pub async fn modify_account_privileges(
        &self,
        instance_id: &str,
        accounts: &[Account],
        lists: &PrivilegeLists,
        deadline: Instant,
    ) -> Result<Flow, CloudError> {
        const ACTION: &str = "ModifyAccountPrivileges";
        let mut params = serde_json::to_value(lists).unwrap_or_default();
        if let Value::Object(params) = &mut params {
            params.insert("InstanceId".into(), json!(instance_id));
            params.insert("Accounts".into(), json!(accounts));
        }
        let response = self.call(ACTION, params, deadline).await?;
        let request_id = request_id_of(&response);
        match response.get("FlowId").and_then(Value::as_i64) {
            Some(flow_id) => Ok(Flow {
                flow_id,
                request_id: request_id.unwrap_or_default(),
            }),
            None => Err(CloudError::InvalidResponse {
                action: ACTION.to_owned(),
                detail: "no FlowId in the answer".to_owned(),
                request_id,
            }),
        }
    }

    pub async fn describe_flow(
        &self,
        flow_id: i64,
        deadline: Instant,
    ) -> Result<FlowStatus, CloudError> {
        const ACTION: &str = "DescribeFlow";
        let params = json!({"FlowId": flow_id});
        let response = self
            .tencent
            .look_at_task(
                SERVICE,
                VERSION,
                ACTION,
                &flow_id.to_string(),
                params,
                deadline,
            )
            .await?;
        match response.get("Status").and_then(Value::as_i64) {
            Some(status) => Ok(FlowStatus {
                status,
                request_id: text_field(&response, "RequestId"),
            }),
            None => Err(CloudError::InvalidResponse {
                action: ACTION.to_owned(),
                detail: format!("no Status for flow {flow_id}"),
                request_id: request_id_of(&response),
            }),
        }
    }

    /// Polls the flow `action` started until it succeeds, fails ([`CloudError::TaskFailed`]),
    /// or `deadline` passes while it is still running. A status this client does not know
    /// is waited for, as it may still end well.
    pub async fn wait_for_flow(
        &self,
        action: &str,
        flow_id: i64,
        deadline: Instant,
    ) -> Result<FlowWait, CloudError> {
        wait(&self.polling, &self.pace, deadline, |at| async move {
            let flow = self.describe_flow(flow_id, at.deadline).await?;
            tracing::debug!(action, flow_id, status = flow.status, "flow status");
            match flow.status {
                0 => Ok(Look::Succeeded),
                1 => Err(CloudError::TaskFailed {
                    action: action.to_owned(),
                    task_id: flow_id.to_string(),
                    status: "1 (failed)".to_owned(),
                    info: format!("DescribeFlow RequestId: {}", flow.request_id),
                }),
                _ => Ok(Look::Running(flow)),
            }
        })
        .await
    }

    /// Whether writes go through the legacy API v2 (the provider's `legacy_api`).
    pub fn uses_legacy_api(&self) -> bool {
        self.tencent.credentials().legacy_api
    }

    /// The legacy v2 ModifyTdsqlUserPrivileges: one scope set to exactly `privileges`, at once.
    pub async fn set_scope_v2(
        &self,
        instance_id: &str,
        account: &Account,
        scope: &Scope,
        privileges: &[String],
        deadline: Instant,
    ) -> Result<(), CloudError> {
        let mut params = vec![
            ("Version".to_owned(), VERSION.to_owned()),
            ("CdbInstanceId".to_owned(), instance_id.to_owned()),
            ("UserName".to_owned(), account.user.clone()),
            ("Host".to_owned(), account.host.clone()),
        ];
        if let Value::Object(named) = scope.params() {
            params.extend(
                named
                    .into_iter()
                    .map(|(key, value)| (key, value.as_str().unwrap_or_default().to_owned())),
            );
        }
        if *scope == Scope::Global {
            params.push(("Type".to_owned(), "*".to_owned()));
        }
        params.extend(flatten_values("Privileges", privileges));
        let call = V2Call {
            product: "tdsql",
            service: SERVICE,
            action: V2_MODIFY,
            params,
            envelope: Envelope::Response,
            method: V2Method::Post,
        };
        self.tencent.call_v2(call, deadline).await.map(|_| ())
    }

    /// DescribeAccounts: the instance's accounts, in one answer.
    pub async fn describe_accounts(
        &self,
        instance_id: &str,
        deadline: Instant,
    ) -> Result<Vec<ListedAccount>, CloudError> {
        const ACTION: &str = "DescribeAccounts";
        let response = self
            .call(ACTION, json!({ "InstanceId": instance_id }), deadline)
            .await?;
        let reply: UsersReply = read_answer(ACTION, "Users", response)?;
        Ok(reply
            .users
            .into_iter()
            .map(|user| ListedAccount {
                user: user.user_name,
                host: user.host,
                description: user.description,
            })
            .collect())
    }

    /// DescribeAccountPrivileges: what the account holds on one scope.
    pub async fn describe_account_privileges(
        &self,
        instance_id: &str,
        account: &Account,
        scope: &Scope,
        deadline: Instant,
    ) -> Result<Vec<String>, CloudError> {
        const ACTION: &str = "DescribeAccountPrivileges";
        let mut params = scope.params();
        if let Value::Object(params) = &mut params {
            params.insert("InstanceId".into(), json!(instance_id));
            params.insert("UserName".into(), json!(account.user));
            params.insert("Host".into(), json!(account.host));
        }
        let response = self.call(ACTION, params, deadline).await?;
        Ok(strings(&response, "Privileges"))
    }

    /// DescribeDatabases: the names of the instance's databases.
    pub async fn describe_databases(
        &self,
        instance_id: &str,
        deadline: Instant,
    ) -> Result<Vec<String>, CloudError> {
        let response = self
            .call(
                "DescribeDatabases",
                json!({"InstanceId": instance_id}),
                deadline,
            )
            .await?;
        Ok(names(&response, "Databases", "DbName"))
    }

    /// DescribeDatabaseObjects: the tables, views, procedures and functions of a database.
    pub async fn describe_database_objects(
        &self,
        instance_id: &str,
        database: &str,
        deadline: Instant,
    ) -> Result<DatabaseObjects, CloudError> {
        let params = json!({"InstanceId": instance_id, "DbName": database});
        let response = self
            .call("DescribeDatabaseObjects", params, deadline)
            .await?;
        Ok(DatabaseObjects {
            tables: names(&response, "Tables", "Table"),
            views: names(&response, "Views", "View"),
            procedures: names(&response, "Procs", "Proc"),
            functions: names(&response, "Funcs", "Func"),
        })
    }

    /// DescribeDatabaseTable: the columns of a table.
    pub async fn describe_database_table(
        &self,
        instance_id: &str,
        database: &str,
        table: &str,
        deadline: Instant,
    ) -> Result<Vec<String>, CloudError> {
        let params = json!({"InstanceId": instance_id, "DbName": database, "Table": table});
        let response = self.call("DescribeDatabaseTable", params, deadline).await?;
        Ok(names(&response, "Cols", "Col"))
    }

    async fn call(
        &self,
        action: &str,
        params: Value,
        deadline: Instant,
    ) -> Result<Value, CloudError> {
        self.tencent
            .call(SERVICE, VERSION, action, None, params, deadline)
            .await
    }
}

/// A list of strings; `null` or absent reads as empty.
fn strings(answer: &Value, field: &str) -> Vec<String> {
    answer
        .get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The `name` of each object of a list (`Databases: [{DbName}]`); `null` reads as empty.
fn names(answer: &Value, list: &str, name: &str) -> Vec<String> {
    answer
        .get(list)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| text_field(item, name))
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_reads_as_the_api_names_it() {
        let db = || "shop".to_owned();
        assert_eq!(Scope::Global.params(), json!({"DbName": "*"}));
        assert_eq!(
            Scope::Database(db()).params(),
            json!({"DbName": "shop", "Type": "*"})
        );
        assert_eq!(
            Scope::Column(db(), "orders".into(), "total".into()).params(),
            json!({"DbName": "shop", "Type": "table", "Object": "orders", "ColName": "total"})
        );
        assert_eq!(
            Scope::Procedure(db(), "archive".into()).params(),
            json!({"DbName": "shop", "Type": "proc", "Object": "archive"})
        );
    }

    #[test]
    fn empty_lists_read_as_empty() {
        let answer = json!({"Tables": null, "Views": [{"View": "v"}], "Privileges": null});
        assert!(names(&answer, "Tables", "Table").is_empty());
        assert_eq!(names(&answer, "Views", "View"), ["v"]);
        assert!(strings(&answer, "Privileges").is_empty());
    }
}
