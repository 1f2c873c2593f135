//! The PolarDB service's privileges on a real MySQL-family server: each of PolarDB's
//! privileges is a set of MySQL privileges on one database (`docs/architecture.md` lists
//! them), and an account holding any also holds three global ones.

use std::sync::Arc;

use crate::alibaba::polardb::backend::{PolarDbBackend, PolarDbCatalog, PolarDbPrivileges};
use crate::alibaba::polardb::fixture::{PolarDbCluster, PolarDbPrivilege};
use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::{BackendError, BackendFuture};

use super::grants::{MysqlGrants, Privileges};
use super::server::{AccountLogin, DatabaseObjects, MysqlServer};
use crate::backend::naming::Namespace;

/// PolarDB accounts have no host: on the server they may log in from anywhere.
const HOST: &str = "%";

/// What an account holding any database privilege also holds globally.
const GLOBAL: &[&str] = &["PROCESS", "REPLICATION SLAVE", "REPLICATION CLIENT"];

/// The MySQL privileges on a database that a PolarDB privilege stands for.
fn mysql_privileges(privilege: PolarDbPrivilege) -> &'static [&'static str] {
    match privilege {
        PolarDbPrivilege::ReadWrite => &[
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "CREATE",
            "EXECUTE",
            "DROP",
            "REFERENCES",
            "INDEX",
            "ALTER",
            "CREATE TEMPORARY TABLES",
            "EVENT",
            "CREATE VIEW",
            "SHOW VIEW",
            "CREATE ROUTINE",
            "ALTER ROUTINE",
            "LOCK TABLES",
            "TRIGGER",
        ],
        PolarDbPrivilege::ReadOnly => &["SELECT", "LOCK TABLES", "SHOW VIEW"],
        PolarDbPrivilege::DmlOnly => &[
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "LOCK TABLES",
            "CREATE TEMPORARY TABLES",
            "EXECUTE",
            "TRIGGER",
            "EVENT",
            "SHOW VIEW",
        ],
        PolarDbPrivilege::DdlOnly => &[
            "CREATE",
            "DROP",
            "INDEX",
            "ALTER",
            "CREATE TEMPORARY TABLES",
            "CREATE VIEW",
            "SHOW VIEW",
            "CREATE ROUTINE",
            "ALTER ROUTINE",
            "LOCK TABLES",
        ],
        PolarDbPrivilege::ReadIndex => &["SELECT", "INDEX", "LOCK TABLES", "SHOW VIEW"],
    }
}

fn set(names: &[&str]) -> Privileges {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The PolarDB privilege a database's MySQL privileges are exactly, if any. A set changed by
/// hand into one that is none of them reads as no privilege on that database.
fn polardb_privilege(held: &Privileges) -> Option<PolarDbPrivilege> {
    PolarDbPrivilege::ALL
        .into_iter()
        .find(|privilege| set(mysql_privileges(*privilege)) == *held)
}

pub(crate) struct PolarDbOnServer {
    server: Arc<MysqlServer>,
}

impl PolarDbOnServer {
    pub(crate) fn new(server: Arc<MysqlServer>) -> Self {
        PolarDbOnServer { server }
    }

    /// What the account holds in MySQL's terms, as far as PolarDB's privileges reach.
    async fn held(
        &self,
        namespace: &Namespace,
        account: &str,
    ) -> Result<MysqlGrants, BackendError> {
        let grants = self.server.held(namespace, account, HOST).await?;
        Ok(MysqlGrants {
            global: grants
                .global
                .into_iter()
                .filter(|p| GLOBAL.contains(&p.as_str()))
                .collect(),
            databases: grants.databases,
            ..MysqlGrants::default()
        })
    }

    /// Takes the account from what it holds to what `change` makes of its databases'
    /// privileges; the global ones follow.
    async fn change(
        &self,
        cluster: &str,
        account: &str,
        change: impl FnOnce(&mut std::collections::BTreeMap<String, Privileges>),
    ) -> Result<(), BackendError> {
        let namespace = Namespace::of(cluster);
        let held = self.held(&namespace, account).await?;
        let mut wanted = held.clone();
        change(&mut wanted.databases);
        wanted.prune();
        wanted.global = if wanted.databases.is_empty() {
            Privileges::new()
        } else {
            set(GLOBAL)
        };
        self.server
            .change(&namespace, account, HOST, &held, &wanted)
            .await
    }
}

impl PolarDbBackend for PolarDbOnServer {
    fn load<'a>(&'a self, clusters: &'a [PolarDbCluster]) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.server.writing().await;
            for cluster in clusters {
                let namespace = Namespace::of(&cluster.db_cluster_id);
                let databases: Vec<DatabaseObjects> = cluster
                    .databases
                    .iter()
                    .map(|name| DatabaseObjects::of_tables(name, &[]))
                    .collect();
                let logins: Vec<AccountLogin> = cluster
                    .accounts
                    .iter()
                    .map(|a| AccountLogin {
                        user: &a.name,
                        host: HOST,
                        password: a.password.as_deref(),
                    })
                    .collect();
                self.server
                    .create_instance(&namespace, &databases, &logins)
                    .await?;
                for account in &cluster.accounts {
                    self.change(&cluster.db_cluster_id, &account.name, |databases| {
                        *databases = account
                            .privileges
                            .iter()
                            .map(|(db, privilege)| (db.clone(), set(mysql_privileges(*privilege))))
                            .collect();
                    })
                    .await?;
                }
            }
            Ok(())
        })
    }

    fn grant<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        grants: &'a [(String, PolarDbPrivilege)],
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.server.writing().await;
            self.change(cluster, account, |databases| {
                for (db, privilege) in grants {
                    databases.insert(db.clone(), set(mysql_privileges(*privilege)));
                }
            })
            .await
        })
    }

    fn revoke<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        databases: &'a [String],
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.server.writing().await;
            self.change(cluster, account, |held| {
                for db in databases {
                    held.remove(db);
                }
            })
            .await
        })
    }

    fn privileges<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PolarDbPrivileges> {
        Box::pin(async move {
            let held = self.held(&Namespace::of(cluster), account).await?;
            Ok(held
                .databases
                .iter()
                .filter_map(|(db, privileges)| Some((db.clone(), polardb_privilege(privileges)?)))
                .collect())
        })
    }

    fn catalog<'a>(&'a self, cluster: &'a str) -> BackendFuture<'a, Option<PolarDbCatalog>> {
        Box::pin(async move {
            let catalog = self.server.catalog(&Namespace::of(cluster)).await?;
            Ok(Some(InstanceCatalog {
                databases: catalog.databases.into_iter().map(|d| d.name).collect(),
                accounts: catalog
                    .accounts
                    .into_iter()
                    .filter(|(_, host)| host == HOST)
                    .map(|(name, _)| name)
                    .collect(),
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_privilege_stands_for_its_own_set() {
        for privilege in PolarDbPrivilege::ALL {
            let privileges = set(mysql_privileges(privilege));
            assert_eq!(polardb_privilege(&privileges), Some(privilege));
        }
        let mut read_only = set(mysql_privileges(PolarDbPrivilege::ReadOnly));
        read_only.remove("LOCK TABLES");
        assert_eq!(polardb_privilege(&read_only), None);
    }
}
