//! What an account holds, or should hold, at each level of its family: normalised names, no
//! scope without privileges; to and from Terraform values in either shape.

use std::collections::{BTreeMap, BTreeSet};

use crate::value::Value;

use super::levels::{Family, Level};
use super::shape::{map_of_scopes, scopes_of_map, Shape, Shapes};

/// The privileges of one scope, by the scope's names (outermost first).
pub type Scopes = BTreeMap<Vec<String>, BTreeSet<String>>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Privileges {
    pub global: BTreeSet<String>,
    /// One entry per level of the family, in its order.
    levels: Vec<Scopes>,
}

impl Privileges {
    /// Nothing, at every level of `family`.
    pub fn none(family: &Family) -> Self {
        Privileges {
            global: BTreeSet::new(),
            levels: vec![Scopes::new(); family.levels.len()],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.levels.iter().all(BTreeMap::is_empty)
    }

    /// The scopes of the family's level at `index`.
    pub fn level(&self, index: usize) -> &Scopes {
        static NONE: Scopes = BTreeMap::new();
        self.levels.get(index).unwrap_or(&NONE)
    }

    /// Adds `names` to a scope; a scope left without privileges is not kept (MySQL has no such
    /// grant).
    pub fn add(&mut self, index: usize, scope: Vec<String>, names: BTreeSet<String>) {
        if names.is_empty() {
            return;
        }
        if let Some(scopes) = self.levels.get_mut(index) {
            scopes.entry(scope).or_default().extend(names);
        }
    }

    /// Adds what the cloud reports for a scope, normalised as a user writes it.
    pub fn add_reported(
        &mut self,
        family: &Family,
        index: usize,
        scope: Vec<String>,
        names: &[String],
    ) {
        if let Some(level) = family.levels.get(index) {
            self.add(index, scope, normalise(names, level.allowed));
        }
    }

    /// The privileges a resource value declares, in blocks and in maps.
    pub fn from_value(family: &Family, value: &Value) -> Self {
        let mut privileges = Privileges {
            global: string_set(value.attr("global_privileges")),
            ..Privileges::none(family)
        };
        for (index, level) in family.levels.iter().enumerate() {
            for block in blocks(value, level.block) {
                let scope = level.names.iter().map(|name| text(block, name)).collect();
                privileges.add(index, scope, string_set(block.attr("privileges")));
            }
            if let Some(map) = value.attr(level.map) {
                for (scope, names) in scopes_of_map(map, level.names.len()) {
                    privileges.add(index, scope, names);
                }
            }
        }
        privileges
    }

    /// The attributes and blocks that hold privileges, as resource values: each level as blocks
    /// or as its map, as `shapes` says, and the other of the two empty (blocks) or null (a map).
    pub fn to_values(&self, family: &Family, shapes: &Shapes) -> Vec<(&'static str, Value)> {
        let mut values = vec![("global_privileges", set_of(&self.global))];
        for (index, level) in family.levels.iter().enumerate() {
            values.extend(level_values(level, shapes.get(index), self.level(index)));
        }
        values
    }

    /// Each scope where what an account holds (`self`) is not what was `wanted`, one line each:
    /// the scope, what it holds and what was wanted.
    pub fn differences(&self, wanted: &Privileges, family: &Family) -> Vec<String> {
        let line = |scope: &str, held: Option<&BTreeSet<String>>, asked| {
            format!("{scope}: {} instead of {}", listed(held), listed(asked))
        };
        let mut lines = Vec::new();
        if self.global != wanted.global {
            lines.push(line("global", Some(&self.global), Some(&wanted.global)));
        }
        for (index, level) in family.levels.iter().enumerate() {
            let (held, asked) = (self.level(index), wanted.level(index));
            let scopes: BTreeSet<&Vec<String>> = held.keys().chain(asked.keys()).collect();
            for scope in scopes {
                let (held, asked) = (held.get(scope), asked.get(scope));
                if held != asked {
                    let named = format!("{} {}", level.block, scope.join("."));
                    lines.push(line(&named, held, asked));
                }
            }
        }
        lines
    }
}

fn listed(names: Option<&BTreeSet<String>>) -> String {
    match names {
        Some(names) if !names.is_empty() => names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => "nothing".to_owned(),
    }
}

/// A level's block and map attribute, with its scopes in the one `shape` chooses.
fn level_values(level: &Level, shape: Shape, scopes: &Scopes) -> [(&'static str, Value); 2] {
    let scopes = scopes
        .iter()
        .map(|(names, privileges)| (names.iter().map(String::as_str).collect(), privileges));
    match shape {
        Shape::Map => [
            (level.block, Value::Set(Vec::new())),
            (level.map, map_of_scopes(scopes)),
        ],
        Shape::Blocks => {
            let blocks = scopes
                .map(|(names, privileges): (Vec<&str>, _)| {
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

/// Privilege names as a user writes them: upper case, single spaces. `ALL [PRIVILEGES]` stands
/// for every privilege of the level, and `USAGE` for none.
pub fn normalise(names: &[String], allowed: &[&str]) -> BTreeSet<String> {
    let mut normalised = BTreeSet::new();
    for name in names {
        let name = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        match name.as_str() {
            "ALL" | "ALL PRIVILEGES" => normalised.extend(allowed.iter().map(|p| p.to_string())),
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

/// The blocks of `name` in a resource value.
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
