//! Tencent Cloud API 3.0: read the call, check its signature (TC3 in the Authorization header,
//! or HmacSHA1/HmacSHA256 in the parameters), route it by service and action.

mod auth;
pub(crate) mod cdb;
mod errors;
mod flattened;
pub(crate) mod legacy;
pub(crate) mod mariadb;
mod param_signature;
mod params;
pub(crate) mod postgres;
mod regexp;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use self::auth::Authorization;
use self::errors::{new_request_id, TencentError};
use self::param_signature::ParameterSignature;
use self::params::CallParams;
use crate::api_request::ApiRequest;
use crate::clock;
use crate::percent;
use crate::pipeline::{self, Answer};
use crate::requests::{RequestRecord, Vendor};
use crate::state::SimState;
use crate::tasks::TaskFailure;

/// A service this sim answers.
struct Served {
    service: &'static str,
    version: &'static str,
    actions: &'static [&'static str],
}

/// How the instance IDs of each Tencent database service begin, which tells services apart
/// when a call signed in its parameters is sent to the sim's own address rather than to the
/// service's host (postgres and mariadb share a version and action names).
const INSTANCE_PREFIXES: &[(&str, &str)] = &[
    ("cdb-", cdb::SERVICE),
    ("postgres-", postgres::SERVICE),
    ("tdsql-", mariadb::SERVICE),
];

/// The services this sim answers; every other call is `InvalidAction`. Services plug in here
/// and in [`dispatch`].
const SERVED: &[Served] = &[
    Served {
        service: cdb::SERVICE,
        version: cdb::VERSION,
        actions: cdb::ACTIONS,
    },
    Served {
        service: postgres::SERVICE,
        version: postgres::VERSION,
        actions: postgres::ACTIONS,
    },
    Served {
        service: mariadb::SERVICE,
        version: mariadb::VERSION,
        actions: mariadb::ACTIONS,
    },
];

/// How a call is signed.
#[derive(Debug)]
enum Signature {
    Tc3(Authorization),
    InParameters(ParameterSignature),
}

/// A Tencent call as received.
#[derive(Debug)]
struct TencentCall {
    signature: Signature,
    service: String,
    action: String,
    version: String,
    region: Option<String>,
    params: CallParams,
}

/// Answers one Tencent API 3.0 request and records it in the request log.
pub(crate) async fn handle(state: &SimState, request: ApiRequest) -> Response {
    let arrived = clock::now_utc();
    let request_id = new_request_id();
    let call = read(&request);
    let mut record = RequestRecord {
        vendor: Vendor::TencentCloud,
        service: match &call {
            Ok(call) => Some(call.service.clone()),
            Err(_) => service_from_host(&request),
        },
        action: match &call {
            Ok(call) => Some(call.action.clone()),
            Err(_) => request.header("x-tc-action").map(str::to_owned),
        },
        version: match &call {
            Ok(call) => Some(call.version.clone()),
            Err(_) => request.header("x-tc-version").map(str::to_owned),
        },
        status: None,
        error_code: None,
        request_id: request_id.clone(),
        time: clock::rfc3339(arrived),
        fault: None,
        params: call
            .as_ref()
            .map(|c| c.params.value.clone())
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
    if request.header("authorization").is_none() {
        let pairs = signed_pairs(request)?;
        if param_signature::is_signed_in_parameters(&pairs) {
            return read_signed_in_parameters(request, &pairs);
        }
    }
    let authorization = Authorization::parse(request.header("authorization"))?;
    let action = request
        .header("x-tc-action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| TencentError::missing_parameter("X-TC-Action"))?;
    let version = request
        .header("x-tc-version")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| TencentError::missing_parameter("X-TC-Version"))?;
    let params = if request.body.is_empty() {
        CallParams {
            value: flattened::unflatten(&query_pairs(request)?)?,
            textual: true,
        }
    } else {
        CallParams {
            value: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
            textual: false,
        }
    };
    Ok(TencentCall {
        service: authorization.service.clone(),
        signature: Signature::Tc3(authorization),
        action: action.to_owned(),
        version: version.to_owned(),
        region: request.header("x-tc-region").map(str::to_owned),
        params,
    })
}

/// Whether a request is a Tencent call signed in its parameters (`SecretId` and `Signature`).
pub(crate) fn is_signed_in_parameters(request: &ApiRequest) -> bool {
    request.header("authorization").is_none()
        && signed_pairs(request).is_ok_and(|pairs| param_signature::is_signed_in_parameters(&pairs))
}

fn read_signed_in_parameters(
    request: &ApiRequest,
    pairs: &[(String, String)],
) -> Result<TencentCall, TencentError> {
    let signature = ParameterSignature::read(pairs)?;
    let value = flattened::unflatten(&signature.business)?;
    let service = service_of(request, &signature.action, &signature.version, &value)?;
    Ok(TencentCall {
        service,
        action: signature.action.clone(),
        version: signature.version.clone(),
        region: signature.region.clone(),
        params: CallParams {
            value,
            textual: true,
        },
        signature: Signature::InParameters(signature),
    })
}

fn query_pairs(request: &ApiRequest) -> Result<Vec<(String, String)>, TencentError> {
    percent::parse_pairs(&request.query).map_err(|e| {
        TencentError::new(
            "InvalidParameter",
            format!("The query string is malformed: {e}."),
        )
    })
}

/// The pairs of the query, and of a form body.
fn signed_pairs(request: &ApiRequest) -> Result<Vec<(String, String)>, TencentError> {
    let mut pairs = query_pairs(request)?;
    if request.has_form_body() {
        let body = std::str::from_utf8(&request.body).map_err(|_| {
            TencentError::new("InvalidParameter", "The form body is not UTF-8 text.")
        })?;
        let form = percent::parse_pairs(body).map_err(|e| {
            TencentError::new(
                "InvalidParameter",
                format!("The form body is malformed: {e}."),
            )
        })?;
        pairs.extend(form);
    }
    Ok(pairs)
}

/// The service of a call signed in its parameters, which name none: the service's host name
/// (`cdb.tencentcloudapi.com`), or else the one whose instance IDs begin like the call's, or
/// else the only service that serves the action in that version.
fn service_of(
    request: &ApiRequest,
    action: &str,
    version: &str,
    params: &Value,
) -> Result<String, TencentError> {
    if let Some(service) = service_from_host(request) {
        return Ok(service);
    }
    let instance = ["InstanceId", "DBInstanceId"]
        .iter()
        .find_map(|name| params.get(*name).and_then(Value::as_str));
    let by_instance = instance.and_then(|instance| {
        INSTANCE_PREFIXES
            .iter()
            .find(|(prefix, _)| instance.starts_with(prefix))
            .map(|(_, service)| *service)
    });
    let candidates: Vec<&Served> = SERVED
        .iter()
        .filter(|s| s.version == version && s.actions.contains(&action))
        .collect();
    let chosen = match (by_instance, candidates.as_slice()) {
        (Some(service), _) => Some(service),
        (None, [only]) => Some(only.service),
        (None, _) => None,
    };
    chosen.map(str::to_owned).ok_or_else(|| {
        TencentError::new(
            "InvalidAction",
            format!(
                "clouddb-sim serves no action `{action}` of version `{version}` it can tell the \
                 service of: send the call to <service>.tencentcloudapi.com."
            ),
        )
    })
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
    let now = clock::now_utc();
    let verified = match &call.signature {
        Signature::Tc3(authorization) => {
            auth::verify(request, authorization, credential_of, now, skew_limit)
        }
        Signature::InParameters(signature) => signature.verify(
            request.method.as_str(),
            request.header("host").unwrap_or_default(),
            &request.path,
            credential_of,
            now,
            skew_limit,
        ),
    };
    if let Err(error) = verified {
        return Answer::Reply(Err(error));
    }
    let service = call.service.as_str();
    let Some(served) = SERVED
        .iter()
        .find(|s| s.service == service && s.actions.contains(&call.action.as_str()))
    else {
        return Answer::Reply(Err(TencentError::invalid_action(service, &call.action)));
    };
    if served.version != call.version {
        return Answer::Reply(Err(TencentError::no_such_version(service, &call.version)));
    }
    let region = call.region.as_deref();
    let starts_task = match service {
        cdb::SERVICE => cdb::starts_task(&call.action),
        mariadb::SERVICE => mariadb::starts_task(&call.action),
        _ => false,
    };
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
    match call.service.as_str() {
        cdb::SERVICE => cdb::handle(state, &call.action, &call.params, region, task_failure).await,
        postgres::SERVICE => postgres::handle(state, &call.action, &call.params, region).await,
        mariadb::SERVICE => {
            mariadb::handle(state, &call.action, &call.params, region, task_failure).await
        }
        other => Err(TencentError::invalid_action(other, &call.action)),
    }
}
