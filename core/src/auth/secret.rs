//! Text that must never be shown: passwords, PINs, tokens, and what is stored of them.

use std::fmt;

use zeroize::Zeroize;

/// A secret in plain text (a password or PIN typed by a person, a token just issued).
///
/// `Debug` and `Display` never show it, so it cannot reach a log by accident; the memory is
/// wiped when it is dropped. Read it with [`Secret::expose`] where it is really needed.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps `text`.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The plain text, for hashing or showing once to its owner.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A stored one-way hash of a secret: an Argon2id PHC string for passwords and PINs
/// ([`crate::auth::password`]), a SHA-256 hex digest for random tokens
/// ([`crate::auth::token`]).
///
/// Not secret in the way a password is, but still nothing to print: `Debug` hides it too.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretHash(String);

impl SecretHash {
    /// Wraps a hash read back from storage.
    #[must_use]
    pub fn from_stored(hash: impl Into<String>) -> Self {
        Self(hash.into())
    }

    /// The text to store.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::new("hunter2");
        let hash = SecretHash::from_stored("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
        let shown = format!("{secret:?} {hash:?} {:?}", Some(&secret));
        assert!(!shown.contains("hunter2") && !shown.contains("argon2"), "{shown}");
        assert_eq!(secret.expose(), "hunter2");
    }
}
