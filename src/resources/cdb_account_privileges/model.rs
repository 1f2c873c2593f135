//! The resource's model, the MySQL family's with CDB's levels: what the API's shapes say, as
//! the family's privileges, and back.

use std::collections::BTreeSet;

use crate::cloud::tencent::cdb::{self, ColumnPrivilege, DatabasePrivilege, TablePrivilege};
use crate::resources::mysql_family::levels::CDB;
use crate::resources::mysql_family::privileges::{normalise, Privileges};

/// The positions of the levels in [`CDB`].
const DATABASES: usize = 0;
const TABLES: usize = 1;
const COLUMNS: usize = 2;

/// What DescribeAccountPrivileges reports, in the form a user writes it.
pub fn privileges_from_api(held: &cdb::AccountPrivileges) -> Privileges {
    let mut privileges = Privileges::none(&CDB);
    privileges.global = normalise(&held.global_privileges, CDB.global);
    for scope in &held.database_privileges {
        let names = vec![scope.database.clone()];
        privileges.add_reported(&CDB, DATABASES, names, &scope.privileges);
    }
    for scope in &held.table_privileges {
        let names = vec![scope.database.clone(), scope.table.clone()];
        privileges.add_reported(&CDB, TABLES, names, &scope.privileges);
    }
    for scope in &held.column_privileges {
        let names = vec![
            scope.database.clone(),
            scope.table.clone(),
            scope.column.clone(),
        ];
        privileges.add_reported(&CDB, COLUMNS, names, &scope.privileges);
    }
    privileges
}

/// The full-replace request that makes the account hold exactly `privileges`.
pub fn privileges_to_api(privileges: &Privileges) -> cdb::AccountPrivileges {
    let list = |names: &BTreeSet<String>| names.iter().cloned().collect::<Vec<_>>();
    let name = |names: &[String], i: usize| names.get(i).cloned().unwrap_or_default();
    cdb::AccountPrivileges {
        global_privileges: list(&privileges.global),
        database_privileges: privileges
            .level(DATABASES)
            .iter()
            .map(|(scope, names)| DatabasePrivilege {
                database: name(scope, 0),
                privileges: list(names),
            })
            .collect(),
        table_privileges: privileges
            .level(TABLES)
            .iter()
            .map(|(scope, names)| TablePrivilege {
                database: name(scope, 0),
                table: name(scope, 1),
                privileges: list(names),
            })
            .collect(),
        column_privileges: privileges
            .level(COLUMNS)
            .iter()
            .map(|(scope, names)| ColumnPrivilege {
                database: name(scope, 0),
                table: name(scope, 1),
                column: name(scope, 2),
                privileges: list(names),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cloud::tencent::cdb::{Account, TABLE_PRIVILEGES};
    use crate::resources::cdb_account_privileges::test_values::sample;
    use crate::resources::mysql_family::grants::AccountGrants;
    use crate::value::Value;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_resource_value_round_trips_through_the_model() {
        let grants = AccountGrants::from_value(&CDB, &sample()).expect("model");
        assert_eq!(grants.id(), "cdb-sim00001#app#%");
        assert_eq!(grants.privileges.global, names(&["PROCESS"]));
        assert_eq!(
            grants.privileges.level(COLUMNS).keys().next(),
            Some(&vec![
                "shop".to_string(),
                "orders".to_string(),
                "total".to_string()
            ])
        );
        let value = grants.to_value();
        assert_eq!(value.attr("id"), Some(&Value::string("cdb-sim00001#app#%")));
        assert_eq!(
            AccountGrants::from_value(&CDB, &value).expect("again"),
            grants
        );
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
        let grants = AccountGrants::from_value(&CDB, &sample()).expect("model");
        let request = privileges_to_api(&grants.privileges);
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
            privileges_to_api(&Privileges::none(&CDB)),
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
        let read = privileges_from_api(&held);
        assert_eq!(read.global, names(&["PROCESS", "SHOW DATABASES"]));
        assert_eq!(
            read.level(DATABASES),
            &BTreeMap::from([(vec!["shop".to_string()], names(&["SELECT"]))]),
            "a database without privileges is left out"
        );
        assert_eq!(
            read.level(TABLES).values().next(),
            Some(&TABLE_PRIVILEGES.iter().map(|p| p.to_string()).collect()),
            "ALL PRIVILEGES is every table privilege"
        );
        assert!(read.level(COLUMNS).is_empty(), "USAGE is no privilege");
    }

    #[test]
    fn an_account_holding_nothing_reads_as_empty_sets_and_blocks() {
        let grants = AccountGrants::new(
            &CDB,
            "cdb-1".into(),
            Account {
                user: "app".into(),
                host: "%".into(),
            },
        )
        .holding(privileges_from_api(&cdb::AccountPrivileges::default()));
        let value = grants.to_value();
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
        let grants = AccountGrants::from_value(&CDB, &value).expect("model");
        assert_eq!(grants.privileges.level(TABLES).len(), 2);
        assert_eq!(
            grants.privileges.level(DATABASES).len(),
            1,
            "blocks still count"
        );
        let read = grants.to_value();
        assert_eq!(read.attr("table"), Some(&Value::Set(vec![])));
        assert_eq!(
            read.attr("table_privileges"),
            value.attr("table_privileges")
        );
        assert!(matches!(read.attr("database"), Some(Value::Set(blocks)) if blocks.len() == 1));
        assert_eq!(read.attr("database_privileges"), Some(&Value::Null));
        assert_eq!(
            AccountGrants::from_value(&CDB, &read).expect("again"),
            grants
        );
    }
}
