//! Where accounts' privileges live. Each service declares the backend it calls, and its
//! in-memory implementation, in its own folder (`backend.rs`); this module gathers them for
//! embedders, with the error and future every backend shares.
//!
//! A service keeps its inventory (instances, accounts, databases: what a fixture declares) in
//! memory and asks its backend only for privileges, so a backend that runs real
//! `GRANT`/`REVOKE` on a database server can stand in for the in-memory one without touching
//! the service.

pub(crate) mod catalog;
pub(crate) mod error;
pub(crate) mod mysql;
pub(crate) mod naming;
pub(crate) mod postgres;

pub use self::catalog::InstanceCatalog;
pub use self::error::{BackendError, BackendFuture};

pub use crate::alibaba::polardb::backend::{PolarDbBackend, PolarDbMemory, PolarDbPrivileges};
pub use crate::tencent::cdb::backend::{CdbAccountKey, CdbBackend, CdbMemory};
pub use crate::tencent::cdb::privileges::{CdbChange, CdbLevel, CdbPrivileges};
pub use crate::tencent::postgres::backend::{PostgresBackend, PostgresMemory};
pub use crate::tencent::postgres::privileges::{
    PostgresAccountType, PostgresChange, PostgresObject, PostgresObjectType, PostgresPrivileges,
};

/// The in-memory PolarDB backend, by the name it had when PolarDB's was the only backend an
/// embedder could replace.
pub type MemoryBackend = PolarDbMemory;
