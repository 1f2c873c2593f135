//! One MySQL-family server (MariaDB) the sim keeps instances on: creating the fixture's
//! objects and accounts, reading an account's privileges from the server's catalogs, and
//! changing them with `GRANT` and `REVOKE`.

use mysql_async::prelude::Queryable;
use sha1::{Digest, Sha1};

use crate::backend::error::BackendError;
use crate::fixture::Table;

use super::grants::{statements, MysqlGrants, Privileges, Routine};
use crate::backend::naming::Namespace;

use super::limits::{database_name_problem, object_name_problem, user_name_problem};
use super::quote::{account, identifier, string, unescape_database_of_grant};

/// A database of the fixture and what is in it.
pub(crate) struct DatabaseObjects<'a> {
    pub name: &'a str,
    pub tables: &'a [Table],
    pub views: &'a [String],
    pub functions: &'a [String],
    pub procedures: &'a [String],
}

impl<'a> DatabaseObjects<'a> {
    /// A database holding only tables.
    pub(crate) fn of_tables(name: &'a str, tables: &'a [Table]) -> Self {
        DatabaseObjects {
            name,
            tables,
            views: &[],
            functions: &[],
            procedures: &[],
        }
    }
}

/// An account of the fixture and the password to log in with, if it has one.
pub(crate) struct AccountLogin<'a> {
    pub user: &'a str,
    pub host: &'a str,
    pub password: Option<&'a str>,
}

/// A database of an instance as the server has it now, named as the instance names it.
#[derive(Debug, Default)]
pub(crate) struct ServerDatabase {
    pub name: String,
    pub tables: Vec<Table>,
    /// Views, with their columns.
    pub views: Vec<Table>,
    pub functions: Vec<String>,
    pub procedures: Vec<String>,
}

/// An instance's databases and accounts (user, host) as the server has them now.
#[derive(Debug, Default)]
pub(crate) struct ServerCatalog {
    pub databases: Vec<ServerDatabase>,
    pub accounts: Vec<(String, String)>,
}

pub(crate) struct MysqlServer {
    pool: mysql_async::Pool,
    /// Held while privileges change: each change reads what an account holds and sends the
    /// difference, which must not interleave with another change of the same account.
    writing: tokio::sync::Mutex<()>,
}

fn failed(error: mysql_async::Error) -> BackendError {
    BackendError(format!("MySQL server: {error}"))
}

impl MysqlServer {
    /// Connects to the server at `url` (`mysql://user:password@host:port/`), as an account
    /// that may create databases and users and grant every privilege.
    pub(crate) async fn connect(url: &str) -> Result<MysqlServer, BackendError> {
        let opts = mysql_async::Opts::from_url(url)
            .map_err(|error| BackendError(format!("--mysql: not a MySQL URL: {error}")))?;
        let address = format!("{}:{}", opts.ip_or_hostname(), opts.tcp_port());
        let server = MysqlServer {
            pool: mysql_async::Pool::new(opts),
            writing: tokio::sync::Mutex::new(()),
        };
        server.connection().await.map_err(|error| {
            BackendError(format!(
                "cannot reach the MySQL server at {address}: {}",
                error.0
            ))
        })?;
        Ok(server)
    }

    async fn connection(&self) -> Result<mysql_async::Conn, BackendError> {
        self.pool.get_conn().await.map_err(failed)
    }

    /// Runs each statement in turn, stopping at the first that fails.
    async fn run(&self, statements: &[String]) -> Result<(), BackendError> {
        let mut connection = self.connection().await?;
        for statement in statements {
            connection.query_drop(statement).await.map_err(failed)?;
        }
        Ok(())
    }

    /// Held by a change of privileges from its read to its last statement.
    pub(crate) async fn writing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writing.lock().await
    }

    /// Creates the instance's databases (with what is in them) and accounts on the server.
    pub(crate) async fn create_instance(
        &self,
        namespace: &Namespace,
        databases: &[DatabaseObjects<'_>],
        logins: &[AccountLogin<'_>],
    ) -> Result<(), BackendError> {
        for database in databases {
            self.create_database(namespace, database).await?;
        }
        for login in logins {
            self.create_account(namespace, login).await?;
        }
        Ok(())
    }

    /// Creates the database and what is in it, each unless it exists; a table that exists
    /// gains the columns it lacks. Tables are empty, views select a constant, routines do
    /// nothing: they exist to be granted on.
    async fn create_database(
        &self,
        namespace: &Namespace,
        database: &DatabaseObjects<'_>,
    ) -> Result<(), BackendError> {
        if let Some(problem) = database_name_problem(namespace, database.name) {
            return Err(BackendError(problem));
        }
        let problems = database
            .tables
            .iter()
            .flat_map(|table| {
                std::iter::once(object_name_problem("table", &table.name)).chain(
                    table
                        .columns
                        .iter()
                        .map(|c| object_name_problem("column", c)),
                )
            })
            .chain(
                database
                    .views
                    .iter()
                    .map(|v| object_name_problem("view", v)),
            )
            .chain(
                database
                    .functions
                    .iter()
                    .map(|f| object_name_problem("function", f)),
            )
            .chain(
                database
                    .procedures
                    .iter()
                    .map(|p| object_name_problem("procedure", p)),
            );
        if let Some(problem) = problems.flatten().next() {
            return Err(BackendError(problem));
        }
        let db = identifier(&namespace.database(database.name));
        let mut sql = vec![format!("CREATE DATABASE IF NOT EXISTS {db}")];
        for table in database.tables {
            let name = format!("{db}.{}", identifier(&table.name));
            let columns = if table.columns.is_empty() {
                "`id` INT".to_owned()
            } else {
                let typed: Vec<String> = table
                    .columns
                    .iter()
                    .map(|c| format!("{} TEXT", identifier(c)))
                    .collect();
                typed.join(", ")
            };
            sql.push(format!("CREATE TABLE IF NOT EXISTS {name} ({columns})"));
            for column in &table.columns {
                sql.push(format!(
                    "ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {} TEXT",
                    identifier(column)
                ));
            }
        }
        for view in database.views {
            sql.push(format!(
                "CREATE OR REPLACE VIEW {db}.{} AS SELECT 1 AS `one`",
                identifier(view)
            ));
        }
        for function in database.functions {
            sql.push(format!(
                "CREATE FUNCTION IF NOT EXISTS {db}.{}() RETURNS INT DETERMINISTIC NO SQL RETURN 1",
                identifier(function)
            ));
        }
        for procedure in database.procedures {
            sql.push(format!(
                "CREATE PROCEDURE IF NOT EXISTS {db}.{}() SELECT 1",
                identifier(procedure)
            ));
        }
        self.run(&sql).await
    }

    /// Creates the account unless it exists, and sets its password; an account without one is
    /// locked, so that nobody logs in as it.
    async fn create_account(
        &self,
        namespace: &Namespace,
        login: &AccountLogin<'_>,
    ) -> Result<(), BackendError> {
        if let Some(problem) = user_name_problem(namespace, login.user) {
            return Err(BackendError(problem));
        }
        let grantee = account(&namespace.user(login.user), login.host);
        // The password goes to the server as its hash, so that no statement (nor an error
        // quoting one) ever carries it.
        let (authentication, lock) = match login.password {
            Some(password) => (
                format!(
                    " IDENTIFIED BY PASSWORD {}",
                    string(&native_password_hash(password))
                ),
                "ACCOUNT UNLOCK",
            ),
            None => (String::new(), "ACCOUNT LOCK"),
        };
        self.run(&[
            format!("CREATE USER IF NOT EXISTS {grantee}{authentication} {lock}"),
            format!("ALTER USER {grantee}{authentication} {lock}"),
        ])
        .await
    }

    /// What the account holds on this instance's databases (and globally), read from the
    /// server's catalogs: `information_schema` for global, database, table, view and column
    /// privileges, `mysql.procs_priv` for routines.
    pub(crate) async fn held(
        &self,
        namespace: &Namespace,
        user: &str,
        host: &str,
    ) -> Result<MysqlGrants, BackendError> {
        let server_user = namespace.user(user);
        // `information_schema` writes a grantee as 'user'@'host', without escaping.
        let grantee = format!("'{server_user}'@'{host}'");
        let mut connection = self.connection().await?;
        let mut grants = MysqlGrants::default();

        let global: Vec<String> = connection
            .exec(
                "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?",
                (&grantee,),
            )
            .await
            .map_err(failed)?;
        grants.global = global.iter().filter_map(|p| privilege_name(p)).collect();

        let databases: Vec<(String, String)> = connection
            .exec(
                "SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ?",
                (&grantee,),
            )
            .await
            .map_err(failed)?;
        for (stored, privilege) in databases {
            let server_db = unescape_database_of_grant(&stored);
            if let (Some(db), Some(privilege)) =
                (namespace.name_of(&server_db), privilege_name(&privilege))
            {
                grants
                    .databases
                    .entry(db.to_owned())
                    .or_default()
                    .insert(privilege);
            }
        }

        let tables: Vec<(String, String, String, Option<String>)> = connection
            .exec(
                "SELECT p.TABLE_SCHEMA, p.TABLE_NAME, p.PRIVILEGE_TYPE, t.TABLE_TYPE \
                 FROM information_schema.TABLE_PRIVILEGES p LEFT JOIN information_schema.TABLES t \
                 ON t.TABLE_SCHEMA = p.TABLE_SCHEMA AND t.TABLE_NAME = p.TABLE_NAME WHERE p.GRANTEE = ?",
                (&grantee,),
            )
            .await
            .map_err(failed)?;
        for (server_db, table, privilege, kind) in tables {
            if let (Some(db), Some(privilege)) =
                (namespace.name_of(&server_db), privilege_name(&privilege))
            {
                let of = if kind.as_deref() == Some("VIEW") {
                    &mut grants.views
                } else {
                    &mut grants.tables
                };
                of.entry((db.to_owned(), table))
                    .or_default()
                    .insert(privilege);
            }
        }

        let columns: Vec<(String, String, String, String)> = connection
            .exec(
                "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE \
                 FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE = ?",
                (&grantee,),
            )
            .await
            .map_err(failed)?;
        for (server_db, table, column, privilege) in columns {
            if let (Some(db), Some(privilege)) =
                (namespace.name_of(&server_db), privilege_name(&privilege))
            {
                grants
                    .columns
                    .entry((db.to_owned(), table, column))
                    .or_default()
                    .insert(privilege);
            }
        }

        let routines: Vec<(String, String, String, String)> = connection
            .exec(
                "SELECT Db, Routine_name, Routine_type, Proc_priv FROM mysql.procs_priv WHERE User = ? AND Host = ?",
                (&server_user, host),
            )
            .await
            .map_err(failed)?;
        for (server_db, name, kind, privileges) in routines {
            let kind = if kind == "FUNCTION" {
                Routine::Function
            } else {
                Routine::Procedure
            };
            if let Some(db) = namespace.name_of(&server_db) {
                // `Proc_priv` is a SET such as `Execute,Alter Routine`.
                let held: Privileges = privileges
                    .split(',')
                    .filter_map(|p| privilege_name(&p.to_uppercase()))
                    .collect();
                grants
                    .routines
                    .entry((kind, db.to_owned(), name))
                    .or_default()
                    .extend(held);
            }
        }
        grants.prune();
        Ok(grants)
    }

    /// The instance's databases, their tables, views, columns and routines, and its accounts,
    /// from `information_schema` and `mysql.user`.
    pub(crate) async fn catalog(
        &self,
        namespace: &Namespace,
    ) -> Result<ServerCatalog, BackendError> {
        let prefix = namespace.prefix();
        let mut connection = self.connection().await?;
        let schemas: Vec<String> = connection
            .exec(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA \
                 WHERE LEFT(SCHEMA_NAME, CHAR_LENGTH(?)) = ? ORDER BY SCHEMA_NAME",
                (prefix, prefix),
            )
            .await
            .map_err(failed)?;
        let mut catalog = ServerCatalog::default();
        for schema in &schemas {
            if let Some(name) = namespace.name_of(schema) {
                catalog.databases.push(ServerDatabase {
                    name: name.to_owned(),
                    ..ServerDatabase::default()
                });
            }
        }
        let position = |catalog: &ServerCatalog, schema: &str| {
            let name = namespace.name_of(schema)?;
            catalog.databases.iter().position(|d| d.name == name)
        };
        let tables: Vec<(String, String, String)> = connection
            .exec(
                "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
                 WHERE LEFT(TABLE_SCHEMA, CHAR_LENGTH(?)) = ? ORDER BY TABLE_SCHEMA, TABLE_NAME",
                (prefix, prefix),
            )
            .await
            .map_err(failed)?;
        for (schema, name, kind) in tables {
            if let Some(i) = position(&catalog, &schema) {
                let table = Table {
                    name,
                    columns: Vec::new(),
                };
                let database = &mut catalog.databases[i];
                if kind == "VIEW" {
                    database.views.push(table)
                } else {
                    database.tables.push(table)
                }
            }
        }
        let columns: Vec<(String, String, String)> = connection
            .exec(
                "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS \
                 WHERE LEFT(TABLE_SCHEMA, CHAR_LENGTH(?)) = ? \
                 ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
                (prefix, prefix),
            )
            .await
            .map_err(failed)?;
        for (schema, table, column) in columns {
            if let Some(i) = position(&catalog, &schema) {
                let database = &mut catalog.databases[i];
                let of = database
                    .tables
                    .iter_mut()
                    .chain(database.views.iter_mut())
                    .find(|t| t.name == table);
                if let Some(of) = of {
                    of.columns.push(column);
                }
            }
        }
        let routines: Vec<(String, String, String)> = connection
            .exec(
                "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES \
                 WHERE LEFT(ROUTINE_SCHEMA, CHAR_LENGTH(?)) = ? ORDER BY ROUTINE_SCHEMA, ROUTINE_NAME",
                (prefix, prefix),
            )
            .await
            .map_err(failed)?;
        for (schema, name, kind) in routines {
            if let Some(i) = position(&catalog, &schema) {
                let database = &mut catalog.databases[i];
                if kind == "FUNCTION" {
                    database.functions.push(name)
                } else {
                    database.procedures.push(name)
                }
            }
        }
        let users: Vec<(String, String)> = connection
            .exec(
                "SELECT User, Host FROM mysql.user WHERE LEFT(User, CHAR_LENGTH(?)) = ? ORDER BY User, Host",
                (prefix, prefix),
            )
            .await
            .map_err(failed)?;
        catalog.accounts = users
            .into_iter()
            .filter_map(|(user, host)| Some((namespace.name_of(&user)?.to_owned(), host)))
            .collect();
        Ok(catalog)
    }

    /// Takes the account from `held` to `wanted` with `REVOKE` and `GRANT`.
    pub(crate) async fn change(
        &self,
        namespace: &Namespace,
        user: &str,
        host: &str,
        held: &MysqlGrants,
        wanted: &MysqlGrants,
    ) -> Result<(), BackendError> {
        self.run(&statements(namespace, user, host, held, wanted))
            .await
    }
}

/// A privilege as the vendors' APIs name it, from the name a catalog gives it; `None` for
/// `USAGE` (no privilege) and `GRANT` (the grant option, which no vendor level offers).
fn privilege_name(catalog_name: &str) -> Option<String> {
    match catalog_name {
        "USAGE" | "GRANT" | "" => None,
        // MariaDB 10.5 renamed REPLICATION CLIENT; a grant of the old name is stored as this.
        "BINLOG MONITOR" => Some("REPLICATION CLIENT".to_owned()),
        name => Some(name.to_owned()),
    }
}

/// The `mysql_native_password` hash of a password: `*` and the upper-case hex of
/// SHA1(SHA1(password)).
fn native_password_hash(password: &str) -> String {
    let twice = Sha1::digest(Sha1::digest(password.as_bytes()));
    format!("*{}", hex::encode_upper(twice))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_password_hash_matches_the_servers() {
        // SELECT PASSWORD('pw') on MariaDB 10.11.
        assert_eq!(
            native_password_hash("pw"),
            "*D821809F681A40A6E379B50D0463EFAE20BDD122"
        );
    }

    #[test]
    fn catalog_names_read_as_the_vendors() {
        assert_eq!(
            privilege_name("BINLOG MONITOR").as_deref(),
            Some("REPLICATION CLIENT")
        );
        assert_eq!(privilege_name("SHOW VIEW").as_deref(), Some("SHOW VIEW"));
        assert_eq!(privilege_name("USAGE"), None);
        assert_eq!(privilege_name("GRANT"), None);
    }
}
