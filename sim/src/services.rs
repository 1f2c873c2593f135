//! The emulated services, listed once: each one's state, as its folder defines it.

use std::time::Instant;

use crate::alibaba::polardb::backend::PolarDbBackend;
use crate::alibaba::polardb::state::PolarDbState;
use crate::backend::error::BackendError;
use crate::backend::mysql::MysqlBackends;
use crate::backend::postgres::PostgresOnServer;
use crate::fixture::Fixture;
use crate::service::ServiceState;
use crate::tencent::cdb::state::CdbState;
use crate::tencent::mariadb::state::MariadbState;
use crate::tencent::postgres::state::PostgresState;

pub(crate) struct Services {
    pub(crate) cdb: CdbState,
    pub(crate) postgres: PostgresState,
    pub(crate) mariadb: MariadbState,
    pub(crate) polardb: PolarDbState,
}

impl Services {
    /// Every service on the fixture, with privileges on the MySQL and PostgreSQL servers at
    /// these URLs, or in memory for a service given none.
    pub(crate) async fn open(
        fixture: &Fixture,
        mysql: Option<&str>,
        postgres: Option<&str>,
        now: Instant,
    ) -> Result<Self, BackendError> {
        let tencent = &fixture.tencentcloud;
        let postgres = match postgres {
            None => PostgresState::in_memory(&tencent.postgres),
            Some(url) => {
                let backend = PostgresOnServer::connect(url).await?;
                PostgresState::with_backend(&tencent.postgres, Box::new(backend)).await?
            }
        };
        let Some(url) = mysql else {
            return Ok(Services {
                cdb: CdbState::in_memory(&tencent.cdb),
                postgres,
                mariadb: MariadbState::in_memory(&tencent.mariadb),
                polardb: PolarDbState::in_memory(&fixture.alicloud.polardb, now),
            });
        };
        let backends = MysqlBackends::connect(url).await?;
        Ok(Services {
            cdb: CdbState::with_backend(&tencent.cdb, backends.cdb).await?,
            postgres,
            mariadb: MariadbState::with_backend(&tencent.mariadb, backends.tdsql).await?,
            polardb: PolarDbState::with_backend(&fixture.alicloud.polardb, backends.polardb, now)
                .await?,
        })
    }

    /// Every service on the fixture; PolarDB's privileges in `backend`, the others' in memory.
    pub(crate) async fn with_polardb_backend(
        fixture: &Fixture,
        backend: Box<dyn PolarDbBackend>,
        now: Instant,
    ) -> Result<Self, BackendError> {
        let tencent = &fixture.tencentcloud;
        Ok(Services {
            cdb: CdbState::in_memory(&tencent.cdb),
            postgres: PostgresState::in_memory(&tencent.postgres),
            mariadb: MariadbState::in_memory(&tencent.mariadb),
            polardb: PolarDbState::with_backend(&fixture.alicloud.polardb, backend, now).await?,
        })
    }

    fn all(&self) -> [&dyn ServiceState; 4] {
        [&self.cdb, &self.postgres, &self.mariadb, &self.polardb]
    }

    /// Every service takes its part of `fixture`.
    pub(crate) async fn load(&self, fixture: &Fixture, now: Instant) -> Result<(), BackendError> {
        for service in self.all() {
            service.load(fixture, now).await?;
        }
        Ok(())
    }

    /// Every service's part of the state now, without credentials.
    pub(crate) async fn snapshot(&self, now: Instant) -> Result<Fixture, BackendError> {
        let mut snapshot = Fixture::default();
        for service in self.all() {
            service.snapshot(&mut snapshot, now).await?;
        }
        Ok(snapshot)
    }
}
