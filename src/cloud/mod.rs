//! Signed clients for the vendors' APIs (Tencent TC3 and legacy v2, Alibaba ACS3) over one
//! shared transport with retries, rate limits and per-account locks. Knows nothing of Terraform.

pub mod alibaba;
pub mod batch;
pub mod credentials;
pub mod error;
pub mod inflight;
pub(crate) mod json;
pub mod lock;
pub mod pace;
pub mod percent;
pub mod ratelimit;
pub mod redact;
pub mod retry;
pub mod shared_slots;
pub mod tencent;
pub mod transport;

#[cfg(test)]
mod testing;

pub use credentials::{AlibabaCredentials, Secret, TencentCredentials};
pub use error::CloudError;
pub use transport::{Transport, TransportConfig};
