//! [`AppError`]: how every failure becomes an HTTP response with one JSON shape.
//!
//! `{"error": {"kind": "invalid_input", "message": "...", "field": "total"}}`. Internal causes
//! are logged and never shown to the client; `unavailable` answers carry `Retry-After` so a
//! POS or a load balancer retries instead of giving up.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use regulars_core::{Error, ErrorKind};
use serde_json::json;

/// An error answered over HTTP.
#[derive(Debug)]
pub struct AppError(pub Error);

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Seconds a client should wait before retrying an `unavailable` answer.
const RETRY_AFTER_SECONDS: &str = "5";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind) = match self.0.kind() {
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
            ErrorKind::InvalidInput => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ErrorKind::InsufficientBalance => (StatusCode::CONFLICT, "insufficient_balance"),
            ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.0, "internal error");
            "something went wrong on our side; it has been logged".to_owned()
        } else {
            if status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::warn!(error = %self.0, "dependency unavailable");
            }
            self.0.to_string()
        };
        let field = match &self.0 {
            Error::InvalidInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        let mut response =
            (status, Json(json!({ "error": { "kind": kind, "message": message, "field": field } }))).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
}
