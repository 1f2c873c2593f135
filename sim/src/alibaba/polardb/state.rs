//! The PolarDB service's state: its clusters, accounts (with the clocks of accounts still being
//! created) and databases, and the backend that holds the accounts' privileges.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::backend::catalog::{refresh_each, take_catalog};
use crate::backend::error::{BackendError, BackendFuture};
use crate::fixture::Fixture;
use crate::service::ServiceState;
use crate::sync::locked;

use super::backend::{PolarDbBackend, PolarDbMemory};
use super::fixture::{PolarDbAccount, PolarDbAccountStatus, PolarDbAccountType, PolarDbCluster};

/// A PolarDB cluster.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    pub id: String,
    pub region: String,
    pub accounts: Vec<Account>,
    pub databases: Vec<String>,
}

/// A PolarDB account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub name: String,
    pub account_type: PolarDbAccountType,
    pub description: String,
    status: PolarDbAccountStatus,
    /// Until then the account reports `Creating`.
    available_at: Option<Instant>,
}

impl Account {
    /// `AccountStatus` at `now`.
    pub(crate) fn status(&self, now: Instant) -> PolarDbAccountStatus {
        match self.available_at {
            Some(at) if now < at => PolarDbAccountStatus::Creating,
            _ => self.status,
        }
    }
}

impl Cluster {
    pub(crate) fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    pub(crate) fn has_database(&self, name: &str) -> bool {
        self.databases.iter().any(|d| d == name)
    }
}

pub(crate) struct PolarDbState {
    clusters: Mutex<Vec<Cluster>>,
    backend: Box<dyn PolarDbBackend>,
}

impl PolarDbState {
    /// The fixture's clusters, with their privileges in memory.
    pub(crate) fn in_memory(clusters: &[PolarDbCluster], now: Instant) -> Self {
        PolarDbState {
            clusters: Mutex::new(inventory(clusters, now)),
            backend: Box::new(PolarDbMemory::new(clusters)),
        }
    }

    /// The fixture's clusters, with their privileges in `backend`.
    pub(crate) async fn with_backend(
        clusters: &[PolarDbCluster],
        backend: Box<dyn PolarDbBackend>,
        now: Instant,
    ) -> Result<Self, BackendError> {
        backend.load(clusters).await?;
        Ok(PolarDbState {
            clusters: Mutex::new(inventory(clusters, now)),
            backend,
        })
    }

    pub(crate) fn clusters(&self) -> MutexGuard<'_, Vec<Cluster>> {
        locked(&self.clusters)
    }

    pub(crate) fn backend(&self) -> &dyn PolarDbBackend {
        self.backend.as_ref()
    }

    /// Takes each cluster's databases and accounts from the backend's server, when it has one
    /// (see [`refresh_each`]); a new account is a Normal, Available one.
    pub(crate) async fn refresh(&self) -> Result<(), BackendError> {
        refresh_each(
            &self.clusters,
            |c| &c.id,
            |id| Box::pin(async move { self.backend.catalog(&id).await }),
            |cluster, catalog| {
                take_catalog(
                    catalog,
                    &mut cluster.databases,
                    |d| d,
                    &mut cluster.accounts,
                    |a| a.name.clone(),
                    |name| Account {
                        name,
                        account_type: PolarDbAccountType::Normal,
                        description: String::new(),
                        status: PolarDbAccountStatus::Available,
                        available_at: None,
                    },
                )
            },
        )
        .await
    }
}

/// The fixture's clusters without privileges, their clocks (`available_after_ms`) starting at `now`.
fn inventory(clusters: &[PolarDbCluster], now: Instant) -> Vec<Cluster> {
    clusters
        .iter()
        .map(|cluster| Cluster {
            id: cluster.db_cluster_id.clone(),
            region: cluster.region.clone(),
            databases: cluster.databases.clone(),
            accounts: cluster
                .accounts
                .iter()
                .map(|account| Account {
                    name: account.name.clone(),
                    account_type: account.account_type,
                    description: account.description.clone(),
                    status: account.status,
                    available_at: account
                        .available_after_ms
                        .map(|ms| now + Duration::from_millis(ms)),
                })
                .collect(),
        })
        .collect()
}

impl ServiceState for PolarDbState {
    fn load<'a>(&'a self, fixture: &'a Fixture, now: Instant) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let clusters = &fixture.alicloud.polardb;
            self.backend.load(clusters).await?;
            *self.clusters() = inventory(clusters, now);
            Ok(())
        })
    }

    fn snapshot<'a>(&'a self, snapshot: &'a mut Fixture, now: Instant) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            self.refresh().await?;
            let clusters = self.clusters().clone();
            let mut listed = Vec::with_capacity(clusters.len());
            for cluster in clusters {
                let mut accounts = Vec::with_capacity(cluster.accounts.len());
                for account in &cluster.accounts {
                    accounts.push(PolarDbAccount {
                        name: account.name.clone(),
                        account_type: account.account_type,
                        status: account.status(now),
                        available_after_ms: None,
                        description: account.description.clone(),
                        password: None,
                        privileges: self.backend.privileges(&cluster.id, &account.name).await?,
                    });
                }
                listed.push(PolarDbCluster {
                    db_cluster_id: cluster.id,
                    region: cluster.region,
                    databases: cluster.databases,
                    accounts,
                });
            }
            snapshot.alicloud.polardb = listed;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_creating_until_its_time() {
        let fixture = Fixture::from_json(
            r#"{"alicloud": {"polardb": [{"db_cluster_id": "pc-1", "accounts": [
                {"name": "new", "type": "Normal", "available_after_ms": 500}]}]}}"#,
        )
        .expect("fixture");
        let start = Instant::now();
        let state = PolarDbState::in_memory(&fixture.alicloud.polardb, start);
        let clusters = state.clusters();
        let account = clusters
            .iter()
            .find(|c| c.id == "pc-1")
            .and_then(|c| c.account("new"))
            .expect("account");
        assert_eq!(account.status(start), PolarDbAccountStatus::Creating);
        assert_eq!(
            account.status(start + Duration::from_millis(500)),
            PolarDbAccountStatus::Available
        );
    }
}
