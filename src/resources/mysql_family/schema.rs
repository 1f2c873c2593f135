//! The schema and the checks of a MySQL family's privilege levels: the global set, a block per
//! scope or one nested map per level, every name and privilege checked against the table.

use std::collections::BTreeMap;

use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{quoted, Attribute, Block, Diagnostics, NestedBlock, Nesting};
use crate::value::{AttributePath, Type, Value};

use super::account::{host_rule, AccountIds, DEFAULT_HOST};
use super::levels::{Family, Level};
use super::privileges::blocks;

/// A resource of one MySQL-family account: `id`, `instance_id` (`instance_description`, e.g.
/// "ID of the CDB instance, e.g. `cdb-c1nl9rpv`."), `user` and `host` (default `%`), checked by
/// the rules of the service's import IDs, then the family's privilege levels.
pub fn account_block(
    description: &str,
    instance_description: &str,
    ids: &AccountIds,
    family: &Family,
) -> Block {
    let block = Block::new()
        .description(description)
        .attribute(Attribute::computed("id", Type::String).description("`<instance_id>#<user>#<host>`."))
        .attribute(
            Attribute::required("instance_id", Type::String)
                .description(instance_description)
                .requires_replace()
                .validator(NameRule {
                    rule: ids.instance_rule,
                }),
        )
        .attribute(
            Attribute::required("user", Type::String)
                .description("User name of an existing account of the instance.")
                .requires_replace()
                .validator(NameRule {
                    rule: ids.user_rule,
                }),
        )
        .attribute(
            Attribute::optional("host", Type::String)
                .description("Host of the account: `%` (any host, the default), an address, or a pattern such as `10.0.0.%`.")
                .default(Value::string(DEFAULT_HOST))
                .requires_replace()
                .validator(NameRule { rule: host_rule }),
        );
    with_privilege_levels(block, family)
}

/// `block` with the family's privilege attributes and blocks added: `global_privileges`, then
/// each level's map attribute and its block.
pub fn with_privilege_levels(block: Block, family: &Family) -> Block {
    let global = Attribute::optional("global_privileges", Type::Set(Box::new(Type::String)))
        .description(&format!(
            "Privileges on every database (`*.*`), any of: {}. Defaults to none.",
            backticked(family.global)
        ))
        .default(Value::Set(Vec::new()))
        .validator(OneOf {
            allowed: family.global,
        });
    let with_maps = family
        .levels
        .iter()
        .fold(block.attribute(global), |block, level| {
            block.attribute(map_attribute(level))
        });
    family
        .levels
        .iter()
        .fold(with_maps, |block, level| block.block(level_block(level)))
}

/// A level's block: the names of one scope and its privileges.
fn level_block(level: &Level) -> NestedBlock {
    let block = level
        .names
        .iter()
        .fold(Block::new(), |block, name| {
            block.attribute(object_name(name, &format!("Name of the {name}.")))
        })
        .attribute(privileges_attribute(level.block, level.allowed));
    let mysql = level
        .mysql
        .map(|mysql| format!(" ({mysql})"))
        .unwrap_or_default();
    let description = format!(
        "Privileges on {}{mysql}; one block per {}.",
        level.one, level.block
    );
    NestedBlock::new(level.block, Nesting::Set, block.description(&description))
}

/// MySQL's own rules (a name may not end with a space), and no backtick or control character,
/// which a plan would not show and the name of no existing object has.
pub fn object_name_rule(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    let allowed = !name.chars().any(|c| c == '`' || c.is_control()) && !name.ends_with(' ');
    if (1..=64).contains(&length) && allowed {
        Ok(())
    } else {
        Err("a MySQL database, table or column name has 1 to 64 characters, no backtick or control character, and does not end with a space".into())
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
fn map_attribute(level: &Level) -> Attribute {
    let allowed = level.allowed;
    let privileges = Type::Set(Box::new(Type::String));
    let ty = level
        .names
        .iter()
        .fold(privileges, |inner, _| Type::Map(Box::new(inner)));
    Attribute::optional(level.map, ty)
        .description(&format!(
            "Privileges per {}{}, as nested maps: `{}`. Instead of `{}` blocks, and much faster than them past a few hundred scopes; the state keeps the shape the configuration uses. Privileges: {}.",
            level.block,
            level.mysql.map(|mysql| format!(" ({mysql})")).unwrap_or_default(),
            level.map_example,
            level.block,
            backticked(allowed)
        ))
        .validator(OneOf { allowed })
}

/// The checks of every level of `family` that span attributes.
pub fn check_levels(family: &Family, config: &Value, diags: &mut Diagnostics) {
    for level in family.levels {
        check_scopes(config, level.block, level.names, diags);
        check_map(config, level, diags);
    }
}

/// A level written as a map: not beside blocks of the same level, every name valid, and no
/// scope or database without privileges (the next read would drop it).
fn check_map(config: &Value, level: &Level, diags: &mut Diagnostics) {
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
                format!(
                    "{path} has a key {} that is not a valid {name} name: {reason}.",
                    quoted(key)
                ),
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
