//! The in-memory backend: privileges in maps, every call done at once.

use std::collections::HashMap;
use std::future::ready;
use std::sync::Mutex;

use super::api::{
    BackendFuture, CdbAccountKey, CdbBackend, PolarDbBackend, PolarDbPrivileges, PostgresBackend,
};
use crate::fixture::{CdbInstance, PolarDbCluster, PolarDbPrivilege, PostgresInstance};
use crate::sync::locked;
use crate::tencent::cdb::privileges::{CdbChange, CdbPrivileges};
use crate::tencent::postgres::privileges::{PostgresChange, PostgresObject, PostgresPrivileges};

/// Privileges kept in memory: PolarDB by (cluster, account), CDB by (instance, user, host),
/// PostgreSQL by (instance, account).
#[derive(Debug, Default)]
pub struct MemoryBackend {
    polardb: Mutex<HashMap<(String, String), PolarDbPrivileges>>,
    cdb: Mutex<HashMap<(String, String, String), CdbPrivileges>>,
    postgres: Mutex<HashMap<(String, String), PostgresPrivileges>>,
}

impl MemoryBackend {
    /// A backend holding the fixture's PolarDB privileges.
    pub fn new(clusters: &[PolarDbCluster]) -> MemoryBackend {
        let backend = MemoryBackend::default();
        backend.replace_polardb(clusters);
        backend
    }

    /// A backend holding the fixture's CDB privileges.
    pub fn for_cdb(instances: &[CdbInstance]) -> MemoryBackend {
        let backend = MemoryBackend::default();
        backend.replace_cdb(instances);
        backend
    }

    /// A backend holding the fixture's PostgreSQL privileges.
    pub fn for_postgres(instances: &[PostgresInstance]) -> MemoryBackend {
        let backend = MemoryBackend::default();
        backend.replace_postgres(instances);
        backend
    }

    fn replace_polardb(&self, clusters: &[PolarDbCluster]) {
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

    fn replace_cdb(&self, instances: &[CdbInstance]) {
        let privileges = instances
            .iter()
            .flat_map(|instance| {
                instance.accounts.iter().map(|account| {
                    (
                        (
                            instance.instance_id.clone(),
                            account.user.clone(),
                            account.host.clone(),
                        ),
                        account.privileges(),
                    )
                })
            })
            .collect();
        *locked(&self.cdb) = privileges;
    }

    fn replace_postgres(&self, instances: &[PostgresInstance]) {
        let mut all = HashMap::new();
        for instance in instances {
            for account in &instance.accounts {
                let mut held = PostgresPrivileges::new();
                for grant in &account.privileges {
                    // The fixture was validated; a grant that names no object cannot be held.
                    if let Ok(object) = grant.object() {
                        held.entry(object)
                            .or_default()
                            .extend(grant.privileges.iter().cloned());
                    }
                }
                held.retain(|_, privileges| !privileges.is_empty());
                all.insert((instance.instance_id.clone(), account.name.clone()), held);
            }
        }
        *locked(&self.postgres) = all;
    }
}

impl PolarDbBackend for MemoryBackend {
    fn load<'a>(&'a self, clusters: &'a [PolarDbCluster]) -> BackendFuture<'a, ()> {
        self.replace_polardb(clusters);
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

impl CdbBackend for MemoryBackend {
    fn load<'a>(&'a self, instances: &'a [CdbInstance]) -> BackendFuture<'a, ()> {
        self.replace_cdb(instances);
        Box::pin(ready(Ok(())))
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        accounts: &'a [CdbAccountKey],
        change: &'a CdbChange,
    ) -> BackendFuture<'a, ()> {
        let mut cdb = locked(&self.cdb);
        for (user, host) in accounts {
            let held = cdb
                .entry((instance.to_owned(), user.clone(), host.clone()))
                .or_default();
            change.apply_to(held);
        }
        Box::pin(ready(Ok(())))
    }

    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        user: &'a str,
        host: &'a str,
    ) -> BackendFuture<'a, CdbPrivileges> {
        let held = locked(&self.cdb)
            .get(&(instance.to_owned(), user.to_owned(), host.to_owned()))
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(held)))
    }
}

impl PostgresBackend for MemoryBackend {
    fn load<'a>(&'a self, instances: &'a [PostgresInstance]) -> BackendFuture<'a, ()> {
        self.replace_postgres(instances);
        Box::pin(ready(Ok(())))
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        changes: &'a [PostgresChange],
    ) -> BackendFuture<'a, ()> {
        let mut postgres = locked(&self.postgres);
        let held = postgres
            .entry((instance.to_owned(), account.to_owned()))
            .or_default();
        for change in changes {
            change.apply_to(held);
        }
        Box::pin(ready(Ok(())))
    }

    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PostgresPrivileges> {
        let held = locked(&self.postgres)
            .get(&(instance.to_owned(), account.to_owned()))
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(held)))
    }

    fn forget_object<'a>(
        &'a self,
        instance: &'a str,
        object: &'a PostgresObject,
    ) -> BackendFuture<'a, ()> {
        let mut postgres = locked(&self.postgres);
        for ((id, _), held) in postgres.iter_mut() {
            if id == instance {
                held.retain(|held_on, _| !held_on.is_within(object));
            }
        }
        Box::pin(ready(Ok(())))
    }
}
