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
    if request.path == tencent::legacy::PATH {
        return tencent::legacy::handle(&state, &request).await;
    }
    let Some(vendor) = identify(&request) else {
        return not_an_api_call();
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

/// Tencent by a TC3 Authorization, an `X-TC-` header, its API host or a signature in its
/// parameters (`SecretId`, `Signature`); Alibaba by an ACS3 Authorization, an `x-acs-` header,
/// its API host or v1 parameters (`Action`, `SignatureVersion`). A call that is recognisably
/// one vendor's but cannot be served is answered in that vendor's envelope and logged.
fn identify(request: &ApiRequest) -> Option<Vendor> {
    let authorization = request.header("authorization").unwrap_or_default();
    let host = request.header("host").unwrap_or_default();
    let has_header = |prefix: &str| {
        request
            .headers
            .keys()
            .any(|name| name.as_str().starts_with(prefix))
    };
    if authorization.starts_with("TC3-")
        || has_header("x-tc-")
        || host.ends_with(".tencentcloudapi.com")
        || tencent::is_signed_in_parameters(request)
    {
        return Some(Vendor::TencentCloud);
    }
    if authorization.starts_with("ACS3-")
        || has_header("x-acs-")
        || host.ends_with(".aliyuncs.com")
        || alibaba::is_v1_request(request)
    {
        return Some(Vendor::AliCloud);
    }
    None
}

fn not_an_api_call() -> Response {
    let error = "clouddb-sim: not a vendor API request. Send Tencent Cloud API 3.0 calls \
                 (TC3-HMAC-SHA256 Authorization, or HmacSHA1/HmacSHA256 in the parameters), \
                 Alibaba Cloud RPC calls (ACS3 Authorization, or Action and SignatureVersion \
                 parameters), or use the admin API under /_sim/";
    (StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response()
}
