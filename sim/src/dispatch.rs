//! Tells which vendor API a request is for and hands it to that vendor.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::api_request::ApiRequest;
use crate::requests::Vendor;
use crate::state::SimState;
use crate::{alibaba, tencent};

/// Everything outside `/_sim/` lands here.
pub(crate) async fn vendor_api(
    State(state): State<SimState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ApiRequest {
        method,
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers,
        body,
    };
    let Some(vendor) = identify(&request) else {
        return not_an_api_call(&request);
    };
    let latency = state.options().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match vendor {
        Vendor::TencentCloud => tencent::handle(&state, request).await,
        Vendor::AliCloud => alibaba::handle(&state, request).await,
    }
}

/// Tencent API 3.0 by its `TC3-HMAC-SHA256` Authorization or `X-TC-Action`; Alibaba RPC by
/// `x-acs-action` (v3) or `Action` + `SignatureVersion` parameters (v1).
fn identify(request: &ApiRequest) -> Option<Vendor> {
    let authorization = request.header("authorization").unwrap_or_default();
    if authorization.starts_with("TC3-") || request.headers.contains_key("x-tc-action") {
        return Some(Vendor::TencentCloud);
    }
    if authorization.starts_with("ACS3-") || request.headers.contains_key("x-acs-action") {
        return Some(Vendor::AliCloud);
    }
    if request.path != tencent::LEGACY_PATH && alibaba::is_v1_request(request) {
        return Some(Vendor::AliCloud);
    }
    None
}

fn not_an_api_call(request: &ApiRequest) -> Response {
    if request.path == tencent::LEGACY_PATH {
        let error = "clouddb-sim does not serve Tencent Cloud legacy API v2 (/v2/index.php) yet";
        return (StatusCode::NOT_IMPLEMENTED, Json(json!({ "error": error }))).into_response();
    }
    let error = "clouddb-sim: not a vendor API request. Send Tencent Cloud API 3.0 calls \
                 (TC3-HMAC-SHA256 Authorization), Alibaba Cloud RPC calls (x-acs-action header \
                 or Action and SignatureVersion parameters), or use the admin API under /_sim/";
    (StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response()
}
