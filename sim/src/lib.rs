//! clouddb-sim: an offline emulator of the Tencent Cloud and Alibaba Cloud database APIs.
//!
//! It answers signed vendor API calls on one HTTP address, checks signatures the way the
//! vendors do, keeps the accounts' privileges in a backend, and offers an admin API under
//! `/_sim/` to inspect state, inject faults and read the log of calls. Tests start it
//! in-process:
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let sim = clouddb_sim::start(clouddb_sim::Fixture::builtin(), Default::default()).await?;
//! println!("endpoint = {}", sim.url());
//! sim.stop().await
//! # }
//! ```

mod admin;
mod alibaba;
mod api_request;
pub mod backend;
mod clock;
mod credentials;
mod crypto;
mod dispatch;
mod faults;
mod fixture;
mod listed_order;
mod percent;
mod pipeline;
mod ratelimit;
mod replay;
mod requests;
mod server;
mod service;
mod services;
mod state;
mod sync;
mod tasks;
mod tencent;

pub use faults::{FaultError, FaultSpec, PendingFault, TaskFault};
pub use fixture::{
    AliCloud, AlicloudCredential, CdbAccount, CdbColumnPrivilege, CdbDatabasePrivilege,
    CdbInstance, CdbTablePrivilege, Fixture, FixtureError, MariadbDatabase, MariadbInstance,
    MysqlAccount, MysqlDatabase, PolarDbAccount, PolarDbAccountStatus, PolarDbAccountType,
    PolarDbCluster, PolarDbPrivilege, PostgresAccount, PostgresDatabase, PostgresGrant,
    PostgresInstance, PostgresSchema, Table, TencentCloud, TencentCredential,
};
pub use ratelimit::RateLimits;
pub use requests::{RequestRecord, Vendor};
pub use server::{app, serve, start, start_with_state, RunningSim};
pub use state::{SimOptions, SimState, StateError, DEFAULT_TASK_DURATION};
pub use tencent::postgres::privileges::{PostgresAccountType, PostgresObject, PostgresObjectType};
pub use tencent::postgres::state::DropObjectError;
