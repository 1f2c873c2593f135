//! The resource's model: the privileges an account holds per level (global, database, table,
//! column), normalised, to and from the API's shape and Terraform values.

use std::collections::{BTreeMap, BTreeSet};

use crate::cloud::tencent::cdb::{
    self, Account, ColumnPrivilege, DatabasePrivilege, TablePrivilege, COLUMN_PRIVILEGES,
    DATABASE_PRIVILEGES, GLOBAL_PRIVILEGES, TABLE_PRIVILEGES,
};
use crate::framework::Diagnostics;
use crate::value::Value;

use super::shape::{map_of_scopes, scopes_of_map, Level, Shape, Shapes, COLUMN, DATABASE, TABLE};

/// A table: (database, table).
type TableScope = (String, String);
/// A column: (database, table, column).
type ColumnScope = (String, String, String);

/// Privileges per scope, normalised: upper-case names, no scope without privileges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Privileges {
    global: BTreeSet<String>,
    databases: BTreeMap<String, BTreeSet<String>>,
    tables: BTreeMap<TableScope, BTreeSet<String>>,
    columns: BTreeMap<ColumnScope, BTreeSet<String>>,
}

impl Privileges {
    pub fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self.databases.is_empty()
            && self.tables.is_empty()
            && self.columns.is_empty()
    }

    /// What DescribeAccountPrivileges reports, in the form a user writes it.
    pub fn from_api(held: &cdb::AccountPrivileges) -> Self {
        let mut privileges = Privileges {
            global: normalise(&held.global_privileges, GLOBAL_PRIVILEGES),
            ..Privileges::default()
        };
        for scope in &held.database_privileges {
            let names = normalise(&scope.privileges, DATABASE_PRIVILEGES);
            merge(&mut privileges.databases, scope.database.clone(), names);
        }
        for scope in &held.table_privileges {
            let names = normalise(&scope.privileges, TABLE_PRIVILEGES);
            let key = (scope.database.clone(), scope.table.clone());
            merge(&mut privileges.tables, key, names);
        }
        for scope in &held.column_privileges {
            let names = normalise(&scope.privileges, COLUMN_PRIVILEGES);
            let key = (
                scope.database.clone(),
                scope.table.clone(),
                scope.column.clone(),
            );
            merge(&mut privileges.columns, key, names);
        }
        privileges
    }

    /// The full-replace request that makes the account hold exactly these privileges.
    pub fn to_api(&self) -> cdb::AccountPrivileges {
        let list = |names: &BTreeSet<String>| names.iter().cloned().collect::<Vec<_>>();
        cdb::AccountPrivileges {
            global_privileges: list(&self.global),
            database_privileges: self
                .databases
                .iter()
                .map(|(database, names)| DatabasePrivilege {
                    database: database.clone(),
                    privileges: list(names),
                })
                .collect(),
            table_privileges: self
                .tables
                .iter()
                .map(|((database, table), names)| TablePrivilege {
                    database: database.clone(),
                    table: table.clone(),
                    privileges: list(names),
                })
                .collect(),
            column_privileges: self
                .columns
                .iter()
                .map(|((database, table, column), names)| ColumnPrivilege {
                    database: database.clone(),
                    table: table.clone(),
                    column: column.clone(),
                    privileges: list(names),
                })
                .collect(),
        }
    }

    fn from_value(value: &Value) -> Self {
        let mut privileges = Privileges {
            global: string_set(value.attr("global_privileges")),
            ..Privileges::default()
        };
        for scope in blocks(value, "database") {
            let names = string_set(scope.attr("privileges"));
            merge(&mut privileges.databases, text(scope, "database"), names);
        }
        for scope in blocks(value, "table") {
            let key = (text(scope, "database"), text(scope, "table"));
            merge(
                &mut privileges.tables,
                key,
                string_set(scope.attr("privileges")),
            );
        }
        for scope in blocks(value, "column") {
            let key = (
                text(scope, "database"),
                text(scope, "table"),
                text(scope, "column"),
            );
            merge(
                &mut privileges.columns,
                key,
                string_set(scope.attr("privileges")),
            );
        }
        privileges.merge_maps(value);
        privileges
    }

    /// Adds the scopes written as nested maps (`table_privileges = { shop = { orders = [...] } }`).
    fn merge_maps(&mut self, value: &Value) {
        let map = |level: Level| {
            let depth = level.names.len();
            value
                .attr(level.map)
                .map(|map| scopes_of_map(map, depth))
                .unwrap_or_default()
        };
        for (names, privileges) in map(DATABASE) {
            if let Ok([database]) = <[String; 1]>::try_from(names) {
                merge(&mut self.databases, database, privileges);
            }
        }
        for (names, privileges) in map(TABLE) {
            if let Ok([database, table]) = <[String; 2]>::try_from(names) {
                merge(&mut self.tables, (database, table), privileges);
            }
        }
        for (names, privileges) in map(COLUMN) {
            if let Ok([database, table, column]) = <[String; 3]>::try_from(names) {
                merge(&mut self.columns, (database, table, column), privileges);
            }
        }
    }

    /// The attributes and blocks that hold privileges, as resource values: each level as blocks
    /// or as a map, as `shapes` says, and the other of the two empty (blocks) or null (a map).
    fn to_values(&self, shapes: Shapes) -> Vec<(&'static str, Value)> {
        let databases = self
            .databases
            .iter()
            .map(|(database, names)| (vec![database.as_str()], names));
        let tables = self
            .tables
            .iter()
            .map(|((database, table), names)| (vec![database.as_str(), table.as_str()], names));
        let columns = self
            .columns
            .iter()
            .map(|((database, table, column), names)| {
                (
                    vec![database.as_str(), table.as_str(), column.as_str()],
                    names,
                )
            });
        let mut values = vec![("global_privileges", set_of(&self.global))];
        values.extend(level_values(DATABASE, shapes, databases.collect()));
        values.extend(level_values(TABLE, shapes, tables.collect()));
        values.extend(level_values(COLUMN, shapes, columns.collect()));
        values
    }
}

/// A level's block and map attribute, with its scopes in the one `shapes` chooses.
fn level_values<'a>(
    level: Level,
    shapes: Shapes,
    scopes: Vec<(Vec<&'a str>, &'a BTreeSet<String>)>,
) -> [(&'static str, Value); 2] {
    match shapes.get(level) {
        Shape::Map => [
            (level.block, Value::Set(Vec::new())),
            (level.map, map_of_scopes(scopes)),
        ],
        Shape::Blocks => {
            let blocks = scopes
                .into_iter()
                .map(|(names, privileges)| {
                    let mut fields: Vec<(&str, Value)> = level
                        .names
                        .iter()
                        .zip(names)
                        .map(|(field, name)| (*field, Value::string(name)))
                        .collect();
                    fields.push(("privileges", set_of(privileges)));
                    Value::object(fields)
                })
                .collect();
            [(level.block, Value::Set(blocks)), (level.map, Value::Null)]
        }
    }
}

/// Adds `names` to a scope; a scope left without privileges is not kept (MySQL has no such grant).
fn merge<K: Ord>(scopes: &mut BTreeMap<K, BTreeSet<String>>, key: K, names: BTreeSet<String>) {
    if !names.is_empty() {
        scopes.entry(key).or_default().extend(names);
    }
}

/// Privilege names as a user writes them: upper case, single spaces. `ALL [PRIVILEGES]` stands
/// for every privilege of the level, and `USAGE` for none.
fn normalise(names: &[String], level: &[&str]) -> BTreeSet<String> {
    let mut normalised = BTreeSet::new();
    for name in names {
        let name = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        match name.as_str() {
            "ALL" | "ALL PRIVILEGES" => normalised.extend(level.iter().map(|p| p.to_string())),
            "USAGE" | "" => {}
            _ => {
                normalised.insert(name);
            }
        }
    }
    normalised
}

fn string_set(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::elements)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn set_of(names: &BTreeSet<String>) -> Value {
    Value::Set(names.iter().map(Value::string).collect())
}

pub fn blocks<'a>(value: &'a Value, name: &str) -> &'a [Value] {
    value
        .attr(name)
        .and_then(Value::elements)
        .unwrap_or_default()
}

fn text(value: &Value, name: &str) -> String {
    value
        .attr(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// One account of one instance and everything it holds (or should hold).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountGrants {
    pub instance_id: String,
    pub account: Account,
    pub privileges: Privileges,
    /// How the configuration writes each level, which the state keeps.
    pub shapes: Shapes,
}

impl AccountGrants {
    pub fn id(&self) -> String {
        format!(
            "{}#{}#{}",
            self.instance_id, self.account.user, self.account.host
        )
    }

    pub fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let known = |name: &str| {
            value
                .attr(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    Diagnostics::from_error(
                        "Incomplete resource value",
                        format!("{name} is not a known string"),
                    )
                })
        };
        Ok(AccountGrants {
            instance_id: known("instance_id")?,
            account: Account {
                user: known("user")?,
                host: known("host")?,
            },
            privileges: Privileges::from_value(value),
            shapes: Shapes::of(value),
        })
    }

    /// The resource value, keeping `timeouts` from `template`.
    pub fn to_value(&self, template: &Value) -> Value {
        let mut fields = vec![
            ("id", Value::string(self.id())),
            ("instance_id", Value::string(&self.instance_id)),
            ("user", Value::string(&self.account.user)),
            ("host", Value::string(&self.account.host)),
            (
                "timeouts",
                template.attr("timeouts").cloned().unwrap_or(Value::Null),
            ),
        ];
        fields.extend(self.privileges.to_values(self.shapes));
        Value::object(fields)
    }

    pub fn holding(&self, privileges: Privileges) -> Self {
        AccountGrants {
            privileges,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::cdb_account_privileges::test_values::sample;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_resource_value_round_trips_through_the_model() {
        let grants = AccountGrants::from_value(&sample()).expect("model");
        assert_eq!(grants.id(), "cdb-sim00001#app#%");
        assert_eq!(grants.privileges.global, names(&["PROCESS"]));
        assert_eq!(
            grants.privileges.columns.keys().next(),
            Some(&(
                "shop".to_string(),
                "orders".to_string(),
                "total".to_string()
            ))
        );
        let value = grants.to_value(&sample());
        assert_eq!(value.attr("id"), Some(&Value::string("cdb-sim00001#app#%")));
        assert_eq!(AccountGrants::from_value(&value).expect("again"), grants);
        for name in ["database", "table", "column", "global_privileges"] {
            assert!(
                crate::value::semantically_equal(
                    value.attr(name).expect("present"),
                    sample().attr(name).expect("present")
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn the_request_carries_every_level_in_the_apis_shape() {
        let grants = AccountGrants::from_value(&sample()).expect("model");
        let request = grants.privileges.to_api();
        assert_eq!(request.global_privileges, strings(&["PROCESS"]));
        assert_eq!(
            request.database_privileges,
            vec![DatabasePrivilege {
                database: "shop".into(),
                privileges: strings(&["SELECT", "SHOW VIEW"]),
            }]
        );
        assert_eq!(request.table_privileges[0].table, "orders");
        assert_eq!(request.column_privileges[0].column, "total");
        assert_eq!(
            Privileges::default().to_api(),
            cdb::AccountPrivileges::default()
        );
    }

    #[test]
    fn what_the_api_reports_is_read_as_a_user_writes_it() {
        let held = cdb::AccountPrivileges {
            global_privileges: strings(&["process", "Show  Databases", "USAGE"]),
            database_privileges: vec![
                DatabasePrivilege {
                    database: "shop".into(),
                    privileges: strings(&["select", "SELECT"]),
                },
                DatabasePrivilege {
                    database: "logs".into(),
                    privileges: vec![],
                },
            ],
            table_privileges: vec![TablePrivilege {
                database: "shop".into(),
                table: "orders".into(),
                privileges: strings(&["ALL PRIVILEGES"]),
            }],
            column_privileges: vec![ColumnPrivilege {
                database: "shop".into(),
                table: "orders".into(),
                column: "total".into(),
                privileges: strings(&["USAGE"]),
            }],
        };
        let read = Privileges::from_api(&held);
        assert_eq!(read.global, names(&["PROCESS", "SHOW DATABASES"]));
        assert_eq!(
            read.databases,
            BTreeMap::from([("shop".to_string(), names(&["SELECT"]))]),
            "a database without privileges is left out"
        );
        assert_eq!(
            read.tables.values().next(),
            Some(&TABLE_PRIVILEGES.iter().map(|p| p.to_string()).collect()),
            "ALL PRIVILEGES is every table privilege"
        );
        assert!(read.columns.is_empty(), "USAGE is no privilege");
    }

    #[test]
    fn an_account_holding_nothing_reads_as_empty_sets_and_blocks() {
        let grants = AccountGrants {
            instance_id: "cdb-1".into(),
            account: Account {
                user: "app".into(),
                host: "%".into(),
            },
            privileges: Privileges::from_api(&cdb::AccountPrivileges::default()),
            shapes: Shapes::default(),
        };
        let value = grants.to_value(&Value::Null);
        for name in ["global_privileges", "database", "table", "column"] {
            assert_eq!(value.attr(name), Some(&Value::Set(vec![])), "{name}");
        }
        for name in [
            "database_privileges",
            "table_privileges",
            "column_privileges",
        ] {
            assert_eq!(value.attr(name), Some(&Value::Null), "{name}");
        }
        assert_eq!(value.attr("timeouts"), Some(&Value::Null));
    }

    #[test]
    fn levels_written_as_maps_read_back_as_maps() {
        let select = || Value::Set(vec![Value::string("SELECT")]);
        let map = |entries: Vec<(&str, Value)>| {
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        };
        let mut value = sample();
        if let Value::Object(attrs) = &mut value {
            attrs.insert("table".into(), Value::Set(vec![]));
            attrs.insert(
                "table_privileges".into(),
                map(vec![(
                    "shop",
                    map(vec![("orders", select()), ("users", select())]),
                )]),
            );
            attrs.insert("database_privileges".into(), Value::Null);
            attrs.insert("column_privileges".into(), Value::Null);
        }
        let grants = AccountGrants::from_value(&value).expect("model");
        assert_eq!(grants.privileges.tables.len(), 2);
        assert_eq!(grants.privileges.databases.len(), 1, "blocks still count");
        let read = grants.to_value(&value);
        assert_eq!(read.attr("table"), Some(&Value::Set(vec![])));
        assert_eq!(
            read.attr("table_privileges"),
            value.attr("table_privileges")
        );
        assert!(matches!(read.attr("database"), Some(Value::Set(blocks)) if blocks.len() == 1));
        assert_eq!(read.attr("database_privileges"), Some(&Value::Null));
        assert_eq!(AccountGrants::from_value(&read).expect("again"), grants);
    }
}
