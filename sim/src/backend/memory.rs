//! The in-memory backend: privileges in a map, every call done at once.

use std::collections::HashMap;
use std::future::ready;
use std::sync::Mutex;

use super::{BackendFuture, PolarDbBackend, PolarDbPrivileges};
use crate::fixture::{PolarDbCluster, PolarDbPrivilege};
use crate::state::locked;

/// Privileges kept in memory, keyed by (cluster, account).
#[derive(Debug, Default)]
pub struct MemoryBackend {
    polardb: Mutex<HashMap<(String, String), PolarDbPrivileges>>,
}

impl MemoryBackend {
    /// A backend holding the fixture's privileges.
    pub fn new(clusters: &[PolarDbCluster]) -> MemoryBackend {
        let backend = MemoryBackend::default();
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
        *locked(&self.polardb) = privileges;
    }
}

impl PolarDbBackend for MemoryBackend {
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
        let mut polardb = locked(&self.polardb);
        let held = polardb
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
        let mut polardb = locked(&self.polardb);
        if let Some(held) = polardb.get_mut(&(cluster.to_owned(), account.to_owned())) {
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
        let held = locked(&self.polardb)
            .get(&(cluster.to_owned(), account.to_owned()))
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(held)))
    }
}
