//! What the resources' changes and reads end in when they do not succeed, and the truthful
//! state a failed change leaves.

use crate::cloud::error::CloudError;
use crate::framework::{ApplyOutcome, Diagnostics};
use crate::value::Value;

/// Why what an account holds could not be read.
pub enum ReadFailure {
    /// The instance or cluster itself was not found: never taken for a deleted account, since
    /// a wrong region or endpoint looks the same. Only `destroy` forgets such a resource.
    InstanceGone(Diagnostics),
    /// No connection could be made to the endpoint.
    Unreachable(Diagnostics),
    Failed(Diagnostics),
}

impl ReadFailure {
    /// A failed call, as a read reports it.
    pub fn of(error: &CloudError, diags: Diagnostics) -> Self {
        if error.is_unreachable() {
            ReadFailure::Unreachable(diags)
        } else {
            ReadFailure::Failed(diags)
        }
    }
}

impl From<Diagnostics> for ReadFailure {
    fn from(diags: Diagnostics) -> Self {
        ReadFailure::Failed(diags)
    }
}

impl From<ReadFailure> for Diagnostics {
    fn from(failure: ReadFailure) -> Self {
        match failure {
            ReadFailure::InstanceGone(diags)
            | ReadFailure::Unreachable(diags)
            | ReadFailure::Failed(diags) => diags,
        }
    }
}

/// A read that failed before any change was sent.
impl From<ReadFailure> for Unfinished {
    fn from(failure: ReadFailure) -> Self {
        match failure {
            ReadFailure::InstanceGone(diags) => Unfinished::InstanceGone(diags),
            ReadFailure::Unreachable(diags) => Unfinished::Unreadable(diags),
            ReadFailure::Failed(diags) => Unfinished::Refused(diags),
        }
    }
}

/// Which apply operation is running: it names the timeout and decides what a failure leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// Why a change did not complete.
pub enum Unfinished {
    /// Stopped before anything that changes the account was sent, so the account is as it was
    /// (no such account, objects that do not exist, a read that failed).
    Refused(Diagnostics),
    /// A call that changes the account failed, or its answer was lost: what the account holds
    /// now has to be read.
    Failed(Diagnostics),
    /// The account could not be read before anything was changed, or a change could not be
    /// sent (the endpoint cannot be reached): a read would fail the same way, so the state
    /// stays as it was and the one error says why.
    Unreadable(Diagnostics),
    /// The account does not exist, so nothing was changed: an error for a create or an
    /// update, and the end a delete wants.
    AccountGone(Diagnostics),
    /// The instance or cluster was not found where the provider looked, so nothing was
    /// changed: the state stays as it was, except that a delete is done.
    InstanceGone(Diagnostics),
    /// The change was sent, but what it did cannot be known yet (its task was still running
    /// when the timeout elapsed, or the endpoint stopped answering while it ran): a read now
    /// would show the account as it was before.
    Undetermined(Diagnostics),
}

impl Unfinished {
    /// A failed call that changes the account: unreachable, or failed part-way.
    pub fn of_change(error: &CloudError, diags: Diagnostics) -> Self {
        if error.is_unreachable() {
            Unfinished::Unreadable(diags)
        } else {
            Unfinished::Failed(diags)
        }
    }
}

/// The account as a read after a failed change found it, as the resource's value.
pub struct Found {
    pub state: Value,
    /// Whether the account holds anything the resource manages.
    pub holds_anything: bool,
}

/// What a failed create, update or delete returns, given what a read after the failure found
/// (`Ok(None)`: the account or its instance is gone). The state records what the account really
/// holds, so the next plan shows what is left to do. A create or delete that leaves nothing held
/// leaves no object (a create that does leave something is recorded, and Terraform marks it
/// tainted); an update records even an account holding nothing; an account that could not be
/// read keeps `prior`.
pub fn state_after_failure(
    operation: Operation,
    found: Result<Option<Found>, Diagnostics>,
    prior: &Value,
    mut diags: Diagnostics,
) -> ApplyOutcome {
    match found {
        Ok(Some(found)) if found.holds_anything || operation == Operation::Update => {
            ApplyOutcome::failed(found.state, diags)
        }
        Ok(_) => ApplyOutcome::failed(Value::Null, diags),
        Err(read_diags) => {
            diags.extend(read_diags);
            ApplyOutcome::failed(prior.clone(), diags)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(holds_anything: bool) -> Result<Option<Found>, Diagnostics> {
        Ok(Some(Found {
            state: Value::string("observed"),
            holds_anything,
        }))
    }

    fn state(operation: Operation, found: Result<Option<Found>, Diagnostics>) -> Value {
        let prior = Value::string("prior");
        let outcome = state_after_failure(
            operation,
            found,
            &prior,
            Diagnostics::from_error("failed", ""),
        );
        assert!(outcome.diagnostics.has_errors());
        outcome.state
    }

    #[test]
    fn a_failure_records_what_the_account_holds() {
        let observed = Value::string("observed");
        for operation in [Operation::Create, Operation::Update, Operation::Delete] {
            assert_eq!(state(operation, found(true)), observed, "{operation:?}");
            assert_eq!(state(operation, Ok(None)), Value::Null, "{operation:?}");
        }
        // Only an update keeps an object for an account that holds nothing.
        assert_eq!(state(Operation::Create, found(false)), Value::Null);
        assert_eq!(state(Operation::Delete, found(false)), Value::Null);
        assert_eq!(state(Operation::Update, found(false)), observed);
    }

    #[test]
    fn an_unreadable_account_keeps_the_prior_state_and_says_why() {
        let unreadable = Err(Diagnostics::from_error("Could not read", "Throttling"));
        let outcome = state_after_failure(
            Operation::Update,
            unreadable,
            &Value::string("prior"),
            Diagnostics::from_error("failed", ""),
        );
        assert_eq!(outcome.state, Value::string("prior"));
        assert!(outcome.diagnostics.to_string().contains("Could not read"));
    }
}
