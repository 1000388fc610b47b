//! How domain values are stored in columns: times as UTC milliseconds, structured values as
//! JSON text. The same encoding on both backends keeps query code shared.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DbError, corrupt};

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(column: &str, ms: i64) -> Result<DateTime<Utc>, DbError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(column, ms))
}

pub(crate) fn now_millis() -> i64 {
    to_millis(Utc::now())
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing our own plain data types cannot fail (no maps with non-string keys).
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(crate) fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(|e| corrupt(column, e))
}
