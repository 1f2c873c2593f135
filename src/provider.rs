//! The clouddb provider: its configuration blocks and the credential chain (arguments, then
//! environment variables), from which it configures the clients the resources share
//! (`resources/clients.rs`).

use std::sync::Arc;

use async_trait::async_trait;

use crate::cloud::credentials::{AlibabaCredentials, Secret, TencentCredentials};
use crate::cloud::transport::Transport;
use crate::data_sources;
use crate::framework::{
    quoted, Attribute, Block, DataSource, Diagnostics, ListResource, NestedBlock, Nesting,
    Provider, Resource, Schema,
};
use crate::list_resources;
use crate::resources;
use crate::resources::clients::{Clouds, Configured};
use crate::value::{AttributePath, Type, Value};

pub const DEFAULT_ALIBABA_REGION: &str = "cn-hangzhou";

/// One provider argument and the environment variable that stands in for it.
struct Setting {
    argument: &'static str,
    variable: &'static str,
}

impl Setting {
    const fn new(argument: &'static str, variable: &'static str) -> Self {
        Setting { argument, variable }
    }
}

const TENCENT_BLOCK: &str = "tencentcloud";
const TENCENT_SECRET_ID: Setting = Setting::new("secret_id", "TENCENTCLOUD_SECRET_ID");
const TENCENT_SECRET_KEY: Setting = Setting::new("secret_key", "TENCENTCLOUD_SECRET_KEY");
const TENCENT_TOKEN: Setting = Setting::new("security_token", "TENCENTCLOUD_SECURITY_TOKEN");
const TENCENT_REGION: Setting = Setting::new("region", "TENCENTCLOUD_REGION");
const TENCENT_ENDPOINT: Setting = Setting::new("endpoint", "CLOUDDB_TENCENTCLOUD_ENDPOINT");
const TENCENT_LEGACY_API: Setting = Setting::new("legacy_api", "CLOUDDB_TENCENTCLOUD_LEGACY_API");

const ALIBABA_BLOCK: &str = "alicloud";
const ALIBABA_ACCESS_KEY: Setting = Setting::new("access_key", "ALICLOUD_ACCESS_KEY");
const ALIBABA_SECRET_KEY: Setting = Setting::new("secret_key", "ALICLOUD_SECRET_KEY");
const ALIBABA_TOKEN: Setting = Setting::new("security_token", "ALICLOUD_SECURITY_TOKEN");
const ALIBABA_REGION: Setting = Setting::new("region", "ALICLOUD_REGION");
const ALIBABA_ENDPOINT: Setting = Setting::new("endpoint", "CLOUDDB_ALICLOUD_ENDPOINT");

pub struct CloudDbProvider {
    clouds: Arc<Clouds>,
    lookup_env: fn(&str) -> Option<String>,
}

impl CloudDbProvider {
    pub fn new(transport: Transport) -> Self {
        Self::with_environment(transport, |name| std::env::var(name).ok())
    }

    /// A provider that reads "environment variables" from `lookup_env`, so tests stay hermetic.
    pub fn with_environment(transport: Transport, lookup_env: fn(&str) -> Option<String>) -> Self {
        CloudDbProvider {
            clouds: Arc::new(Clouds::new(transport)),
            lookup_env,
        }
    }

    /// The setting from the block, or else from its environment variable; empty counts as unset.
    fn setting(&self, block: &Value, setting: &Setting) -> Option<String> {
        let is_set = |value: &String| !value.trim().is_empty();
        block
            .attr(setting.argument)
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(is_set)
            .or_else(|| (self.lookup_env)(setting.variable).filter(is_set))
    }

    fn required(
        &self,
        block: &Value,
        block_name: &str,
        setting: &Setting,
    ) -> Result<String, Diagnostics> {
        self.setting(block, setting).ok_or_else(|| {
            Diagnostics::from_error(
                format!("Missing {block_name} credential: {}", setting.argument),
                format!(
                    "Set {} in the provider's {block_name} block, or the {} environment variable.",
                    setting.argument, setting.variable
                ),
            )
        })
    }

    fn tencent(&self, config: &Value) -> Configured<TencentCredentials> {
        let block = config.attr(TENCENT_BLOCK).unwrap_or(&Value::Null);
        refuse_unknown(block, TENCENT_BLOCK)?;
        let secret_id = self.required(block, TENCENT_BLOCK, &TENCENT_SECRET_ID);
        let secret_key = self.required(block, TENCENT_BLOCK, &TENCENT_SECRET_KEY);
        let (secret_id, secret_key) = both(secret_id, secret_key)?;
        Ok(TencentCredentials {
            secret_id,
            secret_key: Secret::new(secret_key),
            security_token: self.setting(block, &TENCENT_TOKEN).map(Secret::new),
            region: self.setting(block, &TENCENT_REGION),
            endpoint: self.setting(block, &TENCENT_ENDPOINT),
            legacy_api: self.legacy_api(block)?,
        })
    }

    /// `legacy_api`: the block's bool, or else its environment variable (`true`/`1` or
    /// `false`/`0`).
    fn legacy_api(&self, block: &Value) -> Result<bool, Diagnostics> {
        if let Some(flag) = block
            .attr(TENCENT_LEGACY_API.argument)
            .and_then(Value::as_bool)
        {
            return Ok(flag);
        }
        match (self.lookup_env)(TENCENT_LEGACY_API.variable).as_deref().map(str::trim) {
            None | Some("" | "false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(Diagnostics::from_error(
                "Invalid legacy_api",
                format!(
                    "The {} environment variable = {other:?} is not valid: write true or false (or 1 or 0).",
                    TENCENT_LEGACY_API.variable
                ),
            )),
        }
    }

    fn alibaba(&self, config: &Value) -> Configured<AlibabaCredentials> {
        let block = config.attr(ALIBABA_BLOCK).unwrap_or(&Value::Null);
        refuse_unknown(block, ALIBABA_BLOCK)?;
        let access_key = self.required(block, ALIBABA_BLOCK, &ALIBABA_ACCESS_KEY);
        let secret_key = self.required(block, ALIBABA_BLOCK, &ALIBABA_SECRET_KEY);
        let (access_key_id, secret_key) = both(access_key, secret_key)?;
        Ok(AlibabaCredentials {
            access_key_id,
            access_key_secret: Secret::new(secret_key),
            security_token: self.setting(block, &ALIBABA_TOKEN).map(Secret::new),
            region: self
                .setting(block, &ALIBABA_REGION)
                .unwrap_or_else(|| DEFAULT_ALIBABA_REGION.to_string()),
            endpoint: self.setting(block, &ALIBABA_ENDPOINT),
        })
    }

    /// Whether the configuration means to use a cloud: one of its credentials is given, in the
    /// block or in the environment (a region or an endpoint alone says nothing).
    fn is_meant(&self, config: &Value, block_name: &str, credentials: &[&Setting]) -> bool {
        let block = config.attr(block_name).unwrap_or(&Value::Null);
        credentials
            .iter()
            .any(|setting| self.setting(block, setting).is_some())
    }

    /// Refuses a setting (from the block, or else its environment variable) that `rule`
    /// refuses, naming the argument or the variable. A secret's value is never repeated, and
    /// its error has no attribute path: Terraform would show the configuration's line with it.
    fn check_setting(
        &self,
        config: &Value,
        block_name: &str,
        checked: &CheckedSetting,
        diags: &mut Diagnostics,
    ) {
        let CheckedSetting {
            setting,
            rule,
            secret,
        } = *checked;
        let block = config.attr(block_name).unwrap_or(&Value::Null);
        let Some(value) = self.setting(block, setting) else {
            return;
        };
        let Err(reason) = rule(&value) else {
            return;
        };
        let summary = format!("Invalid {}", setting.argument);
        let shown = if secret {
            String::new()
        } else {
            format!(" = {}", quoted(&value))
        };
        let path = AttributePath::root()
            .attribute(block_name)
            .attribute(setting.argument);
        let from_argument = block.attr(setting.argument).and_then(Value::as_str) == Some(&value);
        if from_argument {
            let detail = format!("{path}{shown} is not valid: {reason}.");
            match secret {
                true => diags.error(summary, detail),
                false => diags.attribute_error(path, summary, detail),
            }
        } else {
            let detail = format!(
                "The {} environment variable{shown} is not valid: {reason}.",
                setting.variable
            );
            diags.error(summary, detail);
        }
    }
}

/// A check of one provider setting's text: `Err` says why it is refused.
type SettingRule = fn(&str) -> Result<(), String>;

/// A setting checked before any call: its rule, and whether it is a secret.
struct CheckedSetting {
    setting: &'static Setting,
    rule: SettingRule,
    secret: bool,
}

const fn checked(setting: &'static Setting, rule: SettingRule, secret: bool) -> CheckedSetting {
    CheckedSetting {
        setting,
        rule,
        secret,
    }
}

/// Each block's checked settings.
const CHECKED_SETTINGS: &[(&str, &[CheckedSetting])] = &[
    (
        TENCENT_BLOCK,
        &[
            checked(&TENCENT_SECRET_ID, credential_rule, false),
            checked(&TENCENT_SECRET_KEY, credential_rule, true),
            checked(&TENCENT_TOKEN, credential_rule, true),
            checked(&TENCENT_REGION, region_rule, false),
            checked(&TENCENT_ENDPOINT, endpoint_rule, false),
        ],
    ),
    (
        ALIBABA_BLOCK,
        &[
            checked(&ALIBABA_ACCESS_KEY, credential_rule, false),
            checked(&ALIBABA_SECRET_KEY, credential_rule, true),
            checked(&ALIBABA_TOKEN, credential_rule, true),
            checked(&ALIBABA_REGION, region_rule, false),
            checked(&ALIBABA_ENDPOINT, endpoint_rule, false),
        ],
    ),
];

/// Keys, secrets and tokens travel in headers and signatures, where whitespace or a control
/// character cannot go (or changes what is signed).
fn credential_rule(value: &str) -> Result<(), String> {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains a space, a line break or another control character (a value read with file() keeps its last line break: trimspace() removes it)".into());
    }
    Ok(())
}

fn region_rule(region: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if region.len() <= 64 && region.chars().all(allowed) {
        Ok(())
    } else {
        Err("a region is an ID such as ap-guangzhou or cn-hangzhou: lowercase letters, digits and -".into())
    }
}

/// Adds the error of credentials that are missing; settings not known yet are reported by the
/// resources that need them, since a plan may still go on without them.
fn report_missing_credentials<T>(configured: &Configured<T>, diags: &mut Diagnostics) {
    if let Err(errors) = configured {
        let missing = errors
            .iter()
            .filter(|d| d.summary.starts_with("Missing "))
            .cloned();
        for diagnostic in missing {
            diags.error(diagnostic.summary, diagnostic.detail);
        }
    }
}

/// A setting that is not known yet (it comes from a resource still to be created) must not
/// silently give way to an environment variable, which may name another cloud account.
fn refuse_unknown(block: &Value, block_name: &str) -> Result<(), Diagnostics> {
    let unknown: Vec<&str> = match block {
        Value::Unknown => vec![block_name],
        Value::Object(settings) => settings
            .iter()
            .filter(|(_, value)| value.is_unknown())
            .map(|(name, _)| name.as_str())
            .collect(),
        _ => Vec::new(),
    };
    if unknown.is_empty() {
        return Ok(());
    }
    Err(Diagnostics::from_error(
        format!("{block_name} settings not known yet"),
        format!(
            "{} of the provider's {block_name} block depend on values known only after apply, so the provider cannot call this cloud in this run. Apply the resources they come from first (terraform apply -target=...).",
            unknown.join(", ")
        ),
    ))
}

fn both<A, B>(a: Result<A, Diagnostics>, b: Result<B, Diagnostics>) -> Result<(A, B), Diagnostics> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => {
            let mut diags = Diagnostics::new();
            for result in [a.err(), b.err()].into_iter().flatten() {
                diags.extend(result);
            }
            Err(diags)
        }
    }
}

/// A scheme, a host and an optional port: the clients add the path each API wants, and sign
/// it (a path of the endpoint's own would be signed as something else).
fn endpoint_rule(endpoint: &str) -> Result<(), String> {
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or("an endpoint is a base URL starting with https:// (or http:// for clouddb-sim)")?;
    if rest.contains(['?', '#']) {
        return Err("the URL has a query or a fragment: an endpoint is a scheme, a host and an optional port only".into());
    }
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    if host.contains('@') {
        return Err("the URL has a user name or password: an endpoint names no credentials (set them in their own arguments)".into());
    }
    let port = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && !port.contains(']') => Some(port),
        _ => None,
    };
    if port.is_some_and(|port| !port.parse::<u16>().is_ok_and(|port| port > 0)) {
        return Err("the URL's port is not a number from 1 to 65535".into());
    }
    if endpoint
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("the URL contains a space, a line break or another control character".into());
    }
    if !path.is_empty() {
        return Err(format!("the URL has a path (/{path}): an endpoint is a scheme, a host and an optional port only, such as https://cdb.tencentcloudapi.com or http://127.0.0.1:8600"));
    }
    Ok(())
}

fn cloud_block(description: &str, settings: &[(&Setting, bool, &str)]) -> Block {
    settings.iter().fold(
        Block::new().description(description),
        |block, (setting, sensitive, text)| {
            let attribute =
                Attribute::optional(setting.argument, Type::String).description(&format!(
                    "{text} Defaults to the `{}` environment variable.",
                    setting.variable
                ));
            block.attribute(if *sensitive {
                attribute.sensitive()
            } else {
                attribute
            })
        },
    )
}

#[async_trait]
impl Provider for CloudDbProvider {
    fn schema(&self) -> Schema {
        let tencent = cloud_block(
            "Tencent Cloud API credentials, for the postgres, cdb and tdsql resources.",
            &[
                (&TENCENT_SECRET_ID, false, "API SecretId."),
                (&TENCENT_SECRET_KEY, true, "API SecretKey."),
                (&TENCENT_TOKEN, true, "STS session token, for temporary credentials."),
                (&TENCENT_REGION, false, "Region of the instances, e.g. `ap-guangzhou`."),
                (&TENCENT_ENDPOINT, false, "Base URL used for every Tencent Cloud API instead of `https://<service>.tencentcloudapi.com`, e.g. clouddb-sim's `http://127.0.0.1:8600`; legacy API v2 calls go to `<endpoint>/v2/index.php`."),
            ],
        )
        .attribute(
            Attribute::optional(TENCENT_LEGACY_API.argument, Type::Bool).description(&format!(
                "Write cdb and tdsql privileges through the legacy API v2 (`/v2/index.php`: ModifyCdbInstanceAccountPrivileges, ModifyTdsqlUserPrivileges), for private-cloud and older endpoints that speak no API 3.0 writes. Reads still use API 3.0. Defaults to the `{}` environment variable, else false.",
                TENCENT_LEGACY_API.variable
            )),
        );
        let alibaba = cloud_block(
            "Alibaba Cloud API credentials, for the polardb resources.",
            &[
                (&ALIBABA_ACCESS_KEY, false, "AccessKey ID."),
                (&ALIBABA_SECRET_KEY, true, "AccessKey secret."),
                (&ALIBABA_TOKEN, true, "STS session token, for temporary credentials."),
                (&ALIBABA_REGION, false, "Region of the clusters, e.g. `cn-hangzhou` (the default)."),
                (&ALIBABA_ENDPOINT, false, "Base URL used for every Alibaba Cloud API instead of the product's regional endpoint, e.g. clouddb-sim's `http://127.0.0.1:8600`."),
            ],
        );
        Schema::new(
            0,
            Block::new()
                .description(
                    "Manages database account privileges on Tencent Cloud and Alibaba Cloud.",
                )
                .block(NestedBlock::new(TENCENT_BLOCK, Nesting::Single, tencent))
                .block(NestedBlock::new(ALIBABA_BLOCK, Nesting::Single, alibaba)),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for (block_name, settings) in CHECKED_SETTINGS {
            for checked in *settings {
                self.check_setting(config, block_name, checked, diags);
            }
        }
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        tracing::info!(terraform_version, "configuring the clouddb provider");
        let mut diags = Diagnostics::new();
        self.validate(config, &mut diags);
        if diags.has_errors() {
            return diags;
        }
        let tencent = self.tencent(config);
        let alibaba = self.alibaba(config);
        // A cloud whose credentials are given in part reports the missing one here, once,
        // rather than at every resource that needs it.
        if self.is_meant(
            config,
            TENCENT_BLOCK,
            &[&TENCENT_SECRET_ID, &TENCENT_SECRET_KEY],
        ) {
            report_missing_credentials(&tencent, &mut diags);
        }
        if self.is_meant(
            config,
            ALIBABA_BLOCK,
            &[&ALIBABA_ACCESS_KEY, &ALIBABA_SECRET_KEY],
        ) {
            report_missing_credentials(&alibaba, &mut diags);
        }
        self.clouds.configure(tencent, alibaba);
        diags
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        resources::all(self.clouds.clone())
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        data_sources::all(self.clouds.clone())
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        list_resources::all(self.clouds.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::transport::TransportConfig;

    fn provider(lookup_env: fn(&str) -> Option<String>) -> CloudDbProvider {
        let transport = Transport::new(TransportConfig::default());
        CloudDbProvider::with_environment(transport, lookup_env)
    }

    fn alicloud(settings: &[(&str, &str)]) -> Value {
        let block = Value::object(settings.iter().map(|(k, v)| (*k, Value::string(*v))));
        Value::object([("alicloud", block), ("tencentcloud", Value::Null)])
    }

    #[test]
    fn an_argument_wins_over_its_environment_variable() {
        let provider =
            provider(|name| (name == "ALICLOUD_ACCESS_KEY").then(|| "from-env".to_string()));
        let credentials = provider
            .alibaba(&alicloud(&[
                ("access_key", "from-config"),
                ("secret_key", "s"),
            ]))
            .expect("credentials");
        assert_eq!(credentials.access_key_id, "from-config");
        assert_eq!(credentials.region, DEFAULT_ALIBABA_REGION);
    }

    #[test]
    fn the_environment_fills_what_the_block_leaves_out() {
        let provider = provider(|name| match name {
            "ALICLOUD_SECRET_KEY" => Some("env-secret".into()),
            "ALICLOUD_REGION" => Some("cn-shanghai".into()),
            _ => None,
        });
        let credentials = provider
            .alibaba(&alicloud(&[("access_key", "LTAI")]))
            .expect("credentials");
        assert_eq!(credentials.access_key_secret.expose(), "env-secret");
        assert_eq!(credentials.region, "cn-shanghai");
    }

    #[test]
    fn each_missing_credential_names_its_argument_and_variable() {
        let provider = provider(|_| None);
        let missing = provider
            .tencent(&Value::Null)
            .expect_err("nothing configured");
        let text = missing.to_string();
        for expected in [
            "secret_id",
            "TENCENTCLOUD_SECRET_ID",
            "secret_key",
            "TENCENTCLOUD_SECRET_KEY",
        ] {
            assert!(text.contains(expected), "{text}");
        }
    }

    #[test]
    fn a_setting_not_known_yet_does_not_fall_back_to_the_environment() {
        let provider =
            provider(|name| (name == "ALICLOUD_ACCESS_KEY").then(|| "env-key".to_string()));
        let block = Value::object([
            ("access_key", Value::Unknown),
            ("secret_key", Value::string("s")),
        ]);
        let config = Value::object([("alicloud", block)]);
        let error = provider.alibaba(&config).expect_err("unknown access_key");
        assert!(error.to_string().contains("access_key"), "{error}");
    }

    #[test]
    fn an_empty_value_counts_as_unset() {
        let provider =
            provider(|name| (name == "ALICLOUD_ACCESS_KEY").then(|| "env-key".to_string()));
        let credentials = provider
            .alibaba(&alicloud(&[("access_key", ""), ("secret_key", "s")]))
            .expect("credentials");
        assert_eq!(credentials.access_key_id, "env-key");
    }

    #[test]
    fn a_malformed_endpoint_is_refused_at_plan_time_with_its_path() {
        let provider = provider(|_| None);
        let mut diags = Diagnostics::new();
        provider.validate(&alicloud(&[("endpoint", "127.0.0.1:8600")]), &mut diags);
        let error = diags.iter().next().expect("an error");
        assert_eq!(
            error.path.as_ref().map(ToString::to_string).as_deref(),
            Some("alicloud.endpoint")
        );
        assert!(error.detail.contains("https://"), "{}", error.detail);
    }

    #[test]
    fn settings_that_cannot_be_sent_are_refused_at_plan_time_without_repeating_secrets() {
        let provider = provider(|_| None);
        let mut diags = Diagnostics::new();
        let tencent = Value::object([
            ("secret_id", Value::string("AKIDhostile\n")),
            ("secret_key", Value::string("SuperSecretValue123 ")),
            ("region", Value::string("ap guangzhou")),
            ("endpoint", Value::string("http://127.0.0.1:8711/prefix")),
        ]);
        provider.validate(&Value::object([("tencentcloud", tencent)]), &mut diags);
        let paths: Vec<String> = diags
            .iter()
            .filter_map(|d| d.path.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(
            paths,
            [
                "tencentcloud.secret_id",
                "tencentcloud.region",
                "tencentcloud.endpoint"
            ],
            "a secret's error points at no line of the configuration"
        );
        let text = diags.to_string();
        assert!(
            text.contains("tencentcloud.secret_key is not valid"),
            "{text}"
        );
        assert!(!text.contains("SuperSecretValue123"), "{text}");
        assert!(text.contains("trimspace()"), "{text}");
        assert!(text.contains("\"ap guangzhou\" is not valid"), "{text}");
        assert!(text.contains("the URL has a path (/prefix)"), "{text}");
        for (endpoint, why) in [
            ("http://127.0.0.1:8711?x=1", "a query or a fragment"),
            ("http://127.0.0.1:8711#x", "a query or a fragment"),
            ("http://127.0.0.1:99999", "port is not a number"),
            ("http://user:pw@127.0.0.1:8711", "user name or password"),
        ] {
            let mut diags = Diagnostics::new();
            let block = Value::object([("endpoint", Value::string(endpoint))]);
            provider.validate(&Value::object([("alicloud", block)]), &mut diags);
            assert!(diags.to_string().contains(why), "{endpoint}: {diags}");
        }
        for fine in [
            "http://[::1]:8600",
            "https://cdb.tencentcloudapi.com",
            "http://localhost:8600/",
        ] {
            let mut diags = Diagnostics::new();
            let block = Value::object([("endpoint", Value::string(fine))]);
            provider.validate(&Value::object([("alicloud", block)]), &mut diags);
            assert!(diags.is_empty(), "{fine}: {diags}");
        }

        let mut diags = Diagnostics::new();
        let fine = Value::object([
            ("secret_id", Value::string("AKIDsim")),
            ("region", Value::string("ap-guangzhou")),
            ("endpoint", Value::string("http://127.0.0.1:8600/")),
        ]);
        provider.validate(&Value::object([("tencentcloud", fine)]), &mut diags);
        assert!(diags.is_empty(), "{diags}");
    }

    #[test]
    fn a_malformed_endpoint_from_the_environment_names_the_variable() {
        let provider = provider(|name| {
            (name == "CLOUDDB_TENCENTCLOUD_ENDPOINT").then(|| "ftp://x".to_string())
        });
        let mut diags = Diagnostics::new();
        provider.validate(&Value::Null, &mut diags);
        assert!(
            diags.to_string().contains("CLOUDDB_TENCENTCLOUD_ENDPOINT"),
            "{diags}"
        );
    }
}
