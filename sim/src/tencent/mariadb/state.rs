//! The TDSQL service's state: its instances as the fixture declares them, and the backend that
//! holds their accounts' privileges.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::backend::catalog::{refresh_each, take_catalog};
use crate::backend::error::{BackendError, BackendFuture};
use crate::fixture::Fixture;
use crate::service::ServiceState;
use crate::sync::locked;

use super::backend::{MariadbBackend, MariadbMemory};
use super::fixture::{MariadbAccount, MariadbGrant, MariadbInstance};

pub(crate) struct MariadbState {
    /// Without privileges, which the backend holds.
    instances: Mutex<Vec<MariadbInstance>>,
    backend: Box<dyn MariadbBackend>,
}

impl MariadbState {
    /// The fixture's instances, with their privileges in memory.
    pub(crate) fn in_memory(instances: &[MariadbInstance]) -> Self {
        MariadbState {
            instances: Mutex::new(bare(instances)),
            backend: Box::new(MariadbMemory::new(instances)),
        }
    }

    /// The fixture's instances, with their privileges in `backend` (given the fixture's first).
    pub(crate) async fn with_backend(
        instances: &[MariadbInstance],
        backend: Box<dyn MariadbBackend>,
    ) -> Result<Self, BackendError> {
        backend.load(instances).await?;
        Ok(Self {
            instances: Mutex::new(bare(instances)),
            backend,
        })
    }

    pub(crate) fn instances(&self) -> MutexGuard<'_, Vec<MariadbInstance>> {
        locked(&self.instances)
    }

    pub(crate) fn backend(&self) -> &dyn MariadbBackend {
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
                    |(user, host)| MariadbAccount::new(&user, &host),
                )
            },
        )
        .await
    }
}

/// The instances with their accounts' privileges left out.
fn bare(instances: &[MariadbInstance]) -> Vec<MariadbInstance> {
    let mut instances = instances.to_vec();
    for account in instances.iter_mut().flat_map(|i| &mut i.accounts) {
        *account = MariadbAccount::new(&account.user, &account.host);
    }
    instances
}

impl ServiceState for MariadbState {
    fn load<'a>(&'a self, fixture: &'a Fixture, _now: Instant) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let instances = &fixture.tencentcloud.mariadb;
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
                    account.global_privileges = crate::listed_order::in_listed_order(
                        &held.global,
                        super::privileges::GLOBAL,
                    );
                    account.privileges = held
                        .scoped
                        .iter()
                        .map(|(scope, privileges)| {
                            MariadbGrant::of(
                                scope,
                                crate::listed_order::in_listed_order(privileges, scope.0.allowed()),
                            )
                        })
                        .collect();
                }
            }
            snapshot.tencentcloud.mariadb = instances;
            Ok(())
        })
    }
}
