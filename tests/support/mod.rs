//! Shared helpers of the integration tests. Each test binary uses a different part.
#![allow(dead_code, unused_macros, unused_imports)]

pub mod plugin_client;
pub mod plugin_process;
pub mod sim;
pub mod terraform;
