//! Resource values the unit tests share: a configuration with blocks at every level.

use crate::value::Value;

pub fn string_values(list: &[&str]) -> Value {
    Value::Set(list.iter().map(|n| Value::string(*n)).collect())
}

pub fn database_block(database: &str, privileges: &[&str]) -> Value {
    Value::object([
        ("database", Value::string(database)),
        ("privileges", string_values(privileges)),
    ])
}

pub fn table_block(database: &str, table: &str, privileges: &[&str]) -> Value {
    Value::object([
        ("database", Value::string(database)),
        ("table", Value::string(table)),
        ("privileges", string_values(privileges)),
    ])
}

pub fn column_block(database: &str, table: &str, column: &str, privileges: &[&str]) -> Value {
    Value::object([
        ("database", Value::string(database)),
        ("table", Value::string(table)),
        ("column", Value::string(column)),
        ("privileges", string_values(privileges)),
    ])
}

pub fn config(databases: Vec<Value>, tables: Vec<Value>, columns: Vec<Value>) -> Value {
    Value::object([
        ("id", Value::Null),
        ("instance_id", Value::string("cdb-sim00001")),
        ("user", Value::string("app")),
        ("host", Value::string("%")),
        ("global_privileges", string_values(&["PROCESS"])),
        ("database", Value::Set(databases)),
        ("table", Value::Set(tables)),
        ("column", Value::Set(columns)),
        ("database_privileges", Value::Null),
        ("table_privileges", Value::Null),
        ("column_privileges", Value::Null),
        ("timeouts", Value::Null),
    ])
}

pub fn sample() -> Value {
    config(
        vec![database_block("shop", &["SELECT", "SHOW VIEW"])],
        vec![table_block("shop", "orders", &["INSERT"])],
        vec![column_block("shop", "orders", "total", &["UPDATE"])],
    )
}
