//! `moved` from the official Alibaba Cloud provider's `alicloud_polardb_account_privilege`, one
//! resource per account and privilege (ID `<cluster>:<account>:<privilege>`) holding the
//! `db_names` granted that privilege. One of them moves; the others of the same account are
//! forgotten with `removed` blocks, and the refresh after the move reads every database the
//! account holds (see docs/guides/migrating_from_alicloud.md).

use crate::framework::{MoveSource, MovedState, Unmappable};

use super::{AccountGrant, PRIVILEGES};

pub const MOVES_FROM: &[MoveSource] = &[MoveSource {
    type_name: "alicloud_polardb_account_privilege",
    max_schema_version: 0,
}];

/// The source's default when `account_privilege` is not set.
const SOURCE_DEFAULT_PRIVILEGE: &str = "ReadOnly";

pub fn moved_account(source: &MovedState) -> Result<AccountGrant, Unmappable> {
    let state = source.object();
    let privilege = state
        .optional_string("account_privilege")?
        .unwrap_or(SOURCE_DEFAULT_PRIVILEGE);
    if !PRIVILEGES.contains(&privilege) {
        return Err(Unmappable {
            path: "account_privilege".into(),
            problem: format!(
                "is {privilege:?}, which is not one of {}",
                PRIVILEGES.join(", ")
            ),
        });
    }
    Ok(AccountGrant {
        cluster_id: state.string("db_cluster_id")?.to_owned(),
        account_name: state.string("account_name")?.to_owned(),
        privileges: state
            .strings("db_names")?
            .into_iter()
            .map(|database| (database, privilege.to_owned()))
            .collect(),
    })
}
