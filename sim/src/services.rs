//! The emulated services, listed once: each one's state, as its folder defines it.

use std::time::Instant;

use crate::alibaba::polardb::backend::PolarDbBackend;
use crate::alibaba::polardb::state::PolarDbState;
use crate::backend::error::BackendError;
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
    /// Every service on the fixture, with privileges in memory.
    pub(crate) fn in_memory(fixture: &Fixture, now: Instant) -> Self {
        Services::with_polardb(
            fixture,
            PolarDbState::in_memory(&fixture.alicloud.polardb, now),
        )
    }

    /// Every service on the fixture; PolarDB's privileges in `backend`, the others' in memory.
    pub(crate) async fn with_polardb_backend(
        fixture: &Fixture,
        backend: Box<dyn PolarDbBackend>,
        now: Instant,
    ) -> Result<Self, BackendError> {
        let polardb = PolarDbState::with_backend(&fixture.alicloud.polardb, backend, now).await?;
        Ok(Services::with_polardb(fixture, polardb))
    }

    fn with_polardb(fixture: &Fixture, polardb: PolarDbState) -> Self {
        let tencent = &fixture.tencentcloud;
        Services {
            cdb: CdbState::in_memory(&tencent.cdb),
            postgres: PostgresState::in_memory(&tencent.postgres),
            mariadb: MariadbState::in_memory(&tencent.mariadb),
            polardb,
        }
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
