//! A MySQL-family account: a user at a host, the rules of its names, and the ID that names it,
//! `<instance_id>#<user>#<host>`.

use crate::cloud::tencent::cdb::Account;
use crate::framework::{quoted, Diagnostics, IdentityAttribute};
use crate::resources::kit::ConfiguredOnce;
use crate::resources::messages::invalid_import_id;

/// The host of an account when none is given: any.
pub const DEFAULT_HOST: &str = "%";

/// A MySQL-family account's identity: its instance, user and host (`%` when left out), the
/// parts of its import ID.
pub const MYSQL_ACCOUNT_IDENTITY: &[IdentityAttribute] = &[
    IdentityAttribute {
        name: "instance_id",
        description: "ID of the instance.",
        required_for_import: true,
    },
    IdentityAttribute {
        name: "user",
        description: "User name of the account.",
        required_for_import: true,
    },
    IdentityAttribute {
        name: "host",
        description: "Host of the account; `%` when left out.",
        required_for_import: false,
    },
];

/// What an account ID names besides the account: the resource type and its instances' rule.
pub struct AccountIds {
    pub type_name: &'static str,
    pub instance_rule: fn(&str) -> Result<(), String>,
    /// [`user_rule`], or a service's stricter one.
    pub user_rule: fn(&str) -> Result<(), String>,
    /// An instance ID for the messages' examples.
    pub example_instance: &'static str,
}

/// Lenient on purpose: existing accounts must stay manageable. Only what would break the ID
/// (`#`) or can never be a MySQL user name is refused.
pub fn user_rule(user: &str) -> Result<(), String> {
    let length = user.chars().count();
    let allowed = user
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '#' | '\'' | '"' | '`'));
    if (1..=32).contains(&length) && allowed {
        Ok(())
    } else {
        Err("a user name has 1 to 32 characters and no spaces, quotes, backticks or \"#\"".into())
    }
}

pub fn host_rule(host: &str) -> Result<(), String> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '%' | '_' | '-' | ':' | '/');
    if !host.is_empty() && host.len() <= 255 && host.chars().all(allowed) {
        Ok(())
    } else {
        Err("a host is a name, an IP address (IPv4 or IPv6) or a pattern with % and _, such as \"%\" or \"10.0.0.%\"; it has ASCII letters, digits and . % _ - : / only".into())
    }
}

/// `<instance_id>#<user>#<host>`, or `<instance_id>#<user>` for the host `%`.
pub fn parse_account_id(id: &str, ids: &AccountIds) -> Result<(String, Account), Diagnostics> {
    let parts: Vec<&str> = id.split('#').collect();
    let (instance, user, host) = match parts.as_slice() {
        [instance, user] => (*instance, *user, DEFAULT_HOST),
        [instance, user, host] => (*instance, *user, *host),
        _ => ("", "", ""),
    };
    let form = format!(
        "write <instance_id>#<user>#<host>, e.g. {}#app#%, or <instance_id>#<user> for the host %",
        ids.example_instance
    );
    if instance.is_empty() || user.is_empty() || host.is_empty() {
        return Err(invalid_import_id(format!(
            "{} is not an ID of {}: {form}.",
            quoted(id),
            ids.type_name
        )));
    }
    let broken = [
        ("instance_id", instance, (ids.instance_rule)(instance)),
        ("user", user, (ids.user_rule)(user)),
        ("host", host, host_rule(host)),
    ]
    .into_iter()
    .find_map(|(name, value, rule)| rule.err().map(|reason| (name, value, reason)));
    if let Some((name, value, reason)) = broken {
        return Err(invalid_import_id(format!(
            "{}: the {name} {} is not valid: {reason}. Import IDs follow the rules of the arguments; {form}.",
            quoted(id),
            quoted(value)
        )));
    }
    Ok((
        instance.to_string(),
        Account {
            user: user.to_string(),
            host: host.to_string(),
        },
    ))
}

/// Refuses `config` when another resource of `type_name` in this walk has its account: a
/// MySQL-family resource replaces every privilege of its account.
pub fn refuse_account_twice(
    configured: &ConfiguredOnce,
    type_name: &str,
    config: &crate::value::Value,
    diags: &mut Diagnostics,
) {
    use crate::value::Value;
    let text = |name: &str| config.attr(name).and_then(Value::as_str);
    let host = match config.attr("host") {
        Some(Value::Null) | None => Some(DEFAULT_HOST),
        Some(host) => host.as_str(),
    };
    let (Some(instance), Some(user), Some(host)) = (text("instance_id"), text("user"), host) else {
        return;
    };
    configured.refuse_account_twice(type_name, format!("{instance}#{user}#{host}"), diags);
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: AccountIds = AccountIds {
        type_name: "clouddb_cdb_account_privileges",
        instance_rule: |id| {
            crate::resources::messages::prefixed_id(id, "cdb-", "a CDB instance ID")
        },
        user_rule,
        example_instance: "cdb-c1nl9rpv",
    };

    fn parse_import_id(id: &str) -> Result<(String, Account), Diagnostics> {
        parse_account_id(id, &IDS)
    }

    #[test]
    fn import_ids_name_the_instance_the_user_and_the_host() {
        let (instance, account) = parse_import_id("cdb-abc123#app#10.0.0.%").expect("id");
        assert_eq!(instance, "cdb-abc123");
        assert_eq!(account.user, "app");
        assert_eq!(account.host, "10.0.0.%");
        let (_, account) = parse_import_id("cdb-abc123#app").expect("short id");
        assert_eq!(account.host, "%");
        let (_, account) = parse_import_id("cdb-abc123#app#fe80::1").expect("IPv6 host");
        assert_eq!(account.host, "fe80::1");
        for bad in [
            "cdb-abc123",
            "#app#%",
            "cdb-abc123##%",
            "cdb-abc123#app#",
            "rm-1#app#%",
            "cdb-1#a#b#c",
        ] {
            let diags = parse_import_id(bad).expect_err(bad);
            assert!(
                diags.to_string().contains("<instance_id>#<user>#<host>"),
                "{bad}"
            );
        }
        let text = parse_import_id("cdb-abc123#app #%")
            .expect_err("space")
            .to_string();
        assert!(text.contains("the user \"app \" is not valid"), "{text}");
        let text = parse_import_id("CDB-ABC123#app#%")
            .expect_err("case")
            .to_string();
        assert!(
            text.contains("the instance_id \"CDB-ABC123\" is not valid"),
            "{text}"
        );
    }

    #[test]
    fn name_rules_explain_themselves() {
        assert!(user_rule("app_rw").is_ok());
        assert!(user_rule("a#b").is_err());
        assert!(user_rule(&"u".repeat(33)).is_err());
        for host in [
            "%",
            "10.0.0.%",
            "db.example.com",
            "fe80::1",
            "10.0.0.0/255.255.255.0",
        ] {
            assert!(host_rule(host).is_ok(), "{host}");
        }
        assert!(host_rule("a b").is_err());
        assert!(host_rule("").is_err());
    }
}
