//! The order in which a service reports the privileges an account holds.

use std::collections::BTreeSet;

/// The privileges of `held` in the order `allowed` lists them (the vendor's order), then any
/// others by name.
pub(crate) fn in_listed_order(held: &BTreeSet<String>, allowed: &[&str]) -> Vec<String> {
    let mut ordered: Vec<String> = allowed
        .iter()
        .filter(|name| held.contains(**name))
        .map(|name| (*name).to_owned())
        .collect();
    ordered.extend(
        held.iter()
            .filter(|name| !allowed.contains(&name.as_str()))
            .cloned(),
    );
    ordered
}
