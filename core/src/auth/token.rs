//! Random bearer secrets: session cookies, API tokens, terminal pairings.
//!
//! Each is 32 random bytes from the operating system's generator, base64url, behind a short
//! prefix that says what it is (so a token pasted into the wrong place, or found in a leak
//! scan, is recognisable). Only a SHA-256 digest is stored: a stolen database does not hold
//! usable credentials, and a fast hash is enough because the secret has 256 bits of entropy,
//! nothing a dictionary could guess (unlike a password, which gets Argon2id).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use super::secret::{Secret, SecretHash};

/// What a bearer secret opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A browser session's cookie value.
    Session,
    /// An integrator's API token (`Authorization: Bearer …`).
    Api,
    /// A paired terminal's token, kept by the tablet.
    Terminal,
}

impl TokenKind {
    /// The prefix every token of this kind starts with.
    #[must_use]
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Session => "rgs_",
            Self::Api => "rgt_",
            Self::Terminal => "rgp_",
        }
    }
}

/// A token just made: the plain text to hand over once, and the digest to store.
#[derive(Debug)]
pub struct IssuedToken {
    /// Shown once to its holder, never stored.
    pub plain: Secret,
    /// What storage keeps and looks the token up by.
    pub hash: SecretHash,
}

/// Makes a new random token of `kind`.
#[must_use]
pub fn issue(kind: TokenKind) -> IssuedToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let plain = Secret::new(format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes)));
    let hash = digest(&plain);
    IssuedToken { plain, hash }
}

/// The stored digest of a presented token, to look it up by. Any text hashes, so callers
/// need not validate first; [`looks_like`] rejects obvious garbage without a database trip.
#[must_use]
pub fn digest(token: &Secret) -> SecretHash {
    let sum = Sha256::digest(token.expose().as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in sum {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    SecretHash::from_stored(hex)
}

/// Whether `token` has the shape of a token of `kind` (prefix and length), so a request
/// carrying anything else is refused before the store is asked.
#[must_use]
pub fn looks_like(kind: TokenKind, token: &str) -> bool {
    token.strip_prefix(kind.prefix()).is_some_and(|rest| {
        rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_stored_as_digests() {
        let a = issue(TokenKind::Api);
        let b = issue(TokenKind::Api);
        assert_ne!(a.plain, b.plain);
        assert!(looks_like(TokenKind::Api, a.plain.expose()), "{}", a.plain.expose());
        assert!(!looks_like(TokenKind::Session, a.plain.expose()));
        assert!(!looks_like(TokenKind::Api, "rgt_short"));
        assert_eq!(digest(&a.plain), a.hash);
        assert_eq!(a.hash.as_str().len(), 64);
        assert!(!a.hash.as_str().contains(a.plain.expose()));
    }
}
