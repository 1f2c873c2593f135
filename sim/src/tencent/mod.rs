//! Tencent Cloud API 3.0: read the call, check its TC3 signature, route it by service and action.

mod auth;
pub(crate) mod cdb;
mod errors;
pub(crate) mod mariadb;
mod params;
pub(crate) mod postgres;
mod regexp;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use self::auth::Authorization;
use self::errors::{new_request_id, TencentError};
use crate::api_request::ApiRequest;
use crate::clock;
use crate::percent;
use crate::pipeline::{self, Answer};
use crate::requests::{RequestRecord, Vendor};
use crate::state::SimState;
use crate::tasks::TaskFailure;

/// Where legacy API v2 calls arrive (served by a later version of the sim).
pub(crate) const LEGACY_PATH: &str = "/v2/index.php";

/// The services this sim answers, with their version and actions; every other call is
/// `InvalidAction`. Services plug in here and in [`dispatch`].
const SERVED: &[(&str, &str, &[&str])] = &[
    (cdb::SERVICE, cdb::VERSION, cdb::ACTIONS),
    (postgres::SERVICE, postgres::VERSION, postgres::ACTIONS),
];

/// A Tencent call as received.
#[derive(Debug)]
struct TencentCall {
    authorization: Authorization,
    action: String,
    version: String,
    /// The JSON body (POST) or the query parameters (GET).
    params: Value,
}

/// Answers one Tencent API 3.0 request and records it in the request log.
pub(crate) async fn handle(state: &SimState, request: ApiRequest) -> Response {
    let arrived = clock::now_utc();
    let request_id = new_request_id();
    let call = read(&request);
    let mut record = RequestRecord {
        vendor: Vendor::TencentCloud,
        service: match &call {
            Ok(call) => Some(call.authorization.service.clone()),
            Err(_) => service_from_host(&request),
        },
        action: request.header("x-tc-action").map(str::to_owned),
        version: request.header("x-tc-version").map(str::to_owned),
        status: None,
        error_code: None,
        request_id: request_id.clone(),
        time: clock::rfc3339(arrived),
        fault: None,
        params: call
            .as_ref()
            .map(|c| c.params.clone())
            .unwrap_or(Value::Null),
    };
    let answer = match call {
        Err(error) => Answer::Reply(Err(error)),
        Ok(call) => answer(state, &request, &call, &mut record).await,
    };
    let response = match answer {
        Answer::DropConnection => pipeline::dropped_connection(),
        Answer::Reply(result) => {
            let body = match result {
                Ok(mut fields) => {
                    if let Value::Object(map) = &mut fields {
                        map.insert("RequestId".to_owned(), Value::String(request_id.clone()));
                    }
                    serde_json::json!({ "Response": fields })
                }
                Err(error) => {
                    record.error_code = Some(error.code.clone());
                    error.envelope(&request_id)
                }
            };
            let mut response = (StatusCode::OK, Json(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert("x-tc-requestid", value);
            }
            record.status = Some(StatusCode::OK.as_u16());
            response
        }
    };
    tracing::info!(
        vendor = "tencentcloud",
        service = record.service.as_deref().unwrap_or("-"),
        action = record.action.as_deref().unwrap_or("-"),
        error_code = record.error_code.as_deref().unwrap_or("-"),
        "api call"
    );
    state.record(record);
    response
}

fn read(request: &ApiRequest) -> Result<TencentCall, TencentError> {
    let authorization = Authorization::parse(request.header("authorization"))?;
    let action = request
        .header("x-tc-action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| TencentError::missing_parameter("X-TC-Action"))?;
    let version = request
        .header("x-tc-version")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| TencentError::missing_parameter("X-TC-Version"))?;
    Ok(TencentCall {
        authorization,
        action: action.to_owned(),
        version: version.to_owned(),
        params: params(request),
    })
}

/// The business parameters: the JSON body, or the query string of a GET.
fn params(request: &ApiRequest) -> Value {
    if !request.body.is_empty() {
        return serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    }
    match percent::parse_pairs(&request.query) {
        Ok(pairs) => Value::Object(
            pairs
                .into_iter()
                .map(|(key, value)| (key, Value::String(value)))
                .collect(),
        ),
        Err(_) => Value::Null,
    }
}

/// `cdb` of `cdb.tencentcloudapi.com`, for logging calls whose Authorization is unreadable.
fn service_from_host(request: &ApiRequest) -> Option<String> {
    let host = request.header("host")?;
    let service = host
        .strip_suffix(".tencentcloudapi.com")?
        .split('.')
        .next()?;
    Some(service.to_owned())
}

async fn answer(
    state: &SimState,
    request: &ApiRequest,
    call: &TencentCall,
    record: &mut RequestRecord,
) -> Answer<Value, TencentError> {
    let credential_of = |id: &str| state.credentials().tencent(id).cloned();
    let skew_limit = state.options().tencent_skew_limit();
    let verified = auth::verify(
        request,
        &call.authorization,
        credential_of,
        clock::now_utc(),
        skew_limit,
    );
    if let Err(error) = verified {
        return Answer::Reply(Err(error));
    }
    let service = call.authorization.service.as_str();
    let Some((_, version, _)) = SERVED
        .iter()
        .find(|(s, _, actions)| *s == service && actions.contains(&call.action.as_str()))
    else {
        return Answer::Reply(Err(TencentError::invalid_action(service, &call.action)));
    };
    if *version != call.version {
        return Answer::Reply(Err(TencentError::no_such_version(service, &call.version)));
    }
    let region = request.header("x-tc-region");
    let starts_task = service == cdb::SERVICE && cdb::starts_task(&call.action);
    let shaped = pipeline::run(state, service, &call.action, starts_task, |task_failure| {
        dispatch(state, call, region, task_failure)
    })
    .await;
    record.fault = shaped.fault;
    shaped.answer
}

/// Answers a call listed in [`SERVED`]; `region` is `X-TC-Region`.
async fn dispatch(
    state: &SimState,
    call: &TencentCall,
    region: Option<&str>,
    task_failure: Option<TaskFailure>,
) -> Result<Value, TencentError> {
    match call.authorization.service.as_str() {
        cdb::SERVICE => cdb::handle(state, &call.action, &call.params, region, task_failure).await,
        postgres::SERVICE => postgres::handle(state, &call.action, &call.params, region).await,
        other => Err(TencentError::invalid_action(other, &call.action)),
    }
}
