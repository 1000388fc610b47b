//! The error type every repository and service in regulars returns.
//!
//! Callers branch on [`Error::kind`], never on message text: the HTTP layer maps kinds to
//! status codes, a POS retry loop retries [`ErrorKind::Unavailable`], a bot turns
//! [`ErrorKind::InsufficientBalance`] into a friendly message.

use std::fmt;

/// What went wrong, in a form callers can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The thing asked for does not exist in the caller's chain (or at all).
    NotFound,
    /// The request clashes with existing state (duplicate slug, reused idempotency key with a
    /// different request, a shift that is already closed, ...).
    Conflict,
    /// The request itself is malformed; the error names the field.
    InvalidInput,
    /// A debit would take a balance below zero and the program forbids it.
    InsufficientBalance,
    /// A dependency (the database) is down or overloaded; retrying later may succeed.
    Unavailable,
    /// A bug or an unexpected state; details are logged, never shown to clients.
    Internal,
}

/// The regulars error: a kind plus the facts a caller or an operator needs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// See [`ErrorKind::NotFound`].
    #[error("{entity} {id} not found")]
    NotFound {
        /// The kind of thing, e.g. `"guest"`.
        entity: &'static str,
        /// The identifier that was looked up, as text.
        id: String,
    },
    /// See [`ErrorKind::Conflict`].
    #[error("conflict: {0}")]
    Conflict(String),
    /// See [`ErrorKind::InvalidInput`].
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field, dotted for nested values (`cafes[1].timezone`).
        field: String,
        /// Why it is invalid, phrased for the person who sent it.
        reason: String,
    },
    /// See [`ErrorKind::InsufficientBalance`].
    #[error("insufficient balance: {available} available, {requested} requested")]
    InsufficientBalance {
        /// What the wallet holds now.
        available: i64,
        /// What the debit asked for.
        requested: i64,
    },
    /// See [`ErrorKind::Unavailable`].
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// See [`ErrorKind::Internal`].
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The kind of this error, to branch on.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::InvalidInput { .. } => ErrorKind::InvalidInput,
            Self::InsufficientBalance { .. } => ErrorKind::InsufficientBalance,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Internal(_) => ErrorKind::Internal,
        }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(entity: &'static str, id: impl fmt::Display) -> Self {
        Self::NotFound { entity, id: id.to_string() }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput { field: field.into(), reason: reason.into() }
    }

    /// True when retrying the same request later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.kind() == ErrorKind::Unavailable
    }
}

/// Result with the regulars [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
