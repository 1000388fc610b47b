//! Errors: how database failures become the core [`Error`] kinds callers act on, and the
//! error type of opening a store.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use regulars_core::Error;

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The database URL is not one this build understands.
    #[error("database.url: {0}")]
    InvalidUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the {backend} database: {reason}")]
    Connect {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said (never includes credentials).
        reason: String,
    },
    /// Applying migrations failed.
    #[error("migrating the {backend} database failed: {reason}")]
    Migrate {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// The error inside storage code: a domain error raised by a check, a driver error, or the
/// signal that a concurrent writer claimed an idempotency key first (PostgreSQL only; the
/// caller retries and then sees the replay).
#[derive(Debug)]
pub(crate) enum DbError {
    Domain(Error),
    Diesel(DieselError),
    KeyRace,
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        Self::Diesel(e)
    }
}

impl From<Error> for DbError {
    fn from(e: Error) -> Self {
        Self::Domain(e)
    }
}

impl DbError {
    pub(crate) fn unavailable(reason: impl Into<String>) -> Self {
        Self::Domain(Error::Unavailable(reason.into()))
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Domain(e) => e,
            DbError::KeyRace => Error::Unavailable("concurrent write with the same idempotency key; retry".into()),
            DbError::Diesel(e) => map_diesel(&e),
        }
    }
}

fn map_diesel(e: &DieselError) -> Error {
    match e {
        DieselError::NotFound => Error::NotFound { entity: "record", id: String::new() },
        DieselError::DatabaseError(kind, info) => match kind {
            DatabaseErrorKind::UniqueViolation => Error::Conflict(format!(
                "already exists ({})",
                info.constraint_name().unwrap_or_else(|| info.message())
            )),
            DatabaseErrorKind::ForeignKeyViolation => Error::Conflict("refers to something that does not exist".into()),
            DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::ClosedConnection => {
                Error::Unavailable(info.message().to_owned())
            }
            _ if is_busy(info.message()) => Error::Unavailable(info.message().to_owned()),
            _ => {
                tracing::error!(error = %info.message(), "database error");
                Error::Internal(info.message().to_owned())
            }
        },
        DieselError::BrokenTransactionManager => Error::Unavailable("connection lost mid-transaction".into()),
        other => {
            tracing::error!(error = %other, "database error");
            Error::Internal(other.to_string())
        }
    }
}

/// SQLite reports contention as plain errors; they are worth retrying, not bugs.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// A column holding a value regulars itself wrote that no longer parses: corruption or a bug.
pub(crate) fn corrupt(column: &str, detail: impl std::fmt::Display) -> DbError {
    tracing::error!(column, %detail, "unreadable column value");
    DbError::Domain(Error::Internal(format!("unreadable value in column {column}")))
}
