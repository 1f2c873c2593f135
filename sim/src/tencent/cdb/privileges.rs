//! CDB for MySQL privileges: the names each level takes and what an account holds.

use std::collections::{BTreeMap, BTreeSet};

/// `GlobalPrivileges` values, in the order the vendor lists them.
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
    "CREATE USER",
    "RELOAD",
    "REPLICATION CLIENT",
    "REPLICATION SLAVE",
];

/// `DatabasePrivileges.N.Privileges` values.
pub const DATABASE: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
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

/// `TablePrivileges.N.Privileges` values.
pub const TABLE: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "CREATE VIEW",
    "SHOW VIEW",
    "TRIGGER",
];

/// `ColumnPrivileges.N.Privileges` values.
pub const COLUMN: &[&str] = &["SELECT", "INSERT", "UPDATE", "REFERENCES"];

/// Where a privilege applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdbLevel {
    Global,
    Database,
    Table,
    Column,
}

impl CdbLevel {
    /// The privilege names this level takes, exactly as the API spells them.
    pub fn allowed(self) -> &'static [&'static str] {
        match self {
            Self::Global => GLOBAL,
            Self::Database => DATABASE,
            Self::Table => TABLE,
            Self::Column => COLUMN,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Database => "database",
            Self::Table => "table",
            Self::Column => "column",
        }
    }

    /// Whether `name` is a privilege of this level; the API is case-sensitive.
    pub fn takes(self, name: &str) -> bool {
        self.allowed().contains(&name)
    }
}

/// An account's privileges at every level; no entry holds an empty set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdbPrivileges {
    pub global: BTreeSet<String>,
    /// Database → privileges.
    pub databases: BTreeMap<String, BTreeSet<String>>,
    /// (database, table) → privileges.
    pub tables: BTreeMap<(String, String), BTreeSet<String>>,
    /// (database, table, column) → privileges.
    pub columns: BTreeMap<(String, String, String), BTreeSet<String>>,
}

/// What a ModifyAccountPrivileges call does to each account it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdbChange {
    /// `ModifyAction` empty: the account holds exactly these afterwards.
    Replace(CdbPrivileges),
    /// `ModifyAction=grant`: these are added.
    Grant(CdbPrivileges),
    /// `ModifyAction=revoke`: these are removed; what is not held is ignored.
    Revoke(CdbPrivileges),
}

impl CdbChange {
    /// Applies the change to what an account holds.
    pub fn apply_to(&self, held: &mut CdbPrivileges) {
        match self {
            Self::Replace(privileges) => *held = privileges.clone(),
            Self::Grant(privileges) => held.grant(privileges),
            Self::Revoke(privileges) => held.revoke(privileges),
        }
        held.prune();
    }
}

impl CdbPrivileges {
    pub fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self.databases.is_empty()
            && self.tables.is_empty()
            && self.columns.is_empty()
    }

    /// Adds every privilege of `other`.
    pub fn grant(&mut self, other: &CdbPrivileges) {
        self.global.extend(other.global.iter().cloned());
        for (key, privileges) in &other.databases {
            let held = self.databases.entry(key.clone()).or_default();
            held.extend(privileges.iter().cloned());
        }
        for (key, privileges) in &other.tables {
            let held = self.tables.entry(key.clone()).or_default();
            held.extend(privileges.iter().cloned());
        }
        for (key, privileges) in &other.columns {
            let held = self.columns.entry(key.clone()).or_default();
            held.extend(privileges.iter().cloned());
        }
        self.prune();
    }

    /// Removes every privilege of `other`; what is not held is ignored.
    pub fn revoke(&mut self, other: &CdbPrivileges) {
        self.global.retain(|p| !other.global.contains(p));
        for (key, privileges) in &other.databases {
            if let Some(held) = self.databases.get_mut(key) {
                held.retain(|p| !privileges.contains(p));
            }
        }
        for (key, privileges) in &other.tables {
            if let Some(held) = self.tables.get_mut(key) {
                held.retain(|p| !privileges.contains(p));
            }
        }
        for (key, privileges) in &other.columns {
            if let Some(held) = self.columns.get_mut(key) {
                held.retain(|p| !privileges.contains(p));
            }
        }
        self.prune();
    }

    /// Drops entries left with no privilege.
    pub(crate) fn prune(&mut self) {
        self.databases.retain(|_, p| !p.is_empty());
        self.tables.retain(|_, p| !p.is_empty());
        self.columns.retain(|_, p| !p.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privileges(global: &[&str], shop: &[&str]) -> CdbPrivileges {
        let set = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        let mut privileges = CdbPrivileges {
            global: set(global),
            ..CdbPrivileges::default()
        };
        privileges.databases.insert("shop".to_owned(), set(shop));
        privileges.prune();
        privileges
    }

    #[test]
    fn replace_grant_and_revoke() {
        let mut held = privileges(&["SELECT"], &["INSERT"]);
        CdbChange::Grant(privileges(&["PROCESS"], &["DELETE"])).apply_to(&mut held);
        assert_eq!(
            held,
            privileges(&["PROCESS", "SELECT"], &["DELETE", "INSERT"])
        );
        CdbChange::Revoke(privileges(&["SELECT", "RELOAD"], &["DELETE", "INSERT"]))
            .apply_to(&mut held);
        assert_eq!(held, privileges(&["PROCESS"], &[]));
        assert!(held.databases.is_empty());
        CdbChange::Replace(CdbPrivileges::default()).apply_to(&mut held);
        assert!(held.is_empty());
    }

    #[test]
    fn levels_take_the_vendors_lists_case_sensitively() {
        assert!(CdbLevel::Global.takes("REPLICATION SLAVE"));
        assert!(!CdbLevel::Database.takes("REPLICATION SLAVE"));
        assert!(CdbLevel::Table.takes("SHOW VIEW"));
        assert!(!CdbLevel::Column.takes("DELETE"));
        assert!(!CdbLevel::Global.takes("select"));
    }
}
