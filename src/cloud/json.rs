//! Reading the vendors' JSON answers: `null` for empty values, text fields, RequestIds, and
//! whole answers into their shapes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::CloudError;

/// Reads `null` as the type's empty value (empty list, empty text, zero), for fields declared
/// `#[serde(default, deserialize_with = "null_as_empty")]`. Vendors (Tencent especially)
/// answer `null` for an empty list or text, and plain `#[serde(default)]` covers only a
/// missing field. Names that identify a record (an account, a database) are left required:
/// a record without its name cannot be read, and the answer is reported as unexpected.
pub fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The text of field `name` of a JSON object; empty when it is missing, `null` or not text.
pub fn text_field(json: &Value, name: &str) -> String {
    json.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The `RequestId` of an answer (Tencent's `Response` object or Alibaba's whole answer), when
/// it has a non-empty one.
pub fn request_id_of(answer: &Value) -> Option<String> {
    Some(text_field(answer, "RequestId")).filter(|id| !id.is_empty())
}

/// `answer` (what `action` answered) read into its shape, or an error naming the action, the
/// `part` of the answer that could not be read, and the answer's RequestId.
pub fn read_answer<T: DeserializeOwned>(
    action: &str,
    part: &str,
    answer: Value,
) -> Result<T, CloudError> {
    let request_id = request_id_of(&answer);
    serde_json::from_value(answer).map_err(|error| CloudError::InvalidResponse {
        action: action.to_owned(),
        detail: format!("cannot read {part}: {error}"),
        request_id,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        #[serde(default, deserialize_with = "null_as_empty")]
        names: Vec<String>,
        #[serde(default, deserialize_with = "null_as_empty")]
        status: String,
        #[serde(default, deserialize_with = "null_as_empty")]
        total_count: usize,
    }

    #[test]
    fn null_and_missing_read_as_empty() {
        let null: Answer =
            serde_json::from_value(json!({"Names": null, "Status": null, "TotalCount": null}))
                .expect("nulls");
        assert_eq!(null, Answer::default());
        let missing: Answer = serde_json::from_value(json!({})).expect("missing");
        assert_eq!(missing, Answer::default());
        let present: Answer =
            serde_json::from_value(json!({"Names": ["a"], "Status": "ok", "TotalCount": 3}))
                .expect("present");
        assert_eq!(
            present,
            Answer {
                names: vec!["a".into()],
                status: "ok".into(),
                total_count: 3,
            }
        );
        assert!(serde_json::from_value::<Answer>(json!({"Names": "a"})).is_err());
    }

    #[test]
    fn text_fields_and_request_ids() {
        let answer = json!({"Code": "Throttling", "Message": null, "RequestId": "R-1"});
        assert_eq!(text_field(&answer, "Code"), "Throttling");
        assert_eq!(text_field(&answer, "Message"), "");
        assert_eq!(text_field(&answer, "Recommend"), "");
        assert_eq!(request_id_of(&answer), Some("R-1".to_owned()));
        assert_eq!(request_id_of(&json!({"RequestId": ""})), None);
        assert_eq!(request_id_of(&json!({"RequestId": null})), None);
        assert_eq!(request_id_of(&json!({})), None);
    }
}
