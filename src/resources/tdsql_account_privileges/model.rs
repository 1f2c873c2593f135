//! The resource's model: one TDSQL account and its privileges (the MySQL family's model with
//! TDSQL's levels), to and from Terraform values and the API's scopes and lists.

use std::collections::BTreeSet;

use serde_json::{json, Value as Json};

use crate::cloud::tencent::mariadb::{Account, PrivilegeLists, Scope};
use crate::framework::{Attributes, Diagnostics};
use crate::resources::mysql_family::levels::TDSQL;
use crate::resources::mysql_family::privileges::{normalise, Privileges};
use crate::resources::mysql_family::shape::Shapes;
use crate::value::Value;

/// The positions of the levels in [`TDSQL`].
const DATABASES: usize = 0;
const TABLES: usize = 1;
const COLUMNS: usize = 2;
const VIEWS: usize = 3;
const FUNCTIONS: usize = 4;
const PROCEDURES: usize = 5;

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
    /// An account holding nothing, e.g. the target of an import.
    pub fn new(instance_id: String, account: Account) -> Self {
        AccountGrants {
            instance_id,
            account,
            privileges: Privileges::none(&TDSQL),
            shapes: Shapes::default(),
        }
    }

    pub fn id(&self) -> String {
        format!(
            "{}#{}#{}",
            self.instance_id, self.account.user, self.account.host
        )
    }

    pub fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let attrs = Attributes::of(value);
        Ok(AccountGrants {
            instance_id: attrs.string("instance_id")?,
            account: Account {
                user: attrs.string("user")?,
                host: attrs.string("host")?,
            },
            privileges: Privileges::from_value(&TDSQL, value),
            shapes: Shapes::of(&TDSQL, value),
        })
    }

    /// The resource value, but `timeouts`, which the kit carries.
    pub fn to_value(&self) -> Value {
        let mut fields = vec![
            ("id", Value::string(self.id())),
            ("instance_id", Value::string(&self.instance_id)),
            ("user", Value::string(&self.account.user)),
            ("host", Value::string(&self.account.host)),
        ];
        fields.extend(self.privileges.to_values(&TDSQL, &self.shapes));
        Value::object(fields)
    }

    pub fn holding(&self, privileges: Privileges) -> Self {
        AccountGrants {
            privileges,
            ..self.clone()
        }
    }
}

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
}
