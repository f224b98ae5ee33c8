//! Publish's check of message attributes (names, types, values) and their size.

use serde_json::Value;

use crate::sns::error::{SnsError, SnsErrorCode, SnsResult};
use crate::sns::model::MessageAttributes;

/// AWS's model check, made before anything else: every attribute has a DataType. `at` is the
/// request path of the attributes (`messageAttributes`, or
/// `publishBatchRequestEntries.<n>.member.messageAttributes`), as AWS prints it. An empty
/// DataType counts as a missing one (the two read the same here).
pub(super) fn check_data_types(attrs: &MessageAttributes, at: &str) -> SnsResult<()> {
    match attrs.iter().find(|(_, v)| v.data_type.is_empty()) {
        Some((name, _)) => Err(SnsError::new(
            SnsErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value null at '{at}.{name}.member.dataType' failed to satisfy constraint: Member must not be null"
            ),
        )),
        None => Ok(()),
    }
}

/// The attributes' size as the message size limits count it: names, types and values.
pub(super) fn attributes_size(attrs: &MessageAttributes) -> usize {
    attrs
        .iter()
        .map(|(name, v)| {
            name.len()
                + v.data_type.len()
                + v.string_value.as_ref().map_or(0, String::len)
                + v.binary_value.as_ref().map_or(0, Vec::len)
        })
        .sum()
}

/// The attributes' size (names, types and values), or the error AWS gives for the first bad
/// one.
pub(super) fn validate_message_attributes(attrs: &MessageAttributes) -> SnsResult<usize> {
    let mut size = 0;
    let invalid = |message: String| SnsError::new(SnsErrorCode::InvalidParameterValue, message);
    for (name, v) in attrs {
        if name.len() > 256 {
            return Err(invalid(
                "Length of message attribute name must be less than 256 bytes.".to_string(),
            ));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            return Err(invalid(format!(
                "Invalid non-alphanumeric character '#x{:X}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
                u32::from(c)
            )));
        }
        if name.starts_with('.') {
            return Err(invalid(
                "Invalid message attribute name starting with character '.' was found.".to_string(),
            ));
        }
        if name.ends_with('.') {
            return Err(invalid(
                "Invalid message attribute name ending with character '.' was found.".to_string(),
            ));
        }
        if name.contains("..") {
            return Err(invalid(
                "Message attribute name can not have successive '.' character.".to_string(),
            ));
        }
        // `AWS.` and `Amazon.` are reserved, except for the attributes SNS itself reads
        // (`AWS.SNS.MOBILE.APNS.TOPIC`, `AWS.SNS.SMS.SMSType`, `AWS.MM.SMS.OriginationNumber`,
        // ...), which publishers set.
        let sns_own = name.starts_with("AWS.SNS.") || name.starts_with("AWS.MM.SMS.");
        if name.is_empty()
            || (!sns_own
                && (name.to_ascii_lowercase().starts_with("aws.")
                    || name.to_ascii_lowercase().starts_with("amazon.")))
        {
            return Err(SnsError::new(
                SnsErrorCode::InvalidParameterValue,
                format!("The message attribute '{name}' has an invalid message attribute name."),
            ));
        }
        let base = v.data_type.split('.').next().unwrap_or("");
        let kind = match (base, v.data_type.as_str()) {
            (_, "String.Array") => "String.Array",
            ("String", _) => "String",
            ("Number", _) => "Number",
            ("Binary", _) => "Binary",
            _ => {
                return Err(SnsError::new(
                    SnsErrorCode::InvalidParameterValue,
                    format!(
                        "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
                    ),
                ));
            }
        };
        let empty = || {
            SnsError::new(
                SnsErrorCode::InvalidParameterValue,
                format!(
                    "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{kind}'."
                ),
            )
        };
        // A value only in the other field: AWS names the field the type needs.
        let (field, misplaced) = if kind == "Binary" {
            (
                "Binary",
                v.binary_value.is_none() && v.string_value.is_some(),
            )
        } else {
            (
                "String",
                v.string_value.is_none() && v.binary_value.is_some(),
            )
        };
        if misplaced {
            return Err(invalid(format!(
                "The message attribute '{name}' with type '{kind}' must use field '{field}'."
            )));
        }
        match kind {
            "Binary" => {
                let b = v
                    .binary_value
                    .as_ref()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(empty)?;
                size += b.len();
            }
            _ => {
                let s = v
                    .string_value
                    .as_ref()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(empty)?;
                if kind == "Number" && !s.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                    return Err(SnsError::new(
                        SnsErrorCode::InvalidParameterValue,
                        format!(
                            "An error occurred while trying to parse the value for the number attribute '{name}'."
                        ),
                    ));
                }
                if kind == "String.Array"
                    && !matches!(serde_json::from_str::<Value>(s), Ok(Value::Array(_)))
                {
                    return Err(SnsError::new(
                        SnsErrorCode::InvalidParameterValue,
                        format!(
                            "The message attribute '{name}' with type 'String.Array' must be a JSON array."
                        ),
                    ));
                }
                size += s.len();
            }
        }
        size += name.len() + v.data_type.len();
    }
    Ok(size)
}
