//! The admin API under `/_sim/`: state, fixtures, faults, the request log, reset, and changes
//! made out of band (drift).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::faults;
use crate::fixture::Fixture;
use crate::state::SimState;
use crate::tencent::postgres::privileges::{ObjectProblem, PostgresObject, PostgresObjectType};
use crate::tencent::postgres::state::DropObjectError;

pub(crate) fn routes() -> Router<SimState> {
    Router::new()
        .route("/state", get(show_state))
        .route("/fixtures", post(load_fixture))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/requests", get(list_requests).delete(clear_requests))
        .route("/reset", post(reset))
        .route("/postgres/drop-object", post(drop_postgres_object))
}

/// An admin call that could not be done: `{"error": "..."}` with its status.
struct AdminError(StatusCode, String);

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad_request(error: impl std::fmt::Display) -> AdminError {
    AdminError(StatusCode::BAD_REQUEST, error.to_string())
}

fn internal(error: impl std::fmt::Display) -> AdminError {
    AdminError(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

/// `GET /_sim/state`: every instance and cluster in the fixture's shape, without credentials.
async fn show_state(State(state): State<SimState>) -> Result<Response, AdminError> {
    let snapshot = state.snapshot().await.map_err(internal)?;
    Ok(Json(snapshot).into_response())
}

/// `POST /_sim/fixtures`: replaces the whole state; answers the new state.
async fn load_fixture(State(state): State<SimState>, body: Bytes) -> Result<Response, AdminError> {
    let text = std::str::from_utf8(&body).map_err(|_| bad_request("fixture: body is not UTF-8"))?;
    let fixture = Fixture::from_json(text).map_err(bad_request)?;
    state.load_fixture(fixture).await.map_err(bad_request)?;
    show_state(State(state)).await
}

/// `GET /_sim/faults`: the pending faults, first used first.
async fn list_faults(State(state): State<SimState>) -> Response {
    Json(state.faults()).into_response()
}

/// `POST /_sim/faults`: queues a fault; answers it with its id (201).
async fn add_fault(State(state): State<SimState>, body: Bytes) -> Result<Response, AdminError> {
    let request = faults::read_request(&body).map_err(bad_request)?;
    let fault = state
        .add_fault_every(request.spec, request.task, request.every)
        .map_err(bad_request)?;
    Ok((StatusCode::CREATED, Json(fault)).into_response())
}

/// `DELETE /_sim/faults`.
async fn clear_faults(State(state): State<SimState>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

/// `GET /_sim/requests`: every vendor API call, in the order answered.
async fn list_requests(State(state): State<SimState>) -> Response {
    Json(state.requests()).into_response()
}

/// `DELETE /_sim/requests`.
async fn clear_requests(State(state): State<SimState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

/// `POST /_sim/reset`: back to the loaded fixture, with no faults and an empty log.
async fn reset(State(state): State<SimState>) -> Result<StatusCode, AdminError> {
    state.reset().await.map_err(internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What `POST /_sim/postgres/drop-object` takes: the object, named as in the fixture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DropObject {
    instance_id: String,
    object_type: PostgresObjectType,
    #[serde(default)]
    database_name: String,
    #[serde(default)]
    schema_name: String,
    #[serde(default)]
    table_name: String,
    object_name: String,
}

/// `POST /_sim/postgres/drop-object`: drops an object (and what is in it) as a `DROP` outside
/// Terraform would, with every account's privileges on it; answers what was dropped.
async fn drop_postgres_object(
    State(state): State<SimState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let request: DropObject =
        serde_json::from_slice(&body).map_err(|e| bad_request(format!("drop-object: {e}")))?;
    let object = PostgresObject::new(
        request.object_type,
        &request.object_name,
        &request.database_name,
        &request.schema_name,
        &request.table_name,
    )
    .map_err(|problem| {
        bad_request(match problem {
            ObjectProblem::Missing(field) => format!(
                "drop-object: a {} needs `{}`",
                request.object_type,
                field.snake_name()
            ),
            ObjectProblem::BadName { field, name } => format!(
                "drop-object: `{}` \"{name}\" is not a valid object name",
                field.snake_name()
            ),
        })
    })?;
    match state
        .drop_postgres_object(&request.instance_id, &object)
        .await
    {
        Ok(()) => Ok(Json(json!({ "dropped": object.to_string() })).into_response()),
        Err(error @ DropObjectError::Account) => Err(bad_request(format!("drop-object: {error}"))),
        Err(error @ (DropObjectError::NoInstance(_) | DropObjectError::NoObject { .. })) => Err(
            AdminError(StatusCode::NOT_FOUND, format!("drop-object: {error}")),
        ),
        Err(DropObjectError::Backend(error)) => Err(internal(error)),
    }
}
