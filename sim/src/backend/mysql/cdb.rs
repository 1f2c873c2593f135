//! The CDB service's privileges on a real MySQL-family server.

use std::sync::Arc;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::{BackendError, BackendFuture};
use crate::fixture::MysqlDatabase;
use crate::tencent::cdb::backend::{CdbAccountKey, CdbBackend, CdbCatalog};
use crate::tencent::cdb::fixture::CdbInstance;
use crate::tencent::cdb::privileges::{CdbChange, CdbLevel, CdbPrivileges};

use super::grants::{MysqlGrants, Privileges};
use super::server::{AccountLogin, DatabaseObjects, MysqlServer};
use crate::backend::naming::Namespace;

pub(crate) struct CdbOnServer {
    server: Arc<MysqlServer>,
}

impl CdbOnServer {
    pub(crate) fn new(server: Arc<MysqlServer>) -> Self {
        CdbOnServer { server }
    }

    async fn held(
        &self,
        namespace: &Namespace,
        user: &str,
        host: &str,
    ) -> Result<CdbPrivileges, BackendError> {
        Ok(from_server(self.server.held(namespace, user, host).await?))
    }

    /// Takes the account from what it holds to what `change` makes of it.
    async fn change(
        &self,
        namespace: &Namespace,
        user: &str,
        host: &str,
        change: impl FnOnce(&mut CdbPrivileges),
    ) -> Result<(), BackendError> {
        let held = self.held(namespace, user, host).await?;
        let mut wanted = held.clone();
        change(&mut wanted);
        self.server
            .change(
                namespace,
                user,
                host,
                &to_server(&held),
                &to_server(&wanted),
            )
            .await
    }
}

/// What the catalogs say, as CDB's levels name it; what no level of CDB offers is left out
/// (and so never revoked). A grant on a view is a table privilege to CDB.
fn from_server(grants: MysqlGrants) -> CdbPrivileges {
    let only = |level: CdbLevel, privileges: Privileges| -> Privileges {
        privileges.into_iter().filter(|p| level.takes(p)).collect()
    };
    let mut privileges = CdbPrivileges {
        global: only(CdbLevel::Global, grants.global),
        ..CdbPrivileges::default()
    };
    for (db, held) in grants.databases {
        privileges
            .databases
            .insert(db, only(CdbLevel::Database, held));
    }
    for (key, held) in grants.tables.into_iter().chain(grants.views) {
        privileges.tables.insert(key, only(CdbLevel::Table, held));
    }
    for (key, held) in grants.columns {
        privileges.columns.insert(key, only(CdbLevel::Column, held));
    }
    privileges.prune();
    privileges
}

fn to_server(privileges: &CdbPrivileges) -> MysqlGrants {
    MysqlGrants {
        global: privileges.global.clone(),
        databases: privileges.databases.clone(),
        tables: privileges.tables.clone(),
        columns: privileges.columns.clone(),
        ..MysqlGrants::default()
    }
}

impl CdbBackend for CdbOnServer {
    fn load<'a>(&'a self, instances: &'a [CdbInstance]) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.server.writing().await;
            for instance in instances {
                let namespace = Namespace::of(&instance.instance_id);
                let databases: Vec<DatabaseObjects> = instance
                    .databases
                    .iter()
                    .map(|d| DatabaseObjects::of_tables(&d.name, &d.tables))
                    .collect();
                let logins: Vec<AccountLogin> = instance
                    .accounts
                    .iter()
                    .map(|a| AccountLogin {
                        user: &a.user,
                        host: &a.host,
                        password: a.password.as_deref(),
                    })
                    .collect();
                self.server
                    .create_instance(&namespace, &databases, &logins)
                    .await?;
                for account in &instance.accounts {
                    let fixture = account.privileges();
                    self.change(&namespace, &account.user, &account.host, |held| {
                        *held = fixture
                    })
                    .await?;
                }
            }
            Ok(())
        })
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        accounts: &'a [CdbAccountKey],
        change: &'a CdbChange,
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.server.writing().await;
            let namespace = Namespace::of(instance);
            for (user, host) in accounts {
                self.change(&namespace, user, host, |held| change.apply_to(held))
                    .await?;
            }
            Ok(())
        })
    }

    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        user: &'a str,
        host: &'a str,
    ) -> BackendFuture<'a, CdbPrivileges> {
        Box::pin(async move { self.held(&Namespace::of(instance), user, host).await })
    }

    fn catalog<'a>(&'a self, instance: &'a str) -> BackendFuture<'a, Option<CdbCatalog>> {
        Box::pin(async move {
            let catalog = self.server.catalog(&Namespace::of(instance)).await?;
            // A view is a table to CDB.
            let databases = catalog
                .databases
                .into_iter()
                .map(|database| MysqlDatabase {
                    name: database.name,
                    tables: database.tables.into_iter().chain(database.views).collect(),
                })
                .collect();
            Ok(Some(InstanceCatalog {
                databases,
                accounts: catalog.accounts,
            }))
        })
    }
}
