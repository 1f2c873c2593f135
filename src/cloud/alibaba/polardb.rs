//! PolarDB for MySQL account privileges: GrantAccountPrivilege, RevokeAccountPrivilege, DescribeAccounts.
//!
//! Facts this client relies on (docs/architecture.md, "Alibaba PolarDB for MySQL") and their consequences:
//! - Granting what is already held succeeds, and revoking sets the same end state twice, so a
//!   retry after a lost reply is safe for both writes.
//! - An account holds one privilege per database (DescribeAccounts lists one per `DBName`), and
//!   a Grant on a database sets it; changing `ReadOnly` to `ReadWrite` is therefore one Grant
//!   and never passes through "no access". (Assumed from the API shape; the vendor's documentation is silent.)
//! - DescribeAccounts pages carry no total; paging stops at the first short page. Accounts
//!   created or dropped while paging can shift pages, so names are de-duplicated; a caller
//!   needing one account exactly should pass its name.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use super::RpcClient;
use crate::cloud::credentials::AlibabaCredentials;
use crate::cloud::error::CloudError;
use crate::cloud::json::{null_as_empty, read_answer, request_id_of};
use crate::cloud::transport::{Location, Transport};

pub const PRODUCT: &str = "polardb";
pub const VERSION: &str = "2017-08-01";

/// DescribeAccounts page size (allowed: 30, 50, 100).
pub const PAGE_SIZE: usize = 100;

/// Regions served by the central endpoint `polardb.aliyuncs.com` (the vendor SDK's endpoint
/// map); every other region has `polardb.<region>.aliyuncs.com`.
const CENTRAL_REGIONS: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-heyuan",
    "cn-wuhan",
    "cn-fujian",
    "cn-zhangbei",
    "cn-hangzhou-finance",
    "cn-beijing-finance-1",
    "cn-beijing-gov-1",
];

/// The PolarDB endpoint of a region.
pub fn endpoint_for_region(region: &str) -> String {
    let region = region.trim();
    if region.is_empty() || CENTRAL_REGIONS.contains(&region) {
        "https://polardb.aliyuncs.com".to_owned()
    } else {
        format!("https://polardb.{region}.aliyuncs.com")
    }
}

/// `AccountStatus` of DescribeAccounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Creating,
    Available,
    Deleting,
    Other(String),
}

impl From<&str> for AccountStatus {
    fn from(status: &str) -> Self {
        match status {
            "Creating" => Self::Creating,
            "Available" => Self::Available,
            "Deleting" => Self::Deleting,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// `AccountType` of DescribeAccounts: only `Normal` (standard) accounts take grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountType {
    Normal,
    Super,
    Other(String),
}

impl From<&str> for AccountType {
    fn from(account_type: &str) -> Self {
        match account_type {
            "Normal" => Self::Normal,
            "Super" => Self::Super,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One database privilege of an account: `DBName` and `AccountPrivilege`
/// (`ReadWrite`, `ReadOnly`, `DMLOnly`, `DDLOnly`, `ReadIndex`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabasePrivilege {
    pub database: String,
    pub privilege: String,
}

/// An account of a cluster as DescribeAccounts shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolarDbAccount {
    pub name: String,
    pub status: AccountStatus,
    pub account_type: AccountType,
    pub privileges: Vec<DatabasePrivilege>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountsPage {
    #[serde(default, deserialize_with = "null_as_empty")]
    accounts: Vec<AccountRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountRecord {
    account_name: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    account_status: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    account_type: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    database_privileges: Vec<PrivilegeRecord>,
}

#[derive(Deserialize)]
struct PrivilegeRecord {
    #[serde(rename = "DBName")]
    database: String,
    #[serde(
        rename = "AccountPrivilege",
        default,
        deserialize_with = "null_as_empty"
    )]
    privilege: String,
}

impl From<AccountRecord> for PolarDbAccount {
    fn from(record: AccountRecord) -> Self {
        Self {
            status: AccountStatus::from(record.account_status.as_str()),
            account_type: AccountType::from(record.account_type.as_str()),
            name: record.account_name,
            privileges: record
                .database_privileges
                .into_iter()
                .map(|record| DatabasePrivilege {
                    database: record.database,
                    privilege: record.privilege,
                })
                .collect(),
        }
    }
}

/// The PolarDB API (version 2017-08-01).
#[derive(Clone, Debug)]
pub struct PolarDbClient {
    rpc: RpcClient,
}

impl PolarDbClient {
    /// Uses the credentials' endpoint override, else the region's endpoint.
    pub fn new(transport: Transport, credentials: AlibabaCredentials) -> Result<Self, CloudError> {
        let default_endpoint = endpoint_for_region(&credentials.region);
        let rpc = RpcClient::new(
            transport,
            Arc::new(credentials),
            PRODUCT,
            VERSION,
            &default_endpoint,
        )?;
        Ok(Self { rpc })
    }

    pub fn endpoint(&self) -> &reqwest::Url {
        self.rpc.endpoint()
    }

    pub fn location(&self) -> Location {
        Location {
            region: Some(self.rpc.credentials().region.clone()),
            endpoint: self.endpoint().to_string(),
        }
    }

    /// Holds the account's lock (`polardb/<cluster>/<account>`) until the guard is dropped,
    /// so read-modify-write sequences on one account never interleave.
    pub async fn lock_account(&self, cluster_id: &str, account: &str) -> OwnedMutexGuard<()> {
        self.rpc
            .transport()
            .locks()
            .lock(format!("{PRODUCT}/{cluster_id}/{account}"))
            .await
    }

    /// GrantAccountPrivilege: one call for every `(database, privilege)` pair. An empty list
    /// sends nothing.
    pub async fn grant_account_privilege(
        &self,
        cluster_id: &str,
        account: &str,
        grants: &[(String, String)],
        deadline: Instant,
    ) -> Result<(), CloudError> {
        const ACTION: &str = "GrantAccountPrivilege";
        if grants.is_empty() {
            return Ok(());
        }
        let databases = comma_list(ACTION, "database name", grants.iter().map(|(db, _)| db))?;
        let privileges = comma_list(ACTION, "privilege", grants.iter().map(|(_, p)| p))?;
        let params = [
            ("DBClusterId", cluster_id),
            ("AccountName", account),
            ("DBName", databases.as_str()),
            ("AccountPrivilege", privileges.as_str()),
        ];
        self.rpc.call(ACTION, &params, deadline).await?;
        Ok(())
    }

    /// RevokeAccountPrivilege: one call for every database. An empty list sends nothing.
    pub async fn revoke_account_privilege(
        &self,
        cluster_id: &str,
        account: &str,
        databases: &[String],
        deadline: Instant,
    ) -> Result<(), CloudError> {
        const ACTION: &str = "RevokeAccountPrivilege";
        if databases.is_empty() {
            return Ok(());
        }
        let databases = comma_list(ACTION, "database name", databases.iter())?;
        let params = [
            ("DBClusterId", cluster_id),
            ("AccountName", account),
            ("DBName", databases.as_str()),
        ];
        self.rpc.call(ACTION, &params, deadline).await?;
        Ok(())
    }

    /// DescribeAccounts, every page: all accounts of the cluster, or just `account`.
    pub async fn describe_accounts(
        &self,
        cluster_id: &str,
        account: Option<&str>,
        deadline: Instant,
    ) -> Result<Vec<PolarDbAccount>, CloudError> {
        const ACTION: &str = "DescribeAccounts";
        let page_size = PAGE_SIZE.to_string();
        let mut accounts = Vec::new();
        let mut seen = HashSet::new();
        for page_number in 1.. {
            let page_number = page_number.to_string();
            let mut params = vec![
                ("DBClusterId", cluster_id),
                ("PageNumber", page_number.as_str()),
                ("PageSize", page_size.as_str()),
            ];
            if let Some(account) = account {
                params.push(("AccountName", account));
            }
            let reply = self.rpc.call(ACTION, &params, deadline).await?;
            let request_id = request_id_of(&reply);
            let page: AccountsPage = read_answer(ACTION, "Accounts", reply)?;
            let page_len = page.accounts.len();
            let before = accounts.len();
            for record in page.accounts {
                if seen.insert(record.account_name.clone()) {
                    accounts.push(PolarDbAccount::from(record));
                }
            }
            if page_len < PAGE_SIZE {
                break;
            }
            if accounts.len() == before {
                return Err(CloudError::InvalidResponse {
                    action: ACTION.to_owned(),
                    detail: format!(
                        "page {page_number} repeats earlier accounts; paging does not advance"
                    ),
                    request_id,
                });
            }
        }
        Ok(accounts)
    }
}

/// Joins names into the API's comma-separated form, refusing names that would split wrongly.
fn comma_list<'a>(
    action: &str,
    what: &str,
    names: impl Iterator<Item = &'a String>,
) -> Result<String, CloudError> {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if let Some(bad) = names
        .iter()
        .find(|name| name.is_empty() || name.contains(','))
    {
        return Err(CloudError::InvalidRequest {
            action: action.to_owned(),
            detail: format!("{what} {bad:?} must be non-empty and contain no comma"),
        });
    }
    Ok(names.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn central_and_regional_endpoints() {
        assert_eq!(
            endpoint_for_region("cn-hangzhou"),
            "https://polardb.aliyuncs.com"
        );
        assert_eq!(
            endpoint_for_region("cn-beijing"),
            "https://polardb.aliyuncs.com"
        );
        assert_eq!(endpoint_for_region(""), "https://polardb.aliyuncs.com");
        assert_eq!(
            endpoint_for_region("cn-zhangjiakou"),
            "https://polardb.cn-zhangjiakou.aliyuncs.com"
        );
        assert_eq!(
            endpoint_for_region("ap-southeast-1"),
            "https://polardb.ap-southeast-1.aliyuncs.com"
        );
    }

    #[test]
    fn account_records_become_accounts() {
        let page: AccountsPage = serde_json::from_str(
            r#"{"RequestId":"R","PageNumber":1,"PageRecordCount":1,"Accounts":[{
                "AccountName":"app","AccountStatus":"Available","AccountType":"Normal",
                "AccountDescription":"","AccountLockState":"UnLock",
                "DatabasePrivileges":[{"DBName":"shop","AccountPrivilege":"ReadWrite"}]}]}"#,
        )
        .expect("page");
        let accounts: Vec<PolarDbAccount> = page
            .accounts
            .into_iter()
            .map(PolarDbAccount::from)
            .collect();
        assert_eq!(
            accounts,
            vec![PolarDbAccount {
                name: "app".into(),
                status: AccountStatus::Available,
                account_type: AccountType::Normal,
                privileges: vec![DatabasePrivilege {
                    database: "shop".into(),
                    privilege: "ReadWrite".into(),
                }],
            }]
        );
        assert_eq!(
            AccountStatus::from("Locked"),
            AccountStatus::Other("Locked".into())
        );
    }

    #[test]
    fn null_lists_and_texts_read_as_empty() {
        let page: AccountsPage =
            serde_json::from_str(r#"{"RequestId":"R","Accounts":null}"#).expect("page");
        assert!(page.accounts.is_empty());
        let page: AccountsPage = serde_json::from_str(
            r#"{"RequestId":"R","Accounts":[
                {"AccountName":"app","AccountStatus":null,"AccountType":null,
                 "AccountDescription":null,"DatabasePrivileges":null},
                {"AccountName":"report","AccountStatus":"Available","AccountType":"Normal",
                 "DatabasePrivileges":[{"DBName":"shop","AccountPrivilege":null}]}]}"#,
        )
        .expect("page");
        let accounts: Vec<PolarDbAccount> = page
            .accounts
            .into_iter()
            .map(PolarDbAccount::from)
            .collect();
        assert_eq!(
            accounts,
            vec![
                PolarDbAccount {
                    name: "app".into(),
                    status: AccountStatus::Other(String::new()),
                    account_type: AccountType::Other(String::new()),
                    privileges: vec![],
                },
                PolarDbAccount {
                    name: "report".into(),
                    status: AccountStatus::Available,
                    account_type: AccountType::Normal,
                    privileges: vec![DatabasePrivilege {
                        database: "shop".into(),
                        privilege: String::new(),
                    }],
                },
            ]
        );
    }

    #[test]
    fn names_with_commas_are_refused() {
        let names = ["a".to_owned(), "b,c".to_owned()];
        let error =
            comma_list("RevokeAccountPrivilege", "database name", names.iter()).expect_err("comma");
        assert!(matches!(error, CloudError::InvalidRequest { .. }));
        let good = ["a".to_owned(), "b".to_owned()];
        assert_eq!(
            comma_list("X", "database name", good.iter()).expect("list"),
            "a,b"
        );
    }

    mod against_a_server {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;

        use super::super::*;
        use crate::cloud::alibaba::sign;
        use crate::cloud::credentials::Secret;
        use crate::cloud::testing::{fast_transport, Answer, MockServer};

        fn client(server: &MockServer, token: Option<&str>) -> PolarDbClient {
            PolarDbClient::new(
                fast_transport(),
                AlibabaCredentials {
                    access_key_id: "LTAIsim".into(),
                    access_key_secret: Secret::new("sim-secret"),
                    security_token: token.map(Secret::new),
                    region: "cn-hangzhou".into(),
                    endpoint: Some(server.base_url.clone()),
                },
            )
            .expect("client")
        }

        fn soon() -> Instant {
            Instant::now() + Duration::from_secs(5)
        }

        #[tokio::test]
        async fn grant_sends_one_signed_call_with_paired_lists() {
            let server = MockServer::start(|_| Answer::new(200, r#"{"RequestId":"R-OK"}"#)).await;
            let grants = vec![
                ("shop".to_owned(), "ReadWrite".to_owned()),
                ("logs".to_owned(), "ReadOnly".to_owned()),
            ];
            client(&server, Some("sts-token"))
                .grant_account_privilege("pc-sim00001", "app", &grants, soon())
                .await
                .expect("grant");

            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            let request = &requests[0];
            assert_eq!(request.method, "POST");
            assert_eq!(request.path, "/");
            assert!(request.body.is_empty());
            assert_eq!(request.param("DBClusterId").as_deref(), Some("pc-sim00001"));
            assert_eq!(request.param("AccountName").as_deref(), Some("app"));
            assert_eq!(request.param("DBName").as_deref(), Some("shop,logs"));
            assert_eq!(
                request.param("AccountPrivilege").as_deref(),
                Some("ReadWrite,ReadOnly")
            );
            assert!(
                request.query.contains("DBName=shop%2Clogs"),
                "{}",
                request.query
            );
            assert_eq!(
                request.header("x-acs-action"),
                Some("GrantAccountPrivilege")
            );
            assert_eq!(request.header("x-acs-version"), Some("2017-08-01"));
            assert_eq!(request.header("x-acs-security-token"), Some("sts-token"));
            assert_eq!(
                request.header("x-acs-content-sha256"),
                Some(sign::hex_sha256(b"").as_str())
            );
            let date = request.header("x-acs-date").expect("date");
            assert!(date.len() == 20 && date.ends_with('Z'), "{date}");
            assert_eq!(
                request.header("x-acs-signature-nonce").map(str::len),
                Some(32)
            );
            assert_eq!(
                request.header("user-agent"),
                Some(crate::cloud::transport::USER_AGENT)
            );
            assert_eq!(
                request.header("host"),
                Some(server.base_url.trim_start_matches("http://"))
            );
            assert!(
                request
                    .header("authorization")
                    .is_some_and(|a| a.starts_with(
                        "ACS3-HMAC-SHA256 Credential=LTAIsim,SignedHeaders=host;x-acs-action;"
                    )),
                "{:?}",
                request.header("authorization")
            );
        }

        #[tokio::test]
        async fn error_envelope_becomes_an_api_error_without_retry() {
            let server = MockServer::start(|_| {
                Answer::new(
                    404,
                    r#"{"RequestId":"1A2B-NF","HostId":"polardb.aliyuncs.com",
                        "Code":"InvalidAccountName.NotFound",
                        "Message":"The specified account does not exist.","Recommend":"https://r"}"#,
                )
            })
            .await;
            let error = client(&server, None)
                .revoke_account_privilege("pc-sim00001", "ghost", &["shop".to_owned()], soon())
                .await
                .expect_err("not found");
            assert_eq!(error.code(), Some("InvalidAccountName.NotFound"));
            assert_eq!(error.request_id(), Some("1A2B-NF"));
            assert_eq!(error.missing(), Some(crate::cloud::error::Missing::Account));
            assert_eq!(
                error.to_string(),
                "RevokeAccountPrivilege failed: InvalidAccountName.NotFound: \
                 The specified account does not exist. (RequestId: 1A2B-NF)"
            );
            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            assert_eq!(requests[0].param("DBName").as_deref(), Some("shop"));
            assert_eq!(requests[0].header("x-acs-security-token"), None);
        }

        #[tokio::test]
        async fn service_unavailable_then_success_is_retried_and_re_signed() {
            let calls = AtomicUsize::new(0);
            let server = MockServer::start(move |_| {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Answer::new(
                        503,
                        r#"{"RequestId":"R-503","Code":"ServiceUnavailable","Message":"busy"}"#,
                    )
                } else {
                    Answer::new(200, r#"{"RequestId":"R-OK"}"#)
                }
            })
            .await;
            client(&server, None)
                .grant_account_privilege(
                    "pc-sim00001",
                    "app",
                    &[("shop".to_owned(), "DMLOnly".to_owned())],
                    soon(),
                )
                .await
                .expect("second attempt succeeds");
            let requests = server.requests();
            assert_eq!(requests.len(), 2);
            assert_ne!(
                requests[0].header("x-acs-signature-nonce"),
                requests[1].header("x-acs-signature-nonce"),
                "every attempt is signed anew"
            );
        }

        #[tokio::test]
        async fn a_bare_gateway_error_is_retried_until_the_deadline() {
            let server = MockServer::start(|_| Answer::new(502, "<html>bad gateway</html>")).await;
            let error = client(&server, None)
                .describe_accounts(
                    "pc-sim00001",
                    None,
                    Instant::now() + Duration::from_millis(200),
                )
                .await
                .expect_err("never succeeds");
            match error {
                CloudError::Timeout {
                    last_error: Some(last),
                    ..
                } => assert!(last.to_string().contains("HTTP 502"), "{last}"),
                other => panic!("expected a timeout, got {other:?}"),
            }
            assert!(server.requests().len() > 2);
        }

        #[tokio::test]
        async fn describe_accounts_follows_every_page() {
            let server = MockServer::start(|request| {
                let page: usize = request
                    .param("PageNumber")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                let size: usize = request
                    .param("PageSize")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(30);
                let accounts: Vec<serde_json::Value> = (0..230)
                    .skip((page - 1) * size)
                    .take(size)
                    .map(|n| {
                        serde_json::json!({
                            "AccountName": format!("user{n:03}"),
                            "AccountStatus": "Available",
                            "AccountType": "Normal",
                            "DatabasePrivileges": [{"DBName": "shop", "AccountPrivilege": "ReadOnly"}]
                        })
                    })
                    .collect();
                let body = serde_json::json!({
                    "RequestId": format!("R-page-{page}"),
                    "PageNumber": page,
                    "PageRecordCount": accounts.len(),
                    "Accounts": accounts,
                });
                Answer::new(200, body.to_string())
            })
            .await;
            let accounts = client(&server, None)
                .describe_accounts("pc-sim00001", None, soon())
                .await
                .expect("accounts");
            assert_eq!(accounts.len(), 230);
            assert_eq!(accounts[229].name, "user229");
            assert_eq!(accounts[0].privileges[0].privilege, "ReadOnly");
            let requests = server.requests();
            let pages: Vec<String> = requests
                .iter()
                .filter_map(|request| request.param("PageNumber"))
                .collect();
            assert_eq!(pages, vec!["1", "2", "3"]);
            assert!(requests
                .iter()
                .all(|r| r.param("PageSize").as_deref() == Some("100")));
            assert!(requests.iter().all(|r| r.param("AccountName").is_none()));
        }

        #[tokio::test]
        async fn describe_one_account_passes_its_name() {
            let server = MockServer::start(|_| {
                Answer::new(
                    200,
                    r#"{"RequestId":"R","Accounts":[{"AccountName":"app","AccountStatus":"Creating",
                        "AccountType":"Normal","DatabasePrivileges":[]}]}"#,
                )
            })
            .await;
            let accounts = client(&server, None)
                .describe_accounts("pc-sim00001", Some("app"), soon())
                .await
                .expect("accounts");
            assert_eq!(accounts.len(), 1);
            assert_eq!(accounts[0].status, AccountStatus::Creating);
            assert_eq!(
                server.requests()[0].param("AccountName").as_deref(),
                Some("app")
            );
        }

        #[tokio::test]
        async fn empty_changes_send_nothing() {
            let server = MockServer::start(|_| Answer::new(500, "{}")).await;
            let polardb = client(&server, None);
            polardb
                .grant_account_privilege("pc-1", "app", &[], soon())
                .await
                .expect("nothing to grant");
            polardb
                .revoke_account_privilege("pc-1", "app", &[], soon())
                .await
                .expect("nothing to revoke");
            assert!(server.requests().is_empty());
        }

        #[tokio::test]
        async fn account_lock_is_shared_by_clones() {
            let server = MockServer::start(|_| Answer::new(200, "{}")).await;
            let polardb = client(&server, None);
            let clone = polardb.clone();
            let _held = polardb.lock_account("pc-1", "app").await;
            let blocked =
                tokio::time::timeout(Duration::from_millis(50), clone.lock_account("pc-1", "app"))
                    .await;
            assert!(blocked.is_err(), "the same account must wait");
            let other = tokio::time::timeout(
                Duration::from_millis(50),
                clone.lock_account("pc-1", "report"),
            )
            .await;
            assert!(other.is_ok());
        }
    }
}
