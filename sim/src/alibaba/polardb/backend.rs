//! The backend the PolarDB service keeps privileges in, and its in-memory implementation.

use std::collections::{BTreeMap, HashMap};
use std::future::ready;
use std::sync::Mutex;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::BackendFuture;
use crate::sync::locked;

use super::fixture::{PolarDbCluster, PolarDbPrivilege};

/// A PolarDB account's database privileges, by database name.
pub type PolarDbPrivileges = BTreeMap<String, PolarDbPrivilege>;

/// A PolarDB cluster's database names and account names.
pub type PolarDbCatalog = InstanceCatalog<String, String>;

/// The privileges of PolarDB accounts. Callers have already checked that the cluster, the
/// account and the databases exist, and that the account is a Normal one.
pub trait PolarDbBackend: Send + Sync {
    /// Forgets every privilege and takes the fixture's (on start, load and reset).
    fn load<'a>(&'a self, clusters: &'a [PolarDbCluster]) -> BackendFuture<'a, ()>;

    /// Grants each `(database, privilege)`, replacing what the account held on that database.
    fn grant<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        grants: &'a [(String, PolarDbPrivilege)],
    ) -> BackendFuture<'a, ()>;

    /// Revokes whatever the account holds on each database; holding nothing is fine.
    fn revoke<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        databases: &'a [String],
    ) -> BackendFuture<'a, ()>;

    /// What the account holds, by database.
    fn privileges<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PolarDbPrivileges>;

    /// The cluster's databases and accounts as a real server has them now (a DBA may have
    /// changed them); `None`, as in memory, keeps the fixture's.
    fn catalog<'a>(&'a self, _cluster: &'a str) -> BackendFuture<'a, Option<PolarDbCatalog>> {
        Box::pin(ready(Ok(None)))
    }
}

/// PolarDB privileges kept in memory, by (cluster, account).
#[derive(Debug, Default)]
pub struct PolarDbMemory {
    accounts: Mutex<HashMap<(String, String), PolarDbPrivileges>>,
}

impl PolarDbMemory {
    /// A backend holding the fixture's privileges.
    pub fn new(clusters: &[PolarDbCluster]) -> PolarDbMemory {
        let backend = PolarDbMemory::default();
        backend.replace(clusters);
        backend
    }

    fn replace(&self, clusters: &[PolarDbCluster]) {
        let privileges = clusters
            .iter()
            .flat_map(|cluster| {
                cluster.accounts.iter().map(|account| {
                    (
                        (cluster.db_cluster_id.clone(), account.name.clone()),
                        account.privileges.clone(),
                    )
                })
            })
            .collect();
        *locked(&self.accounts) = privileges;
    }
}

impl PolarDbBackend for PolarDbMemory {
    fn load<'a>(&'a self, clusters: &'a [PolarDbCluster]) -> BackendFuture<'a, ()> {
        self.replace(clusters);
        Box::pin(ready(Ok(())))
    }

    fn grant<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        grants: &'a [(String, PolarDbPrivilege)],
    ) -> BackendFuture<'a, ()> {
        let mut accounts = locked(&self.accounts);
        let held = accounts
            .entry((cluster.to_owned(), account.to_owned()))
            .or_default();
        for (database, privilege) in grants {
            held.insert(database.clone(), *privilege);
        }
        Box::pin(ready(Ok(())))
    }

    fn revoke<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        databases: &'a [String],
    ) -> BackendFuture<'a, ()> {
        let mut accounts = locked(&self.accounts);
        if let Some(held) = accounts.get_mut(&(cluster.to_owned(), account.to_owned())) {
            for database in databases {
                held.remove(database);
            }
        }
        Box::pin(ready(Ok(())))
    }

    fn privileges<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PolarDbPrivileges> {
        let held = locked(&self.accounts)
            .get(&(cluster.to_owned(), account.to_owned()))
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(held)))
    }
}
