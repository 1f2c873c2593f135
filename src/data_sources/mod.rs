//! The data sources clouddb offers: what people look up before they write a grant.

mod account_privileges;
pub(crate) mod accounts;

use std::sync::Arc;

use crate::framework::DataSource;
use crate::resources::clients::Clouds;

use self::account_privileges::{AccountPrivileges, ImportSuffix};
use crate::resources::postgres_account_privileges::{object_entry_rule, TYPE_NAME as POSTGRES};

/// PostgreSQL reads an account's privileges only on the objects it is asked about.
const POSTGRES_OBJECTS: ImportSuffix = ImportSuffix {
    name: "objects",
    description: "The objects to read the account's privileges on, each `<object_type>:<names joined by dots>` as in an import ID: `database:appdb`, `schema:appdb.public`, `table:appdb.public.users`, `column:appdb.public.users.email`, `function:appdb.public.add_user(text,text)`. PostgreSQL reports privileges only on objects it is asked about; without any, `object` is empty.",
    separator: ";",
    entry_rule: object_entry_rule,
};

/// Every data source: each resource's reading of one account, and each system's list of
/// accounts.
pub fn all(clouds: Arc<Clouds>) -> Vec<Arc<dyn DataSource>> {
    let mut all: Vec<Arc<dyn DataSource>> = accounts::all(&clouds)
        .into_iter()
        .map(|source| Arc::new(source) as Arc<dyn DataSource>)
        .collect();
    let privileges = crate::resources::all(clouds)
        .into_iter()
        .filter_map(|resource| {
            let source = AccountPrivileges::reading(resource.clone())?;
            Some(if resource.type_name() == POSTGRES {
                source.asking(POSTGRES_OBJECTS)
            } else {
                source
            })
        })
        .map(|source| Arc::new(source) as Arc<dyn DataSource>);
    all.extend(privileges);
    all
}
