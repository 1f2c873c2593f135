//! TencentDB for MySQL (CDB) account privileges: ModifyAccountPrivileges, DescribeAccountPrivileges
//! and the async task it starts, polled with DescribeAsyncRequestInfo.
//!
//! Facts this client relies on (docs/architecture.md, "Tencent CDB for MySQL") and their consequences:
//! - ModifyAccountPrivileges without `ModifyAction` replaces everything the account holds: a
//!   level that is not passed is cleared. This client always sends all four levels, so the
//!   request states the whole end result and repeating it after a lost reply is harmless.
//! - The change happens in an async task (`AsyncRequestId`); DescribeAccountPrivileges shows
//!   the old privileges until the task ends.
//! - Tencent APIs answer `null` for an empty list; it reads as empty.

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use super::legacy::{flatten_values, Envelope, V2Call, V2Method};
pub use super::poll::Polling;
use super::poll::{look_with, wait, Look, Waited};
use super::TencentClient;
use crate::cloud::error::CloudError;
use crate::cloud::json::{null_as_empty, read_answer, request_id_of, text_field};
use crate::cloud::pace::TaskPace;
use crate::cloud::transport::Location;

pub const SERVICE: &str = "cdb";
/// The legacy v2 action that replaces an account's privileges.
pub const V2_MODIFY: &str = "ModifyCdbInstanceAccountPrivileges";
pub const VERSION: &str = "2017-03-20";

/// Privileges ModifyAccountPrivileges accepts in `GlobalPrivileges`.
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
    "CREATE USER",
    "RELOAD",
    "REPLICATION CLIENT",
    "REPLICATION SLAVE",
];

/// Privileges accepted in `DatabasePrivileges`.
pub const DATABASE_PRIVILEGES: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
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

/// Privileges accepted in `TablePrivileges`.
pub const TABLE_PRIVILEGES: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "CREATE VIEW",
    "SHOW VIEW",
    "TRIGGER",
];

/// Privileges accepted in `ColumnPrivileges`.
pub const COLUMN_PRIVILEGES: &[&str] = &["SELECT", "INSERT", "UPDATE", "REFERENCES"];

/// A MySQL account: a user at a host (`%` is any host).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub user: String,
    pub host: String,
}

impl Account {
    /// `user@host`, the way MySQL names an account.
    pub fn name(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatabasePrivilege {
    pub database: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub privileges: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TablePrivilege {
    pub database: String,
    pub table: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub privileges: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ColumnPrivilege {
    pub database: String,
    pub table: String,
    pub column: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub privileges: Vec<String>,
}

/// Everything an account holds, in the API's shape: what DescribeAccountPrivileges returns and
/// what a full-replace ModifyAccountPrivileges takes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountPrivileges {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub global_privileges: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub database_privileges: Vec<DatabasePrivilege>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub table_privileges: Vec<TablePrivilege>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub column_privileges: Vec<ColumnPrivilege>,
}

/// The task a ModifyAccountPrivileges started, and the RequestId of the call that started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsyncRequest {
    pub async_request_id: String,
    pub request_id: String,
}

/// `Status` of DescribeAsyncRequestInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsyncRequestStatus {
    Initial,
    Running,
    Success,
    Failed,
    Killed,
    Removed,
    Paused,
    Undefined,
    Other(String),
}

impl From<&str> for AsyncRequestStatus {
    fn from(status: &str) -> Self {
        match status {
            "INITIAL" => Self::Initial,
            "RUNNING" => Self::Running,
            "SUCCESS" => Self::Success,
            "FAILED" => Self::Failed,
            "KILLED" => Self::Killed,
            "REMOVED" => Self::Removed,
            "PAUSED" => Self::Paused,
            "UNDEFINED" => Self::Undefined,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl AsyncRequestStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Initial => "INITIAL",
            Self::Running => "RUNNING",
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::Killed => "KILLED",
            Self::Removed => "REMOVED",
            Self::Paused => "PAUSED",
            Self::Undefined => "UNDEFINED",
            Self::Other(status) => status,
        }
    }

    /// FAILED, KILLED and REMOVED end the task without the change. Everything else that is
    /// not SUCCESS (including PAUSED, UNDEFINED and statuses this client does not know) may
    /// still end well, so it is waited for within the timeout.
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed | Self::Killed | Self::Removed)
    }
}

/// What DescribeAsyncRequestInfo says about a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsyncRequestInfo {
    pub status: AsyncRequestStatus,
    pub info: String,
    pub request_id: String,
}

/// How waiting for a task ended, when the task did not fail.
pub type TaskWait = Waited<AsyncRequestInfo>;

/// DescribeAccounts' `Limit`: the largest page.
const ACCOUNTS_PAGE_SIZE: usize = 100;

/// An account as DescribeAccounts lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAccount {
    pub user: String,
    pub host: String,
    /// `Notes`: the account's remark.
    pub notes: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountsPage {
    #[serde(default)]
    total_count: usize,
    #[serde(default, deserialize_with = "null_as_empty")]
    items: Vec<AccountItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountItem {
    user: String,
    host: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    notes: String,
}

/// The CDB API (version 2017-03-20) on a Tencent API 3.0 client.
#[derive(Clone, Debug)]
pub struct CdbClient {
    tencent: TencentClient,
    polling: Polling,
    pace: TaskPace,
}

impl CdbClient {
    pub fn new(tencent: TencentClient) -> Self {
        CdbClient {
            pace: tencent.transport().task_pace(SERVICE),
            tencent,
            polling: Polling::default(),
        }
    }

    pub fn with_polling(self, polling: Polling) -> Self {
        CdbClient { polling, ..self }
    }

    pub fn location(&self) -> Location {
        self.tencent.location(SERVICE)
    }

    /// Holds the account's lock (`cdb/<instance>/<user>@<host>`) until the guard is dropped, so
    /// a change and the wait for its task never interleave with another on the same account.
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

    /// ModifyAccountPrivileges in full-replace mode (no `ModifyAction`): afterwards each of
    /// `accounts` holds exactly `privileges`; empty lists clear their level.
    pub async fn modify_account_privileges(
        &self,
        instance_id: &str,
        accounts: &[Account],
        privileges: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<AsyncRequest, CloudError> {
        const ACTION: &str = "ModifyAccountPrivileges";
        let params = modify_params(instance_id, accounts, privileges);
        let response = self.call(ACTION, params, deadline).await?;
        let request_id = request_id_of(&response);
        match response.get("AsyncRequestId").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(AsyncRequest {
                async_request_id: id.to_owned(),
                request_id: request_id.unwrap_or_default(),
            }),
            _ => Err(CloudError::InvalidResponse {
                action: ACTION.to_owned(),
                detail: "no AsyncRequestId in the answer".to_owned(),
                request_id,
            }),
        }
    }

    /// Whether writes go through the legacy API v2 (the provider's `legacy_api`).
    pub fn uses_legacy_api(&self) -> bool {
        self.tencent.credentials().legacy_api
    }

    /// The legacy v2 ModifyCdbInstanceAccountPrivileges: the account holds exactly
    /// `privileges` afterwards (a level not passed is cleared), at once.
    pub async fn modify_account_privileges_v2(
        &self,
        instance_id: &str,
        account: &Account,
        privileges: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), CloudError> {
        let mut params = vec![
            ("cdbInstanceId".to_owned(), instance_id.to_owned()),
            ("user".to_owned(), account.user.clone()),
            ("host".to_owned(), account.host.clone()),
        ];
        params.extend(flatten_values("globalPriv", &privileges.global_privileges));
        for (index, scope) in privileges.database_privileges.iter().enumerate() {
            params.push((format!("dbPriv.{index}.db"), scope.database.clone()));
            params.extend(flatten_values(
                &format!("dbPriv.{index}.priv"),
                &scope.privileges,
            ));
        }
        for (index, scope) in privileges.table_privileges.iter().enumerate() {
            params.push((format!("tbPriv.{index}.db"), scope.database.clone()));
            params.push((format!("tbPriv.{index}.tb"), scope.table.clone()));
            params.extend(flatten_values(
                &format!("tbPriv.{index}.priv"),
                &scope.privileges,
            ));
        }
        for (index, scope) in privileges.column_privileges.iter().enumerate() {
            params.push((format!("colPriv.{index}.db"), scope.database.clone()));
            params.push((format!("colPriv.{index}.tb"), scope.table.clone()));
            params.push((format!("colPriv.{index}.col"), scope.column.clone()));
            params.extend(flatten_values(
                &format!("colPriv.{index}.priv"),
                &scope.privileges,
            ));
        }
        let call = V2Call {
            product: SERVICE,
            service: SERVICE,
            action: V2_MODIFY,
            params,
            envelope: Envelope::CodeMessage,
            method: V2Method::Post,
        };
        self.tencent.call_v2(call, deadline).await.map(|_| ())
    }

    /// DescribeAccounts, every page: the instance's accounts.
    pub async fn describe_accounts(
        &self,
        instance_id: &str,
        deadline: Instant,
    ) -> Result<Vec<ListedAccount>, CloudError> {
        const ACTION: &str = "DescribeAccounts";
        let mut accounts = Vec::new();
        loop {
            let params = serde_json::json!({
                "InstanceId": instance_id,
                "Offset": accounts.len(),
                "Limit": ACCOUNTS_PAGE_SIZE,
            });
            let response = self.call(ACTION, params, deadline).await?;
            let page: AccountsPage = read_answer(ACTION, "Items", response)?;
            let page_len = page.items.len();
            accounts.extend(page.items.into_iter().map(|item| ListedAccount {
                user: item.user,
                host: item.host,
                notes: item.notes,
            }));
            if page_len == 0 || accounts.len() >= page.total_count {
                return Ok(accounts);
            }
        }
    }

    /// DescribeAccountPrivileges: what the account holds now, in the API's words.
    pub async fn describe_account_privileges(
        &self,
        instance_id: &str,
        account: &Account,
        deadline: Instant,
    ) -> Result<AccountPrivileges, CloudError> {
        const ACTION: &str = "DescribeAccountPrivileges";
        let params = serde_json::json!({
            "InstanceId": instance_id,
            "User": account.user,
            "Host": account.host,
        });
        let response = self.call(ACTION, params, deadline).await?;
        read_answer(ACTION, "the privileges", response)
    }

    /// DescribeAsyncRequestInfo: the status of one task.
    pub async fn describe_async_request_info(
        &self,
        async_request_id: &str,
        deadline: Instant,
    ) -> Result<AsyncRequestInfo, CloudError> {
        const ACTION: &str = "DescribeAsyncRequestInfo";
        let params = serde_json::json!({ "AsyncRequestId": async_request_id });
        let response = self
            .tencent
            .look_at_task(SERVICE, VERSION, ACTION, async_request_id, params, deadline)
            .await?;
        let status = text_field(&response, "Status");
        if status.is_empty() {
            return Err(CloudError::InvalidResponse {
                action: ACTION.to_owned(),
                detail: format!("no Status for task {async_request_id}"),
                request_id: request_id_of(&response),
            });
        }
        Ok(AsyncRequestInfo {
            status: AsyncRequestStatus::from(status.as_str()),
            info: text_field(&response, "Info"),
            request_id: text_field(&response, "RequestId"),
        })
    }

    /// Polls the task `action` started until it succeeds, fails ([`CloudError::TaskFailed`]
    /// with the task's `Info`), or `deadline` passes while it is still under way.
    pub async fn wait_for_async_request(
        &self,
        action: &str,
        async_request_id: &str,
        deadline: Instant,
    ) -> Result<TaskWait, CloudError> {
        wait(&self.polling, &self.pace, deadline, |at| {
            self.look_at_async_request(action, async_request_id, at.deadline)
        })
        .await
    }

    /// Waits for the task as [`Self::wait_for_async_request`] does, and reads what `account`
    /// holds with each look that is expected to find the task ended, in parallel with it: the
    /// read back costs no round trip of its own when the look finds the task ended. The read
    /// sent with the look that found it ended, if that look was expected to; it may have
    /// reached the cloud a moment before the task's end.
    pub async fn wait_for_async_request_reading(
        &self,
        action: &str,
        async_request_id: &str,
        instance_id: &str,
        account: &Account,
        deadline: Instant,
    ) -> (
        Result<TaskWait, CloudError>,
        Option<Result<AccountPrivileges, CloudError>>,
    ) {
        let last_read = Mutex::new(None);
        let waited = wait(&self.polling, &self.pace, deadline, |at| {
            let last_read = &last_read;
            async move {
                let looking = self.look_at_async_request(action, async_request_id, at.deadline);
                let (look, read) = match at.expects_end {
                    true => {
                        let reading =
                            self.describe_account_privileges(instance_id, account, at.deadline);
                        look_with(looking, reading).await
                    }
                    false => (looking.await, None),
                };
                *last_read.lock().unwrap_or_else(PoisonError::into_inner) = read;
                look
            }
        })
        .await;
        // Only a look that found the task ended keeps its read, and such a look ends the wait.
        let read = last_read
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        (waited, read)
    }

    /// One look at the task: succeeded, still running as it says, or failed (the error).
    async fn look_at_async_request(
        &self,
        action: &str,
        async_request_id: &str,
        deadline: Instant,
    ) -> Result<Look<AsyncRequestInfo>, CloudError> {
        let task = self
            .describe_async_request_info(async_request_id, deadline)
            .await?;
        tracing::debug!(
            action,
            async_request_id,
            status = task.status.as_str(),
            "task status"
        );
        if task.status == AsyncRequestStatus::Success {
            return Ok(Look::Succeeded);
        }
        if task.status.is_failure() {
            return Err(CloudError::TaskFailed {
                action: action.to_owned(),
                task_id: async_request_id.to_owned(),
                status: task.status.as_str().to_owned(),
                info: self.tencent.redact(&task.info),
            });
        }
        Ok(Look::Running(task))
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

/// The body of a full-replace ModifyAccountPrivileges: every level is present, empty or not.
fn modify_params(instance_id: &str, accounts: &[Account], privileges: &AccountPrivileges) -> Value {
    serde_json::json!({
        "InstanceId": instance_id,
        "Accounts": accounts,
        "GlobalPrivileges": privileges.global_privileges,
        "DatabasePrivileges": privileges.database_privileges,
        "TablePrivileges": privileges.table_privileges,
        "ColumnPrivileges": privileges.column_privileges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn account() -> Account {
        Account {
            user: "app".into(),
            host: "%".into(),
        }
    }

    #[test]
    fn a_full_replace_names_every_level_and_no_modify_action() {
        let privileges = AccountPrivileges {
            global_privileges: vec!["PROCESS".into()],
            database_privileges: vec![DatabasePrivilege {
                database: "shop".into(),
                privileges: vec!["SELECT".into(), "SHOW VIEW".into()],
            }],
            table_privileges: vec![],
            column_privileges: vec![ColumnPrivilege {
                database: "shop".into(),
                table: "orders".into(),
                column: "total".into(),
                privileges: vec!["UPDATE".into()],
            }],
        };
        assert_eq!(
            modify_params("cdb-sim00001", &[account()], &privileges),
            serde_json::json!({
                "InstanceId": "cdb-sim00001",
                "Accounts": [{"User": "app", "Host": "%"}],
                "GlobalPrivileges": ["PROCESS"],
                "DatabasePrivileges": [{"Database": "shop", "Privileges": ["SELECT", "SHOW VIEW"]}],
                "TablePrivileges": [],
                "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "total", "Privileges": ["UPDATE"]}],
            })
        );
    }

    #[test]
    fn clearing_everything_sends_empty_lists() {
        let params = modify_params("cdb-1", &[account()], &AccountPrivileges::default());
        for level in [
            "GlobalPrivileges",
            "DatabasePrivileges",
            "TablePrivileges",
            "ColumnPrivileges",
        ] {
            assert_eq!(params[level], serde_json::json!([]), "{level}");
        }
        assert!(params.get("ModifyAction").is_none());
    }

    #[test]
    fn null_and_missing_lists_read_as_empty() {
        let privileges: AccountPrivileges = serde_json::from_str(
            r#"{"GlobalPrivileges": null, "DatabasePrivileges": [{"Database": "shop", "Privileges": null}],
                "RequestId": "R"}"#,
        )
        .expect("privileges");
        assert_eq!(
            privileges,
            AccountPrivileges {
                database_privileges: vec![DatabasePrivilege {
                    database: "shop".into(),
                    privileges: vec![],
                }],
                ..AccountPrivileges::default()
            }
        );

        let privileges: AccountPrivileges = serde_json::from_str(
            r#"{"GlobalPrivileges": null, "DatabasePrivileges": null,
                "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": null}],
                "ColumnPrivileges": [{"Database": "shop", "Table": "orders", "Column": "total",
                                      "Privileges": null}],
                "RequestId": "R"}"#,
        )
        .expect("privileges");
        assert!(privileges.global_privileges.is_empty());
        assert!(privileges.database_privileges.is_empty());
        assert!(privileges.table_privileges[0].privileges.is_empty());
        assert!(privileges.column_privileges[0].privileges.is_empty());
        let all_null: AccountPrivileges = serde_json::from_str(
            r#"{"GlobalPrivileges": null, "DatabasePrivileges": null, "TablePrivileges": null,
                "ColumnPrivileges": null}"#,
        )
        .expect("privileges");
        assert_eq!(all_null, AccountPrivileges::default());
    }

    #[test]
    fn task_statuses_that_end_in_failure() {
        for status in ["FAILED", "KILLED", "REMOVED"] {
            assert!(AsyncRequestStatus::from(status).is_failure(), "{status}");
        }
        for status in [
            "INITIAL",
            "RUNNING",
            "PAUSED",
            "UNDEFINED",
            "SUCCESS",
            "QUEUED",
        ] {
            assert!(!AsyncRequestStatus::from(status).is_failure(), "{status}");
            assert_eq!(AsyncRequestStatus::from(status).as_str(), status);
        }
    }

    mod against_a_server {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;

        use super::*;
        use crate::cloud::credentials::{Secret, TencentCredentials};
        use crate::cloud::testing::{fast_transport, Answer, MockServer, RecordedRequest};

        fn client(server: &MockServer) -> CdbClient {
            let tencent = TencentClient::new(
                fast_transport(),
                TencentCredentials {
                    secret_id: "AKIDsim".into(),
                    secret_key: Secret::new("sim-secret"),
                    security_token: None,
                    region: Some("ap-guangzhou".into()),
                    endpoint: Some(server.base_url.clone()),
                    legacy_api: false,
                },
            )
            .expect("client");
            CdbClient::new(tencent).with_polling(Polling {
                first: Duration::from_millis(5),
                factor: 2.0,
                max: Duration::from_millis(20),
            })
        }

        fn soon() -> Instant {
            Instant::now() + Duration::from_secs(5)
        }

        fn action(request: &RecordedRequest) -> &str {
            request.header("x-tc-action").unwrap_or_default()
        }

        fn ok(fields: &str) -> Answer {
            Answer::new(
                200,
                format!(r#"{{"Response":{{{fields},"RequestId":"T-OK"}}}}"#),
            )
        }

        fn task_status(status: &str, info: &str) -> Answer {
            ok(&format!(r#""Status":"{status}","Info":"{info}""#))
        }

        #[tokio::test]
        async fn modify_returns_the_task_and_the_request_id() {
            let server = MockServer::start(|_| ok(r#""AsyncRequestId":"task-1""#)).await;
            let task = client(&server)
                .modify_account_privileges(
                    "cdb-sim00001",
                    &[account()],
                    &AccountPrivileges::default(),
                    soon(),
                )
                .await
                .expect("modify");
            assert_eq!(
                task,
                AsyncRequest {
                    async_request_id: "task-1".into(),
                    request_id: "T-OK".into(),
                }
            );
            let requests = server.requests();
            assert_eq!(action(&requests[0]), "ModifyAccountPrivileges");
            assert_eq!(requests[0].header("x-tc-version"), Some(VERSION));
            assert!(requests[0]
                .header("authorization")
                .is_some_and(|a| a.contains("/cdb/tc3_request")));
        }

        #[tokio::test]
        async fn an_answer_without_a_task_is_an_invalid_response() {
            let server = MockServer::start(|_| ok(r#""Foo":1"#)).await;
            let error = client(&server)
                .modify_account_privileges(
                    "cdb-1",
                    &[account()],
                    &AccountPrivileges::default(),
                    soon(),
                )
                .await
                .expect_err("no task");
            assert!(
                matches!(error, CloudError::InvalidResponse { .. }),
                "{error:?}"
            );
            assert_eq!(error.request_id(), Some("T-OK"));
        }

        #[tokio::test]
        async fn describe_reads_every_level() {
            let server = MockServer::start(|_| {
                ok(r#""GlobalPrivileges":["PROCESS"],
                    "DatabasePrivileges":[{"Database":"shop","Privileges":["SELECT"]}],
                    "TablePrivileges":[{"Database":"shop","Table":"orders","Privileges":["INSERT"]}],
                    "ColumnPrivileges":null"#)
            })
            .await;
            let privileges = client(&server)
                .describe_account_privileges("cdb-1", &account(), soon())
                .await
                .expect("privileges");
            assert_eq!(privileges.global_privileges, vec!["PROCESS".to_string()]);
            assert_eq!(privileges.table_privileges[0].table, "orders");
            assert!(privileges.column_privileges.is_empty());
            let body: Value =
                serde_json::from_slice(&server.requests()[0].body).expect("json body");
            assert_eq!(
                body,
                serde_json::json!({"InstanceId": "cdb-1", "User": "app", "Host": "%"})
            );
        }

        #[tokio::test]
        async fn waiting_polls_until_success_through_pauses() {
            let polls = Arc::new(AtomicUsize::new(0));
            let counter = Arc::clone(&polls);
            let server = MockServer::start(move |_| match counter.fetch_add(1, Ordering::SeqCst) {
                0 => task_status("INITIAL", ""),
                1 => task_status("PAUSED", ""),
                2 => task_status("RUNNING", ""),
                _ => task_status("SUCCESS", "done"),
            })
            .await;
            let outcome = client(&server)
                .wait_for_async_request("ModifyAccountPrivileges", "task-1", soon())
                .await
                .expect("wait");
            assert_eq!(outcome, TaskWait::Succeeded);
            let requests = server.requests();
            assert_eq!(requests.len(), 4);
            assert!(requests
                .iter()
                .all(|r| action(r) == "DescribeAsyncRequestInfo"));
            let body: Value = serde_json::from_slice(&requests[0].body).expect("json body");
            assert_eq!(body, serde_json::json!({"AsyncRequestId": "task-1"}));
        }

        #[tokio::test]
        async fn a_failed_task_reports_its_info() {
            let server =
                MockServer::start(|_| task_status("FAILED", "grant failed: no such table")).await;
            let error = client(&server)
                .wait_for_async_request("ModifyAccountPrivileges", "task-9", soon())
                .await
                .expect_err("failed task");
            assert_eq!(
                error.to_string(),
                "ModifyAccountPrivileges task task-9 ended with status FAILED: grant failed: no such table"
            );
        }

        #[tokio::test]
        async fn a_task_still_running_at_the_deadline_is_reported_as_such() {
            let server = MockServer::start(|_| task_status("RUNNING", "")).await;
            let started = Instant::now();
            let outcome = client(&server)
                .wait_for_async_request(
                    "ModifyAccountPrivileges",
                    "task-2",
                    Instant::now() + Duration::from_millis(60),
                )
                .await
                .expect("wait");
            match outcome {
                TaskWait::StillRunning(task) => {
                    assert_eq!(task.status, AsyncRequestStatus::Running)
                }
                other => panic!("expected a running task, got {other:?}"),
            }
            assert!(started.elapsed() < Duration::from_secs(2));
            assert!(server.requests().len() >= 2);
        }

        #[tokio::test]
        async fn an_unknown_user_is_not_found() {
            let server = MockServer::start(|_| {
                Answer::new(
                    200,
                    r#"{"Response":{"Error":{"Code":"InvalidParameterValue.UserNotExistError",
                        "Message":"The account does not exist."},"RequestId":"T-NF"}}"#,
                )
            })
            .await;
            let error = client(&server)
                .describe_account_privileges("cdb-1", &account(), soon())
                .await
                .expect_err("no user");
            assert_eq!(error.missing(), Some(crate::cloud::error::Missing::Account));
            assert_eq!(error.request_id(), Some("T-NF"));
        }

        #[tokio::test]
        async fn accounts_lock_separately() {
            let server = MockServer::start(|_| Answer::new(200, "{}")).await;
            let cdb = client(&server);
            let _held = cdb.lock_account("cdb-1", &account()).await;
            let same = tokio::time::timeout(
                Duration::from_millis(50),
                cdb.clone().lock_account("cdb-1", &account()),
            )
            .await;
            assert!(same.is_err(), "the same account must wait");
            let other_host = Account {
                host: "10.0.0.%".into(),
                ..account()
            };
            let other = tokio::time::timeout(
                Duration::from_millis(50),
                cdb.lock_account("cdb-1", &other_host),
            )
            .await;
            assert!(other.is_ok(), "another host is another account");
        }
    }
}
