//! The provider framework: schemas, the Provider and Resource traits, planning rules and diagnostics.
//! Knows Terraform's rules, but neither protobuf nor any cloud.

pub mod attributes;
pub mod data_source;
pub mod diagnostics;
pub mod generate;
pub mod identity;
pub mod list_resource;
pub mod moves;
pub mod plan;
pub mod quoted;
pub mod resource;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod upgrade;
pub mod validate;
pub mod validators;

pub use attributes::Attributes;
pub use data_source::DataSource;
pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use identity::{IdentityAttribute, IdentitySchema};
pub use list_resource::{ListResource, Listed};
pub use moves::{MoveSource, MovedState, SourceObject, Unmappable, MOVED_PRIVATE};
pub use quoted::{quoted, shortened};
pub use resource::{ApplyOutcome, Provider, Refreshed, Resource};
pub use schema::{Attribute, Block, Mode, NestedBlock, Nesting, Schema, Validator};
pub use server::{PlanOutcome, ProviderServer};
pub use upgrade::{refuse_flatmap, StoredState};
