//! The MySQL family's account privileges (TencentDB for MySQL and TDSQL for MySQL). One table of
//! levels, the global one and each scoped level with its block, its map attribute, the names
//! that identify a scope and the privileges it takes, drives the schema's blocks, the checks,
//! the normalisation of what the cloud reports, and the model.

pub mod account;
pub mod change;
pub mod grants;
pub mod legacy_reads;
pub mod levels;
pub mod merged;
pub mod moved;
pub mod privileges;
pub mod schema;
pub mod shape;
