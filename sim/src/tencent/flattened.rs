//! Parameters sent as `name=value` pairs (a GET query, or the form of a call signed in its
//! parameters), rebuilt into the structure the JSON body of a POST carries. The SDKs flatten a
//! structure by joining keys with `.` and numbering list items from 0:
//! `Accounts.0.User=app&DatabasePrivileges.0.Privileges.1=SHOW VIEW`. Every value stays text;
//! [`super::params::Params`] reads numbers and booleans out of it.

use serde_json::{Map, Value};

use super::errors::TencentError;

/// The structure of `pairs`: objects by key, arrays where every key of a level is an index.
pub(crate) fn unflatten(pairs: &[(String, String)]) -> Result<Value, TencentError> {
    let mut root = Node::default();
    for (key, value) in pairs {
        let segments: Vec<&str> = key.split('.').collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return Err(malformed(key, "has an empty part"));
        }
        root.insert(&segments, value, key)?;
    }
    root.into_value(None)
}

#[derive(Default)]
enum Node {
    #[default]
    Empty,
    Text(String),
    /// Children by segment, in the order first sent.
    Branch(Vec<(String, Node)>),
}

impl Node {
    fn insert(&mut self, segments: &[&str], value: &str, key: &str) -> Result<(), TencentError> {
        let Some((first, rest)) = segments.split_first() else {
            return match self {
                Node::Empty => {
                    *self = Node::Text(value.to_owned());
                    Ok(())
                }
                _ => Err(malformed(key, "is given twice, or also as a structure")),
            };
        };
        if let Node::Empty = self {
            *self = Node::Branch(Vec::new());
        }
        let Node::Branch(children) = self else {
            return Err(malformed(key, "is a structure and a value at once"));
        };
        let position = match children.iter().position(|(name, _)| name == first) {
            Some(position) => position,
            None => {
                children.push(((*first).to_owned(), Node::Empty));
                children.len() - 1
            }
        };
        children[position].1.insert(rest, value, key)
    }

    /// `path` names this node in messages.
    fn into_value(self, path: Option<&str>) -> Result<Value, TencentError> {
        let children = match self {
            Node::Empty => return Ok(Value::Object(Map::new())),
            Node::Text(text) => return Ok(Value::String(text)),
            Node::Branch(children) => children,
        };
        let name = |segment: &str| match path {
            Some(path) => format!("{path}.{segment}"),
            None => segment.to_owned(),
        };
        let indices: Option<Vec<usize>> =
            children.iter().map(|(segment, _)| index(segment)).collect();
        match indices {
            // The root is always an object of parameters.
            Some(mut indices) if path.is_some() => {
                indices.sort_unstable();
                if indices.iter().enumerate().any(|(want, got)| want != *got) {
                    let list = path.unwrap_or_default();
                    return Err(malformed(
                        list,
                        "numbers its items with a gap; they count from 0 without one",
                    ));
                }
                let mut items: Vec<(usize, Value)> = Vec::with_capacity(children.len());
                for (segment, node) in children {
                    let value = node.into_value(Some(&name(&segment)))?;
                    items.push((index(&segment).unwrap_or_default(), value));
                }
                items.sort_by_key(|(position, _)| *position);
                Ok(Value::Array(items.into_iter().map(|(_, v)| v).collect()))
            }
            _ => {
                let mut map = Map::new();
                for (segment, node) in children {
                    let value = node.into_value(Some(&name(&segment)))?;
                    map.insert(segment, value);
                }
                Ok(Value::Object(map))
            }
        }
    }
}

/// A list index: decimal digits without a leading zero (or `0` itself).
fn index(segment: &str) -> Option<usize> {
    let canonical = segment == "0" || !segment.starts_with('0');
    if canonical && segment.bytes().all(|b| b.is_ascii_digit()) {
        segment.parse().ok()
    } else {
        None
    }
}

fn malformed(key: &str, why: &str) -> TencentError {
    TencentError::new("InvalidParameter", format!("The parameter `{key}` {why}."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn dotted_keys_become_the_json_a_post_sends() {
        let value = unflatten(&pairs(&[
            ("InstanceId", "cdb-1"),
            ("Accounts.0.User", "app"),
            ("Accounts.0.Host", "%"),
            ("DatabasePrivileges.0.Privileges.0", "SELECT"),
            ("DatabasePrivileges.0.Privileges.1", "SHOW VIEW"),
            ("DatabasePrivileges.0.Database", "shop"),
            ("Offset", "0"),
        ]))
        .expect("valid");
        assert_eq!(
            value,
            json!({
                "InstanceId": "cdb-1",
                "Accounts": [{"User": "app", "Host": "%"}],
                "DatabasePrivileges": [{"Privileges": ["SELECT", "SHOW VIEW"], "Database": "shop"}],
                "Offset": "0",
            })
        );
    }

    #[test]
    fn items_sent_out_of_order_keep_their_numbers() {
        let value = unflatten(&pairs(&[("L.1", "b"), ("L.0", "a")])).expect("valid");
        assert_eq!(value, json!({"L": ["a", "b"]}));
    }

    #[test]
    fn malformed_keys_are_named() {
        for (bad, key) in [
            (vec![("L.0", "a"), ("L.2", "c")], "`L`"),
            (vec![("A", "1"), ("A.0", "x")], "`A.0`"),
            (vec![("A.0", "x"), ("A", "1")], "`A`"),
            (vec![("A..B", "1")], "`A..B`"),
            (vec![("A", "1"), ("A", "2")], "`A`"),
        ] {
            let error = unflatten(&pairs(&bad)).unwrap_err();
            assert_eq!(error.code, "InvalidParameter");
            assert!(error.message.contains(key), "{error}");
        }
    }

    #[test]
    fn only_plain_numbers_are_indices() {
        let value = unflatten(&pairs(&[("M.01", "x"), ("M.a", "y")])).expect("valid");
        assert_eq!(value, json!({"M": {"01": "x", "a": "y"}}));
    }
}
