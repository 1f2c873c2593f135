//! A Tencent API 3.0 call's parameters, read with the codes the API answers for what is wrong:
//! the JSON body of a POST, or the pairs of a GET or of a call signed in its parameters, rebuilt
//! by [`super::flattened`] into the same structure but with every value as text.

use serde_json::{Map, Value};

use super::errors::TencentError;

/// A JSON object of parameters: the call's body, or a structure inside it, named by its path
/// (`Accounts.0`) in messages.
#[derive(Debug, Clone)]
pub(crate) struct Params<'a> {
    map: &'a Map<String, Value>,
    path: String,
    /// Sent as pairs: numbers and booleans arrive as text.
    textual: bool,
}

/// A call's parameters as they arrived.
#[derive(Debug, Clone)]
pub(crate) struct CallParams {
    pub value: Value,
    /// Sent as `name=value` pairs rather than as a JSON body.
    pub textual: bool,
}

impl<'a> Params<'a> {
    /// The call's parameters; a body must be a JSON object.
    pub(crate) fn of(call: &'a CallParams) -> Result<Params<'a>, TencentError> {
        match &call.value {
            Value::Object(map) => Ok(Params {
                map,
                path: String::new(),
                textual: call.textual,
            }),
            _ => Err(TencentError::new(
                "InvalidParameter",
                "The request body must be a JSON object of the action's parameters.",
            )),
        }
    }

    /// The full name of a field, e.g. `Accounts.0.User`.
    pub(crate) fn name(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.path)
        }
    }

    /// Refuses any field not in `known` (`UnknownParameter`).
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), TencentError> {
        match self.map.keys().find(|key| !known.contains(&key.as_str())) {
            Some(unknown) => Err(TencentError::new(
                "UnknownParameter",
                format!("The parameter `{}` is not recognized.", self.name(unknown)),
            )),
            None => Ok(()),
        }
    }

    fn field(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|value| !value.is_null())
    }

    fn wrong_type(&self, field: &str, expected: &str) -> TencentError {
        TencentError::new(
            "InvalidParameter",
            format!("The parameter `{}` must be {expected}.", self.name(field)),
        )
    }

    /// A string field; absent or `null` is `None`.
    pub(crate) fn string(&self, field: &str) -> Result<Option<&'a str>, TencentError> {
        match self.field(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            Some(_) => Err(self.wrong_type(field, "a string")),
        }
    }

    /// A string field that must be there and not empty (`MissingParameter` otherwise).
    pub(crate) fn required_string(&self, field: &str) -> Result<&'a str, TencentError> {
        match self.string(field)? {
            Some(text) if !text.is_empty() => Ok(text),
            _ => Err(TencentError::missing_parameter(&self.name(field))),
        }
    }

    /// A whole number field.
    pub(crate) fn integer(&self, field: &str) -> Result<Option<i64>, TencentError> {
        match self.field(field) {
            None => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.wrong_type(field, "a whole number")),
            Some(Value::String(text)) if self.textual => text
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.wrong_type(field, "a whole number")),
            Some(_) => Err(self.wrong_type(field, "a whole number")),
        }
    }

    /// A boolean field.
    pub(crate) fn boolean(&self, field: &str) -> Result<Option<bool>, TencentError> {
        match self.field(field) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            // The Python SDK writes Python's `True` and `False`.
            Some(Value::String(text)) if self.textual => match text.as_str() {
                "true" | "True" => Ok(Some(true)),
                "false" | "False" => Ok(Some(false)),
                _ => Err(self.wrong_type(field, "true or false")),
            },
            Some(_) => Err(self.wrong_type(field, "true or false")),
        }
    }

    /// An array of strings.
    pub(crate) fn strings(&self, field: &str) -> Result<Option<Vec<&'a str>>, TencentError> {
        let Some(value) = self.field(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(self.wrong_type(field, "an array of strings"));
        };
        items
            .iter()
            .map(|item| item.as_str())
            .collect::<Option<Vec<&str>>>()
            .map(Some)
            .ok_or_else(|| self.wrong_type(field, "an array of strings"))
    }

    /// An array of strings that must be there (it may be empty).
    pub(crate) fn required_strings(&self, field: &str) -> Result<Vec<&'a str>, TencentError> {
        self.strings(field)?
            .ok_or_else(|| TencentError::missing_parameter(&self.name(field)))
    }

    /// A structure.
    pub(crate) fn object(&self, field: &str) -> Result<Option<Params<'a>>, TencentError> {
        match self.field(field) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Params {
                map,
                path: self.name(field),
                textual: self.textual,
            })),
            Some(_) => Err(self.wrong_type(field, "an object")),
        }
    }

    /// A structure that must be there.
    pub(crate) fn required_object(&self, field: &str) -> Result<Params<'a>, TencentError> {
        self.object(field)?
            .ok_or_else(|| TencentError::missing_parameter(&self.name(field)))
    }

    /// An array of structures, each named `Field.N`.
    pub(crate) fn objects(&self, field: &str) -> Result<Option<Vec<Params<'a>>>, TencentError> {
        let Some(value) = self.field(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(self.wrong_type(field, "an array of objects"));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::Object(map) => Ok(Params {
                    map,
                    path: format!("{}.{index}", self.name(field)),
                    textual: self.textual,
                }),
                _ => Err(self.wrong_type(&format!("{field}.{index}"), "an object")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The path of this structure, e.g. `ModifyPrivilegeSet.3`.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json(value: Value) -> CallParams {
        CallParams {
            value,
            textual: false,
        }
    }

    #[test]
    fn fields_are_read_with_the_vendors_codes() {
        let body =
            json(json!({"InstanceId": "cdb-1", "Limit": "20", "Accounts": [{"User": "a"}, 3]}));
        let params = Params::of(&body).expect("object");
        assert_eq!(params.required_string("InstanceId"), Ok("cdb-1"));
        let missing = params.required_string("User").unwrap_err();
        assert_eq!(missing.code, "MissingParameter");
        assert_eq!(
            params.integer("Limit").unwrap_err().code,
            "InvalidParameter"
        );
        let error = params.objects("Accounts").unwrap_err();
        assert!(error.message.contains("`Accounts.1`"), "{error}");
        let unknown = params.only(&["InstanceId", "Accounts"]).unwrap_err();
        assert_eq!(unknown.code, "UnknownParameter");
        assert!(unknown.message.contains("`Limit`"));
        assert_eq!(
            Params::of(&json(json!([1]))).unwrap_err().code,
            "InvalidParameter"
        );
    }

    #[test]
    fn nested_fields_are_named_by_their_path() {
        let body = json(json!({"Accounts": [{"User": "a", "Hots": "%"}]}));
        let params = Params::of(&body).expect("object");
        let accounts = params.objects("Accounts").expect("accounts").expect("some");
        let error = accounts[0].only(&["User", "Host"]).unwrap_err();
        assert!(error.message.contains("`Accounts.0.Hots`"), "{error}");
        let error = accounts[0].required_string("Host").unwrap_err();
        assert!(error.message.contains("`Accounts.0.Host`"), "{error}");
    }

    #[test]
    fn pairs_carry_numbers_and_booleans_as_text() {
        let call = CallParams {
            value: json!({"Offset": "0", "IsCascade": "False", "Bad": "x", "Items": [{"On": "true"}]}),
            textual: true,
        };
        let params = Params::of(&call).expect("object");
        assert_eq!(params.integer("Offset"), Ok(Some(0)));
        assert_eq!(params.boolean("IsCascade"), Ok(Some(false)));
        assert_eq!(params.integer("Bad").unwrap_err().code, "InvalidParameter");
        assert_eq!(params.boolean("Bad").unwrap_err().code, "InvalidParameter");
        let items = params.objects("Items").expect("items").expect("some");
        assert_eq!(items[0].boolean("On"), Ok(Some(true)));
    }
}
