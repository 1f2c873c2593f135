//! One PostgreSQL server the sim keeps instances on: creating the fixture's databases, objects
//! and roles, reading a role's object privileges from the catalogs (`aclexplode` over each
//! catalog's ACL column), and running `GRANT` and `REVOKE`.

use std::str::FromStr;

use tokio_postgres::{Client, Config, NoTls};

use crate::backend::error::BackendError;
use crate::backend::naming::Namespace;
use crate::fixture::Table;
use crate::tencent::postgres::fixture::{PostgresDatabase, PostgresSchema};

use super::grants::Statement;
use super::quote::{identifier, qualified, routine_with_arguments, string};

/// The longest name PostgreSQL keeps (`NAMEDATALEN` - 1, in bytes): a longer one is cut short
/// silently, so it is refused before anything is created.
const MAX_NAME_BYTES: usize = 63;

/// One row of what a role holds: the object's type as the API names it, its schema, table
/// and name as the catalogs give them, and one privilege.
pub(crate) struct HeldRow {
    pub object_type: String,
    pub schema: String,
    pub table: String,
    pub name: String,
    pub privilege: String,
}

pub(crate) struct PostgresServer {
    config: Config,
}

fn failed(error: tokio_postgres::Error) -> BackendError {
    // The server's own message (`permission denied …`), not the driver's "db error".
    let text = error
        .as_db_error()
        .map(|db| db.message().to_owned())
        .unwrap_or_else(|| error.to_string());
    BackendError(format!("PostgreSQL server: {text}"))
}

fn too_long(kind: &str, name: &str) -> Result<(), BackendError> {
    if name.len() > MAX_NAME_BYTES {
        return Err(BackendError(format!(
            "{kind} `{name}` is longer than the {MAX_NAME_BYTES} bytes PostgreSQL keeps"
        )));
    }
    Ok(())
}

/// Each catalog's ACL, exploded: one row per (object, privilege) the role `$1` holds.
const HELD_IN_DATABASE: &str = "
    SELECT 'schema', '', '', n.nspname::text, a.privilege_type
      FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
      JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname = $1
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview' WHEN 'S' THEN 'sequence'
           ELSE 'table' END, n.nspname::text, '', c.relname::text, a.privilege_type
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL aclexplode(c.relacl) a
      JOIN pg_roles r ON r.oid = a.grantee
     WHERE r.rolname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    UNION ALL
    SELECT 'column', n.nspname::text, c.relname::text, t.attname::text, a.privilege_type
      FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL aclexplode(t.attacl) a
      JOIN pg_roles r ON r.oid = a.grantee
     WHERE r.rolname = $1 AND t.attnum > 0 AND NOT t.attisdropped
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname::text, '',
           p.proname || '(' || replace(pg_get_function_identity_arguments(p.oid), ', ', ',') || ')',
           a.privilege_type
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      CROSS JOIN LATERAL aclexplode(p.proacl) a
      JOIN pg_roles r ON r.oid = a.grantee
     WHERE r.rolname = $1 AND p.prokind IN ('f', 'p')
    UNION ALL
    SELECT 'type', n.nspname::text, '', t.typname::text, a.privilege_type
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      CROSS JOIN LATERAL aclexplode(t.typacl) a
      JOIN pg_roles r ON r.oid = a.grantee
     WHERE r.rolname = $1 AND t.typrelid = 0";

/// What is in one database, each object a row: its kind, schema, name and (for a column) the
/// table it is in, schemas first, then tables, then columns in their order, then the rest.
/// Routines are named `name(argument types)`; system schemas are left out.
const OBJECTS_IN_DATABASE: &str = "
    WITH s AS (SELECT oid, nspname::text AS name FROM pg_namespace
                WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema')
    SELECT kind, schema, name, of_table FROM (
        SELECT 0 AS rank, 'schema' AS kind, s.name AS schema, '' AS name, '' AS of_table,
               0 AS position FROM s
        UNION ALL
        SELECT CASE c.relkind WHEN 'r' THEN 1 WHEN 'p' THEN 1 ELSE 3 END,
               CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview'
               WHEN 'S' THEN 'sequence' ELSE 'table' END, s.name, c.relname::text, '', 0
          FROM pg_class c JOIN s ON s.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
        UNION ALL
        SELECT 2, 'column', s.name, a.attname::text, c.relname::text, a.attnum
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          JOIN s ON s.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT 3, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, s.name,
               p.proname || '(' || replace(pg_get_function_identity_arguments(p.oid), ', ', ',')
               || ')', '', 0
          FROM pg_proc p JOIN s ON s.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')
        UNION ALL
        SELECT 3, 'type', s.name, t.typname::text, '', 0
          FROM pg_type t JOIN s ON s.oid = t.typnamespace
         WHERE t.typtype IN ('e', 'd', 'r') AND t.typrelid = 0
    ) objects ORDER BY rank, schema, of_table, position, name";

impl PostgresServer {
    /// Checks that the server at `url` (`postgres://user:password@host:port/database`) answers,
    /// as a role that may create databases and roles.
    pub(crate) async fn connect(url: &str) -> Result<PostgresServer, BackendError> {
        let config = Config::from_str(url)
            .map_err(|error| BackendError(format!("--postgres: not a PostgreSQL URL: {error}")))?;
        let address = match (config.get_hosts().first(), config.get_ports().first()) {
            (Some(tokio_postgres::config::Host::Tcp(host)), port) => {
                format!("{host}:{}", port.copied().unwrap_or(5432))
            }
            _ => "the URL's socket".to_owned(),
        };
        let server = PostgresServer { config };
        server.client(None).await.map(drop).map_err(|error| {
            BackendError(format!(
                "cannot reach the PostgreSQL server at {address}: {}",
                error.0
            ))
        })?;
        Ok(server)
    }

    /// A connection to `database` (the URL's own when `None`).
    async fn client(&self, database: Option<&str>) -> Result<Client, BackendError> {
        let mut config = self.config.clone();
        if let Some(database) = database {
            config.dbname(database);
        }
        let (client, connection) = config.connect(NoTls).await.map_err(failed)?;
        tokio::spawn(async move {
            // Ends when the client is dropped; an error then has no caller left to tell.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Runs the statements in order, each in its database, stopping at the first that fails.
    pub(crate) async fn run(&self, statements: &[Statement]) -> Result<(), BackendError> {
        let mut connected: Option<(Option<String>, Client)> = None;
        for statement in statements {
            if connected.as_ref().map(|(db, _)| db) != Some(&statement.database) {
                let client = self.client(statement.database.as_deref()).await?;
                connected = Some((statement.database.clone(), client));
            }
            if let Some((_, client)) = &connected {
                client.batch_execute(&statement.sql).await.map_err(failed)?;
            }
        }
        Ok(())
    }

    /// Creates the database unless it exists, then its schemas and objects unless they exist
    /// (a table that exists gains the columns it lacks). `PUBLIC`'s default privileges on what
    /// is created are revoked, so that an account can do only what it was granted.
    pub(crate) async fn create_database(
        &self,
        namespace: &Namespace,
        database: &PostgresDatabase,
    ) -> Result<(), BackendError> {
        let server_name = namespace.database(&database.name);
        too_long("database", &server_name)?;
        let admin = self.client(None).await?;
        let exists = admin
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&server_name],
            )
            .await
            .map_err(failed)?
            .is_some();
        let quoted = identifier(&server_name);
        if !exists {
            admin
                .batch_execute(&format!("CREATE DATABASE {quoted}"))
                .await
                .map_err(failed)?;
        }
        admin
            .batch_execute(&format!("REVOKE ALL ON DATABASE {quoted} FROM PUBLIC"))
            .await
            .map_err(failed)?;
        let client = self.client(Some(&server_name)).await?;
        for schema in &database.schemas {
            self.create_schema(&client, schema).await?;
        }
        Ok(())
    }

    async fn create_schema(
        &self,
        client: &Client,
        schema: &PostgresSchema,
    ) -> Result<(), BackendError> {
        let s = &schema.name;
        too_long("schema", s)?;
        let mut sql = vec![
            format!("CREATE SCHEMA IF NOT EXISTS {}", identifier(s)),
            format!("REVOKE ALL ON SCHEMA {} FROM PUBLIC", identifier(s)),
        ];
        for table in &schema.tables {
            too_long("table", &table.name)?;
            let name = qualified(s, &table.name);
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("{} text", identifier(c)))
                .collect();
            sql.push(format!(
                "CREATE TABLE IF NOT EXISTS {name} ({})",
                columns.join(", ")
            ));
            for column in &table.columns {
                too_long("column", column)?;
                sql.push(format!(
                    "ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {} text",
                    identifier(column)
                ));
            }
        }
        for view in &schema.views {
            too_long("view", view)?;
            sql.push(format!(
                "CREATE OR REPLACE VIEW {} AS SELECT 1 AS one",
                qualified(s, view)
            ));
        }
        for matview in &schema.matviews {
            too_long("materialized view", matview)?;
            sql.push(format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {} AS SELECT 1 AS one",
                qualified(s, matview)
            ));
        }
        for sequence in &schema.sequences {
            too_long("sequence", sequence)?;
            sql.push(format!(
                "CREATE SEQUENCE IF NOT EXISTS {}",
                qualified(s, sequence)
            ));
        }
        for function in &schema.functions {
            let signature = routine_with_arguments(s, function);
            sql.push(format!(
                "CREATE OR REPLACE FUNCTION {signature} RETURNS integer LANGUAGE sql AS 'SELECT 1'"
            ));
            sql.push(format!("REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"));
        }
        for procedure in &schema.procedures {
            let signature = routine_with_arguments(s, procedure);
            sql.push(format!(
                "CREATE OR REPLACE PROCEDURE {signature} LANGUAGE sql AS 'SELECT 1'"
            ));
            sql.push(format!("REVOKE ALL ON PROCEDURE {signature} FROM PUBLIC"));
        }
        for statement in &sql {
            client.batch_execute(statement).await.map_err(failed)?;
        }
        for name in &schema.types {
            too_long("type", name)?;
            let exists = client
                .query_opt(
                    "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                     WHERE n.nspname = $1 AND t.typname = $2",
                    &[s, name],
                )
                .await
                .map_err(failed)?
                .is_some();
            let quoted = qualified(s, name);
            if !exists {
                client
                    .batch_execute(&format!("CREATE TYPE {quoted} AS ENUM ()"))
                    .await
                    .map_err(failed)?;
            }
            client
                .batch_execute(&format!("REVOKE ALL ON TYPE {quoted} FROM PUBLIC"))
                .await
                .map_err(failed)?;
        }
        Ok(())
    }

    /// The routine's name as the catalogs spell it (`add_user(text,text)`, `tax()`), to read
    /// privileges on it back under the fixture's name.
    pub(crate) async fn catalog_name_of_routine(
        &self,
        server_database: &str,
        schema: &str,
        name: &str,
    ) -> Result<Option<String>, BackendError> {
        let client = self.client(Some(server_database)).await?;
        let row = client
            .query_opt(
                "SELECT p.proname || '(' || replace(pg_get_function_identity_arguments(p.oid), ', ', ',') || ')' \
                 FROM pg_proc p WHERE p.oid = to_regprocedure($1)",
                &[&routine_with_arguments(schema, name)],
            )
            .await
            .map_err(failed)?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Creates the role unless it exists and sets its password; a role without one cannot log
    /// in. The password goes to the server as its SCRAM-SHA-256 verifier, so that no statement
    /// (nor an error quoting one) ever carries it.
    pub(crate) async fn create_role(
        &self,
        role: &str,
        password: Option<&str>,
    ) -> Result<(), BackendError> {
        too_long("role", role)?;
        let admin = self.client(None).await?;
        let exists = admin
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])
            .await
            .map_err(failed)?
            .is_some();
        let login = match password {
            Some(password) => format!(
                "LOGIN PASSWORD {}",
                string(&postgres_protocol::password::scram_sha_256(
                    password.as_bytes()
                ))
            ),
            None => "NOLOGIN PASSWORD NULL".to_owned(),
        };
        let verb = if exists { "ALTER" } else { "CREATE" };
        admin
            .batch_execute(&format!("{verb} ROLE {} {login}", identifier(role)))
            .await
            .map_err(failed)
    }

    /// The roles that are members of `group`.
    pub(crate) async fn members_of(&self, group: &str) -> Result<Vec<String>, BackendError> {
        let admin = self.client(None).await?;
        let rows = admin
            .query(
                "SELECT m.rolname::text FROM pg_auth_members a \
                 JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member \
                 WHERE g.rolname = $1",
                &[&group],
            )
            .await
            .map_err(failed)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Makes `role` a member of `group`, or no longer one.
    pub(crate) async fn set_membership(
        &self,
        group: &str,
        role: &str,
        member: bool,
    ) -> Result<(), BackendError> {
        let (group, role) = (identifier(group), identifier(role));
        let sql = if member {
            format!("GRANT {group} TO {role}")
        } else {
            format!("REVOKE {group} FROM {role}")
        };
        self.client(None)
            .await?
            .batch_execute(&sql)
            .await
            .map_err(failed)
    }

    /// What one server database holds now, as the fixture's shape has it, routines named by
    /// the catalogs (`add_user(text,text)`); `name` is the instance's name of the database.
    pub(crate) async fn database(
        &self,
        server_database: &str,
        name: &str,
    ) -> Result<PostgresDatabase, BackendError> {
        let client = self.client(Some(server_database)).await?;
        let rows = client
            .query(OBJECTS_IN_DATABASE, &[])
            .await
            .map_err(failed)?;
        let mut database = PostgresDatabase {
            name: name.to_owned(),
            schemas: Vec::new(),
        };
        for row in &rows {
            let (kind, schema, object, table): (String, String, String, String) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            if kind == "schema" {
                database.schemas.push(PostgresSchema {
                    name: schema,
                    tables: Vec::new(),
                    views: Vec::new(),
                    sequences: Vec::new(),
                    functions: Vec::new(),
                    matviews: Vec::new(),
                    procedures: Vec::new(),
                    types: Vec::new(),
                });
                continue;
            }
            let Some(schema) = database.schemas.iter_mut().find(|s| s.name == schema) else {
                continue;
            };
            match kind.as_str() {
                "table" => schema.tables.push(Table {
                    name: object,
                    columns: Vec::new(),
                }),
                "column" => {
                    if let Some(table) = schema.tables.iter_mut().find(|t| t.name == table) {
                        table.columns.push(object);
                    }
                }
                "view" => schema.views.push(object),
                "matview" => schema.matviews.push(object),
                "sequence" => schema.sequences.push(object),
                "function" => schema.functions.push(object),
                "procedure" => schema.procedures.push(object),
                _ => schema.types.push(object),
            }
        }
        Ok(database)
    }

    /// The roles whose names start with `prefix`.
    pub(crate) async fn roles(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        let admin = self.client(None).await?;
        let rows = admin
            .query(
                "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1",
                &[&prefix],
            )
            .await
            .map_err(failed)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// The instance's databases on the server.
    pub(crate) async fn databases(
        &self,
        namespace: &Namespace,
    ) -> Result<Vec<String>, BackendError> {
        let admin = self.client(None).await?;
        let rows = admin
            .query(
                "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
                &[&namespace.prefix()],
            )
            .await
            .map_err(failed)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// The databases `role` holds privileges on, each privilege a row.
    pub(crate) async fn held_on_databases(
        &self,
        role: &str,
    ) -> Result<Vec<(String, String)>, BackendError> {
        let admin = self.client(None).await?;
        let rows = admin
            .query(
                "SELECT d.datname::text, a.privilege_type FROM pg_database d \
                 CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee \
                 WHERE r.rolname = $1",
                &[&role],
            )
            .await
            .map_err(failed)?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    /// What `role` holds on the objects of one server database.
    pub(crate) async fn held_in_database(
        &self,
        server_database: &str,
        role: &str,
    ) -> Result<Vec<HeldRow>, BackendError> {
        let client = self.client(Some(server_database)).await?;
        let rows = client
            .query(HELD_IN_DATABASE, &[&role])
            .await
            .map_err(failed)?;
        Ok(rows
            .iter()
            .map(|row| HeldRow {
                object_type: row.get(0),
                schema: row.get(1),
                table: row.get(2),
                name: row.get(3),
                privilege: row.get(4),
            })
            .collect())
    }
}
