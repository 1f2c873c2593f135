//! The PostgreSQL service's state: its instances as the fixture declares them (objects dropped
//! out of band removed), and the backend that holds their accounts' object privileges.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::backend::catalog::{refresh_each, take_catalog};
use crate::backend::error::{BackendError, BackendFuture};
use crate::fixture::Fixture;
use crate::listed_order::in_listed_order;
use crate::service::ServiceState;
use crate::sync::locked;

use super::backend::{PostgresBackend, PostgresMemory};
use super::fixture::{PostgresAccount, PostgresGrant, PostgresInstance};
use super::privileges::{PostgresAccountType, PostgresObject, PostgresObjectType};

/// Why an object could not be dropped out of band.
#[derive(Debug, thiserror::Error)]
pub enum DropObjectError {
    #[error("there is no postgres instance `{0}`")]
    NoInstance(String),
    #[error("postgres instance `{instance}` has no {object}")]
    NoObject { instance: String, object: String },
    #[error("an account is not an object to drop")]
    Account,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

pub(crate) struct PostgresState {
    /// Without privileges, which the backend holds.
    instances: Mutex<Vec<PostgresInstance>>,
    backend: Box<dyn PostgresBackend>,
}

impl PostgresState {
    /// The fixture's instances, with their privileges in memory.
    pub(crate) fn in_memory(instances: &[PostgresInstance]) -> Self {
        PostgresState {
            instances: Mutex::new(bare(instances)),
            backend: Box::new(PostgresMemory::new(instances)),
        }
    }

    /// The fixture's instances, with their privileges in `backend` (given the fixture's first).
    pub(crate) async fn with_backend(
        instances: &[PostgresInstance],
        backend: Box<dyn PostgresBackend>,
    ) -> Result<Self, BackendError> {
        backend.load(instances).await?;
        Ok(PostgresState {
            instances: Mutex::new(bare(instances)),
            backend,
        })
    }

    pub(crate) fn instances(&self) -> MutexGuard<'_, Vec<PostgresInstance>> {
        locked(&self.instances)
    }

    pub(crate) fn backend(&self) -> &dyn PostgresBackend {
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
                    |a| a.name.clone(),
                    |name| PostgresAccount::named(&name),
                )
            },
        )
        .await
    }

    /// Drops an object out of band, as a `DROP` run outside Terraform would: the object and
    /// what is in it leave the instance, and every account's privileges on them go.
    pub(crate) async fn drop_object(
        &self,
        instance_id: &str,
        object: &PostgresObject,
    ) -> Result<(), DropObjectError> {
        if object.object_type == PostgresObjectType::Account {
            return Err(DropObjectError::Account);
        }
        {
            let mut instances = self.instances();
            let instance = instances
                .iter_mut()
                .find(|i| i.instance_id == instance_id)
                .ok_or_else(|| DropObjectError::NoInstance(instance_id.to_owned()))?;
            if !instance.remove_object(object) {
                return Err(DropObjectError::NoObject {
                    instance: instance_id.to_owned(),
                    object: object.to_string(),
                });
            }
        }
        self.backend.forget_object(instance_id, object).await?;
        Ok(())
    }
}

/// The instances with their accounts' privileges, types and passwords left out.
fn bare(instances: &[PostgresInstance]) -> Vec<PostgresInstance> {
    let mut instances = instances.to_vec();
    for account in instances.iter_mut().flat_map(|i| &mut i.accounts) {
        account.privileges.clear();
        account.password = None;
        // The backend holds the account's type.
        account.account_type = PostgresAccountType::Normal;
    }
    instances
}

impl ServiceState for PostgresState {
    fn load<'a>(&'a self, fixture: &'a Fixture, _now: Instant) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let instances = &fixture.tencentcloud.postgres;
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
                let supers = self.backend.super_accounts(&instance.instance_id).await?;
                for account in &mut instance.accounts {
                    account.account_type = if supers.contains(&account.name) {
                        PostgresAccountType::TencentDbSuper
                    } else {
                        PostgresAccountType::Normal
                    };
                    let held = self
                        .backend
                        .privileges(&instance.instance_id, &account.name)
                        .await?;
                    account.privileges = held
                        .iter()
                        .map(|(object, privileges)| PostgresGrant {
                            object_type: object.object_type,
                            database_name: object.database_name.clone(),
                            schema_name: object.schema_name.clone(),
                            table_name: object.table_name.clone(),
                            object_name: object.object_name.clone(),
                            privileges: in_listed_order(
                                privileges,
                                object.object_type.privileges(),
                            ),
                        })
                        .collect();
                }
            }
            snapshot.tencentcloud.postgres = instances;
            Ok(())
        })
    }
}
