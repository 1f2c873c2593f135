//! The resource's model, the MySQL family's with TDSQL's levels: the API's scopes and lists as
//! the family's privileges, and back.

use std::collections::BTreeSet;

use serde_json::{json, Value as Json};

use crate::cloud::tencent::mariadb::{PrivilegeLists, Scope};
use crate::resources::mysql_family::levels::TDSQL;
use crate::resources::mysql_family::privileges::{normalise, Privileges};

/// The positions of the levels in [`TDSQL`].
const DATABASES: usize = 0;
const TABLES: usize = 1;
const COLUMNS: usize = 2;
const VIEWS: usize = 3;
const FUNCTIONS: usize = 4;
const PROCEDURES: usize = 5;

/// Every scope `privileges` names, the global one first.
pub fn scopes_of(privileges: &Privileges) -> Vec<Scope> {
    let mut scopes = vec![Scope::Global];
    for index in [DATABASES, TABLES, COLUMNS, VIEWS, FUNCTIONS, PROCEDURES] {
        scopes.extend(
            privileges
                .level(index)
                .keys()
                .filter_map(|names| scope(index, names)),
        );
    }
    scopes
}

fn scope(index: usize, names: &[String]) -> Option<Scope> {
    let name = |i: usize| names.get(i).cloned();
    Some(match index {
        DATABASES => Scope::Database(name(0)?),
        TABLES => Scope::Table(name(0)?, name(1)?),
        COLUMNS => Scope::Column(name(0)?, name(1)?, name(2)?),
        VIEWS => Scope::View(name(0)?, name(1)?),
        FUNCTIONS => Scope::Function(name(0)?, name(1)?),
        PROCEDURES => Scope::Procedure(name(0)?, name(1)?),
        _ => return None,
    })
}

/// The calls of the legacy API v2 (one scope each) that turn `held` into `wanted`: every scope
/// whose privileges differ, set to what is wanted (nothing, for a scope no longer wanted), the
/// global one first.
pub fn scope_changes(held: &Privileges, wanted: &Privileges) -> Vec<(Scope, Vec<String>)> {
    let list = |names: Option<&BTreeSet<String>>| {
        names
            .map(|n| n.iter().cloned().collect())
            .unwrap_or_default()
    };
    let mut changes = Vec::new();
    if held.global != wanted.global {
        changes.push((Scope::Global, list(Some(&wanted.global))));
    }
    for index in [DATABASES, TABLES, COLUMNS, VIEWS, FUNCTIONS, PROCEDURES] {
        let (before, after) = (held.level(index), wanted.level(index));
        let named: BTreeSet<&Vec<String>> = before.keys().chain(after.keys()).collect();
        for names in named {
            if before.get(names) != after.get(names) {
                if let Some(scope) = scope(index, names) {
                    changes.push((scope, list(after.get(names))));
                }
            }
        }
    }
    changes
}

/// What the reads of some scopes found, as a user writes it; scopes holding nothing are left out.
pub fn privileges_from_reads(reads: &[(Scope, Vec<String>)]) -> Privileges {
    let mut privileges = Privileges::none(&TDSQL);
    for (scope, held) in reads {
        let (index, names) = match scope {
            Scope::Global => {
                privileges.global = normalise(held, TDSQL.global);
                continue;
            }
            Scope::Database(db) => (DATABASES, vec![db.clone()]),
            Scope::Table(db, table) => (TABLES, vec![db.clone(), table.clone()]),
            Scope::Column(db, table, column) => {
                (COLUMNS, vec![db.clone(), table.clone(), column.clone()])
            }
            Scope::View(db, view) => (VIEWS, vec![db.clone(), view.clone()]),
            Scope::Function(db, function) => (FUNCTIONS, vec![db.clone(), function.clone()]),
            Scope::Procedure(db, procedure) => (PROCEDURES, vec![db.clone(), procedure.clone()]),
        };
        privileges.add_reported(&TDSQL, index, names, held);
    }
    privileges
}

/// The seven lists that make the account hold exactly `privileges`: every level is sent, so a
/// scope that is not in `privileges` is cleared rather than kept.
pub fn privileges_to_lists(privileges: &Privileges) -> PrivilegeLists {
    let list = |names: &BTreeSet<String>| names.iter().cloned().collect::<Vec<_>>();
    let entries = |index: usize, fields: &[&str]| -> Vec<Json> {
        privileges
            .level(index)
            .iter()
            .map(|(scope, names)| {
                let mut entry = serde_json::Map::new();
                for (field, name) in fields.iter().zip(scope) {
                    entry.insert((*field).to_owned(), json!(name));
                }
                entry.insert("Privileges".to_owned(), json!(list(names)));
                Json::Object(entry)
            })
            .collect()
    };
    PrivilegeLists {
        global_privileges: list(&privileges.global),
        database_privileges: entries(DATABASES, &["Database"]),
        table_privileges: entries(TABLES, &["Database", "Table"]),
        column_privileges: entries(COLUMNS, &["Database", "Table", "Column"]),
        view_privileges: entries(VIEWS, &["Database", "View"]),
        function_privileges: entries(FUNCTIONS, &["Database", "FunctionName"]),
        procedure_privileges: entries(PROCEDURES, &["Database", "Procedure"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn reads_become_scopes_and_scopes_become_the_apis_lists() {
        let db = || "shop".to_owned();
        let reads = vec![
            (Scope::Global, strings(&["process"])),
            (Scope::View(db(), "totals".into()), strings(&["SELECT"])),
            (
                Scope::Procedure(db(), "archive".into()),
                strings(&["EXECUTE", "ALTER ROUTINE"]),
            ),
            (Scope::Table(db(), "orders".into()), vec![]),
        ];
        let privileges = privileges_from_reads(&reads);
        assert_eq!(privileges.global, ["PROCESS".to_owned()].into());
        let scopes = scopes_of(&privileges);
        assert_eq!(
            scopes,
            vec![
                Scope::Global,
                Scope::View(db(), "totals".into()),
                Scope::Procedure(db(), "archive".into()),
            ],
            "a scope read as empty is not kept"
        );
        let lists = privileges_to_lists(&privileges);
        assert_eq!(lists.global_privileges, strings(&["PROCESS"]));
        assert_eq!(
            lists.view_privileges,
            vec![json!({"Database": "shop", "View": "totals", "Privileges": ["SELECT"]})]
        );
        assert_eq!(
            lists.procedure_privileges,
            vec![
                json!({"Database": "shop", "Procedure": "archive", "Privileges": ["ALTER ROUTINE", "EXECUTE"]})
            ]
        );
        assert!(lists.table_privileges.is_empty() && lists.function_privileges.is_empty());
    }

    #[test]
    fn the_v2_calls_are_the_scopes_that_differ() {
        let db = || "shop".to_owned();
        let held = privileges_from_reads(&[
            (Scope::Global, strings(&["PROCESS"])),
            (Scope::View(db(), "totals".into()), strings(&["SELECT"])),
            (Scope::Table(db(), "orders".into()), strings(&["SELECT"])),
        ]);
        let wanted = privileges_from_reads(&[
            (Scope::Global, strings(&["PROCESS"])),
            (
                Scope::Table(db(), "orders".into()),
                strings(&["SELECT", "INSERT"]),
            ),
            (Scope::Function(db(), "tax".into()), strings(&["EXECUTE"])),
        ]);
        assert_eq!(
            scope_changes(&held, &wanted),
            vec![
                (
                    Scope::Table(db(), "orders".into()),
                    strings(&["INSERT", "SELECT"])
                ),
                (Scope::View(db(), "totals".into()), vec![]),
                (Scope::Function(db(), "tax".into()), strings(&["EXECUTE"])),
            ]
        );
        assert!(scope_changes(&wanted, &wanted).is_empty());
    }
}
