//! From what the account holds to what is wanted: ModifyAccountPrivileges items, and their
//! split into as few calls as the API allows (⌈items / 50⌉).

use std::collections::BTreeSet;

use crate::cloud::tencent::postgres::{
    AccountType, DatabaseObject, ModifyPrivilege, ModifyType, MAX_MODIFY_ITEMS,
};

use super::model::{describe, ObjectPrivileges};

// Pairs never straddle two calls only while a call holds an even number of items.
const _: () = assert!(MAX_MODIFY_ITEMS.is_multiple_of(2));

/// How many items a message spells out before it only counts the rest.
const ITEMS_SPELLED_OUT: usize = 10;

/// The grants and revokes that turn `held` into `wanted`. An object that is no longer wanted
/// loses every privilege held on it; `cascade` is sent as `IsCascade` with every revoke.
///
/// Order: objects that both lose and gain privileges come first, each as a revoke followed by
/// its grant. Every such pair starts at an even position and a call holds an even number of
/// items, so a pair is never split across two calls: an object never sits between its old and
/// its new privileges while another call is in flight. Objects that only gain follow, then
/// objects that only lose.
pub fn object_changes(
    held: &ObjectPrivileges,
    wanted: &ObjectPrivileges,
    cascade: bool,
) -> Vec<ModifyPrivilege> {
    let none = BTreeSet::new();
    let objects: BTreeSet<&DatabaseObject> = held.keys().chain(wanted.keys()).collect();
    let mut pairs = Vec::new();
    let mut grants = Vec::new();
    let mut revokes = Vec::new();
    for object in objects {
        let before = held.get(object).unwrap_or(&none);
        let after = wanted.get(object).unwrap_or(&none);
        let revoke = difference(before, after)
            .map(|privileges| ModifyPrivilege::revoke(object.clone(), privileges, cascade));
        let grant = difference(after, before)
            .map(|privileges| ModifyPrivilege::grant(object.clone(), privileges));
        match (revoke, grant) {
            (Some(revoke), Some(grant)) => pairs.extend([revoke, grant]),
            (None, Some(grant)) => grants.push(grant),
            (Some(revoke), None) => revokes.push(revoke),
            (None, None) => {}
        }
    }
    pairs.extend(grants);
    pairs.extend(revokes);
    pairs
}

/// The `alterRole` item when the account type must change; `None` when it already is `wanted`
/// or nothing is wanted.
pub fn account_type_change(
    user: &str,
    current: Option<&AccountType>,
    wanted: Option<&AccountType>,
) -> Option<ModifyPrivilege> {
    match wanted {
        Some(wanted) if current != Some(wanted) => Some(ModifyPrivilege::alter_role(user, wanted)),
        _ => None,
    }
}

/// The items grouped into calls: ⌈items / 50⌉ of them, in order.
pub fn calls(items: &[ModifyPrivilege]) -> std::slice::Chunks<'_, ModifyPrivilege> {
    items.chunks(MAX_MODIFY_ITEMS)
}

fn difference(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Option<Vec<String>> {
    let missing: Vec<String> = a.difference(b).cloned().collect();
    (!missing.is_empty()).then_some(missing)
}

/// `grant SELECT, INSERT on table appdb.public.users; revoke ...` for messages, spelling out
/// the first items and counting the rest.
pub fn summarize(items: &[ModifyPrivilege]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    let mut text = items
        .iter()
        .take(ITEMS_SPELLED_OUT)
        .map(describe_item)
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > ITEMS_SPELLED_OUT {
        text.push_str(&format!("; and {} more", items.len() - ITEMS_SPELLED_OUT));
    }
    text
}

fn describe_item(item: &ModifyPrivilege) -> String {
    let privileges = item.privileges.join(", ");
    match item.modify_type {
        ModifyType::GrantObject => format!("grant {privileges} on {}", describe(&item.object)),
        ModifyType::RevokeObject => format!("revoke {privileges} on {}", describe(&item.object)),
        ModifyType::AlterRole => format!("make the account {privileges}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::tencent::postgres::ObjectType;

    fn table(name: &str) -> DatabaseObject {
        DatabaseObject {
            database_name: Some("appdb".into()),
            schema_name: Some("public".into()),
            table_name: None,
            object_type: ObjectType::Table,
            object_name: name.into(),
        }
    }

    fn privileges(entries: &[(&str, &[&str])]) -> ObjectPrivileges {
        entries
            .iter()
            .map(|(name, privileges)| {
                (
                    table(name),
                    privileges.iter().map(|p| (*p).to_owned()).collect(),
                )
            })
            .collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn each_object_gets_only_what_changed() {
        let held = privileges(&[
            ("kept", &["SELECT"]),
            ("changed", &["SELECT", "DELETE"]),
            ("gone", &["SELECT"]),
        ]);
        let wanted = privileges(&[
            ("kept", &["SELECT"]),
            ("changed", &["SELECT", "INSERT"]),
            ("new", &["SELECT"]),
        ]);
        assert_eq!(
            object_changes(&held, &wanted, true),
            vec![
                ModifyPrivilege::revoke(table("changed"), strings(&["DELETE"]), true),
                ModifyPrivilege::grant(table("changed"), strings(&["INSERT"])),
                ModifyPrivilege::grant(table("new"), strings(&["SELECT"])),
                ModifyPrivilege::revoke(table("gone"), strings(&["SELECT"]), true),
            ]
        );
    }

    #[test]
    fn nothing_to_change_sends_nothing() {
        let held = privileges(&[("users", &["SELECT"]), ("empty", &[])]);
        let wanted = privileges(&[("users", &["SELECT"])]);
        assert!(object_changes(&held, &wanted, false).is_empty());
    }

    #[test]
    fn n_items_go_out_in_ceil_n_over_50_calls() {
        for (count, expected_calls) in [(1, 1), (50, 1), (51, 2), (100, 2), (120, 3)] {
            let names: Vec<String> = (0..count).map(|i| format!("t{i:03}")).collect();
            let entries: Vec<(&str, &[&str])> = names
                .iter()
                .map(|n| (n.as_str(), &["SELECT"][..]))
                .collect();
            let items = object_changes(&ObjectPrivileges::new(), &privileges(&entries), false);
            assert_eq!(items.len(), count);
            let sizes: Vec<usize> = calls(&items).map(<[_]>::len).collect();
            assert_eq!(sizes.len(), expected_calls, "{count} items");
            assert!(sizes.iter().all(|s| *s <= MAX_MODIFY_ITEMS));
        }
    }

    #[test]
    fn a_revoke_and_its_grant_always_share_a_call() {
        let names: Vec<String> = (0..40).map(|i| format!("t{i:03}")).collect();
        let held_entries: Vec<(&str, &[&str])> = names
            .iter()
            .map(|n| (n.as_str(), &["SELECT"][..]))
            .collect();
        let wanted_entries: Vec<(&str, &[&str])> = names
            .iter()
            .map(|n| (n.as_str(), &["INSERT"][..]))
            .collect();
        let mut wanted = privileges(&wanted_entries);
        wanted.extend(privileges(&[("added", &["SELECT"])]));
        let items = object_changes(&privileges(&held_entries), &wanted, false);
        assert_eq!(items.len(), 81);
        for call in calls(&items) {
            for item in call
                .iter()
                .filter(|i| i.modify_type == ModifyType::RevokeObject)
            {
                assert!(
                    call.iter().any(
                        |i| i.modify_type == ModifyType::GrantObject && i.object == item.object
                    ),
                    "the grant of {:?} is in another call",
                    item.object
                );
            }
        }
    }

    #[test]
    fn the_account_type_changes_only_when_asked_and_different() {
        let normal = AccountType::Normal;
        let superuser = AccountType::TencentDbSuper;
        assert_eq!(account_type_change("app", Some(&normal), None), None);
        assert_eq!(
            account_type_change("app", Some(&normal), Some(&normal)),
            None
        );
        assert_eq!(
            account_type_change("app", Some(&normal), Some(&superuser)),
            Some(ModifyPrivilege::alter_role("app", &superuser))
        );
    }

    #[test]
    fn summaries_spell_out_ten_items_and_count_the_rest() {
        let names: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
        let entries: Vec<(&str, &[&str])> = names
            .iter()
            .map(|n| (n.as_str(), &["SELECT"][..]))
            .collect();
        let items = object_changes(&ObjectPrivileges::new(), &privileges(&entries), false);
        let text = summarize(&items);
        assert!(
            text.starts_with("grant SELECT on table appdb.public.t00; "),
            "{text}"
        );
        assert!(text.ends_with("; and 2 more"), "{text}");
        assert_eq!(summarize(&[]), "none");
    }
}
