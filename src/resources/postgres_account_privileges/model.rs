//! The resource's model: one account's privileges on the objects it lists, to and from Terraform values.

use std::collections::{BTreeMap, BTreeSet};

use crate::cloud::tencent::postgres::{AccountType, DatabaseObject, ObjectType};
use crate::framework::attributes::incomplete;
use crate::framework::{Attributes, Diagnostics};
use crate::value::Value;

pub const OBJECT_BLOCK: &str = "object";

/// The privileges the account holds (or should hold) on each listed object.
pub type ObjectPrivileges = BTreeMap<DatabaseObject, BTreeSet<String>>;

/// What the user declares: one account, its type, and its privileges on the objects listed.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPrivileges {
    pub instance_id: String,
    pub user_name: String,
    /// `None` while unknown: planned on create when the configuration leaves it out.
    pub account_type: Option<AccountType>,
    pub revoke_cascade: bool,
    pub objects: ObjectPrivileges,
}

impl AccountPrivileges {
    /// An account with no objects and an unknown type, e.g. from an import ID.
    pub fn new(instance_id: &str, user_name: &str) -> Self {
        AccountPrivileges {
            instance_id: instance_id.to_owned(),
            user_name: user_name.to_owned(),
            account_type: None,
            revoke_cascade: false,
            objects: ObjectPrivileges::new(),
        }
    }

    pub fn id(&self) -> String {
        format!("{}#{}", self.instance_id, self.user_name)
    }

    pub fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let attrs = Attributes::of(value);
        let objects = match value.attr(OBJECT_BLOCK) {
            Some(Value::Set(items)) | Some(Value::List(items)) => items
                .iter()
                .map(object_from_value)
                .collect::<Result<ObjectPrivileges, Diagnostics>>()?,
            _ => ObjectPrivileges::new(),
        };
        Ok(AccountPrivileges {
            instance_id: attrs.string("db_instance_id")?,
            user_name: attrs.string("user_name")?,
            account_type: attrs.optional_string("account_type").map(AccountType::from),
            revoke_cascade: attrs.bool_or("revoke_cascade", false),
            objects,
        })
    }

    /// The resource value, but `timeouts`, which the kit carries. The account type must be known.
    pub fn to_value(&self) -> Value {
        let objects = self
            .objects
            .iter()
            .map(|(object, privileges)| object_to_value(object, privileges))
            .collect();
        let account_type = self
            .account_type
            .as_ref()
            .map_or(Value::Null, |t| Value::string(t.as_str()));
        Value::object([
            ("id", Value::string(self.id())),
            ("db_instance_id", Value::string(&self.instance_id)),
            ("user_name", Value::string(&self.user_name)),
            ("account_type", account_type),
            ("revoke_cascade", Value::Bool(self.revoke_cascade)),
            (OBJECT_BLOCK, Value::Set(objects)),
        ])
    }
}

fn object_from_value(value: &Value) -> Result<(DatabaseObject, BTreeSet<String>), Diagnostics> {
    let attrs = Attributes::of(value);
    let name = |field: &str| attrs.optional_string(field).map(str::to_owned);
    let object_type = attrs
        .optional_string("object_type")
        .and_then(ObjectType::parse)
        .ok_or_else(|| incomplete("an object has no known object_type"))?;
    let object = DatabaseObject {
        database_name: name("database_name"),
        schema_name: name("schema_name"),
        table_name: name("table_name"),
        object_type,
        object_name: name("object_name")
            .ok_or_else(|| incomplete("an object has no known object_name"))?,
    };
    let privileges = attrs
        .elements("privileges")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Ok((object, privileges))
}

fn object_to_value(object: &DatabaseObject, privileges: &BTreeSet<String>) -> Value {
    Value::object([
        ("object_type", Value::string(object.object_type.as_str())),
        (
            "database_name",
            Value::optional_string(object.database_name.as_deref()),
        ),
        (
            "schema_name",
            Value::optional_string(object.schema_name.as_deref()),
        ),
        (
            "table_name",
            Value::optional_string(object.table_name.as_deref()),
        ),
        ("object_name", Value::string(&object.object_name)),
        (
            "privileges",
            Value::Set(privileges.iter().map(Value::string).collect()),
        ),
    ])
}

/// The privileges PostgreSQL knows for each object type (docs/architecture.md, "Tencent PostgreSQL"), as the API spells them.
pub fn privileges_of(object_type: ObjectType) -> &'static [&'static str] {
    match object_type {
        ObjectType::Database => &["CREATE", "CONNECT", "TEMPORARY"],
        ObjectType::Schema => &["CREATE", "USAGE"],
        ObjectType::Table | ObjectType::View | ObjectType::Matview => &[
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        ],
        ObjectType::Sequence => &["USAGE", "SELECT", "UPDATE"],
        ObjectType::Function | ObjectType::Procedure => &["EXECUTE"],
        ObjectType::Type => &["USAGE"],
        ObjectType::Column => &["SELECT", "INSERT", "UPDATE", "REFERENCES"],
        ObjectType::Account => &[],
    }
}

/// The object's names joined by dots, outermost first: `appdb.public.users`.
pub fn dotted_name(object: &DatabaseObject) -> String {
    [
        object.database_name.as_deref(),
        object.schema_name.as_deref(),
        object.table_name.as_deref(),
        Some(object.object_name.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(".")
}

/// The object as messages name it: `table appdb.public.users`.
pub fn describe(object: &DatabaseObject) -> String {
    format!("{} {}", object.object_type, dotted_name(object))
}

/// Which name fields identify an object of a type besides `object_name` (docs/architecture.md, "Tencent PostgreSQL"); the
/// others are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameFields {
    pub database: bool,
    pub schema: bool,
    pub table: bool,
}

pub fn name_fields(object_type: ObjectType) -> NameFields {
    let (database, schema, table) = match object_type {
        ObjectType::Account | ObjectType::Database => (false, false, false),
        ObjectType::Schema => (true, false, false),
        ObjectType::Column => (true, true, true),
        ObjectType::Sequence
        | ObjectType::Procedure
        | ObjectType::Type
        | ObjectType::Function
        | ObjectType::Table
        | ObjectType::View
        | ObjectType::Matview => (true, true, false),
    };
    NameFields {
        database,
        schema,
        table,
    }
}

/// Privileges as read from the cloud, in the form the configuration uses: upper case, each once,
/// `ALL` (or `ALL PRIVILEGES`) spelled out as every privilege of the object's type, and
/// `TEMP` as `TEMPORARY`.
pub fn normalize_privileges<'a>(
    object_type: ObjectType,
    privileges: impl IntoIterator<Item = &'a String>,
) -> BTreeSet<String> {
    let mut normalized = BTreeSet::new();
    for privilege in privileges {
        let privilege = privilege.trim().to_ascii_uppercase();
        match privilege.as_str() {
            "ALL" | "ALL PRIVILEGES" => {
                normalized.extend(privileges_of(object_type).iter().map(|p| (*p).to_owned()))
            }
            "TEMP" => {
                normalized.insert("TEMPORARY".to_owned());
            }
            "" => {}
            _ => {
                normalized.insert(privilege);
            }
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> DatabaseObject {
        DatabaseObject {
            database_name: Some("appdb".into()),
            schema_name: Some("public".into()),
            table_name: None,
            object_type: ObjectType::Table,
            object_name: name.into(),
        }
    }

    fn set(privileges: &[&str]) -> BTreeSet<String> {
        privileges.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn values_round_trip_with_absent_name_fields_as_null() {
        let mut account = AccountPrivileges::new("postgres-abc", "app");
        account.account_type = Some(AccountType::Normal);
        account
            .objects
            .insert(table("users"), set(&["SELECT", "INSERT"]));
        account.objects.insert(
            DatabaseObject {
                database_name: None,
                schema_name: None,
                table_name: None,
                object_type: ObjectType::Database,
                object_name: "appdb".into(),
            },
            set(&[]),
        );
        let value = account.to_value();
        assert_eq!(value.attr("id"), Some(&Value::string("postgres-abc#app")));
        let database = value
            .attr(OBJECT_BLOCK)
            .and_then(Value::elements)
            .and_then(|objects| objects.first())
            .expect("the database sorts first");
        assert_eq!(database.attr("schema_name"), Some(&Value::Null));
        assert_eq!(database.attr("privileges"), Some(&Value::Set(vec![])));
        assert_eq!(AccountPrivileges::from_value(&value), Ok(account));
    }

    #[test]
    fn an_unknown_account_type_reads_as_none() {
        let mut value = AccountPrivileges::new("postgres-abc", "app").to_value();
        if let Value::Object(attrs) = &mut value {
            attrs.insert("account_type".into(), Value::Unknown);
        }
        let account = AccountPrivileges::from_value(&value).expect("model");
        assert_eq!(account.account_type, None);
    }

    #[test]
    fn privileges_read_from_the_cloud_are_normalized() {
        let read = |p: &[&str]| p.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            normalize_privileges(ObjectType::Table, &read(&["select", "SELECT", " insert "])),
            set(&["INSERT", "SELECT"])
        );
        assert_eq!(
            normalize_privileges(ObjectType::Database, &read(&["ALL PRIVILEGES"])),
            set(&["CONNECT", "CREATE", "TEMPORARY"])
        );
        assert_eq!(
            normalize_privileges(ObjectType::Database, &read(&["temp", "connect"])),
            set(&["CONNECT", "TEMPORARY"])
        );
        assert_eq!(
            normalize_privileges(ObjectType::Function, &read(&["all"])),
            set(&["EXECUTE"])
        );
    }
}
