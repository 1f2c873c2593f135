//! The resources clouddb offers, one file each: schema, model, and the calls that realise them.

pub mod cdb_account_privileges;
pub mod clients;
pub mod messages;
pub mod mysql_family;
pub mod outcome;
pub mod polardb_account_grant;
pub mod postgres_account_privileges;

use std::sync::Arc;

use self::clients::Clouds;
use crate::framework::Resource;

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
