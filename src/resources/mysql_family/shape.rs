//! The two ways a level's scopes can be written: a block per scope (`table { database, table,
//! privileges }`), or one attribute of nested maps (`table_privileges = { shop = { orders =
//! [...] } }`). Terraform compares a set of blocks pair by pair, which grows with the square of
//! its size, and a map key by key: past a few hundred scopes the maps plan and apply many times
//! faster (docs/resources/cdb_account_privileges.md gives the figures).

use std::collections::{BTreeMap, BTreeSet};

use crate::value::Value;

use super::levels::Family;

/// How a resource writes one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    #[default]
    Blocks,
    Map,
}

/// The shape of each level of a family, as a configuration or a state has it: a level whose map
/// attribute is set is written as a map. A read keeps the shapes of the state it refreshes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shapes(Vec<Shape>);

impl Shapes {
    pub fn of(family: &Family, value: &Value) -> Self {
        Shapes(
            family
                .levels
                .iter()
                .map(|level| match value.attr(level.map) {
                    Some(Value::Null) | None => Shape::Blocks,
                    Some(_) => Shape::Map,
                })
                .collect(),
        )
    }

    /// The shape of the family's level at `index`; blocks where nothing says otherwise.
    pub fn get(&self, index: usize) -> Shape {
        self.0.get(index).copied().unwrap_or_default()
    }
}

/// A scope's names (outermost first) and its privileges.
pub type Scope = (Vec<String>, BTreeSet<String>);

/// The scopes a nested map holds, `depth` names deep; what is not a map or set is skipped
/// (validation reports it).
pub fn scopes_of_map(value: &Value, depth: usize) -> Vec<Scope> {
    let mut scopes = Vec::new();
    collect(value, depth, &mut Vec::new(), &mut scopes);
    scopes
}

fn collect(value: &Value, depth: usize, names: &mut Vec<String>, scopes: &mut Vec<Scope>) {
    match value {
        Value::Map(entries) if depth > 0 => {
            for (name, inner) in entries {
                names.push(name.clone());
                collect(inner, depth - 1, names, scopes);
                names.pop();
            }
        }
        Value::Set(items) | Value::List(items) if depth == 0 => {
            let privileges = items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            scopes.push((names.clone(), privileges));
        }
        _ => {}
    }
}

/// The nested map of `scopes`, each `names.len()` deep.
pub fn map_of_scopes<'a>(
    scopes: impl IntoIterator<Item = (Vec<&'a str>, &'a BTreeSet<String>)>,
) -> Value {
    let mut root = BTreeMap::new();
    for (names, privileges) in scopes {
        insert(&mut root, &names, privileges);
    }
    Value::Map(root)
}

fn insert(map: &mut BTreeMap<String, Value>, names: &[&str], privileges: &BTreeSet<String>) {
    match names {
        [] => {}
        [last] => {
            let set = Value::Set(privileges.iter().map(Value::string).collect());
            map.insert((*last).to_owned(), set);
        }
        [first, rest @ ..] => {
            let inner = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Map(BTreeMap::new()));
            if let Value::Map(inner) = inner {
                insert(inner, rest, privileges);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::mysql_family::levels::CDB;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn nested_maps_round_trip_through_scopes() {
        let select = set(&["SELECT"]);
        let both = set(&["INSERT", "SELECT"]);
        let map = map_of_scopes([
            (vec!["shop", "orders"], &select),
            (vec!["shop", "users"], &both),
            (vec!["logs", "events"], &select),
        ]);
        let scopes = scopes_of_map(&map, 2);
        assert_eq!(
            scopes,
            vec![
                (vec!["logs".into(), "events".into()], select.clone()),
                (vec!["shop".into(), "orders".into()], select),
                (vec!["shop".into(), "users".into()], both),
            ]
        );
        assert_eq!(map_of_scopes([]), Value::Map(BTreeMap::new()));
    }

    #[test]
    fn a_level_is_a_map_where_its_attribute_is_set() {
        let value = Value::object([
            ("database_privileges", Value::Null),
            ("table_privileges", Value::Map(BTreeMap::new())),
        ]);
        let shapes = Shapes::of(&CDB, &value);
        assert_eq!(shapes.get(0), Shape::Blocks);
        assert_eq!(shapes.get(1), Shape::Map);
        assert_eq!(shapes.get(2), Shape::Blocks);
    }
}
