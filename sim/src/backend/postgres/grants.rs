//! The `GRANT` and `REVOKE` statements that take a role from the object privileges it holds to
//! those it should hold, each with the database it must run in.

use std::collections::BTreeSet;

use crate::backend::naming::Namespace;
use crate::tencent::postgres::privileges::{
    PostgresObject, PostgresObjectType, PostgresPrivileges,
};

use super::quote::{identifier, qualified, routine};

/// A statement and the server database it runs in (`None`: any, such as the one connected to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub database: Option<String>,
    pub sql: String,
}

/// What follows `ON` for the object, and the column list a column privilege takes.
pub(crate) fn target(namespace: &Namespace, object: &PostgresObject) -> (String, Option<String>) {
    use PostgresObjectType as T;
    let schema = &object.schema_name;
    let name = &object.object_name;
    match object.object_type {
        T::Database => (
            format!("DATABASE {}", identifier(&namespace.database(name))),
            None,
        ),
        T::Schema => (format!("SCHEMA {}", identifier(name)), None),
        T::Table | T::View | T::Matview => (format!("TABLE {}", qualified(schema, name)), None),
        T::Sequence => (format!("SEQUENCE {}", qualified(schema, name)), None),
        T::Function => (format!("FUNCTION {}", routine(schema, name)), None),
        T::Procedure => (format!("PROCEDURE {}", routine(schema, name)), None),
        T::Type => (format!("TYPE {}", qualified(schema, name)), None),
        T::Column => (
            format!("TABLE {}", qualified(schema, &object.table_name)),
            Some(identifier(name)),
        ),
        // An account holds no object privileges; its type is not granted with GRANT.
        T::Account => (String::new(), None),
    }
}

/// The server database a statement on the object runs in.
pub(crate) fn database_of(namespace: &Namespace, object: &PostgresObject) -> Option<String> {
    (object.object_type.needs_database()).then(|| namespace.database(&object.database_name))
}

fn list(privileges: &BTreeSet<String>, column: &Option<String>) -> String {
    let column = column
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    privileges
        .iter()
        .map(|p| format!("{p}{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `REVOKE` of what `role` holds and should not, and a `GRANT` of what it should hold and
/// does not, on each object; nothing for an object already right.
pub(crate) fn statements(
    namespace: &Namespace,
    role: &str,
    held: &PostgresPrivileges,
    wanted: &PostgresPrivileges,
) -> Vec<Statement> {
    let grantee = identifier(role);
    let none = BTreeSet::new();
    let objects: BTreeSet<&PostgresObject> = held.keys().chain(wanted.keys()).collect();
    let mut statements = Vec::new();
    for object in objects {
        if object.object_type == PostgresObjectType::Account {
            continue;
        }
        let held = held.get(object).unwrap_or(&none);
        let wanted = wanted.get(object).unwrap_or(&none);
        let revoke: BTreeSet<String> = held.difference(wanted).cloned().collect();
        let grant: BTreeSet<String> = wanted.difference(held).cloned().collect();
        let (on, column) = target(namespace, object);
        let database = database_of(namespace, object);
        if !revoke.is_empty() {
            let sql = format!("REVOKE {} ON {on} FROM {grantee}", list(&revoke, &column));
            statements.push(Statement {
                database: database.clone(),
                sql,
            });
        }
        if !grant.is_empty() {
            let sql = format!("GRANT {} ON {on} TO {grantee}", list(&grant, &column));
            statements.push(Statement { database, sql });
        }
    }
    statements
}

/// The statement that drops the object (and what depends on it), as a DBA would.
pub(crate) fn drop(namespace: &Namespace, object: &PostgresObject) -> Statement {
    use PostgresObjectType as T;
    let schema = &object.schema_name;
    let name = &object.object_name;
    let sql = match object.object_type {
        T::Database => format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            identifier(&namespace.database(name))
        ),
        T::Schema => format!("DROP SCHEMA IF EXISTS {} CASCADE", identifier(name)),
        T::Table => format!("DROP TABLE IF EXISTS {} CASCADE", qualified(schema, name)),
        T::View => format!("DROP VIEW IF EXISTS {} CASCADE", qualified(schema, name)),
        T::Matview => format!(
            "DROP MATERIALIZED VIEW IF EXISTS {} CASCADE",
            qualified(schema, name)
        ),
        T::Sequence => format!(
            "DROP SEQUENCE IF EXISTS {} CASCADE",
            qualified(schema, name)
        ),
        T::Function => format!("DROP FUNCTION IF EXISTS {} CASCADE", routine(schema, name)),
        T::Procedure => format!("DROP PROCEDURE IF EXISTS {} CASCADE", routine(schema, name)),
        T::Type => format!("DROP TYPE IF EXISTS {} CASCADE", qualified(schema, name)),
        T::Column => format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {} CASCADE",
            qualified(schema, &object.table_name),
            identifier(name)
        ),
        T::Account => String::new(),
    };
    Statement {
        database: database_of(namespace, object),
        sql,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tencent::postgres::privileges::PostgresObjectType as T;

    fn object(t: T, name: &str, db: &str, schema: &str, table: &str) -> PostgresObject {
        PostgresObject::new(t, name, db, schema, table).expect("object")
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn only_the_difference_is_revoked_and_granted_where_it_must_run() {
        let namespace = Namespace::of("postgres-1");
        let held = PostgresPrivileges::from([
            (
                object(T::Database, "appdb", "", "", ""),
                set(&["CONNECT", "TEMPORARY"]),
            ),
            (
                object(T::Table, "users", "appdb", "public", ""),
                set(&["SELECT"]),
            ),
        ]);
        let wanted = PostgresPrivileges::from([
            (object(T::Database, "appdb", "", "", ""), set(&["CONNECT"])),
            (
                object(T::Table, "users", "appdb", "public", ""),
                set(&["SELECT"]),
            ),
            (
                object(T::Column, "email", "appdb", "public", "users"),
                set(&["UPDATE"]),
            ),
            (
                object(T::Function, "add_user(text,text)", "appdb", "public", ""),
                set(&["EXECUTE"]),
            ),
        ]);
        let sql: Vec<(Option<String>, String)> =
            statements(&namespace, "postgres-1__app", &held, &wanted)
                .into_iter()
                .map(|s| (s.database, s.sql))
                .collect();
        let appdb = Some("postgres-1__appdb".to_owned());
        assert_eq!(
            sql,
            [
                (None, "REVOKE TEMPORARY ON DATABASE \"postgres-1__appdb\" FROM \"postgres-1__app\"".to_owned()),
                (
                    appdb.clone(),
                    "GRANT EXECUTE ON FUNCTION \"public\".\"add_user\"(\"text\",\"text\") TO \"postgres-1__app\"".to_owned()
                ),
                (
                    appdb,
                    "GRANT UPDATE (\"email\") ON TABLE \"public\".\"users\" TO \"postgres-1__app\"".to_owned()
                ),
            ]
        );
        assert!(statements(&namespace, "r", &wanted, &wanted).is_empty());
    }
}
