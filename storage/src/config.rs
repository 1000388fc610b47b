//! Store settings.
//!
//! Keys (under `[database]` in the server's TOML file, `REGULARS_DATABASE_*` in the
//! environment):
//! - `url`: `sqlite://<path>` (relative or absolute; `sqlite:///abs/path` also works) or
//!   `postgres://user:password@host:port/db`. Default `sqlite://data/regulars.db`.
//! - `pool_size`: connections in the pool (PostgreSQL) or reader connections (SQLite).
//!   Default 16.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use crate::error::OpenError;

/// A database URL. May hold a password, so `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with any password replaced by `***`, safe to log.
    #[must_use]
    pub fn redacted(&self) -> String {
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = &self.0[scheme_end + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &self.0[..scheme_end + 3], &self.0[at..]),
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }

    /// Which backend and where.
    ///
    /// # Errors
    /// [`OpenError::InvalidUrl`] for other schemes or an empty path.
    pub fn target(&self) -> Result<Target, OpenError> {
        if let Some(path) = self.0.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(OpenError::InvalidUrl(
                    "sqlite:// needs a file path, e.g. sqlite://data/regulars.db".into(),
                ));
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            return Ok(Target::Postgres(self.0.clone()));
        }
        Err(OpenError::InvalidUrl(format!("`{}` must start with sqlite:// or postgres://", self.redacted())))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Where a [`DatabaseUrl`] points.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (may hold a password: never log it).
    Postgres(String),
}

/// Settings of a store.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// See the module docs.
    pub url: DatabaseUrl,
    /// See the module docs.
    pub pool_size: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self { url: DatabaseUrl::new("sqlite://data/regulars.db"), pool_size: 16 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = DatabaseUrl::new("postgres://app:s3cret@db:5432/regulars");
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/regulars");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(!url.to_string().contains("s3cret"));
    }

    #[test]
    fn targets_are_recognised() {
        assert!(
            matches!(DatabaseUrl::new("sqlite://data/x.db").target(), Ok(Target::Sqlite(p)) if p.as_path() == std::path::Path::new("data/x.db"))
        );
        assert!(matches!(DatabaseUrl::new("postgresql://localhost/x").target(), Ok(Target::Postgres(_))));
        assert!(DatabaseUrl::new("mysql://x").target().is_err());
        assert!(DatabaseUrl::new("sqlite://").target().is_err());
    }
}
