//! The schema and its name rules: the account's own attributes, then TDSQL's privilege levels
//! from the MySQL family's table.

use crate::framework::{Block, Diagnostics};
use crate::resources::mysql_family::account::AccountIds;
use crate::resources::mysql_family::levels::TDSQL;
use crate::resources::mysql_family::schema::{account_block, check_levels, InstanceAttribute};
use crate::value::Value;

pub const TYPE_NAME: &str = "clouddb_tdsql_account_privileges";

pub fn instance_id_rule(id: &str) -> Result<(), String> {
    crate::resources::messages::prefixed_id(id, "tdsql-", "a TDSQL instance ID")
}

/// How this resource's accounts are identified in import IDs.
pub const ACCOUNT_IDS: AccountIds = AccountIds {
    type_name: TYPE_NAME,
    instance_rule: instance_id_rule,
    example_instance: "tdsql-fdpjf5zh",
};

/// The checks that span attributes: each level's blocks and map.
pub fn check_every_scope(config: &Value, diags: &mut Diagnostics) {
    check_levels(&TDSQL, config, diags);
}

pub fn block() -> Block {
    account_block(
        "Every privilege of one account of a TDSQL for MySQL instance: global, and on databases, tables, columns, views, functions and procedures. Authoritative: whatever the account holds beyond this resource is revoked, and destroying the resource revokes everything.",
        InstanceAttribute {
            description: "ID of the TDSQL instance, e.g. `tdsql-fdpjf5zh`.",
            rule: instance_id_rule,
        },
        &TDSQL,
    )
}
