//! What the state of every emulated service offers the sim: it takes its part of a fixture,
//! and gives its part of a snapshot back.

use std::time::Instant;

use crate::backend::error::BackendFuture;
use crate::fixture::Fixture;

pub(crate) trait ServiceState: Send + Sync {
    /// Forgets everything and takes this service's part of `fixture` (on load and reset), its
    /// clocks (e.g. accounts still being created) starting at `now`.
    fn load<'a>(&'a self, fixture: &'a Fixture, now: Instant) -> BackendFuture<'a, ()>;

    /// Writes this service's part of the state into `snapshot`: statuses as they are at `now`
    /// and privileges as the backend holds them.
    fn snapshot<'a>(&'a self, snapshot: &'a mut Fixture, now: Instant) -> BackendFuture<'a, ()>;
}
