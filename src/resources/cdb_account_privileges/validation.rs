//! The schema and its name rules: the account's own attributes here, the privilege levels from
//! the MySQL family's table.

use crate::framework::{Block, Diagnostics};
use crate::resources::mysql_family::account::{user_rule, AccountIds};
use crate::resources::mysql_family::levels::CDB;
use crate::resources::mysql_family::schema::{account_block, check_levels};
use crate::value::Value;

pub const TYPE_NAME: &str = "clouddb_cdb_account_privileges";
pub fn instance_id_rule(id: &str) -> Result<(), String> {
    crate::resources::messages::prefixed_id(id, "cdb-", "a CDB instance ID")
}

/// How this resource's accounts are identified in import IDs.
pub const ACCOUNT_IDS: AccountIds = AccountIds {
    type_name: TYPE_NAME,
    instance_rule: instance_id_rule,
    user_rule,
    example_instance: "cdb-c1nl9rpv",
};

/// The checks that span attributes: each level's blocks and map.
pub fn check_every_scope(config: &Value, diags: &mut Diagnostics) {
    check_levels(&CDB, config, diags);
}

/// The schema's attributes and blocks: the account's own, then the privilege levels.
pub fn block() -> Block {
    account_block(
        "Every privilege of one account of a TencentDB for MySQL (CDB) instance. Authoritative: whatever the account holds beyond this resource is revoked, and destroying the resource revokes everything.",
        "ID of the CDB instance, e.g. `cdb-c1nl9rpv`.",
        &ACCOUNT_IDS,
        &CDB,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Severity;
    use crate::resources::cdb_account_privileges::test_values::{
        column_block, config, database_block, sample, string_values, table_block,
    };
    use crate::resources::mysql_family::schema::object_name_rule;
    use crate::value::AttributePath;

    fn errors_of(config: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        check_every_scope(config, &mut diags);
        diags.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn empty_and_duplicate_scopes_are_refused() {
        let value = config(
            vec![
                database_block("shop", &["SELECT"]),
                database_block("shop", &["INSERT"]),
                database_block("logs", &[]),
            ],
            vec![
                table_block("shop", "orders", &["SELECT"]),
                table_block("shop", "orders", &["UPDATE"]),
                table_block("shop", "users", &["UPDATE"]),
            ],
            vec![],
        );
        let errors = errors_of(&value);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors
            .iter()
            .any(|e| e.contains("database block for logs has no privileges")
                && e.contains("Remove the block instead")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("2 database blocks name shop.")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("2 table blocks name shop.orders.")));
        assert!(errors_of(&sample()).is_empty());
    }

    #[test]
    fn unknown_scopes_are_checked_later() {
        let unknown_name = Value::object([
            ("database", Value::Unknown),
            ("privileges", string_values(&["SELECT"])),
        ]);
        let value = config(
            vec![
                unknown_name.clone(),
                unknown_name,
                database_block("shop", &["SELECT"]),
            ],
            vec![],
            vec![],
        );
        assert!(errors_of(&value).is_empty());
    }

    #[test]
    fn each_level_allows_only_its_own_privileges() {
        let block = block();
        let value = config(
            vec![database_block("shop", &["PROCESS"])],
            vec![table_block("shop", "orders", &["select"])],
            vec![column_block("shop", "orders", "total", &["DELETE"])],
        );
        let mut diags = Diagnostics::new();
        crate::framework::validate::validate_config(
            &block,
            &value,
            &AttributePath::root(),
            &mut diags,
        );
        let details: Vec<(String, String)> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                (
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.detail.clone(),
                )
            })
            .collect();
        assert_eq!(details.len(), 3, "{details:#?}");
        assert!(details
            .iter()
            .any(|(path, detail)| path.starts_with("database.privileges")
                && detail.contains("\"PROCESS\", which is not allowed")
                && detail.contains("\"CREATE TEMPORARY TABLES\"")));
        assert!(details
            .iter()
            .any(|(_, detail)| detail.contains("did you mean \"SELECT\"")));
        assert!(details
            .iter()
            .any(|(path, detail)| path.starts_with("column.privileges")
                && detail
                    .contains(r#"Allowed values: "SELECT", "INSERT", "UPDATE", "REFERENCES"."#)));
    }

    #[test]
    fn maps_name_valid_scopes_with_privileges() {
        let map = |entries: Vec<(&str, Value)>| {
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        };
        let with_tables = |tables: Value| {
            let mut value = sample();
            if let Value::Object(attrs) = &mut value {
                attrs.insert("table".into(), Value::Set(vec![]));
                attrs.insert("table_privileges".into(), tables);
            }
            value
        };
        assert!(
            errors_of(&with_tables(map(vec![]))).is_empty(),
            "an empty map grants nothing"
        );
        let unknown_element = map(vec![(
            "shop",
            map(vec![("orders", Value::Set(vec![Value::Unknown]))]),
        )]);
        assert!(errors_of(&with_tables(unknown_element)).is_empty());
        let errors = errors_of(&with_tables(map(vec![
            ("logs", map(vec![])),
            ("shop", map(vec![("orders", Value::Set(vec![]))])),
        ])));
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors
            .iter()
            .any(|e| e.starts_with("table_privileges[\"logs\"] names no table.")));
        assert!(errors
            .iter()
            .any(|e| e.starts_with("table_privileges[\"shop\"][\"orders\"] is empty.")));
    }

    #[test]
    fn name_rules_explain_themselves() {
        assert!(instance_id_rule("cdb-c1nl9rpv").is_ok());
        assert!(instance_id_rule("cdb-").is_err());
        assert!(instance_id_rule("CDB-abc").unwrap_err().contains("cdb-"));
        assert!(object_name_rule("orders").is_ok());
        assert!(object_name_rule(&"t".repeat(65)).is_err());
        assert!(object_name_rule("order items").is_ok());
        for bad in ["sh\u{7}op", "shop\nx", "shop ", "a`b", ""] {
            assert!(object_name_rule(bad).is_err(), "{bad:?}");
        }
    }
}
