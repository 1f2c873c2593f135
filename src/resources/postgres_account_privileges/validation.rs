//! Plan-time checks: name rules from the vendor's error table, and per object type which name
//! fields are needed and which privileges apply, with errors that say what is allowed.

use std::collections::{BTreeMap, BTreeSet};

use crate::cloud::tencent::postgres::ObjectType;
use crate::framework::validators::{quoted_list, spelling_hint};
use crate::framework::{quoted, shortened, Diagnostics};
use crate::value::{AttributePath, Value};

use super::model::{name_fields, privileges_of, NameFields, OBJECT_BLOCK};

pub const TYPE_NAME: &str = "clouddb_postgres_account_privileges";

/// Object types an `object` block takes; `account` is managed through `account_type`.
pub const OBJECT_TYPES: &[&str] = &[
    "database",
    "schema",
    "table",
    "view",
    "matview",
    "sequence",
    "function",
    "procedure",
    "type",
    "column",
];

pub const ACCOUNT_TYPES: &[&str] = &["normal", "tencentDBSuper"];

/// Every privilege of any object type, for objects whose type is not known yet.
const ANY_PRIVILEGE: &[&str] = &[
    "CONNECT",
    "CREATE",
    "DELETE",
    "EXECUTE",
    "INSERT",
    "REFERENCES",
    "SELECT",
    "TEMPORARY",
    "TRIGGER",
    "TRUNCATE",
    "UPDATE",
    "USAGE",
];

/// Role names PostgreSQL itself reserves, besides the vendor's `postgres`.
const RESERVED_ROLE_NAMES: &[&str] = &[
    "postgres",
    "public",
    "none",
    "current_user",
    "session_user",
    "current_role",
];

pub fn instance_id_rule(id: &str) -> Result<(), String> {
    crate::resources::messages::prefixed_id(id, "postgres-", "a PostgreSQL instance ID")
}

/// The vendor's `InvalidParameterValue.InvalidAccountNameFormatError`.
pub fn user_name_rule(name: &str) -> Result<(), String> {
    const RULE: &str = "an account name has 1 to 63 ASCII letters, digits and underscores, starts with an ASCII letter or an underscore, is not a reserved name (postgres, public, none, current_user, session_user, current_role) and does not start with pg_ or tencentdb_ (in any case)";
    let lower = name.to_ascii_lowercase();
    let valid = (1..=63).contains(&name.len())
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_ROLE_NAMES.contains(&lower.as_str())
        && !lower.starts_with("pg_")
        && !lower.starts_with("tencentdb_");
    if valid {
        Ok(())
    } else {
        Err(RULE.into())
    }
}

/// The vendor's `InvalidParameterValue.InvalidDatabaseObjectName`: letters, digits, `_`, `[`
/// and `]`; function and procedure names also `(`, `,` and `)` for their argument types.
pub fn object_name_rule(name: &str, routine: bool) -> Result<(), String> {
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '[' | ']')
            || (routine && matches!(c, '(' | ',' | ')'))
    };
    // PostgreSQL keeps 63 bytes of a name (NAMEDATALEN); a routine's argument list is not part
    // of its name.
    let identifier = match routine {
        true => name.split('(').next().unwrap_or(name),
        false => name,
    };
    if identifier.len() > 63 {
        return Err("a PostgreSQL name has at most 63 characters".into());
    }
    if !name.is_empty() && name.chars().all(allowed) {
        Ok(())
    } else if routine {
        Err("a function or procedure name has only ASCII letters, digits, underscores, square brackets, and the argument list in parentheses separated by commas without spaces, e.g. \"refresh_totals(integer,text)\"".into())
    } else {
        Err(
            "a name has only ASCII letters, digits, underscores and square brackets, and is not empty"
                .into(),
        )
    }
}

/// Checks every `object` block of a configuration; values may be unknown.
pub fn validate_objects(config: &Value, diags: &mut Diagnostics) {
    let Some(objects) = config.attr(OBJECT_BLOCK).and_then(Value::elements) else {
        return;
    };
    let block = AttributePath::root().attribute(OBJECT_BLOCK);
    for object in objects {
        ObjectConfig::new(object).validate(&block, diags);
    }
    report_duplicates(objects, &block, diags);
}

/// Each object block of `config` as messages name it (`table appdb.public.users`), once each,
/// when every name of it is known.
pub fn configured_objects(config: &Value) -> BTreeSet<String> {
    let Some(objects) = config.attr(OBJECT_BLOCK).and_then(Value::elements) else {
        return BTreeSet::new();
    };
    objects
        .iter()
        .filter(|object| object.is_wholly_known())
        .map(|object| ObjectConfig::new(object).describe())
        .collect()
}

/// One `object` block as configured; a field is `None` when null or unknown.
struct ObjectConfig<'a> {
    value: &'a Value,
    type_text: Option<&'a str>,
    object_type: Option<ObjectType>,
}

impl<'a> ObjectConfig<'a> {
    fn new(value: &'a Value) -> Self {
        let type_text = value.attr("object_type").and_then(Value::as_str);
        ObjectConfig {
            value,
            type_text,
            object_type: type_text
                .and_then(ObjectType::parse)
                .filter(|t| *t != ObjectType::Account),
        }
    }

    fn text(&self, field: &str) -> Option<&'a str> {
        self.value.attr(field).and_then(Value::as_str)
    }

    fn is_null(&self, field: &str) -> bool {
        self.value.attr(field).is_none_or(Value::is_null)
    }

    /// `table appdb.public.users` as far as it is known, for messages.
    fn describe(&self) -> String {
        let names: Vec<String> = ["database_name", "schema_name", "table_name", "object_name"]
            .into_iter()
            .filter_map(|field| self.text(field))
            .map(shortened)
            .collect();
        let object_type = shortened(self.type_text.unwrap_or("object"));
        format!("{object_type} {}", names.join("."))
    }

    fn validate(&self, block: &AttributePath, diags: &mut Diagnostics) {
        self.check_type(block, diags);
        if let Some(object_type) = self.object_type {
            self.check_name_fields(object_type, block, diags);
        }
        self.check_names(block, diags);
        self.check_privileges(block, diags);
    }

    fn check_type(&self, block: &AttributePath, diags: &mut Diagnostics) {
        let Some(text) = self.type_text else {
            return;
        };
        if self.object_type.is_some() {
            return;
        }
        let path = block.attribute("object_type");
        let hint = if text == "account" {
            " The account itself is not an object block: set account_type to make it \"normal\" or \"tencentDBSuper\".".to_owned()
        } else {
            case_hint(OBJECT_TYPES, text)
        };
        diags.attribute_error(
            path.clone(),
            "Unsupported object type",
            format!(
                "{path} = {} is not allowed.{hint} Allowed values: {}.",
                quoted(text),
                quoted_list(OBJECT_TYPES)
            ),
        );
    }

    fn check_name_fields(
        &self,
        object_type: ObjectType,
        block: &AttributePath,
        diags: &mut Diagnostics,
    ) {
        let needed = name_fields(object_type);
        let fields = [
            ("database_name", needed.database),
            ("schema_name", needed.schema),
            ("table_name", needed.table),
        ];
        for (field, required) in fields {
            let path = block.attribute(field);
            let missing = required && self.is_null(field);
            let unwanted = !required && !self.is_null(field);
            if !(missing || unwanted) {
                continue;
            }
            let (summary, what) = if missing {
                (format!("Missing {field}"), "is required")
            } else {
                (format!("Unexpected {field}"), "must be left out")
            };
            diags.attribute_error(
                path.clone(),
                summary,
                format!(
                    "{path} {what} for object_type = {:?} ({}). {}",
                    object_type.as_str(),
                    self.describe(),
                    explain_name_fields(object_type, needed)
                ),
            );
        }
    }

    fn check_names(&self, block: &AttributePath, diags: &mut Diagnostics) {
        let routine = matches!(
            self.object_type,
            Some(ObjectType::Function | ObjectType::Procedure)
        );
        let fields = [
            ("database_name", false),
            ("schema_name", false),
            ("table_name", false),
            ("object_name", routine),
        ];
        for (field, routine) in fields {
            let Some(name) = self.text(field) else {
                continue;
            };
            if let Err(reason) = object_name_rule(name, routine) {
                let path = block.attribute(field);
                diags.attribute_error(
                    path.clone(),
                    "Invalid name",
                    format!(
                        "{path} = {} ({}) is not valid: {reason}.",
                        quoted(name),
                        self.describe()
                    ),
                );
            }
        }
    }

    fn check_privileges(&self, block: &AttributePath, diags: &mut Diagnostics) {
        let Some(privileges) = self.value.attr("privileges").and_then(Value::elements) else {
            return;
        };
        let (allowed, scope) = match self.object_type {
            Some(object_type) => (privileges_of(object_type), format!("a {object_type}")),
            None => (ANY_PRIVILEGE, "any object".to_owned()),
        };
        for privilege in privileges.iter().filter_map(Value::as_str) {
            if allowed.contains(&privilege) {
                continue;
            }
            // Terraform cannot point into a set: the diagnostic points at the set itself.
            let path = block.attribute("privileges");
            diags.attribute_error(
                path.clone(),
                "Unsupported privilege",
                format!(
                    "{path} contains {}, which is not a privilege of {scope} ({}).{} Allowed values for {}: {}.",
                    quoted(privilege),
                    self.describe(),
                    case_hint(allowed, privilege),
                    self.object_type.map_or("an object", ObjectType::as_str),
                    quoted_list(allowed)
                ),
            );
        }
    }

    /// The object's identity when every part of it is known.
    fn key(&self) -> Option<[Option<&'a str>; 5]> {
        let part = |field: &str| match self.value.attr(field) {
            Some(Value::Unknown) => Err(()),
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            _ => Ok(None),
        };
        Some([
            Some(self.type_text?),
            part("database_name").ok()?,
            part("schema_name").ok()?,
            part("table_name").ok()?,
            Some(self.text("object_name")?),
        ])
    }
}

/// ` Values are case-sensitive: did you mean "SELECT"?` and the like, as a sentence.
fn case_hint(allowed: &[&str], text: &str) -> String {
    spelling_hint(allowed, text)
        .map(|hint| {
            let mut chars = hint.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            format!(
                " {}{}.",
                first.into_iter().collect::<String>(),
                chars.as_str()
            )
            .replace("?.", "?")
        })
        .unwrap_or_default()
}

fn explain_name_fields(object_type: ObjectType, needed: NameFields) -> String {
    let mut required = Vec::new();
    let mut left_out = Vec::new();
    for (field, is_needed) in [
        ("database_name", needed.database),
        ("schema_name", needed.schema),
        ("table_name", needed.table),
    ] {
        if is_needed {
            required.push(field);
        } else {
            left_out.push(field);
        }
    }
    required.push("object_name");
    let named = match object_type {
        ObjectType::Database => " (object_name is the database)",
        ObjectType::Schema => " (object_name is the schema)",
        ObjectType::Column => " (object_name is the column)",
        _ => "",
    };
    let mut text = format!("A {object_type} is named by {}{named}", required.join(", "));
    if !left_out.is_empty() {
        text.push_str(&format!("; leave out {}", left_out.join(" and ")));
    }
    text.push('.');
    text
}

/// Two blocks for the same object (with different privileges) cannot both be true.
fn report_duplicates(objects: &[Value], block: &AttributePath, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<[Option<&str>; 5], usize> = BTreeMap::new();
    let configs: Vec<ObjectConfig> = objects.iter().map(ObjectConfig::new).collect();
    for config in &configs {
        if let Some(key) = config.key() {
            *seen.entry(key).or_default() += 1;
        }
    }
    for config in &configs {
        let Some(key) = config.key() else {
            continue;
        };
        if seen.remove(&key).is_some_and(|count| count > 1) {
            diags.attribute_error(
                block.clone(),
                "Object listed twice",
                format!(
                    "{} appears in more than one object block. List each object once, with all the privileges it should have.",
                    config.describe()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(fields: &[(&str, &str)], privileges: &[&str]) -> Value {
        let mut attrs: BTreeMap<String, Value> = [
            "object_type",
            "database_name",
            "schema_name",
            "table_name",
            "object_name",
        ]
        .into_iter()
        .map(|f| (f.to_owned(), Value::Null))
        .collect();
        for (field, text) in fields {
            attrs.insert((*field).to_owned(), Value::string(*text));
        }
        attrs.insert(
            "privileges".into(),
            Value::Set(privileges.iter().map(|p| Value::string(*p)).collect()),
        );
        Value::Object(attrs)
    }

    fn errors(objects: Vec<Value>) -> Vec<(String, String)> {
        let config = Value::object([(OBJECT_BLOCK, Value::Set(objects))]);
        let mut diags = Diagnostics::new();
        validate_objects(&config, &mut diags);
        diags
            .into_iter()
            .map(|d| (d.path.map(|p| p.to_string()).unwrap_or_default(), d.detail))
            .collect()
    }

    fn users_table(privileges: &[&str]) -> Value {
        object(
            &[
                ("object_type", "table"),
                ("database_name", "appdb"),
                ("schema_name", "public"),
                ("object_name", "users"),
            ],
            privileges,
        )
    }

    #[test]
    fn well_formed_objects_of_every_type_pass() {
        let objects = vec![
            object(
                &[("object_type", "database"), ("object_name", "appdb")],
                &["CONNECT", "TEMPORARY"],
            ),
            object(
                &[
                    ("object_type", "schema"),
                    ("database_name", "appdb"),
                    ("object_name", "public"),
                ],
                &["USAGE"],
            ),
            users_table(&["SELECT", "INSERT"]),
            object(
                &[
                    ("object_type", "function"),
                    ("database_name", "appdb"),
                    ("schema_name", "public"),
                    ("object_name", "refresh_totals(integer,text)"),
                ],
                &["EXECUTE"],
            ),
            object(
                &[
                    ("object_type", "column"),
                    ("database_name", "appdb"),
                    ("schema_name", "public"),
                    ("table_name", "users"),
                    ("object_name", "email"),
                ],
                &["SELECT", "UPDATE"],
            ),
        ];
        let found = errors(objects);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_privilege_of_another_object_type_names_the_allowed_ones() {
        let found = errors(vec![users_table(&["SELECT", "EXECUTE"])]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (path, detail) = &found[0];
        assert_eq!(path, "object.privileges");
        assert!(
            detail.contains("is not a privilege of a table (table appdb.public.users)"),
            "{detail}"
        );
        assert!(
            detail.contains(r#"Allowed values for table: "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER""#),
            "{detail}"
        );
    }

    #[test]
    fn a_privilege_in_lower_case_gets_a_hint() {
        let found = errors(vec![users_table(&["select"])]);
        assert!(
            found[0].1.contains(r#"did you mean "SELECT"?"#),
            "{found:?}"
        );
    }

    #[test]
    fn a_table_needs_its_schema_and_a_database_takes_no_database_name() {
        let found = errors(vec![
            object(
                &[
                    ("object_type", "table"),
                    ("database_name", "appdb"),
                    ("object_name", "users"),
                ],
                &["SELECT"],
            ),
            object(
                &[
                    ("object_type", "database"),
                    ("database_name", "appdb"),
                    ("object_name", "appdb"),
                ],
                &["CONNECT"],
            ),
        ]);
        let missing = found
            .iter()
            .find(|(path, _)| path == "object.schema_name")
            .expect("schema_name reported");
        assert!(
            missing
                .1
                .contains(r#"is required for object_type = "table""#),
            "{}",
            missing.1
        );
        assert!(
            missing.1.contains("A table is named by database_name, schema_name, object_name; leave out table_name."),
            "{}",
            missing.1
        );
        let unwanted = found
            .iter()
            .find(|(path, _)| path == "object.database_name")
            .expect("database_name reported");
        assert!(unwanted.1.contains("must be left out"), "{}", unwanted.1);
        assert!(
            unwanted.1.contains("(object_name is the database)"),
            "{}",
            unwanted.1
        );
    }

    #[test]
    fn account_and_unknown_types_are_refused_with_the_list() {
        let found = errors(vec![
            object(&[("object_type", "account"), ("object_name", "app")], &[]),
            object(&[("object_type", "Table"), ("object_name", "x")], &[]),
        ]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found.iter().any(|(_, d)| d.contains("set account_type")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(_, d)| d.contains(r#"did you mean "table"?"#)),
            "{found:?}"
        );
        assert!(found
            .iter()
            .all(|(_, d)| d.contains(r#""database", "schema", "table""#)));
    }

    #[test]
    fn the_same_object_twice_is_refused() {
        let found = errors(vec![users_table(&["SELECT"]), users_table(&["INSERT"])]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .1
            .contains("table appdb.public.users appears in more than one object block"));
    }

    #[test]
    fn unknown_values_are_not_judged() {
        let mut table = users_table(&["SELECT"]);
        if let Value::Object(attrs) = &mut table {
            attrs.insert("schema_name".into(), Value::Unknown);
        }
        assert!(errors(vec![table.clone(), table]).is_empty());
    }

    #[test]
    fn names_follow_the_vendors_rules() {
        assert!(instance_id_rule("postgres-sim00001").is_ok());
        assert!(instance_id_rule("postgres-").is_err());
        assert!(instance_id_rule("cdb-123")
            .unwrap_err()
            .contains("postgres-"));
        for good in ["app", "_etl", "App_2", &"a".repeat(63)] {
            assert!(user_name_rule(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1app",
            "postgres",
            "PG_app",
            "tencentdb_x",
            "a-b",
            &"a".repeat(64),
        ] {
            assert!(user_name_rule(bad).is_err(), "{bad}");
        }
        assert!(object_name_rule("users[1]", false).is_ok());
        assert!(object_name_rule("f(integer,text)", false).is_err());
        assert!(object_name_rule("f(integer,text)", true).is_ok());
        assert!(object_name_rule(&"t".repeat(63), false).is_ok());
        assert!(object_name_rule(&"t".repeat(64), false).is_err());
        let arguments = vec!["integer"; 20].join(",");
        let routine = format!("{}({arguments})", "f".repeat(63));
        assert!(
            object_name_rule(&routine, true).is_ok(),
            "the arguments are not the name"
        );
        let routine = format!("{}({arguments})", "f".repeat(64));
        assert!(object_name_rule(&routine, true).is_err());
        assert!(object_name_rule("f(integer, text)", true).is_err());
        assert!(object_name_rule("app.users", false).is_err());
    }
}
