//! What a MySQL account holds, in MySQL's own terms (global, database, table, view, column
//! and routine privileges, named by the fixture's names), and the `GRANT` and `REVOKE`
//! statements that take an account from what it holds to what it should hold.

use std::collections::{BTreeMap, BTreeSet};

use super::quote::{account, database_of_grant, identifier};
use crate::backend::naming::Namespace;

pub(crate) type Privileges = BTreeSet<String>;

/// A stored function or procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Routine {
    Function,
    Procedure,
}

impl Routine {
    fn keyword(self) -> &'static str {
        match self {
            Self::Function => "FUNCTION",
            Self::Procedure => "PROCEDURE",
        }
    }
}

/// An account's privileges; no entry holds an empty set once [`MysqlGrants::prune`] ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MysqlGrants {
    pub global: Privileges,
    pub databases: BTreeMap<String, Privileges>,
    /// (database, table) → privileges.
    pub tables: BTreeMap<(String, String), Privileges>,
    /// (database, view) → privileges; MySQL grants on a view as on a table.
    pub views: BTreeMap<(String, String), Privileges>,
    /// (database, table, column) → privileges.
    pub columns: BTreeMap<(String, String, String), Privileges>,
    /// (kind, database, routine) → privileges.
    pub routines: BTreeMap<(Routine, String, String), Privileges>,
}

impl MysqlGrants {
    pub(crate) fn prune(&mut self) {
        self.databases.retain(|_, p| !p.is_empty());
        self.tables.retain(|_, p| !p.is_empty());
        self.views.retain(|_, p| !p.is_empty());
        self.columns.retain(|_, p| !p.is_empty());
        self.routines.retain(|_, p| !p.is_empty());
    }
}

/// One place privileges are granted on, as it reads after `ON`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Global,
    Database(String),
    Table(String, String),
    Column(String, String, String),
    Routine(Routine, String, String),
}

impl Target {
    fn on(&self, namespace: &Namespace) -> String {
        let database = |name: &str| identifier(&namespace.database(name));
        match self {
            Self::Global => "*.*".to_owned(),
            Self::Database(db) => format!("{}.*", database_of_grant(&namespace.database(db))),
            Self::Table(db, table) | Self::Column(db, table, _) => {
                format!("{}.{}", database(db), identifier(table))
            }
            Self::Routine(kind, db, name) => {
                format!("{} {}.{}", kind.keyword(), database(db), identifier(name))
            }
        }
    }

    /// The privilege list of a statement on this target: `SELECT (`c`)` for a column.
    fn list(&self, privileges: &Privileges) -> String {
        let column = match self {
            Self::Column(_, _, column) => format!(" ({})", identifier(column)),
            _ => String::new(),
        };
        privileges
            .iter()
            .map(|privilege| format!("{privilege}{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn targets(grants: &MysqlGrants) -> BTreeMap<Target, &Privileges> {
    let mut targets = BTreeMap::new();
    targets.insert(Target::Global, &grants.global);
    for (db, privileges) in &grants.databases {
        targets.insert(Target::Database(db.clone()), privileges);
    }
    for ((db, table), privileges) in grants.tables.iter().chain(&grants.views) {
        targets.insert(Target::Table(db.clone(), table.clone()), privileges);
    }
    for ((db, table, column), privileges) in &grants.columns {
        targets.insert(
            Target::Column(db.clone(), table.clone(), column.clone()),
            privileges,
        );
    }
    for ((kind, db, name), privileges) in &grants.routines {
        targets.insert(Target::Routine(*kind, db.clone(), name.clone()), privileges);
    }
    targets
}

/// The statements that take `user@host` from `held` to `wanted`: a `REVOKE` of what is held
/// and not wanted, and a `GRANT` of what is wanted and not held, on each target; nothing for
/// a target that is already right.
pub(crate) fn statements(
    namespace: &Namespace,
    user: &str,
    host: &str,
    held: &MysqlGrants,
    wanted: &MysqlGrants,
) -> Vec<String> {
    let grantee = account(&namespace.user(user), host);
    let held = targets(held);
    let wanted = targets(wanted);
    let none = Privileges::new();
    let mut all: BTreeSet<&Target> = held.keys().collect();
    all.extend(wanted.keys());
    let mut statements = Vec::new();
    for target in all {
        let held = held.get(target).copied().unwrap_or(&none);
        let wanted = wanted.get(target).copied().unwrap_or(&none);
        let revoke: Privileges = held.difference(wanted).cloned().collect();
        let grant: Privileges = wanted.difference(held).cloned().collect();
        let on = target.on(namespace);
        if !revoke.is_empty() {
            let list = target.list(&revoke);
            statements.push(format!("REVOKE {list} ON {on} FROM {grantee}"));
        }
        if !grant.is_empty() {
            let list = target.list(&grant);
            statements.push(format!("GRANT {list} ON {on} TO {grantee}"));
        }
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> Privileges {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn only_the_difference_is_revoked_and_granted() {
        let namespace = Namespace::of("cdb-1");
        let mut held = MysqlGrants {
            global: set(&["PROCESS"]),
            ..MysqlGrants::default()
        };
        held.databases
            .insert("app_data".into(), set(&["SELECT", "INSERT"]));
        let mut wanted = held.clone();
        wanted
            .databases
            .insert("app_data".into(), set(&["SELECT", "DELETE"]));
        wanted.columns.insert(
            ("shop".into(), "orders".into(), "total".into()),
            set(&["SELECT", "UPDATE"]),
        );
        wanted.routines.insert(
            (Routine::Procedure, "shop".into(), "refund".into()),
            set(&["EXECUTE"]),
        );
        assert_eq!(
            statements(&namespace, "app", "%", &held, &wanted),
            [
                r"REVOKE INSERT ON `cdb-1\_\_app\_data`.* FROM 'cdb-1__app'@'%'",
                r"GRANT DELETE ON `cdb-1\_\_app\_data`.* TO 'cdb-1__app'@'%'",
                "GRANT SELECT (`total`), UPDATE (`total`) ON `cdb-1__shop`.`orders` TO 'cdb-1__app'@'%'",
                "GRANT EXECUTE ON PROCEDURE `cdb-1__shop`.`refund` TO 'cdb-1__app'@'%'",
            ]
        );
        assert!(statements(&namespace, "app", "%", &wanted, &wanted).is_empty());
    }
}
