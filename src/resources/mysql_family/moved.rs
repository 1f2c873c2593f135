//! Taking over the state of the official Tencent Cloud provider's MySQL-family privilege
//! resources in a `moved` block: their nested blocks, level by level, become an account's
//! grants, normalised as a read would report them.

use crate::cloud::tencent::cdb::Account;
use crate::framework::{SourceObject, Unmappable};

use super::grants::AccountGrants;
use super::levels::{Family, Level};
use super::privileges::normalise;

/// How a source resource writes one of our levels: its blocks' name, and the attributes of a
/// block naming the scope, in the order of the level's own names.
pub struct SourceLevel {
    pub level: Level,
    pub block: &'static str,
    pub names: &'static [&'static str],
}

/// The grants of `account` that a source state declares: its global privileges in the string
/// set `global`, its scopes in the blocks of `levels`, each with a `privileges` set.
pub fn moved_grants(
    family: &'static Family,
    source: &SourceObject,
    instance_id: &str,
    account: Account,
    global: &str,
    levels: &[SourceLevel],
) -> Result<AccountGrants, Unmappable> {
    let mut grants = AccountGrants::new(family, instance_id.to_owned(), account);
    grants.privileges.global = normalise(&source.strings(global)?, family.global);
    for SourceLevel {
        level,
        block,
        names,
    } in levels
    {
        let index = family
            .index_of(*level)
            .expect("a source level maps to a level of the family");
        for scope in source.objects(block)? {
            let scope_names = names
                .iter()
                .map(|name| scope.string(name).map(str::to_owned))
                .collect::<Result<Vec<_>, _>>()?;
            let privileges = scope.strings("privileges")?;
            grants
                .privileges
                .add_reported(family, index, scope_names, &privileges);
        }
    }
    Ok(grants)
}
