//! The objects each account's resources took over in this walk. Terraform applies the resources
//! of one configuration in one walk, in an order of its own: when an object moves from one
//! resource of an account to another, the one letting it go must not revoke it after the other
//! has taken it over. So a resource leaves alone an object another has claimed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::cloud::tencent::postgres::DatabaseObject;

/// Account ID → the objects resources of that account have asked for.
#[derive(Default)]
pub struct Claims(Mutex<BTreeMap<String, BTreeSet<DatabaseObject>>>);

impl Claims {
    /// Records that a resource of `account` now holds `objects` as it wants them. Call it
    /// holding the account's lock, once the change succeeded.
    pub fn claim<'a>(&self, account: &str, objects: impl IntoIterator<Item = &'a DatabaseObject>) {
        let mut claims = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        claims
            .entry(account.to_owned())
            .or_default()
            .extend(objects.into_iter().cloned());
    }

    /// Forgets every claim, when a new walk begins.
    pub fn clear(&self) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Whether a resource of `account` has taken `object` over in this walk.
    pub fn is_claimed(&self, account: &str, object: &DatabaseObject) -> bool {
        let claims = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        claims
            .get(account)
            .is_some_and(|objects| objects.contains(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::tencent::postgres::ObjectType;

    fn table(name: &str) -> DatabaseObject {
        DatabaseObject {
            object_type: ObjectType::Table,
            database_name: Some("appdb".into()),
            schema_name: Some("public".into()),
            table_name: None,
            object_name: name.into(),
        }
    }

    #[test]
    fn claims_are_per_account() {
        let claims = Claims::default();
        claims.claim("postgres-1#app", [&table("users")]);
        assert!(claims.is_claimed("postgres-1#app", &table("users")));
        assert!(!claims.is_claimed("postgres-1#app", &table("orders")));
        assert!(!claims.is_claimed("postgres-1#report", &table("users")));
    }
}
