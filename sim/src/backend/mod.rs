//! Where accounts' privileges live: the trait the services call, and its implementations.
//!
//! The sim keeps instances, accounts and databases (what a fixture declares) in memory and
//! asks a backend only for privileges, so a backend that runs real `GRANT`/`REVOKE` on a
//! database server can stand in for [`MemoryBackend`] without touching the services.

mod memory;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

pub use memory::MemoryBackend;

use crate::fixture::{PolarDbCluster, PolarDbPrivilege};

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
