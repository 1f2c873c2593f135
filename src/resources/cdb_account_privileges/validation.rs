//! Plan-time checks: the name rules, the schema with the privileges each level allows, and
//! the refusal of empty or duplicate scope blocks.

use std::collections::BTreeMap;

use crate::cloud::tencent::cdb::{
    COLUMN_PRIVILEGES, DATABASE_PRIVILEGES, GLOBAL_PRIVILEGES, TABLE_PRIVILEGES,
};
use crate::framework::timeouts::timeouts_block;
use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{Attribute, Block, Diagnostics, NestedBlock, Nesting, Schema};
use crate::value::{AttributePath, Type, Value};

use super::model::blocks;
use super::shape::{Level, COLUMN, DATABASE, LEVELS, TABLE};

pub const TYPE_NAME: &str = "clouddb_cdb_account_privileges";
/// The host of an account when none is given: any.
pub const DEFAULT_HOST: &str = "%";

pub fn instance_id_rule(id: &str) -> Result<(), String> {
    crate::resources::messages::prefixed_id(id, "cdb-", "a CDB instance ID")
}

/// Lenient on purpose: existing accounts must stay manageable. Only what would break the ID
/// (`#`) or can never be a MySQL user name is refused.
pub fn user_rule(user: &str) -> Result<(), String> {
    let length = user.chars().count();
    let allowed = user
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '#' | '\'' | '"' | '`'));
    if (1..=32).contains(&length) && allowed {
        Ok(())
    } else {
        Err("a user name has 1 to 32 characters and no spaces, quotes, backticks or \"#\"".into())
    }
}

pub fn host_rule(host: &str) -> Result<(), String> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '%' | '_' | '-' | ':' | '/');
    if !host.is_empty() && host.len() <= 255 && host.chars().all(allowed) {
        Ok(())
    } else {
        Err("a host is a name, an IP address (IPv4 or IPv6) or a pattern with % and _, such as \"%\" or \"10.0.0.%\"; it has ASCII letters, digits and . % _ - : / only".into())
    }
}

fn object_name_rule(name: &str) -> Result<(), String> {
    if (1..=64).contains(&name.chars().count()) && !name.contains('`') {
        Ok(())
    } else {
        Err("a MySQL database, table or column name has 1 to 64 characters and no backtick".into())
    }
}

/// A scope block's attribute naming a database, table or column.
fn object_name(name: &str, description: &str) -> Attribute {
    Attribute::required(name, Type::String)
        .description(description)
        .validator(NameRule {
            rule: object_name_rule,
        })
}

/// Privilege names as the schema's descriptions list them: `` `SELECT`, `INSERT` ``.
fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn privileges_attribute(level: &str, allowed: &'static [&'static str]) -> Attribute {
    Attribute::required("privileges", Type::Set(Box::new(Type::String)))
        .description(&format!(
            "Privileges on the {level}, at least one of: {}.",
            backticked(allowed)
        ))
        .validator(OneOf { allowed })
}

/// A level's map attribute: nested maps one level per name, privilege sets inside.
fn map_attribute(level: Level, allowed: &'static [&'static str], what: &str) -> Attribute {
    let privileges = Type::Set(Box::new(Type::String));
    let ty = level
        .names
        .iter()
        .fold(privileges, |inner, _| Type::Map(Box::new(inner)));
    Attribute::optional(level.map, ty)
        .description(&format!(
            "{what}. Instead of `{}` blocks, and much faster than them past a few hundred scopes; the state keeps the shape the configuration uses. Privileges: {}.",
            level.block,
            backticked(allowed)
        ))
        .validator(OneOf { allowed })
}

fn scope_block(name: &str, description: &str, block: Block) -> NestedBlock {
    NestedBlock::new(name, Nesting::Set, block.description(description))
}

/// The blocks that name scopes, with the attributes that identify one scope.
const SCOPE_BLOCKS: &[(&str, &[&str])] = &[
    ("database", &["database"]),
    ("table", &["database", "table"]),
    ("column", &["database", "table", "column"]),
];

pub fn check_every_scope(config: &Value, diags: &mut Diagnostics) {
    for (block, key) in SCOPE_BLOCKS {
        check_scopes(config, block, key, diags);
    }
    for level in LEVELS {
        check_map(config, level, diags);
    }
}

/// A level written as a map: not beside blocks of the same level, every name valid, and no
/// scope or database without privileges (the next read would drop it).
fn check_map(config: &Value, level: Level, diags: &mut Diagnostics) {
    let Some(map) = config.attr(level.map).filter(|map| !map.is_null()) else {
        return;
    };
    let path = AttributePath::root().attribute(level.map);
    if !blocks(config, level.block).is_empty() {
        diags.attribute_error(
            path.clone(),
            "Two shapes for one level",
            format!(
                "{path} and {block} blocks are both set. Write the {block} scopes one way: either as {block} blocks or in {path}.",
                block = level.block
            ),
        );
    }
    check_map_entries(map, &path, level.names, true, diags);
}

/// Every key is a valid MySQL name, no inner map is empty (the outermost may be: it grants
/// nothing), and no scope has an empty set of privileges. Unknown values are checked later.
fn check_map_entries(
    value: &Value,
    path: &AttributePath,
    names: &[&str],
    outermost: bool,
    diags: &mut Diagnostics,
) {
    let Some(name) = names.first() else {
        if value.elements() == Some(&[]) {
            diags.attribute_error(
                path.clone(),
                "Empty privileges",
                format!("{path} is empty. Remove it instead: an account holds nothing on a scope that is not named."),
            );
        }
        return;
    };
    let Value::Map(entries) = value else {
        return;
    };
    if entries.is_empty() && !outermost {
        diags.attribute_error(
            path.clone(),
            "Empty map",
            format!(
                "{path} names no {name}. Remove it instead, or name what it holds privileges on."
            ),
        );
    }
    for (key, inner) in entries {
        let key_path = path.key(key);
        if let Err(reason) = object_name_rule(key) {
            diags.attribute_error(
                key_path.clone(),
                "Invalid name",
                format!("{path} has a key {key:?} that is not a valid {name} name: {reason}."),
            );
        }
        check_map_entries(inner, &key_path, &names[1..], false, diags);
    }
}

/// Refuses blocks without privileges and several blocks for one scope: either would be
/// rewritten by the next read, which sees one grant per scope and none that is empty.
fn check_scopes(config: &Value, block: &str, key: &[&str], diags: &mut Diagnostics) {
    let path = AttributePath::root().attribute(block);
    let mut seen: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for scope in blocks(config, block) {
        let names: Option<Vec<String>> = key
            .iter()
            .map(|attribute| {
                scope
                    .attr(attribute)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let Some(names) = names else {
            continue;
        };
        let scope_name = names.join(".");
        if scope.attr("privileges").and_then(Value::elements) == Some(&[]) {
            diags.attribute_error(
                path.clone(),
                "Empty privileges",
                format!(
                    "The {block} block for {scope_name} has no privileges. Remove the block instead: an account holds nothing on a scope that no block names."
                ),
            );
        }
        *seen.entry(names).or_default() += 1;
    }
    for (names, count) in seen.into_iter().filter(|(_, count)| *count > 1) {
        diags.attribute_error(
            path.clone(),
            "Duplicate scope",
            format!(
                "{count} {block} blocks name {}. Write one {block} block per {block} and list all of its privileges there.",
                names.join(".")
            ),
        );
    }
}

pub fn schema() -> Schema {
    let database = Block::new()
        .attribute(object_name("database", "Name of the database."))
        .attribute(privileges_attribute("database", DATABASE_PRIVILEGES));
    let table = Block::new()
        .attribute(object_name("database", "Name of the database."))
        .attribute(object_name("table", "Name of the table."))
        .attribute(privileges_attribute("table", TABLE_PRIVILEGES));
    let column = Block::new()
        .attribute(object_name("database", "Name of the database."))
        .attribute(object_name("table", "Name of the table."))
        .attribute(object_name("column", "Name of the column."))
        .attribute(privileges_attribute("column", COLUMN_PRIVILEGES));
    Schema::new(
        0,
        Block::new()
            .description("Every privilege of one account of a TencentDB for MySQL (CDB) instance. Authoritative: whatever the account holds beyond this resource is revoked, and destroying the resource revokes everything.")
            .attribute(Attribute::computed("id", Type::String).description("`<instance_id>#<user>#<host>`."))
            .attribute(
                Attribute::required("instance_id", Type::String)
                    .description("ID of the CDB instance, e.g. `cdb-c1nl9rpv`.")
                    .requires_replace()
                    .validator(NameRule { rule: instance_id_rule }),
            )
            .attribute(
                Attribute::required("user", Type::String)
                    .description("User name of an existing account of the instance.")
                    .requires_replace()
                    .validator(NameRule { rule: user_rule }),
            )
            .attribute(
                Attribute::optional("host", Type::String)
                    .description("Host of the account: `%` (any host, the default), an address, or a pattern such as `10.0.0.%`.")
                    .default(Value::string(DEFAULT_HOST))
                    .requires_replace()
                    .validator(NameRule { rule: host_rule }),
            )
            .attribute(
                Attribute::optional("global_privileges", Type::Set(Box::new(Type::String)))
                    .description(&format!(
                        "Privileges on every database (`*.*`), any of: {}. Defaults to none.",
                        backticked(GLOBAL_PRIVILEGES)
                    ))
                    .default(Value::Set(Vec::new()))
                    .validator(OneOf { allowed: GLOBAL_PRIVILEGES }),
            )
            .attribute(map_attribute(DATABASE, DATABASE_PRIVILEGES, "Privileges per database (`db.*`), a map from database to privileges: `{ shop = [\"SELECT\"] }`"))
            .attribute(map_attribute(TABLE, TABLE_PRIVILEGES, "Privileges per table, a map from database to table to privileges: `{ shop = { orders = [\"SELECT\"] } }`"))
            .attribute(map_attribute(COLUMN, COLUMN_PRIVILEGES, "Privileges per column, a map from database to table to column to privileges: `{ shop = { orders = { total = [\"SELECT\"] } } }`"))
            .block(scope_block("database", "Privileges on one database (`db.*`); one block per database.", database))
            .block(scope_block("table", "Privileges on one table; one block per table.", table))
            .block(scope_block("column", "Privileges on one column; one block per column.", column))
            .block(timeouts_block(&["create", "update", "delete"])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Severity;
    use crate::resources::cdb_account_privileges::test_values::{
        column_block, config, database_block, sample, string_values, table_block,
    };

    fn errors_of(config: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        check_every_scope(config, &mut diags);
        diags.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn empty_and_duplicate_scopes_are_refused() {
        let value = config(
            vec![
                database_block("shop", &["SELECT"]),
                database_block("shop", &["INSERT"]),
                database_block("logs", &[]),
            ],
            vec![
                table_block("shop", "orders", &["SELECT"]),
                table_block("shop", "orders", &["UPDATE"]),
                table_block("shop", "users", &["UPDATE"]),
            ],
            vec![],
        );
        let errors = errors_of(&value);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors
            .iter()
            .any(|e| e.contains("database block for logs has no privileges")
                && e.contains("Remove the block instead")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("2 database blocks name shop.")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("2 table blocks name shop.orders.")));
        assert!(errors_of(&sample()).is_empty());
    }

    #[test]
    fn unknown_scopes_are_checked_later() {
        let unknown_name = Value::object([
            ("database", Value::Unknown),
            ("privileges", string_values(&["SELECT"])),
        ]);
        let value = config(
            vec![
                unknown_name.clone(),
                unknown_name,
                database_block("shop", &["SELECT"]),
            ],
            vec![],
            vec![],
        );
        assert!(errors_of(&value).is_empty());
    }

    #[test]
    fn each_level_allows_only_its_own_privileges() {
        let schema = schema();
        let value = config(
            vec![database_block("shop", &["PROCESS"])],
            vec![table_block("shop", "orders", &["select"])],
            vec![column_block("shop", "orders", "total", &["DELETE"])],
        );
        let mut diags = Diagnostics::new();
        crate::framework::validate::validate_config(
            &schema.block,
            &value,
            &AttributePath::root(),
            &mut diags,
        );
        let details: Vec<(String, String)> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                (
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.detail.clone(),
                )
            })
            .collect();
        assert_eq!(details.len(), 3, "{details:#?}");
        assert!(details
            .iter()
            .any(|(path, detail)| path.starts_with("database.privileges")
                && detail.contains("\"PROCESS\", which is not allowed")
                && detail.contains("\"CREATE TEMPORARY TABLES\"")));
        assert!(details
            .iter()
            .any(|(_, detail)| detail.contains("did you mean \"SELECT\"")));
        assert!(details
            .iter()
            .any(|(path, detail)| path.starts_with("column.privileges")
                && detail
                    .contains(r#"Allowed values: "SELECT", "INSERT", "UPDATE", "REFERENCES"."#)));
    }

    #[test]
    fn maps_name_valid_scopes_with_privileges() {
        let map = |entries: Vec<(&str, Value)>| {
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        };
        let with_tables = |tables: Value| {
            let mut value = sample();
            if let Value::Object(attrs) = &mut value {
                attrs.insert("table".into(), Value::Set(vec![]));
                attrs.insert("table_privileges".into(), tables);
            }
            value
        };
        assert!(
            errors_of(&with_tables(map(vec![]))).is_empty(),
            "an empty map grants nothing"
        );
        let unknown_element = map(vec![(
            "shop",
            map(vec![("orders", Value::Set(vec![Value::Unknown]))]),
        )]);
        assert!(errors_of(&with_tables(unknown_element)).is_empty());
        let errors = errors_of(&with_tables(map(vec![
            ("logs", map(vec![])),
            ("shop", map(vec![("orders", Value::Set(vec![]))])),
        ])));
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors
            .iter()
            .any(|e| e.starts_with("table_privileges[\"logs\"] names no table.")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("table_privileges[\"shop\"][\"orders\"] is empty.")));
    }

    #[test]
    fn name_rules_explain_themselves() {
        assert!(instance_id_rule("cdb-c1nl9rpv").is_ok());
        assert!(instance_id_rule("cdb-").is_err());
        assert!(instance_id_rule("CDB-abc").unwrap_err().contains("cdb-"));
        assert!(user_rule("app_rw").is_ok());
        assert!(user_rule("a#b").is_err());
        assert!(user_rule(&"u".repeat(33)).is_err());
        for host in [
            "%",
            "10.0.0.%",
            "db.example.com",
            "fe80::1",
            "10.0.0.0/255.255.255.0",
        ] {
            assert!(host_rule(host).is_ok(), "{host}");
        }
        assert!(host_rule("a b").is_err());
        assert!(host_rule("").is_err());
        assert!(object_name_rule("orders").is_ok());
        assert!(object_name_rule(&"t".repeat(65)).is_err());
    }
}
