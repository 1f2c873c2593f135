//! Tencent Cloud legacy API v2 (`/v2/index.php`): the signature in the parameters, replay
//! checks, the two envelopes, and routing to the actions the cdb and mariadb folders serve.
//!
//! The string to sign is the one of API 3.0's HmacSHA1/HmacSHA256 form ([`super::param_signature`]);
//! what differs is the path, the codes (4100 bad signature, 4104 unknown SecretId, 4500 a
//! reused nonce or a timestamp more than two hours off) and the envelopes: cdb's
//! `{code, message, codeDesc, data}` and TDSQL's `{"Response": {...}}`.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::errors::new_request_id;
use super::param_signature::{signature, string_to_sign, Method};
use crate::api_request::ApiRequest;
use crate::clock;
use crate::percent;
use crate::pipeline::{self, Answer, VendorError};
use crate::requests::{RequestRecord, Vendor};
use crate::state::SimState;
use crate::tencent::{cdb, mariadb};

/// Where legacy API v2 calls arrive.
pub(crate) const PATH: &str = "/v2/index.php";

/// How far a v2 timestamp may be from the sim's clock, and how long a nonce is remembered.
const REPLAY_WINDOW: Duration = Duration::from_secs(2 * 3600);

/// Parameters every v2 call carries; they are not the action's own. (`Version` is TDSQL's
/// own: cdb's v2 action takes none.)
const COMMON: &[&str] = &[
    "Action",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Signature",
    "Token",
];

/// A v2 error: the numeric `code` of cdb's envelope and the text code (`codeDesc`, or TDSQL's
/// `Error.Code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LegacyError {
    pub number: i64,
    pub code: String,
    pub message: String,
}

impl LegacyError {
    pub(crate) fn new(number: i64, code: &str, message: impl Into<String>) -> Self {
        LegacyError {
            number,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 9003: a parameter is missing, malformed or names nothing.
    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(9003, "InvalidParameter", message)
    }
}

impl VendorError for LegacyError {
    fn throttled(_service: &str, action: &str, per_second: u32) -> Self {
        Self::new(
            4400,
            "RequestLimitExceeded",
            format!(
                "The request rate exceeds the limit of {action}: {per_second} calls per second."
            ),
        )
    }

    fn injected(code: &str, message: Option<&str>) -> Self {
        Self::new(5000, code, message.unwrap_or("Injected fault."))
    }
}

/// Which envelope a call is answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Envelope {
    /// cdb's `{code, message, codeDesc, data}`.
    CodeMessage,
    /// TDSQL's `{"Response": {..., "RequestId"}}`.
    Response,
}

/// A v2 call's own parameters, flattened as sent (`dbPriv.0.priv.1`).
pub(crate) type Pairs = Vec<(String, String)>;

/// Answers one legacy v2 request and records it in the request log.
pub(crate) async fn handle(state: &SimState, request: &ApiRequest) -> Response {
    let request_id = new_request_id();
    let pairs = read_pairs(request);
    let action = pairs
        .as_ref()
        .ok()
        .and_then(|pairs| value(pairs, "Action"))
        .unwrap_or_default();
    let (service, envelope) = match action.as_str() {
        mariadb::legacy::ACTION => (mariadb::SERVICE, Envelope::Response),
        _ => (cdb::SERVICE, Envelope::CodeMessage),
    };
    let mut record = RequestRecord {
        vendor: Vendor::TencentCloud,
        service: Some(service.to_owned()),
        action: Some(action.clone()).filter(|a| !a.is_empty()),
        version: pairs
            .as_ref()
            .ok()
            .and_then(|pairs| value(pairs, "Version")),
        status: None,
        error_code: None,
        request_id: request_id.clone(),
        time: clock::rfc3339(clock::now_utc()),
        fault: None,
        params: pairs
            .as_ref()
            .map(|pairs| {
                Value::Object(
                    own(pairs)
                        .into_iter()
                        .map(|(key, value)| (key, Value::String(value)))
                        .collect(),
                )
            })
            .unwrap_or(Value::Null),
    };
    let answer = match pairs {
        Err(error) => Answer::Reply(Err(error)),
        Ok(pairs) => match verify(state, request, &pairs) {
            Err(error) => Answer::Reply(Err(error)),
            Ok(()) => {
                let own = own(&pairs);
                let shaped = pipeline::run(state, service, &action, false, |_| {
                    dispatch(state, &action, own)
                })
                .await;
                record.fault = shaped.fault;
                shaped.answer
            }
        },
    };
    let response = match answer {
        Answer::DropConnection => pipeline::dropped_connection(),
        Answer::Reply(result) => {
            if let Err(error) = &result {
                record.error_code = Some(error.code.clone());
            }
            record.status = Some(StatusCode::OK.as_u16());
            (
                StatusCode::OK,
                Json(envelope_of(envelope, result, &request_id)),
            )
                .into_response()
        }
    };
    tracing::info!(
        vendor = "tencentcloud",
        api = "v2",
        action = record.action.as_deref().unwrap_or("-"),
        error_code = record.error_code.as_deref().unwrap_or("-"),
        "api call"
    );
    state.record(record);
    response
}

async fn dispatch(state: &SimState, action: &str, pairs: Pairs) -> Result<Value, LegacyError> {
    match action {
        cdb::legacy::ACTION => cdb::legacy::modify(state, &pairs).await,
        mariadb::legacy::ACTION => mariadb::legacy::modify(state, &pairs).await,
        other => Err(LegacyError::new(
            4000,
            "InvalidAction",
            format!("The action `{other}` does not exist or is not served by clouddb-sim's legacy API v2."),
        )),
    }
}

fn envelope_of(envelope: Envelope, result: Result<Value, LegacyError>, request_id: &str) -> Value {
    match (envelope, result) {
        (Envelope::CodeMessage, Ok(data)) => {
            json!({"code": 0, "message": "", "codeDesc": "Success", "data": data})
        }
        (Envelope::CodeMessage, Err(error)) => {
            json!({"code": error.number, "message": error.message, "codeDesc": error.code})
        }
        (Envelope::Response, Ok(mut fields)) => {
            if let Value::Object(map) = &mut fields {
                map.insert("RequestId".to_owned(), json!(request_id));
            }
            json!({ "Response": fields })
        }
        (Envelope::Response, Err(error)) => json!({"Response": {
            "Error": {"Code": error.code, "Message": error.message},
            "RequestId": request_id,
        }}),
    }
}

/// The query's pairs and a form body's.
fn read_pairs(request: &ApiRequest) -> Result<Pairs, LegacyError> {
    let malformed = |what: &str, e: percent::MalformedEncoding| {
        LegacyError::new(
            4000,
            "InvalidParameter",
            format!("The {what} is malformed: {e}."),
        )
    };
    let mut pairs =
        percent::parse_pairs(&request.query).map_err(|e| malformed("query string", e))?;
    if request.has_form_body() {
        let body = std::str::from_utf8(&request.body).map_err(|_| {
            LegacyError::new(4000, "InvalidParameter", "The form body is not UTF-8 text.")
        })?;
        pairs.extend(percent::parse_pairs(body).map_err(|e| malformed("form body", e))?);
    }
    Ok(pairs)
}

fn value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .filter(|value| !value.is_empty())
}

fn own(pairs: &[(String, String)]) -> Pairs {
    pairs
        .iter()
        .filter(|(key, _)| !COMMON.contains(&key.as_str()))
        .cloned()
        .collect()
}

/// The signature, the SecretId, the timestamp, the nonce and the token, with v2's codes.
fn verify(
    state: &SimState,
    request: &ApiRequest,
    pairs: &[(String, String)],
) -> Result<(), LegacyError> {
    let required = |name: &str| {
        value(pairs, name).ok_or_else(|| {
            LegacyError::new(
                4000,
                "InvalidParameter",
                format!("The common parameter `{name}` is missing."),
            )
        })
    };
    let secret_id = required("SecretId")?;
    let signed = required("Signature")?;
    let nonce = required("Nonce")?;
    let timestamp = required("Timestamp")?;
    let method = match value(pairs, "SignatureMethod").as_deref() {
        None | Some("HmacSHA1") => Method::HmacSha1,
        Some("HmacSHA256") => Method::HmacSha256,
        Some(other) => {
            return Err(LegacyError::new(
                4000,
                "InvalidParameter",
                format!("SignatureMethod `{other}` is not one of HmacSHA1, HmacSHA256."),
            ))
        }
    };
    let signed_at = timestamp.parse::<i64>().map_err(|_| {
        LegacyError::new(
            4000,
            "InvalidParameter",
            format!("Timestamp `{timestamp}` is not a Unix time in seconds."),
        )
    })?;
    let skew = (clock::now_utc().unix_timestamp() - signed_at).unsigned_abs();
    if skew > REPLAY_WINDOW.as_secs() {
        return Err(LegacyError::new(
            4500,
            "RequestReplay",
            format!("Timestamp {timestamp} is {skew} seconds away from the server's time; at most 7200 seconds are allowed."),
        ));
    }
    let credential = state
        .credentials()
        .tencent(&secret_id)
        .cloned()
        .ok_or_else(|| {
            LegacyError::new(
                4104,
                "SecretIdNotFound",
                format!("The SecretId `{secret_id}` does not exist."),
            )
        })?;
    let unsigned: Pairs = pairs
        .iter()
        .filter(|(key, _)| key != "Signature")
        .cloned()
        .collect();
    let host = request.header("host").unwrap_or_default();
    let text = string_to_sign(request.method.as_str(), host, PATH, &unsigned);
    if !crate::crypto::same_signature(&signature(method, &credential.secret_key, &text), &signed) {
        return Err(LegacyError::new(
            4100,
            "AuthFailure",
            format!("The signature does not match the one the server calculated. Server string to sign is: {text:?}"),
        ));
    }
    match (credential.token.as_deref(), value(pairs, "Token")) {
        (None, None) => {}
        (Some(expected), Some(sent)) if crate::crypto::same_signature(expected, &sent) => {}
        _ => {
            return Err(LegacyError::new(
                4100,
                "AuthFailure",
                "The Token does not belong to this SecretId, or a temporary SecretId sent none.",
            ))
        }
    }
    if !state.remember_nonce(&format!("v2/{secret_id}/{nonce}"), REPLAY_WINDOW) {
        return Err(LegacyError::new(
            4500,
            "RequestReplay",
            format!("The Nonce {nonce} was already used within the last two hours."),
        ));
    }
    Ok(())
}

/// The items of a flattened list (`dbPriv.0.db`, `dbPriv.0.priv.1`, ...), each as its own
/// pairs with the list's prefix removed (`db`, `priv.1`), in index order; a gap ends the list.
pub(crate) fn items(pairs: &[(String, String)], list: &str) -> Vec<Pairs> {
    (0..)
        .map(|index| {
            let prefix = format!("{list}.{index}.");
            pairs
                .iter()
                .filter_map(|(key, value)| {
                    key.strip_prefix(&prefix)
                        .map(|rest| (rest.to_owned(), value.clone()))
                })
                .collect::<Pairs>()
        })
        .take_while(|item| !item.is_empty())
        .collect()
}

/// The values of `name.0`, `name.1`, ... in index order; a gap ends the list.
pub(crate) fn values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    (0..)
        .map_while(|index| value_of(pairs, &format!("{name}.{index}")))
        .collect()
}

/// A parameter's value, empty included; `None` when it was not sent.
pub(crate) fn value_of(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Pairs {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn flattened_lists_read_in_index_order() {
        let sent = pairs(&[
            ("dbPriv.1.db", "logs"),
            ("dbPriv.0.db", "shop"),
            ("dbPriv.0.priv.0", "SELECT"),
            ("dbPriv.0.priv.1", "INSERT"),
            ("globalPriv.0", "PROCESS"),
            ("globalPriv.2", "ignored after a gap"),
        ]);
        let items = items(&sent, "dbPriv");
        assert_eq!(items.len(), 2);
        assert_eq!(value_of(&items[0], "db").as_deref(), Some("shop"));
        assert_eq!(values(&items[0], "priv"), ["SELECT", "INSERT"]);
        assert_eq!(values(&sent, "globalPriv"), ["PROCESS"]);
    }
}
