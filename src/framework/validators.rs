//! Reusable attribute validators: enumerated values and name rules, applied to a string or to
//! every element of a collection of strings, with errors that name the value and what is allowed.

use crate::value::{AttributePath, Value};

use super::diagnostics::Diagnostics;
use super::quoted::quoted;
use super::schema::Validator;

/// Every string (or every string inside a list, set or map) is one of `allowed`, exactly as written.
pub struct OneOf {
    pub allowed: &'static [&'static str],
}

/// Every string (or every string inside a collection) satisfies `rule`, which explains a refusal.
pub struct NameRule {
    pub rule: fn(&str) -> Result<(), String>,
}

impl Validator for OneOf {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        for_each_string(value, path, &mut |element| {
            if self.allowed.contains(&element.text) {
                return;
            }
            let hint = spelling_hint(self.allowed, element.text)
                .map(|hint| format!(" ({hint})"))
                .unwrap_or_default();
            diags.attribute_error(
                element.path.clone(),
                "Unsupported value",
                format!(
                    "{} is not allowed{hint}. Allowed values: {}.",
                    element.subject(),
                    quoted_list(self.allowed)
                ),
            );
        });
    }
}

impl Validator for NameRule {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        for_each_string(value, path, &mut |element| {
            if let Err(reason) = (self.rule)(element.text) {
                diags.attribute_error(
                    element.path.clone(),
                    "Invalid name",
                    format!("{} is not valid: {reason}.", element.subject()),
                );
            }
        });
    }
}

/// One string found in a configuration value, and where it stands.
struct Element<'a> {
    text: &'a str,
    path: AttributePath,
    /// Terraform cannot point into a set, so a set element is reported at the set itself.
    in_set: bool,
}

impl Element<'_> {
    /// How the message names the value: `x["k"] = "v"`, or `x contains "v"` for a set.
    fn subject(&self) -> String {
        if self.in_set {
            format!("{} contains {}, which", self.path, quoted(self.text))
        } else {
            format!("{} = {}", self.path, quoted(self.text))
        }
    }
}

/// What the user may have meant by `text`, which is not one of `allowed`: the same name in
/// another case or with other spacing, a name cut short (`TEMP`), or `ALL`, which a privilege
/// list cannot hold since the cloud reports it as the privileges it stands for.
pub fn spelling_hint(allowed: &[&str], text: &str) -> Option<String> {
    let spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = spaced.to_ascii_uppercase();
    if upper == "ALL" || upper == "ALL PRIVILEGES" {
        return Some(format!("{text} is not accepted: list each privilege you want from the allowed values, since the cloud reports {text} as that list and it would always show as a change"));
    }
    if let Some(same) = allowed.iter().find(|a| a.eq_ignore_ascii_case(text)) {
        return Some(format!("values are case-sensitive: did you mean {same:?}?"));
    }
    if let Some(same) = allowed.iter().find(|a| a.eq_ignore_ascii_case(&spaced)) {
        return Some(format!("names have single spaces: did you mean {same:?}?"));
    }
    let longer: Vec<&&str> = allowed
        .iter()
        .filter(|a| upper.len() >= 3 && a.to_ascii_uppercase().starts_with(&upper))
        .collect();
    match longer.as_slice() {
        [only] => Some(format!("did you mean {only:?}?")),
        _ => None,
    }
}

pub fn quoted_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn for_each_string(value: &Value, path: &AttributePath, visit: &mut dyn FnMut(Element<'_>)) {
    match value {
        Value::String(text) => visit(Element {
            text,
            path: path.clone(),
            in_set: false,
        }),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let index = i64::try_from(i).unwrap_or(i64::MAX);
                for_each_string(item, &path.index(index), visit);
            }
        }
        Value::Set(items) => {
            for item in items {
                match item {
                    Value::String(text) => visit(Element {
                        text,
                        path: path.clone(),
                        in_set: true,
                    }),
                    other => for_each_string(other, path, visit),
                }
            }
        }
        Value::Map(entries) => {
            for (key, item) in entries {
                for_each_string(item, &path.key(key), visit);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Severity;

    const PRIVILEGES: OneOf = OneOf {
        allowed: &["ReadWrite", "ReadOnly"],
    };

    #[test]
    fn an_absurdly_long_value_is_named_without_being_repeated_whole() {
        let value = Value::string("A".repeat(10_000));
        let mut diags = Diagnostics::new();
        PRIVILEGES.validate(&value, &AttributePath::root().attribute("p"), &mut diags);
        let detail = &diags.iter().next().expect("an error").detail;
        assert!(
            detail.contains("(10000 characters) is not allowed"),
            "{detail}"
        );
        assert!(detail.len() < 300, "{} characters", detail.len());
    }

    #[test]
    fn a_map_value_outside_the_list_is_reported_at_its_key_with_the_allowed_values() {
        let value = Value::Map([("shop".to_string(), Value::string("Admin"))].into());
        let mut diags = Diagnostics::new();
        PRIVILEGES.validate(
            &value,
            &AttributePath::root().attribute("database_privileges"),
            &mut diags,
        );
        let d = diags.iter().next().expect("one diagnostic");
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(
            d.path.as_ref().map(|p| p.to_string()).as_deref(),
            Some("database_privileges[\"shop\"]")
        );
        assert!(d.detail.contains("\"Admin\""), "{}", d.detail);
        assert!(
            d.detail.contains("\"ReadWrite\", \"ReadOnly\""),
            "{}",
            d.detail
        );
    }

    #[test]
    fn a_value_in_the_wrong_case_gets_a_hint() {
        let mut diags = Diagnostics::new();
        PRIVILEGES.validate(
            &Value::string("readonly"),
            &AttributePath::root().attribute("p"),
            &mut diags,
        );
        assert!(diags
            .iter()
            .next()
            .expect("one diagnostic")
            .detail
            .contains("did you mean \"ReadOnly\""));
    }

    #[test]
    fn a_set_element_is_reported_at_the_set_which_terraform_can_point_to() {
        let mut diags = Diagnostics::new();
        let value = Value::Set(vec![Value::string("ReadOnly"), Value::string("Owner")]);
        PRIVILEGES.validate(
            &value,
            &AttributePath::root().attribute("privileges"),
            &mut diags,
        );
        let d = diags.iter().next().expect("one diagnostic");
        assert_eq!(
            d.path.as_ref().map(|p| p.to_string()).as_deref(),
            Some("privileges")
        );
        assert!(
            d.detail
                .starts_with("privileges contains \"Owner\", which is not allowed"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn all_shortened_names_and_spacing_get_hints() {
        let allowed = &["CONNECT", "CREATE", "TEMPORARY", "SHOW VIEW"];
        let hint = |text: &str| spelling_hint(allowed, text).unwrap_or_default();
        assert!(hint("ALL").starts_with("ALL is not accepted: list each privilege"));
        assert!(hint("all privileges").starts_with("all privileges is not accepted"));
        assert_eq!(hint("TEMP"), "did you mean \"TEMPORARY\"?");
        assert_eq!(
            hint("SHOW  VIEW"),
            "names have single spaces: did you mean \"SHOW VIEW\"?"
        );
        assert_eq!(
            hint("connect"),
            "values are case-sensitive: did you mean \"CONNECT\"?"
        );
        assert_eq!(spelling_hint(allowed, "C"), None);
        assert_eq!(spelling_hint(allowed, "DROP"), None);
    }

    #[test]
    fn allowed_values_pass() {
        let mut diags = Diagnostics::new();
        let value = Value::Set(vec![Value::string("ReadOnly"), Value::string("ReadWrite")]);
        PRIVILEGES.validate(&value, &AttributePath::root(), &mut diags);
        assert!(diags.is_empty());
    }
}
