//! An Alibaba RPC call as received: signature style, action, version and parameters.

use std::collections::BTreeMap;

use serde_json::Value;

use super::errors::AlibabaError;
use crate::api_request::ApiRequest;
use crate::percent;

/// Parameters every v1 call carries; they are not the action's own.
const COMMON_PARAMETERS: &[&str] = &[
    "AccessKeyId",
    "Action",
    "Format",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureType",
    "SignatureVersion",
    "Timestamp",
    "Version",
];

/// Parameters any action takes besides its own: `RegionId`, which the SDKs add to most calls,
/// and the owner parameters every request model of the vendor declares.
const ALWAYS_ALLOWED: &[&str] = &[
    "RegionId",
    "OwnerId",
    "OwnerAccount",
    "ResourceOwnerId",
    "ResourceOwnerAccount",
];

/// Decoded `name=value` parameters in the order sent.
pub(crate) type Pairs = Vec<(String, String)>;

/// How the call is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureStyle {
    /// ACS3-HMAC-SHA256 in the `Authorization` header, action in `x-acs-action`.
    V3,
    /// HMAC-SHA1 in the `Signature` parameter, action in `Action`.
    V1,
}

/// The parts of a request an RPC call is made of.
#[derive(Debug, Clone)]
pub(crate) struct RpcCall {
    pub style: SignatureStyle,
    pub action: String,
    pub version: String,
    /// The query string's parameters, decoded, in the order sent.
    pub query: Pairs,
    /// The form body's parameters, decoded, in the order sent.
    pub form: Pairs,
    /// The action's own parameters (common ones removed).
    pub params: Parameters,
}

/// Whether a request carries v1 RPC parameters (`Action` and `SignatureVersion`).
pub(crate) fn is_v1_request(request: &ApiRequest) -> bool {
    let Ok((query, form)) = read_pairs(request) else {
        return false;
    };
    let has = |name: &str| query.iter().chain(&form).any(|(key, _)| key == name);
    has("Action") && has("SignatureVersion")
}

impl RpcCall {
    /// Reads action, version and parameters; the signature is checked later.
    pub(crate) fn read(request: &ApiRequest) -> Result<RpcCall, AlibabaError> {
        let (query, form) = read_pairs(request)?;
        let first = |name: &str| {
            query
                .iter()
                .chain(&form)
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .filter(|value| !value.is_empty())
        };
        let v3 = |action: &str| -> Result<(SignatureStyle, String, String), AlibabaError> {
            let version = request
                .header("x-acs-version")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AlibabaError::missing_parameter("x-acs-version"))?;
            Ok((SignatureStyle::V3, action.to_owned(), version.to_owned()))
        };
        // The scheme is what the call carries: an Authorization header is v3, a `Signature`
        // or `SignatureVersion` parameter v1. Both SDK generations send `x-acs-action` with
        // their v1 calls too, so that header alone decides only when neither is there.
        let signed_v1 = first("Signature").is_some() || first("SignatureVersion").is_some();
        let (style, action, version) = match request.header("x-acs-action") {
            Some(action) if request.header("authorization").is_some() || !signed_v1 => v3(action)?,
            header_action => {
                let action = first("Action")
                    .or_else(|| header_action.map(str::to_owned))
                    .ok_or_else(|| AlibabaError::missing_parameter("Action"))?;
                let version = first("Version")
                    .or_else(|| request.header("x-acs-version").map(str::to_owned))
                    .ok_or_else(|| AlibabaError::missing_parameter("Version"))?;
                (SignatureStyle::V1, action, version)
            }
        };
        if action.is_empty() {
            return Err(AlibabaError::missing_parameter("x-acs-action"));
        }
        let mut params = BTreeMap::new();
        for (key, value) in query.iter().chain(&form) {
            if COMMON_PARAMETERS.contains(&key.as_str()) {
                continue;
            }
            if params.insert(key.clone(), value.clone()).is_some() {
                return Err(AlibabaError::invalid_parameter(format!(
                    "The parameter \"{key}\" is given more than once."
                )));
            }
        }
        Ok(RpcCall {
            style,
            action,
            version,
            query,
            form,
            params: Parameters(params),
        })
    }
}

fn read_pairs(request: &ApiRequest) -> Result<(Pairs, Pairs), AlibabaError> {
    let query = percent::parse_pairs(&request.query).map_err(|e| {
        AlibabaError::invalid_parameter(format!("The query string is malformed: {e}."))
    })?;
    let form = if request.has_form_body() {
        let body = std::str::from_utf8(&request.body)
            .map_err(|_| AlibabaError::invalid_parameter("The form body is not UTF-8 text."))?;
        percent::parse_pairs(body).map_err(|e| {
            AlibabaError::invalid_parameter(format!("The form body is malformed: {e}."))
        })?
    } else {
        Vec::new()
    };
    Ok((query, form))
}

/// An action's own parameters by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parameters(BTreeMap<String, String>);

impl Parameters {
    /// Refuses any parameter the action does not take, naming it.
    pub(crate) fn only(&self, action: &str, allowed: &[&str]) -> Result<(), AlibabaError> {
        match self
            .0
            .keys()
            .find(|key| !allowed.contains(&key.as_str()) && !ALWAYS_ALLOWED.contains(&key.as_str()))
        {
            Some(unknown) => Err(AlibabaError::unknown_parameter(unknown, action)),
            None => Ok(()),
        }
    }

    /// A parameter that must be present and not empty.
    pub(crate) fn required(&self, name: &str) -> Result<&str, AlibabaError> {
        self.optional(name)
            .ok_or_else(|| AlibabaError::missing_parameter(name))
    }

    /// A parameter that may be absent; empty counts as absent.
    pub(crate) fn optional(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// For the request log.
    pub(crate) fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                .collect(),
        )
    }
}

#[cfg(test)]
impl Parameters {
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Parameters {
        Parameters(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}
