//! The `timeouts` block every resource carries, and parsing of its Go-style durations ("10m", "1h30m").

use std::time::Duration;

use crate::value::{AttributePath, Type, Value};

use super::diagnostics::Diagnostics;
use super::schema::{Attribute, Block, NestedBlock, Nesting, Validator};

pub const BLOCK_NAME: &str = "timeouts";

/// Longer timeouts are typos, and deadlines past the clock's range would break arithmetic.
const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

/// A `timeouts { create = "..." ... }` block with one optional duration per operation.
pub fn timeouts_block(operations: &[&str]) -> NestedBlock {
    let block = operations.iter().fold(Block::new(), |block, operation| {
        block.attribute(
            Attribute::optional(operation, Type::String)
                .description(&format!(
                    "How long {operation} may take, as a duration such as \"30s\", \"10m\" or \"1h\"."
                ))
                .validator(DurationValidator),
        )
    });
    NestedBlock::new(
        BLOCK_NAME,
        Nesting::Single,
        block.description("How long each operation may take, retries and waits included, before it fails; 10 minutes each by default. Configuration only: it is never read from the cloud."),
    )
}

/// The timeout configured for `operation` in a resource value, or `default`.
pub fn timeout(resource: &Value, operation: &str, default: Duration) -> Duration {
    resource
        .attr(BLOCK_NAME)
        .and_then(|t| t.attr(operation))
        .and_then(Value::as_str)
        .and_then(|text| parse_duration(text).ok())
        .unwrap_or(default)
}

/// A duration the way the `timeouts` block takes it: `90s`, `10m`, `1h`, `1500ms`.
pub fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (duration.subsec_millis(), seconds) {
        (0, s) if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        (0, s) if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        (0, s) => format!("{s}s"),
        _ => format!("{}ms", duration.as_millis()),
    }
}

struct DurationValidator;

impl Validator for DurationValidator {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(text) = value.as_str() {
            if let Err(reason) = parse_duration(text) {
                diags.attribute_error(
                    path.clone(),
                    "Invalid duration",
                    format!("{path} = {text:?} is not a duration: {reason}. Write a number followed by a unit (h, m, s or ms), e.g. \"30s\", \"10m\", \"1h30m\"."),
                );
            }
        }
    }
}

/// Parses a positive Go-style duration: one or more `<number><unit>` pairs, units h, m, s, ms.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("it is empty".into());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or("the last number has no unit")?;
        if digits == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{:?} is not a number", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            other => return Err(format!("unknown unit {other:?}")),
        };
        rest = &rest[unit_len..];
        total = Duration::try_from_secs_f64(number * seconds_per_unit)
            .ok()
            .and_then(|part| total.checked_add(part))
            .filter(|total| *total <= MAX_TIMEOUT)
            .ok_or("it is longer than the longest timeout, 720h (30 days)")?;
    }
    if total.is_zero() {
        return Err("it must be longer than zero".into());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_like_the_timeouts_block() {
        assert_eq!(describe_duration(Duration::from_secs(600)), "10m");
        assert_eq!(describe_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(describe_duration(Duration::from_secs(90)), "90s");
        assert_eq!(describe_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn durations_read_like_go() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn malformed_durations_say_why() {
        assert!(parse_duration("").unwrap_err().contains("empty"));
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s")
            .unwrap_err()
            .contains("longer than zero"));
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("3000000000000000h")
            .unwrap_err()
            .contains("720h"));
        assert!(parse_duration("721h").unwrap_err().contains("720h"));
        assert_eq!(parse_duration("720h"), Ok(Duration::from_secs(720 * 3600)));
    }
}
