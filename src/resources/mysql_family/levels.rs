//! The levels of a MySQL-family account's privileges, one row each.

use crate::cloud::tencent::{cdb, mariadb};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    pub global: &'static [&'static str],
    pub levels: &'static [Level],
}

pub const DATABASE: Level = Level {
    block: "database",
    map: "database_privileges",
    names: &["database"],
    allowed: cdb::DATABASE_PRIVILEGES,
    one: "one database",
    mysql: Some("`db.*`"),
    map_example: "{ shop = [\"SELECT\"] }",
};
pub const TABLE: Level = Level {
    block: "table",
    map: "table_privileges",
    names: &["database", "table"],
    allowed: cdb::TABLE_PRIVILEGES,
    one: "one table",
    mysql: None,
    map_example: "{ shop = { orders = [\"SELECT\"] } }",
};
pub const COLUMN: Level = Level {
    block: "column",
    map: "column_privileges",
    names: &["database", "table", "column"],
    allowed: cdb::COLUMN_PRIVILEGES,
    one: "one column",
    mysql: None,
    map_example: "{ shop = { orders = { total = [\"SELECT\"] } } }",
};

pub const VIEW: Level = Level {
    block: "view",
    map: "view_privileges",
    names: &["database", "view"],
    allowed: mariadb::TABLE_PRIVILEGES,
    one: "one view",
    mysql: None,
    map_example: "{ shop = { order_totals = [\"SELECT\"] } }",
};
pub const FUNCTION: Level = Level {
    block: "function",
    map: "function_privileges",
    names: &["database", "function"],
    allowed: mariadb::ROUTINE_PRIVILEGES,
    one: "one function",
    mysql: None,
    map_example: "{ shop = { tax = [\"EXECUTE\"] } }",
};
pub const PROCEDURE: Level = Level {
    block: "procedure",
    map: "procedure_privileges",
    names: &["database", "procedure"],
    allowed: mariadb::ROUTINE_PRIVILEGES,
    one: "one procedure",
    mysql: None,
    map_example: "{ shop = { archive_orders = [\"EXECUTE\"] } }",
};

/// TencentDB for MySQL (CDB).
pub const CDB: Family = Family {
    global: cdb::GLOBAL_PRIVILEGES,
    levels: &[DATABASE, TABLE, COLUMN],
};

/// TDSQL for MySQL: CDB's levels (TDSQL takes the same names at each) and three more.
pub const TDSQL: Family = Family {
    global: mariadb::GLOBAL_PRIVILEGES,
    levels: &[DATABASE, TABLE, COLUMN, VIEW, FUNCTION, PROCEDURE],
};

impl Family {
    /// The position of `level` in this family.
    pub fn index_of(&self, level: Level) -> Option<usize> {
        self.levels.iter().position(|l| *l == level)
    }
}
