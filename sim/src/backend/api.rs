//! The traits the services call to read and change privileges, and what they answer.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use crate::tencent::cdb::privileges::{CdbChange, CdbPrivileges};
use crate::tencent::postgres::privileges::{PostgresChange, PostgresObject, PostgresPrivileges};

use crate::fixture::{CdbInstance, PolarDbCluster, PolarDbPrivilege, PostgresInstance};

/// The future a backend call returns.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// A backend that could not do what it was asked; the services answer it as an internal error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("backend: {0}")]
pub struct BackendError(pub String);

/// A PolarDB account's database privileges, by database name.
pub type PolarDbPrivileges = BTreeMap<String, PolarDbPrivilege>;

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
}

/// A CDB account: `(user, host)`.
pub type CdbAccountKey = (String, String);

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
}

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
