//! The resource kit: what an account-privileges resource must say about its own API, behind one
//! trait. [`Managed`] turns an implementation into a Terraform resource and writes the lifecycle
//! once: create, read, update, delete and import; the per-account lock; deadlines from the
//! `timeouts` block, which it adds to the schema and carries through every state; the read back
//! that checks a change the cloud may not have carried out; and the truthful state after a
//! failure ([`super::outcome::state_after_failure`]).

mod account;
mod configured;
mod lifecycle;
mod listings;

pub use self::account::{AccountResource, Change, Current, Sent, Verdict};
pub use self::configured::ConfiguredOnce;
pub use self::lifecycle::Managed;
pub use self::listings::WalkListings;
