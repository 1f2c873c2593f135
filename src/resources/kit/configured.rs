//! What one walk has seen configured. A resource that sets everything of what it names (an
//! account's privileges, an object's) is undone by a second resource naming the same, so the
//! second is refused at plan time. Terraform validates each resource instance once per walk, so
//! a name seen twice in a walk is configured twice.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use crate::framework::Diagnostics;

#[derive(Debug, Default)]
pub struct ConfiguredOnce {
    seen: Mutex<BTreeSet<String>>,
}

impl ConfiguredOnce {
    /// Whether this walk sees `name` for the first time (and remembers it).
    pub fn first_time(&self, name: String) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name)
    }

    /// A new walk begins.
    pub fn clear(&self) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Refuses a second resource of `type_name` for `account` (`<instance>#<user>...`) in this
    /// walk: each sets every privilege of its account.
    pub fn refuse_account_twice(&self, type_name: &str, account: String, diags: &mut Diagnostics) {
        if !self.first_time(account.clone()) {
            diags.error(
                "Account managed twice",
                format!("Another {type_name} in this configuration manages the account {account}. Each resource sets every privilege of its account, so two would undo each other: put all of the account's privileges in one resource."),
            );
        }
    }
}
