//! Wall-clock time as the vendors write it.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The current UTC time.
pub(crate) fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// RFC 3339 in UTC, e.g. `2024-05-01T12:00:00.123Z`.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
