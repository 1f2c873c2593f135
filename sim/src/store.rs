//! The clouds' inventory loaded from a fixture: API keys, instances, clusters, accounts, databases.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::clock;
use crate::fixture::{
    AlicloudCredential, CdbInstance, Fixture, PolarDbAccountStatus, PolarDbAccountType,
    PostgresInstance, TencentCloud, TencentCredential,
};

/// Everything but privileges, which live in a backend.
#[derive(Debug)]
pub(crate) struct World {
    tencent_credentials: HashMap<String, TencentCredential>,
    alibaba_credentials: HashMap<String, AlicloudCredential>,
    /// Tencent instances as the fixture declared them, objects dropped out of band removed,
    /// and without privileges (the backends hold those).
    tencent: TencentCloud,
    polardb: Vec<Cluster>,
    /// When the fixture was loaded: the creation time of every account.
    loaded_at: OffsetDateTime,
}

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

impl World {
    /// The fixture's inventory, with its clocks (`available_after_ms`) starting at `now`.
    pub(crate) fn load(fixture: &Fixture, now: Instant) -> World {
        let tencent_credentials = fixture
            .tencentcloud
            .credentials
            .iter()
            .map(|c| (c.secret_id.clone(), c.clone()))
            .collect();
        let alibaba_credentials = fixture
            .alicloud
            .credentials
            .iter()
            .map(|c| (c.access_key_id.clone(), c.clone()))
            .collect();
        let polardb = fixture
            .alicloud
            .polardb
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
            .collect();
        let mut tencent = TencentCloud {
            credentials: Vec::new(),
            ..fixture.tencentcloud.clone()
        };
        for account in tencent.postgres.iter_mut().flat_map(|i| &mut i.accounts) {
            account.privileges.clear();
        }
        for account in tencent.cdb.iter_mut().flat_map(|i| &mut i.accounts) {
            let mut bare = crate::fixture::CdbAccount::new(&account.user, &account.host);
            bare.notes = std::mem::take(&mut account.notes);
            *account = bare;
        }
        World {
            tencent_credentials,
            alibaba_credentials,
            tencent,
            polardb,
            loaded_at: clock::now_utc(),
        }
    }

    pub(crate) fn tencent_credential(&self, secret_id: &str) -> Option<&TencentCredential> {
        self.tencent_credentials.get(secret_id)
    }

    pub(crate) fn alibaba_credential(&self, access_key_id: &str) -> Option<&AlicloudCredential> {
        self.alibaba_credentials.get(access_key_id)
    }

    /// Tencent instances, without credentials or privileges.
    pub(crate) fn tencent(&self) -> &TencentCloud {
        &self.tencent
    }

    pub(crate) fn postgres_instance(&self, id: &str) -> Option<&PostgresInstance> {
        self.tencent.postgres.iter().find(|i| i.instance_id == id)
    }

    pub(crate) fn postgres_instance_mut(&mut self, id: &str) -> Option<&mut PostgresInstance> {
        self.tencent
            .postgres
            .iter_mut()
            .find(|i| i.instance_id == id)
    }

    /// Whether some postgres instance of the fixture is in `region`.
    pub(crate) fn has_postgres_region(&self, region: &str) -> bool {
        self.tencent.postgres.iter().any(|i| i.region == region)
    }

    pub(crate) fn cdb_instance(&self, id: &str) -> Option<&CdbInstance> {
        self.tencent.cdb.iter().find(|i| i.instance_id == id)
    }

    /// When the fixture was loaded, which the sim reports as every account's creation time.
    pub(crate) fn loaded_at(&self) -> OffsetDateTime {
        self.loaded_at
    }

    pub(crate) fn polardb_clusters(&self) -> &[Cluster] {
        &self.polardb
    }

    pub(crate) fn polardb_cluster(&self, id: &str) -> Option<&Cluster> {
        self.polardb.iter().find(|c| c.id == id)
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
        let world = World::load(&fixture, start);
        let account = world
            .polardb_cluster("pc-1")
            .and_then(|c| c.account("new"))
            .expect("account");
        assert_eq!(account.status(start), PolarDbAccountStatus::Creating);
        assert_eq!(
            account.status(start + Duration::from_millis(500)),
            PolarDbAccountStatus::Available
        );
    }
}
