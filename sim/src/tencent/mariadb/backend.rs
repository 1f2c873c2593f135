//! The backend the TDSQL service keeps privileges in, and its in-memory implementation.

use std::collections::HashMap;
use std::future::ready;
use std::sync::Mutex;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::BackendFuture;
use crate::sync::locked;

use super::fixture::{MariadbDatabase, MariadbInstance};
use super::privileges::{MariadbChange, MariadbPrivileges};

/// A TDSQL account: `(user, host)`.
pub type MariadbAccountKey = (String, String);

/// A TDSQL instance's databases and accounts.
pub type MariadbCatalog = InstanceCatalog<MariadbDatabase, MariadbAccountKey>;

/// The privileges of TDSQL accounts. Callers have already checked that the instance, the
/// accounts and every object named exist, and that every name is valid.
pub trait MariadbBackend: Send + Sync {
    /// Forgets every privilege and takes the fixture's (on start, load and reset).
    fn load<'a>(&'a self, instances: &'a [MariadbInstance]) -> BackendFuture<'a, ()>;

    /// Applies one change to each account, all of them or none.
    fn modify<'a>(
        &'a self,
        instance: &'a str,
        accounts: &'a [MariadbAccountKey],
        change: &'a MariadbChange,
    ) -> BackendFuture<'a, ()>;

    /// What the account holds, at every level.
    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        user: &'a str,
        host: &'a str,
    ) -> BackendFuture<'a, MariadbPrivileges>;

    /// The instance's databases and accounts as a real server has them now (a DBA may have
    /// changed them); `None`, as in memory, keeps the fixture's.
    fn catalog<'a>(&'a self, _instance: &'a str) -> BackendFuture<'a, Option<MariadbCatalog>> {
        Box::pin(ready(Ok(None)))
    }
}

/// TDSQL privileges kept in memory, by (instance, user, host).
#[derive(Debug, Default)]
pub struct MariadbMemory {
    accounts: Mutex<HashMap<(String, String, String), MariadbPrivileges>>,
}

impl MariadbMemory {
    /// A backend holding the fixture's privileges.
    pub fn new(instances: &[MariadbInstance]) -> MariadbMemory {
        let backend = MariadbMemory::default();
        backend.replace(instances);
        backend
    }

    fn replace(&self, instances: &[MariadbInstance]) {
        let privileges = instances
            .iter()
            .flat_map(|instance| {
                instance.accounts.iter().map(|account| {
                    let key = (
                        instance.instance_id.clone(),
                        account.user.clone(),
                        account.host.clone(),
                    );
                    (key, account.held())
                })
            })
            .collect();
        *locked(&self.accounts) = privileges;
    }
}

impl MariadbBackend for MariadbMemory {
    fn load<'a>(&'a self, instances: &'a [MariadbInstance]) -> BackendFuture<'a, ()> {
        self.replace(instances);
        Box::pin(ready(Ok(())))
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        accounts: &'a [MariadbAccountKey],
        change: &'a MariadbChange,
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
    ) -> BackendFuture<'a, MariadbPrivileges> {
        let held = locked(&self.accounts)
            .get(&(instance.to_owned(), user.to_owned(), host.to_owned()))
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(held)))
    }
}
