//! The PostgreSQL service on a real PostgreSQL server: every grant and revoke is a real
//! `GRANT` or `REVOKE`, and every read of privileges reads the catalogs' ACLs, so a change
//! made in SQL is what the API reports. The service keeps its inventory as the fixture
//! declares it; the server is given the same databases, schemas, objects and roles at start.
//! `docs/sim.md` tells how names map.

mod grants;
mod quote;
mod server;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::backend::catalog::InstanceCatalog;
use crate::backend::error::{BackendError, BackendFuture};
use crate::backend::naming::Namespace;
use crate::sync::locked;
use crate::tencent::postgres::backend::{PostgresBackend, PostgresCatalog};
use crate::tencent::postgres::fixture::PostgresInstance;
use crate::tencent::postgres::privileges::{
    PostgresAccountType, PostgresChange, PostgresObject, PostgresObjectType, PostgresPrivileges,
};

use self::grants::statements;
use self::server::PostgresServer;

/// The role that stands for `tencentDBSuper`: an account of that type is a member of it. The
/// vendor's account names never start with `tencentdb_`, so no account can take this name.
fn super_role(namespace: &Namespace) -> String {
    namespace.user("tencentdb_super")
}

/// (instance, database, schema, the catalog's `name(argument types)`) → the fixture's name.
type RoutineNames = HashMap<(String, String, String, String), String>;

pub(crate) struct PostgresOnServer {
    server: PostgresServer,
    /// How the fixture named each routine (`tax`, `add_user(text,text)`), so that privileges
    /// read from the catalogs come back under that name.
    routines: Mutex<RoutineNames>,
    /// Held while privileges change: each change reads what a role holds and sends the
    /// difference.
    writing: tokio::sync::Mutex<()>,
}

impl PostgresOnServer {
    /// Connects to the server at `url` (`postgres://user:password@host:port/database`).
    pub(crate) async fn connect(url: &str) -> Result<PostgresOnServer, BackendError> {
        Ok(PostgresOnServer {
            server: PostgresServer::connect(url).await?,
            routines: Mutex::new(HashMap::new()),
            writing: tokio::sync::Mutex::new(()),
        })
    }

    async fn held(
        &self,
        instance: &str,
        account: &str,
    ) -> Result<PostgresPrivileges, BackendError> {
        let namespace = Namespace::of(instance);
        let role = namespace.user(account);
        let mut held = PostgresPrivileges::new();
        let mut add = |object: PostgresObject, privilege: String| {
            if object
                .object_type
                .privileges()
                .contains(&privilege.as_str())
            {
                held.entry(object).or_default().insert(privilege);
            }
        };
        for (server_database, privilege) in self.server.held_on_databases(&role).await? {
            if let Some(database) = namespace.name_of(&server_database) {
                let object = object(PostgresObjectType::Database, database, "", "", "");
                add(object, privilege);
            }
        }
        for server_database in self.server.databases(&namespace).await? {
            let Some(database) = namespace.name_of(&server_database) else {
                continue;
            };
            for row in self
                .server
                .held_in_database(&server_database, &role)
                .await?
            {
                let Some(object_type) = PostgresObjectType::from_api(&row.object_type) else {
                    continue;
                };
                let name = match object_type {
                    PostgresObjectType::Function | PostgresObjectType::Procedure => {
                        self.fixture_name_of_routine(instance, database, &row.schema, row.name)
                    }
                    _ => row.name,
                };
                add(
                    object(object_type, &name, database, &row.schema, &row.table),
                    row.privilege,
                );
            }
        }
        Ok(held)
    }

    /// The fixture's name of a routine the catalogs name `catalog` (`tax()` may be `tax`); a
    /// routine the fixture does not list keeps the catalogs' name.
    fn fixture_name_of_routine(
        &self,
        instance: &str,
        database: &str,
        schema: &str,
        catalog: String,
    ) -> String {
        let key = (
            instance.to_owned(),
            database.to_owned(),
            schema.to_owned(),
            catalog,
        );
        let names = locked(&self.routines);
        names.get(&key).cloned().unwrap_or(key.3)
    }

    /// Takes the role from what it holds to what `change` makes of it.
    async fn change(
        &self,
        instance: &str,
        account: &str,
        change: impl FnOnce(&mut PostgresPrivileges),
    ) -> Result<(), BackendError> {
        let namespace = Namespace::of(instance);
        let held = self.held(instance, account).await?;
        let mut wanted = held.clone();
        change(&mut wanted);
        let sql = statements(&namespace, &namespace.user(account), &held, &wanted);
        self.server.run(&sql).await
    }

    async fn load_instance(&self, instance: &PostgresInstance) -> Result<(), BackendError> {
        let id = &instance.instance_id;
        let namespace = Namespace::of(id);
        for database in &instance.databases {
            self.server.create_database(&namespace, database).await?;
            let server_database = namespace.database(&database.name);
            for schema in &database.schemas {
                for name in schema.functions.iter().chain(&schema.procedures) {
                    if let Some(catalog) = self
                        .server
                        .catalog_name_of_routine(&server_database, &schema.name, name)
                        .await?
                    {
                        let key = (
                            id.clone(),
                            database.name.clone(),
                            schema.name.clone(),
                            catalog,
                        );
                        locked(&self.routines).insert(key, name.clone());
                    }
                }
            }
        }
        let super_role = super_role(&namespace);
        self.server.create_role(&super_role, None).await?;
        for account in &instance.accounts {
            let role = namespace.user(&account.name);
            self.server
                .create_role(&role, account.password.as_deref())
                .await?;
            let is_super = account.account_type == PostgresAccountType::TencentDbSuper;
            self.server
                .set_membership(&super_role, &role, is_super)
                .await?;
            let mut fixture = PostgresPrivileges::new();
            for grant in &account.privileges {
                // The fixture was validated; a grant that names no object cannot be held.
                if let Ok(object) = grant.object() {
                    fixture
                        .entry(object)
                        .or_default()
                        .extend(grant.privileges.iter().cloned());
                }
            }
            fixture.retain(|_, privileges| !privileges.is_empty());
            self.change(id, &account.name, |held| *held = fixture)
                .await?;
        }
        Ok(())
    }
}

/// An object as the catalogs name it; the fields its type does not use are empty.
fn object(
    object_type: PostgresObjectType,
    name: &str,
    database: &str,
    schema: &str,
    table: &str,
) -> PostgresObject {
    let used = |value: &str, needed: bool| {
        if needed {
            value.to_owned()
        } else {
            String::new()
        }
    };
    PostgresObject {
        object_type,
        object_name: name.to_owned(),
        database_name: used(database, object_type.needs_database()),
        schema_name: used(schema, object_type.needs_schema()),
        table_name: used(table, object_type.needs_table()),
    }
}

impl PostgresBackend for PostgresOnServer {
    fn load<'a>(&'a self, instances: &'a [PostgresInstance]) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.writing.lock().await;
            for instance in instances {
                self.load_instance(instance).await?;
            }
            Ok(())
        })
    }

    fn modify<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        changes: &'a [PostgresChange],
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.writing.lock().await;
            self.change(instance, account, |held| {
                for change in changes {
                    change.apply_to(held);
                }
            })
            .await
        })
    }

    fn privileges<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PostgresPrivileges> {
        Box::pin(self.held(instance, account))
    }

    fn super_accounts<'a>(&'a self, instance: &'a str) -> BackendFuture<'a, BTreeSet<String>> {
        Box::pin(async move {
            let namespace = Namespace::of(instance);
            let members = self.server.members_of(&super_role(&namespace)).await?;
            Ok(members
                .iter()
                .filter_map(|role| namespace.name_of(role).map(str::to_owned))
                .collect())
        })
    }

    fn set_account_type<'a>(
        &'a self,
        instance: &'a str,
        account: &'a str,
        account_type: PostgresAccountType,
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let namespace = Namespace::of(instance);
            let is_super = account_type == PostgresAccountType::TencentDbSuper;
            self.server
                .set_membership(&super_role(&namespace), &namespace.user(account), is_super)
                .await
        })
    }

    fn catalog<'a>(&'a self, instance: &'a str) -> BackendFuture<'a, Option<PostgresCatalog>> {
        Box::pin(async move {
            let namespace = Namespace::of(instance);
            let mut databases = Vec::new();
            for server_database in self.server.databases(&namespace).await? {
                let Some(name) = namespace.name_of(&server_database) else {
                    continue;
                };
                let mut database = self.server.database(&server_database, name).await?;
                for schema in &mut database.schemas {
                    for routine in schema.functions.iter_mut().chain(&mut schema.procedures) {
                        let catalog = std::mem::take(routine);
                        *routine =
                            self.fixture_name_of_routine(instance, name, &schema.name, catalog);
                    }
                }
                databases.push(database);
            }
            let super_role = super_role(&namespace);
            let accounts = self
                .server
                .roles(namespace.prefix())
                .await?
                .into_iter()
                .filter(|role| *role != super_role)
                .filter_map(|role| namespace.name_of(&role).map(str::to_owned))
                .collect();
            Ok(Some(InstanceCatalog {
                databases,
                accounts,
            }))
        })
    }

    fn forget_object<'a>(
        &'a self,
        instance: &'a str,
        object: &'a PostgresObject,
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let _writing = self.writing.lock().await;
            let drop = grants::drop(&Namespace::of(instance), object);
            self.server.run(&[drop]).await
        })
    }
}
