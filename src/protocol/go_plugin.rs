//! The services go-plugin expects beside the provider: the controller, whose Shutdown ends the
//! plugin, and the gRPC health check.

use tonic::{Request, Response, Status};

use super::proto::health::health_check_response::ServingStatus;
use super::proto::health::health_server::{Health, HealthServer};
use super::proto::health::{HealthCheckRequest, HealthCheckResponse};
use super::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use super::proto::plugin::Empty;

/// The controller; `on_shutdown` runs when Terraform is done with the provider.
pub fn controller_service<F>(on_shutdown: F) -> GrpcControllerServer<impl GrpcController>
where
    F: Fn() + Send + Sync + 'static,
{
    GrpcControllerServer::new(Controller { on_shutdown })
}

/// The health service: `plugin` (and the whole server) is serving.
pub fn health_service() -> HealthServer<impl Health> {
    HealthServer::new(PluginHealth)
}

struct Controller<F> {
    on_shutdown: F,
}

#[tonic::async_trait]
impl<F: Fn() + Send + Sync + 'static> GrpcController for Controller<F> {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Terraform asked the plugin to shut down");
        (self.on_shutdown)();
        Ok(Response::new(Empty {}))
    }
}

struct PluginHealth;

#[tonic::async_trait]
impl Health for PluginHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let status = match request.get_ref().service.as_str() {
            "" | "plugin" => ServingStatus::Serving,
            _ => ServingStatus::ServiceUnknown,
        };
        Ok(Response::new(HealthCheckResponse {
            status: status as i32,
        }))
    }
}
