//! The backend the CDB service keeps privileges in, and its in-memory implementation.

use std::collections::HashMap;
use std::future::ready;
use std::sync::Mutex;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::BackendFuture;
use crate::fixture::MysqlDatabase;
use crate::sync::locked;

use super::fixture::CdbInstance;
use super::privileges::{CdbChange, CdbPrivileges};

/// A CDB account: `(user, host)`.
pub type CdbAccountKey = (String, String);

/// A CDB instance's databases and accounts.
pub type CdbCatalog = InstanceCatalog<MysqlDatabase, CdbAccountKey>;

/// The privileges of CDB accounts. Callers have already checked that the instance, the
/// accounts, the databases, tables and columns exist, and that every name is valid.
pub trait CdbBackend: Send + Sync {
    /// Forgets every privilege and takes the fixture's (on start, load and reset).
    fn load<'a>(&'a self, instances: &'a [CdbInstance]) -> BackendFuture<'a, ()>;

    /// Applies one change to each account, all of them or none.
    fn modify<'a>(
        &'a self,
        instance: &'a str,
        accounts: &'a [CdbAccountKey],
        change: &'a CdbChange,
    ) -> BackendFuture<'a, ()>;

    /// What the account holds, at every level.
    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        user: &'a str,
        host: &'a str,
    ) -> BackendFuture<'a, CdbPrivileges>;

    /// The instance's databases and accounts as a real server has them now (a DBA may have
    /// changed them); `None`, as in memory, keeps the fixture's.
    fn catalog<'a>(&'a self, _instance: &'a str) -> BackendFuture<'a, Option<CdbCatalog>> {
        Box::pin(ready(Ok(None)))
    }
}

/// CDB privileges kept in memory, by (instance, user, host).
#[derive(Debug, Default)]
pub struct CdbMemory {
    accounts: Mutex<HashMap<(String, String, String), CdbPrivileges>>,
}

impl CdbMemory {
    /// A backend holding the fixture's privileges.
    pub fn new(instances: &[CdbInstance]) -> CdbMemory {
        let backend = CdbMemory::default();
        backend.replace(instances);
        backend
    }

    fn replace(&self, instances: &[CdbInstance]) {
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
        *locked(&self.accounts) = privileges;
    }
}

impl CdbBackend for CdbMemory {
    fn load<'a>(&'a self, instances: &'a [CdbInstance]) -> BackendFuture<'a, ()> {
        self.replace(instances);
        Box::pin(ready(Ok(())))
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        accounts: &'a [CdbAccountKey],
        change: &'a CdbChange,
    ) -> BackendFuture<'a, ()> {
        let mut held_by = locked(&self.accounts);
        for (user, host) in accounts {
            let held = held_by
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
        let held = locked(&self.accounts)
            .get(&(instance.to_owned(), user.to_owned(), host.to_owned()))
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(held)))
    }
}
