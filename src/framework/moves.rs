//! Moves from another provider's resource type (protocol 6.5, Terraform 1.8 and later): a
//! `moved` block whose `from` names, say, `tencentcloud_mysql_privilege.x` hands us that
//! resource's stored state as JSON in its own schema, which no schema of ours describes. These
//! are the typed reads of such a state, each failing with a message that names the source type
//! and the attribute that is missing or of the wrong kind.

use serde_json::{Map, Value as Json};

use super::diagnostics::Diagnostics;

/// The private data of a state a move made, until its first successful read: that read may
/// have to look further than the state names (see [`crate::framework::Resource::read_moved`]).
pub const MOVED_PRIVATE: &[u8] = br#"{"clouddb_moved":true}"#;

/// A resource type of another provider that one of ours can take over, and the schema versions
/// of its state that the mapping reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveSource {
    pub type_name: &'static str,
    pub max_schema_version: i64,
}

/// The stored state of the resource a `moved` block moves from.
#[derive(Debug, Clone)]
pub struct MovedState {
    /// e.g. `registry.terraform.io/tencentcloudstack/tencentcloud`.
    pub provider_address: String,
    pub type_name: String,
    pub schema_version: i64,
    attributes: Map<String, Json>,
}

/// Why a source state cannot be taken over: the attribute path and what it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmappable {
    pub path: String,
    pub problem: String,
}

impl MovedState {
    /// The state as Terraform stored it: a JSON object of the source's attributes.
    pub fn parse(
        provider_address: &str,
        type_name: &str,
        schema_version: i64,
        json: &[u8],
    ) -> Result<Self, Diagnostics> {
        let refuse = |why: String| {
            Diagnostics::from_error(
                "Cannot move this resource",
                format!("The stored state of {type_name} cannot be read: {why}."),
            )
        };
        match serde_json::from_slice::<Json>(json) {
            Ok(Json::Object(attributes)) => Ok(MovedState {
                provider_address: provider_address.to_owned(),
                type_name: type_name.to_owned(),
                schema_version,
                attributes,
            }),
            Ok(other) => Err(refuse(format!("it is {}, not an object", kind(&other)))),
            Err(e) => Err(refuse(format!("it is not JSON ({e})"))),
        }
    }

    /// The state's attributes, for typed reads.
    pub fn object(&self) -> SourceObject<'_> {
        SourceObject {
            path: String::new(),
            fields: &self.attributes,
        }
    }
}

/// One object of a source state (the whole state, or one element of a nested block), with the
/// path that leads to it.
#[derive(Debug, Clone)]
pub struct SourceObject<'a> {
    path: String,
    fields: &'a Map<String, Json>,
}

impl<'a> SourceObject<'a> {
    fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn unmappable(&self, name: &str, problem: impl Into<String>) -> Unmappable {
        Unmappable {
            path: self.path_of(name),
            problem: problem.into(),
        }
    }

    /// A string that must be present and not empty.
    pub fn string(&self, name: &str) -> Result<&'a str, Unmappable> {
        match self.fields.get(name) {
            Some(Json::String(text)) if !text.is_empty() => Ok(text),
            Some(Json::String(_)) => Err(self.unmappable(name, "is empty")),
            None | Some(Json::Null) => Err(self.unmappable(name, "is missing")),
            Some(other) => Err(self.unmappable(name, format!("is {}, not a string", kind(other)))),
        }
    }

    /// A string that may be absent, null or empty (`None`).
    pub fn optional_string(&self, name: &str) -> Result<Option<&'a str>, Unmappable> {
        match self.fields.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(text)) => Ok((!text.is_empty()).then_some(text.as_str())),
            Some(other) => Err(self.unmappable(name, format!("is {}, not a string", kind(other)))),
        }
    }

    /// A list or set of strings; absent or null is empty.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, Unmappable> {
        self.elements(name)?
            .iter()
            .enumerate()
            .map(|(index, element)| match element {
                Json::String(text) => Ok(text.clone()),
                other => Err(self.unmappable(
                    &format!("{name}[{index}]"),
                    format!("is {}, not a string", kind(other)),
                )),
            })
            .collect()
    }

    /// A list or set of nested objects (blocks); absent or null is empty.
    pub fn objects(&self, name: &str) -> Result<Vec<SourceObject<'a>>, Unmappable> {
        self.elements(name)?
            .iter()
            .enumerate()
            .map(|(index, element)| match element {
                Json::Object(fields) => Ok(SourceObject {
                    path: format!("{}[{index}]", self.path_of(name)),
                    fields,
                }),
                other => Err(self.unmappable(
                    &format!("{name}[{index}]"),
                    format!("is {}, not an object", kind(other)),
                )),
            })
            .collect()
    }

    fn elements(&self, name: &str) -> Result<&'a [Json], Unmappable> {
        match self.fields.get(name) {
            None | Some(Json::Null) => Ok(&[]),
            Some(Json::Array(elements)) => Ok(elements),
            Some(other) => Err(self.unmappable(name, format!("is {}, not a list", kind(other)))),
        }
    }
}

fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(json: &str) -> MovedState {
        MovedState::parse("registry.terraform.io/x/y", "y_thing", 0, json.as_bytes())
            .expect("a state")
    }

    #[test]
    fn reads_name_the_path_and_what_is_wrong() {
        let moved = state(
            r#"{"name": "app", "empty": "", "count": 3, "tags": ["a", 1],
                "blocks": [{"db": "shop"}, {"other": "x"}]}"#,
        );
        let object = moved.object();
        assert_eq!(object.string("name"), Ok("app"));
        fn problem<T>(path: &str, problem: &str) -> Result<T, Unmappable> {
            Err(Unmappable {
                path: path.into(),
                problem: problem.into(),
            })
        }
        assert_eq!(object.string("empty"), problem("empty", "is empty"));
        assert_eq!(object.string("absent"), problem("absent", "is missing"));
        assert_eq!(
            object.string("count"),
            problem("count", "is a number, not a string")
        );
        assert_eq!(object.optional_string("empty"), Ok(None));
        assert_eq!(object.strings("absent"), Ok(Vec::new()));
        assert_eq!(
            object.strings("tags"),
            problem("tags[1]", "is a number, not a string")
        );
        let blocks = object.objects("blocks").expect("blocks");
        assert_eq!(blocks[0].string("db"), Ok("shop"));
        assert_eq!(
            blocks[1].string("db"),
            problem("blocks[1].db", "is missing")
        );
    }

    #[test]
    fn a_state_that_is_not_an_object_is_refused() {
        for json in ["[]", "not json", "null"] {
            let refused = MovedState::parse("p", "y_thing", 0, json.as_bytes())
                .expect_err("refused")
                .to_string();
            assert!(refused.contains("y_thing"), "{refused}");
        }
    }
}
