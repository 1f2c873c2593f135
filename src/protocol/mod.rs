//! The wire edge: tfplugin6 over tonic, turned into framework calls. No business logic, no clouds.

mod convert;
mod go_plugin;
mod proto;
mod service;

use std::sync::Arc;

use crate::framework::ProviderServer;

use proto::tfplugin6::provider_server::ProviderServer as ProviderGrpcServer;
use service::ProviderService;

pub use go_plugin::{controller_service, health_service};

pub fn provider_service(server: Arc<ProviderServer>) -> ProviderGrpcServer<ProviderService> {
    ProviderGrpcServer::new(ProviderService::new(server))
}
