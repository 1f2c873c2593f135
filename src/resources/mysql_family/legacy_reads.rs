//! Endpoints spoken to through the legacy API v2 (`legacy_api`) may offer no API 3.0 read:
//! then a refresh keeps what the state records, and says so, rather than invent a read.

use crate::cloud::error::CloudError;
use crate::framework::Diagnostics;
use crate::resources::kit::Current;

use super::grants::AccountGrants;

/// Whether an answer means the endpoint has no such read action.
pub fn offers_no_read(error: &CloudError) -> bool {
    matches!(error.code(), Some("InvalidAction" | "UnsupportedOperation"))
}

/// The account as the state records it, with the warning that it could not be read.
pub fn unread(grants: &AccountGrants, error: &CloudError) -> Current<AccountGrants> {
    let mut warnings = Diagnostics::new();
    warnings.warning(
        format!("Could not read the privileges of {}", grants.id()),
        format!(
            "The endpoint writes through the legacy API v2 (legacy_api = true) but offers no read: {error}. The state keeps what the last apply set, unchecked: privileges changed outside Terraform are not seen."
        ),
    );
    Current {
        account: grants.clone(),
        warnings,
    }
}
