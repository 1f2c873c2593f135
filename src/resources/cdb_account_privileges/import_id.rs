//! Import IDs: `<instance_id>#<user>#<host>`, or `<instance_id>#<user>` for the host `%`.

use crate::cloud::tencent::cdb::Account;
use crate::framework::Diagnostics;
use crate::resources::messages::invalid_import_id;

use super::validation::{host_rule, instance_id_rule, user_rule, DEFAULT_HOST, TYPE_NAME};

/// `<instance_id>#<user>#<host>`, or `<instance_id>#<user>` for the host `%`.
pub fn parse_import_id(id: &str) -> Result<(String, Account), Diagnostics> {
    let parts: Vec<&str> = id.split('#').collect();
    let (instance, user, host) = match parts.as_slice() {
        [instance, user] => (*instance, *user, DEFAULT_HOST),
        [instance, user, host] => (*instance, *user, *host),
        _ => ("", "", ""),
    };
    let form = "write <instance_id>#<user>#<host>, e.g. cdb-c1nl9rpv#app#%, or <instance_id>#<user> for the host %";
    if instance.is_empty() || user.is_empty() || host.is_empty() {
        return Err(invalid_import_id(format!(
            "{id:?} is not an ID of {TYPE_NAME}: {form}."
        )));
    }
    let broken = [
        ("instance_id", instance, instance_id_rule(instance)),
        ("user", user, user_rule(user)),
        ("host", host, host_rule(host)),
    ]
    .into_iter()
    .find_map(|(name, value, rule)| rule.err().map(|reason| (name, value, reason)));
    if let Some((name, value, reason)) = broken {
        return Err(invalid_import_id(format!(
            "{id:?}: the {name} {value:?} is not valid: {reason}. Import IDs follow the rules of the arguments; {form}."
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
