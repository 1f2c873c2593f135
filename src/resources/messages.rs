//! The diagnostics every resource words the same way: a failed cloud call, an instance not
//! found, an import that cannot be done, and the rule of vendor resource IDs.

use crate::cloud::error::{CloudError, Missing};
use crate::cloud::transport::Location;
use crate::framework::Diagnostics;

use super::outcome::ReadFailure;

/// A failed cloud call as the user sees it: what we were doing, then the vendor's action, code,
/// message and RequestId.
pub fn cloud_error(summary: impl Into<String>, error: &CloudError) -> Diagnostics {
    Diagnostics::from_error(summary, error.to_string())
}

/// The error for an instance (`"CDB instance cdb-c1nl9rpv"`) the cloud did not find where the
/// provider looked.
pub fn instance_not_found(instance: &str, location: &Location, error: &CloudError) -> ReadFailure {
    ReadFailure::InstanceGone(Diagnostics::from_error(
        format!("{instance} not found"),
        format!(
            "{instance} was not found {location}: {error}\n\nCheck the ID and the provider's region and endpoint. A resource already in the state stays there. If the instance was deleted on purpose, forget such a resource with `terraform state rm`, or with `terraform destroy -refresh=false`, whose delete of a resource on a missing instance succeeds quietly."
        ),
    ))
}

/// What a failed read of an account means: the account is gone (`None`, so the resource is
/// removed), its instance was not found (an error naming `instance`), or the read failed
/// (`summary`, then the vendor's error).
pub fn account_read_failure<T>(
    error: &CloudError,
    instance: &str,
    location: &Location,
    summary: impl FnOnce() -> String,
) -> Result<Option<T>, ReadFailure> {
    match error.missing() {
        Some(Missing::Account) => Ok(None),
        Some(Missing::Instance) => Err(instance_not_found(instance, location, error)),
        None => Err(ReadFailure::of(error, cloud_error(summary(), error))),
    }
}

/// The error of an import whose account does not exist.
pub fn import_missing(detail: impl Into<String>) -> Diagnostics {
    Diagnostics::from_error("Cannot import non-existent account", detail)
}

/// The error of an import ID that is not of the resource's form, or breaks a name rule.
pub fn invalid_import_id(detail: impl Into<String>) -> Diagnostics {
    Diagnostics::from_error("Invalid import ID", detail)
}

/// Vendor resource IDs: a fixed prefix, then lowercase letters and digits (`cdb-c1nl9rpv`).
pub fn prefixed_id(id: &str, prefix: &str, description: &str) -> Result<(), String> {
    let valid = id.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{description} is \"{prefix}\" followed by lowercase ASCII letters (a-z) and digits"
        ))
    }
}
