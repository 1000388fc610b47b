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

/// The HTTP status and the error body's `kind` of an error of `kind`.
#[must_use]
pub fn status_of(kind: ErrorKind) -> (StatusCode, &'static str) {
    match kind {
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
        ErrorKind::InvalidInput => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        ErrorKind::InsufficientBalance => (StatusCode::CONFLICT, "insufficient_balance"),
        ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        ErrorKind::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        ErrorKind::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// What a client is told of `error`: its message, except for internal errors, which are
/// logged (with their causes) and answered with a generic line.
#[must_use]
pub fn public_message(error: &Error, status: StatusCode) -> String {
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %error.report(), "internal error");
        "something went wrong on our side; it has been logged".to_owned()
    } else {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %error.report(), "dependency unavailable");
        }
        error.to_string()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind) = status_of(self.0.kind());
        let message = public_message(&self.0, status);
        let field = match &self.0 {
            Error::InvalidInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        let mut response =
            (status, Json(json!({ "error": { "kind": kind, "message": message, "field": field } }))).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        if let Error::RateLimited { retry_after_seconds, .. } = &self.0 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds.max(&1).to_owned()));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110: a 401 names how to authenticate; the cookie session is the other way.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"regulars\""));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Captures what the `tracing` subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("no such table: guests")]
    struct DriverError;

    /// The log line `error` writes when answered, and the answer's status and body.
    fn answer(error: Error) -> (String, StatusCode, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        let response = tracing::subscriber::with_default(subscriber, || AppError(error).into_response());
        let status = response.status();
        let body = futures::executor::block_on(axum::body::to_bytes(response.into_body(), 4096)).unwrap_or_default();
        let log =
            String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned();
        (log, status, String::from_utf8_lossy(&body).into_owned())
    }

    #[test]
    fn the_log_shows_the_cause_and_the_client_never_does() {
        let (log, status, body) = answer(Error::internal_from("database error", DriverError));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(log.contains("internal error: database error: no such table: guests"), "{log}");
        assert!(!body.contains("no such table") && !body.contains("database error"), "{body}");

        let (log, status, body) = answer(Error::unavailable_from("the database is busy; retry", DriverError));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(log.contains("unavailable: the database is busy; retry: no such table: guests"), "{log}");
        assert!(body.contains("the database is busy") && !body.contains("no such table"), "{body}");
    }
}
