//! `moved` from the official Tencent Cloud provider's `tencentcloud_mariadb_account_privileges`,
//! whose state names the account by `instance_id` and a one-element `accounts` list and holds
//! `global_privileges` and six lists of scope blocks (see
//! docs/guides/migrating_from_tencentcloud.md).

use crate::cloud::tencent::cdb::Account;
use crate::framework::{MoveSource, MovedState, Unmappable};
use crate::resources::mysql_family::grants::AccountGrants;
use crate::resources::mysql_family::levels::{
    COLUMN, DATABASE, FUNCTION, PROCEDURE, TABLE, TDSQL, VIEW,
};
use crate::resources::mysql_family::moved::{moved_grants, SourceLevel};

pub const MOVES_FROM: &[MoveSource] = &[MoveSource {
    type_name: "tencentcloud_mariadb_account_privileges",
    max_schema_version: 0,
}];

const LEVELS: &[SourceLevel] = &[
    SourceLevel {
        level: DATABASE,
        block: "database_privileges",
        names: &["database"],
    },
    SourceLevel {
        level: TABLE,
        block: "table_privileges",
        names: &["database", "table"],
    },
    SourceLevel {
        level: COLUMN,
        block: "column_privileges",
        names: &["database", "table", "column"],
    },
    SourceLevel {
        level: VIEW,
        block: "view_privileges",
        names: &["database", "view"],
    },
    SourceLevel {
        level: FUNCTION,
        block: "function_privileges",
        names: &["database", "function_name"],
    },
    SourceLevel {
        level: PROCEDURE,
        block: "procedure_privileges",
        names: &["database", "procedure"],
    },
];

pub fn moved_account(source: &MovedState) -> Result<AccountGrants, Unmappable> {
    let state = source.object();
    let accounts = state.objects("accounts")?;
    let [only] = accounts.as_slice() else {
        return Err(Unmappable {
            path: "accounts".into(),
            problem: format!("holds {} accounts, where one is expected", accounts.len()),
        });
    };
    let account = Account {
        user: only.string("user")?.to_owned(),
        host: only.string("host")?.to_owned(),
    };
    moved_grants(
        &TDSQL,
        &state,
        state.string("instance_id")?,
        account,
        "global_privileges",
        LEVELS,
    )
}
