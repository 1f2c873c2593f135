//! One vendor API request as received: what the signature checks and the parameter readers see.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method};

/// One HTTP request as received, for the vendors' signature checks and parameters.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub method: Method,
    pub path: String,
    /// The raw query string, without `?`, exactly as sent.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiRequest {
    /// A header's value, if it was sent once or more and is visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Whether the body is an HTML form (`application/x-www-form-urlencoded`).
    pub(crate) fn has_form_body(&self) -> bool {
        self.header(header::CONTENT_TYPE.as_str()).is_some_and(|t| {
            t.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
    }
}
