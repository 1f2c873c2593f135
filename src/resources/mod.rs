//! The resources clouddb offers, one file each: schema, model, and the calls that realise them.

pub mod cdb_account_privileges;
pub mod polardb_account_grant;
pub mod postgres_account_privileges;

use std::sync::Arc;

use crate::cloud::error::CloudError;
use crate::framework::{Diagnostics, Resource};
use crate::provider::Clouds;

pub fn all(clouds: Arc<Clouds>) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(cdb_account_privileges::CdbAccountPrivileges::new(
            clouds.clone(),
        )),
        Arc::new(postgres_account_privileges::PostgresAccountPrivileges::new(
            clouds.clone(),
        )),
        Arc::new(polardb_account_grant::PolarDbAccountGrant::new(clouds)),
    ]
}

/// A failed cloud call as the user sees it: what we were doing, then the vendor's action, code,
/// message and RequestId.
pub fn cloud_error(summary: impl Into<String>, error: &CloudError) -> Diagnostics {
    Diagnostics::from_error(summary, error.to_string())
}
