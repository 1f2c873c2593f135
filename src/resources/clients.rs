//! The cloud clients the resources share: built on demand from the credentials the provider
//! was configured with, so a missing credential is reported by the resource that needs it.

use std::sync::RwLock;

use crate::cloud::alibaba::polardb::PolarDbClient;
use crate::cloud::credentials::{AlibabaCredentials, TencentCredentials};
use crate::cloud::shared_slots::SharedSlots;
use crate::cloud::tencent::TencentClient;
use crate::cloud::transport::Transport;
use crate::framework::Diagnostics;

/// A cloud's settings as configured; a missing credential is reported only when a resource needs it.
pub type Configured<T> = Result<T, Diagnostics>;

/// The configured clouds, shared by every resource of one provider process.
pub struct Clouds {
    transport: Transport,
    tencent: RwLock<Option<Configured<TencentCredentials>>>,
    alibaba: RwLock<Option<Configured<AlibabaCredentials>>>,
}

impl Clouds {
    pub fn new(transport: Transport) -> Self {
        Clouds {
            transport,
            tencent: RwLock::new(None),
            alibaba: RwLock::new(None),
        }
    }

    pub fn polardb(&self) -> Result<PolarDbClient, Diagnostics> {
        let credentials = read_configured(&self.alibaba)?;
        PolarDbClient::new(self.transport.clone(), credentials).map_err(|e| {
            Diagnostics::from_error("Invalid Alibaba Cloud configuration", e.to_string())
        })
    }

    /// What ConfigureProvider found for each cloud.
    pub fn configure(
        &self,
        tencent: Configured<TencentCredentials>,
        alibaba: Configured<AlibabaCredentials>,
    ) {
        if let Ok(credentials) = &tencent {
            match SharedSlots::for_account(&credentials.rate_limit_identity()) {
                Ok(record) => self
                    .transport
                    .rate_limiter()
                    .share_between_processes(record),
                Err(error) => {
                    tracing::debug!(%error, "rate limits are kept by this process alone")
                }
            }
        }
        *self.tencent.write().unwrap_or_else(|p| p.into_inner()) = Some(tencent);
        *self.alibaba.write().unwrap_or_else(|p| p.into_inner()) = Some(alibaba);
    }

    /// The Tencent Cloud API 3.0 client every Tencent resource builds its service client on.
    pub fn tencent(&self) -> Result<TencentClient, Diagnostics> {
        let credentials = read_configured(&self.tencent)?;
        TencentClient::new(self.transport.clone(), credentials).map_err(|e| {
            Diagnostics::from_error("Invalid Tencent Cloud configuration", e.to_string())
        })
    }
}

fn read_configured<T: Clone>(slot: &RwLock<Option<Configured<T>>>) -> Result<T, Diagnostics> {
    let guard = slot.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    match guard.as_ref() {
        Some(configured) => configured.clone(),
        None => Err(Diagnostics::from_error(
            "Provider not configured",
            "Terraform did not configure the clouddb provider before using a resource.",
        )),
    }
}
