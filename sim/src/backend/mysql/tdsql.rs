//! The TDSQL service's privileges on a real MySQL-family server.

use std::sync::Arc;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::{BackendError, BackendFuture};
use crate::tencent::mariadb::backend::{MariadbAccountKey, MariadbBackend, MariadbCatalog};
use crate::tencent::mariadb::fixture::{MariadbDatabase, MariadbInstance};
use crate::tencent::mariadb::privileges::{MariadbChange, MariadbLevel, MariadbPrivileges, GLOBAL};

use super::grants::{MysqlGrants, Privileges, Routine};
use super::server::{AccountLogin, DatabaseObjects, MysqlServer};
use crate::backend::naming::Namespace;

pub(crate) struct TdsqlOnServer {
    server: Arc<MysqlServer>,
}

impl TdsqlOnServer {
    pub(crate) fn new(server: Arc<MysqlServer>) -> Self {
        TdsqlOnServer { server }
    }

    async fn held(
        &self,
        namespace: &Namespace,
        user: &str,
        host: &str,
    ) -> Result<MariadbPrivileges, BackendError> {
        Ok(from_server(self.server.held(namespace, user, host).await?))
    }

    /// Takes the account from what it holds to what `change` makes of it.
    async fn change(
        &self,
        namespace: &Namespace,
        user: &str,
        host: &str,
        change: impl FnOnce(&mut MariadbPrivileges),
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

fn only(allowed: &[&str], privileges: Privileges) -> Privileges {
    privileges
        .into_iter()
        .filter(|p| allowed.contains(&p.as_str()))
        .collect()
}

/// What the catalogs say, as TDSQL's levels name it; what no level offers is left out (and so
/// never revoked).
fn from_server(grants: MysqlGrants) -> MariadbPrivileges {
    let mut held = MariadbPrivileges {
        global: only(GLOBAL, grants.global),
        ..MariadbPrivileges::default()
    };
    let mut add = |level: MariadbLevel, names: Vec<String>, privileges: Privileges| {
        let privileges = only(level.allowed(), privileges);
        if !privileges.is_empty() {
            held.scoped.insert((level, names), privileges);
        }
    };
    for (db, privileges) in grants.databases {
        add(MariadbLevel::Database, vec![db], privileges);
    }
    for ((db, table), privileges) in grants.tables {
        add(MariadbLevel::Table, vec![db, table], privileges);
    }
    for ((db, view), privileges) in grants.views {
        add(MariadbLevel::View, vec![db, view], privileges);
    }
    for ((db, table, column), privileges) in grants.columns {
        add(MariadbLevel::Column, vec![db, table, column], privileges);
    }
    for ((kind, db, name), privileges) in grants.routines {
        let level = match kind {
            Routine::Function => MariadbLevel::Function,
            Routine::Procedure => MariadbLevel::Procedure,
        };
        add(level, vec![db, name], privileges);
    }
    held
}

fn to_server(held: &MariadbPrivileges) -> MysqlGrants {
    let mut grants = MysqlGrants {
        global: held.global.clone(),
        ..MysqlGrants::default()
    };
    for ((level, names), privileges) in &held.scoped {
        let privileges = privileges.clone();
        let name = |i: usize| names[i].clone();
        match level {
            MariadbLevel::Database => {
                grants.databases.insert(name(0), privileges);
            }
            MariadbLevel::Table => {
                grants.tables.insert((name(0), name(1)), privileges);
            }
            MariadbLevel::View => {
                grants.views.insert((name(0), name(1)), privileges);
            }
            MariadbLevel::Column => {
                grants
                    .columns
                    .insert((name(0), name(1), name(2)), privileges);
            }
            MariadbLevel::Function => {
                grants
                    .routines
                    .insert((Routine::Function, name(0), name(1)), privileges);
            }
            MariadbLevel::Procedure => {
                grants
                    .routines
                    .insert((Routine::Procedure, name(0), name(1)), privileges);
            }
        }
    }
    grants
}

impl MariadbBackend for TdsqlOnServer {
    fn load<'a>(&'a self, instances: &'a [MariadbInstance]) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.server.writing().await;
            for instance in instances {
                let namespace = Namespace::of(&instance.instance_id);
                let databases: Vec<DatabaseObjects> = instance
                    .databases
                    .iter()
                    .map(|d| DatabaseObjects {
                        name: &d.name,
                        tables: &d.tables,
                        views: &d.views,
                        functions: &d.functions,
                        procedures: &d.procedures,
                    })
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
                    let fixture = account.held();
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
        accounts: &'a [MariadbAccountKey],
        change: &'a MariadbChange,
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
    ) -> BackendFuture<'a, MariadbPrivileges> {
        Box::pin(async move { self.held(&Namespace::of(instance), user, host).await })
    }

    fn catalog<'a>(&'a self, instance: &'a str) -> BackendFuture<'a, Option<MariadbCatalog>> {
        Box::pin(async move {
            let catalog = self.server.catalog(&Namespace::of(instance)).await?;
            let databases = catalog
                .databases
                .into_iter()
                .map(|database| MariadbDatabase {
                    name: database.name,
                    tables: database.tables,
                    views: database.views.into_iter().map(|view| view.name).collect(),
                    functions: database.functions,
                    procedures: database.procedures,
                })
                .collect();
            Ok(Some(InstanceCatalog {
                databases,
                accounts: catalog.accounts,
            }))
        })
    }
}
