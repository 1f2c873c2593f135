//! What a database server says an instance holds now — its databases (with what is in them)
//! and its accounts — for the backends on real servers, where a DBA may create or drop them
//! outside the sim. The services then answer from it rather than from the fixture.

use std::sync::Mutex;

use crate::sync::locked;

use super::error::{BackendError, BackendFuture};

/// An instance's databases and accounts, as the service's own types name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceCatalog<Database, Account> {
    pub databases: Vec<Database>,
    pub accounts: Vec<Account>,
}

/// `current` in the order `known` lists names (the fixture's order), the rest after them in
/// the order they came.
fn ordered_like<T>(known: &[String], mut current: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
    current.sort_by_key(|item| {
        known
            .iter()
            .position(|k| *k == name(item))
            .unwrap_or(usize::MAX)
    });
    current
}

/// The entries of `known` whose key is still `current`, in their order, then one made by
/// `make` for each key of `current` that `known` lacks: what the sim knew of an account (its
/// remark, its type) stays, an account created outside the sim appears, a dropped one goes.
fn merged<K: PartialEq, T>(
    known: Vec<T>,
    current: Vec<K>,
    key: impl Fn(&T) -> K,
    make: impl Fn(K) -> T,
) -> Vec<T> {
    let mut kept: Vec<T> = known
        .into_iter()
        .filter(|t| current.contains(&key(t)))
        .collect();
    let new: Vec<K> = current
        .into_iter()
        .filter(|k| !kept.iter().any(|t| key(t) == *k))
        .collect();
    kept.extend(new.into_iter().map(make));
    kept
}

/// Takes `catalog` into an instance's `databases` (in the fixture's order) and `accounts`
/// (merged as [`merged`] says).
pub(crate) fn take_catalog<D, A, K: PartialEq>(
    catalog: InstanceCatalog<D, K>,
    databases: &mut Vec<D>,
    database_name: impl Fn(&D) -> &str,
    accounts: &mut Vec<A>,
    account_key: impl Fn(&A) -> K,
    new_account: impl Fn(K) -> A,
) {
    let known: Vec<String> = databases
        .iter()
        .map(|d| database_name(d).to_owned())
        .collect();
    *databases = ordered_like(&known, catalog.databases, database_name);
    *accounts = merged(
        std::mem::take(accounts),
        catalog.accounts,
        account_key,
        new_account,
    );
}

/// Takes each of `instances`' catalog (`catalog_of` its ID; `None` from a backend without a
/// server, which has none for any instance) into it with `take`: what a DBA created on the
/// server appears, what they dropped goes, and what the sim knew of what is still there stays.
pub(crate) async fn refresh_each<'s, I, C>(
    instances: &Mutex<Vec<I>>,
    id_of: impl Fn(&I) -> &str,
    catalog_of: impl Fn(String) -> BackendFuture<'s, Option<C>>,
    take: impl Fn(&mut I, C),
) -> Result<(), BackendError> {
    let ids: Vec<String> = locked(instances)
        .iter()
        .map(|instance| id_of(instance).to_owned())
        .collect();
    for id in ids {
        let Some(catalog) = catalog_of(id.clone()).await? else {
            return Ok(());
        };
        let mut instances = locked(instances);
        if let Some(instance) = instances.iter_mut().find(|i| id_of(i) == id) {
            take(instance, catalog);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixtures_order_comes_first() {
        let current = vec!["b", "z", "a", "c"];
        let known = ["c", "a", "gone"].map(String::from);
        assert_eq!(ordered_like(&known, current, |s| s), ["c", "a", "b", "z"]);
    }

    #[test]
    fn known_entries_stay_new_ones_appear_dropped_ones_go() {
        let known = vec![("app", "remark"), ("gone", "dropped by hand")];
        let current = vec!["etl", "app"];
        let merged = merged(known, current, |(name, _)| *name, |name| (name, ""));
        assert_eq!(merged, [("app", "remark"), ("etl", "")]);
    }
}
