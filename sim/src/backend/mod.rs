//! Where accounts' privileges live: the traits the services call, and their implementations.
//!
//! The sim keeps instances, accounts and databases (what a fixture declares) in memory and
//! asks a backend only for privileges, so a backend that runs real `GRANT`/`REVOKE` on a
//! database server can stand in for [`MemoryBackend`] without touching the services.

mod api;
mod memory;

pub use api::{
    BackendError, BackendFuture, CdbAccountKey, CdbBackend, PolarDbBackend, PolarDbPrivileges,
    PostgresBackend,
};
pub use memory::MemoryBackend;

pub use crate::tencent::cdb::privileges::{CdbChange, CdbLevel, CdbPrivileges};
pub use crate::tencent::postgres::privileges::{
    PostgresAccountType, PostgresChange, PostgresObject, PostgresObjectType, PostgresPrivileges,
};
