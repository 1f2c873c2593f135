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

/// `2024-05-01 20:00:00`: Beijing time (UTC+8), the way Tencent's APIs write times.
pub(crate) fn tencent_time(at: OffsetDateTime) -> String {
    let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    at.to_offset(beijing)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
