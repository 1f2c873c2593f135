//! TencentDB for PostgreSQL account privileges: ModifyAccountPrivileges,
//! DescribeAccountPrivileges and DescribeAccounts (service `postgres`, version 2017-03-12).
//!
//! Facts this client relies on (docs/architecture.md, "Tencent PostgreSQL") and their consequences:
//! - Every postgres call needs `X-TC-Region`, so the client refuses to exist without a region.
//! - ModifyAccountPrivileges takes at most 50 items; a longer list is refused before sending.
//!   Granting a privilege already held and revoking one not held leave the same end state, so
//!   a retry after a lost reply is safe.
//! - DescribeAccountPrivileges answers only for the objects it is asked about, with empty name
//!   fields as `""`; this client turns them back into "absent".

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use super::TencentClient;
use crate::cloud::error::CloudError;
use crate::cloud::json::{null_as_empty, read_answer, request_id_of};
use crate::cloud::transport::Location;

pub const SERVICE: &str = "postgres";
pub const VERSION: &str = "2017-03-12";

/// ModifyAccountPrivileges takes at most this many `ModifyPrivilegeSet` items.
pub const MAX_MODIFY_ITEMS: usize = 50;

/// Objects asked about in one DescribeAccountPrivileges call. The vendor documents no limit;
/// this mirrors ModifyAccountPrivileges' 50 so that no call is larger than a write.
pub const MAX_DESCRIBE_OBJECTS: usize = 50;

/// DescribeAccounts page size (allowed: 1 to 100).
pub const ACCOUNTS_PAGE_SIZE: usize = 100;

/// The code with which DescribeAccountPrivileges and ModifyAccountPrivileges refuse a call
/// naming an object that does not exist (the vendor's "failed to check the parameter"; its
/// message names the object).
const MISSING_OBJECT_CODE: &str = "InvalidParameter.ParameterCheckError";

/// Whether the vendor refused a call for naming an object that does not exist. The same code
/// reports malformed objects, so it means "gone" only for objects known to be well formed.
pub fn is_missing_object(error: &CloudError) -> bool {
    error.code() == Some(MISSING_OBJECT_CODE)
}

/// `ObjectType` of a `DatabaseObject`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectType {
    Account,
    Database,
    Schema,
    Sequence,
    Procedure,
    Type,
    Function,
    Table,
    View,
    Matview,
    Column,
}

impl ObjectType {
    pub const ALL: [ObjectType; 11] = [
        Self::Account,
        Self::Database,
        Self::Schema,
        Self::Sequence,
        Self::Procedure,
        Self::Type,
        Self::Function,
        Self::Table,
        Self::View,
        Self::Matview,
        Self::Column,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Database => "database",
            Self::Schema => "schema",
            Self::Sequence => "sequence",
            Self::Procedure => "procedure",
            Self::Type => "type",
            Self::Function => "function",
            Self::Table => "table",
            Self::View => "view",
            Self::Matview => "matview",
            Self::Column => "column",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `DatabaseObject`: what a privilege is on. Fields are ordered so that objects sort by
/// database, schema and table first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatabaseObject {
    pub database_name: Option<String>,
    pub schema_name: Option<String>,
    pub table_name: Option<String>,
    pub object_type: ObjectType,
    pub object_name: String,
}

impl DatabaseObject {
    fn to_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        object.insert("ObjectType".into(), json!(self.object_type.as_str()));
        object.insert("ObjectName".into(), json!(self.object_name));
        let optional = [
            ("DatabaseName", &self.database_name),
            ("SchemaName", &self.schema_name),
            ("TableName", &self.table_name),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                object.insert(name.into(), json!(value));
            }
        }
        Value::Object(object)
    }
}

/// `ModifyType` of a `ModifyPrivilege` item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModifyType {
    GrantObject,
    RevokeObject,
    AlterRole,
}

impl ModifyType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GrantObject => "grantObject",
            Self::RevokeObject => "revokeObject",
            Self::AlterRole => "alterRole",
        }
    }
}

/// `UserType` of an account, and the `alterRole` privilege that sets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountType {
    Normal,
    TencentDbSuper,
    Other(String),
}

impl AccountType {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Normal => "normal",
            Self::TencentDbSuper => "tencentDBSuper",
            Self::Other(other) => other,
        }
    }
}

impl From<&str> for AccountType {
    fn from(text: &str) -> Self {
        match text {
            "normal" => Self::Normal,
            "tencentDBSuper" => Self::TencentDbSuper,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One item of `ModifyPrivilegeSet`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModifyPrivilege {
    pub modify_type: ModifyType,
    pub object: DatabaseObject,
    pub privileges: Vec<String>,
    /// `IsCascade`, sent with revokes only.
    pub is_cascade: bool,
}

impl ModifyPrivilege {
    pub fn grant(object: DatabaseObject, privileges: Vec<String>) -> Self {
        Self {
            modify_type: ModifyType::GrantObject,
            object,
            privileges,
            is_cascade: false,
        }
    }

    pub fn revoke(object: DatabaseObject, privileges: Vec<String>, is_cascade: bool) -> Self {
        Self {
            modify_type: ModifyType::RevokeObject,
            object,
            privileges,
            is_cascade,
        }
    }

    /// `alterRole` on the account object: makes `user` a `normal` or `tencentDBSuper` account.
    pub fn alter_role(user: &str, account_type: &AccountType) -> Self {
        Self {
            modify_type: ModifyType::AlterRole,
            object: DatabaseObject {
                database_name: None,
                schema_name: None,
                table_name: None,
                object_type: ObjectType::Account,
                object_name: user.to_owned(),
            },
            privileges: vec![account_type.as_str().to_owned()],
            is_cascade: false,
        }
    }

    fn to_json(&self) -> Value {
        let mut item = json!({
            "DatabasePrivilege": {
                "Object": self.object.to_json(),
                "PrivilegeSet": self.privileges,
            },
            "ModifyType": self.modify_type.as_str(),
        });
        if self.modify_type == ModifyType::RevokeObject {
            item["IsCascade"] = json!(self.is_cascade);
        }
        item
    }
}

/// `DatabasePrivilege`: the privileges an account holds on one object, as
/// DescribeAccountPrivileges reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabasePrivilege {
    pub object: DatabaseObject,
    pub privileges: Vec<String>,
}

/// An account of an instance as DescribeAccounts shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresAccount {
    pub user_name: String,
    pub user_type: AccountType,
    pub status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrivilegesReply {
    #[serde(default, deserialize_with = "null_as_empty")]
    privilege_set: Vec<PrivilegeRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrivilegeRecord {
    object: ObjectRecord,
    #[serde(default, deserialize_with = "null_as_empty")]
    privilege_set: Vec<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ObjectRecord {
    object_type: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    object_name: String,
    #[serde(default)]
    database_name: Option<String>,
    #[serde(default)]
    schema_name: Option<String>,
    #[serde(default)]
    table_name: Option<String>,
}

impl ObjectRecord {
    /// The object, or `None` for an object type this client does not know.
    fn into_object(self) -> Option<DatabaseObject> {
        let present = |name: Option<String>| name.filter(|n| !n.is_empty());
        Some(DatabaseObject {
            object_type: ObjectType::parse(&self.object_type)?,
            object_name: self.object_name,
            database_name: present(self.database_name),
            schema_name: present(self.schema_name),
            table_name: present(self.table_name),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountsReply {
    #[serde(default, deserialize_with = "null_as_empty")]
    total_count: usize,
    #[serde(default, deserialize_with = "null_as_empty")]
    details: Vec<AccountRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountRecord {
    user_name: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    user_type: String,
    #[serde(default)]
    status: Value,
}

impl From<AccountRecord> for PostgresAccount {
    fn from(record: AccountRecord) -> Self {
        let status = match record.status {
            Value::String(text) => text,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        Self {
            user_name: record.user_name,
            user_type: AccountType::from(record.user_type.as_str()),
            status,
        }
    }
}

/// The TencentDB for PostgreSQL API of one region.
#[derive(Clone, Debug)]
pub struct PostgresClient {
    tencent: TencentClient,
    region: String,
}

impl PostgresClient {
    /// Needs the credentials' region: every postgres call carries `X-TC-Region`.
    pub fn new(tencent: TencentClient) -> Result<Self, CloudError> {
        let region = tencent
            .credentials()
            .region
            .clone()
            .filter(|region| !region.trim().is_empty())
            .ok_or_else(|| CloudError::Config {
                detail: "TencentDB for PostgreSQL calls need a region: set region in the provider's tencentcloud block or the TENCENTCLOUD_REGION environment variable".to_owned(),
            })?;
        Ok(Self { tencent, region })
    }

    pub fn location(&self) -> Location {
        self.tencent.location(SERVICE)
    }

    /// Holds the account's lock (`postgres/<instance>/<user>`) until the guard is dropped.
    pub async fn lock_account(&self, instance_id: &str, user: &str) -> OwnedMutexGuard<()> {
        self.tencent
            .lock_account(format!("{SERVICE}/{instance_id}/{user}"))
            .await
    }

    async fn call(
        &self,
        action: &str,
        params: Value,
        deadline: Instant,
    ) -> Result<Value, CloudError> {
        self.tencent
            .call(
                SERVICE,
                VERSION,
                action,
                Some(&self.region),
                params,
                deadline,
            )
            .await
    }

    /// ModifyAccountPrivileges with up to [`MAX_MODIFY_ITEMS`] items; returns the RequestId.
    pub async fn modify_account_privileges(
        &self,
        instance_id: &str,
        user: &str,
        items: &[ModifyPrivilege],
        deadline: Instant,
    ) -> Result<String, CloudError> {
        const ACTION: &str = "ModifyAccountPrivileges";
        if items.is_empty() || items.len() > MAX_MODIFY_ITEMS {
            return Err(CloudError::InvalidRequest {
                action: ACTION.to_owned(),
                detail: format!(
                    "{} items given; one call takes 1 to {MAX_MODIFY_ITEMS}",
                    items.len()
                ),
            });
        }
        let params = json!({
            "DBInstanceId": instance_id,
            "UserName": user,
            "ModifyPrivilegeSet": items.iter().map(ModifyPrivilege::to_json).collect::<Vec<_>>(),
        });
        let reply = self.call(ACTION, params, deadline).await?;
        Ok(request_id_of(&reply).unwrap_or_default())
    }

    /// DescribeAccountPrivileges for up to [`MAX_DESCRIBE_OBJECTS`] objects. Objects of a type
    /// this client does not know are left out of the answer.
    pub async fn describe_account_privileges(
        &self,
        instance_id: &str,
        user: &str,
        objects: &[DatabaseObject],
        deadline: Instant,
    ) -> Result<Vec<DatabasePrivilege>, CloudError> {
        const ACTION: &str = "DescribeAccountPrivileges";
        if objects.is_empty() || objects.len() > MAX_DESCRIBE_OBJECTS {
            return Err(CloudError::InvalidRequest {
                action: ACTION.to_owned(),
                detail: format!(
                    "{} objects given; one call takes 1 to {MAX_DESCRIBE_OBJECTS}",
                    objects.len()
                ),
            });
        }
        let params = json!({
            "DBInstanceId": instance_id,
            "UserName": user,
            "DatabaseObjectSet": objects.iter().map(DatabaseObject::to_json).collect::<Vec<_>>(),
        });
        let reply = self.call(ACTION, params, deadline).await?;
        let reply: PrivilegesReply = read_answer(ACTION, "PrivilegeSet", reply)?;
        Ok(reply
            .privilege_set
            .into_iter()
            .filter_map(|record| {
                Some(DatabasePrivilege {
                    object: record.object.into_object()?,
                    privileges: record.privilege_set,
                })
            })
            .collect())
    }

    /// DescribeAccounts, every page: all accounts of the instance.
    pub async fn describe_accounts(
        &self,
        instance_id: &str,
        deadline: Instant,
    ) -> Result<Vec<PostgresAccount>, CloudError> {
        let mut accounts = Vec::new();
        loop {
            let page = self
                .accounts_page(instance_id, accounts.len(), deadline)
                .await?;
            let last = page.is_last(accounts.len());
            accounts.extend(page.accounts);
            if last {
                return Ok(accounts);
            }
        }
    }

    /// The account named `user`, or `None` when the instance has no such account; pages are
    /// read only until it appears.
    pub async fn find_account(
        &self,
        instance_id: &str,
        user: &str,
        deadline: Instant,
    ) -> Result<Option<PostgresAccount>, CloudError> {
        let mut offset = 0;
        loop {
            let page = self.accounts_page(instance_id, offset, deadline).await?;
            let last = page.is_last(offset);
            offset += page.accounts.len();
            if let Some(found) = page.accounts.into_iter().find(|a| a.user_name == user) {
                return Ok(Some(found));
            }
            if last {
                return Ok(None);
            }
        }
    }

    /// One DescribeAccounts page, from the `offset`-th account.
    async fn accounts_page(
        &self,
        instance_id: &str,
        offset: usize,
        deadline: Instant,
    ) -> Result<AccountsPage, CloudError> {
        const ACTION: &str = "DescribeAccounts";
        let params = json!({
            "DBInstanceId": instance_id,
            "Limit": ACCOUNTS_PAGE_SIZE,
            "Offset": offset,
        });
        let reply = self.call(ACTION, params, deadline).await?;
        let page: AccountsReply = read_answer(ACTION, "Details", reply)?;
        Ok(AccountsPage {
            accounts: page
                .details
                .into_iter()
                .map(PostgresAccount::from)
                .collect(),
            total: page.total_count,
        })
    }
}

/// Some of an instance's accounts, and how many it has in all.
struct AccountsPage {
    accounts: Vec<PostgresAccount>,
    total: usize,
}

impl AccountsPage {
    /// Whether no page follows this one, which starts at the `offset`-th account.
    fn is_last(&self, offset: usize) -> bool {
        self.accounts.is_empty() || offset + self.accounts.len() >= self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> DatabaseObject {
        DatabaseObject {
            database_name: Some("appdb".into()),
            schema_name: Some("public".into()),
            table_name: None,
            object_type: ObjectType::Table,
            object_name: name.into(),
        }
    }

    #[test]
    fn items_have_the_vendor_shape() {
        let revoke = ModifyPrivilege::revoke(table("users"), vec!["DELETE".into()], true);
        assert_eq!(
            revoke.to_json(),
            json!({
                "DatabasePrivilege": {
                    "Object": {"ObjectType": "table", "ObjectName": "users",
                               "DatabaseName": "appdb", "SchemaName": "public"},
                    "PrivilegeSet": ["DELETE"],
                },
                "ModifyType": "revokeObject",
                "IsCascade": true,
            })
        );
        let grant = ModifyPrivilege::grant(table("users"), vec!["SELECT".into()]);
        assert!(
            grant.to_json().get("IsCascade").is_none(),
            "IsCascade is for revokes only"
        );
        assert_eq!(
            ModifyPrivilege::alter_role("app", &AccountType::TencentDbSuper).to_json(),
            json!({
                "DatabasePrivilege": {
                    "Object": {"ObjectType": "account", "ObjectName": "app"},
                    "PrivilegeSet": ["tencentDBSuper"],
                },
                "ModifyType": "alterRole",
            })
        );
    }

    #[test]
    fn empty_name_fields_in_answers_mean_absent() {
        let reply: PrivilegesReply = serde_json::from_value(json!({
            "PrivilegeSet": [
                {"Object": {"ObjectType": "database", "ObjectName": "appdb", "DatabaseName": "",
                            "SchemaName": "", "TableName": ""}, "PrivilegeSet": ["CONNECT"]},
                {"Object": {"ObjectType": "rule", "ObjectName": "r"}, "PrivilegeSet": []}
            ],
            "RequestId": "R"
        }))
        .expect("reply");
        let objects: Vec<_> = reply
            .privilege_set
            .into_iter()
            .filter_map(|r| r.object.into_object())
            .collect();
        assert_eq!(
            objects,
            vec![DatabaseObject {
                database_name: None,
                schema_name: None,
                table_name: None,
                object_type: ObjectType::Database,
                object_name: "appdb".into(),
            }]
        );
    }

    #[test]
    fn null_lists_and_texts_in_answers_read_as_empty() {
        let reply: PrivilegesReply =
            serde_json::from_value(json!({"PrivilegeSet": null, "RequestId": "R"})).expect("reply");
        assert!(reply.privilege_set.is_empty());
        let reply: PrivilegesReply = serde_json::from_value(json!({
            "PrivilegeSet": [
                {"Object": {"ObjectType": "database", "ObjectName": null, "DatabaseName": null,
                            "SchemaName": null, "TableName": null}, "PrivilegeSet": null}
            ],
            "RequestId": "R"
        }))
        .expect("reply");
        let privileges: Vec<DatabasePrivilege> = reply
            .privilege_set
            .into_iter()
            .filter_map(|record| {
                Some(DatabasePrivilege {
                    object: record.object.into_object()?,
                    privileges: record.privilege_set,
                })
            })
            .collect();
        assert_eq!(
            privileges,
            vec![DatabasePrivilege {
                object: DatabaseObject {
                    database_name: None,
                    schema_name: None,
                    table_name: None,
                    object_type: ObjectType::Database,
                    object_name: String::new(),
                },
                privileges: vec![],
            }]
        );

        let reply: AccountsReply =
            serde_json::from_value(json!({"TotalCount": null, "Details": null, "RequestId": "R"}))
                .expect("reply");
        assert_eq!(reply.total_count, 0);
        assert!(reply.details.is_empty());
        let reply: AccountsReply = serde_json::from_value(json!({
            "TotalCount": 1,
            "Details": [{"UserName": "app", "UserType": null, "Status": null, "Remark": null}],
            "RequestId": "R"
        }))
        .expect("reply");
        let accounts: Vec<PostgresAccount> = reply
            .details
            .into_iter()
            .map(PostgresAccount::from)
            .collect();
        assert_eq!(
            accounts,
            vec![PostgresAccount {
                user_name: "app".into(),
                user_type: AccountType::Other(String::new()),
                status: String::new(),
            }]
        );
    }

    #[test]
    fn object_types_read_back_what_they_write() {
        for object_type in ObjectType::ALL {
            assert_eq!(ObjectType::parse(object_type.as_str()), Some(object_type));
        }
        assert_eq!(ObjectType::parse("Table"), None);
        assert_eq!(
            AccountType::from("tencentDBSuper"),
            AccountType::TencentDbSuper
        );
        assert_eq!(AccountType::from("x").as_str(), "x");
    }

    mod against_a_server {
        use std::time::Duration;

        use super::super::*;
        use super::table;
        use crate::cloud::credentials::{Secret, TencentCredentials};
        use crate::cloud::testing::{fast_transport, Answer, MockServer};

        fn client(server: &MockServer, region: Option<&str>) -> Result<PostgresClient, CloudError> {
            let tencent = TencentClient::new(
                fast_transport(),
                TencentCredentials {
                    secret_id: "AKIDsim".into(),
                    secret_key: Secret::new("sim-secret"),
                    security_token: None,
                    region: region.map(str::to_owned),
                    endpoint: Some(server.base_url.clone()),
                    legacy_api: false,
                },
            )?;
            PostgresClient::new(tencent)
        }

        fn soon() -> Instant {
            Instant::now() + Duration::from_secs(5)
        }

        #[tokio::test]
        async fn a_client_without_a_region_is_refused() {
            let server = MockServer::start(|_| Answer::new(200, "{}")).await;
            let error = client(&server, None).expect_err("no region");
            assert!(error.to_string().contains("TENCENTCLOUD_REGION"), "{error}");
        }

        #[tokio::test]
        async fn modify_sends_the_region_and_refuses_more_than_50_items() {
            let server =
                MockServer::start(|_| Answer::new(200, r#"{"Response":{"RequestId":"R-1"}}"#))
                    .await;
            let postgres = client(&server, Some("ap-guangzhou")).expect("client");
            let items: Vec<_> = (0..51)
                .map(|i| ModifyPrivilege::grant(table(&format!("t{i}")), vec!["SELECT".into()]))
                .collect();
            let too_many = postgres
                .modify_account_privileges("postgres-1", "app", &items, soon())
                .await
                .expect_err("51 items");
            assert!(matches!(too_many, CloudError::InvalidRequest { .. }));
            assert!(server.requests().is_empty(), "nothing was sent");

            let request_id = postgres
                .modify_account_privileges("postgres-1", "app", &items[..50], soon())
                .await
                .expect("50 items");
            assert_eq!(request_id, "R-1");
            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            assert_eq!(requests[0].header("x-tc-region"), Some("ap-guangzhou"));
            assert_eq!(requests[0].header("x-tc-version"), Some(VERSION));
            let body: Value = serde_json::from_slice(&requests[0].body).expect("json");
            assert_eq!(
                body["ModifyPrivilegeSet"].as_array().map(Vec::len),
                Some(50)
            );
            assert_eq!(body["UserName"], "app");
        }

        #[tokio::test]
        async fn accounts_are_read_page_by_page() {
            let server = MockServer::start(|request| {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let offset = body["Offset"].as_u64().unwrap_or_default() as usize;
                let details: Vec<Value> = (offset..(offset + 100).min(130))
                    .map(
                        |i| json!({"UserName": format!("u{i}"), "UserType": "normal", "Status": 1}),
                    )
                    .collect();
                Answer::new(
                    200,
                    json!({"Response": {"TotalCount": 130, "Details": details, "RequestId": "R"}})
                        .to_string(),
                )
            })
            .await;
            let postgres = client(&server, Some("ap-guangzhou")).expect("client");
            let accounts = postgres
                .describe_accounts("postgres-1", soon())
                .await
                .expect("accounts");
            assert_eq!(accounts.len(), 130);
            assert_eq!(server.requests().len(), 2);
            assert_eq!(accounts[129].user_name, "u129");
            assert_eq!(accounts[0].status, "1");

            // One account is looked for only until its page: the first page holds u7, and the
            // last one is read for u120 and for an account the instance does not have.
            for (user, found, pages) in [("u7", true, 1), ("u120", true, 2), ("nobody", false, 2)] {
                let before = server.requests().len();
                let account = postgres
                    .find_account("postgres-1", user, soon())
                    .await
                    .expect("find");
                assert_eq!(account.map(|a| a.user_name), found.then(|| user.to_owned()));
                assert_eq!(server.requests().len() - before, pages, "{user}");
            }
        }
    }
}
