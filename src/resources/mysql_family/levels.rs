//! The levels of a MySQL-family account's privileges, one row each.

use crate::cloud::tencent::cdb::{
    COLUMN_PRIVILEGES, DATABASE_PRIVILEGES, GLOBAL_PRIVILEGES, TABLE_PRIVILEGES,
};

/// One scoped level: its block, its map attribute, the names that identify a scope, and the
/// privileges the level takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub block: &'static str,
    pub map: &'static str,
    /// The attributes naming a scope, outermost first; a map nests one level per name.
    pub names: &'static [&'static str],
    pub allowed: &'static [&'static str],
    /// How the schema's description names one scope: "one table".
    pub one: &'static str,
    /// How a scope is written in MySQL, for the description: "`db.*`".
    pub mysql: Option<&'static str>,
    /// The map attribute written out, for its description.
    pub map_example: &'static str,
}

/// A service's levels: the global privileges, then the scoped levels in the API's order.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub global: &'static [&'static str],
    pub levels: &'static [Level],
}

pub const DATABASE: Level = Level {
    block: "database",
    map: "database_privileges",
    names: &["database"],
    allowed: DATABASE_PRIVILEGES,
    one: "one database",
    mysql: Some("`db.*`"),
    map_example: "{ shop = [\"SELECT\"] }",
};
pub const TABLE: Level = Level {
    block: "table",
    map: "table_privileges",
    names: &["database", "table"],
    allowed: TABLE_PRIVILEGES,
    one: "one table",
    mysql: None,
    map_example: "{ shop = { orders = [\"SELECT\"] } }",
};
pub const COLUMN: Level = Level {
    block: "column",
    map: "column_privileges",
    names: &["database", "table", "column"],
    allowed: COLUMN_PRIVILEGES,
    one: "one column",
    mysql: None,
    map_example: "{ shop = { orders = { total = [\"SELECT\"] } } }",
};

/// TencentDB for MySQL (CDB).
pub const CDB: Family = Family {
    global: GLOBAL_PRIVILEGES,
    levels: &[DATABASE, TABLE, COLUMN],
};

impl Family {
    /// The position of `level` in this family.
    pub fn index_of(&self, level: Level) -> Option<usize> {
        self.levels.iter().position(|l| *l == level)
    }
}
