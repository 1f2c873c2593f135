//! TencentDB for PostgreSQL objects and privileges: object types, the privileges each takes, and
//! the vendor's rules on account and object names.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// `ObjectType` of a `DatabaseObject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostgresObjectType {
    Account,
    Database,
    Schema,
    Sequence,
    Procedure,
    Type,
    Function,
    Table,
    View,
    Matview,
    Column,
}

impl PostgresObjectType {
    pub const ALL: [PostgresObjectType; 11] = [
        Self::Account,
        Self::Database,
        Self::Schema,
        Self::Sequence,
        Self::Procedure,
        Self::Type,
        Self::Function,
        Self::Table,
        Self::View,
        Self::Matview,
        Self::Column,
    ];

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Database => "database",
            Self::Schema => "schema",
            Self::Sequence => "sequence",
            Self::Procedure => "procedure",
            Self::Type => "type",
            Self::Function => "function",
            Self::Table => "table",
            Self::View => "view",
            Self::Matview => "matview",
            Self::Column => "column",
        }
    }

    /// Reads the API's name, exactly as the API spells it.
    pub fn from_api(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The privileges objects of this type take (PostgreSQL's own rules); an account takes
    /// none: its "privilege" is its type, changed by `alterRole`.
    pub fn privileges(self) -> &'static [&'static str] {
        match self {
            Self::Account => &[],
            Self::Database => &["CREATE", "CONNECT", "TEMPORARY"],
            Self::Schema => &["CREATE", "USAGE"],
            Self::Table | Self::View | Self::Matview => &[
                "SELECT",
                "INSERT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
            ],
            Self::Sequence => &["USAGE", "SELECT", "UPDATE"],
            Self::Function | Self::Procedure => &["EXECUTE"],
            Self::Type => &["USAGE"],
            Self::Column => &["SELECT", "INSERT", "UPDATE", "REFERENCES"],
        }
    }

    /// Whether `DatabaseName` is required (every type but `database` and `account`).
    pub fn needs_database(self) -> bool {
        !matches!(self, Self::Database | Self::Account)
    }

    /// Whether `SchemaName` is required (every type but `database`, `schema` and `account`).
    pub fn needs_schema(self) -> bool {
        !matches!(self, Self::Database | Self::Schema | Self::Account)
    }

    /// Whether `TableName` is required (`column` only).
    pub fn needs_table(self) -> bool {
        self == Self::Column
    }

    /// Functions and procedures may be named with their argument types: `f(integer,text)`.
    pub fn takes_signature(self) -> bool {
        matches!(self, Self::Function | Self::Procedure)
    }
}

impl fmt::Display for PostgresObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `account`, or `normal` / `tencentDBSuper`: the type of a PostgreSQL account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostgresAccountType {
    #[default]
    #[serde(rename = "normal")]
    Normal,
    #[serde(rename = "tencentDBSuper")]
    TencentDbSuper,
}

impl PostgresAccountType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::TencentDbSuper => "tencentDBSuper",
        }
    }

    /// Reads the API's name, exactly as the API spells it.
    pub fn from_api(name: &str) -> Option<Self> {
        [Self::Normal, Self::TencentDbSuper]
            .into_iter()
            .find(|t| t.as_str() == name)
    }
}

/// A database object with its name fields; the fields its type does not use are empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostgresObject {
    pub object_type: PostgresObjectType,
    pub database_name: String,
    pub schema_name: String,
    pub table_name: String,
    pub object_name: String,
}

/// A name field of a `DatabaseObject`, named as the API names it.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectField {
    ObjectName,
    DatabaseName,
    SchemaName,
    TableName,
}

impl ObjectField {
    /// The API's spelling.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::ObjectName => "ObjectName",
            Self::DatabaseName => "DatabaseName",
            Self::SchemaName => "SchemaName",
            Self::TableName => "TableName",
        }
    }

    /// The fixture's and admin API's spelling.
    pub fn snake_name(self) -> &'static str {
        match self {
            Self::ObjectName => "object_name",
            Self::DatabaseName => "database_name",
            Self::SchemaName => "schema_name",
            Self::TableName => "table_name",
        }
    }
}

/// Why the name fields do not make an object of their type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectProblem {
    /// A field the type requires is empty or absent.
    Missing(ObjectField),
    /// A name breaks the vendor's rule on object names.
    BadName { field: ObjectField, name: String },
}

impl PostgresObject {
    /// The object named by the fields, with the ones its type does not use dropped; the
    /// required ones must be there and every name must follow the vendor's rule.
    pub fn new(
        object_type: PostgresObjectType,
        object_name: &str,
        database_name: &str,
        schema_name: &str,
        table_name: &str,
    ) -> Result<PostgresObject, ObjectProblem> {
        let required = [
            (ObjectField::ObjectName, object_name, true),
            (
                ObjectField::DatabaseName,
                database_name,
                object_type.needs_database(),
            ),
            (
                ObjectField::SchemaName,
                schema_name,
                object_type.needs_schema(),
            ),
            (
                ObjectField::TableName,
                table_name,
                object_type.needs_table(),
            ),
        ];
        for (field, value, needed) in required {
            if needed && value.is_empty() {
                return Err(ObjectProblem::Missing(field));
            }
        }
        // An account's name follows the account rules, checked by the caller.
        if object_type != PostgresObjectType::Account {
            for (field, value, needed) in required {
                let signature = field == ObjectField::ObjectName && object_type.takes_signature();
                if needed && !valid_object_name(value, signature) {
                    return Err(ObjectProblem::BadName {
                        field,
                        name: value.to_owned(),
                    });
                }
            }
        }
        let used = |value: &str, needed: bool| {
            if needed {
                value.to_owned()
            } else {
                String::new()
            }
        };
        Ok(PostgresObject {
            object_type,
            object_name: object_name.to_owned(),
            database_name: used(database_name, object_type.needs_database()),
            schema_name: used(schema_name, object_type.needs_schema()),
            table_name: used(table_name, object_type.needs_table()),
        })
    }

    /// Whether dropping `container` drops this object too (an object is within itself).
    pub fn is_within(&self, container: &PostgresObject) -> bool {
        use PostgresObjectType as T;
        if self == container {
            return true;
        }
        match container.object_type {
            T::Database => {
                self.object_type != T::Account && self.database_name == container.object_name
            }
            T::Schema => {
                self.object_type.needs_schema()
                    && self.database_name == container.database_name
                    && self.schema_name == container.object_name
            }
            T::Table | T::View | T::Matview => {
                self.object_type == T::Column
                    && self.database_name == container.database_name
                    && self.schema_name == container.schema_name
                    && self.table_name == container.object_name
            }
            _ => false,
        }
    }
}

/// `table "users" in schema "public" of database "appdb"`: how messages name an object.
impl fmt::Display for PostgresObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PostgresObjectType as T;
        write!(f, "{} \"{}\"", self.object_type, self.object_name)?;
        if self.object_type == T::Column {
            write!(f, " of table \"{}\"", self.table_name)?;
        }
        if self.object_type.needs_schema() {
            write!(f, " in schema \"{}\"", self.schema_name)?;
        }
        if self.object_type.needs_database() {
            write!(f, " of database \"{}\"", self.database_name)?;
        }
        Ok(())
    }
}

/// An account's privileges, by object.
pub type PostgresPrivileges = BTreeMap<PostgresObject, BTreeSet<String>>;

/// One change of a ModifyAccountPrivileges call to an account's object privileges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostgresChange {
    /// `grantObject`: what is held already stays held.
    Grant {
        object: PostgresObject,
        privileges: BTreeSet<String>,
    },
    /// `revokeObject`: what is not held is ignored. `cascade` is `IsCascade`, kept for the
    /// record: the sim has no grant chains for it to follow.
    Revoke {
        object: PostgresObject,
        privileges: BTreeSet<String>,
        cascade: bool,
    },
}

impl PostgresChange {
    /// Applies the change to what an account holds.
    pub fn apply_to(&self, held: &mut PostgresPrivileges) {
        match self {
            Self::Grant { object, privileges } => {
                held.entry(object.clone())
                    .or_default()
                    .extend(privileges.iter().cloned());
            }
            Self::Revoke {
                object, privileges, ..
            } => {
                if let Some(set) = held.get_mut(object) {
                    set.retain(|p| !privileges.contains(p));
                    if set.is_empty() {
                        held.remove(object);
                    }
                }
            }
        }
    }
}

/// The vendor's account name rule (`InvalidAccountNameFormatError`): letters, digits and
/// underscores, starting with a letter or an underscore, at most 63 characters, not
/// `postgres`, not starting with `pg_` or `tencentdb_` (case-insensitive).
pub fn valid_account_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
        && lower != "postgres"
        && !lower.starts_with("pg_")
        && !lower.starts_with("tencentdb_")
}

/// The vendor's object name rule (`InvalidDatabaseObjectName`): English letters, digits,
/// underscores and `[]`; functions and procedures also `(`, `)` and `,`.
pub fn valid_object_name(name: &str, signature: bool) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '[' | ']')
                || (signature && matches!(c, '(' | ')' | ','))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(
        t: PostgresObjectType,
        name: &str,
        db: &str,
        schema: &str,
        table: &str,
    ) -> PostgresObject {
        PostgresObject::new(t, name, db, schema, table).expect("object")
    }

    #[test]
    fn required_fields_depend_on_the_type() {
        use PostgresObjectType as T;
        assert_eq!(
            PostgresObject::new(T::Table, "users", "appdb", "", ""),
            Err(ObjectProblem::Missing(ObjectField::SchemaName))
        );
        assert_eq!(
            PostgresObject::new(T::Column, "id", "appdb", "public", ""),
            Err(ObjectProblem::Missing(ObjectField::TableName))
        );
        // Fields a type does not use are dropped.
        let schema = object(T::Schema, "public", "appdb", "ignored", "ignored");
        assert_eq!(schema.schema_name, "");
        assert_eq!(schema.table_name, "");
        assert_eq!(object(T::Database, "appdb", "x", "", "").database_name, "");
    }

    #[test]
    fn names_follow_the_vendors_rules() {
        assert!(valid_object_name("users_2024", false));
        assert!(valid_object_name("arr[1]", false));
        assert!(!valid_object_name("f(integer)", false));
        assert!(valid_object_name("f(integer,text)", true));
        assert!(!valid_object_name("f(integer, text)", true));
        assert!(!valid_object_name("my-table", false));
        assert!(valid_account_name("_app1"));
        assert!(!valid_account_name("1app"));
        assert!(!valid_account_name("Postgres"));
        assert!(!valid_account_name("PG_reader"));
        assert!(!valid_account_name("tencentdb_x"));
        assert!(!valid_account_name(&"a".repeat(64)));
    }

    #[test]
    fn containment_follows_the_hierarchy() {
        use PostgresObjectType as T;
        let db = object(T::Database, "appdb", "", "", "");
        let schema = object(T::Schema, "public", "appdb", "", "");
        let table = object(T::Table, "users", "appdb", "public", "");
        let column = object(T::Column, "id", "appdb", "public", "users");
        let other = object(T::Table, "users", "otherdb", "public", "");
        assert!(column.is_within(&table) && column.is_within(&schema) && column.is_within(&db));
        assert!(table.is_within(&schema) && schema.is_within(&db));
        assert!(!other.is_within(&db) && !table.is_within(&column));
    }

    #[test]
    fn messages_name_the_whole_object() {
        use PostgresObjectType as T;
        assert_eq!(
            object(T::Column, "id", "appdb", "public", "users").to_string(),
            "column \"id\" of table \"users\" in schema \"public\" of database \"appdb\""
        );
        assert_eq!(
            object(T::Schema, "public", "appdb", "", "").to_string(),
            "schema \"public\" of database \"appdb\""
        );
    }
}
