//! The fixture of TencentDB for PostgreSQL: instances, their objects and accounts.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::privileges::{ObjectProblem, PostgresAccountType, PostgresObject, PostgresObjectType};
use crate::fixture::checks::{not_empty, unique, FixtureError};
use crate::fixture::common::{default_tencent_region, Table};

/// A TencentDB for PostgreSQL instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresInstance {
    pub instance_id: String,
    #[serde(default = "default_tencent_region")]
    pub region: String,
    /// Each account is a name (`"app"`, a normal account holding nothing) or an object.
    #[serde(default)]
    pub accounts: Vec<PostgresAccount>,
    #[serde(default)]
    pub databases: Vec<PostgresDatabase>,
}

impl PostgresSchema {
    /// The names of the schema's objects of a type it keeps as a plain list.
    fn objects_of(&self, object_type: PostgresObjectType) -> Option<&Vec<String>> {
        use PostgresObjectType as T;
        match object_type {
            T::View => Some(&self.views),
            T::Matview => Some(&self.matviews),
            T::Sequence => Some(&self.sequences),
            T::Function => Some(&self.functions),
            T::Procedure => Some(&self.procedures),
            T::Type => Some(&self.types),
            _ => None,
        }
    }

    fn objects_of_mut(&mut self, object_type: PostgresObjectType) -> Option<&mut Vec<String>> {
        use PostgresObjectType as T;
        match object_type {
            T::View => Some(&mut self.views),
            T::Matview => Some(&mut self.matviews),
            T::Sequence => Some(&mut self.sequences),
            T::Function => Some(&mut self.functions),
            T::Procedure => Some(&mut self.procedures),
            T::Type => Some(&mut self.types),
            _ => None,
        }
    }
}

impl PostgresInstance {
    /// Whether the instance has `object`.
    pub fn has_object(&self, object: &PostgresObject) -> bool {
        use PostgresObjectType as T;
        if object.object_type == T::Account {
            return self.accounts.iter().any(|a| a.name == object.object_name);
        }
        let name = object.object_name.as_str();
        let database_name = match object.object_type {
            T::Database => name,
            _ => object.database_name.as_str(),
        };
        let Some(database) = self.databases.iter().find(|d| d.name == database_name) else {
            return false;
        };
        if object.object_type == T::Database {
            return true;
        }
        let schema_name = match object.object_type {
            T::Schema => name,
            _ => object.schema_name.as_str(),
        };
        let Some(schema) = database.schemas.iter().find(|s| s.name == schema_name) else {
            return false;
        };
        let has = |names: &[String]| names.iter().any(|n| n == name);
        match object.object_type {
            T::Schema => true,
            T::Table => schema.tables.iter().any(|t| t.name == name),
            T::Column => schema
                .tables
                .iter()
                .find(|t| t.name == object.table_name)
                .is_some_and(|t| has(&t.columns)),
            other => schema.objects_of(other).is_some_and(|names| has(names)),
        }
    }

    /// Removes `object` (and what is in it); `false` if it was not there.
    pub fn remove_object(&mut self, object: &PostgresObject) -> bool {
        use PostgresObjectType as T;
        if !self.has_object(object) {
            return false;
        }
        let name = object.object_name.as_str();
        match object.object_type {
            T::Account => self.accounts.retain(|a| a.name != name),
            T::Database => self.databases.retain(|d| d.name != name),
            _ => {
                let Some(database) = self
                    .databases
                    .iter_mut()
                    .find(|d| d.name == object.database_name)
                else {
                    return false;
                };
                if object.object_type == T::Schema {
                    database.schemas.retain(|s| s.name != name);
                    return true;
                }
                let Some(schema) = database
                    .schemas
                    .iter_mut()
                    .find(|s| s.name == object.schema_name)
                else {
                    return false;
                };
                match object.object_type {
                    T::Table => schema.tables.retain(|t| t.name != name),
                    T::Column => {
                        if let Some(table) = schema
                            .tables
                            .iter_mut()
                            .find(|t| t.name == object.table_name)
                        {
                            table.columns.retain(|c| c != name);
                        }
                    }
                    other => {
                        if let Some(names) = schema.objects_of_mut(other) {
                            names.retain(|n| n != name);
                        }
                    }
                }
            }
        }
        true
    }
}

/// A PostgreSQL account: its type, remark, and the privileges it holds on objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostgresAccount {
    pub name: String,
    #[serde(rename = "type")]
    pub account_type: PostgresAccountType,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remark: String,
    /// The password to log in with when the sim runs on a real server (`--postgres`); the
    /// role cannot log in there without one. Never part of a snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub privileges: Vec<PostgresGrant>,
}

impl PostgresAccount {
    /// A normal account holding nothing, as `"accounts": ["app"]` declares it.
    pub fn named(name: &str) -> PostgresAccount {
        PostgresAccount {
            name: name.to_owned(),
            account_type: PostgresAccountType::Normal,
            remark: String::new(),
            password: None,
            privileges: Vec::new(),
        }
    }
}

/// The object form of a PostgreSQL account in a fixture.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostgresAccountFields {
    name: String,
    #[serde(rename = "type", default)]
    account_type: PostgresAccountType,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    privileges: Vec<PostgresGrant>,
}

impl<'de> Deserialize<'de> for PostgresAccount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AccountVisitor;

        impl<'de> Visitor<'de> for AccountVisitor {
            type Value = PostgresAccount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an account name or {\"name\", \"type\", \"remark\", \"password\", \"privileges\"}")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<PostgresAccount, E> {
                Ok(PostgresAccount::named(name))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PostgresAccount, A::Error> {
                let fields =
                    PostgresAccountFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(PostgresAccount {
                    name: fields.name,
                    account_type: fields.account_type,
                    remark: fields.remark,
                    password: fields.password,
                    privileges: fields.privileges,
                })
            }
        }

        deserializer.deserialize_any(AccountVisitor)
    }
}

/// Privileges an account holds on one object; name fields as the API's `DatabaseObject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresGrant {
    pub object_type: PostgresObjectType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub database_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub table_name: String,
    pub object_name: String,
    pub privileges: Vec<String>,
}

impl PostgresGrant {
    /// The object the grant is on.
    pub fn object(&self) -> Result<PostgresObject, ObjectProblem> {
        PostgresObject::new(
            self.object_type,
            &self.object_name,
            &self.database_name,
            &self.schema_name,
            &self.table_name,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresDatabase {
    pub name: String,
    #[serde(default)]
    pub schemas: Vec<PostgresSchema>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSchema {
    pub name: String,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub views: Vec<String>,
    #[serde(default)]
    pub sequences: Vec<String>,
    /// Function names, possibly with their argument types: `f(integer,text)`.
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub matviews: Vec<String>,
    /// Procedure names, possibly with their argument types.
    #[serde(default)]
    pub procedures: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
}

/// Each grant is on an object of the instance and names privileges its type takes.
fn validate_postgres_privileges(instance: &PostgresInstance) -> Result<(), FixtureError> {
    for account in &instance.accounts {
        let refuse = |detail: String| FixtureError::Privileges {
            service: "postgres",
            instance: instance.instance_id.clone(),
            account: account.name.clone(),
            detail,
        };
        not_empty(
            "account name",
            &account.name,
            &format!(" in postgres instance `{}`", instance.instance_id),
        )?;
        for grant in &account.privileges {
            if grant.object_type == PostgresObjectType::Account {
                return Err(refuse(
                    "an account's type is its `type`, not a privilege on an `account` object"
                        .to_owned(),
                ));
            }
            let object = grant.object().map_err(|problem| {
                refuse(match problem {
                    ObjectProblem::Missing(field) => format!(
                        "a privilege on a {} needs `{}`",
                        grant.object_type,
                        field.snake_name()
                    ),
                    ObjectProblem::BadName { field, name } => {
                        format!("`{}` \"{name}\" is not a valid name", field.snake_name())
                    }
                })
            })?;
            if !instance.has_object(&object) {
                return Err(refuse(format!(
                    "it holds privileges on {object}, which the instance does not have"
                )));
            }
            let allowed = grant.object_type.privileges();
            if let Some(bad) = grant
                .privileges
                .iter()
                .find(|p| !allowed.contains(&p.as_str()))
            {
                return Err(refuse(format!(
                    "\"{bad}\" is not a privilege of a {}; it takes {}",
                    grant.object_type,
                    allowed.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// Each instance ID is unique and each instance is consistent.
pub(crate) fn validate_instances(instances: &[PostgresInstance]) -> Result<(), FixtureError> {
    unique(
        "postgres instance",
        instances.iter().map(|i| i.instance_id.as_str()),
        "",
    )?;
    for instance in instances {
        let within = format!(" in postgres instance `{}`", instance.instance_id);
        not_empty("postgres instance_id", &instance.instance_id, "")?;
        unique(
            "account",
            instance.accounts.iter().map(|a| a.name.as_str()),
            &within,
        )?;
        unique(
            "database",
            instance.databases.iter().map(|d| d.name.as_str()),
            &within,
        )?;
        validate_postgres_privileges(instance)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Fixture;

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
    fn postgres_objects_exist_and_are_removed() {
        use PostgresObjectType as T;
        let mut instance = Fixture::builtin().tencentcloud.postgres[0].clone();
        let column = object(T::Column, "email", "appdb", "public", "users");
        assert!(instance.has_object(&column));
        assert!(!instance.has_object(&object(T::View, "users", "appdb", "public", "")));
        assert!(instance.remove_object(&column));
        assert!(!instance.has_object(&column));
        assert!(!instance.remove_object(&column));
        assert!(instance.has_object(&object(T::Table, "users", "appdb", "public", "")));
    }
}
