//! The MySQL-family services (CDB, TDSQL, PolarDB) on a real MariaDB server: every grant and
//! revoke is a real `GRANT` or `REVOKE`, and every read of privileges reads the server's
//! catalogs, so a change made in SQL is what the API reports. The services keep their
//! inventory (instances, accounts, databases) as the fixture declares it, and the server is
//! given the same databases, objects and accounts at start. `docs/sim.md` tells how names map.

mod cdb;
mod grants;
mod limits;
mod polardb;
mod quote;
mod server;
mod tdsql;

use std::sync::Arc;

use crate::alibaba::polardb::backend::PolarDbBackend;
use crate::backend::error::BackendError;
use crate::tencent::cdb::backend::CdbBackend;
use crate::tencent::mariadb::backend::MariadbBackend;

use self::server::MysqlServer;

/// The backends of the three services, on one server.
pub(crate) struct MysqlBackends {
    pub cdb: Box<dyn CdbBackend>,
    pub tdsql: Box<dyn MariadbBackend>,
    pub polardb: Box<dyn PolarDbBackend>,
}

impl MysqlBackends {
    /// Connects to the server at `url` (`mysql://user:password@host:port/`).
    pub(crate) async fn connect(url: &str) -> Result<MysqlBackends, BackendError> {
        let server = Arc::new(MysqlServer::connect(url).await?);
        Ok(MysqlBackends {
            cdb: Box::new(cdb::CdbOnServer::new(server.clone())),
            tdsql: Box::new(tdsql::TdsqlOnServer::new(server.clone())),
            polardb: Box::new(polardb::PolarDbOnServer::new(server)),
        })
    }
}
