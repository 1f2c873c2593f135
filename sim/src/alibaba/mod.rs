//! Alibaba Cloud RPC: read the call, check its signature, route it by version and action, answer.

mod auth;
mod errors;
pub(crate) mod polardb;
mod rpc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

pub(crate) use rpc::is_v1_request;

use self::errors::{new_request_id, AlibabaError};
use self::rpc::RpcCall;
use crate::api_request::ApiRequest;
use crate::clock;
use crate::pipeline::{self, Answer};
use crate::requests::{RequestRecord, Vendor};
use crate::state::SimState;

/// The `HostId` of answers to requests that sent no `Host`.
const DEFAULT_HOST: &str = "polardb.aliyuncs.com";

/// The products this sim serves, by API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Product {
    PolarDb,
}

impl Product {
    fn by_version(version: &str) -> Option<Product> {
        (version == polardb::VERSION).then_some(Product::PolarDb)
    }

    fn name(self) -> &'static str {
        match self {
            Product::PolarDb => polardb::PRODUCT,
        }
    }

    fn serves(self, action: &str) -> bool {
        match self {
            Product::PolarDb => polardb::ACTIONS.contains(&action),
        }
    }
}

/// Answers one Alibaba RPC request and records it in the request log.
pub(crate) async fn handle(state: &SimState, request: ApiRequest) -> Response {
    let arrived = clock::now_utc();
    let request_id = new_request_id();
    let host = request.header("host").unwrap_or(DEFAULT_HOST).to_owned();
    let call = RpcCall::read(&request);
    let product = call
        .as_ref()
        .ok()
        .and_then(|call| Product::by_version(&call.version));
    let mut record = RequestRecord {
        vendor: Vendor::AliCloud,
        service: product.map(|p| p.name().to_owned()),
        action: call.as_ref().ok().map(|c| c.action.clone()),
        version: call.as_ref().ok().map(|c| c.version.clone()),
        status: None,
        error_code: None,
        request_id: request_id.clone(),
        time: clock::rfc3339(arrived),
        fault: None,
        params: call
            .as_ref()
            .map(|c| c.params.to_json())
            .unwrap_or(Value::Null),
    };

    let answer = match call {
        Err(error) => Answer::Reply(Err(error)),
        Ok(call) => answer(state, &request, &call, product, &mut record).await,
    };
    let response = match answer {
        Answer::DropConnection => pipeline::dropped_connection(),
        Answer::Reply(Ok(body)) => success(body, &request_id),
        Answer::Reply(Err(error)) => {
            record.error_code = Some(error.code.clone());
            let body = error.envelope(&request_id, &host, product.map(Product::name));
            with_request_id((error.status, Json(body)).into_response(), &request_id)
        }
    };
    if response
        .extensions()
        .get::<pipeline::DropConnection>()
        .is_none()
    {
        record.status = Some(response.status().as_u16());
    }
    tracing::info!(
        vendor = "alicloud",
        action = record.action.as_deref().unwrap_or("-"),
        status = record.status,
        error_code = record.error_code.as_deref().unwrap_or("-"),
        "api call"
    );
    state.record(record);
    response
}

async fn answer(
    state: &SimState,
    request: &ApiRequest,
    call: &RpcCall,
    product: Option<Product>,
    record: &mut RequestRecord,
) -> Answer<Value, AlibabaError> {
    let credential_of = |id: &str| state.credentials().alibaba(id).cloned();
    let skew_limit = state.options().alibaba_skew_limit();
    let signer = match auth::verify(request, call, credential_of, clock::now_utc(), skew_limit) {
        Ok(signer) => signer,
        Err(error) => return Answer::Reply(Err(error)),
    };
    let nonce_key = format!("{}\n{}", signer.access_key_id, signer.nonce);
    if !state.remember_nonce(&nonce_key, skew_limit) {
        return Answer::Reply(Err(AlibabaError::nonce_used(&signer.nonce)));
    }
    let Some(product) = product else {
        return Answer::Reply(Err(AlibabaError::invalid_version(&call.version)));
    };
    if !product.serves(&call.action) {
        return Answer::Reply(Err(AlibabaError::action_not_found(
            &call.action,
            &call.version,
        )));
    }
    let service_call = |_task_failure| match product {
        Product::PolarDb => polardb::handle(state, &call.action, &call.params),
    };
    let shaped = pipeline::run(state, product.name(), &call.action, false, service_call).await;
    record.fault = shaped.fault;
    shaped.answer
}

/// HTTP 200 with the action's fields and `RequestId`.
fn success(mut body: Value, request_id: &str) -> Response {
    if let Value::Object(fields) = &mut body {
        fields.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
    }
    with_request_id((StatusCode::OK, Json(body)).into_response(), request_id)
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-acs-request-id", value);
    }
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}
