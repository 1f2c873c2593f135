//! PolarDB (version 2017-08-01): GrantAccountPrivilege, RevokeAccountPrivilege,
//! DescribeAccounts, DescribeDatabases.

pub(crate) mod backend;
pub(crate) mod fixture;
mod paging;
pub(crate) mod state;

use std::collections::HashSet;
use std::time::Instant;

use axum::http::StatusCode;
use serde_json::{json, Value};

use self::paging::Page;
use self::state::{Account, Cluster};
use crate::alibaba::errors::AlibabaError;
use crate::alibaba::rpc::Parameters;
use crate::fixture::{PolarDbAccountStatus, PolarDbAccountType, PolarDbPrivilege};
use crate::state::SimState;

pub(crate) const PRODUCT: &str = "polardb";
pub(crate) const VERSION: &str = "2017-08-01";
pub(crate) const ACTIONS: &[&str] = &[
    "DescribeAccounts",
    "DescribeDatabases",
    "GrantAccountPrivilege",
    "RevokeAccountPrivilege",
];

/// What DescribeAccounts reports as the expiry of a password that never expires, as in the
/// vendor's example (https://help.aliyun.com/zh/polardb/api-polardb-2017-08-01-describeaccounts).
const NO_PASSWORD_EXPIRY: &str = "undefined";

/// Answers one PolarDB action; `action` is one of [`ACTIONS`].
pub(crate) async fn handle(
    state: &SimState,
    action: &str,
    params: &Parameters,
) -> Result<Value, AlibabaError> {
    state
        .polardb()
        .refresh()
        .await
        .map_err(|error| AlibabaError::internal(error.to_string()))?;
    match action {
        "GrantAccountPrivilege" => grant_account_privilege(state, params).await,
        "RevokeAccountPrivilege" => revoke_account_privilege(state, params).await,
        "DescribeAccounts" => describe_accounts(state, params).await,
        "DescribeDatabases" => describe_databases(state, params).await,
        other => Err(AlibabaError::action_not_found(other, VERSION)),
    }
}

/// Grants each database of `DBName` the privilege at the same position of `AccountPrivilege`.
async fn grant_account_privilege(
    state: &SimState,
    params: &Parameters,
) -> Result<Value, AlibabaError> {
    params.only(
        "GrantAccountPrivilege",
        &["DBClusterId", "AccountName", "DBName", "AccountPrivilege"],
    )?;
    let cluster_id = params.required("DBClusterId")?;
    let account_name = params.required("AccountName")?;
    let databases = name_list("DBName", params.required("DBName")?)?;
    let privileges = params
        .required("AccountPrivilege")?
        .split(',')
        .map(parse_privilege)
        .collect::<Result<Vec<_>, _>>()?;
    if databases.len() != privileges.len() {
        return Err(AlibabaError::invalid_parameter(format!(
            "DBName lists {} databases but AccountPrivilege lists {} privileges; they pair by \
             position and must be as many.",
            databases.len(),
            privileges.len()
        )));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = databases.iter().find(|db| !seen.insert(*db)) {
        return Err(AlibabaError::invalid_parameter(format!(
            "DBName lists the database \"{twice}\" more than once."
        )));
    }
    {
        let clusters = state.polardb().clusters();
        let cluster = find_cluster(&clusters, cluster_id)?;
        changeable_account(cluster, account_name, Instant::now())?;
        known_databases(cluster, &databases)?;
    }
    let grants: Vec<(String, PolarDbPrivilege)> = databases.into_iter().zip(privileges).collect();
    state
        .polardb()
        .backend()
        .grant(cluster_id, account_name, &grants)
        .await
        .map_err(|e| AlibabaError::internal(e.to_string()))?;
    Ok(json!({}))
}

/// Revokes whatever the account holds on each database of `DBName`.
async fn revoke_account_privilege(
    state: &SimState,
    params: &Parameters,
) -> Result<Value, AlibabaError> {
    params.only(
        "RevokeAccountPrivilege",
        &["DBClusterId", "AccountName", "DBName"],
    )?;
    let cluster_id = params.required("DBClusterId")?;
    let account_name = params.required("AccountName")?;
    let databases = name_list("DBName", params.required("DBName")?)?;
    {
        let clusters = state.polardb().clusters();
        let cluster = find_cluster(&clusters, cluster_id)?;
        changeable_account(cluster, account_name, Instant::now())?;
        known_databases(cluster, &databases)?;
    }
    state
        .polardb()
        .backend()
        .revoke(cluster_id, account_name, &databases)
        .await
        .map_err(|e| AlibabaError::internal(e.to_string()))?;
    Ok(json!({}))
}

/// Lists the cluster's accounts (or the one named) with their database privileges, a page at a time.
async fn describe_accounts(state: &SimState, params: &Parameters) -> Result<Value, AlibabaError> {
    params.only(
        "DescribeAccounts",
        &[
            "DBClusterId",
            "AccountName",
            "PageNumber",
            "PageSize",
            "NodeType",
        ],
    )?;
    let cluster_id = params.required("DBClusterId")?;
    let account_name = params.optional("AccountName");
    let page = Page::of(params)?;
    let now = Instant::now();
    let listed_accounts: Vec<(Account, PolarDbAccountStatus)> = {
        let clusters = state.polardb().clusters();
        let cluster = find_cluster(&clusters, cluster_id)?;
        let listed = cluster
            .accounts
            .iter()
            .filter(|account| account_name.is_none_or(|name| account.name == name));
        page.of_items(listed)
            .map(|account| (account.clone(), account.status(now)))
            .collect()
    };
    let mut accounts = Vec::with_capacity(listed_accounts.len());
    for (account, status) in &listed_accounts {
        // Only Normal accounts list database privileges; a Super account holds them all.
        let privileges = match account.account_type {
            PolarDbAccountType::Super => Default::default(),
            PolarDbAccountType::Normal => state
                .polardb()
                .backend()
                .privileges(cluster_id, &account.name)
                .await
                .map_err(|e| AlibabaError::internal(e.to_string()))?,
        };
        let database_privileges: Vec<Value> = privileges
            .iter()
            .map(|(db, privilege)| json!({"DBName": db, "AccountPrivilege": privilege.as_str()}))
            .collect();
        accounts.push(json!({
            "AccountName": account.name,
            "AccountStatus": status.as_str(),
            "AccountType": account.account_type.as_str(),
            "AccountDescription": account.description,
            "AccountLockState": "UnLock",
            "AccountPasswordValidTime": NO_PASSWORD_EXPIRY,
            "DatabasePrivileges": database_privileges,
        }));
    }
    Ok(json!({
        "PageNumber": page.number,
        "PageRecordCount": accounts.len(),
        "Accounts": accounts,
    }))
}

/// Lists the cluster's databases (or the one named), each with the standard accounts that hold
/// a privilege on it, a page at a time.
async fn describe_databases(state: &SimState, params: &Parameters) -> Result<Value, AlibabaError> {
    params.only(
        "DescribeDatabases",
        &["DBClusterId", "DBName", "PageNumber", "PageSize"],
    )?;
    let cluster_id = params.required("DBClusterId")?;
    let database_name = params.optional("DBName");
    let page = Page::of(params)?;
    let now = Instant::now();
    let (databases, accounts): (Vec<String>, Vec<(Account, PolarDbAccountStatus)>) = {
        let clusters = state.polardb().clusters();
        let cluster = find_cluster(&clusters, cluster_id)?;
        let listed = cluster
            .databases
            .iter()
            .filter(|name| database_name.is_none_or(|wanted| *name == wanted));
        let accounts = cluster
            .accounts
            .iter()
            // The vendor leaves privileged accounts out.
            .filter(|account| account.account_type == PolarDbAccountType::Normal)
            .map(|account| (account.clone(), account.status(now)))
            .collect();
        (page.of_items(listed).cloned().collect(), accounts)
    };
    let mut held_by = Vec::with_capacity(accounts.len());
    for (account, status) in &accounts {
        let privileges = state
            .polardb()
            .backend()
            .privileges(cluster_id, &account.name)
            .await
            .map_err(|e| AlibabaError::internal(e.to_string()))?;
        held_by.push((account, status, privileges));
    }
    let listed: Vec<Value> = databases
        .iter()
        .map(|database| {
            let holders: Vec<Value> = held_by
                .iter()
                .filter_map(|(account, status, privileges)| {
                    let privilege = privileges.get(database)?;
                    Some(json!({
                        "AccountName": account.name,
                        "AccountStatus": status.as_str(),
                        "AccountPrivilege": privilege.as_str(),
                        "PrivilegeStatus": "Empowered",
                    }))
                })
                .collect();
            json!({
                "DBName": database,
                "DBStatus": "Running",
                "DBDescription": "",
                "CharacterSetName": "utf8mb4",
                "Engine": "MySQL",
                "Accounts": {"Account": holders},
            })
        })
        .collect();
    Ok(json!({
        "PageNumber": page.number,
        "PageRecordCount": listed.len(),
        "Databases": {"Database": listed},
    }))
}

/// Splits a comma list of names; an empty item is refused.
fn name_list(parameter: &str, text: &str) -> Result<Vec<String>, AlibabaError> {
    text.split(',')
        .map(|name| {
            if name.is_empty() {
                Err(AlibabaError::invalid_parameter(format!(
                    "{parameter} \"{text}\" has an empty name; separate names with single commas."
                )))
            } else {
                Ok(name.to_owned())
            }
        })
        .collect()
}

fn parse_privilege(name: &str) -> Result<PolarDbPrivilege, AlibabaError> {
    PolarDbPrivilege::from_api(name).ok_or_else(|| {
        let allowed: Vec<&str> = PolarDbPrivilege::ALL.iter().map(|p| p.as_str()).collect();
        AlibabaError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAccountPrivilege.Malformed",
            format!(
                "AccountPrivilege \"{name}\" is not valid; allowed values are {}.",
                allowed.join(", ")
            ),
        )
    })
}

fn find_cluster<'a>(clusters: &'a [Cluster], id: &str) -> Result<&'a Cluster, AlibabaError> {
    clusters.iter().find(|c| c.id == id).ok_or_else(|| {
        AlibabaError::new(
            StatusCode::NOT_FOUND,
            "InvalidDBCluster.NotFound",
            format!("The DBClusterId \"{id}\" does not exist."),
        )
    })
}

/// An account whose privileges may change now: it exists, is Normal, and is Available.
fn changeable_account<'a>(
    cluster: &'a Cluster,
    name: &str,
    now: Instant,
) -> Result<&'a Account, AlibabaError> {
    let account = cluster.account(name).ok_or_else(|| {
        AlibabaError::new(
            StatusCode::NOT_FOUND,
            "InvalidAccountName.NotFound",
            format!(
                "The account \"{name}\" does not exist in cluster \"{}\".",
                cluster.id
            ),
        )
    })?;
    if account.account_type == PolarDbAccountType::Super {
        return Err(AlibabaError::new(
            StatusCode::FORBIDDEN,
            "IncorrectAccountPrivilegeType",
            format!(
                "The account \"{name}\" is a Super account; database privileges are granted to \
                 Normal accounts only."
            ),
        ));
    }
    let status = account.status(now);
    if status != PolarDbAccountStatus::Available {
        return Err(AlibabaError::new(
            StatusCode::BAD_REQUEST,
            "OperationDenied.AccountStatus",
            format!(
                "The account \"{name}\" is {}; its privileges can change once it is Available.",
                status.as_str()
            ),
        ));
    }
    Ok(account)
}

fn known_databases(cluster: &Cluster, databases: &[String]) -> Result<(), AlibabaError> {
    match databases.iter().find(|db| !cluster.has_database(db)) {
        Some(unknown) => Err(AlibabaError::new(
            StatusCode::NOT_FOUND,
            "InvalidDBName.NotFound",
            format!(
                "The database \"{unknown}\" does not exist in cluster \"{}\".",
                cluster.id
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Fixture;
    use crate::state::SimOptions;

    async fn sim() -> SimState {
        SimState::open(Fixture::builtin(), SimOptions::default())
            .await
            .expect("sim")
    }

    async fn privileges_of(state: &SimState, account: &str) -> Vec<(String, &'static str)> {
        state
            .polardb()
            .backend()
            .privileges("pc-sim00001", account)
            .await
            .expect("privileges")
            .into_iter()
            .map(|(db, p)| (db, p.as_str()))
            .collect()
    }

    #[tokio::test]
    async fn grant_pairs_databases_and_privileges_by_position() {
        let state = sim().await;
        let params = Parameters::from_pairs(&[
            ("DBClusterId", "pc-sim00001"),
            ("AccountName", "app"),
            ("DBName", "shop,logs"),
            ("AccountPrivilege", "ReadWrite,ReadOnly"),
        ]);
        handle(&state, "GrantAccountPrivilege", &params)
            .await
            .expect("grant");
        assert_eq!(
            privileges_of(&state, "app").await,
            [
                ("logs".to_owned(), "ReadOnly"),
                ("shop".to_owned(), "ReadWrite")
            ]
        );
    }

    #[tokio::test]
    async fn a_refused_grant_changes_nothing() {
        let state = sim().await;
        let params = Parameters::from_pairs(&[
            ("DBClusterId", "pc-sim00001"),
            ("AccountName", "app"),
            ("DBName", "shop,nope"),
            ("AccountPrivilege", "ReadWrite,ReadOnly"),
        ]);
        let error = handle(&state, "GrantAccountPrivilege", &params)
            .await
            .unwrap_err();
        assert_eq!(error.code, "InvalidDBName.NotFound");
        assert!(privileges_of(&state, "app").await.is_empty());
    }
}
