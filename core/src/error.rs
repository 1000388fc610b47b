//! The error type every repository and service in regulars returns.
//!
//! Callers branch on [`Error::kind`], never on message text: the HTTP layer maps kinds to
//! status codes, a POS retry loop retries [`ErrorKind::Unavailable`], a bot turns
//! [`ErrorKind::InsufficientBalance`] into a friendly message.
//!
//! [`Error::Unavailable`] and [`Error::Internal`] keep the error that caused them
//! ([`std::error::Error::source`]), so an operator's log shows the whole chain
//! ([`Error::report`]) while clients see only the message.

use std::fmt;

/// The cause kept by [`Error::Unavailable`] and [`Error::Internal`].
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

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
    /// The caller did not say who they are, or what they said (a password, a session, a
    /// token) does not hold: log in or send a valid credential.
    Unauthenticated,
    /// The caller is known and may see the thing, but their role or token may not do this
    /// to it. Things outside the caller's scope answer [`ErrorKind::NotFound`] instead, so
    /// an answer never confirms that another chain's id exists.
    Forbidden,
    /// Too many attempts (logins, codes): wait the time given and try again.
    RateLimited,
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
    /// See [`ErrorKind::Unavailable`]. Built with [`Error::unavailable`] or
    /// [`Error::unavailable_from`].
    #[error("unavailable: {message}")]
    Unavailable {
        /// What was unavailable, phrased for the client that may retry.
        message: String,
        /// The error that caused it (the driver's), for the log.
        #[source]
        source: Option<Source>,
    },
    /// See [`ErrorKind::Unauthenticated`]. The message says what to do, never which part
    /// of a credential was wrong (a login name that exists and one that does not answer alike).
    #[error("not authenticated: {0}")]
    Unauthenticated(String),
    /// See [`ErrorKind::Forbidden`].
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// See [`ErrorKind::RateLimited`].
    #[error("too many attempts: {message}; try again in {retry_after_seconds} s")]
    RateLimited {
        /// What was limited, phrased for the person who tried.
        message: String,
        /// Whole seconds until the next attempt may succeed (at least 1).
        retry_after_seconds: u64,
    },
    /// See [`ErrorKind::Internal`]. Built with [`Error::internal`] or [`Error::internal_from`].
    #[error("internal error: {message}")]
    Internal {
        /// What failed, for the log.
        message: String,
        /// The error that caused it, for the log.
        #[source]
        source: Option<Source>,
    },
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
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::Internal { .. } => ErrorKind::Internal,
            Self::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
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

    /// Shorthand for [`Error::Unavailable`] without a cause.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable { message: message.into(), source: None }
    }

    /// [`Error::Unavailable`] caused by `source`, which [`std::error::Error::source`] returns.
    pub fn unavailable_from(message: impl Into<String>, source: impl Into<Source>) -> Self {
        Self::Unavailable { message: message.into(), source: Some(source.into()) }
    }

    /// Shorthand for [`Error::Internal`] without a cause.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal { message: message.into(), source: None }
    }

    /// [`Error::Internal`] caused by `source`, which [`std::error::Error::source`] returns.
    pub fn internal_from(message: impl Into<String>, source: impl Into<Source>) -> Self {
        Self::Internal { message: message.into(), source: Some(source.into()) }
    }

    /// The error and every cause after it, for logs: `internal error: database error: no
    /// such table: guests`.
    #[must_use]
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }

    /// True when retrying the same request later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.kind() == ErrorKind::Unavailable
    }
}

/// Any error followed by its chain of causes, each after `: ` (see [`Error::report`]); the
/// alternate form (`{:#}`) puts each cause on its own line instead.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(e) = cause {
            if f.alternate() {
                write!(f, "\n  caused by: {e}")?;
            } else {
                write!(f, ": {e}")?;
            }
            cause = e.source();
        }
        Ok(())
    }
}

/// Result with the regulars [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("disk full")]
    struct DiskFull;

    #[derive(Debug, thiserror::Error)]
    #[error("write failed")]
    struct WriteFailed(#[source] DiskFull);

    #[test]
    fn the_cause_is_kept_and_reported() {
        let e = Error::internal_from("saving the guest", WriteFailed(DiskFull));
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert_eq!(e.to_string(), "internal error: saving the guest", "the message alone, for clients");
        let source = e.source().expect("the cause is kept");
        assert_eq!(source.to_string(), "write failed");
        assert!(source.downcast_ref::<WriteFailed>().is_some(), "the cause itself, not a copy of its text");
        assert_eq!(e.report().to_string(), "internal error: saving the guest: write failed: disk full");
        assert_eq!(
            format!("{:#}", e.report()),
            "internal error: saving the guest\n  caused by: write failed\n  caused by: disk full"
        );

        let e = Error::unavailable_from("the database is busy", DiskFull);
        assert!(e.is_retryable());
        assert_eq!(e.source().map(ToString::to_string).as_deref(), Some("disk full"));
        assert_eq!(e.report().to_string(), "unavailable: the database is busy: disk full");
    }

    #[test]
    fn without_a_cause_there_is_none() {
        for e in [Error::internal("x"), Error::unavailable("y")] {
            assert!(e.source().is_none(), "{e}");
        }
        assert_eq!(Error::invalid("f", "r").report().to_string(), "invalid f: r");
    }
}
