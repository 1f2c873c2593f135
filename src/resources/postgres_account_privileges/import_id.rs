//! Import IDs: `<db_instance_id>#<user_name>`, optionally followed by `#` and the objects to
//! adopt, `<object_type>:<names joined by dots>` separated by `;`, e.g.
//! `postgres-abc#app#database:appdb;table:appdb.public.users;function:appdb.public.f(integer,text)`.
//!
//! Object names may hold only letters, digits, `_`, `[`, `]` and, for functions and procedures,
//! `(`, `,`, `)` (docs/architecture.md, "Tencent PostgreSQL"), so `#`, `;`, `:` and `.` can never be part of a name.

use crate::cloud::tencent::postgres::{DatabaseObject, ObjectType};
use crate::framework::{quoted, Diagnostics};

use super::model::{dotted_name, name_fields};
use super::validation::{
    instance_id_rule, object_name_rule, user_name_rule, OBJECT_TYPES, TYPE_NAME,
};

/// What an import ID names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportId {
    pub instance_id: String,
    pub user_name: String,
    pub objects: Vec<DatabaseObject>,
}

const FORM: &str = "<db_instance_id>#<user_name>, optionally followed by #<objects>: <object_type>:<names joined by dots>, separated by \";\" (database:<db>, schema:<db>.<schema>, table|view|matview|sequence|function|procedure|type:<db>.<schema>.<name>, column:<db>.<schema>.<table>.<column>), e.g. postgres-abc#app#database:appdb;table:appdb.public.users";

impl ImportId {
    pub fn parse(id: &str) -> Result<Self, Diagnostics> {
        let mut parts = id.splitn(3, '#');
        let instance_id = parts.next().unwrap_or_default();
        let user_name = parts.next().unwrap_or_default();
        let mut problems = Vec::new();
        if let Err(reason) = instance_id_rule(instance_id) {
            problems.push(format!("{}: {reason}", quoted(instance_id)));
        }
        if let Err(reason) = user_name_rule(user_name) {
            problems.push(format!("{}: {reason}", quoted(user_name)));
        }
        let objects = match parts.next() {
            None => Vec::new(),
            Some(list) => parse_objects(list, &mut problems),
        };
        if !problems.is_empty() {
            return Err(Diagnostics::from_error(
                "Invalid import ID",
                format!(
                    "{} is not an import ID of {TYPE_NAME} ({}). Write {FORM}.",
                    quoted(id),
                    problems.join("; ")
                ),
            ));
        }
        Ok(ImportId {
            instance_id: instance_id.to_owned(),
            user_name: user_name.to_owned(),
            objects,
        })
    }
}

impl std::fmt::Display for ImportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.instance_id, self.user_name)?;
        for (i, object) in self.objects.iter().enumerate() {
            let separator = if i == 0 { '#' } else { ';' };
            write!(
                f,
                "{separator}{}:{}",
                object.object_type,
                dotted_name(object)
            )?;
        }
        Ok(())
    }
}

/// One object as a lookup names it (`table:appdb.public.users`), checked as an import ID's.
pub fn object_entry_rule(entry: &str) -> Result<(), String> {
    if entry.contains(';') {
        return Err("an element names one object: give each its own element".into());
    }
    parse_object(entry.trim()).map(|_| ())
}

fn parse_objects(list: &str, problems: &mut Vec<String>) -> Vec<DatabaseObject> {
    let items: Vec<&str> = list
        .split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect();
    if items.is_empty() {
        problems.push("no object follows the second \"#\"".into());
    }
    items
        .into_iter()
        .filter_map(|item| {
            parse_object(item)
                .map_err(|reason| problems.push(format!("{}: {reason}", quoted(item))))
                .ok()
        })
        .collect()
}

fn parse_object(item: &str) -> Result<DatabaseObject, String> {
    let (type_text, names) = item
        .split_once(':')
        .ok_or("an object is <object_type>:<names joined by dots>")?;
    let object_type = ObjectType::parse(type_text)
        .filter(|t| *t != ObjectType::Account)
        .ok_or_else(|| {
            format!(
                "{type_text:?} is not an object type; use one of {}",
                OBJECT_TYPES.join(", ")
            )
        })?;
    let fields = name_fields(object_type);
    let expected =
        1 + usize::from(fields.database) + usize::from(fields.schema) + usize::from(fields.table);
    let mut names: Vec<&str> = names.split('.').collect();
    if names.len() != expected {
        return Err(format!(
            "a {object_type} is named by {expected} name(s) joined by dots ({})",
            shape(object_type)
        ));
    }
    let routine = matches!(object_type, ObjectType::Function | ObjectType::Procedure);
    for (i, name) in names.iter().enumerate() {
        object_name_rule(name, routine && i + 1 == names.len())?;
    }
    let object_name = names.pop().unwrap_or_default().to_owned();
    let mut names = names.into_iter().map(str::to_owned);
    let mut next_if = |needed: bool| if needed { names.next() } else { None };
    Ok(DatabaseObject {
        database_name: next_if(fields.database),
        schema_name: next_if(fields.schema),
        table_name: next_if(fields.table),
        object_type,
        object_name,
    })
}

fn shape(object_type: ObjectType) -> &'static str {
    match object_type {
        ObjectType::Account | ObjectType::Database => "<db>",
        ObjectType::Schema => "<db>.<schema>",
        ObjectType::Column => "<db>.<schema>.<table>.<column>",
        _ => "<db>.<schema>.<name>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(
        object_type: ObjectType,
        database: Option<&str>,
        schema: Option<&str>,
        table: Option<&str>,
        name: &str,
    ) -> DatabaseObject {
        DatabaseObject {
            database_name: database.map(str::to_owned),
            schema_name: schema.map(str::to_owned),
            table_name: table.map(str::to_owned),
            object_type,
            object_name: name.to_owned(),
        }
    }

    #[test]
    fn the_account_alone_adopts_no_object() {
        let id = ImportId::parse("postgres-abc123#app").expect("id");
        assert_eq!(id.instance_id, "postgres-abc123");
        assert_eq!(id.user_name, "app");
        assert!(id.objects.is_empty());
        assert_eq!(id.to_string(), "postgres-abc123#app");
    }

    #[test]
    fn objects_of_every_shape_parse_and_print_back() {
        let text = "postgres-abc#app#database:appdb;schema:appdb.public;table:appdb.public.users;column:appdb.public.users.email;function:appdb.public.f(integer,text);procedure:appdb.public.p()";
        let id = ImportId::parse(text).expect("id");
        assert_eq!(
            id.objects,
            vec![
                object(ObjectType::Database, None, None, None, "appdb"),
                object(ObjectType::Schema, Some("appdb"), None, None, "public"),
                object(
                    ObjectType::Table,
                    Some("appdb"),
                    Some("public"),
                    None,
                    "users"
                ),
                object(
                    ObjectType::Column,
                    Some("appdb"),
                    Some("public"),
                    Some("users"),
                    "email"
                ),
                object(
                    ObjectType::Function,
                    Some("appdb"),
                    Some("public"),
                    None,
                    "f(integer,text)"
                ),
                object(
                    ObjectType::Procedure,
                    Some("appdb"),
                    Some("public"),
                    None,
                    "p()"
                ),
            ]
        );
        assert_eq!(id.to_string(), text);
        assert_eq!(ImportId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn spaces_between_objects_and_a_trailing_separator_are_forgiven() {
        let id =
            ImportId::parse("postgres-abc#app#table:appdb.public.users; view:appdb.public.v ;")
                .expect("id");
        assert_eq!(id.objects.len(), 2);
    }

    #[test]
    fn names_are_held_to_the_rules_of_the_arguments() {
        for bad in [" postgres-abc#app", "postgres-abc#app ", "POSTGRES-abc#app"] {
            let text = ImportId::parse(bad).expect_err(bad).to_string();
            assert!(text.contains("Invalid import ID"), "{bad}: {text}");
        }
    }

    #[test]
    fn mistakes_are_named_with_the_expected_form() {
        for (bad, says) in [
            ("postgres-abc", "an account name"),
            ("cdb-abc#app", "\"postgres-\""),
            ("postgres-abc#app#", "no object follows"),
            (
                "postgres-abc#app#table:appdb.users",
                "a table is named by 3 name(s)",
            ),
            (
                "postgres-abc#app#tables:appdb.public.users",
                "\"tables\" is not an object type",
            ),
            (
                "postgres-abc#app#account:app",
                "\"account\" is not an object type",
            ),
            (
                "postgres-abc#app#appdb.public.users",
                "<object_type>:<names joined by dots>",
            ),
            (
                "postgres-abc#app#table:appdb.public.f(x)",
                "a name has only ASCII letters",
            ),
            ("postgres-abc#app#schema:appdb.", "is not empty"),
        ] {
            let text = ImportId::parse(bad).expect_err(bad).to_string();
            assert!(text.contains(says), "{bad}: {text}");
            assert!(
                text.contains("<db_instance_id>#<user_name>"),
                "{bad}: {text}"
            );
        }
    }
}
