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
        Self::Domain(Error::unavailable(reason))
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Domain(e) => e,
            DbError::KeyRace => Error::unavailable("concurrent write with the same idempotency key; retry"),
            DbError::Diesel(e) => map_diesel(e),
        }
    }
}

/// The core error for a driver error, which stays its source: the client sees the message,
/// the log the driver's words too.
fn map_diesel(e: DieselError) -> Error {
    match &e {
        DieselError::NotFound => Error::NotFound { entity: "record", id: String::new() },
        DieselError::DatabaseError(kind, info) => match kind {
            DatabaseErrorKind::UniqueViolation => Error::Conflict(format!(
                "already exists ({})",
                info.constraint_name().unwrap_or_else(|| info.message())
            )),
            DatabaseErrorKind::ForeignKeyViolation => Error::Conflict("refers to something that does not exist".into()),
            DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::ClosedConnection => {
                Error::unavailable_from("the database could not complete the request; retry", e)
            }
            _ if is_busy(info.message()) => Error::unavailable_from("the database is busy or restarting; retry", e),
            _ => {
                tracing::error!(error = %info.message(), "database error");
                Error::internal_from("database error", e)
            }
        },
        DieselError::BrokenTransactionManager => Error::unavailable_from("connection lost mid-transaction", e),
        other if is_busy(&other.to_string()) => Error::unavailable_from("the database is busy or restarting; retry", e),
        other => {
            tracing::error!(error = %other, "database error");
            Error::internal_from("database error", e)
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
    DbError::Domain(Error::internal_from(format!("unreadable value in column {column}"), detail.to_string()))
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
            assert_eq!(map_diesel(e).kind(), regulars_core::ErrorKind::Unavailable, "{message}");
        }
        let bug = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new("syntax error".to_owned()));
        assert_eq!(map_diesel(bug).kind(), regulars_core::ErrorKind::Internal);
    }

    #[test]
    fn the_drivers_error_stays_the_source() {
        use std::error::Error as _;
        let bug = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new("no such table: guests".to_owned()));
        let e = map_diesel(bug);
        assert_eq!(e.to_string(), "internal error: database error");
        let source = e.source().expect("the diesel error is kept");
        assert!(source.downcast_ref::<DieselError>().is_some(), "{source:?}");
        assert_eq!(e.report().to_string(), "internal error: database error: no such table: guests");
        let busy = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new("database is locked".to_owned()));
        assert_eq!(
            map_diesel(busy).report().to_string(),
            "unavailable: the database is busy or restarting; retry: database is locked"
        );
        let column = Error::from(corrupt("guests.language", "not a language tag"));
        assert_eq!(column.source().map(ToString::to_string).as_deref(), Some("not a language tag"));
    }
}
