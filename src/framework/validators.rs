//! Reusable attribute validators: enumerated values and name rules, applied to a string or to
//! every element of a collection of strings, with errors that name the value and what is allowed.

use crate::value::{AttributePath, Value};

use super::diagnostics::Diagnostics;
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
        for_each_string(value, path, &mut |text, path| {
            if self.allowed.contains(&text) {
                return;
            }
            let hint = self
                .allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(text))
                .map(|a| format!(" (values are case-sensitive: did you mean {a:?}?)"))
                .unwrap_or_default();
            diags.attribute_error(
                path.clone(),
                "Unsupported value",
                format!(
                    "{path} = {text:?} is not allowed{hint}. Allowed values: {}.",
                    quoted_list(self.allowed)
                ),
            );
        });
    }
}

impl Validator for NameRule {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        for_each_string(value, path, &mut |text, path| {
            if let Err(reason) = (self.rule)(text) {
                diags.attribute_error(
                    path.clone(),
                    "Invalid name",
                    format!("{path} = {text:?} is not valid: {reason}."),
                );
            }
        });
    }
}

pub fn quoted_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn for_each_string(
    value: &Value,
    path: &AttributePath,
    visit: &mut dyn FnMut(&str, &AttributePath),
) {
    match value {
        Value::String(text) => visit(text, path),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let index = i64::try_from(i).unwrap_or(i64::MAX);
                for_each_string(item, &path.index(index), visit);
            }
        }
        // A set element is addressed by its own value.
        Value::Set(items) => {
            for item in items {
                match item {
                    Value::String(text) => visit(text, &path.key(text)),
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
    fn allowed_values_pass() {
        let mut diags = Diagnostics::new();
        let value = Value::Set(vec![Value::string("ReadOnly"), Value::string("ReadWrite")]);
        PRIVILEGES.validate(&value, &AttributePath::root(), &mut diags);
        assert!(diags.is_empty());
    }
}
