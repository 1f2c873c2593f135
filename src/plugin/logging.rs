//! Logs as hclog JSON lines on stderr, which Terraform shows at their level under TF_LOG.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde_json::Value as Json;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

const MODULE: &str = "provider.terraform-provider-clouddb";

/// Installs the logger, at the level TF_LOG_PROVIDER or TF_LOG asks for (warnings when unset).
/// Libraries (HTTP/2 frames, TLS) log only their warnings: their debug output drowns ours.
pub fn init() {
    let setting = std::env::var("TF_LOG_PROVIDER")
        .or_else(|_| std::env::var("TF_LOG"))
        .unwrap_or_default();
    let level = level_for(&setting);
    let filter = Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        .with_target("clouddb", level)
        .with_target("terraform_provider_clouddb", level);
    let _ = tracing_subscriber::registry()
        .with(HclogLayer.with_filter(filter))
        .try_init();
}

fn level_for(setting: &str) -> LevelFilter {
    match setting.trim().to_ascii_uppercase().as_str() {
        "" => LevelFilter::WARN,
        "OFF" => LevelFilter::OFF,
        "ERROR" => LevelFilter::ERROR,
        "WARN" => LevelFilter::WARN,
        "INFO" => LevelFilter::INFO,
        "DEBUG" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        let mut line = fields.0;
        let message = line
            .remove("message")
            .unwrap_or(Json::String(String::new()));
        line.insert("@message".into(), message);
        line.insert(
            "@level".into(),
            Json::String(hclog_level(*event.metadata().level()).into()),
        );
        line.insert("@module".into(), Json::String(MODULE.into()));
        line.insert("@timestamp".into(), Json::String(timestamp()));
        if let Ok(mut text) = serde_json::to_string(&line) {
            text.push('\n');
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }
}

fn hclog_level(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

#[derive(Default)]
struct JsonFields(BTreeMap<String, Json>);

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Json::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().into(), Json::String(value.into()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Json::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Json::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Json::Bool(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_log_levels_map_to_filters() {
        assert_eq!(level_for(""), LevelFilter::WARN);
        assert_eq!(level_for("debug"), LevelFilter::DEBUG);
        assert_eq!(level_for("JSON"), LevelFilter::TRACE);
        assert_eq!(level_for("off"), LevelFilter::OFF);
    }
}
