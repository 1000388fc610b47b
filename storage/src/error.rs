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
        other if is_busy(&other.to_string()) => Error::Unavailable(other.to_string()),
        other => {
            tracing::error!(error = %other, "database error");
            Error::Internal(other.to_string())
        }
    }
}

/// Errors that mean "the database is not there right now", worth retrying rather than bugs:
/// SQLite's contention, and PostgreSQL going away under us (a restart, a failover, an
/// administrator terminating connections, a database closed to connections, no slots left).
fn is_busy(message: &str) -> bool {
    const TRANSIENT: [&str; 9] = [
        "database is locked",
        "database is busy",
        "terminating connection",
        "server closed the connection",
        "connection closed",
        "not currently accepting connections",
        "the database system is shutting down",
        "the database system is starting up",
        "too many clients",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

/// A column holding a value regulars itself wrote that no longer parses: corruption or a bug.
pub(crate) fn corrupt(column: &str, detail: impl std::fmt::Display) -> DbError {
    tracing::error!(column, %detail, "unreadable column value");
    DbError::Domain(Error::Internal(format!("unreadable value in column {column}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losing_the_database_is_unavailable_not_internal() {
        for message in [
            "terminating connection due to administrator command",
            "database \"regulars\" is not currently accepting connections",
            "server closed the connection unexpectedly",
            "database is locked",
        ] {
            let e = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()));
            assert_eq!(map_diesel(&e).kind(), regulars_core::ErrorKind::Unavailable, "{message}");
        }
        let bug = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new("syntax error".to_owned()));
        assert_eq!(map_diesel(&bug).kind(), regulars_core::ErrorKind::Internal);
    }
}
