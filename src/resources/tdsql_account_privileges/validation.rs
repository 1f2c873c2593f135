//! The schema and its name rules: the account's own attributes, then TDSQL's privilege levels
//! from the MySQL family's table.

use crate::framework::{Block, Diagnostics};
use crate::resources::mysql_family::account::{user_rule, AccountIds};
use crate::resources::mysql_family::levels::TDSQL;
use crate::resources::mysql_family::schema::{account_block, check_levels};
use crate::value::Value;

pub const TYPE_NAME: &str = "clouddb_tdsql_account_privileges";

pub fn instance_id_rule(id: &str) -> Result<(), String> {
    crate::resources::messages::prefixed_id(id, "tdsql-", "a TDSQL instance ID")
}

/// The instance's own super user, which TDSQL lets no call change
/// (`InvalidParameterValue.SuperUserForbidden`).
const SUPER_USER: &str = "tdsql";

/// A MySQL user name, and not the instance's super user: refused before any call, so that it
/// neither fails at apply nor fails the identical changes merged into one call with it.
pub fn tdsql_user_rule(user: &str) -> Result<(), String> {
    user_rule(user)?;
    if user == SUPER_USER {
        return Err(format!("\"{SUPER_USER}\" is the instance's super user, whose privileges TDSQL lets no call change"));
    }
    Ok(())
}

/// How this resource's accounts are identified in import IDs.
pub const ACCOUNT_IDS: AccountIds = AccountIds {
    type_name: TYPE_NAME,
    instance_rule: instance_id_rule,
    user_rule: tdsql_user_rule,
    example_instance: "tdsql-fdpjf5zh",
};

/// The checks that span attributes: each level's blocks and map.
pub fn check_every_scope(config: &Value, diags: &mut Diagnostics) {
    check_levels(&TDSQL, config, diags);
}

pub fn block() -> Block {
    account_block(
        "Every privilege of one account of a TDSQL for MySQL instance: global, and on databases, tables, columns, views, functions and procedures. Authoritative: whatever the account holds beyond this resource is revoked, and destroying the resource revokes everything.",
        "ID of the TDSQL instance, e.g. `tdsql-fdpjf5zh`.",
        &ACCOUNT_IDS,
        &TDSQL,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::mysql_family::account::parse_account_id;

    #[test]
    fn the_super_user_is_refused_by_name_and_in_import_ids() {
        assert!(tdsql_user_rule("app").is_ok());
        assert!(tdsql_user_rule("tdsql_app").is_ok());
        let reason = tdsql_user_rule("tdsql").expect_err("the super user");
        assert!(reason.contains("super user"), "{reason}");
        assert!(
            tdsql_user_rule("a#b").is_err(),
            "the MySQL rule still holds"
        );
        let text = parse_account_id("tdsql-abc123#tdsql#%", &ACCOUNT_IDS)
            .expect_err("import of the super user")
            .to_string();
        assert!(text.contains("the user \"tdsql\" is not valid"), "{text}");
    }
}
