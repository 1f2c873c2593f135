//! The log of vendor API calls, in the order they were answered, for `GET /_sim/requests`.

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How many calls the log keeps; older ones are forgotten first.
const CAPACITY: usize = 100_000;

/// The cloud a call was addressed to, named like the provider's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    TencentCloud,
    AliCloud,
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Vendor::TencentCloud => "tencentcloud",
            Vendor::AliCloud => "alicloud",
        })
    }
}

/// One vendor API call as the sim saw it. `params` holds the business parameters only:
/// never credentials, signatures, nonces or timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub vendor: Vendor,
    /// `polardb`, `cdb`, ...; `None` when the call named no service the sim knows.
    pub service: Option<String>,
    pub action: Option<String>,
    pub version: Option<String>,
    /// The HTTP status answered; `None` when the connection was dropped by a fault.
    pub status: Option<u16>,
    /// The vendor error code answered, if any.
    pub error_code: Option<String>,
    pub request_id: String,
    /// When the call arrived (RFC 3339, UTC).
    pub time: String,
    /// The id of the injected fault that shaped this call, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<u64>,
    pub params: serde_json::Value,
}

/// The calls answered so far, oldest first.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    records: VecDeque<RequestRecord>,
}

impl RequestLog {
    pub(crate) fn push(&mut self, record: RequestRecord) {
        if self.records.len() == CAPACITY {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    pub(crate) fn all(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.records.clear();
    }
}
