//! TDSQL for MySQL privileges: the names each level takes, an account's privileges at every
//! level, and how ModifyAccountPrivileges changes them.

use std::collections::{BTreeMap, BTreeSet};

/// `GlobalPrivileges` values.
pub const GLOBAL: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "PROCESS",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "SHOW DATABASES",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EVENT",
    "TRIGGER",
];

/// TDSQL takes cdb's names at the database, table (and view) and column levels.
pub use crate::tencent::cdb::privileges::{COLUMN, DATABASE, TABLE};

/// `FunctionPrivileges` and `ProcedurePrivileges`.
pub const ROUTINE: &[&str] = &["ALTER ROUTINE", "EXECUTE"];

/// A scoped level: its list in ModifyAccountPrivileges, the fields naming one scope, the
/// privileges it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MariadbLevel {
    Database,
    Table,
    View,
    Column,
    Function,
    Procedure,
}

impl MariadbLevel {
    pub const ALL: [MariadbLevel; 6] = [
        Self::Database,
        Self::Table,
        Self::View,
        Self::Column,
        Self::Function,
        Self::Procedure,
    ];

    /// The ModifyAccountPrivileges list of this level.
    pub fn list(self) -> &'static str {
        match self {
            Self::Database => "DatabasePrivileges",
            Self::Table => "TablePrivileges",
            Self::View => "ViewPrivileges",
            Self::Column => "ColumnPrivileges",
            Self::Function => "FunctionPrivileges",
            Self::Procedure => "ProcedurePrivileges",
        }
    }

    /// The fields of one entry that name its scope, outermost first.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Database => &["Database"],
            Self::Table => &["Database", "Table"],
            Self::View => &["Database", "View"],
            Self::Column => &["Database", "Table", "Column"],
            Self::Function => &["Database", "FunctionName"],
            Self::Procedure => &["Database", "Procedure"],
        }
    }

    pub fn allowed(self) -> &'static [&'static str] {
        match self {
            Self::Database => DATABASE,
            Self::Table | Self::View => TABLE,
            Self::Column => COLUMN,
            Self::Function | Self::Procedure => ROUTINE,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Database => "database",
            Self::Table => "table",
            Self::View => "view",
            Self::Column => "column",
            Self::Function => "function",
            Self::Procedure => "procedure",
        }
    }
}

/// One scope: a level and the names of its database and object (and column).
pub type Scope = (MariadbLevel, Vec<String>);

/// An account's privileges at every level; no scope holds an empty set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MariadbPrivileges {
    pub global: BTreeSet<String>,
    pub scoped: BTreeMap<Scope, BTreeSet<String>>,
}

impl MariadbPrivileges {
    /// The scopes of one level.
    pub fn level(
        &self,
        level: MariadbLevel,
    ) -> impl Iterator<Item = (&Vec<String>, &BTreeSet<String>)> {
        self.scoped
            .iter()
            .filter(move |((of, _), _)| *of == level)
            .map(|((_, names), privileges)| (names, privileges))
    }
}

/// A ModifyAccountPrivileges call: the lists it sent. A list sent replaces its level (an empty
/// one clears it, and a scope left out of it is cleared); a list left out keeps its level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MariadbChange {
    pub global: Option<BTreeSet<String>>,
    pub levels: BTreeMap<MariadbLevel, BTreeMap<Vec<String>, BTreeSet<String>>>,
}

impl MariadbChange {
    pub fn apply_to(&self, held: &mut MariadbPrivileges) {
        if let Some(global) = &self.global {
            held.global = global.clone();
        }
        for (level, scopes) in &self.levels {
            held.scoped.retain(|(of, _), _| of != level);
            for (names, privileges) in scopes {
                if !privileges.is_empty() {
                    held.scoped
                        .insert((*level, names.clone()), privileges.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn scope(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_list_sent_replaces_its_level_and_one_left_out_keeps_it() {
        let mut held = MariadbPrivileges {
            global: set(&["PROCESS"]),
            scoped: BTreeMap::from([
                (
                    (MariadbLevel::Table, scope(&["shop", "orders"])),
                    set(&["SELECT"]),
                ),
                (
                    (MariadbLevel::Table, scope(&["shop", "items"])),
                    set(&["SELECT"]),
                ),
                (
                    (MariadbLevel::View, scope(&["shop", "v"])),
                    set(&["SELECT"]),
                ),
            ]),
        };
        let change = MariadbChange {
            global: None,
            levels: BTreeMap::from([(
                MariadbLevel::Table,
                BTreeMap::from([
                    (scope(&["shop", "orders"]), set(&["INSERT"])),
                    (scope(&["shop", "gone"]), set(&[])),
                ]),
            )]),
        };
        change.apply_to(&mut held);
        assert_eq!(held.global, set(&["PROCESS"]));
        let tables: Vec<_> = held.level(MariadbLevel::Table).collect();
        assert_eq!(
            tables,
            vec![(&scope(&["shop", "orders"]), &set(&["INSERT"]))]
        );
        assert_eq!(held.level(MariadbLevel::View).count(), 1);

        let clear = MariadbChange {
            global: Some(BTreeSet::new()),
            levels: BTreeMap::from([(MariadbLevel::View, BTreeMap::new())]),
        };
        clear.apply_to(&mut held);
        assert!(held.global.is_empty());
        assert_eq!(held.level(MariadbLevel::View).count(), 0);
        assert_eq!(held.level(MariadbLevel::Table).count(), 1);
    }
}
