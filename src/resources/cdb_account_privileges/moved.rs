//! `moved` from the official Tencent Cloud provider's `tencentcloud_mysql_privilege`, whose
//! state names the account by `mysql_id`, `account_name` and `account_host` and holds `global`
//! and `database`, `table` and `column` blocks (see docs/guides/migrating_from_tencentcloud.md).

use crate::cloud::tencent::cdb::Account;
use crate::framework::{MoveSource, MovedState, Unmappable};
use crate::resources::mysql_family::account::DEFAULT_HOST;
use crate::resources::mysql_family::grants::AccountGrants;
use crate::resources::mysql_family::levels::{CDB, COLUMN, DATABASE, TABLE};
use crate::resources::mysql_family::moved::{moved_grants, SourceLevel};

pub const MOVES_FROM: &[MoveSource] = &[MoveSource {
    type_name: "tencentcloud_mysql_privilege",
    max_schema_version: 0,
}];

const LEVELS: &[SourceLevel] = &[
    SourceLevel {
        level: DATABASE,
        block: "database",
        names: &["database_name"],
    },
    SourceLevel {
        level: TABLE,
        block: "table",
        names: &["database_name", "table_name"],
    },
    SourceLevel {
        level: COLUMN,
        block: "column",
        names: &["database_name", "table_name", "column_name"],
    },
];

pub fn moved_account(source: &MovedState) -> Result<AccountGrants, Unmappable> {
    let state = source.object();
    let account = Account {
        user: state.string("account_name")?.to_owned(),
        host: state
            .optional_string("account_host")?
            .unwrap_or(DEFAULT_HOST)
            .to_owned(),
    };
    moved_grants(
        &CDB,
        &state,
        state.string("mysql_id")?,
        account,
        "global",
        LEVELS,
    )
}
