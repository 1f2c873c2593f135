//! The CDB service's state: its instances as the fixture declares them, and the backend that
//! holds their accounts' privileges.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::backend::catalog::{refresh_each, take_catalog};
use crate::backend::error::{BackendError, BackendFuture};
use crate::fixture::Fixture;
use crate::service::ServiceState;
use crate::sync::locked;

use super::backend::{CdbBackend, CdbMemory};
use super::fixture::{CdbAccount, CdbInstance};

pub(crate) struct CdbState {
    /// Without privileges, which the backend holds.
    instances: Mutex<Vec<CdbInstance>>,
    backend: Box<dyn CdbBackend>,
}

impl CdbState {
    /// The fixture's instances, with their privileges in memory.
    pub(crate) fn in_memory(instances: &[CdbInstance]) -> Self {
        CdbState {
            instances: Mutex::new(bare(instances)),
            backend: Box::new(CdbMemory::new(instances)),
        }
    }

    /// The fixture's instances, with their privileges in `backend` (given the fixture's first).
    pub(crate) async fn with_backend(
        instances: &[CdbInstance],
        backend: Box<dyn CdbBackend>,
    ) -> Result<Self, BackendError> {
        backend.load(instances).await?;
        Ok(Self {
            instances: Mutex::new(bare(instances)),
            backend,
        })
    }

    pub(crate) fn instances(&self) -> MutexGuard<'_, Vec<CdbInstance>> {
        locked(&self.instances)
    }

    pub(crate) fn backend(&self) -> &dyn CdbBackend {
        self.backend.as_ref()
    }

    /// Takes each instance's databases and accounts from the backend's server, when it has
    /// one (see [`refresh_each`]).
    pub(crate) async fn refresh(&self) -> Result<(), BackendError> {
        refresh_each(
            &self.instances,
            |i| &i.instance_id,
            |id| Box::pin(async move { self.backend.catalog(&id).await }),
            |instance, catalog| {
                take_catalog(
                    catalog,
                    &mut instance.databases,
                    |d| &d.name,
                    &mut instance.accounts,
                    |a| (a.user.clone(), a.host.clone()),
                    |(user, host)| CdbAccount::new(&user, &host),
                )
            },
        )
        .await
    }
}

/// The instances with their accounts' privileges left out.
fn bare(instances: &[CdbInstance]) -> Vec<CdbInstance> {
    let mut instances = instances.to_vec();
    for account in instances.iter_mut().flat_map(|i| &mut i.accounts) {
        let mut bare = CdbAccount::new(&account.user, &account.host);
        bare.notes = std::mem::take(&mut account.notes);
        *account = bare;
    }
    instances
}

impl ServiceState for CdbState {
    fn load<'a>(&'a self, fixture: &'a Fixture, _now: Instant) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let instances = &fixture.tencentcloud.cdb;
            self.backend.load(instances).await?;
            *self.instances() = bare(instances);
            Ok(())
        })
    }

    fn snapshot<'a>(&'a self, snapshot: &'a mut Fixture, _now: Instant) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            self.refresh().await?;
            let mut instances = self.instances().clone();
            for instance in &mut instances {
                for account in &mut instance.accounts {
                    let held = self
                        .backend
                        .privileges(&instance.instance_id, &account.user, &account.host)
                        .await?;
                    account.set_privileges(&held);
                }
            }
            snapshot.tencentcloud.cdb = instances;
            Ok(())
        })
    }
}
