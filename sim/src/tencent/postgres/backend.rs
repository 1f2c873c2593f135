//! The backend the PostgreSQL service keeps object privileges in, and its in-memory implementation.

use std::collections::{BTreeSet, HashMap};
use std::future::ready;
use std::sync::Mutex;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::BackendFuture;
use crate::sync::locked;

use super::fixture::{PostgresDatabase, PostgresInstance};
use super::privileges::{PostgresAccountType, PostgresChange, PostgresObject, PostgresPrivileges};

/// A PostgreSQL instance's databases (with their schemas and objects) and account names.
pub type PostgresCatalog = InstanceCatalog<PostgresDatabase, String>;

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

    /// The instance's accounts of type `tencentDBSuper` (the others are `normal`).
    fn super_accounts<'a>(&'a self, instance: &'a str) -> BackendFuture<'a, BTreeSet<String>>;

    /// Makes the account of that type (`alterRole`).
    fn set_account_type<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        account_type: PostgresAccountType,
    ) -> BackendFuture<'a, ()>;

    /// The instance's databases and accounts as a real server has them now (a DBA may have
    /// changed them); `None`, as in memory, keeps the fixture's.
    fn catalog<'a>(&'a self, _instance: &'a str) -> BackendFuture<'a, Option<PostgresCatalog>> {
        Box::pin(ready(Ok(None)))
    }

    /// Forgets every account's privileges on the object and on what is in it (it was dropped).
    fn forget_object<'a>(
        &'a self,
        instance: &'a str,
        object: &'a PostgresObject,
    ) -> BackendFuture<'a, ()>;
}

/// PostgreSQL privileges kept in memory, by (instance, account), and the `tencentDBSuper`
/// accounts of each instance.
#[derive(Debug, Default)]
pub struct PostgresMemory {
    accounts: Mutex<HashMap<(String, String), PostgresPrivileges>>,
    supers: Mutex<HashMap<String, BTreeSet<String>>>,
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
        let mut supers = HashMap::new();
        for instance in instances {
            supers.insert(
                instance.instance_id.clone(),
                instance
                    .accounts
                    .iter()
                    .filter(|a| a.account_type == PostgresAccountType::TencentDbSuper)
                    .map(|a| a.name.clone())
                    .collect(),
            );
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
        *locked(&self.supers) = supers;
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

    fn super_accounts<'a>(&'a self, instance: &'a str) -> BackendFuture<'a, BTreeSet<String>> {
        let supers = locked(&self.supers)
            .get(instance)
            .cloned()
            .unwrap_or_default();
        Box::pin(ready(Ok(supers)))
    }

    fn set_account_type<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        account_type: PostgresAccountType,
    ) -> BackendFuture<'a, ()> {
        let mut supers = locked(&self.supers);
        let of_instance = supers.entry(instance.to_owned()).or_default();
        match account_type {
            PostgresAccountType::TencentDbSuper => of_instance.insert(account.to_owned()),
            PostgresAccountType::Normal => of_instance.remove(account),
        };
        Box::pin(ready(Ok(())))
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
