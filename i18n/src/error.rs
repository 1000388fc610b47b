//! Errors of loading and formatting.

use std::path::PathBuf;

/// What went wrong, for callers that branch on the cause rather than the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A locale directory or file could not be read.
    Io,
    /// A Fluent file does not parse or does not fit in its bundle (e.g. a duplicate id).
    InvalidSource,
    /// A locale directory name is not a language tag.
    InvalidLocale,
    /// The message does not exist in the requested locale.
    MissingMessage,
    /// The message exists but resolving it reported errors (e.g. a missing variable).
    Format,
}

/// An error from `regulars-i18n`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum I18nError {
    /// Reading a locale directory or file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path that could not be read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Fluent sources are broken; the checker gives every finding with its line.
    #[error("invalid Fluent source {}:{line}: {message}", path.display())]
    InvalidSource {
        /// The file at fault.
        path: PathBuf,
        /// 1-based line of the first problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A directory under the locales root is not a valid language tag.
    #[error("{name:?} is not a language tag (expected a directory like `ru` or `sr-Cyrl`)")]
    InvalidLocale {
        /// The directory name.
        name: String,
    },
    /// The message id is not in the locale.
    #[error("message {id:?} is missing in {locale}")]
    MissingMessage {
        /// The locale asked for.
        locale: String,
        /// The message id (with `.attribute` if one was asked for).
        id: String,
    },
    /// Resolving the message reported errors; `output` is what Fluent produced regardless.
    #[error("formatting {id:?} in {locale} failed: {}", errors.join("; "))]
    Format {
        /// The locale used.
        locale: String,
        /// The message id.
        id: String,
        /// Fluent's resolver errors as text.
        errors: Vec<String>,
        /// The best-effort text Fluent produced anyway.
        output: String,
    },
}

impl I18nError {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Io { .. } => ErrorKind::Io,
            Self::InvalidSource { .. } => ErrorKind::InvalidSource,
            Self::InvalidLocale { .. } => ErrorKind::InvalidLocale,
            Self::MissingMessage { .. } => ErrorKind::MissingMessage,
            Self::Format { .. } => ErrorKind::Format,
        }
    }
}
