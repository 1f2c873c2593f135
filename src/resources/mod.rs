//! The resources clouddb offers, one file each: schema, model, and the calls that realise them.

pub mod cdb_account_privileges;
pub mod clients;
pub mod kit;
pub mod messages;
pub mod mysql_family;
pub mod outcome;
pub mod polardb_account_grant;
pub mod postgres_account_privileges;
pub mod tdsql_account_privileges;

use std::sync::Arc;

use self::cdb_account_privileges::CdbAccountPrivileges;
use self::clients::Clouds;
use self::kit::Managed;
use self::polardb_account_grant::PolarDbAccountGrant;
use self::postgres_account_privileges::PostgresAccountPrivileges;
use self::tdsql_account_privileges::TdsqlAccountPrivileges;
use crate::framework::Resource;

pub fn all(clouds: Arc<Clouds>) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Managed::new(CdbAccountPrivileges::new(clouds.clone()))),
        Arc::new(Managed::new(PostgresAccountPrivileges::new(clouds.clone()))),
        Arc::new(Managed::new(TdsqlAccountPrivileges::new(clouds.clone()))),
        Arc::new(Managed::new(PolarDbAccountGrant::new(clouds))),
    ]
}
