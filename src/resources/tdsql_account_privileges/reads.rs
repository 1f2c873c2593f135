//! Reading a TDSQL account: one DescribeAccountPrivileges per scope, several at once (the
//! client paces them at the documented rate), and, for an import, the discovery of every
//! scope the instance has.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::mariadb::{Account, Scope, TdsqlClient};

/// How many scopes are read at once. The documented rate (20 a second) paces them; more in
/// flight would only queue in the client.
const READS_AT_ONCE: usize = 8;

/// What the account holds on each scope, in the order given. The first failed read fails the
/// whole (the reads still in flight are abandoned).
pub async fn read_scopes(
    client: &TdsqlClient,
    instance_id: &str,
    account: &Account,
    scopes: Vec<Scope>,
    deadline: Instant,
) -> Result<Vec<(Scope, Vec<String>)>, CloudError> {
    let slots = Arc::new(Semaphore::new(READS_AT_ONCE));
    let mut reads = JoinSet::new();
    for (position, scope) in scopes.into_iter().enumerate() {
        let (client, instance_id, account) =
            (client.clone(), instance_id.to_owned(), account.clone());
        let slots = slots.clone();
        reads.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let held = client
                .describe_account_privileges(&instance_id, &account, &scope, deadline)
                .await;
            (position, scope, held)
        });
    }
    let mut found = Vec::with_capacity(reads.len());
    while let Some(joined) = reads.join_next().await {
        // Nothing aborts a read task, so one that did not return panicked: pass it on.
        let (position, scope, held) =
            joined.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
        found.push((position, scope, held?));
    }
    found.sort_by_key(|(position, _, _)| *position);
    Ok(found
        .into_iter()
        .map(|(_, scope, held)| (scope, held))
        .collect())
}

/// Every scope of the instance: each database, its tables and their columns, its views,
/// functions and procedures (DescribeDatabases, DescribeDatabaseObjects, DescribeDatabaseTable).
pub async fn every_scope(
    client: &TdsqlClient,
    instance_id: &str,
    deadline: Instant,
) -> Result<Vec<Scope>, CloudError> {
    let mut scopes = Vec::new();
    for database in client.describe_databases(instance_id, deadline).await? {
        let objects = client
            .describe_database_objects(instance_id, &database, deadline)
            .await?;
        scopes.push(Scope::Database(database.clone()));
        for table in &objects.tables {
            scopes.push(Scope::Table(database.clone(), table.clone()));
            for column in client
                .describe_database_table(instance_id, &database, table, deadline)
                .await?
            {
                scopes.push(Scope::Column(database.clone(), table.clone(), column));
            }
        }
        let named = |make: fn(String, String) -> Scope, names: &[String]| {
            names
                .iter()
                .map(|name| make(database.clone(), name.clone()))
                .collect::<Vec<_>>()
        };
        scopes.extend(named(Scope::View, &objects.views));
        scopes.extend(named(Scope::Function, &objects.functions));
        scopes.extend(named(Scope::Procedure, &objects.procedures));
    }
    Ok(scopes)
}
