//! What the Table API answers, read: a reply's `result`, a record's field as text (scenarios, preflight, undo).

use serde_json::Value;

use crate::client::Reply;

/// A field of a record as text (references rendered without links).
pub(crate) fn text(record: &Value, field: &str) -> String {
    match &record[field] {
        Value::String(value) => value.clone(),
        Value::Object(reference) => reference
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// The `result` of a Table API reply with the expected status, or an error saying what went wrong.
pub(crate) fn expect_result(reply: &Reply, status: u16, what: &str) -> Result<Value, String> {
    if reply.queued() && status != 202 {
        return Err(format!(
            "could not {what}: the instance queued it (202), so whether it happened is unknown"
        ));
    }
    if reply.status != status {
        return Err(format!(
            "could not {what}: the instance answered {} {}",
            reply.status, reply.body
        ));
    }
    reply
        .result()
        .ok_or_else(|| format!("could not {what}: no result in {}", reply.body))
}
