//! What the provider's integration tests and its benchmark share: clouddb-sim in process with
//! its admin API, real Terraform in a workspace of its own, and the provider binary launched the
//! way Terraform launches it.

pub mod fuzz;
pub mod plugin_client;
pub mod plugin_process;
pub mod proto;
pub mod real_mysql;
pub mod real_postgres;
pub mod sim;
pub mod standin;
pub mod terraform;
