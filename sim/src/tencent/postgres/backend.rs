//! The backend the PostgreSQL service keeps object privileges in, and its in-memory implementation.

use std::collections::HashMap;
use std::future::ready;
use std::sync::Mutex;

use crate::backend::error::BackendFuture;
use crate::sync::locked;

use super::fixture::PostgresInstance;
use super::privileges::{PostgresChange, PostgresObject, PostgresPrivileges};

/// The object privileges of PostgreSQL accounts. Callers have already checked that the
/// instance, the account and the objects exist, and that the privileges fit the objects.
pub trait PostgresBackend: Send + Sync {
    /// Forgets every privilege and takes the fixture's (on start, load and reset).
    fn load<'a>(&'a self, instances: &'a [PostgresInstance]) -> BackendFuture<'a, ()>;

    /// Applies the changes in order, all of them or none.
    fn modify<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        changes: &'a [PostgresChange],
    ) -> BackendFuture<'a, ()>;

    /// What the account holds, by object.
    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PostgresPrivileges>;

    /// Forgets every account's privileges on the object and on what is in it (it was dropped).
    fn forget_object<'a>(
        &'a self,
        instance: &'a str,
        object: &'a PostgresObject,
    ) -> BackendFuture<'a, ()>;
}

/// PostgreSQL privileges kept in memory, by (instance, account).
#[derive(Debug, Default)]
pub struct PostgresMemory {
    accounts: Mutex<HashMap<(String, String), PostgresPrivileges>>,
}

impl PostgresMemory {
    /// A backend holding the fixture's privileges.
    pub fn new(instances: &[PostgresInstance]) -> PostgresMemory {
        let backend = PostgresMemory::default();
        backend.replace(instances);
        backend
    }

    fn replace(&self, instances: &[PostgresInstance]) {
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
        *locked(&self.accounts) = all;
    }
}

impl PostgresBackend for PostgresMemory {
    fn load<'a>(&'a self, instances: &'a [PostgresInstance]) -> BackendFuture<'a, ()> {
        self.replace(instances);
        Box::pin(ready(Ok(())))
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        changes: &'a [PostgresChange],
    ) -> BackendFuture<'a, ()> {
        let mut accounts = locked(&self.accounts);
        let held = accounts
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
        let held = locked(&self.accounts)
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
        let mut accounts = locked(&self.accounts);
        for ((id, _), held) in accounts.iter_mut() {
            if id == instance {
                held.retain(|held_on, _| !held_on.is_within(object));
            }
        }
        Box::pin(ready(Ok(())))
    }
}
