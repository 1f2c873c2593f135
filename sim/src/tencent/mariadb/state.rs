//! The TDSQL (mariadb) service's state: its instances as the fixture declares them. No action
//! is served yet, so the state only carries the fixture through to snapshots.

use std::sync::Mutex;
use std::time::Instant;

use crate::backend::error::BackendFuture;
use crate::fixture::Fixture;
use crate::service::ServiceState;
use crate::sync::locked;

use super::fixture::MariadbInstance;

pub(crate) struct MariadbState {
    instances: Mutex<Vec<MariadbInstance>>,
}

impl MariadbState {
    pub(crate) fn new(instances: &[MariadbInstance]) -> Self {
        MariadbState {
            instances: Mutex::new(instances.to_vec()),
        }
    }
}

impl ServiceState for MariadbState {
    fn load<'a>(&'a self, fixture: &'a Fixture, _now: Instant) -> BackendFuture<'a, ()> {
        *locked(&self.instances) = fixture.tencentcloud.mariadb.clone();
        Box::pin(std::future::ready(Ok(())))
    }

    fn snapshot<'a>(&'a self, snapshot: &'a mut Fixture, _now: Instant) -> BackendFuture<'a, ()> {
        snapshot.tencentcloud.mariadb = locked(&self.instances).clone();
        Box::pin(std::future::ready(Ok(())))
    }
}
